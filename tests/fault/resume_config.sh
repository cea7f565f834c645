#!/usr/bin/env bash
# What `--resume auto` does with the run it finds:
# - preempted, same config: the same run goes on, and the stop and resume
#   messages name the same place ("after step S (epoch E, N steps into it)");
# - finished: nothing to train, one line, exit 0, the experiment log untouched;
# - another config (optim.lr, train.epochs): a new run whose parent is the old
#   one, whose record (params, config, its hash, command) stays as it was;
#   `herd runs reproduce` redoes the old run and refuses the new one;
# - the same config on data rewritten in place: a new run as well, whose
#   parent is the old one and whose data hash is the new data's.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib_resume.bash"

make_job_data
export HERD_PROGRESS=lines
ARGS=(cfg.yaml train.checkpoint_every_steps=25)
record() { "$HERD" runs show "$1" --db runs/herd.db --json > "$2"; }

# preempted, then resumed with the same config
start_job 2 stop.log train "${ARGS[@]}" --summary-json stop.json
wait_ckpt ckpt 25 || true
sleep 0.05
kill -USR1 "$JOB_PID"
rc=0
wait "$JOB_PID" || rc=$?
check "preempted: exit 5" test "$rc" -eq 5
id=$(json stop.json .run_id)
run_ranks 2 train "${ARGS[@]}" --resume auto --summary-json same.json > same.log 2>&1
check "same config: resume finishes" test "$(json same.json .status)" = FINISHED
check "same config: the same run goes on" test "$(json same.json .run_id)" = "$id"
check "same config: no new run" test "$("$HERD" runs list --db runs/herd.db --json | jq length)" -eq 1
stopped=$(grep -ao 'after step [0-9]* ([^)]*)' stop.log | head -1)
resumed=$(grep -ao 'resuming from .*' same.log | grep -o 'after step [0-9]* ([^)]*)')
echo "stop: $stopped / resume: $resumed"
check "stop message names a place" grep -Eq '^after step [0-9]+ \((epoch [0-9]+, [0-9]+ steps into it|end of epoch [0-9]+)\)$' <<< "$stopped"
check "stop and resume messages name the same place" test "$stopped" = "$resumed"

# finished: nothing to train, the log untouched
record "$id" before.json
sum_before=$(sha256sum "runs/herd.db.d/$id.sqlite")
rc=0
run_ranks 2 train "${ARGS[@]}" --resume auto --summary-json again.json > again.log 2>&1 || rc=$?
check "finished: exit 0" test "$rc" -eq 0
check "finished: says there is nothing to train, naming the checkpoint" \
  grep -q "nothing to train: run $id already finished all its 10 epochs (checkpoint $(json same.json .checkpoint))" again.log
check "finished: one line" test "$(grep -vc '^$' again.log)" -eq 1
check "finished: no 'finished: checkpoint ,'" bash -c "! grep -q 'checkpoint ,' again.log"
check "finished: the run file is untouched" test "$(sha256sum "runs/herd.db.d/$id.sqlite")" = "$sum_before"
record "$id" after.json
check "finished: end_time and metrics unchanged" \
  test "$(jq -c '[.end_time, .metrics]' before.json)" = "$(jq -c '[.end_time, .metrics]' after.json)"

# another config: a new run with the old one as its parent
run_ranks 2 train "${ARGS[@]}" train.epochs=11 optim.lr=0.5 --resume auto --summary-json new.json \
  > new.log 2>&1
new=$(json new.json .run_id)
check "changed config: resume finishes" test "$(json new.json .status)" = FINISHED
check "changed config: a new run" test -n "$new" -a "$new" != "$id"
check "changed config: says so, naming the keys" \
  grep -q "config differs from the one run $id recorded (optim.lr, train.epochs): training goes on as a new run" new.log
record "$id" old.json
record "$new" child.json
check "the new run's parent is the old run" test "$(json child.json .parent_id)" = "$id"
check "the new run records the new lr" test "$(json child.json '.params["optim.lr"]')" = 0.5
check "the new run says where it started" test "$(json child.json '.tags["resume.step"]')" = "$(ckpt_step "$(json same.json .checkpoint)")"
check "the old run's params unchanged" test "$(jq -c .params old.json)" = "$(jq -c .params before.json)"
check "the old run's lr is still 0.001" test "$(json old.json '.params["optim.lr"]')" = 0.001
check "the old run's config, hash and command unchanged" \
  test "$(jq -c '[.config, .config_sha256, .command, .end_time, .status]' old.json)" = \
       "$(jq -c '[.config, .config_sha256, .command, .end_time, .status]' before.json)"
check "the old run's config still trains at lr 0.001" grep -q '^optim.lr: 0.001$' <<< "$(json old.json .config)"

# reproduce: the old run from its own config; the new one is refused (not from scratch)
"$HERD" runs reproduce "$id" --db runs/herd.db --dry-run > repro.txt
repro_cfg=$(grep -o '[^ ]*herd-reproduce-[^ ]*\.yaml' repro.txt)
check "reproduce of the old run: parent and config" grep -q -- "--parent $id" repro.txt
check "reproduce of the old run: its 10 epochs at lr 0.001" \
  bash -c "grep -Eq '^ +lr: 0.001$' '$repro_cfg' && grep -Eq '^ +epochs: 10$' '$repro_cfg'"
expect_exit 2 "reproduce of the resumed run is refused" "$HERD" runs reproduce "$new" --db runs/herd.db --dry-run
check "refusal names the parent" grep -q "went on from step [0-9]* of run ${id:0:8}" "$TEST_TMP/last.err"
rm -f "$repro_cfg"

# the data file rewritten in place between a stop and a resume: a new run too
"$HERD" data synth --kind classification --rows 4000 --features 50 --classes 4 --seed 3 \
  --val-fraction 0.1 --test-fraction 0.1 -o data2.h5 > /dev/null
DARGS=(cfg.yaml data.train=data2.h5 train.checkpoint_dir=ck2 train.checkpoint_every_steps=25)
start_job 2 dstop.log train "${DARGS[@]}" --summary-json dstop.json
wait_ckpt ck2 25 || true
kill -USR1 "$JOB_PID"
wait "$JOB_PID" || true
did=$(json dstop.json .run_id)
old_hash=$("$HERD" data hash data2.h5 | cut -d' ' -f1)
"$HERD" data synth --kind classification --rows 4000 --features 50 --classes 4 --seed 4 \
  --val-fraction 0.1 --test-fraction 0.1 -o data2.h5 > /dev/null
new_hash=$("$HERD" data hash data2.h5 | cut -d' ' -f1)
run_ranks 2 train "${DARGS[@]}" --resume auto --summary-json dnew.json > dnew.log 2>&1
dnew=$(json dnew.json .run_id)
check "changed data: a new run" test -n "$dnew" -a "$dnew" != "$did"
check "changed data: says so, with both hashes" \
  grep -q "the content of data.train differs from what run $did trained on (sha256 ${new_hash:0:12} now, ${old_hash:0:12} then): training goes on as a new run" dnew.log
check "changed data: the new run's parent and data hash" \
  test "$("$HERD" runs show "$dnew" --db runs/herd.db --json | jq -r '[.parent_id, .data_sha256] | join(" ")')" = "$did $new_hash"
check "changed data: the old run keeps the hash it trained on" \
  test "$("$HERD" runs show "$did" --db runs/herd.db --json | jq -r .data_sha256)" = "$old_hash"
finish
