#!/usr/bin/env bash
# herd eval --html and herd eval learning-curve: the page opens in headless
# Chromium with no network and no script, has every chart (ROC, PR,
# reliability, risk-coverage, perturbation, slice bars with intervals,
# learning curve) and the baselines table, and shows user text escaped (a
# data file named with markup). The learning curve trains on nested
# fractions whose sizes do not depend on the number of ranks.
source "$(dirname "$0")/../lib.sh"
source "$HERD_SOURCE_DIR/tests/chromium.sh"

check "chromium available" chromium_ready

"$HERD" data synth --kind credit --rows 6000 --seed 31 --val-fraction 0.15 -o train.h5 > /dev/null
"$HERD" data synth --kind credit --rows 2000 --seed 32 -o 'test<b>&x.h5' > /dev/null
cat > cfg.yaml <<'YAML'
seed: 4
data: {train: train.h5, impute: median}
model: {type: logistic, hidden: []}
optim: {name: adam, lr: 0.01}
train: {epochs: 3, batch_size: 128, checkpoint_dir: ckpt}
track: {enabled: false}
eval:
  baselines: {heuristic: "num_90_days_late > 0"}
  slices: [{feature: age, bins: [21, 40, 60, 90]}, {column: group}]
  tests:
    perturbation: {levels: [0.1, 0.5, 1]}
    invariance: [{feature: group, values: [0, 1]}]
YAML
run_ranks 2 train cfg.yaml --summary-json s.json > train.log 2>&1
ck=$(json s.json .checkpoint)
check "eval --html" run_ranks 2 eval "$ck" --data 'test<b>&x.h5' cfg.yaml eval.store=false \
  --json r.json --html report.html > eval.log 2>&1
check "page is self-contained: no script" bash -c '! grep -qi "<script" report.html'
check "page fetches nothing" bash -c '! grep -Eqi "(src|href)=.(https?:)?//" report.html'
check "data path escaped in the source" grep -q 'test&lt;b&gt;&amp;x.h5' report.html

chrome_dom report.html dom.html
for fig in "ROC curve" "Precision-recall curve" "Reliability diagram" "Risk-coverage curve" \
           "Perturbation: metric vs noise" "by slice, with intervals"; do
  check "chart '$fig' rendered" grep -q "<figcaption>[^<]*$fig" dom.html
done
check "curves drawn ($(grep -o '<polyline' dom.html | wc -l) polylines)" test "$(grep -o '<polyline' dom.html | wc -l)" -ge 5
check "one bar per slice" test "$(grep -o "class=\"bar\"" dom.html | wc -l)" -eq "$(jq '.slices | length' r.json)"
check "baselines table lists the heuristic" grep -q "num_90_days_late &gt; 0" dom.html
check "markup in user text is not parsed" bash -c '! grep -q "test<b>" dom.html'
check "gate shown" grep -q 'id="gate"' dom.html
chrome_shot report.html shot.png
check "screenshot written" test "$(stat -c %s shot.png 2>/dev/null || echo 0)" -gt 20000

# learning curve: 2 ranks, nested fractions; sizes equal those of 1 rank
check "learning-curve on 2 ranks" run_ranks 2 eval learning-curve cfg.yaml --fractions 0.2,0.5,1 \
  --json lc2.json --html lc.html > lc2.log 2>&1
check "learning-curve on 1 rank" "$HERD" eval learning-curve cfg.yaml --fractions 0.2,0.5,1 \
  --json lc1.json > lc1.log 2>&1
check "three points, rows growing" jq -e '.learning_curve.points | length == 3 and .[0].train_rows < .[1].train_rows and .[1].train_rows < .[2].train_rows' lc2.json > /dev/null
check "fractions of the training rows" jq -e '.learning_curve.points as $p | ($p[0].train_rows / $p[2].train_rows - 0.2 | fabs) < 0.03 and ($p[1].train_rows / $p[2].train_rows - 0.5 | fabs) < 0.03' lc2.json > /dev/null
check "same subset sizes on 1 and 2 ranks" diff <(jq '[.learning_curve.points[].train_rows]' lc1.json) <(jq '[.learning_curve.points[].train_rows]' lc2.json)
check "train and validation metric and time" jq -e '[.learning_curve.points[] | (.train > 0.5 and .validation > 0.5 and .seconds > 0 and .validation_rows > 500)] | all' lc2.json > /dev/null
check "table printed" grep -q "fraction  *rows  *train  *validation" lc2.log
chrome_dom lc.html lcdom.html
check "learning curve charts rendered" grep -q "<figcaption>Metric vs training rows" lcdom.html
check "learning curve has train and validation lines" test "$(grep -o '<polyline' lcdom.html | wc -l)" -ge 3
expect_exit 2 "fractions must increase" "$HERD" eval learning-curve cfg.yaml --fractions 0.5,0.2
expect_exit 2 "needs validation rows" "$HERD" eval learning-curve cfg.yaml data.train=test\<b\>\&x.h5 --fractions 0.5,1
# the learning curve trains without data.test and without the eval: section, so it
# does not warn that the section was skipped
check "learning curve: no eval-section warning" bash -c '! grep -q "eval section was skipped" lc1.log lc2.log'
# --metric is checked against the task's metrics before anything is trained
expect_exit 2 "unknown --metric" "$HERD" eval learning-curve cfg.yaml --fractions 0.3 --metric nope
check "unknown --metric: one error line naming the metrics" grep -qx \
  "herd: error: eval learning-curve: --metric 'nope' is not a metric of a binary task; use one of accuracy, log_loss, roc_auc" last.err
check "unknown --metric: one line on stderr" test "$(wc -l < last.err)" -eq 1
check "unknown --metric: nothing trained" test ! -e ckpt/learning-curve/f0.3
# an output in a folder that does not exist: the error names the path given
expect_exit 4 "--html into a missing folder" "$HERD" eval "$ck" --data 'test<b>&x.h5' cfg.yaml \
  eval.store=false --html missing/r.html
check "--html error names the path given" \
  grep -qx "herd: error: eval: cannot create missing/r.html: No such file or directory" last.err
expect_exit 4 "learning-curve --json into a missing folder" "$HERD" eval learning-curve cfg.yaml \
  --fractions 1 --json missing/lc.json
check "learning-curve --json error names the path given" grep -qx \
  "herd: error: eval learning-curve: cannot create missing/lc.json: No such file or directory" last.err

finish
