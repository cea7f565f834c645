#!/usr/bin/env bash
# Every config in configs/ runs (on 2 ranks, for one epoch) on the data
# scripts/example-data makes, and docs/config.md lists every config key.
source "$(dirname "$0")/../lib.sh"

"$HERD_SOURCE_DIR/scripts/example-data" "$HERD" > /dev/null
for cfg in "$HERD_SOURCE_DIR"/configs/*.yaml; do
  name=$(basename "$cfg" .yaml)
  if run_ranks 2 train "$cfg" train.epochs=1 track.db=runs/herd.db \
       --summary-json "$name.json" > "$name.log" 2>&1; then
    pass
  else
    fail "config $name: $(tail -1 "$name.log")"
  fi
  check "config $name finished" test "$(json "$name.json" .status)" = FINISHED
done

# docs/config.md carries the schema table as herd prints it
"$HERD" help config > keys.md
while IFS= read -r line; do
  case "$line" in "| \`"*) grep -qF -- "$line" "$HERD_SOURCE_DIR/docs/config.md" \
    || fail "docs/config.md is missing or has an old row: $line" ;; esac
done < keys.md
check "schema has rows" test "$(grep -c '^| `' keys.md)" -gt 20

finish
