#!/usr/bin/env bash
# Data versioning and reproduction: herd data hash/verify, and herd runs
# reproduce (same result, --parent link, separate checkpoints; refusal with
# exit 2 when the data or the code commit changed; --force; the launch
# command for a run of 2 ranks).
source "$(dirname "$0")/../lib.sh"
source "$HERD_SOURCE_DIR/tests/runs_lib.sh"

# --- herd data hash / verify
make_data data.h5
stored=$("$HERD" data info data.h5 --json | jq -r .content_sha256)
check "hash = stored hash" test "$("$HERD" data hash data.h5 | cut -d' ' -f1)" = "$stored"
check "verify ok" "$HERD" data verify data.h5
cp data.h5 flipped.h5
# /X is one uncompressed 64000-byte chunk of this 84 kB file: the middle byte is in it
off=$(( $(stat -c %s flipped.h5) / 2 ))
byte=$(od -An -tu1 -j "$off" -N1 flipped.h5 | tr -d ' ')
printf "$(printf '\\%03o' $(( (byte + 1) % 256 )))" | dd of=flipped.h5 bs=1 seek="$off" conv=notrunc status=none
check "hash changes with one byte" test "$("$HERD" data hash flipped.h5 | cut -d' ' -f1)" != "$stored"
expect_exit 3 "verify of changed data" "$HERD" data verify flipped.h5
expect_exit 4 "hash of a missing file" "$HERD" data hash nowhere.h5

# --- reproduce
write_config cfg.yaml repro "$TEST_TMP/data.h5"
A=$(train a cfg.yaml)
ckpt_a=$(jq -r .checkpoint a.json)
sum_a=$(sha256sum "$ckpt_a" | cut -d' ' -f1)

"$HERD" runs reproduce "${A:0:8}" --dry-run > dry.txt
check "dry run prints a 1-rank herd train" grep -q "^$HERD train /.*\.yaml train.checkpoint_dir=$TEST_TMP/ckpt/reproduce-${A:0:8}-.* --parent $A\$" dry.txt
cfg_tmp=$(awk '{print $3}' dry.txt)
check "dry run keeps the config it names" test -f "$cfg_tmp"
check "that config is the recorded one" grep -q "lr: 0.01" "$cfg_tmp"
rm -f "$cfg_tmp"

"$HERD" runs reproduce "$A" > rep.log 2>&1
check "reproduce runs" grep -q "reproducing run $A" rep.log
R=$("$HERD" runs list --filter "parent_id = '$A'" --json | jq -r '.[0].id')
"$HERD" runs show "$R" --json > r.json
"$HERD" runs show "$A" --json > a_show.json
check "reproduction FINISHED" test "$(jq -r .status r.json)" = FINISHED
check "reproduction points at its parent" test "$(jq -r .parent_id r.json)" = "$A"
check "same val/accuracy (deterministic)" test "$(jq '.metrics["val/accuracy"]' r.json)" = "$(jq '.metrics["val/accuracy"]' a_show.json)"
check "same data hash" test "$(jq -r .data_sha256 r.json)" = "$(jq -r .data_sha256 a_show.json)"
check "checkpoints of the reproduction go elsewhere" bash -c "ls $TEST_TMP/ckpt/reproduce-${A:0:8}-*/ckpt-*.h5"

# --parent by hand: a unique prefix is recorded as the full id; a run that is
# not in the log is recorded as given, with one warning
P=$(train p cfg.yaml train.checkpoint_dir="$TEST_TMP/ckpt/p" --parent "${A:0:6}")
check "--parent prefix recorded as the full id" \
  test "$("$HERD" runs show "$P" --json | jq -r .parent_id)" = "$A"
check "--parent of a known run: no warning" bash -c "! grep -q 'parent' p.log"
Q=$(train q cfg.yaml train.checkpoint_dir="$TEST_TMP/ckpt/q" --parent zzzz9999)
check "--parent of an unknown run: recorded as given" \
  test "$("$HERD" runs show "$Q" --json | jq -r .parent_id)" = zzzz9999
check "--parent of an unknown run: one warning" \
  test "$(grep -c "warning: --parent zzzz9999: no run 'zzzz9999'; recorded as given" q.log)" -eq 1
check "original checkpoint untouched" test "$(sha256sum "$ckpt_a" | cut -d' ' -f1)" = "$sum_a"
check "temporary config removed" bash -c "! ls /tmp/herd-reproduce-${A:0:8}-* 2>/dev/null"

# data changed: refused, exit 2, saying which; --force runs anyway
cp data.h5 data.orig.h5
make_data data.h5 4
n_before=$("$HERD" runs list --json | jq length)
expect_exit 2 "reproduce refuses changed data" "$HERD" runs reproduce "$A"
check "refusal names the data file" grep -q "refusing: data: $TEST_TMP/data.h5 changed" "$TEST_TMP/last.err"
check "refusal suggests --force" grep -q -- "--force" "$TEST_TMP/last.err"
check "refusal trains nothing" test "$("$HERD" runs list --json | jq length)" -eq "$n_before"
expect_exit 0 "reproduce --force" "$HERD" runs reproduce "$A" --force
check "--force warns about the data" grep -q "warning: runs reproduce: --force: data:" "$TEST_TMP/last.err"
check "--force trained a run" test "$("$HERD" runs list --json | jq length)" -eq $((n_before + 1))
cp data.orig.h5 data.h5

# code commit differs: run from another git checkout (paths are absolute)
mkdir other && (cd other && git init -q && git -c user.name=t -c user.email=t@example.org \
  commit -q --allow-empty -m other)
other_commit=$(cd other && git rev-parse HEAD)
expect_exit 2 "reproduce refuses another code commit" bash -c "cd other && '$HERD' runs reproduce $A"
check "refusal names the code commit" grep -q "code: commit ${other_commit:0:12} now" "$TEST_TMP/last.err"
check "no data complaint when only the code differs" bash -c "! grep -q 'data:' '$TEST_TMP/last.err'"

# a run of 2 ranks is reproduced under the MPI launcher with 2 ranks
sqlite3 "$TEST_TMP/runs/herd.db.d/$A.sqlite" "UPDATE run SET world_size = 2"
"$HERD" runs reproduce "$A" --dry-run -- --oversubscribe > dry2.txt
check "2 ranks: launcher -np 2 + launcher args" grep -q "^$MPIEXEC -np 2 --oversubscribe $HERD train " dry2.txt
rm -f "$(awk '{print $7}' dry2.txt)"
# a launcher that cannot be started: one error line, exit 4, nothing left behind
expect_exit 4 "reproduce with a missing launcher" \
  env MPIEXEC="$TEST_TMP/no-such-mpirun" "$HERD" runs reproduce "$A" -- --oversubscribe
check "missing launcher: one error line" test "$(grep -c '^herd: error:' last.err)" -eq 1
check "missing launcher: says which" \
  grep -qx "herd: error: runs reproduce: cannot start $TEST_TMP/no-such-mpirun: No such file or directory" last.err
check "missing launcher: temporary config removed" bash -c "! ls /tmp/herd-reproduce-${A:0:8}-* 2>/dev/null"
expect_exit 2 "reproduce an unknown run" "$HERD" runs reproduce 0000ffff

finish
