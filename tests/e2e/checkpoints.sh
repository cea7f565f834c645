#!/usr/bin/env bash
# Checkpoint schedule and retention: train.checkpoint_every_steps,
# train.keep_checkpoints (newest K of this run; other runs' files untouched),
# train.keep_best (best.h5 with the best validation value, lower-is-better
# for losses), and resuming on another number of ranks (allowed when the
# rank count divides the global batch).
source "$(dirname "$0")/../lib.sh"

"$HERD" data synth --kind classification --rows 3000 --features 20 --classes 3 --seed 2 \
  --val-fraction 0.15 --test-fraction 0.1 -o synth.h5 > /dev/null
cat > cfg.yaml <<YAML
experiment: ckpt
seed: 3
data: {train: synth.h5}
model: {type: mlp, hidden: [32]}
optim: {name: adam, lr: 0.01}
train: {epochs: 5, batch_size: 60, checkpoint_dir: all, checkpoint_every_steps: 15, log_every: 10}
track: {db: runs/herd.db}
YAML
steps() { ls "$1" | sed -n 's/^ckpt-0*\([0-9][0-9]*\)\.h5$/\1/p' | sort -n | tr '\n' ' '; }
attr() { h5dump -a "$2" "$1" | sed -n 's/.*(0): *//p' | tr -d '"' | head -1; }

# every 15 steps, and the end (38 steps per epoch on 2 ranks: some mid-epoch)
run_ranks 2 train cfg.yaml --summary-json all.json > all.log
total=$(attr "$(json all.json .checkpoint)" step)
expect=$(seq 15 15 "$total" | tr '\n' ' ')
[ $((total % 15)) -ne 0 ] && expect="$expect$total "
echo "checkpoints: $(steps all)"
check "a checkpoint every 15 steps and at the end ($expect)" test "$(steps all)" = "$expect"
check "a mid-epoch checkpoint records its place in the epoch" test "$(attr all/ckpt-000000015.h5 step_in_epoch)" = 15
check "checkpoints record the rank count" test "$(attr all/ckpt-000000015.h5 world_size)" = 2

# keep the newest 2 of this run, plus best.h5 by val/log_loss
mkdir -p keep
cp all/ckpt-000000015.h5 keep/ckpt-000000001.h5  # another run's file: never pruned
run_ranks 2 train cfg.yaml train.checkpoint_dir=keep train.keep_checkpoints=2 \
  train.keep_best=val/log_loss --summary-json keep.json > keep.log
echo "kept: $(steps keep) + $(ls keep | grep -c best.h5) best.h5"
previous=$(( (total - 1) / 15 * 15 ))
check "newest 2 kept" test "$(steps keep)" = "$previous $total "
check "the other run's file moved aside, untouched" cmp -s all/ckpt-000000015.h5 keep/previous-*/ckpt-000000001.h5
check "best.h5 exists" test -f keep/best.h5
check "best.h5 names its metric" test "$(attr keep/best.h5 best_metric)" = val/log_loss
best_step=$(attr keep/best.h5 best_step)
check "best.h5 is the checkpoint of its best step" test "$(attr keep/best.h5 step)" = "$best_step"
# the smallest val/log_loss over the evaluations is the one best.h5 holds
"$HERD" runs show "$(json keep.json .run_id)" --db runs/herd.db --json > show.json
best_logged=$(grep -o 'best val/log_loss [0-9.e+-]*' keep.log | tail -1 | cut -d' ' -f3)
check "best.h5 value matches the last 'best' line" \
  awk "BEGIN{v=$(attr keep/best.h5 best_value); exit !(v - $best_logged < 1e-5 && $best_logged - v < 1e-5)}"
check "best.h5 loads for prediction" "$HERD" predict keep/best.h5 --data synth.h5 -o best.csv
expect_exit 2 "keep_best must be a val/ metric" run_ranks 2 train cfg.yaml train.keep_best=accuracy
check "keep_best error says how" grep -q "use val/<metric>" "$TEST_TMP/last.err"
expect_exit 2 "keep_best of a metric the task lacks" run_ranks 1 train cfg.yaml \
  train.checkpoint_dir=none train.keep_best=val/r2
check "unknown metric named" grep -q "val/r2' is not a validation metric" "$TEST_TMP/last.err"

# resume a 2-rank checkpoint (mid-epoch, step 45) on 4 ranks: 60 divides by 4
mkdir -p r4 && cp all/ckpt-000000045.h5 r4/
run_ranks 4 train cfg.yaml train.checkpoint_dir=r4 --resume auto --summary-json r4.json > r4.log 2>&1
check "2-rank checkpoint resumes on 4 ranks" test "$(json r4.json .status)" = FINISHED
check "rank-count change is reported" grep -q "resuming a 2-rank checkpoint on 4 ranks" r4.log
acc4=$(json r4.json '.metrics["test/accuracy"]')
acc2=$(json all.json '.metrics["test/accuracy"]')
check "4-rank resume reaches the 2-rank accuracy within 3% ($acc4 vs $acc2)" \
  awk "BEGIN{d=$acc4-$acc2; if(d<0)d=-d; exit !(d <= 0.03)}"
mkdir -p r7 && cp all/ckpt-000000045.h5 r7/
expect_exit 2 "7 ranks do not divide the global batch of 60" run_ranks 7 train cfg.yaml \
  train.checkpoint_dir=r7 --resume auto
check "rank-count error says why" grep -q "needs a global batch that 7 divides" "$TEST_TMP/last.err"
finish
