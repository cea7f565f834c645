#!/usr/bin/env bash
# What `herd train` prints and records around a run: the lines of a run with
# tracking off (no empty run id), numbers in the recorded config as a person
# writes them (comm.timeout_s 300, not 3e+02; filters on them match), the
# summary's track_db, an eval section without data.test, and
# checks that fail before a run is logged (train.keep_best, --summary-json).
source "$(dirname "$0")/../lib.sh"
export HERD_PROGRESS=lines

"$HERD" data synth --kind classification --rows 600 --features 6 --classes 3 --seed 4 \
  --test-fraction 0.1 -o synth.h5 > /dev/null
cat > cfg.yaml <<YAML
experiment: output
seed: 5
data: {train: synth.h5, val_fraction: 0.2}
model: {type: mlp, hidden: [8]}
optim: {name: adam, lr: 0.01}
train: {epochs: 2, batch_size: 40, checkpoint_dir: ckpt}
track: {db: runs/herd.db}
YAML
runs() { "$HERD" runs list --db runs/herd.db --json | jq length; }

# tracking off: lines without a run id
run_ranks 2 train cfg.yaml track.enabled=false train.checkpoint_dir=off \
  --summary-json off.json > off.log 2>&1
cat off.log
check "tracking off: the summary's track_db is null" jq -e 'has("track_db") and .track_db == null' off.json
check "tracking off: the setup line" grep -Eq '^training \(tracking off\): [0-9]+ train / [0-9]+ val / ' off.log
check "tracking off: the last line" \
  grep -Eq '^training finished: checkpoint off/ckpt-[0-9]+\.h5 \(tracking off\)$' off.log
check "tracking off: no line with an empty run id" bash -c "! grep -Eq '^run +(:|finished)' off.log"
check "tracking off: nothing logged" test ! -e runs

# a tracked run: its line names the run; numbers read as written
run_ranks 2 train cfg.yaml --summary-json a.json > a.log 2>&1
id=$(json a.json .run_id)
check "tracked: the summary names the log" test "$(json a.json .track_db)" = runs/herd.db
check "tracked: the setup line names the run" grep -Eq "^run $id: [0-9]+ train / " a.log
check "tracked: the last line names the run and the log" \
  grep -q "^run $id finished: checkpoint ckpt/ckpt-[0-9]*.h5, logged in runs/herd.db$" a.log
"$HERD" runs show "$id" --db runs/herd.db --json > show.json
check "config: comm.timeout_s: 300" grep -qx 'comm.timeout_s: 300' <<< "$(json show.json .config)"
check "config: track.system_every_s: 10" grep -qx 'track.system_every_s: 10' <<< "$(json show.json .config)"
check "config: optim.eps: 1e-08" grep -qx 'optim.eps: 1e-08' <<< "$(json show.json .config)"
check "config: no number written with e+" \
  test "$(json show.json .config | grep -c 'e+')" -eq 0
check "params: comm.timeout_s is 300" test "$(json show.json '.params["comm.timeout_s"]')" = 300
"$HERD" runs list --db runs/herd.db --filter "params.comm.timeout_s = '300'" --json > f.json
check "filter on params.comm.timeout_s = '300' finds the run" test "$(jq -r '.[0].id' f.json)" = "$id"
check "the help lists the same default" grep -q '| `comm.timeout_s` | float | `300` |' <("$HERD" help config)

# an eval section without data.test: training logs test/* of the /split test
# rows of data.train, and the section evaluates those rows (tests/e2e/eval_rows.sh)
run_ranks 2 train cfg.yaml track.enabled=false train.epochs=1 train.checkpoint_dir=ev \
  eval.enabled=true > ev.log 2> ev.err
check "eval without data.test: test/* logged" grep -Eq '^epoch [0-9]+:.* test/accuracy [0-9.]+' ev.log
check "eval without data.test: the section ran on data.train's test rows" \
  grep -Eq '^evaluated ev/ckpt-[0-9]+\.h5 on [0-9]+ rows of synth\.h5 whose /split is test$' ev.log
check "eval without data.test: no warning" bash -c '! grep -q "eval section was skipped" ev.err'

# checks that stop a run before it is logged
before=$(runs)
expect_exit 2 "keep_best of a metric the task lacks" run_ranks 2 train cfg.yaml train.keep_best=val/nope
check "keep_best: one line naming the allowed values" grep -qx \
  "herd: error: train.keep_best: 'val/nope' is not a validation metric of a multiclass task; use one of val/accuracy, val/log_loss" \
  "$TEST_TMP/last.err"
check "keep_best: nothing trained" bash -c "! grep -q '^epoch' '$TEST_TMP/last.out'"
expect_exit 2 "keep_best without validation rows" run_ranks 2 train cfg.yaml data.val_fraction=0 \
  train.keep_best=val/accuracy
check "keep_best: says validation rows are needed" grep -q "val/accuracy needs validation rows" "$TEST_TMP/last.err"
expect_exit 4 "--summary-json under a file" run_ranks 2 train cfg.yaml --summary-json cfg.yaml/s.json
check "--summary-json: one line" grep -qx \
  "herd: error: --summary-json: cannot write cfg.yaml/s.json: cfg.yaml: cannot create folder: Not a directory" \
  "$TEST_TMP/last.err"
check "--summary-json: nothing trained" bash -c "! grep -q '^epoch' '$TEST_TMP/last.out'"
check "no run left in the log by either" test "$(runs)" -eq "$before"

# the summary's folder is made when missing, as checkpoint folders are
run_ranks 1 train cfg.yaml train.epochs=1 --summary-json out/deep/s.json > /dev/null 2>&1
check "--summary-json into a missing folder: made, summary written" \
  test "$(jq -r .status out/deep/s.json 2>/dev/null)" = FINISHED
finish
