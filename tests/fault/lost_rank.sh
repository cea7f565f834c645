#!/usr/bin/env bash
# Lost ranks and stalls. kill -9 of one rank: the job ends promptly (mpirun
# ends the others), the run is FAILED (or DEAD once its heartbeat is stale),
# rank 0 leaves a FAILED summary with the error when it marked the run FAILED,
# and `--resume auto` finishes it. A rank that stalls (test hook
# HERD_TEST_STALL_RANK / HERD_TEST_STALL_AT_STEP) with comm.timeout_s=3:
# the job ends well within 30 s with an error naming rank 1.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_resume.bash"

make_job_data

# one rank killed
start_job 2 lost.log train cfg.yaml train.epochs=50 train.checkpoint_every_steps=10 --summary-json lost.json
wait_ckpt ckpt 20 || true
victim=$(pgrep -P "$JOB_PID" | sort -n | tail -1)
t0=$(date +%s.%N)
kill -9 "$victim"
rc=0
wait "$JOB_PID" || rc=$?
t1=$(date +%s.%N)
echo "one rank killed: job ended with $rc after $(echo "$t1 - $t0" | bc) s"
check "job with a dead rank fails" test "$rc" -ne 0
check "job with a dead rank ends within 30 s" awk "BEGIN{exit !($t1 - $t0 < 30)}"
id=$(run_id_of lost.log)
# rank 0 marks the run FAILED when it gets the chance; if mpirun's SIGKILL came
# first, the stale heartbeat shows it DEAD (threshold shortened for the test)
sleep 3
HERD_RUNS_DEAD_AFTER=2 "$HERD" runs show "$id" --db runs/herd.db --json > show.json
status=$(json show.json .status)
check "run with a dead rank is FAILED or DEAD ($status)" bash -c "[ $status = FAILED ] || [ $status = DEAD ]"
# the watchdog thread that marks the run FAILED writes the summary first
if [ "$status" = FAILED ]; then
  check "rank 0 wrote a summary" test -s lost.json
  check "the summary says FAILED" test "$(jq -r .status lost.json 2> /dev/null)" = FAILED
  check "the summary's error says a rank is gone" \
    bash -c "jq -r .error lost.json | grep -q 'waiting in .* (step [0-9]*): another rank is gone'"
  check "the summary names run $id" test "$(jq -r .run_id lost.json 2> /dev/null)" = "$id"
  check "the summary names a checkpoint on disk" test -f "$(jq -r .checkpoint lost.json 2> /dev/null)"
fi
run_ranks 2 train cfg.yaml train.epochs=50 train.checkpoint_every_steps=10 --resume auto --summary-json r.json \
  > r.log 2>&1
check "resume after a lost rank finishes" test "$(json r.json .status)" = FINISHED
check "resume after a lost rank continues run $id" test "$(json r.json .run_id)" = "$id"

# one rank stalls: the watchdog names it
t0=$(date +%s.%N)
rc=0
HERD_TEST_STALL_RANK=1 HERD_TEST_STALL_AT_STEP=12 "$MPIEXEC" --allow-run-as-root --oversubscribe \
  --bind-to none -x HERD_TEST_STALL_RANK -x HERD_TEST_STALL_AT_STEP -np 2 "$HERD" train cfg.yaml \
  train.checkpoint_dir=ckpt-stall train.checkpoint_every_steps=5 comm.timeout_s=3 \
  --summary-json stall.json > stall.log 2>&1 || rc=$?
t1=$(date +%s.%N)
echo "stalled rank: exit $rc after $(echo "$t1 - $t0" | bc) s"
grep -a "herd: error" stall.log || true
check "stalled job fails" test "$rc" -ne 0
check "stalled job ends within 30 s" awk "BEGIN{exit !($t1 - $t0 < 30)}"
check "error names the collective and rank 1" \
  grep -aq "herd: error: comm: gradient allreduce (step 12) did not complete within 3 s: rank(s) 1 did not arrive" stall.log
check "error printed once" test "$(grep -ac 'herd: error' stall.log)" -eq 1
id=$(run_id_of stall.log)
"$HERD" runs show "$id" --db runs/herd.db --json > show.json
check "stalled run is FAILED" test "$(json show.json .status)" = FAILED
check "stalled run's summary says FAILED with the error printed" \
  test "$(jq -r .status stall.json 2> /dev/null) herd: error: $(jq -r .error stall.json 2> /dev/null)" \
  = "FAILED $(grep -a 'herd: error' stall.log)"
run_ranks 2 train cfg.yaml train.checkpoint_dir=ckpt-stall --resume auto --summary-json rs.json > rs.log 2>&1
check "resume after a stall finishes" test "$(json rs.json .status)" = FINISHED
check "resume after a stall starts from step 10" grep -q "resuming from ckpt-stall/ckpt-000000010.h5" rs.log
finish
