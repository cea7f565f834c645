# run.sh - runs one group of the bad-input corpus (sourced by tests/fault/bad_*.sh).
#
# A case is a file tests/fault/cases/<group>/<name>.case of "key: value" lines:
#   # what the case is about      comment lines; the first one is its title in docs/errors.md
#   ranks: 2                      MPI ranks (0 = run herd as one process, no mpirun)
#   setup: <bash>                 run in the case's folder before the command (repeatable)
#   run: herd <args>              the command; `herd` runs on `ranks` ranks
#   exit: 3                       expected exit code
#   error: <message>              the expected `herd: error: ` line after that prefix (exact)
#   absent: <path>                must not exist afterwards (repeatable)
#   stdout-lacks: <text>          stdout must not contain text, e.g. "epoch " to show that
#                                 the run failed before training (the fixture run's output
#                                 must contain it, so the check cannot pass vacuously)
#
# Each case runs in a fresh copy of the fixtures (fixtures.sh): a dataset, a
# config, a checkpoint and an experiment log from an earlier run, so every case
# also proves that failing leaves files already written untouched. A case
# passes when herd exits with the code, stderr holds exactly one `herd: error:`
# line, equal to the message, and nothing but herd's own lines (no Open MPI
# abort text, no sanitizer report), no file that existed before changed or
# vanished, and it ended within the time limit (no hang).
#
# MPI cases run under `mpirun -q`: without -q, mpirun adds its own four-line
# notice whenever a rank exits non-zero ("Primary job terminated normally, but
# 1 process returned a non-zero exit code"); that notice is mpirun's, not an
# abort, and -q (or OMPI_MCA_orte_execute_quiet=1) hides it.

# FAULT_CASES="name name ...", when set, runs only those cases of the group.

CASE_TIMEOUT=${CASE_TIMEOUT:-60}
cases_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The command line that runs herd on $case_ranks ranks, into argv.
herd_argv() {
  argv=("$HERD")
  if [ "$case_ranks" -gt 0 ]; then
    argv=("$MPIEXEC" -q --allow-run-as-root --oversubscribe --bind-to none
          --mca btl_vader_single_copy_mechanism none -np "$case_ranks" "$HERD")
  fi
}

# herd ARGS...: herd as the case runs it (for setup lines).
herd() { herd_argv; "${argv[@]}" "$@"; }

# timeout_run herd ARGS...: the case's command, killed after CASE_TIMEOUT s.
timeout_run() { shift; herd_argv; timeout -k 5 "$CASE_TIMEOUT" "${argv[@]}" "$@"; }

# case_field FILE KEY: the values of KEY, one per line.
case_field() { sed -n "s/^$2: //p" "$1"; }

# A folder on a small file system: tmpfs of SIZE (e.g. 64k), read-only with
# "ro". Unmounted when the group ends. Mounting needs root (and, in a
# container, CAP_SYS_ADMIN). Where it is not allowed, a read-only folder falls
# back to chmod 555 (which binds everyone but root) and otherwise the case is
# skipped, saying so.
small_fs() {
  local dir=$1 size=$2 mode=${3:-rw}
  mkdir -p "$dir"
  if mount -t tmpfs -o "size=$size,$mode" herd-fault "$dir" 2>/dev/null; then
    mounted+=("$PWD/$dir")
  elif [ "$mode" = ro ] && [ "$(id -u)" -ne 0 ]; then
    chmod 555 "$dir"
  else
    case_skip="cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)"
  fi
}
mounted=()
unmount_all() { for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || true; done; }
trap unmount_all EXIT

# What differs between the snapshot and now: files changed, or vanished
# without an identical copy left anywhere in the case folder (a fresh run
# moves an earlier run's checkpoints into previous-*/; that loses nothing).
changed_files() {
  local snapshot=$1 path sum now
  now=$(find . -type f -exec sha256sum {} + | cut -d' ' -f1)
  { sha256sum --quiet -c "$snapshot" 2>/dev/null || true; } | sed 's/: FAILED.*//' |
    while IFS= read -r path; do
      sum=$(grep -F "  $path" "$snapshot" | head -1 | cut -d' ' -f1)
      if [ -e "$path" ] || ! grep -qx "$sum" <<< "$now"; then printf '%s ' "$path"; fi
    done
}

# check_output CASE CODE GOT: the exit code, the one error line, no noise.
check_output() {
  local name=$1 code=$2 got=$3 want line n
  want=$(case_field "$cases_dir/$group/$name.case" error)
  if [ "$got" -ne "$code" ]; then
    fail "$name: exit $got, expected $code ($(head -c 300 err.txt))"; return
  fi
  n=$(grep -c '^herd: error: ' err.txt || true)
  line=$(grep -m1 '^herd: error: ' err.txt | sed 's/^herd: error: //' || true)
  if [ "$n" -ne 1 ]; then
    fail "$name: $n 'herd: error:' lines on stderr, expected 1: $(head -c 300 err.txt)"
  elif [ "$line" != "$want" ]; then
    fail "$name: message '$line', expected '$want'"
  elif grep -qv '^herd: ' err.txt; then
    fail "$name: stderr holds more than herd's lines: $(grep -v '^herd: ' err.txt | head -3)"
  else
    pass
  fi
}

# run_case NAME: one case in its own copy of the fixtures.
run_case() {
  local name=$1 file="$cases_dir/$group/$1.case" dir="$TEST_TMP/$1" got=0 path
  rm -rf "$dir"
  cp -a "$TEST_TMP/fixtures" "$dir"
  cd "$dir"
  case_ranks=$(case_field "$file" ranks)
  case_skip=
  while IFS= read -r line; do eval "$line"; done < <(case_field "$file" setup)
  if [ -n "$case_skip" ]; then
    echo "SKIP $name: $case_skip"; cd "$TEST_TMP"; return
  fi
  find . -type f ! -name '*.txt' -exec sha256sum {} + > ../"$name".sha
  local cmd
  cmd=$(case_field "$file" run)
  eval "timeout_run $cmd" > out.txt 2> err.txt || got=$?
  if [ "$got" -eq 124 ]; then
    fail "$name: no result within ${CASE_TIMEOUT}s (hang)"
  else
    check_output "$name" "$(case_field "$file" exit)" "$got"
  fi
  local changed
  changed=$(changed_files ../"$name".sha)
  if [ -n "$changed" ]; then fail "$name: files written before changed or vanished: $changed"; else pass; fi
  while IFS= read -r path; do
    if [ -e "$path" ]; then fail "$name: $path exists afterwards"; else pass; fi
  done < <(case_field "$file" absent)
  while IFS= read -r text; do
    if ! grep -qF "$text" "$TEST_TMP/fixture-train.log"; then
      fail "$name: '$text' is not in a good run's output either: the check proves nothing"
    elif grep -qF "$text" out.txt; then
      fail "$name: stdout has '$text' (training started)"
    else
      pass
    fi
  done < <(case_field "$file" stdout-lacks)
  cd "$TEST_TMP"
}

# run_group GROUP: fixtures once, then every case of the group.
run_group() {
  group=$1
  source "$cases_dir/fixtures.sh"
  make_fixtures "$TEST_TMP/fixtures"
  local n=0 started=$SECONDS
  for file in "$cases_dir/$group"/*.case; do
    local name
    name=$(basename "$file" .case)
    if [ -n "${FAULT_CASES:-}" ] && [[ " $FAULT_CASES " != *" $name "* ]]; then
      continue  # a subset was asked for (scripts/test-sanitize)
    fi
    run_case "$name"
    n=$((n + 1))
  done
  echo "$group: $n cases in $((SECONDS - started)) s"
}
