#!/usr/bin/env bash
# herd's command line: `herd help COMMAND` prints what `herd COMMAND --help`
# prints, `herd help --help` the top-level help, and each command's usage
# lines name every option its help lists; environment variables with a value
# herd does not understand get one warning line each.
source "$(dirname "$0")/../lib.sh"

"$HERD" help > top.txt
check "herd help lists help" grep -q "^  help " top.txt
expect_exit 0 "herd help --help" "$HERD" help --help
check "herd help --help prints the top-level help" cmp -s top.txt last.out
expect_exit 2 "herd help of an unknown command" "$HERD" help nope
check "unknown command: one error line" \
  grep -qx "herd: error: help: unknown command 'nope' (see herd help)" last.err

for cmd in train predict eval data runs topo sweep "eval learning-curve"; do
  # shellcheck disable=SC2086 # "eval learning-curve" is two words
  expect_exit 0 "herd help $cmd" "$HERD" help $cmd
  # shellcheck disable=SC2086
  check "herd help $cmd is herd $cmd --help" cmp -s last.out <("$HERD" $cmd --help)
  check "herd help $cmd prints a usage" grep -q "^usage: herd $cmd" last.out
done

# usage lines: from "usage:" to the first blank line; options: indented lines
# that start with an option
for cmd in train predict eval topo sweep "eval learning-curve"; do
  # shellcheck disable=SC2086
  "$HERD" $cmd --help > help.txt
  sed '/^$/q' help.txt > usage.txt
  for opt in $(grep -oE '^  +--?[a-z][a-z-]*' help.txt | tr -d ' '); do
    check "herd $cmd: usage line names $opt" grep -qe "\\[$opt\\|$opt " usage.txt
  done
done

# HERD_THREADS, HERD_PROGRESS, HERD_NO_BIND, HERD_TOPO_VERBOSE: a value not
# understood is named once, then ignored
"$HERD" data synth --kind classification --rows 400 --features 5 --seed 1 -o s.h5 > /dev/null
cat > s.yaml <<'YAML'
data: {train: s.h5}
model: {type: logistic, hidden: []}
train: {epochs: 1, batch_size: 20, checkpoint_dir: ck}
track: {enabled: false}
YAML
HERD_THREADS=abc HERD_PROGRESS=foo run_ranks 2 train s.yaml > env.out 2> env.err
check "HERD_THREADS=abc: one warning" \
  test "$(grep -c "warning: .*HERD_THREADS=abc is not a whole number >= 1; ignored" env.err)" -eq 1
check "HERD_PROGRESS=foo: one warning" \
  test "$(grep -c "warning: .*HERD_PROGRESS=foo is not bar or lines; ignored (progress as lines)" env.err)" -eq 1
check "HERD_PROGRESS=foo: progress as lines" grep -q "^epoch 1/1 step" env.out
HERD_NO_BIND=true HERD_TOPO_VERBOSE=yes run_ranks 2 train s.yaml > env.out 2> env.err
check "HERD_NO_BIND=true: one warning" \
  test "$(grep -c "warning: .*topo: HERD_NO_BIND=true is not 0 or 1; ignored" env.err)" -eq 1
check "HERD_TOPO_VERBOSE=yes: one warning" \
  test "$(grep -c "warning: .*topo: HERD_TOPO_VERBOSE=yes is not 0 or 1; ignored" env.err)" -eq 1
HERD_THREADS=1 HERD_PROGRESS=lines HERD_NO_BIND=1 HERD_TOPO_VERBOSE=0 run_ranks 2 train s.yaml > env.out 2> env.err
check "understood values: no warning about them" bash -c '! grep -q "HERD_THREADS\|HERD_PROGRESS\|HERD_NO_BIND\|HERD_TOPO_VERBOSE" env.err'
HERD_THREADS=3 "$HERD" train s.yaml > env.out 2> env.err
check "HERD_THREADS=3 is used" grep -q "1 ranks x 3 threads" env.out

finish
