#!/usr/bin/env bash
# Evaluation data with one class only, where roc_auc is undefined: the
# baselines cannot be compared (model_beats null, not true), the gate says
# so instead of passing, and the HTML says n/a.
source "$(dirname "$0")/../lib.sh"

"$HERD" data synth --kind classification --rows 3000 --features 4 --seed 5 -o train.h5 > /dev/null
{
  echo "f0,f1,f2,f3,y"
  for i in $(seq 1 400); do echo "0.$((i % 10)),1.$((i % 7)),-0.$((i % 3)),$((i % 5)),0"; done
} > one.csv
"$HERD" data import-csv one.csv --target y --task binary -o one.h5 > /dev/null
cat > cfg.yaml <<'YAML'
seed: 2
data: {train: train.h5}
model: {type: logistic}
train: {epochs: 2, batch_size: 64, checkpoint_dir: ckpt}
track: {enabled: false}
YAML
run_ranks 2 train cfg.yaml --summary-json s.json > train.log 2>&1
ck=$(json s.json .checkpoint)
expect_exit 1 "gate on one-class data fails" run_ranks 2 eval "$ck" --data one.h5 cfg.yaml \
  eval.store=false eval.gate.must_beat_baselines=true --gate --json r.json --html r.html
check "roc_auc undefined (null)" test "$(json r.json .metrics.roc_auc)" = null
check "model_beats null for every baseline" \
  test "$(jq '[.baselines.model_beats[] | select(. != null)] | length' r.json)" -eq 0
check "model_beats lists the baselines" test "$(jq '.baselines.model_beats | length' r.json)" -ge 2
check "gate says the metric is undefined" \
  jq -e '.gate.reasons | any(test("cannot be compared with the zero_rule baseline on roc_auc: the metric is undefined"))' r.json
check "html says n/a" grep -q "n/a (metric undefined)" r.html

finish
