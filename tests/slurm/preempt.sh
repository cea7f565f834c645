#!/usr/bin/env bash
# The time-limit path of launch/slurm/train.sbatch in a real Slurm (started by
# this test): SIGUSR1 to the batch script (what --signal=B:USR1@120 sends; here
# `scancel --batch --signal=USR1`), the script forwards it to the ranks, herd
# checkpoints and exits 5, the script requeues the job, and the second start
# resumes (--resume auto) to a FINISHED run.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/slurm_env.bash"
slurm_setup

epochs=24
slurm_job_data slurm-preempt

id=$(sbatch --parsable --chdir="$TEST_TMP" --export="ALL,HERD=$HERD,HERDRUN=$HERD_SOURCE_DIR/launch/herdrun" \
  "$HERD_SOURCE_DIR/launch/slurm/train.sbatch" cfg.yaml --summary-json s.json)
echo "submitted job $id"
out=$TEST_TMP/herd-train-$id.out
for _ in $(seq 600); do  # until training has started
  grep -q "steps per epoch" "$out" 2>/dev/null && break
  sleep 0.1
done
sleep 1
scancel --batch --signal=USR1 "$id"
echo "sent SIGUSR1 to the batch script of job $id"
for _ in $(seq 600); do  # until the script has requeued the job
  grep -q "requeueing job" "$out" 2>/dev/null && break
  sleep 0.1
done
slurm_start_requeued "$id"
state=$(slurm_wait_job "$id" 300)
tr '\r' '\n' < "$out" | grep -v ETA | grep -v '^epoch [0-9]*: val' || true
check "job $id completed (state $state)" test "$state" = COMPLETED
check "the script forwarded SIGUSR1" grep -q "SIGUSR1: asking the ranks to checkpoint" "$out"
check "herd stopped with exit code 5 (preempted)" grep -q "herd exited with 5" "$out"
check "the script requeued the job" grep -q "requeueing job $id" "$out"
check "the second start resumed from the preemption checkpoint" grep -q "resuming from ckpt/" "$out"
check "the run FINISHED" test "$(json s.json .status)" = FINISHED
check "all $epochs epochs done" grep -q "^epoch $epochs: test/accuracy" <(tr '\r' '\n' < "$out")
finish
