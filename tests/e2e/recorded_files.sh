#!/usr/bin/env bash
# What the experiment log and best.h5 say about files stays true after the
# files are rewritten: the evaluation at the end of training adds
# /calibration to the final checkpoint (copy and rename), which must leave
# best.h5 a hard link to the new file and the checkpoint's artifact row equal
# to the file; `herd eval --json --html` logs its JSON as it is on disk (with
# run_id) and updates the record of a checkpoint it rewrites, however the
# checkpoint is named (best.h5 or ckpt-*.h5). Needs h5ls (HDF5 tools).
source "$(dirname "$0")/../lib.sh"

"$HERD" data synth --kind credit --rows 4000 --seed 11 --val-fraction 0.1 -o train.h5 > /dev/null
"$HERD" data synth --kind credit --rows 1500 --seed 12 -o test.h5 > /dev/null
cat > cfg.yaml <<YAML
experiment: recorded
seed: 1
data: {train: train.h5, test: test.h5, impute: median, standardize: true}
model: {type: logistic, hidden: []}
optim: {name: adamw, lr: 0.01, weight_decay: 0.001}
train: {epochs: 3, batch_size: 256, checkpoint_dir: ck, keep_best: val/roc_auc,
        keep_checkpoints: 2, checkpoint_every: 1}
track: {db: runs/herd.db}
eval: {json: ck/eval.json, calibration: {method: platt}}
YAML
attr() { h5dump -a "$2" "$1" | sed -n 's/.*(0): *//p' | tr -d '"' | head -1; }
inode() { stat -c %i "$1"; }

# artifacts_match RUN_ID: every logged file that still exists has the logged size and sha256
artifacts_match() {
  local id=$1 bad=0 seen=0 path bytes sha
  while IFS=$'\t' read -r path bytes sha; do
    [ -f "$path" ] || continue
    seen=$((seen + 1))
    if [ "$(stat -c %s "$path")" != "$bytes" ] || [ "$(sha256sum < "$path" | cut -c1-64)" != "$sha" ]; then
      echo "$path: logged $bytes bytes $sha, on disk $(stat -c %s "$path") bytes" >&2
      bad=1
    fi
  done < <("$HERD" runs show "$id" --json --db runs/herd.db | jq -r '.artifacts[] | [.path, .bytes, .sha256] | @tsv')
  [ "$seen" -gt 0 ] && [ "$bad" -eq 0 ]
}

run_ranks 2 train cfg.yaml --summary-json train.json > train.log 2>&1
train_id=$(json train.json .run_id)
final=$(json train.json .checkpoint)
check "the best step is the final step (the case under test)" \
  test "$(attr ck/best.h5 best_step)" = "$(attr "$final" step)"
check "the final checkpoint has /calibration" h5ls "$final/calibration"
check "best.h5 has /calibration" h5ls ck/best.h5/calibration
check "best.h5 is the final checkpoint's file (same inode)" test "$(inode ck/best.h5)" = "$(inode "$final")"
check "no *.tmp left behind" test -z "$(ls ck | grep '\.tmp$' || true)"
check "herd predict --conformal works from best.h5" \
  "$HERD" predict ck/best.h5 --data test.h5 -o best.csv --conformal
check "training run: every artifact row matches its file" artifacts_match "$train_id"

# herd eval of best.h5: rewrites the file; the checkpoint's name follows, and
# the training run's row for it (logged as ck/ckpt-*.h5) is updated
run_ranks 2 eval ck/best.h5 --data test.h5 --json eval.json --html eval.html \
  eval.calibration.method=isotonic track.db=runs/herd.db > eval.log 2>&1
eval_id=$(json eval.json .run_id)
check "herd eval: best.h5 is still the final checkpoint's file" test "$(inode ck/best.h5)" = "$(inode "$final")"
check "herd eval: the stored method is the new one" test "$(attr ck/best.h5 /calibration/method)" = isotonic
check "herd eval: the JSON on disk has run_id" test -n "$eval_id" -a "$eval_id" != null
check "evaluation run: every artifact row matches its file" artifacts_match "$eval_id"
check "training run: rows still match after herd eval" artifacts_match "$train_id"
finish
