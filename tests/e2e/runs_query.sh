#!/usr/bin/env bash
# herd runs list (--filter, --sort, --limit, --csv, --json, --experiment), compare,
# best, metrics and delete/restore/--purge on three real 1-rank runs.
source "$(dirname "$0")/../lib.sh"
source "$HERD_SOURCE_DIR/tests/runs_lib.sh"

make_data data.h5
write_config a.yaml exA data.h5
write_config b.yaml exB data.h5
A=$(train a a.yaml)
B=$(train b a.yaml optim.lr=0.02)
C=$(train c b.yaml model.type=softmax 'model.hidden=[]' data.test=data.h5)  # C alone has test/*

"$HERD" runs list --json > all.json
check "three runs listed" test "$(jq length all.json)" -eq 3
check "newest first" test "$(jq -r '.[0].id' all.json)" = "$C"
"$HERD" runs list --experiment exB --json > exb.json
check "--experiment" test "$(jq -r '[.[].id] | join(",")' exb.json)" = "$C"
"$HERD" runs list > table.txt
check "table shows val/accuracy" grep -q "val/accuracy" table.txt
check "table has a row per run" test "$(grep -c FINISHED table.txt)" -eq 3

# --filter: metric and param comparisons joined by and
"$HERD" runs list --filter "metrics.val/accuracy > 0 and params.model.type = 'mlp'" --json > f1.json
check "filter metric and param" test "$(jq -r '[.[].id] | sort | join(",")' f1.json)" = \
  "$(printf '%s\n' "$A" "$B" | sort | paste -sd,)"
"$HERD" runs list --filter "params.optim.lr >= 0.015" --json > f2.json
check "filter numeric param" test "$(jq -r '[.[].id] | join(",")' f2.json)" = "$B"
"$HERD" runs list --filter "status = 'FINISHED' and experiment = 'exB' and name LIKE 'exB-%'" --json > f3.json
check "filter attributes and LIKE" test "$(jq -r '[.[].id] | join(",")' f3.json)" = "$C"
"$HERD" runs list --filter "metrics.val/accuracy > 2" --json > f4.json
check "filter matching nothing" test "$(jq length f4.json)" -eq 0
"$HERD" runs list --filter "metrics.val/accuracy > 2" > f4.txt
check "an empty selection is not an empty log" \
  grep -qx "no runs in .*/herd.db.d match --filter \"metrics.val/accuracy > 2\"" f4.txt
expect_exit 2 "bad filter is a usage error" "$HERD" runs list --filter "metrics.val/accuracy > 0.5 and params.model.type = mlp"
check "bad filter names the position" grep -q "position 52 (near .mlp.)" "$TEST_TMP/last.err"
expect_exit 2 "unknown field" "$HERD" runs list --filter "accuracy > 0.5"
check "unknown field message" grep -q "position 1 .*unknown field" "$TEST_TMP/last.err"

# --sort
"$HERD" runs list --sort metrics.val/accuracy --json > s1.json
check "sort ascending" jqe '[.[].metrics["val/accuracy"]] | . == sort' s1.json
"$HERD" runs list --sort "-metrics.val/accuracy" --json > s2.json
check "sort descending" jqe '[.[].metrics["val/accuracy"]] | . == (sort | reverse)' s2.json
"$HERD" runs list --sort "start_time asc" --json > s3.json
check "sort by attribute" test "$(jq -r '[.[].id] | join(",")' s3.json)" = "$A,$B,$C"

# --limit: the first N after sorting
"$HERD" runs list --limit 2 --json > l1.json
check "--limit 2: the two newest" test "$(jq -r '[.[].id] | join(",")' l1.json)" = "$C,$B"
"$HERD" runs list --sort "start_time asc" --limit=1 --json > l2.json
check "--limit after --sort" test "$(jq -r '[.[].id] | join(",")' l2.json)" = "$A"
check "--limit in the table" test "$("$HERD" runs list --limit 1 | grep -c FINISHED)" -eq 1
expect_exit 2 "--limit 0" "$HERD" runs list --limit 0
check "--limit 0 names the value" grep -q "runs list: --limit: '0' is not a whole number" last.err
expect_exit 2 "--limit 2x" "$HERD" runs list --limit 2x

# --csv
"$HERD" runs list --csv --sort start_time > runs.csv
check "csv: header + 3 rows" test "$(wc -l < runs.csv)" -eq 4
check "csv header" grep -q '^id,experiment,name,status,parent_id,start_time,end_time,world_size,git_commit,params\.' runs.csv
col=$(head -1 runs.csv | tr ',' '\n' | grep -nx 'metrics.val/accuracy' | cut -d: -f1)
acc_a=$(jq -r ".[] | select(.id == \"$A\") | .metrics[\"val/accuracy\"]" all.json)
check "csv value = json value" awk -F, -v c="$col" -v want="$acc_a" 'NR == 2 { exit !($c + 0 == want + 0) }' runs.csv
expect_exit 2 "--json and --csv" "$HERD" runs list --json --csv

# compare
"$HERD" runs compare "$A" "$B" > cmp.txt
check "compare shows the differing param" grep -q "optim.lr .*0.01 .*0.02" cmp.txt
check "compare hides equal params" bash -c "! sed -n '/params that differ/,/metrics/p' cmp.txt | grep -q model.type"
check "compare shows metrics side by side" grep -q "val/accuracy" cmp.txt
"$HERD" runs compare "${A:0:8}" "${B:0:8}" "${C:0:8}" --json > cmp.json
check "compare json: runs" test "$(jq -r '[.runs[].id] | join(",")' cmp.json)" = "$A,$B,$C"
check "compare json: params differ" test "$(jq -c '.params["optim.lr"]' cmp.json)" = '["0.01","0.02","0.01"]'
check "compare json: model.type differs" test "$(jq -c '.params["model.type"]' cmp.json)" = '["mlp","mlp","softmax"]'
check "compare json: equal params left out" jqe '.params | has("seed") | not' cmp.json
check "compare json: metrics" jqe '.metrics["val/accuracy"] | length == 3' cmp.json
expect_exit 2 "compare needs two runs" "$HERD" runs compare "$A"
check "usage error in one line" test "$(wc -l < last.err)" -eq 1
check "usage error points at --help" \
  grep -qx "herd: error: runs: needs more run ids: compare (see herd runs --help)" last.err
expect_exit 2 "unknown option" "$HERD" runs list --colour
check "unknown option in one line" test "$(wc -l < last.err)" -eq 1

# show: by prefix; a prefix too short to be used says how long it must be
if [ "${B:0:4}" != "${A:0:4}" ] && [ "${C:0:4}" != "${A:0:4}" ]; then
  check "show by a 4-character prefix" test "$("$HERD" runs show "${A:0:4}" --json | jq -r .id)" = "$A"
fi
expect_exit 2 "show by a 3-character prefix" "$HERD" runs show "${A:0:3}"
check "too-short prefix names the minimum" grep -qx \
  "herd: error: runs show: run id prefix '${A:0:3}' is too short: give at least 4 characters" last.err

# best
best_max=$(jq -r 'max_by(.metrics["val/accuracy"]) | .id' all.json)
best_min=$(jq -r 'min_by(.metrics["val/accuracy"]) | .id' all.json)
check "best --max" test "$("$HERD" runs best --metric val/accuracy --max --json | jq -r .id)" = "$best_max"
check "best --min" test "$("$HERD" runs best --metric val/accuracy --min --json | jq -r .id)" = "$best_min"
check "best defaults to max for accuracy" test "$("$HERD" runs best --metric val/accuracy --json | jq -r .id)" = "$best_max"
loss_min=$(jq -r 'min_by(.metrics["train/loss"]) | .id' all.json)
check "best defaults to min for a loss" test "$("$HERD" runs best --metric train/loss --json | jq -r .id)" = "$loss_min"
check "best --experiment" test "$("$HERD" runs best --metric val/accuracy --experiment exB --json | jq -r .id)" = "$C"
"$HERD" runs best --metric val/accuracy > best.txt
check "best text" grep -q "^$best_max  val/accuracy = .* (max of 3 runs)" best.txt
"$HERD" runs best --metric test/accuracy > best_test.txt
check "best counts only the runs that have the metric" \
  grep -q "^$C  test/accuracy = .* (max of 1 runs)" best_test.txt
"$HERD" runs --help | sed -n '/^  best /,/^  metrics /p' | tr -s ' \n' ' ' > best_help.txt
check "help names every suffix best minimises" \
  grep -q "_ms or _seconds; mse, rmse, mae, mape, brier, ece, mce, ...), else --max" best_help.txt
expect_exit 2 "best of a missing metric" "$HERD" runs best --metric nope/none
expect_exit 2 "best needs --metric" "$HERD" runs best

# metrics: the full series
want=$(expected_loss_rows a.log)
"$HERD" runs metrics "$A" train/loss --json > loss.json
check "series has every logged row ($want)" test "$(jq length loss.json)" -eq "$want"
check "series in step order" jqe '[.[].step] | . == sort and (unique | length) == length' loss.json
check "series last value = latest" test "$(jq -r '.[-1].value' loss.json)" = \
  "$(jq -r ".[] | select(.id == \"$A\") | .metrics[\"train/loss\"]" all.json)"
"$HERD" runs metrics "$A" train/loss --csv > loss.csv
check "series csv" test "$(head -1 loss.csv)" = "step,time,value"
check "series csv rows" test "$(wc -l < loss.csv)" -eq $((want + 1))
"$HERD" runs metrics "$A" train/loss > loss.txt
check "series table" test "$(grep -c '^ *[0-9]' loss.txt)" -eq "$want"
"$HERD" runs metrics "$A" --json > keys.json
check "metric keys with counts" test "$(jq '.["train/loss"].rows' keys.json)" -eq "$want"
check "val/accuracy once per epoch" test "$(jq '.["val/accuracy"].rows' keys.json)" -eq 2
expect_exit 2 "unknown metric" "$HERD" runs metrics "$A" nope/none

# list, filters, best and compare answer from the index without opening each
# run file: A's file made unreadable (same size and mtime, so the index keeps
# its rows) warns only where the run record is shown
runs_dir="$TEST_TMP/runs/herd.db.d"
cp -p "$runs_dir/$A.sqlite" saved.sqlite
head -c "$(stat -c %s saved.sqlite)" /dev/zero > "$runs_dir/$A.sqlite"
touch -r saved.sqlite "$runs_dir/$A.sqlite"
{
  "$HERD" runs list
  "$HERD" runs list --csv --filter "params.optim.lr < 1" --sort -metrics.val/accuracy
  "$HERD" runs best --metric val/accuracy
  "$HERD" runs compare "$A" "$B" --json
} > /dev/null 2> index_only.err
check "list, best, compare read no run file" test ! -s index_only.err
check "... and still show the run" test "$("$HERD" runs list --csv | grep -c "^$A,")" -eq 1
"$HERD" runs list --json > /dev/null 2> record.err
check "list --json reads the run record" grep -q "$A.sqlite" record.err
cat saved.sqlite > "$runs_dir/$A.sqlite"
touch -r saved.sqlite "$runs_dir/$A.sqlite"

# delete: a mark, not a removal; --purge removes
"$HERD" runs delete "${B:0:6}" > del.txt
check "delete says so" grep -q "deleted $B" del.txt
check "deleted run hidden from list" test "$("$HERD" runs list --json | jq length)" -eq 2
check "list --deleted" test "$("$HERD" runs list --deleted --json | jq -r '[.[].id] | join(",")')" = "$B"
check "list --all" test "$("$HERD" runs list --all --json | jq length)" -eq 3
"$HERD" runs list --all > all.txt
check "list --all: the table says which runs are deleted" \
  test "$(awk -v id="${B:0:8}" '$1 == id { print $8 }' all.txt),$(grep -c ' no ' all.txt)" = "yes,2"
check "deleted run's file kept" test -f "$runs_dir/$B.sqlite"
check "show a deleted run" test "$("$HERD" runs show "$B" --json | jq .deleted)" = true
expect_exit 2 "best skips deleted runs" "$HERD" runs best --metric val/accuracy --filter "id = '$B'"
rm -f "$TEST_TMP/runs/herd.db"
check "the mark survives rebuilding the index" test "$("$HERD" runs list --deleted --json | jq length)" -eq 1
"$HERD" runs restore "$B" > /dev/null
check "restore" test "$("$HERD" runs list --json | jq length)" -eq 3
expect_exit 2 "delete of an unknown run" "$HERD" runs delete "$A" ffff0000
check "a bad id changes nothing" test "$("$HERD" runs list --json | jq length)" -eq 3
"$HERD" runs delete "$C" --purge > purge.txt
check "purge says so" grep -q "purged $C" purge.txt
check "purge removes the run file" test ! -e "$runs_dir/$C.sqlite"
check "purged run gone from the index" test "$("$HERD" runs list --all --json | jq length)" -eq 2
expect_exit 2 "show a purged run" "$HERD" runs show "$C"
check "other runs untouched" test -f "$runs_dir/$A.sqlite"

finish
