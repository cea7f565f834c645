#!/usr/bin/env bash
# data.stream: training on a file larger than a memory cap keeps the peak RSS
# bounded (two blocks, not the shard), learns as well as loading the shard,
# and is deterministic. Peak RSS from /usr/bin/time -v (package `time`).
source "$(dirname "$0")/../lib.sh"

# 250k x 100 float32 = 100 MB of features: far more than the cap below
"$HERD" data synth --kind classification --rows 250000 --features 100 --classes 2 --seed 4 \
  --test-fraction 0.02 -o big.h5 >/dev/null

cat > cfg.yaml <<YAML
seed: 1
data: {train: big.h5, standardize: true}
model: {type: logistic, hidden: []}
optim: {name: sgd, lr: 0.1}
train: {epochs: 2, batch_size: 512, eval_every: 0, checkpoint_dir: ckpt}
track: {enabled: false}
YAML

peak_kb() {  # peak_kb LOG: "Maximum resident set size (kbytes)" from time -v
  sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"
}

/usr/bin/time -v "$HERD" train cfg.yaml --summary-json full.json >full.out 2>full.time
/usr/bin/time -v "$HERD" train cfg.yaml data.stream=true data.stream_block_mb=4 \
  --summary-json s1.json >s1.out 2>s1.time
"$HERD" train cfg.yaml data.stream=true data.stream_block_mb=4 train.checkpoint_dir=ckpt2 \
  --summary-json s2.json >s2.out 2>&1
full=$(peak_kb full.time) streamed=$(peak_kb s1.time)
echo "peak RSS: shard in memory $((full / 1024)) MB, streamed (4 MB blocks) $((streamed / 1024)) MB"
check "both runs finish" test "$(json full.json .status)$(json s1.json .status)" = FINISHEDFINISHED
check "streaming holds at most shard/2 (got $streamed kB, full $full kB)" \
  test "$streamed" -lt $((full - 50 * 1024))
check "streamed peak under 100 MB ($streamed kB)" test "$streamed" -lt $((100 * 1024))
acc_full=$(json full.json '.metrics["test/accuracy"]')
acc_s=$(json s1.json '.metrics["test/accuracy"]')
check "streamed model learns like the in-memory one ($acc_s vs $acc_full)" \
  awk "BEGIN{d=$acc_s-$acc_full; if(d<0)d=-d; exit !(d <= 0.02)}"
check "streaming is deterministic" test "$(json s1.json '.metrics["test/log_loss"]')" = \
  "$(json s2.json '.metrics["test/log_loss"]')"
run_ranks 2 train cfg.yaml data.stream=true data.stream_block_mb=4 train.checkpoint_dir=ckpt3 \
  --summary-json s3.json >s3.out 2>&1
check "streaming on 2 ranks finishes" test "$(json s3.json .status)" = FINISHED
finish
