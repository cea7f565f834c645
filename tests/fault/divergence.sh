#!/usr/bin/env bash
# Divergence: SGD at lr 10 overflows within a few steps. By default training
# stops with an error naming the step (exit 1, run FAILED, no checkpoint of
# non-finite parameters); with train.on_nonfinite: skip the run finishes and
# the skipped steps are counted (train/skipped_steps).
source "$(dirname "$0")/../lib.sh"

"$HERD" data synth --kind regression --rows 2000 --features 10 --seed 5 -o reg.h5 > /dev/null
cat > cfg.yaml <<YAML
experiment: diverge
data: {train: reg.h5, val_fraction: 0.1}
model: {type: mlp, hidden: [32]}
optim: {name: sgd, lr: 10, momentum: 0.9}
train: {epochs: 2, batch_size: 32, checkpoint_dir: ckpt, checkpoint_every_steps: 1, log_every: 10}
track: {db: runs/herd.db}
YAML

expect_exit 1 "diverging run fails" run_ranks 2 train cfg.yaml --summary-json fail.json
check "error names the step" grep -Eq "herd: error: train: step [0-9]+ \(epoch 1\): loss or gradient is not finite" "$TEST_TMP/last.err"
check "summary says FAILED" test "$(json fail.json .status)" = FAILED
"$HERD" runs show "$(json fail.json .run_id)" --db runs/herd.db --json > show.json
check "run is FAILED in the log" test "$(json show.json .status)" = FAILED
for f in ckpt/ckpt-*.h5; do
  h5dump -d /params/layer0.weight "$f" > dump.txt
  check "$f holds only finite parameters" bash -c '! grep -Eiq "nan|inf" dump.txt'
done

expect_exit 0 "on_nonfinite: skip finishes" run_ranks 2 train cfg.yaml train.on_nonfinite=skip \
  train.checkpoint_dir=ckpt-skip --summary-json skip.json
skipped=$(json skip.json '.metrics["train/skipped_steps"]')
echo "skipped steps: $skipped"
check "skipped steps counted" awk "BEGIN{exit !($skipped > 0)}"
check "skipped steps reported" grep -q "step skipped" "$TEST_TMP/last.err"
"$HERD" runs show "$(json skip.json .run_id)" --db runs/herd.db --json > show.json
check "run is FINISHED" test "$(json show.json .status)" = FINISHED
check "train/skipped_steps in the log" test "$(json show.json '.metrics["train/skipped_steps"]')" = "$skipped"
finish
