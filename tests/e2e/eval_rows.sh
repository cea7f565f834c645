#!/usr/bin/env bash
# herd eval --rows (eval.rows): the rows of one /split role of a file. --rows
# test evaluates exactly the file's test rows (herd data info counts them) and
# gives the test/* figures training logged on them; results do not depend on
# the number of ranks; rows keep their index in the file (a missing value is
# named by its file row, /columns slices follow the file's rows); one-line
# errors for a bad value and for a role the file has no rows of; the
# end-of-training evaluation without data.test runs on data.train's test
# rows, and warns only when there are none. Needs python3-numpy and
# python3-h5py (scripts/install-deps).
source "$(dirname "$0")/../lib.sh"
export HERD_PROGRESS=lines

require_python numpy h5py

"$HERD" data synth --kind classification --rows 900 --features 5 --classes 2 --seed 8 \
  --val-fraction 0.2 --test-fraction 0.2 -o split.h5 > /dev/null
"$HERD" data synth --kind classification --rows 300 --features 5 --classes 2 --seed 9 \
  -o nosplit.h5 > /dev/null
# /columns/block: blocks of 50 file rows, 0..3, so its counts over the test rows
# differ from those over the first rows of the file
"$py" - <<'PY'
import h5py, numpy as np
with h5py.File("split.h5", "a") as f:
    f.create_dataset("columns/block", data=((np.arange(f["y"].shape[0]) // 50) % 4).astype(np.int32))
PY
"$HERD" data info split.h5 --json > info.json
n_test=$(json info.json .split_counts.test)
n_val=$(json info.json .split_counts.val)
n_train=$(json info.json .split_counts.train)
check "the file has test rows" test "$n_test" -gt 20

cat > cfg.yaml <<'YAML'
seed: 3
data: {train: split.h5}
model: {type: logistic, hidden: []}
optim: {name: adam, lr: 0.05}
train: {epochs: 2, batch_size: 50, checkpoint_dir: ckpt}
track: {db: runs/herd.db}
eval:
  json: end.json
  slices: [{column: block}]
YAML

# the end of training without data.test: data.train's test rows
check "train with an eval section and no data.test" \
  run_ranks 2 train cfg.yaml --summary-json s.json > train.log 2> train.err
ck=$(json s.json .checkpoint)
check "end of training: evaluated data.train's test rows" \
  grep -Eq "^evaluated ckpt/ckpt-[0-9]+\.h5 on $n_test rows of split\.h5 whose /split is test$" train.log
check "end of training: no warning" bash -c '! grep -q "eval section was skipped" train.err'
check "end of training: the result names the rows" \
  jq -e --argjson n "$n_test" '.data == "split.h5" and .data_rows == "test" and .rows == $n and .metrics.rows == $n' end.json > /dev/null
id=$(json s.json .run_id)
"$HERD" runs show "$id" --db runs/herd.db --json > run.json
check "end of training: logged into the training run" \
  jq -e --argjson n "$n_test" '.metrics["eval/metrics/rows"] == $n' run.json > /dev/null

# --rows test on 1 and 2 ranks: the same result, of exactly the test rows
for n in 1 2; do
  check "eval --rows test on $n ranks" run_ranks "$n" eval "$ck" --data split.h5 --rows test \
    cfg.yaml eval.store=false track.enabled=false --json "test$n.json" --html "test$n.html" > "test$n.log" 2>&1
done
check "--rows test: the report names the rows" grep -q "<th>data_rows</th><td>test</td>" test2.html
strip='del(.metrics.timing, .ranks, .run_id)'
check "--rows test: 1 and 2 ranks agree" \
  test "$(jq -S "$strip" test1.json)" = "$(jq -S "$strip" test2.json)"
check "--rows test: as many rows as herd data info counts" \
  jq -e --argjson n "$n_test" '.rows == $n and .metrics.rows == $n and .data_rows == "test"' test2.json > /dev/null
check "--rows test: the same result as at the end of training" \
  test "$(jq -S "$strip | del(.checkpoint)" test2.json)" = "$(jq -S "$strip | del(.checkpoint)" end.json)"
auc=$(grep -Eo 'test/roc_auc [0-9.]+' train.log | tail -1 | cut -d' ' -f2)
check "--rows test: roc_auc is training's test/roc_auc" \
  test "$(jq -r '.metrics.roc_auc * 10000 | round' test2.json)" = "$(awk -v a="$auc" 'BEGIN { printf "%d", a * 10000 + 0.5 }')"

check "eval of every row" run_ranks 2 eval "$ck" --data split.h5 cfg.yaml eval.store=false \
  track.enabled=false --json all.json > all.log 2>&1
check "--rows all (default): every row" jq -e '.rows == 900 and .data_rows == "all"' all.json > /dev/null
check "--rows test differs from every row" \
  test "$(jq -c .metrics.confusion_matrix all.json)" != "$(jq -c .metrics.confusion_matrix test2.json)"
for role in train val; do
  run_ranks 2 eval "$ck" --data split.h5 --rows "$role" cfg.yaml eval.store=false \
    track.enabled=false --json "$role.json" > /dev/null 2>&1
done
check "--rows train / val: their counts" \
  test "$(json train.json .rows) $(json val.json .rows)" = "$n_train $n_val"
check "eval.rows=val is --rows val" run_ranks 2 eval "$ck" --data split.h5 cfg.yaml eval.rows=val \
  eval.store=false track.enabled=false --json val2.json > /dev/null 2>&1
check "eval.rows=val: the same rows" jq -e --argjson n "$n_val" '.rows == $n and .data_rows == "val"' val2.json > /dev/null

# /columns slices follow the file's rows
"$py" - "$n_test" > block_counts.txt <<'PY'
import h5py, numpy as np
f = h5py.File("split.h5", "r")
test = f["split"][:] == 2
print(" ".join(str(int(c)) for c in np.bincount(f["columns/block"][:][test], minlength=4)))
PY
check "/columns slices count the test rows' values" \
  test "$(jq -r '[.slices[] | .n] | join(" ")' test2.json)" = "$(cat block_counts.txt)"

# a missing value in a test row is named by its row of the file
row=$("$py" - <<'PY'
import h5py, numpy as np
with h5py.File("split.h5", "r") as src, h5py.File("nan.h5", "w") as dst:
    for k, v in src.attrs.items():
        dst.attrs[k] = v
    for k in ("X", "y", "split"):
        dst.create_dataset(k, data=src[k][:])
    row = int(np.flatnonzero(src["split"][:] == 2)[7])
    dst["X"][row, 2] = np.nan
print(row)
PY
)
expect_exit 3 "--rows test: a missing value" run_ranks 2 eval "$ck" --data nan.h5 --rows test \
  eval.store=false track.enabled=false
check "--rows test: the missing value named by its file row $row" grep -qx \
  "herd: error: preprocess: column 2, row $row of the file: value nan is missing or not finite, and the model's preprocessing has data.impute none (train with data.impute set to mean or median to fill such values)" \
  "$TEST_TMP/last.err"

# errors, one line each
expect_exit 2 "--rows with a bad value" "$HERD" eval "$ck" --data split.h5 --rows tests
check "--rows tests: one line naming the choices" grep -qx \
  "herd: error: override 'eval.rows=tests': eval.rows: 'tests' is not one of train, val, test, all" \
  "$TEST_TMP/last.err"
for n in 1 2; do
  expect_exit 3 "--rows test of a file without /split on $n ranks" \
    run_ranks "$n" eval "$ck" --data nosplit.h5 --rows test eval.store=false track.enabled=false
  check "--rows test without /split: one line of herd's ($n ranks)" \
    test "$(grep -c '^herd: ' "$TEST_TMP/last.err")" -eq 1
  check "--rows test without /split: says so ($n ranks)" grep -qx \
    "herd: error: nosplit.h5: no rows whose /split is test" "$TEST_TMP/last.err"
done
check "--rows train of a file without /split: every row" run_ranks 2 eval "$ck" --data nosplit.h5 \
  --rows train eval.store=false track.enabled=false --json nosplit.json > /dev/null 2>&1
check "--rows train without /split: 300 rows" jq -e '.rows == 300 and .data_rows == "train"' nosplit.json > /dev/null

# the end of training warns only when data.train has no test rows
run_ranks 2 train cfg.yaml data.train=nosplit.h5 train.epochs=1 train.checkpoint_dir=ck2 \
  track.enabled=false eval.json=end2.json > nos.log 2> nos.err
check "no test rows: the warning" grep -qF \
  "eval: the eval section was skipped: data.test is not set and data.train has no rows whose /split is test" \
  nos.err
check "no test rows: nothing evaluated" test ! -e end2.json

finish
