#!/usr/bin/env bash
# Two trainings on one train.checkpoint_dir: the running one owns the folder
# (a lock on ck/cc/.herd.lock), so a second one, fresh or --resume auto, on 2
# ranks or 1, fails at start with one line naming the folder and the holder's
# pid (exit 4), leaves the first one's checkpoints untouched, and the first
# finishes normally. Once it ended the folder can be used again, and a job
# killed with kill -9 leaves no lock behind.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_resume.bash"

make_job_data
# long enough (about 10 s on a quiet machine) for the second job to be tried
"$HERD" data synth --kind classification --rows 40000 --features 50 --classes 4 --seed 3 \
  --val-fraction 0.1 --test-fraction 0.1 -o big.h5 > /dev/null
LONG=(data.train=big.h5 'model.hidden=[64]' train.epochs=300 train.checkpoint_every=1)

start_job 2 a.log train cfg.yaml "${LONG[@]}" train.checkpoint_dir=ck/cc --summary-json a.json
wait_ckpt ck/cc 1 || true
sha256sum ck/cc/ckpt-*.h5 > before.sha
check "the first job wrote a checkpoint" test -s before.sha
holder=$(cat ck/cc/.herd.lock 2> /dev/null || true)
check "the lock names a rank of the first job ($holder)" \
  bash -c "pgrep -P $JOB_PID | grep -qx '$(echo "$holder" | awk '{print $2}')'"

# second MODE RANKS herd-args...: the second training is refused at once
second() {
  local mode=$1 n=$2 rc=0 t0 t1; shift 2
  t0=$(date +%s.%N)
  run_ranks "$n" train cfg.yaml train.checkpoint_dir=ck/cc "$@" > b-$mode.out 2> b-$mode.err || rc=$?
  t1=$(date +%s.%N)
  echo "second job ($mode, $n ranks): exit $rc after $(echo "$t1 - $t0" | bc) s"
  check "$mode: the second job exits 4" test "$rc" -eq 4
  check "$mode: refused within 30 s" awk "BEGIN{exit !($t1 - $t0 < 30)}"
  check "$mode: one error line naming the folder and the holder" test "$(grep -c '^herd: error: ' b-$mode.err)" -eq 1 \
    -a "$(grep '^herd: error: ' b-$mode.err)" = "herd: error: checkpoint: ck/cc is in use by another training ($holder); give each run its own train.checkpoint_dir, or wait until that one ends"
  check "$mode: the second job did not train" bash -c "! grep -q 'epoch 1' b-$mode.out"
}
second fresh 2 --summary-json b.json
check "fresh: its summary says FAILED with the error" \
  bash -c "[ \"\$(jq -r .status b.json)\" = FAILED ] && jq -r .error b.json | grep -q 'ck/cc is in use'"
second resume 1 --resume auto

check "the first job was still running while the second was refused" kill -0 "$JOB_PID"
check "the first job's checkpoints are untouched" sha256sum --quiet -c before.sha
check "nothing was moved aside" bash -c "! ls -d ck/cc/previous-* 2> /dev/null"
rc=0
wait "$JOB_PID" || rc=$?
check "the first job finishes normally" test "$rc" -eq 0
check "its summary says FINISHED" test "$(json a.json .status)" = FINISHED
check "its last checkpoint is its own final one" test "$(json a.json .checkpoint)" = "ck/cc/$(ls ck/cc | grep '^ckpt-' | tail -1)"
check "a checkpoint for each of its 300 epochs" test "$(ls ck/cc/ckpt-*.h5 | wc -l)" -eq 300
check "the lock file is gone after the run" test ! -e ck/cc/.herd.lock

# the folder is free again: a fresh run moves the earlier run's files aside
run_ranks 2 train cfg.yaml train.epochs=1 train.checkpoint_dir=ck/cc > again.log 2>&1 || true
check "after the first job ended, the folder can be used again" grep -q "finished: checkpoint ck/cc/" again.log
check "the earlier run's checkpoints were moved aside, not lost" \
  test "$(ls ck/cc/previous-*/ckpt-*.h5 | wc -l)" -eq 300

# a job killed with kill -9 holds nothing: its lock file stays, its lock does not
start_job 2 k.log train cfg.yaml "${LONG[@]}" train.checkpoint_dir=ck/killed
wait_ckpt ck/killed 1 || true
kill_job
check "a killed job leaves its lock file behind" test -e ck/killed/.herd.lock
run_ranks 2 train cfg.yaml train.epochs=1 train.checkpoint_dir=ck/killed --summary-json k.json \
  > k2.log 2>&1 || true
check "a killed job's folder can be used at once" test "$(json k.json .status)" = FINISHED
finish
