#!/usr/bin/env bash
# Bad-input corpus, group "config": malformed, unknown, mistyped and out-of-range config; bad command lines.
# The cases are tests/fault/cases/config/*.case; the runner and what it checks: cases/run.sh.
source "$(dirname "$0")/../lib.sh"
source "$HERD_SOURCE_DIR/tests/fault/cases/run.sh"
run_group config
finish
