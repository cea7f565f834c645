#!/usr/bin/env bash
# The experiment log under concurrency and failure: four 1-rank runs training
# into one log at once while `herd runs list` reads it (all FINISHED, every
# metric row present, no "database is locked"); a log path that cannot be
# written fails before training starts; a run killed hard is shown as DEAD
# once its heartbeat is stale, and cannot be deleted while it is alive.
source "$(dirname "$0")/../lib.sh"
source "$HERD_SOURCE_DIR/tests/runs_lib.sh"

make_data data.h5
write_config cfg.yaml conc data.h5

# --- four runs at once, and readers syncing the index meanwhile
pids=()
for i in 1 2 3 4; do
  # (each its own checkpoint folder: runs sharing one would overwrite each other's files)
  "$HERD" train cfg.yaml seed=$i train.checkpoint_dir=ckpt$i --summary-json "r$i.json" \
    > "r$i.log" 2>&1 &
  pids+=($!)
done
readers_ok=1
while [ ! -d runs/herd.db.d ]; do sleep 0.05; done
while kill -0 "${pids[@]}" 2>/dev/null; do
  "$HERD" runs list --json > /dev/null 2>> readers.err || readers_ok=0
done
for i in 1 2 3 4; do
  wait "${pids[$((i - 1))]}" || fail "concurrent run $i failed: $(tail -2 "r$i.log")"
done
check "readers never failed" test "$readers_ok" -eq 1
check "no 'database is locked' anywhere" bash -c "! grep -qi 'locked\|busy' r?.log readers.err"
"$HERD" runs list --json > all.json
check "four runs logged" test "$(jq length all.json)" -eq 4
check "all FINISHED" test "$(jq -r '[.[].status] | unique | join(",")' all.json)" = FINISHED
for i in 1 2 3 4; do
  id=$(jq -r .run_id "r$i.json")
  want=$(expected_loss_rows "r$i.log")
  "$HERD" runs metrics "$id" --json > "k$i.json"
  check "run $i: every train/loss row ($want)" test "$(jq '.["train/loss"].rows' "k$i.json")" -eq "$want"
  for key in train/lr train/step_ms train/samples_per_s; do
    check "run $i: every $key row" test "$(jq ".[\"$key\"].rows" "k$i.json")" -eq "$want"
  done
  check "run $i: val/accuracy per epoch" test "$(jq '.["val/accuracy"].rows' "k$i.json")" -eq 2
  steps=$("$HERD" runs metrics "$id" train/loss --json | jq -c '[.[].step]')
  check "run $i: train/loss steps all distinct" jqe 'length == (unique | length)' <<< "$steps"
  check "run $i: the latest value is the run's own" test \
    "$(jq ".[] | select(.id == \"$id\") | .metrics[\"train/loss\"]" all.json)" = \
    "$(jq '.metrics["train/loss"]' "r$i.json")"
done

# --- a log path that cannot be written: fails before training, clearly
: > not_a_folder
expect_exit 4 "unwritable track.db" "$HERD" train cfg.yaml track.db=not_a_folder/herd.db
check "error names the path" grep -q "herd: error: .*not_a_folder.*cannot create folder" "$TEST_TMP/last.err"
check "no training happened" bash -c "! grep -q 'epoch 1' '$TEST_TMP/last.out' '$TEST_TMP/last.err'"

# --- killed hard: RUNNING while its heartbeat is fresh, DEAD once stale
"$HERD" train cfg.yaml train.epochs=100000 > long.log 2>&1 &
long=$!
id=""
for _ in $(seq 1 300); do
  id=$("$HERD" runs list --filter "status = 'RUNNING'" --json 2>/dev/null | jq -r '.[0].id // empty')
  [ -n "$id" ] && break
  sleep 0.1
done
check "the long run is RUNNING" test -n "$id"
expect_exit 2 "a live run cannot be deleted" "$HERD" runs delete "$id"
check "delete refusal says why" grep -q "still running" "$TEST_TMP/last.err"
sleep 1.5
kill -9 "$long"
wait "$long" 2>/dev/null || true
check "just killed: still RUNNING (heartbeat fresh)" test "$("$HERD" runs show "$id" --json | jq -r .status)" = RUNNING
sleep 2
export HERD_RUNS_DEAD_AFTER=1
check "stale heartbeat: DEAD" test "$("$HERD" runs show "$id" --json | jq -r .status)" = DEAD
check "DEAD in filters" test "$("$HERD" runs list --filter "status = 'DEAD'" --json | jq -r '.[0].id')" = "$id"
check "DEAD in the table" bash -c "'$HERD' runs list | grep '^${id:0:8}' | grep -q DEAD"
rm -f runs/herd.db   # rebuilt from the run files: a journal left by the kill is rolled back
"$HERD" runs show "$id" --json > dead.json 2> dead.err
check "after a rebuild: still there, DEAD" test "$(jq -r .status dead.json)" = DEAD
check "no unreadable-file warning" test ! -s dead.err
"$HERD" runs delete "$id" --purge > /dev/null
check "a DEAD run can be purged" test ! -e "$TEST_TMP/runs/herd.db.d/$id.sqlite"
unset HERD_RUNS_DEAD_AFTER

finish
