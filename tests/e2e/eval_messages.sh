#!/usr/bin/env bash
# What herd eval and training say about metrics that are undefined on the data
# (one class only, slices without positives; model_beats is null, not true,
# and the gate says it cannot compare), heuristic rules on features whose
# names hold punctuation, the content hash of data files written by other
# tools (no content_sha256 attribute), and the "evaluated" line when the gate
# fails. The data is written with h5py, as another tool would.
# Needs python3-numpy and python3-h5py (scripts/install-deps).
source "$(dirname "$0")/../lib.sh"

require_python numpy h5py

# write.py FILE ROWS SEED MODE: features named with punctuation; MODE
# "learn" (y from c&d, 20% val rows), "onecls" (every label 0, 30% val rows),
# "rare" (1% positives, all with a<b > 0).
cat > write.py <<'PY'
import sys, h5py, numpy as np
path, n, seed, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(seed)
X = rng.normal(size=(n, 5)).astype(np.float32)
if mode == "learn":
    y = (X[:, 1] + 0.3 * rng.normal(size=n) > 0)
elif mode == "onecls":
    y = np.zeros(n, dtype=bool)
else:
    y = np.zeros(n, dtype=bool)
    y[np.flatnonzero(X[:, 0] > 0)[: n // 100]] = True
names = ['a<b', 'c&d', 'e"f', 'ünï ✓', "g'h"]
with h5py.File(path, "w") as f:
    f.create_dataset("X", data=X)
    f.create_dataset("y", data=y.astype(np.float32))
    if mode != "rare":
        val = 0.2 if mode == "learn" else 0.3
        f.create_dataset("split", data=(rng.random(n) < val).astype(np.uint8))
    f.create_dataset("feature_names", data=names, dtype=h5py.string_dtype("utf-8"))
    f.attrs["task"] = "binary"
PY
"$py" write.py train.h5 2000 1 learn
"$py" write.py onecls.h5 400 2 onecls
"$py" write.py rare.h5 3000 3 rare

cat > cfg.yaml <<'YAML'
seed: 4
data: {train: train.h5}
model: {type: logistic}
train: {epochs: 2, batch_size: 64, checkpoint_dir: ckpt}
track: {enabled: false}
YAML
run_ranks 2 train cfg.yaml --summary-json s.json > train.log 2>&1
ck=$(json s.json .checkpoint)

# Undefined metrics: roc_auc with one class.
expect_exit 2 "perturbation on roc_auc with one class" run_ranks 2 eval "$ck" --data onecls.h5 \
  'eval.tests.perturbation={levels: [0.1]}' eval.store=false
check "perturbation says the metric is undefined, on one line" \
  test "$(grep -c "herd: error: eval.tests.perturbation: metric 'roc_auc' is undefined on this data" last.err)" -eq 1
check "perturbation error does not say the metric is missing" bash -c "! grep -q \"no metric 'roc_auc'\" last.err"
expect_exit 0 "perturbation on accuracy with one class" run_ranks 2 eval "$ck" --data onecls.h5 \
  'eval.tests.perturbation={levels: [0.1], metric: accuracy}' eval.store=false --json p.json
check "perturbation on accuracy ran" jq -e '.tests.perturbation.base | type == "number"' p.json > /dev/null

expect_exit 1 "gate min on an undefined metric fails" run_ranks 2 eval "$ck" --data onecls.h5 \
  'eval.gate.min={roc_auc: 0.5, accuracy: 0.1}' eval.store=false --gate --json g.json
check "gate says roc_auc is undefined on this data" \
  jq -e '.gate.reasons == ["roc_auc: undefined on this data (one class only?), so the gate cannot check it"]' g.json > /dev/null
check "evaluated line printed when the gate fails" grep -q "evaluated $ck on 400 rows of onecls.h5" last.out
expect_exit 1 "gate on the baselines with one class fails" run_ranks 2 eval "$ck" --data onecls.h5 \
  eval.gate.must_beat_baselines=true eval.store=false --gate --json b.json --html b.html
check "model_beats null, not true, for every baseline" \
  jq -e '(.baselines.model_beats | length >= 2) and ([.baselines.model_beats[] | select(. != null)] | length == 0)' b.json > /dev/null
check "gate says the baselines cannot be compared" \
  jq -e '.gate.reasons | any(test("cannot be compared with the zero_rule baseline on roc_auc: the metric is undefined"))' b.json > /dev/null
check "html says n/a for the baselines" grep -q "n/a (metric undefined)" b.html
expect_exit 1 "gate min on a metric the result lacks" run_ranks 2 eval "$ck" --data onecls.h5 \
  'eval.gate.min={no_such_metric: 0.5}' eval.store=false --gate --json g2.json
check "a missing metric is still 'not in the result'" \
  jq -e '.gate.reasons == ["no_such_metric: not in the result (section off, or not defined for this task)"]' g2.json > /dev/null

expect_exit 0 "slice_min with slices without positives" run_ranks 2 eval "$ck" --data rare.h5 \
  'eval.slices=[{feature: "a<b", bins: [-10, -2, 0, 10]}]' 'eval.gate.slice_min={roc_auc: 0.5}' \
  eval.store=false --gate --json sl.json --html sl.html
check "rare data: slices below zero have no positives" \
  jq -e '[.slices[] | select(.name | test("-2|< 0")) | .metrics.roc_auc] | length >= 1 and all(. == null)' sl.json > /dev/null
check "no 'nan' in the gate" bash -c "! jq -r '.gate.reasons[]' sl.json | grep -qi nan"
check "html lists the undefined slice metrics" grep -q "roc_auc: undefined in the slice, not checked</li>" sl.html
check "undefined slice metrics listed, not failed" \
  jq -e '.gate.passed and (.gate.undefined | length >= 1) and (.gate.undefined | all(test("^slice .* roc_auc$")))' sl.json > /dev/null

run_ranks 2 train cfg.yaml data.train=onecls.h5 train.checkpoint_dir=ck1 train.keep_best=val/roc_auc \
  > one.out 2> one.err
check "training shows an undefined metric as n/a" grep -q "val/roc_auc n/a" one.out
check "training prints no nan" bash -c "! grep -qi nan one.out"
check "keep_best warns once that its metric is undefined" \
  test "$(grep -c "train.keep_best: val/roc_auc is undefined on the validation rows" one.err)" -eq 1
check "no best.h5 on one class" test ! -e ck1/best.h5

run_ranks 2 eval learning-curve cfg.yaml data.train=onecls.h5 train.checkpoint_dir=ck2 \
  --fractions 0.5,1 --json lc.json > lc.out 2> lc.err
check "learning curve JSON keeps null" jq -e '[.learning_curve.points[].validation] | all(. == null)' lc.json > /dev/null
check "learning curve table shows n/a" test "$(grep -c " n/a " lc.out)" -eq 2
check "learning curve prints no nan" bash -c "! grep -qi nan lc.out lc.err"

# EVAL.yaml before or after the checkpoint: the .h5 file is the checkpoint.
check "eval with the config first" run_ranks 2 eval cfg.yaml "$ck" --data train.h5 eval.store=false \
  --json first.json > /dev/null 2>&1
check "eval with the config second" run_ranks 2 eval "$ck" cfg.yaml --data train.h5 eval.store=false \
  --json second.json > /dev/null 2>&1
check "either order gives the same result" \
  test "$(jq -S 'del(.metrics.timing)' first.json)" = "$(jq -S 'del(.metrics.timing)' second.json)"

# Heuristic rules on any feature name.
for rule in 'c&d > 0' 'a<b >= 0.5' 'e"f < 1' 'ünï ✓ != 0' "g'h == 0" '  c&d<=-1e-3  '; do
  expect_exit 0 "heuristic rule [$rule]" run_ranks 2 eval "$ck" --data train.h5 \
    "eval.baselines.heuristic=$rule" eval.store=false --json h.json
  check "heuristic [$rule] scored" jq -e '.baselines.heuristic.roc_auc > 0' h.json > /dev/null
done
check "c&d rule beats chance (the feature drives the label)" bash -c \
  "$(printf '%q ' "$HERD") eval $ck --data train.h5 'eval.baselines.heuristic=c&d > 0' eval.store=false --json h2.json > /dev/null && jq -e '.baselines.heuristic.roc_auc > 0.8' h2.json > /dev/null"
for rule in 'c&d >' '> 0' 'c&d 0' 'c&d > 0 x' 'c&d => 0'; do
  expect_exit 2 "bad heuristic rule [$rule]" run_ranks 2 eval "$ck" --data train.h5 \
    "eval.baselines.heuristic=$rule" eval.store=false
  check "bad rule [$rule]: one error line" test "$(grep -c '^herd: error: eval.baselines.heuristic' last.err)" -eq 1
done
expect_exit 2 "heuristic on an unknown feature" run_ranks 2 eval "$ck" --data train.h5 \
  'eval.baselines.heuristic=c& d > 0' eval.store=false
check "unknown feature named" grep -q "no feature 'c& d' in train.h5" last.err

# The content hash of a file without the content_sha256 attribute.
hash=$("$HERD" data hash onecls.h5 | cut -d' ' -f1)
check "onecls.h5 has no stored hash" bash -c "$(printf '%q ' "$HERD") data info onecls.h5 | grep -q 'not stored'"
check "eval JSON has the computed data hash" test "$(json g.json .data_sha256)" = "$hash"
run_ranks 2 eval "$ck" --data onecls.h5 eval.store=false track.enabled=true track.db=runs/herd.db \
  --json t.json > /dev/null 2>&1
id=$("$HERD" runs list --db runs/herd.db --json | jq -r '.[0].id')
check "runs show prints the data hash" grep -q "^data *sha256 $hash$" <<<"$("$HERD" runs show "$id" --db runs/herd.db)"

# Training on such a file records the computed hash too: in the run, its
# datasets record and its checkpoints, so runs reproduce can check the data.
train_hash=$("$HERD" data hash train.h5 | cut -d' ' -f1)
check "training says it computed the hash" \
  grep -q "train.h5 has no stored content hash: computed sha256 ${train_hash:0:12}" train.log
run_ranks 2 train cfg.yaml track.enabled=true track.db=runs/herd.db train.checkpoint_dir=ck2 \
  --summary-json s2.json > /dev/null 2>&1
id=$(json s2.json .run_id)
"$HERD" runs show "$id" --db runs/herd.db --json > run.json
check "the run records the computed data hash" test "$(json run.json .data_sha256)" = "$train_hash"
check "its datasets record names the hash of train and val rows" \
  jq -e --arg h "$train_hash" '.datasets.train.sha256 == $h and .datasets.val.sha256 == $h' run.json > /dev/null
check "its checkpoint records the hash" \
  grep -q "$train_hash" <<<"$(h5dump -a data_sha256 "$(json s2.json .checkpoint)")"

finish
