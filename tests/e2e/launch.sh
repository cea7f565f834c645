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
