#!/usr/bin/env bash
# herd eval end to end: every metric of the JSON against scikit-learn on the
# same predictions (herd predict), for binary, multiclass and regression
# models; identical results on 1, 2 and 4 ranks; conformal coverage within
# 2 points of 1 - alpha on held-out rows; recalibration and conformal sets
# stored in the checkpoint and applied by herd predict; the end-of-training
# evaluation (eval: section); clear errors. Needs Debian's python3-sklearn
# and python3-numpy (scripts/install-deps).
source "$(dirname "$0")/../lib.sh"

checker="$HERD_SOURCE_DIR/tests/e2e/eval_check.py"
require_python sklearn numpy

"$py" "$checker" make-data .
for kind in binary multiclass regression; do
  for split in train test; do
    "$HERD" data import-csv "${kind}_$split.csv" --target target --task "$kind" -o "${kind}_$split.h5" > /dev/null
  done
done

train() {  # KIND [key=value ...]
  local kind=$1; shift
  local model=mlp
  cat > "$kind.yaml" <<EOF
data: {train: ${kind}_train.h5, test: ${kind}_test.h5}
model: {type: $model, hidden: [16]}
optim: {lr: 0.01}
train: {epochs: 4, batch_size: 128, checkpoint_dir: ck_$kind}
track: {db: runs/herd.db}
eval: {json: ${kind}_train_end.json, store: false, baselines: {heuristic: "num_90_days_late > 0"}}
EOF
  [ "$kind" = binary ] || sed -i 's/, baselines: {heuristic: "num_90_days_late > 0"}//' "$kind.yaml"
  run_ranks 2 train "$kind.yaml" "$@" > "train_$kind.log" 2>&1
}

for kind in binary multiclass regression; do
  check "train $kind" train "$kind"
  ckpt=$(ls ck_$kind/ckpt-*.h5 | tail -1)
  check "$kind: the eval: section ran at the end of training" \
    jq -e '.metrics.rows == 12000 and .metrics.timing.training_seconds > 0' "${kind}_train_end.json"
  extra=()
  [ "$kind" = binary ] && extra=(eval.baselines.heuristic="num_90_days_late > 0")
  check "$kind: herd eval" "$HERD" eval "$ckpt" --data "${kind}_test.h5" --json "$kind.json" \
    eval.store=false "${extra[@]}" track.db=runs/herd.db
  check "$kind: herd predict" "$HERD" predict "$ckpt" --data "${kind}_test.h5" -o "$kind.csv"
  check "$kind: every metric equals scikit-learn's" \
    "$py" "$checker" check "$kind" "$kind.json" "$kind.csv" "${kind}_test.csv"
  check "$kind: conformal coverage within 2 points of 0.9" \
    jq -e '[.conformal.coverage, .conformal.lac.coverage, .conformal.aps.coverage]
           | map(select(. != null)) | length > 0 and all(. >= 0.88 and . <= 0.92)' "$kind.json"
  check "$kind: the evaluation run is linked to the training run" \
    jq -e '.run_id != null and .model_run_id != null and .run_id != .model_run_id' "$kind.json"
done

# Macro means on slices, where a class may occur neither as a label nor as a
# prediction: as scikit-learn's (labels=None), not a 0 for the absent class.
mc_ckpt=$(ls ck_multiclass/ckpt-*.h5 | tail -1)
check "multiclass: eval with slices" "$HERD" eval "$mc_ckpt" --data multiclass_test.h5 --json mc_slices.json \
  'eval.slices=[{feature: num_90_days_late}]' eval.store=false track.enabled=false
check "multiclass: each slice's macro means equal scikit-learn's" "$py" - mc_slices.json multiclass.csv multiclass_test.csv <<'EOF'
import json, sys, numpy as np
from sklearn import metrics as skm
slices = json.load(open(sys.argv[1]))["slices"]
pred = np.genfromtxt(sys.argv[2], delimiter=",", names=True)["prediction"].astype(int)
data = np.loadtxt(sys.argv[3], delimiter=",", skiprows=1, dtype=np.float32)
late, y = data[:, 0], data[:, -1].astype(int)
absent = 0
for s in slices:
    rows = late == float(s["name"].split("= ")[1])
    assert rows.sum() == s["n"], (s["name"], rows.sum(), s["n"])
    absent += len(set(y[rows]) | set(pred[rows])) < 3
    for key, fn in (("precision_macro", skm.precision_score), ("recall_macro", skm.recall_score),
                    ("f1_macro", skm.f1_score)):
        want = fn(y[rows], pred[rows], average="macro", zero_division=0)
        assert abs(s["metrics"][key] - want) < 1e-9, (s["name"], key, s["metrics"][key], want)
assert absent > 0, "no slice lacks a class: the check would not tell"
EOF
expect_exit 2 "a threshold key for a multiclass model" "$HERD" eval "$mc_ckpt" --data multiclass_test.h5 \
  eval.threshold.cost_fn=5 track.enabled=false
check "the message names the key and the task" grep -q \
  "^herd: error: eval.threshold.cost_fn: the threshold trade-offs are for binary models, and the model is a multiclass model" last.err

# Same metrics on 1, 2 and 4 ranks (timing and the run ids aside).
strip='del(.ranks, .run_id, .metrics.timing)'
ckpt=$(ls ck_binary/ckpt-*.h5 | tail -1)
for np in 1 2 4; do
  run_ranks $np eval "$ckpt" --data binary_test.h5 --json "np$np.json" eval.store=false \
    eval.calibration.method=isotonic eval.calibration.binning=quantile track.enabled=false > /dev/null 2>&1
  jq -S "$strip" "np$np.json" > "np$np.stripped.json"
done
check "1 and 2 ranks give identical results" cmp -s np1.stripped.json np2.stripped.json
check "1 and 4 ranks give identical results" cmp -s np1.stripped.json np4.stripped.json

# Recalibration and conformal thresholds stored in the checkpoint, used by herd predict.
cp "$ckpt" stored.h5
check "herd eval stores /calibration" "$HERD" eval stored.h5 --data binary_test.h5 --json stored.json \
  eval.calibration.method=platt track.enabled=false
check "the checkpoint holds /calibration" h5ls stored.h5/calibration
"$HERD" predict stored.h5 --data binary_test.h5 -o recal.csv --conformal --abstain-below 0.7 > /dev/null
check "predict applies Platt scaling" "$py" - stored.json recal.csv binary.csv <<'EOF'
import json, sys, numpy as np
r = json.load(open(sys.argv[1]))["calibration"]["recalibrated"]
a, b = r["platt_a"], r["platt_b"]
raw = np.genfromtxt(sys.argv[3], delimiter=",", names=True)["p_1"]
got = np.genfromtxt(sys.argv[2], delimiter=",", names=True, dtype=None, encoding=None)
x = np.clip(raw, 1e-12, 1 - 1e-12)
want = 1 / (1 + np.exp(-(a * np.log(x / (1 - x)) + b)))
assert np.allclose(got["p_1"], want, atol=1e-6), "platt"
top = np.maximum(got["p_0"], got["p_1"])
assert np.all((got["prediction"] == -1) == (top < 0.7)), "abstain"
EOF
# evaluating again without a method keeps the stored map (new conformal thresholds)
check "herd eval again without a method" "$HERD" eval stored.h5 --data binary_test.h5 eval.conformal.alpha=0.2 \
  track.enabled=false
"$HERD" predict stored.h5 --data binary_test.h5 -o again.csv > /dev/null
check "the stored Platt map is kept" cmp -s <(cut -d, -f2,3 recal.csv) <(cut -d, -f2,3 again.csv)
check "the conformal thresholds are the new ones" test "$(h5dump -a /calibration/alpha stored.h5 | grep -c '(0): 0.2$')" -eq 1
check "predict --conformal writes LAC sets covering ~90% of rows" "$py" - recal.csv binary_test.csv <<'EOF'
import sys, numpy as np
got = np.genfromtxt(sys.argv[1], delimiter=",", names=True, dtype=None, encoding=None)
y = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1)[:, -1].astype(int)
sets = [set(map(int, str(s).split("|"))) if str(s) not in ("", "nan") else set() for s in got["set"]]
cov = np.mean([yy in s for yy, s in zip(y, sets)])
assert 0.87 <= cov <= 0.93, cov
EOF
check "regression intervals from predict --conformal" bash -c \
  "'$HERD' eval $(ls ck_regression/ckpt-*.h5 | tail -1) --data regression_test.h5 track.enabled=false >/dev/null &&
   '$HERD' predict $(ls ck_regression/ckpt-*.h5 | tail -1) --data regression_test.h5 -o reg.csv --conformal >/dev/null &&
   head -1 reg.csv | grep -q '^prediction,lower,upper$'"

# Errors: too few rows for alpha, an unknown feature in the heuristic, a wrong data file.
expect_exit 3 "alpha too small for the calibration rows" "$HERD" eval "$ckpt" --data binary_test.h5 \
  eval.conformal.alpha=0.0001 track.enabled=false
check "the message names alpha and the rows needed" grep -q "eval.conformal.alpha: 0.0001 needs at least 9999" last.err
expect_exit 2 "heuristic on an unknown feature" "$HERD" eval "$ckpt" --data binary_test.h5 \
  'eval.baselines.heuristic=late_payments > 1' track.enabled=false
expect_exit 3 "a regression file for a binary model" "$HERD" eval "$ckpt" --data regression_test.h5 \
  track.enabled=false

finish
