#!/usr/bin/env bash
# docs/errors.md lists every case of the bad-input corpus with its command, exit
# code and message: fail when it no longer matches tests/fault/cases/.
source "$(dirname "$0")/../lib.sh"
check "docs/errors.md matches the corpus (run scripts/gen-errors-doc)" \
  "$HERD_SOURCE_DIR/scripts/gen-errors-doc" --check
check "the corpus has at least 30 cases" \
  test "$(ls "$HERD_SOURCE_DIR"/tests/fault/cases/*/*.case | wc -l)" -ge 30
finish
