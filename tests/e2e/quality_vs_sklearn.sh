#!/usr/bin/env bash
# Test quality against scikit-learn on small real datasets bundled with it
# (breast cancer, digits, diabetes): scripts/bench/quality.py trains herd on
# 2 ranks and the sklearn equivalent on the same split, and fails when herd is
# worse by more than its tolerance (accuracy 0.03, R^2 0.05).
# Needs Debian's python3-sklearn and python3-numpy (scripts/install-deps).
source "$(dirname "$0")/../lib.sh"

require_python sklearn numpy

if "$py" "$HERD_SOURCE_DIR/scripts/bench/quality.py" --herd "$HERD" --out "$TEST_TMP/work" \
     --mpiexec "$MPIEXEC" --json quality.json > quality.log 2>&1; then
  pass
else
  fail "herd below sklearn beyond tolerance, or a run failed (quality.py exit $?)"
fi
cat quality.log
check "quality.json records a pass on every row" jq -e '.passed == true and (.rows | length) >= 12' quality.json > /dev/null

finish
