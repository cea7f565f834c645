# fixtures.sh - the files every bad-input case starts from (sourced by run.sh).
#
#   train.h5      synthetic classification, 400 rows x 5 features, 3 classes
#   cfg.yaml      a config that trains on it in a second (checkpoints in ckpt/,
#                 experiment log runs/herd.db)
#   ckpt/         the checkpoint of one earlier run of cfg.yaml (1 rank, 1 epoch)
#   runs/         that run's experiment log
#   good.csv      a small valid CSV (target column "label")
#   bad/*.h5      broken datasets from make_bad_data (missing-y, mismatch,
#                 label-range, nan, inf, one-row, x-1d)
#   afile         a regular file, to put paths "through" a file
#
# The earlier run's files are what each case must leave byte-for-byte intact.

make_fixtures() {
  local dir=$1
  rm -rf "$dir"
  mkdir -p "$dir/bad"
  (
    cd "$dir"
    "$HERD" data synth --kind classification --rows 400 --features 5 --classes 3 --seed 7 \
      -o train.h5 > /dev/null
    cat > cfg.yaml <<'YAML'
experiment: fault
seed: 1
data: {train: train.h5}
model: {type: mlp, hidden: [8]}
optim: {name: adam, lr: 0.01}
train: {epochs: 1, batch_size: 20, checkpoint_dir: ckpt}
track: {db: runs/herd.db}
YAML
    "$HERD" train cfg.yaml > "$TEST_TMP/fixture-train.log"
    printf 'a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n' > good.csv
    for kind in missing-y mismatch label-range nan inf one-row x-1d; do
      "$FAULT_MAKE_DATA" "$kind" "bad/$kind.h5"
    done
    echo "not a folder" > afile
  )
}
