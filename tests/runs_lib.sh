# runs_lib.sh - shared setup of the tests/e2e/runs_*.sh tests (sourced after
# lib.sh): tiny synthetic data, a config, and real 1-rank `herd train` runs of
# about a second each, all logging into runs/herd.db.

export HERD_TRACK_DB="$TEST_TMP/runs/herd.db"

# make_data FILE [SEED]: 2000 rows, 8 features, 3 classes, 20% validation.
make_data() {
  "$HERD" data synth --kind classification --rows 2000 --features 8 --classes 3 \
    --seed "${2:-3}" --val-fraction 0.2 -o "$1" >/dev/null
}

# write_config FILE EXPERIMENT DATA: 2 epochs of batch 50, a metric row every 4 steps.
write_config() {
  cat > "$1" <<YAML
experiment: $2
seed: 1
data: {train: $3}
model: {type: mlp, hidden: [16]}
optim: {name: adam, lr: 0.01}
train: {epochs: 2, batch_size: 50, log_every: 4, checkpoint_dir: $TEST_TMP/ckpt}
track: {db: $HERD_TRACK_DB}
YAML
}

# train NAME CONFIG [herd train args...]: one rank; prints the run id; the
# output is in NAME.log and the summary in NAME.json.
train() {
  local name=$1; shift
  "$HERD" train "$@" --summary-json "$name.json" > "$name.log" 2>&1 ||
    { echo "train $name failed:" >&2; tail -5 "$name.log" >&2; return 1; }
  jq -r .run_id "$name.json"
}

# expected_loss_rows LOG: train/loss rows a 2-epoch run logs, from the
# "N steps per epoch" its log reports: one per 4 steps, plus one for the rest
# of each epoch.
expected_loss_rows() {
  local spe
  spe=$(grep -o '[0-9]* steps per epoch' "$1" | head -1 | cut -d' ' -f1)
  echo $(( 2 * ((spe + 3) / 4) ))
}

# jqe FILTER FILE: jq -e, quietly (for check).
jqe() { jq -e "$@" > /dev/null; }
