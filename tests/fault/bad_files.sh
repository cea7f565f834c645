#!/usr/bin/env bash
# Bad-input corpus, group "files": bad checkpoints (resume, predict), unwritable and full checkpoint folders, unwritable experiment logs.
# The cases are tests/fault/cases/files/*.case; the runner and what it checks: cases/run.sh.
source "$(dirname "$0")/../lib.sh"
source "$HERD_SOURCE_DIR/tests/fault/cases/run.sh"
run_group files
finish
