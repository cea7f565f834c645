#!/usr/bin/env bash
# herd runs export: the MLflow file store layout and contents, TensorBoard
# event files (every record's masked CRC32C checked, events decoded by
# tfrecord_check.py since TensorFlow/TensorBoard are not Debian packages), CSV
# and JSON. (MLflow itself is not a Debian package either, so the layout is
# checked file by file.)
source "$(dirname "$0")/../lib.sh"
source "$HERD_SOURCE_DIR/tests/runs_lib.sh"

make_data data.h5
write_config cfg.yaml "exp one" data.h5
A=$(train a cfg.yaml)
B=$(train b cfg.yaml optim.lr=0.02 --parent "$A")
"$HERD" runs show "$A" --json > a.json.show
"$HERD" runs show "$B" --json > b.json.show
rows_a=$("$HERD" runs metrics "$A" train/loss --json | jq length)

# --- MLflow
"$HERD" runs export "$A" "${B:0:8}" --format mlflow -o mlruns 2> export.err
check "export reports" grep -q "exported 2 runs to mlruns (mlflow)" export.err
check "Default experiment" grep -qx "name: 'Default'" mlruns/0/meta.yaml
check "experiment meta.yaml" grep -qx "name: 'exp one'" mlruns/1/meta.yaml
check "experiment id" grep -qx "experiment_id: '1'" mlruns/1/meta.yaml
check "artifact location" grep -qx "artifact_location: file://$TEST_TMP/mlruns/1" mlruns/1/meta.yaml
check ".trash" test -d mlruns/.trash
ra=mlruns/1/$A
check "run meta.yaml: run_id" grep -qx "run_id: $A" "$ra/meta.yaml"
check "run meta.yaml: run_uuid" grep -qx "run_uuid: $A" "$ra/meta.yaml"
check "run meta.yaml: experiment" grep -qx "experiment_id: '1'" "$ra/meta.yaml"
check "run meta.yaml: FINISHED = 3" grep -qx "status: 3" "$ra/meta.yaml"
check "run meta.yaml: active" grep -qx "lifecycle_stage: active" "$ra/meta.yaml"
start_ms=$(jq '.start_time * 1000 | floor' a.json.show)
check "run meta.yaml: start_time in ms" grep -qx "start_time: $start_ms" "$ra/meta.yaml"
check "run meta.yaml: run_name" grep -qx "run_name: '$(jq -r .name a.json.show)'" "$ra/meta.yaml"
check "metric key with / is a folder" test -f "$ra/metrics/train/loss"
check "one line per logged row" test "$(wc -l < "$ra/metrics/train/loss")" -eq "$rows_a"
check "lines are 'timestamp_ms value step'" awk 'NF != 3 || length($1) != 13 || $1 !~ /^[0-9]+$/ || $3 !~ /^[0-9]+$/ { exit 1 }' "$ra/metrics/train/loss"
"$HERD" runs metrics "$A" train/loss --json | jq -r '.[] | "\(.step) \(.value)"' > want.txt
awk '{ print $3, $2 }' "$ra/metrics/train/loss" > got.txt
check "steps and values match herd runs metrics" awk 'NR == FNR { w[FNR] = $0; next } { split(w[FNR], x, " "); if ($1 != x[1] || ($2 - x[2]) > 1e-12 || (x[2] - $2) > 1e-12) bad = 1 } END { exit bad }' want.txt got.txt
check "validation metrics too" test "$(wc -l < "$ra/metrics/val/accuracy")" -eq 2
check "param file" test "$(cat "$ra/params/model.type")" = mlp
check "param with dots" test "$(cat "$ra/params/optim.lr")" = 0.01
check "tag mlflow.runName" test "$(cat "$ra/tags/mlflow.runName")" = "$(jq -r .name a.json.show)"
check "tag mlflow.source.git.commit" test "$(cat "$ra/tags/mlflow.source.git.commit")" = "$(jq -r .git_commit a.json.show)"
check "no parent tag without a parent" test ! -e "$ra/tags/mlflow.parentRunId"
check "tag mlflow.parentRunId" test "$(cat "mlruns/1/$B/tags/mlflow.parentRunId")" = "$A"
check "the run's own tags" test -f "$ra/tags/cpuset.rank0"
check "config artifact" grep -q "lr: 0.01" "$ra/artifacts/config.yaml"
# exporting again (another run of the same experiment) reuses experiment 1
C=$(train c cfg.yaml optim.lr=0.005)
"$HERD" runs export "$C" --format mlflow -o mlruns 2>/dev/null
check "same experiment found again" test -f "mlruns/1/$C/meta.yaml"
check "no second experiment" test ! -e mlruns/2

# --- TensorBoard
"$HERD" runs export "$A" "$B" --format tensorboard -o tb > tb.txt 2>/dev/null
check "one event file per run" test "$(wc -l < tb.txt)" -eq 2
ev_a=$(grep "${A:0:8}" tb.txt)
check "file name" bash -c "basename '$ev_a' | grep -q '^events\.out\.tfevents\.[0-9]*\.herd-${A:0:8}$'"
if /usr/bin/python3 "$HERD_SOURCE_DIR/tests/e2e/tfrecord_check.py" "$ev_a" > tb_a.json; then pass; else fail "tfrecord framing and CRCs"; fi
all_rows=$("$HERD" runs metrics "$A" --json | jq '[.[].rows] | add')
check "a record per metric row + the version event" test "$(jq .records tb_a.json)" -eq $((all_rows + 1))
check "train/loss scalars" test "$(jq '.scalars["train/loss"] | length' tb_a.json)" -eq "$rows_a"
"$HERD" runs metrics "$A" val/accuracy --json > va.json
check "scalar steps and values (float32)" jqe --slurpfile w va.json \
  '[.scalars["val/accuracy"][] ] as $g | ($w[0] | length) == ($g | length) and
   ([range(0; $g | length)] | all(. as $i | $g[$i][0] == $w[0][$i].step and
     (($g[$i][1] - $w[0][$i].value) | fabs) < 1e-6))' tb_a.json
ev_b=$(grep "${B:0:8}" tb.txt)
if /usr/bin/python3 "$HERD_SOURCE_DIR/tests/e2e/tfrecord_check.py" "$ev_b" > /dev/null; then pass; else fail "second run's CRCs"; fi
# a flipped byte is caught by the checker (so it really checks)
cp "$ev_a" broken.tfevents
printf 'X' | dd of=broken.tfevents bs=1 seek=40 conv=notrunc status=none
if /usr/bin/python3 "$HERD_SOURCE_DIR/tests/e2e/tfrecord_check.py" broken.tfevents > /dev/null 2>&1; then fail "corrupt event file accepted"; else pass; fi

# --- CSV and JSON
"$HERD" runs export --format csv -o csv --filter "params.optim.lr <= 0.01" 2>/dev/null
check "runs.csv: the filtered runs" test "$(wc -l < csv/runs.csv)" -eq 3
check "metrics.csv header" test "$(head -1 csv/metrics.csv)" = "run_id,key,step,time,value"
rows_c=$("$HERD" runs metrics "$C" --json | jq '[.[].rows] | add')
check "metrics.csv: every row" test "$(wc -l < csv/metrics.csv)" -eq $((all_rows + rows_c + 1))
check "metrics.csv: train/loss of A" test "$(grep -c "^$A,train/loss," csv/metrics.csv)" -eq "$rows_a"
"$HERD" runs export "$A" --format json -o json 2>/dev/null
check "runs.json: the run" test "$(jq -r '.[0].id' json/runs.json)" = "$A"
check "runs.json: series" test "$(jq '.[0].series["train/loss"] | length' json/runs.json)" -eq "$rows_a"
expect_exit 2 "unknown format" "$HERD" runs export "$A" --format parquet -o x
expect_exit 2 "-o required" "$HERD" runs export "$A" --format csv
: > afile
expect_exit 4 "unwritable output" "$HERD" runs export "$A" --format mlflow -o afile/sub

# --- MLflow: a run with system metrics, whose keys are "/"-prefixes of each
# other (system/cpu_utilization_percentage and .../max): MLflow keeps a key at
# metrics/<key>, so the longer key's "/" after the shorter one is written as "_"
write_config sys.yaml "system metrics" data.h5
D=$(train d sys.yaml track.system_every_s=0.001)
"$HERD" runs metrics "$D" --json > d.keys.json
check "system metrics recorded" jqe 'has("system/cpu_utilization_percentage") and
  has("system/cpu_utilization_percentage/max")' d.keys.json
check "export of a run with system metrics" "$HERD" runs export "$D" --format mlflow -o sysruns
rd=sysruns/1/$D/metrics
# key -> its file under metrics/
for pair in system/cpu_utilization_percentage:system/cpu_utilization_percentage \
            system/cpu_utilization_percentage/max:system/cpu_utilization_percentage_max \
            system/process_rss_megabytes:system/process_rss_megabytes \
            system/process_rss_megabytes/max:system/process_rss_megabytes_max \
            system/straggler_ms:system/straggler_ms train/loss:train/loss; do
  key=${pair%%:*} file=${pair##*:}
  check "$key in metrics/$file" test -f "$rd/$file"
  "$HERD" runs metrics "$D" "$key" --json | jq -r '.[] | "\(.step) \(.value)"' > want.txt
  awk '{ print $3, $2 }' "$rd/$file" 2>/dev/null > got.txt || true
  check "$key: steps and values" awk 'NR == FNR { w[FNR] = $0; n = FNR; next }
    { split(w[FNR], x, " "); if ($1 != x[1] || ($2 - x[2]) > 1e-9 || (x[2] - $2) > 1e-9) bad = 1 }
    END { exit bad || FNR != n || n == 0 }' want.txt got.txt
done
check "one file per metric key" test "$(find "$rd" -type f | wc -l)" -eq "$(jq length d.keys.json)"
check "nothing left beside the run" test "$(ls -A sysruns/1 | sort | tr '\n' ' ')" = "$D meta.yaml "

finish
