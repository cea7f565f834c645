#!/usr/bin/env bash
# End to end on synthetic data: train on 1, 2 and 4 ranks, the summary and the
# experiment log, predictions, determinism, and resume giving the same result.
source "$(dirname "$0")/../lib.sh"

"$HERD" data synth --kind classification --rows 6000 --features 20 --classes 4 --seed 3 \
  --val-fraction 0.1 --test-fraction 0.2 -o synth.h5 >/dev/null

cat > cfg.yaml <<YAML
experiment: e2e
seed: 1
data: {train: synth.h5, standardize: true}
model: {type: mlp, hidden: [32], activation: relu}
optim: {name: adam, lr: 0.003}
train: {epochs: 4, batch_size: 64, checkpoint_dir: ckpt, log_every: 20}
track: {db: runs/herd.db}
YAML

for n in 1 2 4; do
  run_ranks $n train cfg.yaml train.checkpoint_dir=ckpt$n --summary-json s$n.json > train$n.log
  check "train on $n ranks finishes" test "$(json s$n.json .status)" = FINISHED
done

acc1=$(json s1.json '.metrics["test/accuracy"]')
acc2=$(json s2.json '.metrics["test/accuracy"]')
acc4=$(json s4.json '.metrics["test/accuracy"]')
echo "test accuracy: 1 rank $acc1, 2 ranks $acc2, 4 ranks $acc4"
check "1-rank model learns (test accuracy $acc1 > 0.7)" awk "BEGIN{exit !($acc1 > 0.7)}"
check "2 ranks within 1% of 1 rank ($acc2 vs $acc1)" awk "BEGIN{d=$acc2-$acc1; if(d<0)d=-d; exit !(d <= 0.01)}"
check "4 ranks within 2% of 1 rank ($acc4 vs $acc1)" awk "BEGIN{d=$acc4-$acc1; if(d<0)d=-d; exit !(d <= 0.02)}"

for key in train/loss train/lr train/samples_per_s val/accuracy val/log_loss test/accuracy test/log_loss; do
  check "summary has $key" jq -e ".metrics[\"$key\"] | numbers" s2.json >/dev/null
done
check "summary names the checkpoint" test -f "$(json s2.json .checkpoint)"

# the experiment log saw all three runs
"$HERD" runs list --db runs/herd.db --json > list.json
check "three runs listed" test "$(jq length list.json)" -eq 3
id2=$(json s2.json .run_id)
"$HERD" runs show "$id2" --db runs/herd.db --json > show.json
check "run is FINISHED in the log" test "$(json show.json .status)" = FINISHED
check "world size recorded" test "$(json show.json .world_size)" -eq 2
check "params logged" test "$(json show.json '.params["model.hidden"]')" = "[32]"
check "test accuracy logged" test "$(json show.json '.metrics["test/accuracy"]')" = "$acc2"

# predictions: one row per input row, deterministic for the same config and ranks
"$HERD" predict "$(json s2.json .checkpoint)" --data synth.h5 -o p2.csv > /dev/null
check "one prediction per row" test "$(wc -l < p2.csv)" -eq 6001
check "csv header" test "$(head -1 p2.csv)" = "prediction,p_0,p_1,p_2,p_3"
run_ranks 2 train cfg.yaml train.checkpoint_dir=ckpt2b --summary-json s2b.json > /dev/null
"$HERD" predict "$(json s2b.json .checkpoint)" --data synth.h5 -o p2b.csv > /dev/null
check "same config, seed and ranks: identical predictions" cmp -s p2.csv p2b.csv
"$HERD" predict "$(json s2.json .checkpoint)" --data synth.h5 -o p2.h5 > /dev/null
check "hdf5 predictions" h5dump -H -d /probabilities p2.h5 >/dev/null

# resume: 1 epoch, then --resume auto to 4 epochs == 4 epochs straight (constant lr)
run_ranks 2 train cfg.yaml train.checkpoint_dir=ckptr train.epochs=1 --summary-json s1.json > /dev/null
run_ranks 2 train cfg.yaml train.checkpoint_dir=ckptr --resume auto --summary-json sr.json > resume.log
check "resume says where it resumed from" grep -q "resuming from ckptr/.* after step [0-9]* (end of epoch 1)" resume.log
# train.epochs differs from the 1-epoch run's config: a new run, the 1-epoch run its parent
check "more epochs: a new run" test "$(json sr.json .run_id)" != "$(json s1.json .run_id)"
check "more epochs: the first run is its parent" \
  test "$("$HERD" runs show "$(json sr.json .run_id)" --db runs/herd.db --json | jq -r .parent_id)" = "$(json s1.json .run_id)"
"$HERD" predict "$(json sr.json .checkpoint)" --data synth.h5 -o pr.csv > /dev/null
check "stop at epoch 1 + resume == straight run (bitwise)" cmp -s p2.csv pr.csv

# the host's ranks keep one shared copy of the parameters and optimizer state (the
# default) or one each (comm.share_params=false): the same bits either way
for n in 2 4; do
  check "$n ranks share one copy of the parameters" grep -q "one shared copy of the parameters" train$n.log
  run_ranks $n train cfg.yaml train.checkpoint_dir=ckptp$n comm.share_params=false \
    --summary-json sp$n.json > trainp$n.log
  check "$n ranks, comm.share_params=false: a copy per rank" \
    test "$(grep -c 'one shared copy' trainp$n.log)" = 0
  "$HERD" predict "$(json s$n.json .checkpoint)" --data synth.h5 -o q$n.csv > /dev/null
  "$HERD" predict "$(json sp$n.json .checkpoint)" --data synth.h5 -o qp$n.csv > /dev/null
  check "$n ranks: shared parameters == a copy per rank (bitwise)" cmp -s q$n.csv qp$n.csv
done

# optim.clip_norm: with plain SGD a clipped step moves the parameters by at most
# lr x clip_norm, so epoch 2 ends within steps x lr x clip of where epoch 1 ended
param_distance() {  # param_distance A.h5 B.h5 -> L2 distance of /params
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r")["params"], h5py.File(sys.argv[2], "r")["params"]
print(np.sqrt(sum(float(((a[k][()].astype(np.float64) - b[k][()]) ** 2).sum()) for k in a)))
PY
}
for n in 1 2; do
  for clip in 0.001 0; do
    args=(optim.name=sgd optim.lr=0.5 optim.momentum=0 optim.clip_norm=$clip track.enabled=false)
    run_ranks $n train cfg.yaml "${args[@]}" train.epochs=1 train.checkpoint_dir=clip1-$n-$clip \
      --summary-json c1.json > clip.log
    run_ranks $n train cfg.yaml "${args[@]}" train.epochs=2 train.checkpoint_dir=clip2-$n-$clip \
      --summary-json c2.json > /dev/null
    steps=$(sed -n 's/.*, \([0-9]*\) steps per epoch.*/\1/p' clip.log)
    moved=$(param_distance "$(json c1.json .checkpoint)" "$(json c2.json .checkpoint)")
    bound=$(awk "BEGIN{print $steps * 0.5 * 0.001}")
    echo "$n ranks, clip_norm $clip: epoch 2 moved the parameters $moved (clipped bound $bound)"
    if [ "$clip" = 0 ]; then
      check "$n ranks: unclipped, epoch 2 moves far more than the clipped bound" \
        awk "BEGIN{exit !($moved > 10 * $bound)}"
    else
      check "$n ranks: clipped, epoch 2 moves at most steps x lr x clip_norm" \
        awk "BEGIN{exit !($moved <= $bound * 1.001 && $moved > 0)}"
    fi
  done
done

finish
