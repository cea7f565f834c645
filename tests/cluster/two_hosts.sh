#!/usr/bin/env bash
# Two hosts for real: hostA and hostB are Linux network namespaces (own network
# stack, own hostname via a UTS namespace) joined by a bridge on a private
# 10.213.x.0/24 link. mpirun (through launch/herdrun --hostfile) starts Open
# MPI's orted in each namespace with a launch agent (plm_rsh_agent) in place
# of ssh, and the ranks talk TCP over that link only. Checked: 2 hosts x 1
# rank and 2 hosts x 2 ranks give bitwise the predictions of the same number
# of ranks on one host; node-local communicators (local rank/size per rank,
# the run's hosts "hostA:2,hostB:2"); only rank 0 (on hostA) writes the log
# and checkpoints: hostB sees the work folder read-only, so any write there
# would fail the run. Namespaces and links are removed on every exit.
source "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then echo "skipped: network namespaces need root"; exit 77; fi
"$HERD_SOURCE_DIR/scripts/install-deps" iproute2 util-linux >/dev/null
tag=$(( $$ % 100000 ))
ns_a=herdA$tag ns_b=herdB$tag bridge=hbr$tag
cleanup() {  # also ends what a failed run left inside the namespaces (orted, ranks)
  local ns
  for ns in "$ns_a" "$ns_b"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  done
  ip netns del "$ns_a" 2>/dev/null || true
  ip netns del "$ns_b" 2>/dev/null || true
  ip link del "$bridge" 2>/dev/null || true
}
trap cleanup EXIT
if ! ip netns add "$ns_a" 2>ns.err; then
  echo "skipped: cannot create network namespaces ($(head -c 200 ns.err))"; exit 77
fi

# a private /24 no interface of this machine uses yet
for _ in $(seq 50); do
  net=10.213.$(( RANDOM % 200 + 20 ))
  ip -4 addr | grep -q "inet $net\." || break
done
ip link add "$bridge" type bridge
ip addr add "$net.1/24" dev "$bridge"
ip link set "$bridge" up
ip netns add "$ns_b"
i=2
for h in A B; do
  ns=herd$h$tag
  ip link add "hv$h$tag" type veth peer name "hp$h$tag"
  ip link set "hp$h$tag" netns "$ns"
  ip link set "hv$h$tag" master "$bridge" up
  ip -n "$ns" link set "hp$h$tag" name herd0
  ip -n "$ns" addr add "$net.$i/24" dev herd0
  ip -n "$ns" link set herd0 up
  ip -n "$ns" link set lo up
  i=$((i + 1))
done

# host -> namespace (and a folder that host sees read-only)
printf 'hostA %s\nhostB %s %s\n' "$ns_a" "$ns_b" "$TEST_TMP" > hosts.map
cat > agent.sh <<'AGENT'
#!/bin/bash
# mpirun's launch agent (instead of ssh): agent.sh HOST COMMAND... runs the
# command in HOST's network namespace, with HOST as hostname (UTS namespace)
# and, if hosts.map says so, a folder remounted read-only (mount namespace).
map=$(dirname "$0")/hosts.map
host=$1; shift
read -r ns ro < <(awk -v h="$host" '$1 == h { print $2, $3 }' "$map")
[ -n "$ns" ] || { echo "agent: unknown host $host" >&2; exit 1; }
exec ip netns exec "$ns" unshare --uts --mount --propagation private sh -c '
  hostname "$1" || exit 1
  if [ -n "$2" ]; then mount --bind "$2" "$2" && mount -o remount,bind,ro "$2" "$2" || exit 1; fi
  exec sh -c "$3"' agent "$host" "$ro" "$*"
AGENT
chmod +x agent.sh
check "hostB has its own hostname" test "$(./agent.sh hostB hostname)" = hostB
check "hostA reaches hostB over the private link" ./agent.sh hostA "bash -c 'exec 3<>/dev/tcp/$net.3/1' 2>&1 | grep -q refused"
check "hostB sees the work folder read-only" bash -c "! ./agent.sh hostB 'touch $TEST_TMP/probe' 2>/dev/null"
export HERDRUN_MPI_ARGS="--mca plm_rsh_agent $TEST_TMP/agent.sh --mca plm_rsh_no_tree_spawn 1
  --mca btl tcp,self --mca btl_tcp_if_include $net.0/24 --mca oob_tcp_if_include $net.0/24
  -x HERD_TOPO_VERBOSE=1"
herdrun=$HERD_SOURCE_DIR/launch/herdrun

"$HERD" data synth --kind classification --rows 6000 --features 20 --classes 4 --seed 3 \
  --val-fraction 0.1 --test-fraction 0.2 -o synth.h5 >/dev/null
cat > cfg.yaml <<YAML
experiment: cluster
seed: 1
data: {train: synth.h5, standardize: true}
model: {type: mlp, hidden: [32], activation: relu}
optim: {name: adam, lr: 0.003}
train: {epochs: 3, batch_size: 64, checkpoint_every: 1, log_every: 20}
track: {db: runs/herd.db}
comm: {algorithm: mpi}   # one reduction order for a rank count, on one host or two
YAML

for per in 1 2; do
  n=$((2 * per))
  # the same number of ranks on this one host
  run_ranks $n train cfg.yaml train.checkpoint_dir=one$n --summary-json one$n.json > one$n.log
  "$HERD" predict "$(json one$n.json .checkpoint)" --data synth.h5 -o one$n.csv > /dev/null

  printf 'hostA slots=%d\nhostB slots=%d\n' $per $per > hostfile
  rc=0
  timeout 300 "$herdrun" --hostfile hostfile herd train cfg.yaml train.checkpoint_dir=two$n \
    --summary-json two$n.json > two$n.log 2>&1 || rc=$?
  tr '\r' '\n' < two$n.log | grep -v ETA
  check "2 hosts x $per: training exits 0 (got $rc)" test "$rc" -eq 0
  check "2 hosts x $per: FINISHED" test "$(json two$n.json .status 2>/dev/null)" = FINISHED
  "$HERD" predict "$(json two$n.json .checkpoint)" --data synth.h5 -o two$n.csv > /dev/null
  check "2 hosts x $per ranks == 1 host x $n ranks (bitwise predictions)" cmp -s one$n.csv two$n.csv
  "$HERD" runs show "$(json two$n.json .run_id)" --db runs/herd.db --json > show$n.json
  check "2 hosts x $per: run records hosts hostA:$per,hostB:$per" \
    test "$(json show$n.json .hosts)" = "hostA:$per,hostB:$per"
  check "2 hosts x $per: world size $n" test "$(json show$n.json .world_size)" -eq $n
  for r in $(seq 0 $((n - 1))); do
    host=hostA; [ $r -lt $per ] || host=hostB
    check "rank $r on $host is local rank $((r % per)) of $per" \
      grep -q "herd: topo: rank $r on $host: local rank $((r % per)) of $per," two$n.log
  done
  # only rank 0 wrote: one run file per run, one checkpoint per epoch, no leftovers
  check "2 hosts x $per: 3 epoch checkpoints, nothing else" \
    test "$(ls two$n | grep -c '^ckpt-.*\.h5$')" -eq 3 -a "$(ls two$n | wc -l)" -eq 3
done
check "one run file per run (4 runs)" test "$(ls runs/herd.db.d | grep -c '\.sqlite$')" -eq 4
check "only rank 0 logged: one 'finished' line per cluster run" \
  test "$(cat two2.log two4.log | grep -c '^run .* finished')" -eq 2

# the hierarchical allreduce across two hosts, both ways: with shared
# parameters (the default) each local rank sums its slices over the hosts
# with MPI_Iallreduce during backward; without, one leader per host
# allreduces the host's sum. A wider model in small buckets has many of those
# in flight at once. Both finish, give bitwise the same model (on two hosts
# a + b is b + a), and learn what the flat allreduce learns.
wide=(model.hidden=[256,256] comm.bucket_mb=0.05)
for run in hier-true hier-false mpi-true; do
  rc=0
  timeout 120 "$herdrun" --hostfile hostfile herd train cfg.yaml "${wide[@]}" \
    comm.algorithm=${run%-*} comm.share_params=${run#*-} train.checkpoint_dir=$run \
    --summary-json $run.json > $run.log 2>&1 || rc=$?
  check "2 hosts x 2, $run: exits 0 (got $rc)" test "$rc" -eq 0
  check "2 hosts x 2, $run: uses ${run%-*}" grep -q "gradient allreduce: ${run%-*}" $run.log
  "$HERD" predict "$(json $run.json .checkpoint)" --data synth.h5 -o $run.csv > /dev/null
done
check "hier with shared parameters: slices summed over the hosts during backward" \
  grep -q "each local rank sums its slices over the hosts during backward" hier-true.log
check "hier without shared parameters: the leaders' path" \
  bash -c "! grep -q 'over the hosts during backward' hier-false.log"
check "hier: per-local-rank and leader reductions give bitwise the same model" \
  cmp -s hier-true.csv hier-false.csv
acc_mpi=$(json mpi-true.json '.metrics["test/accuracy"]' 2>/dev/null || echo -1)
acc_hier=$(json hier-true.json '.metrics["test/accuracy"]' 2>/dev/null || echo 0)
check "hier test accuracy within 1% of mpi ($acc_hier vs $acc_mpi)" \
  awk "BEGIN { d = $acc_hier - $acc_mpi; if (d < 0) d = -d; exit !(d <= 0.01) }"
finish
