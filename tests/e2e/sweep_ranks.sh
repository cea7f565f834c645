#!/usr/bin/env bash
# herd sweep on 2 and 4 (oversubscribed) ranks: the same trials with the same
# values as on 1 rank, every trial a FINISHED run of the job's world size
# tagged with its sweep; a diverging trial on 2 ranks is FAILED and the
# sweep goes on.
source "$(dirname "$0")/../lib.sh"

source "$HERD_SOURCE_DIR/tests/sweep_lib.sh"
space=(--param optim.lr=loguniform:1e-4:1e-1 --param 'model.hidden=choice:[8]|[16,8]' --param optim.name=choice:sgd\|adam)

for n in 1 2 4; do
  run_ranks $n sweep cfg.yaml "${space[@]}" --trials 3 --seed 9 --name np$n --json np$n.json > np$n.log
  "$HERD" runs list --db runs/herd.db --filter "tags.sweep = 'np$n'" --json > runs$n.json
  check "$n ranks: 3 FINISHED runs tagged" test "$(jq '[.[] | select(.status == "FINISHED")] | length' runs$n.json)" -eq 3
  check "$n ranks: runs of world size $n" test "$(jq -r '[.[].world_size] | unique | join(",")' runs$n.json)" = "$n"
  check "$n ranks: one line per trial, printed once" test "$(grep -c "^sweep np$n: trial [1-3]/3 " np$n.log)" -eq 3
  check "$n ranks: a best trial" jq -e '.best.value | numbers' np$n.json
done
for n in 2 4; do
  check "$n ranks: the same values as 1 rank" test "$(jq -c '[.trials[].params]' np$n.json)" = "$(jq -c '[.trials[].params]' np1.json)"
done

"$HERD" data synth --kind regression --rows 1000 --features 8 --seed 5 --val-fraction 0.2 -o reg.h5 > /dev/null
cat > reg.yaml <<YAML
experiment: sweep-reg
data: {train: reg.h5}
model: {type: mlp, hidden: [16]}
optim: {name: sgd, lr: 0.01, momentum: 0.9}
train: {epochs: 2, batch_size: 32, checkpoint_dir: rckpt, log_every: 10}
track: {db: runs/herd.db}
YAML
expect_exit 0 "2 ranks: a diverging trial does not fail the sweep" \
  run_ranks 2 sweep reg.yaml --param 'optim.lr=choice:10|0.01' --method grid --name div2 --json div2.json
check "2 ranks: FAILED then FINISHED" test "$(jq -r '[.trials[].status] | join(",")' div2.json)" = FAILED,FINISHED
check "2 ranks: the failed run is FAILED in the log" \
  test "$("$HERD" runs show "$(jq -r '.trials[0].run_id' div2.json)" --db runs/herd.db --json | jq -r .status)" = FAILED
finish
