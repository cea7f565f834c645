#!/usr/bin/env bash
# herd eval slices, behavioural tests and gate on the synthetic credit data:
# slice membership, n, metrics (scikit-learn), Wilson and Hanley-McNeil
# intervals and the flags recomputed in Python on the same predictions;
# invariance and directional figures from herd predict on modified copies of
# the data; identical results on 1, 2 and 4 ranks; the end-of-training run;
# --gate exit codes and reasons; a regression model's intervals; clear
# errors. Needs python3-sklearn, python3-numpy, python3-h5py (scripts/install-deps).
source "$(dirname "$0")/../lib.sh"

checker="$HERD_SOURCE_DIR/tests/e2e/eval_slices_check.py"
require_python sklearn numpy h5py scipy

"$HERD" data synth --kind credit --rows 8000 --seed 21 --val-fraction 0.1 -o train.h5 > /dev/null
"$HERD" data synth --kind credit --rows 3000 --seed 22 -o test.h5 > /dev/null
check "credit data: about 7% positives" \
  "$py" -c "import h5py,sys; y=h5py.File('test.h5')['y'][:]; sys.exit(not 0.05 < y.mean() < 0.09)"
check "credit data: /columns/group present" \
  "$py" -c "import h5py; f=h5py.File('test.h5'); assert f['columns/group'].dtype.kind == 'i'"
check "herd data info lists /columns/group" \
  test "$("$HERD" data info test.h5 --json | jq -c .other_columns)" = '["group"]'
check "herd data info (text) names it" grep -q "^other: *\/columns\/group$" <<<"$("$HERD" data info test.h5)"

slices='[{"feature": "age", "bins": [21, 35, 50, 65, 90]}, {"feature": "num_90_days_late", "bins": [0, 1, 2, 20]}, {"feature": "monthly_income", "bins": [0, 3000, 6000, 1000000]}, {"column": "group"}, {"feature": "dependents"}]'
cat > cfg.yaml <<YAML
seed: 3
data: {train: train.h5, test: test.h5, impute: median}
model: {type: logistic, hidden: []}
optim: {name: adam, lr: 0.01}
train: {epochs: 4, batch_size: 128, checkpoint_dir: ckpt}
track: {db: runs/herd.db}
eval:
  json: end.json
  baselines: {heuristic: "num_90_days_late > 0"}
  slices: $slices
  slice_min_rows: 50
  tests:
    perturbation: {levels: [0, 0.1, 0.5, 2], metric: roc_auc, at: 0.1, max_drop: 0.05}
    invariance: [{feature: group, values: [0, 1], tolerance: 0.01}]
    directional: [{feature: num_90_days_late, delta: 1, direction: increase, tolerance: 0.01}]
  gate:
    min: {roc_auc: 0.7}
    must_beat_baselines: true
    slice_min: {accuracy: 0.5}
YAML
check "train with an eval section" run_ranks 2 train cfg.yaml --summary-json s.json > train.log 2>&1
ck=$(json s.json .checkpoint)
check "end-of-training evaluation has slices, tests, gate" \
  jq -e '(.slices | length) > 10 and .tests.count == 3 and (.gate | has("passed"))' end.json > /dev/null

for n in 1 2 4; do
  check "eval on $n ranks" run_ranks "$n" eval "$ck" --data test.h5 cfg.yaml eval.store=false \
    track.enabled=false --json "r$n.json" > "eval$n.log" 2>&1
done
strip='del(.metrics.timing, .ranks, .run_id)'
for n in 2 4; do
  check "1 and $n ranks give identical results" diff <(jq -S "$strip" r1.json) <(jq -S "$strip" "r$n.json")
done

"$HERD" predict "$ck" --data test.h5 -o pred.csv > /dev/null
"$py" "$checker" variants test.h5 . > /dev/null
for v in group0 group1 late90; do "$HERD" predict "$ck" --data "$v.h5" -o "$v.csv" > /dev/null; done
check "slices and tests match scikit-learn and the recomputed intervals" \
  "$py" "$checker" check test.h5 pred.csv r1.json . "$slices" 0.95 50

check "perturbation at level 0 equals the model's metric" \
  jq -e '.tests.perturbation.levels[0].value == .metrics.roc_auc and .tests.perturbation.levels[0].drop == 0' r1.json > /dev/null
check "perturbation hurts at 2 std" jq -e '.tests.perturbation.levels[3].drop > 0.02' r1.json > /dev/null
check "invariance on the protected attribute passes" jq -e '.tests.invariance[0].passed' r1.json > /dev/null
check "risk rises with late payments" jq -e '.tests.directional[0].passed and .tests.directional[0].mean_score_change > 0' r1.json > /dev/null
check "gate passes" jq -e '.gate.passed and .gate.checks > 5 and (.gate.reasons | length) == 0' r1.json > /dev/null
check "heuristic baseline scored" jq -e '.baselines.heuristic.rule == "num_90_days_late > 0"' r1.json > /dev/null

ev() { "$HERD" eval "$ck" --data test.h5 cfg.yaml eval.store=false track.enabled=false "$@"; }
expect_exit 0 "--gate passes" ev --gate --json g0.json
expect_exit 1 "--gate fails on a minimum" ev --gate 'eval.gate.min={roc_auc: 0.99}' --json g1.json
check "failed gate says why" grep -q "gate failed" last.err
check "reason names the metric" jq -e '.gate.passed == false and (.gate.reasons[0] | test("roc_auc .* below the minimum 0.99"))' g1.json > /dev/null
expect_exit 1 "--gate fails on ece maximum" ev --gate 'eval.gate.max={ece: 0.0001}'
expect_exit 1 "--gate fails when a behavioural test fails" ev --gate --json g2.json \
  'eval.tests.directional=[{feature: num_90_days_late, delta: 1, direction: decrease}]'
check "directional against domain knowledge fails" \
  jq -e '.tests.directional[0].passed == false and .tests.directional[0].violation_rate > 0.9 and (.gate.reasons | any(test("directional test on num_90_days_late failed")))' g2.json > /dev/null
expect_exit 1 "--gate fails on an invariance the model breaks" ev --gate --json g3.json \
  'eval.tests.invariance=[{feature: num_90_days_late, values: [0, 6], tolerance: 0.01}]'
check "invariance changed_fraction large" jq -e '.tests.invariance[0].changed_fraction > 0.1' g3.json > /dev/null
expect_exit 1 "--gate fails on a slice minimum" ev --gate --json g4.json 'eval.gate.slice_min={recall: 0.99}'
check "slice reason names the slice" jq -e '.gate.reasons | any(test("^slice .* recall"))' g4.json > /dev/null
expect_exit 1 "--gate fails on an unknown metric" ev --gate --json g5.json 'eval.gate.min={no_such: 1}'
expect_exit 0 "without --gate a failed gate still exits 0" ev 'eval.gate.min={roc_auc: 0.99}'

expect_exit 2 "unknown slice feature" ev 'eval.slices=[{feature: nope}]'
check "message names the feature" grep -q "no feature 'nope'" last.err
expect_exit 3 "missing /columns column" ev 'eval.slices=[{column: region}]'
check "message names the column" grep -q "no column /columns/region" last.err
expect_exit 2 "bins not increasing" ev 'eval.slices=[{feature: age, bins: [50, 20]}]'
expect_exit 2 "eval.slices must be a list" ev 'eval.slices=oops'
expect_exit 2 "too many distinct values" ev 'eval.slices=[{feature: monthly_income}]'

# regression: mae and mse intervals (normal approximation) around the slice values
"$HERD" data synth --kind regression --rows 3000 --features 5 --seed 5 -o reg.h5 > reg.log
check "a regression's summary names no classes" grep -q "3000 rows, 5 columns, task regression, sha256" reg.log
cat > reg.yaml <<YAML
data: {train: reg.h5}
model: {type: linear, hidden: []}
train: {epochs: 2, batch_size: 64, checkpoint_dir: regck}
track: {enabled: false}
YAML
run_ranks 2 train reg.yaml --summary-json rs.json > /dev/null 2>&1
check "regression slices with intervals" run_ranks 2 eval "$(json rs.json .checkpoint)" --data reg.h5 reg.yaml \
  'eval.slices=[{feature: f0, bins: [-1, 0, 1]}]' --json reg.json > /dev/null 2>&1
check "regression intervals hold their values" jq -e '[.slices[] | (.ci.mae.low < .metrics.mae and .metrics.mae < .ci.mae.high and .ci.mse.low < .metrics.mse and .metrics.mse < .ci.mse.high)] | all and length == 4' reg.json > /dev/null

finish
