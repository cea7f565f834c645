# lib.sh - shared helpers for herd's shell tests (sourced, not run).
# ctest provides HERD (the binary), HERD_SOURCE_DIR, MPIEXEC and TEST_TMP.
set -euo pipefail

: "${HERD:?HERD must point at the herd binary}"
: "${TEST_TMP:=$(mktemp -d)}"
MPIEXEC=${MPIEXEC:-mpirun}
rm -rf "$TEST_TMP"
mkdir -p "$TEST_TMP"
cd "$TEST_TMP"

passed=0
failed=0

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
  local what=$1; shift
  if "$@"; then pass; else fail "$what"; fi
}

# run_ranks N herd-args...: herd on N ranks (oversubscribed when needed).
run_ranks() {
  local n=$1; shift
  "$MPIEXEC" --allow-run-as-root --oversubscribe --bind-to none -np "$n" "$HERD" "$@"
}

# json FILE JQ-FILTER: one value from a JSON file.
json() { jq -r "$2" "$1"; }

# expect_exit CODE DESCRIPTION COMMAND...: the command exits with CODE.
expect_exit() {
  local code=$1 what=$2; shift 2
  local got=0
  "$@" >"$TEST_TMP/last.out" 2>"$TEST_TMP/last.err" || got=$?
  if [ "$got" -eq "$code" ]; then pass; else fail "$what: exit $got, expected $code ($(head -c 300 "$TEST_TMP/last.err"))"; fi
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# require_python MODULE...: Debian's /usr/bin/python3 (as $py) with these
# modules, else the test fails at once, naming the packages to install.
py=/usr/bin/python3
require_python() {
  local m
  for m in "$@"; do
    "$py" -c "import $m" 2>/dev/null && continue
    fail "python3-$m is required (scripts/install-deps)"
    finish
    exit 1
  done
}
