#!/usr/bin/env bash
# A rank lost under Slurm (kill -9 of one rank of launch/slurm/train.sbatch,
# as a crashed process or an OOM kill would): the job step ends within
# seconds (srun --mpi=pmix cancels the step), as under mpirun, instead of the
# other rank waiting for comm.timeout_s (300 s) in a collective that can never
# complete; the run is FAILED, or DEAD once its heartbeat is stale.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/slurm_env.bash"
slurm_setup

epochs=200
slurm_job_data slurm-lost 'checkpoint_every: 1'

id=$(sbatch --parsable --chdir="$TEST_TMP" --export="ALL,HERD=$HERD,HERDRUN=$HERD_SOURCE_DIR/launch/herdrun" \
  "$HERD_SOURCE_DIR/launch/slurm/train.sbatch" cfg.yaml --summary-json s.json)
echo "submitted job $id"
# job_ranks: the pids of this job's ranks (herd processes whose environment
# names this Slurm job; not srun, and not another test's herd running beside)
job_ranks() {
  local p
  for p in $(pgrep -f "^$HERD train cfg.yaml"); do
    if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "SLURM_JOB_ID=$id"; then
      echo "$p"
    fi
  done | sort -n
}
for _ in $(seq 600); do  # until the first epoch checkpoint, with both ranks seen
  ranks=$(job_ranks)
  [ "$(find ckpt -name '*.h5' 2>/dev/null | wc -l)" -ge 1 ] && [ "$(wc -l <<<"$ranks")" -eq 2 ] && break
  sleep 0.1
done
victim=$(tail -1 <<<"$ranks")
check "two ranks running" test "$(wc -l <<<"$ranks")" -eq 2
t0=$(date +%s)
kill -9 "$victim"
echo "killed rank pid $victim"
state=$(slurm_wait_job "$id" 120)
t1=$(date +%s)
out=$TEST_TMP/herd-train-$id.out
tr '\r' '\n' < "$out" | grep -v ETA | grep -v '^epoch [0-9]*: val' || true
echo "job $id ended as $state $((t1 - t0)) s after the kill"
check "the job ended (state $state)" test "$state" = FAILED
check "the job ended within 60 s of the kill, not after comm.timeout_s" test $((t1 - t0)) -lt 60
check "no rank left running" test -z "$(job_ranks)"
sleep 3  # rank 0 was killed too: its heartbeat goes stale (threshold shortened below)
id_run=$(grep -o 'run [0-9a-f]\{32\}' "$out" | head -1 | cut -d' ' -f2)
HERD_RUNS_DEAD_AFTER=2 "$HERD" runs show "$id_run" --db runs/herd.db --json > show.json
status=$(json show.json .status)
check "run is FAILED or DEAD, not RUNNING ($status)" bash -c "[ $status = FAILED ] || [ $status = DEAD ]"
finish
