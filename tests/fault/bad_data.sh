#!/usr/bin/env bash
# Bad-input corpus, group "data": missing, broken and inconsistent datasets; bad CSV imports.
# The cases are tests/fault/cases/data/*.case; the runner and what it checks: cases/run.sh.
source "$(dirname "$0")/../lib.sh"
source "$HERD_SOURCE_DIR/tests/fault/cases/run.sh"
run_group data
finish
