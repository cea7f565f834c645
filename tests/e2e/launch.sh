#!/usr/bin/env bash
# herd topo and launch/herdrun --dry-run: the plan for this node, a simulated
# 2-node Slurm allocation (SLURM_* variables) and a hostfile; bad options and
# a program that is not herd.
source "$(dirname "$0")/../lib.sh"
herdrun=$HERD_SOURCE_DIR/launch/herdrun

"$HERD" topo --json -n 2 --threads 1 > topo.json
cores=$(json topo.json .cores)
check "topo: cores >= 1" test "$cores" -ge 1
check "topo: 2 planned ranks" test "$(json topo.json '.plan.per_rank | length')" -eq 2
check "topo: 1 thread each" test "$(json topo.json .plan.threads_per_rank)" -eq 1
check "topo: disjoint cpusets" test "$(json topo.json '[.plan.per_rank[].cpuset] | unique | length')" \
  -eq "$([ "$cores" -ge 2 ] && echo 2 || echo 1)"
"$HERD" topo --json -n $((cores + 1)) > over.json
check "topo: more ranks than cores is oversubscribed" test "$(json over.json .plan.oversubscribed)" = true
check "topo: text form names the host" bash -c "'$HERD' topo | grep -q '^host '"
expect_exit 2 "topo: bad -n" "$HERD" topo -n 0

"$herdrun" --dry-run -n 2 --threads 1 "$HERD" train cfg.yaml > single.txt
check "single node: mpirun with 2 ranks" grep -q "command   mpirun -np 2 --map-by ppr:2:node --bind-to none -x HERD_THREADS=1 " single.txt
"$herdrun" --dry-run -n 1 "$HERD" train cfg.yaml > one.txt
check "one rank: the plain process" grep -q "command   env HERD_THREADS=$cores $HERD train cfg.yaml" one.txt

env SLURM_JOB_ID=77 SLURM_JOB_NUM_NODES=2 SLURM_JOB_NODELIST='node[01-02]' SLURM_NTASKS=4 \
  SLURM_TASKS_PER_NODE='2(x2)' SLURM_CPUS_PER_TASK=1 PATH="$PATH" \
  "$herdrun" --dry-run --launcher srun "$HERD" train cfg.yaml --resume auto > slurm.txt
check "slurm: detected" grep -q "where     Slurm job 77 (srun)" slurm.txt
check "slurm: nodes expanded" grep -q "nodes     2: node01,node02" slurm.txt
check "slurm: 4 ranks from SLURM_*" grep -q "ranks     4 = 2 node(s) x 2 per node" slurm.txt
check "slurm: srun --mpi=pmix command" \
  grep -q "srun --mpi=pmix --ntasks=4 --ntasks-per-node=2 --cpus-per-task=1 --cpu-bind=cores $HERD train cfg.yaml --resume auto" slurm.txt

# odd SLURM_* values: one error line naming the variable, exit 2 (not a shell error)
slurm_env=(SLURM_JOB_ID=78 SLURM_JOB_NUM_NODES=2 SLURM_JOB_NODELIST='node[01-02]' PATH="$PATH")
expect_exit 2 "slurm: SLURM_CPUS_ON_NODE not a number" env "${slurm_env[@]}" SLURM_NTASKS=4 \
  SLURM_CPUS_ON_NODE=abc "$herdrun" --dry-run "$HERD" train cfg.yaml
check "slurm: bad SLURM_CPUS_ON_NODE: one error line" test "$(cat "$TEST_TMP/last.err")" = \
  "herdrun: error: SLURM_CPUS_ON_NODE='abc' is not a positive whole number (set by Slurm or in this job's environment)"
expect_exit 2 "slurm: SLURM_CPUS_PER_TASK not a number" env "${slurm_env[@]}" SLURM_CPUS_PER_TASK=abc \
  "$herdrun" --dry-run "$HERD" train cfg.yaml
check "slurm: bad SLURM_CPUS_PER_TASK: one error line naming it" \
  grep -qx "herdrun: error: SLURM_CPUS_PER_TASK='abc' is not a positive whole number .*" "$TEST_TMP/last.err"
check "slurm: bad SLURM_CPUS_PER_TASK: only that line" test "$(wc -l < "$TEST_TMP/last.err")" -eq 1
expect_exit 2 "slurm: SLURM_NTASKS not a number" env "${slurm_env[@]}" SLURM_NTASKS=four \
  "$herdrun" --dry-run "$HERD" train cfg.yaml
check "slurm: bad SLURM_NTASKS: one error line" grep -qx "herdrun: error: SLURM_NTASKS='four' .*" "$TEST_TMP/last.err"
env "${slurm_env[@]}" SLURM_NTASKS=3 SLURM_CPUS_PER_TASK=1 "$herdrun" --dry-run "$HERD" train cfg.yaml > uneven.txt
check "slurm: 3 ranks on 2 nodes are not called 2 x 2" grep -q "ranks     3 on 2 node(s), at most 2 per node" uneven.txt

# hosts with different rank counts: refused, not silently given the first count
expect_exit 2 "--hosts with different counts" "$herdrun" --dry-run --hosts a:2,b:3 "$HERD" train cfg.yaml
check "--hosts with different counts: one error line" test "$(cat "$TEST_TMP/last.err")" = \
  "herdrun: error: --hosts a:2,b:3: hosts ask for different rank counts (2/3); herdrun starts the same number on every node: give --ranks-per-node K"
printf 'a slots=2\nb slots=3\n' > uneven-hosts
expect_exit 2 "hostfile with different slots" "$herdrun" --dry-run --hostfile uneven-hosts "$HERD" train cfg.yaml
check "hostfile with different slots: says so" grep -q "hosts ask for different rank counts (2/3)" "$TEST_TMP/last.err"
"$herdrun" --dry-run --hostfile uneven-hosts --ranks-per-node 1 --threads 1 "$HERD" train cfg.yaml > chosen.txt
check "hostfile with different slots and --ranks-per-node: runs" grep -q "mpirun -np 2 --hostfile uneven-hosts --map-by ppr:1:node " chosen.txt

# a rank count of 0 per host: one error line, not herd topo's error about -n
printf 'a slots=0\nb slots=0\n' > zero-hosts
expect_exit 2 "hostfile with slots=0" "$herdrun" --dry-run --hostfile zero-hosts "$HERD" train cfg.yaml
check "hostfile with slots=0: one error line" test "$(cat "$TEST_TMP/last.err")" = \
  "herdrun: error: hostfile zero-hosts: slots= needs a positive whole number, got '0'"
expect_exit 2 "--hosts a:0" "$herdrun" --dry-run --hosts a:0,b:0 "$HERD" train cfg.yaml
check "--hosts a:0: one error line" test "$(wc -l < "$TEST_TMP/last.err")" -eq 1

# hostfiles and host lists that name no host: one error line, exit 2
mkdir -p a-folder
: > empty-hosts
for f in a-folder empty-hosts; do
  expect_exit 2 "hostfile $f" "$herdrun" --dry-run --hostfile $f "$HERD" train cfg.yaml
  check "hostfile $f: one error line" bash -c "[ \$(wc -l < '$TEST_TMP/last.err') -eq 1 ] && grep -q '^herdrun: error: .*hostfile .$f' '$TEST_TMP/last.err'"
done
expect_exit 2 "--hosts ," "$herdrun" --dry-run --hosts , "$HERD" train cfg.yaml
check "--hosts ,: one error line" test "$(cat "$TEST_TMP/last.err")" = \
  "herdrun: error: --hosts ',' names no hosts (H1[:K],H2[:K])"
expect_exit 2 "--hosts ''" "$herdrun" --dry-run --hosts '' "$HERD" train cfg.yaml
"$herdrun" --dry-run --hosts a,,b --threads 1 "$HERD" train cfg.yaml > gap.txt
check "--hosts a,,b: two hosts" grep -q "mpirun -np 2 --host a:1,b:1 " gap.txt

# the Slurm templates run outside Slurm: one error line saying to use sbatch
for t in train train-multinode; do
  expect_exit 2 "$t.sbatch outside Slurm" env -u SLURM_JOB_ID bash "$HERD_SOURCE_DIR/launch/slurm/$t.sbatch" cfg.yaml
  check "$t.sbatch outside Slurm: one error line" test "$(cat "$TEST_TMP/last.err")" = \
    "herd-train: error: not a Slurm job: submit it with sbatch $t.sbatch CONFIG.yaml (without Slurm: launch/herdrun herd train CONFIG.yaml)"
done

# no herdrun where the template looks for it: one error line, exit 2
expect_exit 2 "train.sbatch without herdrun" env -u HERDRUN SLURM_JOB_ID=79 SLURM_SUBMIT_DIR="$TEST_TMP" \
  bash "$HERD_SOURCE_DIR/launch/slurm/train.sbatch" cfg.yaml
check "train.sbatch without herdrun: one error line" test "$(cat "$TEST_TMP/last.err")" = \
  "herd-train: error: cannot run $TEST_TMP/launch/herdrun: put herdrun on PATH or submit with --export=ALL,HERDRUN=/path/to/launch/herdrun"

# no jq on the node: one error line saying so, not "jq: command not found"
mkdir -p no-jq
for tool in bash env dirname realpath hostname sed awk paste tr grep sort cat; do
  ln -sf "$(command -v $tool)" no-jq/
done
expect_exit 2 "no jq" env PATH="$TEST_TMP/no-jq" "$herdrun" --dry-run "$HERD" train cfg.yaml
check "no jq: one error line" test "$(cat "$TEST_TMP/last.err")" = \
  "herdrun: error: jq is needed to read the placement (install the jq package)"
# no mpirun (or srun) where ranks must be started: one error line before the plan
ln -sf "$(command -v jq)" no-jq/
expect_exit 2 "no mpirun" env PATH="$TEST_TMP/no-jq" "$herdrun" -n 2 "$HERD" train cfg.yaml
check "no mpirun: one error line" test "$(cat "$TEST_TMP/last.err")" = \
  "herdrun: error: mpirun is not on PATH: it is needed to start 2 rank(s) here"
expect_exit 2 "no srun" env PATH="$TEST_TMP/no-jq" "${slurm_env[@]/#PATH=*/PATH=$TEST_TMP/no-jq}" SLURM_NTASKS=2 \
  "$herdrun" --launcher srun "$HERD" train cfg.yaml
check "no srun: one error line" test "$(cat "$TEST_TMP/last.err")" = \
  "herdrun: error: srun is not on PATH: it is needed to start 2 rank(s) here"

# HERD_THREADS and HERD_NO_BIND in herdrun's environment: its plan and what it passes on
HERD_THREADS=1 "$herdrun" --dry-run -n 1 "$HERD" train cfg.yaml > env-threads.txt
check "HERD_THREADS=1: one thread, passed on" grep -q "command   env HERD_THREADS=1 $HERD train cfg.yaml" env-threads.txt
HERD_THREADS=1 "$herdrun" --dry-run -n 1 --threads 2 "$HERD" train cfg.yaml > opt-threads.txt
check "--threads beats HERD_THREADS" grep -q "command   env HERD_THREADS=2 " opt-threads.txt
expect_exit 0 "HERD_THREADS=abc" env HERD_THREADS=abc "$herdrun" --dry-run -n 1 "$HERD" train cfg.yaml
check "HERD_THREADS=abc: one warning line" test "$(cat "$TEST_TMP/last.err")" = \
  "herdrun: warning: HERD_THREADS='abc' is not a whole number >= 1; ignored"
check "HERD_THREADS=abc: threads from the plan" grep -q "command   env HERD_THREADS=$cores " "$TEST_TMP/last.out"
HERD_NO_BIND=1 "$herdrun" --dry-run -n 2 --threads 1 "$HERD" train cfg.yaml > env-nobind.txt
check "HERD_NO_BIND=1: plan says unbound" grep -q "per rank  1 core(s), 1 BLAS thread(s); unbound" env-nobind.txt
check "HERD_NO_BIND=1: passed to every rank" grep -q -- "-x HERD_NO_BIND=1 " env-nobind.txt

# oversubscribed ranks are unbound, not in "NUMA -1"
"$herdrun" --dry-run -n $((cores + 1)) "$HERD" train cfg.yaml > over.txt
check "oversubscribed: ranks shown unbound" grep -q "local rank 0: cpuset .* (unbound), 1 thread(s)" over.txt

# output on a terminal: the ranks draw a progress bar (HERD_PROGRESS=bar); in a file, lines
if command -v script >/dev/null; then
  script -qec "'$herdrun' --dry-run -n 2 --threads 1 '$HERD' train cfg.yaml" /dev/null > tty.txt
  check "terminal: HERD_PROGRESS=bar passed to the ranks" grep -q -- "-x HERD_PROGRESS=bar " tty.txt
  check "file: no HERD_PROGRESS" bash -c "! grep -q HERD_PROGRESS single.txt"
fi

printf 'nodeA slots=2\nnodeB slots=2  # comment\n' > hosts
"$herdrun" --dry-run --hostfile hosts --threads 1 "$HERD" train cfg.yaml > hostfile.txt
check "hostfile: 2 nodes" grep -q "nodes     2: nodeA,nodeB" hostfile.txt
check "hostfile: mpirun over the hostfile" \
  grep -q "mpirun -np 4 --hostfile hosts --map-by ppr:2:node --bind-to none -x HERD_THREADS=1 " hostfile.txt

expect_exit 2 "herdrun: unknown option" "$herdrun" --bogus "$HERD" train cfg.yaml
expect_exit 2 "herdrun: no command" "$herdrun" -n 2
expect_exit 2 "herdrun: bad -n" "$herdrun" -n zero "$HERD" train cfg.yaml

# the program: another name is refused, not replaced by the herd binary
expect_exit 2 "herdrun: a program that is not herd" "$herdrun" -n 2 --dry-run nothere train x
check "not herd: one error line" test "$(cat "$TEST_TMP/last.err")" = \
  "herdrun: error: 'nothere' is not herd: give the program as herd or as the path of the herd binary"
check "not herd: no command printed" test ! -s "$TEST_TMP/last.out"
expect_exit 2 "herdrun: a path that is not an executable" "$herdrun" -n 2 --dry-run ./nothere/herd train x
check "bad path: one error line" test "$(cat "$TEST_TMP/last.err")" = \
  "herdrun: error: cannot run './nothere/herd': not an executable file"
env PATH=/usr/bin:/bin HERD="$HERD" "$herdrun" -n 2 --dry-run herd train x > byname.txt
check "the name herd: found through \$HERD" grep -q "command   mpirun -np 2 .* $HERD train x$" byname.txt
finish
