#!/usr/bin/env bash
# Preemption: SIGUSR1 to mpirun (which forwards it to every rank), and
# SIGTERM to every rank (as Slurm delivers it), each mid-run: every rank
# stops after the same step, a checkpoint is on disk, the run is PREEMPTED,
# the job exits with code 5 within 30 s; `--resume auto` then finishes the
# same run with parameters bitwise identical to a run never stopped. SIGINT
# (Ctrl-C) to a single process started by hand stops it the same way, and
# so do SIGTERM and Ctrl-C to launch/herdrun.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_resume.bash"

make_job_data
run_ranks 2 train cfg.yaml train.checkpoint_dir=straight --summary-json straight.json > straight.log
dump_state "$(json straight.json .checkpoint)" straight.bin
total=$(ckpt_step "$(json straight.json .checkpoint)")

# preempt SIGNAL WHO: WHO is "mpirun" or "ranks"
preempt() {
  local sig=$1 who=$2 dir=ck-$1 rc=0 t0 t1
  start_job 2 $sig.log train cfg.yaml train.checkpoint_dir=$dir train.checkpoint_every_steps=25 \
    --summary-json $sig.json
  wait_ckpt $dir 25 || true
  sleep 0.05
  t0=$(date +%s.%N)
  if [ "$who" = mpirun ]; then kill -"$sig" "$JOB_PID"; else kill -"$sig" $(pgrep -P "$JOB_PID"); fi
  wait "$JOB_PID" || rc=$?
  t1=$(date +%s.%N)
  echo "$sig to $who: exit $rc after $(echo "$t1 - $t0" | bc) s"
  check "$sig: exit code 5 (preempted)" test "$rc" -eq 5
  check "$sig: ended within 30 s" awk "BEGIN{exit !($t1 - $t0 < 30)}"
  check "$sig: says why it stopped" grep -aq "stopped by SIG$sig after step" $sig.log
  check "$sig: summary says PREEMPTED" test "$(json $sig.json .status)" = PREEMPTED
  local ck id
  ck=$(json $sig.json .checkpoint)
  check "$sig: the preemption checkpoint is on disk" test -f "$ck"
  check "$sig: stopped before the end" test "$(ckpt_step "$ck")" -lt "$total"
  id=$(json $sig.json .run_id)
  "$HERD" runs show "$id" --db runs/herd.db --json > show-$sig.json
  check "$sig: run is PREEMPTED in the log" test "$(json show-$sig.json .status)" = PREEMPTED
  run_ranks 2 train cfg.yaml train.checkpoint_dir=$dir train.checkpoint_every_steps=25 --resume auto \
    --summary-json r-$sig.json > r-$sig.log 2>&1
  check "$sig: resume finishes" test "$(json r-$sig.json .status)" = FINISHED
  check "$sig: resume continues run $id" test "$(json r-$sig.json .run_id)" = "$id"
  "$HERD" runs show "$id" --db runs/herd.db --json > show-$sig.json
  check "$sig: run is FINISHED in the log" test "$(json show-$sig.json .status)" = FINISHED
  dump_state "$(json r-$sig.json .checkpoint)" r-$sig.bin
  check "$sig: preempted + resumed == straight run (bitwise)" cmp -s straight.bin r-$sig.bin
}

preempt USR1 mpirun
preempt TERM ranks

# Ctrl-C on `herd train` started by hand (one process, no mpirun) stops it the
# same way: a checkpoint, exit 5, PREEMPTED. Job control (set -m) keeps SIGINT
# at its default in the background job, as for a command typed at a terminal.
set -m
"$HERD" train cfg.yaml train.checkpoint_dir=ck-INT train.checkpoint_every_steps=25 \
  --summary-json INT.json > INT.log 2>&1 &
JOB_PID=$!
set +m
wait_ckpt ck-INT 25 || true
kill -INT "$JOB_PID"
rc=0
wait "$JOB_PID" || rc=$?
echo "INT to one process: exit $rc"
check "INT: exit code 5 (preempted)" test "$rc" -eq 5
check "INT: says why it stopped" grep -aq "stopped by SIGINT after step" INT.log
check "INT: summary says PREEMPTED" test "$(json INT.json .status)" = PREEMPTED
ck=$(json INT.json .checkpoint)
check "INT: the preemption checkpoint is on disk" test -f "$ck"
check "INT: stopped before the end" test "$(ckpt_step "$ck")" -lt "$total"
"$HERD" runs show "$(json INT.json .run_id)" --db runs/herd.db --json > show-INT.json
check "INT: run is PREEMPTED in the log" test "$(json show-INT.json .status)" = PREEMPTED

# launch/herdrun on 2 ranks (and 1): SIGTERM to herdrun (kill, timeout, a scheduler),
# Ctrl-C (SIGINT to its whole process group) and SIGHUP stop the job the same
# way, although mpirun itself would answer them by killing the ranks.
herdrun_stop() {  # herdrun_stop SIGNAL RANKS
  local sig=$1 n=$2 name=herdrun-$1-$2 rc=0
  set -m  # a process group of its own, as a command typed at a terminal
  "$HERD_SOURCE_DIR/launch/herdrun" -n "$n" "$HERD" train cfg.yaml train.checkpoint_dir=ck-$name \
    train.checkpoint_every_steps=25 --summary-json $name.json > $name.log 2>&1 &
  JOB_PID=$!
  set +m
  wait_ckpt ck-$name 25 || true
  if [ "$sig" = INT ]; then kill -INT -- -"$JOB_PID"; else kill -"$sig" "$JOB_PID"; fi
  wait "$JOB_PID" || rc=$?
  local what="$sig, $n rank(s)"
  echo "$sig to herdrun on $n rank(s): exit $rc"
  check "herdrun $what: exit code 5 (preempted)" test "$rc" -eq 5
  check "herdrun $what: summary says PREEMPTED" test "$(json $name.json .status)" = PREEMPTED
  check "herdrun $what: the preemption checkpoint is on disk" test -f "$(json $name.json .checkpoint)"
  check "herdrun $what: stopped before the end" test "$(ckpt_step ck-$name)" -lt "$total"
  "$HERD" runs show "$(json $name.json .run_id)" --db runs/herd.db --json > show-$name.json
  check "herdrun $what: run is PREEMPTED in the log" test "$(json show-$name.json .status)" = PREEMPTED
}
herdrun_stop TERM 2
herdrun_stop INT 2
herdrun_stop HUP 2  # the terminal herdrun runs in is closed
herdrun_stop HUP 1  # one rank: herd itself, which stops on SIGUSR1 but not SIGHUP

# A stop signal that finds rank 0 waiting for a slower rank (rank 1 held
# with SIGSTOP for a moment) is a preemption, not a lost rank: the run goes
# to PREEMPTED without being marked FAILED on the way.
rank_pid() {  # rank_pid R: the pid of rank R of the job started by start_job
  local p
  for p in $(pgrep -P "$JOB_PID"); do
    tr '\0' '\n' < /proc/$p/environ | grep -qx "OMPI_COMM_WORLD_RANK=$1" && echo "$p"
  done
}
start_job 2 slow.log train cfg.yaml train.checkpoint_dir=ck-slow train.checkpoint_every_steps=25 \
  --summary-json slow.json
wait_ckpt ck-slow 25 || true
slow=$(rank_pid 1)
kill -STOP "$slow"
sleep 0.2  # rank 0 now waits for rank 1 in a collective
kill -USR1 $(pgrep -P "$JOB_PID")
sleep 0.1
kill -CONT "$slow"
rc=0
wait "$JOB_PID" || rc=$?
echo "USR1 while rank 1 was slow: exit $rc"
check "slow rank: exit code 5 (preempted)" test "$rc" -eq 5
check "slow rank: the run was not marked FAILED" bash -c "! grep -a 'marked FAILED' slow.log"
check "slow rank: summary says PREEMPTED" test "$(json slow.json .status)" = PREEMPTED
finish
