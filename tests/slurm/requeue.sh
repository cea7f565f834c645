#!/usr/bin/env bash
# Requeue a running herd job in a real Slurm (started by this test): after two
# epoch checkpoints `scontrol requeue` stops the job (SIGTERM: herd checkpoints
# where it is and exits 5), Slurm starts it again, and
# launch/slurm/train.sbatch's `--resume auto` continues from the newest
# checkpoint to a FINISHED run equal to one that never stopped.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/slurm_env.bash"
slurm_setup

epochs=24
slurm_job_data slurm-requeue 'checkpoint_every: 1'

id=$(sbatch --parsable --chdir="$TEST_TMP" --export="ALL,HERD=$HERD,HERDRUN=$HERD_SOURCE_DIR/launch/herdrun" \
  "$HERD_SOURCE_DIR/launch/slurm/train.sbatch" cfg.yaml --summary-json s.json)
echo "submitted job $id"
# wait for two epoch checkpoints, then requeue while it trains
for _ in $(seq 600); do
  [ "$(find ckpt -name '*.h5' 2>/dev/null | wc -l)" -ge 2 ] && break
  sleep 0.1
done
state=$(scontrol show job "$id" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
check "job is running when requeued (state $state)" test "$state" = RUNNING
scontrol requeue "$id"
echo "requeued job $id"
slurm_start_requeued "$id"
state=$(slurm_wait_job "$id" 300)
out=$TEST_TMP/herd-train-$id.out
tr '\r' '\n' < "$out" | grep -v ETA || true
check "job $id completed after the requeue (state $state)" test "$state" = COMPLETED
check "the job started twice (one output file, appended)" grep -q "job $id start 2 on" "$out"
check "the second start resumed from a checkpoint" grep -q "resuming from ckpt/" "$out"
check "the run FINISHED" test "$(json s.json .status)" = FINISHED
"$HERD" runs show "$(json s.json .run_id)" --db runs/herd.db --json > show.json
check "run FINISHED in the experiment log" test "$(json show.json .status)" = FINISHED
resumed_epoch=$(tr '\r' '\n' < "$out" | sed -n 's/.*resuming from .*(\(end of \)\{0,1\}epoch \([0-9]*\).*/\2/p' | tail -1)
echo "resumed at epoch $resumed_epoch of $epochs"
check "resumed part way ($resumed_epoch of $epochs epochs)" \
  test "${resumed_epoch:-0}" -ge 1 -a "${resumed_epoch:-0}" -lt "$epochs"
check "the second start trained only the rest (no epoch 1 after the resume)" \
  test "$(tr '\r' '\n' < "$out" | sed -n '/resuming from/,$p' | grep -c '^epoch 1: val')" -eq 0
check "all $epochs epochs done" grep -q "^epoch $epochs: test/accuracy" <(tr '\r' '\n' < "$out")
# stopped and resumed == never stopped (same config, seed and ranks)
run_ranks 2 train cfg.yaml train.checkpoint_dir=straight --summary-json straight.json > straight.log
"$HERD" predict "$(json s.json .checkpoint)" --data synth.h5 -o requeued.csv > /dev/null
"$HERD" predict "$(json straight.json .checkpoint)" --data synth.h5 -o straight.csv > /dev/null
check "requeued job's predictions == an uninterrupted run's (bitwise)" cmp -s requeued.csv straight.csv
finish
