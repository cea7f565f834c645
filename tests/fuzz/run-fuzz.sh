#!/usr/bin/env bash
# run-fuzz.sh FUZZER SEEDS SECONDS WORKDIR: one libFuzzer run of SECONDS from
# the seed corpus SEEDS (read only; new inputs go to WORKDIR/corpus), crash
# files in WORKDIR. Fails when the fuzzer finds a crash, leak, UB or timeout.
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3 work=$4
mkdir -p "$work/corpus"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds"
