#!/usr/bin/env bash
# The run record (issue 3 items 1-4): train a tiny model on 2 ranks with system
# metrics every 0.2 s and 7 sampled validation rows, then check every key of
# `herd runs show --json`, the system-metric rows, the samples (7 rows, the
# same rows at every evaluation, labels as in the file), the artifacts'
# sha256 against sha256sum, git provenance inside and outside a checkout, and
# the hosts and params of a `herd eval` run.
source "$(dirname "$0")/../lib.sh"

"$HERD" data synth --kind classification --rows 12000 --features 40 --classes 3 --seed 3 \
  --val-fraction 0.1 --test-fraction 0.1 -o synth.h5 >/dev/null

cat > cfg.yaml <<YAML
experiment: record
seed: 5
data: {train: synth.h5}
model: {type: mlp, hidden: [256, 256]}
optim: {name: adam, lr: 0.003}
train: {epochs: 4, batch_size: 16, checkpoint_dir: ckpt, checkpoint_every: 1, log_every: 10}
track: {db: runs/herd.db, system_every_s: 0.2, samples: 7}
YAML

run_ranks 2 train cfg.yaml --summary-json s.json > train.log
check "training finished" test "$(json s.json .status)" = FINISHED
id=$(json s.json .run_id)
"$HERD" runs show "$id" --db runs/herd.db --json > show.json
run_file=runs/herd.db.d/$id.sqlite

# item 1: every key of the run record
for key in id experiment name parent_id status start_time end_time heartbeat command world_size \
           hosts bindings cpu_model git_commit git_dirty config config_sha256 data_sha256 datasets \
           versions version_info params metrics artifacts samples; do
  check "run record has key $key" jq -e "has(\"$key\")" show.json >/dev/null
done
check "id is 32 hex" grep -Eq '^[0-9a-f]{32}$' <<<"$(json show.json .id)"
check "hosts: this host with 2 ranks" test "$(json show.json .hosts)" = "$(hostname):2"
check "a binding (cpuset) per rank" test "$(jq '[.bindings[] | select(has("cpuset"))] | length' show.json)" -eq 2
check "bindings: ranks 0 and 1 on this host" \
  test "$(jq -c '[.bindings[] | [.rank, .host]]' show.json)" = "[[0,\"$(hostname)\"],[1,\"$(hostname)\"]]"
check "cpu model recorded" test -n "$(json show.json .cpu_model)"
for v in herd mpi openblas hdf5 hwloc sqlite libyaml compiler flags build_type; do
  check "version_info.$v" jq -e ".version_info.$v | strings" show.json >/dev/null
  check "versions text names $v" grep -q "$v " <<<"$(json show.json .versions)"
done
check "Open MPI version" grep -q "Open MPI" <<<"$(json show.json .version_info.mpi)"
check "OpenBLAS core type" grep -q "core" <<<"$(json show.json .version_info.openblas)"
check "SQLite version matches sqlite3" test "$(json show.json .version_info.sqlite)" = "$(sqlite3 --version | cut -d' ' -f1)"
check "HDF5 version matches h5dump" grep -q "$(json show.json .version_info.hdf5)" <<<"$(h5dump --version)"
check "config sha256 is of the config text" \
  test "$(jq -j .config show.json | sha256sum | cut -d' ' -f1)" = "$(json show.json .config_sha256)"
data_hash=$("$HERD" data info synth.h5 --json | jq -r .content_sha256)
check "data_sha256 is the file's content hash" test "$(json show.json .data_sha256)" = "$data_hash"
for role in train val test; do
  check "datasets.$role path" test "$(json show.json ".datasets.$role.path")" = synth.h5
  check "datasets.$role columns" test "$(json show.json ".datasets.$role.columns")" -eq 40
  check "datasets.$role sha256" test "$(json show.json ".datasets.$role.sha256")" = "$data_hash"
done
total=$(jq '[.datasets[].rows] | add' show.json)
check "datasets rows add up to the file's rows ($total)" test "$total" -eq 12000

# git: inside this checkout the checkout's commit; outside, the build's own
if git -C "$HERD_SOURCE_DIR" rev-parse HEAD >/dev/null 2>&1 && git rev-parse HEAD >/dev/null 2>&1; then
  check "git_commit of the checkout" test "$(json show.json .git_commit)" = "$(git rev-parse HEAD)"
  dirty=$([ -n "$(git status --porcelain)" ] && echo 1 || echo 0)
  check "git_dirty as git status says" test "$(json show.json .git_dirty)" -eq "$dirty"
fi
outside=$(mktemp -d /tmp/herd-norepo.XXXXXX)
(cd "$outside" && "$HERD" train "$TEST_TMP/cfg.yaml" data.train="$TEST_TMP/synth.h5" \
   train.epochs=1 train.checkpoint_dir=ck track.db=runs/herd.db --summary-json s.json > /dev/null)
"$HERD" runs show "$(json "$outside/s.json" .run_id)" --db "$outside/runs/herd.db" --json > outside.json
build_commit=$("$HERD" version | sed -E 's/.*\((.*)\)/\1/')
check "outside a checkout: the build's commit" test "$(json outside.json .git_commit)" = "$build_commit"
check "outside a checkout: not dirty" test "$(json outside.json .git_dirty)" -eq 0
rm -rf "$outside"

# item 2: metrics over time, system metrics reduced over ranks
for key in train/loss train/lr train/grad_norm train/samples_per_s train/step_ms comm/allreduce_ms \
           data/read_ms data/load_ms system/cpu_utilization_percentage \
           system/cpu_utilization_percentage/max system/process_rss_megabytes \
           system/process_rss_megabytes/max system/straggler_ms val/accuracy test/accuracy; do
  check "metric $key logged" jq -e ".metrics[\"$key\"] | numbers" show.json >/dev/null
done
rows=$(sqlite3 "$run_file" "SELECT count(*) FROM metrics WHERE key = 'system/cpu_utilization_percentage'")
check "several system samples (every 0.2 s): $rows" test "$rows" -ge 2
for base in system/cpu_utilization_percentage system/process_rss_megabytes; do
  check "$base rows have a /max row at each step" test "$(sqlite3 "$run_file" \
    "SELECT count(*) FROM metrics a JOIN metrics b ON a.step = b.step AND b.key = '$base/max'
     WHERE a.key = '$base' AND b.value >= a.value - 1e-9")" -eq "$rows"
done
# (a sample may read 0 on a loaded machine: CPU time advances in 10 ms ticks)
check "cpu utilisation within [0, 100]" test "$(sqlite3 "$run_file" \
  "SELECT count(*) FROM metrics WHERE key LIKE 'system/cpu_utilization_percentage%'
   AND (value < 0 OR value > 100.5)")" -eq 0
check "cpu utilisation seen" test "$(sqlite3 "$run_file" \
  "SELECT count(*) FROM metrics WHERE key = 'system/cpu_utilization_percentage' AND value > 0")" -ge 1
check "rss plausible (> 5 MB)" test "$(sqlite3 "$run_file" \
  "SELECT count(*) FROM metrics WHERE key = 'system/process_rss_megabytes' AND value < 5")" -eq 0
check "straggler spread >= 0" test "$(sqlite3 "$run_file" \
  "SELECT count(*) FROM metrics WHERE key = 'system/straggler_ms' AND value < 0")" -eq 0
check "data/read_ms at every log point" test "$(sqlite3 "$run_file" \
  "SELECT count(*) FROM metrics WHERE key = 'data/read_ms'")" -eq "$(sqlite3 "$run_file" \
  "SELECT count(*) FROM metrics WHERE key = 'train/loss'")"
check "metric rows carry wall time" test "$(sqlite3 "$run_file" \
  "SELECT count(*) FROM metrics WHERE time < 1e9")" -eq 0

# item 3: samples, the same 7 validation rows at every evaluation
check "show has the 7 latest samples" test "$(jq '.samples | length' show.json)" -eq 7
check "latest samples are of the last evaluation" \
  test "$(jq '[.samples[].step] | unique | length' show.json)" -eq 1
evals=$(sqlite3 "$run_file" "SELECT count(DISTINCT step) FROM samples")
check "samples at each of the 4 evaluations" test "$evals" -eq 4
check "same rows at every evaluation" test "$(sqlite3 "$run_file" \
  "SELECT count(DISTINCT r) FROM (SELECT group_concat(row) AS r FROM
     (SELECT step, row FROM samples ORDER BY step, row) GROUP BY step)")" -eq 1
check "probabilities: 3 classes summing to 1, prediction is their argmax" test "$(jq '[.samples[] |
  select((.probabilities | length) == 3 and ((.probabilities | add) - 1 | fabs) < 1e-4
         and (.probabilities | index(max)) == .prediction)] | length' show.json)" -eq 7
split=$(h5dump -y -w 0 -d /split synth.h5 | sed -n '/DATA {/,/}/p' | grep -Eo '[0-9]+' | tr '\n' ' ')
read -ra split_of <<<"$split"
bad=0
for row in $(jq -r '.samples[].row' show.json); do
  [ "${split_of[$row]}" = 1 ] || bad=$((bad + 1))   # split 1 = validation
done
check "sampled rows are validation rows of the file" test "$bad" -eq 0
bad=0
for s in $(jq -r '.samples[] | "\(.row):\(.label)"' show.json); do
  y=$(h5dump -y -d /y -s "${s%%:*}" -c 1 synth.h5 | sed -n '/DATA {/,/}/p' | grep -Eo '[0-9]+(\.[0-9]+)?' | tail -1)
  awk "BEGIN{exit !($y == ${s##*:})}" || bad=$((bad + 1))
done
check "sample labels are the file's labels" test "$bad" -eq 0
run_ranks 1 train cfg.yaml train.epochs=1 train.checkpoint_dir=ck1 --summary-json s1.json > /dev/null
"$HERD" runs show "$(json s1.json .run_id)" --db runs/herd.db --json > show1.json
check "1 rank samples the same rows as 2 ranks" \
  test "$(jq -c '[.samples[].row]' show1.json)" = "$(jq -c '[.samples[].row]' show.json)"

# item 4: artifacts (checkpoints and the summary) with size and sha256
check "4 checkpoints and the summary recorded" test "$(jq -c '[.artifacts[].kind] | group_by(.) |
  map({(.[0]): length}) | add' show.json)" = '{"checkpoint":4,"summary":1}'
bad=0
while IFS=$'\t' read -r path bytes sha; do
  [ "$(sha256sum "$path" | cut -d' ' -f1)" = "$sha" ] && [ "$(stat -c %s "$path")" -eq "$bytes" ] \
    || bad=$((bad + 1))
done < <(jq -r '.artifacts[] | [.path, .bytes, .sha256] | @tsv' show.json)
check "artifact sha256 and bytes match the files" test "$bad" -eq 0

# text output shows the record too
"$HERD" runs show "$id" --db runs/herd.db > show.txt
check "show prints the samples" grep -q "samples (latest evaluation, 7 rows)" show.txt
check "show prints per-rank cpusets" grep -Eq "^rank 1 +.* cpuset" show.txt

# an evaluation run (herd eval) records the job's hosts as training does, and
# as params only what it evaluated
run_ranks 2 eval "$(json s.json .checkpoint)" --data synth.h5 eval.store=false \
  track.db=runs/herd.db --json ev.json > ev.log 2>&1
"$HERD" runs show "$(json ev.json .run_id)" --db runs/herd.db --json > evshow.json
check "evaluation run: hosts, this host with 2 ranks" test "$(json evshow.json .hosts)" = "$(hostname):2"
check "evaluation run: params are eval.checkpoint, eval.data and eval.data_rows" \
  test "$(jq -c '.params | keys' evshow.json)" = '["eval.checkpoint","eval.data","eval.data_rows"]'

# tracking off: no system sampling, no run file
run_ranks 2 train cfg.yaml track.enabled=false track.db=off/herd.db > /dev/null
check "track.enabled=false writes no run file" test ! -e off/herd.db.d

finish
