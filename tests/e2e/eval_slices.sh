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
# the eval: section is checked before training, not after it
expect_exit 2 "train with a misspelt slice key" run_ranks 2 train cfg.yaml train.checkpoint_dir=ck_bad \
  'eval.slices=[{feature: age, bin: [21, 35]}]'
check "one line naming the key" test "$(grep -c "^herd: error: eval.slices: unknown key 'bin'" last.err)" -eq 1
check "nothing was trained" test ! -e ck_bad
expect_exit 2 "train with a directional test on an unknown feature" run_ranks 2 train cfg.yaml \
  train.checkpoint_dir=ck_bad 'eval.tests.directional=[{feature: late90}]'
check "the message names the feature and the file" grep -q "^herd: error: eval.tests.directional: no feature 'late90' in test.h5" last.err
check "nothing was trained (unknown feature)" test ! -e ck_bad
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
expect_exit 1 "--gate fails on slice checks without slices" ev --gate --json g6.json 'eval.slices=[]' \
  eval.gate.flagged_slices=true
check "the reasons say there are no slices to check" jq -e '[.gate.reasons[] |
  select(test("^eval.gate.(slice_min|flagged_slices): no slices in the result"))] | length == 2' g6.json > /dev/null

expect_exit 2 "unknown slice feature" ev 'eval.slices=[{feature: nope}]'
check "message names the feature" grep -q "no feature 'nope'" last.err
expect_exit 3 "missing /columns column" ev 'eval.slices=[{column: region}]'
check "message names the column" grep -q "no column /columns/region" last.err
expect_exit 2 "bins not increasing" ev 'eval.slices=[{feature: age, bins: [50, 20]}]'
expect_exit 2 "eval.slices must be a list" ev 'eval.slices=oops'
expect_exit 2 "too many distinct values" ev 'eval.slices=[{feature: monthly_income}]'
# a misspelt key in an entry is named, not left at its default
expect_exit 2 "a misspelt key in a slice" ev 'eval.slices=[{feature: age, bin: [21, 35]}]'
check "the message names the key and the keys a slice takes" grep -qx \
  "herd: error: eval.slices: unknown key 'bin' (the keys are feature, column, bins)" last.err
expect_exit 2 "a misspelt key in a directional test" \
  ev 'eval.tests.directional=[{feature: num_90_days_late, tolerence: 0.5}]'
check "the message names the directional key" grep -q "^herd: error: eval.tests.directional: unknown key 'tolerence'" last.err
expect_exit 2 "a misspelt key in an invariance test" ev 'eval.tests.invariance=[{feature: group, value: [0]}]'
check "the message names the invariance key" grep -q "^herd: error: eval.tests.invariance: unknown key 'value'" last.err
expect_exit 2 "invariance values that are not numbers" ev 'eval.tests.invariance=[{feature: group, values: [yes, no]}]'
check "the message says values are numbers" \
  grep -qx "herd: error: eval.tests.invariance: the values of group must be numbers (null for missing), got true" last.err
expect_exit 0 "invariance to a missing value (null)" ev 'eval.tests.invariance=[{feature: group, values: [null]}]' --json inv_null.json
check "null is the missing value" jq -e '.tests.invariance[0].per_value[0].value == null' inv_null.json > /dev/null
expect_exit 2 "a misspelt key in the perturbation test" ev 'eval.tests.perturbation={level: [0.5]}'
check "the message names the perturbation key" grep -q "^herd: error: eval.tests.perturbation: unknown key 'level'" last.err
expect_exit 2 "perturbation at a level it does not run" ev 'eval.tests.perturbation={levels: [0.1, 0.5], at: 0.2}'
check "the message says at must be one of the levels" \
  grep -q "^herd: error: eval.tests.perturbation: at: 0.2 is not one of the levels" last.err
expect_exit 0 "perturbation at one of its levels" ev 'eval.tests.perturbation={levels: [0.1, 0.5], at: 0.5}' --json at.json
check "drop_at is the drop at that level" jq -e '.tests.perturbation.drop_at == .tests.perturbation.levels[1].drop' at.json > /dev/null

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
expect_exit 2 "recalibration of a regression model" run_ranks 2 eval "$(json rs.json .checkpoint)" --data reg.h5 \
  reg.yaml eval.calibration.method=platt
check "one line naming the key and the task" test "$(grep -c "^herd: error: eval.calibration.method: calibration and recalibration are for classifiers, and the model is a regression model" last.err)" -eq 1
expect_exit 2 "a threshold key for a regression model" run_ranks 2 eval "$(json rs.json .checkpoint)" --data reg.h5 \
  reg.yaml eval.threshold.target_recall=0.8
check "the message names the threshold key" grep -q "^herd: error: eval.threshold.target_recall: the threshold trade-offs are for binary models" last.err
expect_exit 0 "a key left at its default is no error" "$HERD" eval "$(json rs.json .checkpoint)" --data reg.h5 \
  reg.yaml eval.threshold.points=101 eval.calibration.method=none
# regression invariance: a row changes when its prediction moves by more than
# max_score_change; the fraction recomputed from herd predict on a copy with f0 = 0
cp reg.h5 reg_f0.h5
"$py" -c "
import h5py
with h5py.File('reg_f0.h5', 'a') as f:
    f['X'][:, 0] = 0
"
"$HERD" predict "$(json rs.json .checkpoint)" --data reg.h5 -o reg_pred.csv > /dev/null
"$HERD" predict "$(json rs.json .checkpoint)" --data reg_f0.h5 -o reg_f0.csv > /dev/null
limit=$("$py" -c "
import numpy as np
d = np.sort(np.abs(np.loadtxt('reg_f0.csv', skiprows=1) - np.loadtxt('reg_pred.csv', skiprows=1)))
print(repr((d[len(d) // 2] + d[len(d) // 2 + 1]) / 2))")
check "regression invariance with a limit" run_ranks 2 eval "$(json rs.json .checkpoint)" --data reg.h5 reg.yaml \
  "eval.tests.invariance=[{feature: f0, values: [0], max_score_change: $limit, tolerance: 0.6}]" --json reginv.json > /dev/null 2>&1
check "regression invariance: changed rows are those moved beyond the limit" "$py" -c "
import json, numpy as np
t = json.load(open('reginv.json'))['tests']['invariance'][0]
d = np.abs(np.loadtxt('reg_f0.csv', skiprows=1) - np.loadtxt('reg_pred.csv', skiprows=1))
want = np.mean(d > $limit)
assert 0.4 < want < 0.6 and abs(t['changed_fraction'] - want) < 1e-12 and t['passed'], (t, want)"

# a per-slice maximum for a metric where lower is better
expect_exit 1 "regression: --gate fails on a slice maximum" run_ranks 2 eval "$(json rs.json .checkpoint)" \
  --data reg.h5 reg.yaml 'eval.slices=[{feature: f0, bins: [-1, 0, 1]}]' 'eval.gate.slice_max={mae: 0.001}' \
  --gate --json regmax.json
check "each slice's mae is above the maximum" \
  jq -e '[.gate.reasons[] | select(test("^slice .* mae .* is above the maximum 0.001$"))] | length == 4' regmax.json > /dev/null
expect_exit 0 "regression: --gate passes a loose slice maximum" run_ranks 2 eval "$(json rs.json .checkpoint)" \
  --data reg.h5 reg.yaml 'eval.slices=[{feature: f0, bins: [-1, 0, 1]}]' 'eval.gate.slice_max={mae: 1000}' --gate
check "regression intervals hold their values" jq -e '[.slices[] | (.ci.mae.low < .metrics.mae and .metrics.mae < .ci.mae.high and .ci.mse.low < .metrics.mse and .metrics.mse < .ci.mse.high)] | all and length == 4' reg.json > /dev/null

finish
