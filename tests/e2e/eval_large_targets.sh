#!/usr/bin/env bash
# herd eval on regression targets so large that the sums behind the metrics
# pass 2^63 (targets near 3e8, squared errors near 1e17; and near 1e15):
# mse, rmse, mae and r2 (and the zero_rule baseline's mse) equal numpy's on
# the same predictions (herd predict), and 1 and 3 ranks give the same JSON.
# Needs Debian's python3-numpy.
source "$(dirname "$0")/../lib.sh"

require_python numpy

for scale in 1e8 1e15; do
  "$py" - "$scale" > "big_$scale.csv" <<'EOF'
import sys, numpy as np
scale = float(sys.argv[1])
rng = np.random.default_rng(8)
X = rng.normal(size=(500, 4)).astype(np.float32)
y = X[:, 0].astype(np.float64) * scale + 3 * scale
print("f0,f1,f2,f3,y")
for row, target in zip(X, y):
    print(",".join("%.9g" % v for v in row) + ",%.17g" % target)
EOF
  "$HERD" data import-csv "big_$scale.csv" --target y --task regression -o "big_$scale.h5" > /dev/null
  cat > "cfg_$scale.yaml" <<EOF
seed: 3
data: {train: big_$scale.h5}
model: {type: linear}
train: {epochs: 3, batch_size: 64, checkpoint_dir: ck_$scale}
track: {enabled: false}
EOF
  check "$scale: train" run_ranks 2 train "cfg_$scale.yaml" --summary-json "train_$scale.json"
  ck=$(json "train_$scale.json" .checkpoint)
  for np in 1 3; do
    check "$scale: eval on $np ranks" run_ranks $np eval "$ck" --data "big_$scale.h5" \
      --json "eval_${scale}_np$np.json" eval.store=false track.enabled=false
    jq -S 'del(.ranks, .run_id, .metrics.timing)' "eval_${scale}_np$np.json" \
      > "eval_${scale}_np$np.stripped.json"
  done
  check "$scale: 1 and 3 ranks give identical results" \
    cmp -s "eval_${scale}_np1.stripped.json" "eval_${scale}_np3.stripped.json"
  check "$scale: herd predict" "$HERD" predict "$ck" --data "big_$scale.h5" -o "pred_$scale.csv"
  check "$scale: mse, rmse, mae, r2 and the zero_rule mse equal numpy's" \
    "$py" - "eval_${scale}_np1.json" "pred_$scale.csv" "big_$scale.csv" <<'EOF'
import json, sys, numpy as np
r = json.load(open(sys.argv[1]))
pred = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1, ndmin=1)
y = np.loadtxt(sys.argv[3], delimiter=",", skiprows=1)[:, -1].astype(np.float32).astype(np.float64)
e = pred - y
want = {"mse": np.mean(e * e), "rmse": np.sqrt(np.mean(e * e)), "mae": np.mean(np.abs(e)),
        "r2": 1 - np.sum(e * e) / np.sum((y - y.mean()) ** 2)}
bad = []
for name, value in want.items():
    got = r["metrics"][name]
    if got is None or not abs(got - value) <= 1e-6 * max(1.0, abs(value)):
        bad.append("%s: herd %r, numpy %r" % (name, got, value))
zero = r["baselines"]["zero_rule"]["mse"]
if zero is None or not abs(zero - np.var(y)) <= 1e-9 * np.var(y):
    bad.append("zero_rule mse: herd %r, numpy %r" % (zero, np.var(y)))
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
done
finish
