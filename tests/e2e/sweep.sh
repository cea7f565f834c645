#!/usr/bin/env bash
# herd sweep on one rank: a random sweep's trials are FINISHED runs tagged
# with the sweep, in their own checkpoint folders, its best is the best of
# the logged metric, the same command draws the same values (another seed
# others); a grid is the full product in order; usage errors exit 2 with one
# line and train nothing; a diverging trial is FAILED while the sweep goes
# on (exit 0), all diverging is exit 1; SIGUSR1 stops the sweep (exit 5).
source "$(dirname "$0")/../lib.sh"

source "$HERD_SOURCE_DIR/tests/sweep_lib.sh"
space=(--param optim.lr=loguniform:1e-4:1e-1 --param 'model.hidden=choice:[8]|[16,8]')

# --- a random sweep
"$HERD" sweep cfg.yaml train.epochs=3 "${space[@]}" --trials 4 --seed 5 --name rs --json rs.json > rs.log
check "4 trials in the JSON" test "$(jq '.trials | length' rs.json)" -eq 4
check "default metric val/accuracy, highest best" \
  test "$(jq -r '"\(.metric) \(.goal) \(.method) \(.seed)"' rs.json)" = "val/accuracy max random 5"
"$HERD" runs list --db runs/herd.db --filter "tags.sweep = 'rs'" --json > rs-runs.json
check "4 runs carry the tag sweep=rs" test "$(jq length rs-runs.json)" -eq 4
check "every trial's run is FINISHED" test "$(jq -r '[.[].status] | unique | join(",")' rs-runs.json)" = FINISHED
check "run names rs-1..rs-4" test "$(jq -r '[.[].name] | sort | join(" ")' rs-runs.json)" = "rs-1 rs-2 rs-3 rs-4"
check "the JSON's run ids are the tagged runs" \
  test "$(jq -r '[.trials[].run_id] | sort | join(" ")' rs.json)" = "$(jq -r '[.[].id] | sort | join(" ")' rs-runs.json)"
check "trial i checkpoints in ckpt/rs/trial-i" \
  test "$(jq '[.trials[] | select(.trial as $t | .checkpoint | startswith("ckpt/rs/trial-\($t)/"))] | length' rs.json)" -eq 4
for ck in $(jq -r '.trials[].checkpoint' rs.json); do check "$ck exists" test -f "$ck"; done
# each run was trained with its trial's values and the command line's override
check "runs hold the trials' values" test "$(jq -c '[.trials[] | [.run_id, (.params["optim.lr"] | tostring), .params["model.hidden"]]] | sort' rs.json)" \
  = "$(jq -c '[.[] | [.id, .params["optim.lr"], (.params["model.hidden"] | gsub(" "; ""))]] | sort' rs-runs.json)"
check "override train.epochs=3 in every trial" test "$(jq -r '[.[].params["train.epochs"]] | unique | join(",")' rs-runs.json)" = 3
check "lr inside [1e-4, 1e-1]" jq -e '[.trials[].params["optim.lr"] | select(. >= 1e-4 and . <= 0.1)] | length == 4' rs.json
check "lr values differ" test "$(jq '[.trials[].params["optim.lr"]] | unique | length' rs.json)" -eq 4
# the best is the best of the metric as the experiment log has it
best_logged=$(jq -r 'max_by(.metrics["val/accuracy"]) | "\(.id) \(.metrics["val/accuracy"])"' rs-runs.json)
check "best = max of the logged val/accuracy ($best_logged)" \
  test "$(jq -r '"\(.best.run_id) \(.best.value)"' rs.json)" = "$best_logged"
check "one line per trial" test "$(grep -c '^sweep rs: trial [1-4]/4 optim.lr=[0-9.e-]* model.hidden=\[[0-9,]*\]: val/accuracy [0-9.]* ([0-9.]* s)$' rs.log)" -eq 4
check "best line names the best run" grep -q "^best: trial $(jq -r .best.trial rs.json) run $(jq -r .best.run_id rs.json) val/accuracy " rs.log
check "retrain command" grep -q "^retrain: herd train cfg.yaml 'train.epochs=3' optim.lr=$(jq -r '.best.params["optim.lr"]' rs.json) 'model.hidden=" rs.log
check "table best first" test "$(grep -A1 '^trial ' rs.log | tail -1 | awk '{print $1}')" = "$(jq -r .best.trial rs.json)"

# the same command draws the same values (and trains the same models); another seed others
"$HERD" sweep cfg.yaml train.epochs=3 "${space[@]}" --trials 4 --seed 5 --name rs-again --json again.json > /dev/null
check "same command, same values" test "$(jq -c '[.trials[].params]' again.json)" = "$(jq -c '[.trials[].params]' rs.json)"
check "same command, same metrics" test "$(jq -c '[.trials[].value]' again.json)" = "$(jq -c '[.trials[].value]' rs.json)"
"$HERD" sweep cfg.yaml train.epochs=1 "${space[@]}" --trials 2 --seed 6 --name rs-seed6 --json seed6.json > /dev/null
check "another seed, other values" test "$(jq -c '[.trials[].params["optim.lr"]]' seed6.json)" != "$(jq -c '[.trials[:2][].params["optim.lr"]]' rs.json)"

# --- a grid: every combination, the first param slowest
"$HERD" sweep cfg.yaml train.epochs=1 --param 'optim.name=choice:sgd|adam' \
  --param 'model.hidden=choice:[8]|[16,8]|[4]' --method grid --name g --json g.json > g.log
check "grid: the full product in order" test "$(jq -c '[.trials[].params | [.["optim.name"], .["model.hidden"]]]' g.json)" \
  = '[["sgd","[8]"],["sgd","[16,8]"],["sgd","[4]"],["adam","[8]"],["adam","[16,8]"],["adam","[4]"]]'
check "grid: 6 runs" test "$("$HERD" runs list --db runs/herd.db --filter "tags.sweep = 'g'" --json | jq length)" -eq 6
"$HERD" sweep cfg.yaml train.epochs=1 --param 'optim.name=choice:sgd|adam' \
  --param 'model.hidden=choice:[8]|[16,8]|[4]' --method grid --trials 2 --name g2 --json g2.json > /dev/null
check "grid --trials 2: the first two" test "$(jq -c '[.trials[].params["model.hidden"]]' g2.json)" = '["[8]","[16,8]"]'

# --metric: a loss is best lowest; a metric the trials do not log stops the sweep (exit 2)
"$HERD" sweep cfg.yaml train.epochs=1 --param 'optim.lr=choice:0.01|0.03' --metric val/log_loss \
  --name m --json m.json > /dev/null
check "--metric val/log_loss: lowest best" test "$(jq -r '"\(.metric) \(.goal) \(.best.value)"' m.json)" \
  = "val/log_loss min $(jq '[.trials[].value] | min' m.json)"
expect_exit 2 "--metric the trials do not log" "$HERD" sweep cfg.yaml train.epochs=1 \
  --param 'optim.lr=choice:0.01|0.03' --metric val/nope --name m-nope
check "--metric not logged: one line listing what is" \
  grep -q "^herd: error: sweep: --metric val/nope: the trials do not log it; they log .*val/accuracy" "$TEST_TMP/last.err"
check "--metric not logged: stopped after the first trial" test ! -e ckpt/m-nope/trial-2
# a later trial without the metric (no validation rows) is not ranked; the sweep goes on
"$HERD" data synth --kind classification --rows 300 --features 10 --classes 3 --seed 4 \
  -o noval.h5 > /dev/null
expect_exit 0 "a later trial without the metric" "$HERD" sweep cfg.yaml train.epochs=1 \
  --param 'data.train=choice:synth.h5|noval.h5|synth.h5' --method grid --name m-some --json m-some.json
check "that trial has no value, the others do" \
  test "$(jq -c '[.trials[] | "\(.status) \(.value != null)"]' m-some.json)" = '["FINISHED true","FINISHED false","FINISHED true"]'
check "the best is one that logged it" test "$(jq -r '.best.trial' m-some.json)" != 2

# --- usage errors: one line, exit 2, nothing trained
runs_before=$(ls runs/herd.db.d | wc -l)
bad() {
  local what=$1; shift
  expect_exit 2 "$what" "$HERD" sweep cfg.yaml --name bad "$@"
  check "$what: one line" test "$(wc -l < "$TEST_TMP/last.err")" -eq 1
  check "$what: herd: error: sweep:" grep -q "^herd: error: sweep" "$TEST_TMP/last.err"
}
bad "unknown key" --param optim.lrr=uniform:0.1:1
check "unknown key named" grep -q "unknown key 'optim.lrr'" "$TEST_TMP/last.err"
bad "bad space" --param optim.lr=uniform:0.1
bad "unknown space" --param optim.lr=normal:0:1
bad "LO >= HI" --param optim.lr=loguniform:0.1:0.01
bad "value the config rejects" --param 'optim.name=choice:sgd|adamx'
bad "HI the config rejects" --param optim.lr=uniform:0.1:50
bad "real number for an integer key" --param train.epochs=uniform:1:5
bad "grid with uniform" --param optim.lr=uniform:0.001:0.1 --method grid
bad "duplicate param" --param optim.lr=choice:0.1 --param optim.lr=choice:0.2
bad "no param"
bad "more trials than a sweep runs" --param optim.lr=uniform:0.01:0.1 --trials 100001
seeds=$(printf '|%s' 1 2 3 4 5 6 7 8 9 10); seeds=${seeds#|}
bad "a grid of 10^6 combinations" --method grid --param "seed=choice:$seeds" \
  --param "train.epochs=choice:$seeds" --param "train.batch_size=choice:$seeds" \
  --param "optim.warmup_steps=choice:$seeds" --param "optim.step_every=choice:$seeds" \
  --param "train.log_every=choice:$seeds"
check "too many combinations: take the first N" grep -q "grid has too many combinations (take the first N with --trials N)" "$TEST_TMP/last.err"
bad "bad name" --param optim.lr=choice:0.1 --name ../x
bad "name used before" --param optim.lr=choice:0.1 --name rs
check "usage errors trained nothing" test "$(ls runs/herd.db.d | wc -l)" -eq "$runs_before"
check "usage errors made no folder" test ! -e ckpt/bad

# --- a diverging trial is FAILED, the others finish, exit 0
"$HERD" data synth --kind regression --rows 1000 --features 8 --seed 5 --val-fraction 0.2 -o reg.h5 > /dev/null
cat > reg.yaml <<YAML
experiment: sweep-reg
data: {train: reg.h5}
model: {type: mlp, hidden: [16]}
optim: {name: sgd, lr: 0.01, momentum: 0.9}
train: {epochs: 2, batch_size: 32, checkpoint_dir: rckpt, log_every: 10, on_nonfinite: error}
track: {db: runs/herd.db}
YAML
expect_exit 0 "a diverging trial does not fail the sweep" \
  "$HERD" sweep reg.yaml --param 'optim.lr=choice:0.01|10|0.003' --method grid --name div --json div.json
check "statuses FINISHED, FAILED, FINISHED" test "$(jq -r '[.trials[].status] | join(",")' div.json)" = FINISHED,FAILED,FINISHED
check "regression: val/rmse, lowest best" test "$(jq -r '"\(.metric) \(.goal)"' div.json)" = "val/rmse min"
check "best = min of the finished" test "$(jq '.best.value' div.json)" = "$(jq '[.trials[].value | numbers] | min' div.json)"
check "diverged run FAILED in the log" test "$("$HERD" runs show "$(jq -r '.trials[1].run_id' div.json)" --db runs/herd.db --json | jq -r .status)" = FAILED
check "the trial line says why" grep -q "^sweep div: trial 2/3 optim.lr=10: FAILED: train: step [0-9]* (epoch 1): loss or gradient is not finite" "$TEST_TMP/last.out"
expect_exit 1 "every trial diverging: exit 1" "$HERD" sweep reg.yaml --param 'optim.lr=choice:10|9' --method grid --name alldiv
check "no trial finished, said once" test "$(grep -c 'herd: error: sweep alldiv: no trial finished; trial 1: train: step' "$TEST_TMP/last.err")" -eq 1

# --- SIGUSR1 during a trial stops the sweep after that trial's checkpoint: exit 5
"$HERD" sweep cfg.yaml train.epochs=3000 --param 'optim.lr=choice:0.01|0.02|0.03' --method grid \
  --name pre --json pre.json > pre.log 2>&1 &
pid=$!
for _ in $(seq 300); do [ -d ckpt/pre/trial-1 ] && break; sleep 0.1; done
sleep 0.5
kill -USR1 $pid
rc=0; wait $pid || rc=$?
check "preempted sweep exits 5 (got $rc)" test "$rc" -eq 5
check "it says the sweep does not resume" \
  grep -q "sweep pre: stopped in trial 1/3 (its run is PREEMPTED, its checkpoint kept); the trials so far are in the experiment log" pre.log
check "no trial after the preempted one" test ! -e ckpt/pre/trial-2
check "trial 1 PREEMPTED in the JSON" test "$(jq -r '[.trials[].status] | join(",")' pre.json)" = PREEMPTED
check "trial 1's run PREEMPTED in the log" test "$("$HERD" runs show "$(jq -r '.trials[0].run_id' pre.json)" --db runs/herd.db --json | jq -r .status)" = PREEMPTED
finish
