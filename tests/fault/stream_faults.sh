#!/usr/bin/env bash
# data.stream when things go wrong (train/stream.c, whose prefetch thread
# reads the next block during each step): a missing value in a later block,
# read by the prefetch thread, stops training with exit 3 and the one-line
# preprocess error; SIGTERM to every rank mid-run stops a streamed job with
# exit 5 (PREEMPTED), and `--resume auto` finishes it with parameters
# bitwise identical to a streamed run never stopped.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_resume.bash"

# 2000 rows, one empty cell at row 1500: far past the first block
{
  echo "a,b,c,label"
  for i in $(seq 0 1999); do
    if [ "$i" = 1500 ]; then echo "1,,3,$((i % 2))"; else echo "$((i % 7)),$((i % 5)),$((i % 3)),$((i % 2))"; fi
  done
} > missing.csv
"$HERD" data import-csv missing.csv --target label -o missing.h5 >/dev/null
cat > missing.yaml <<YAML
seed: 3
data: {train: missing.h5, stream: true, stream_block_mb: 0.001}
model: {type: logistic, hidden: []}
optim: {name: sgd, lr: 0.05}
train: {epochs: 2, batch_size: 4, eval_every: 0, checkpoint_dir: ck-missing}
track: {enabled: false}
YAML
expect_exit 3 "a missing value in a later block" "$HERD" train missing.yaml
check "one error line, from preprocessing" test "$(wc -l < last.err)" = 1 -a \
  "$(grep -c '^herd: error: preprocess: .*not finite' last.err)" = 1
check "training ran up to the block holding the bad row" grep -q "step 350/" last.out

make_job_data
S="data.stream=true data.stream_block_mb=0.1"  # 0.1 MB: several blocks per shard
run_ranks 2 train cfg.yaml $S train.checkpoint_dir=straight --summary-json straight.json \
  > straight.log
dump_state "$(json straight.json .checkpoint)" straight.bin
start_job 2 term.log train cfg.yaml $S train.checkpoint_dir=ck train.checkpoint_every_steps=25 \
  --summary-json term.json
wait_ckpt ck 25 || true
sleep 0.05
rc=0
kill -TERM $(pgrep -P "$JOB_PID")
wait "$JOB_PID" || rc=$?
check "SIGTERM: exit code 5 (preempted)" test "$rc" -eq 5
check "SIGTERM: says why it stopped" grep -aq "stopped by SIGTERM after step" term.log
check "SIGTERM: summary says PREEMPTED" test "$(json term.json .status)" = PREEMPTED
run_ranks 2 train cfg.yaml $S train.checkpoint_dir=ck --resume auto --summary-json resumed.json \
  > resumed.log 2>&1
check "resume finishes" test "$(json resumed.json .status)" = FINISHED
dump_state "$(json resumed.json .checkpoint)" resumed.bin
check "resumed parameters bitwise equal the uninterrupted run's" cmp straight.bin resumed.bin
finish
