#!/usr/bin/env bash
# kill -9 of the whole job at 5 seeded random points, then `--resume auto`:
# the final parameters and optimizer state are bitwise identical to a run
# that was never stopped (checkpoints every 7 steps, so most resumes start
# mid-epoch), and the resumed run keeps its run id.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_resume.bash"

make_job_data
ARGS=(train cfg.yaml train.checkpoint_every_steps=7)
run_ranks 2 "${ARGS[@]}" train.checkpoint_dir=straight --summary-json straight.json > straight.log
check "straight run finishes" test "$(json straight.json .status)" = FINISHED
dump_state "$(json straight.json .checkpoint)" straight.bin
total=$(ckpt_step "$(json straight.json .checkpoint)")
echo "straight run: $total steps"

RANDOM=4242  # seeded: the same kill points every time
for i in 1 2 3 4 5; do
  target=$((10 + RANDOM % (total / 2)))  # the first half: seconds before the end
  start_job 2 kill$i.log "${ARGS[@]}" train.checkpoint_dir=ck$i --summary-json kill$i.json
  wait_ckpt ck$i "$target" || true
  sleep "0.0$((RANDOM % 10))"  # 0-90 ms more: a few steps on, or inside the next write
  kill_job
  at=$(ckpt_step ck$i)
  echo "kill $i: aimed past step $target, killed with step $at the newest checkpoint"
  check "kill $i hit the job before its end" test ! -e kill$i.json
  id=$(run_id_of kill$i.log)
  run_ranks 2 "${ARGS[@]}" train.checkpoint_dir=ck$i --resume auto --summary-json resume$i.json \
    > resume$i.log 2>&1
  check "resume $i finishes" test "$(json resume$i.json .status)" = FINISHED
  check "resume $i continues run $id" test "$(json resume$i.json .run_id)" = "$id"
  grep -o 'resuming from .*' resume$i.log || true
  dump_state "$(json resume$i.json .checkpoint)" resume$i.bin
  check "kill $i (newest checkpoint $at) + resume == straight run (bitwise)" cmp -s straight.bin resume$i.bin
done
"$HERD" runs list --db runs/herd.db --json > runs.json
check "every resumed run FINISHED" test "$(jq '[.[] | select(.status == "FINISHED")] | length' runs.json)" -eq 6
finish
