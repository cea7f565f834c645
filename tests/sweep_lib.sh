# sweep_lib.sh - shared setup of tests/e2e/sweep*.sh (sourced after lib.sh):
# synth.h5, 1500 rows of 3 classes with 20% validation, and cfg.yaml, a
# small mlp that trains in well under a second and checkpoints into ckpt/.
"$HERD" data synth --kind classification --rows 1500 --features 10 --classes 3 --seed 3 \
  --val-fraction 0.2 -o synth.h5 > /dev/null
cat > cfg.yaml <<YAML
experiment: sweep
seed: 1
data: {train: synth.h5}
model: {type: mlp, hidden: [16]}
optim: {name: adam, lr: 0.003}
train: {epochs: 2, batch_size: 64, checkpoint_dir: ckpt, log_every: 20}
track: {db: runs/herd.db}
YAML
