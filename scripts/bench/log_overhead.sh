#!/usr/bin/env bash
# scripts/bench/log_overhead.sh - what the experiment log costs training.
#
# Trains configs/fashion_mnist_mlp.yaml (MLP 784-256-128-10, Adam, batch 256)
# on 2 ranks with the experiment log on (defaults: metrics every 50 steps,
# system metrics every 10 s, 20 samples per evaluation) and off
# (track.enabled=false), alternating on/off ROUNDS times, and compares the
# median training throughput: steps x batch / train_seconds from the summary
# JSON (the wall time of the whole training loop: steps, logging,
# evaluation, checkpoints). A third mode, "busy", logs every 10 steps and
# samples the system every second, to show the cost under heavier logging.
# Because a shared machine's load moves the wall-clock figures by more than
# 2%, each logging run also reports the time it spent logging (track_seconds
# in the summary: metric writes and flushes, system sampling and its
# reductions, samples), as a share of its training time: measured inside one
# run, so load cancels out. Prints one table and one JSON line; target <= 2%.
#
# Usage: scripts/bench/log_overhead.sh [HERD_BINARY]
# Env: HERD (binary; default build/herd), ROUNDS (default 5), EPOCHS (default:
#      the config's 10), RANKS (default 2), MODES (default "on off busy"),
#      WORK (scratch folder).
# Data: scripts/example-data (Fashion-MNIST from dataset-fashion-mnist).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
herd=$(realpath "${1:-${HERD:-$root/build/herd}}")
rounds=${ROUNDS:-5} ranks=${RANKS:-2} epochs=${EPOCHS:-}
read -ra modes <<<"${MODES:-on off busy}"
work=${WORK:-$(mktemp -d /tmp/herd-logbench.XXXXXX)}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$work" && cd "$work"
"$root/scripts/example-data" "$herd" > /dev/null
extra=(); [ -n "$epochs" ] && extra+=("train.epochs=$epochs")

# run MODE ROUND: one training; appends "mode samples_per_s" to results.txt
run() {
  local mode=$1 i=$2 opts=()
  case $mode in
    off) opts=(track.enabled=false) ;;
    on) opts=() ;;
    busy) opts=(train.log_every=10 track.system_every_s=1) ;;
  esac
  mpirun --oversubscribe -np "$ranks" "$herd" train "$root/configs/fashion_mnist_mlp.yaml" \
    "${extra[@]}" "${opts[@]}" "track.db=$work/runs/herd.db" \
    "train.checkpoint_dir=$work/ckpt-$mode-$i" --summary-json "$work/s-$mode-$i.json" > "$work/log-$mode-$i.txt" 2>&1
  jq -r --arg m "$mode" '"\($m) \(.steps * 256 / .train_seconds) \(100 * .track_seconds / .train_seconds)"' \
    "$work/s-$mode-$i.json" >> results.txt
  rm -rf "$work/ckpt-$mode-$i"
}

: > results.txt
for i in $(seq 1 "$rounds"); do   # alternate, so drifting load hits every mode alike
  n=${#modes[@]}
  for j in $(seq 0 $((n - 1))); do run "${modes[$(((j + i) % n))]}" "$i"; done
done

# median MODE COLUMN: 2 = samples/s, 3 = % of training time spent logging
median() { awk -v m="$1" -v c="$2" '$1 == m {print $c}' results.txt | sort -g |
           awk '{v[NR]=$1} END {if (NR == 0) print "null"; else print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN{if (a == "null" || b == "null") print "null"; else printf "%.2f", 100 * (a - b) / a}'; }
off=$(median off 2)
echo "experiment-log overhead, $ranks ranks, median of $rounds alternating runs ($(nproc) cores, load $(uptime | sed 's/.*load average: //'))"
printf "%-6s %14s %22s %18s\n" mode samples/s "throughput vs off" "time logging"
json="{\"what\": \"log_overhead\", \"ranks\": $ranks, \"rounds\": $rounds"
for m in "${modes[@]}"; do
  sps=$(median "$m" 2) share=$(median "$m" 3) loss=$(pct "$off" "$(median "$m" 2)")
  [ "$m" = off ] && loss="-" share="-"
  printf "%-6s %14.0f %21s%% %17.5s%%\n" "$m" "$sps" "$loss" "$share"
  json+=", \"${m}_samples_per_s\": $sps"
  [ "$m" != off ] && json+=", \"${m}_overhead_pct\": $loss, \"${m}_logging_share_pct\": $share"
done
json=${json/\"on_overhead_pct\"/\"overhead_pct\"}
echo "$json}"
