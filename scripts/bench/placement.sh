#!/usr/bin/env bash
# placement.sh - which placement trains fastest on this machine: R ranks x T
# BLAS threads, bound (herd binds each rank to its own cores) or unbound.
# Fashion-MNIST MLP (configs/fashion_mnist_mlp.yaml, train.epochs=1), metric
# train/samples_per_s from --summary-json. Variants run alternately, ROUNDS
# times each; the median is reported, with the load average before and after
# (the figures are only comparable side by side on a quiet machine).
#
# Usage: scripts/bench/placement.sh [HERD_BINARY] [ROUNDS]    (default build/herd, 5)
# Env:   HERD_BENCH_DIR  work folder (default /tmp/herd-bench-placement)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
herd=$(realpath "${1:-$root/build/herd}")
rounds=${2:-5}
work=${HERD_BENCH_DIR:-/tmp/herd-bench-placement}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$work" && cd "$work"
"$root/scripts/example-data" "$herd" >/dev/null

cores=$("$herd" topo --json | jq .cores)
half=$(( cores / 2 > 0 ? cores / 2 : 1 ))
# name | herdrun options
variants=(
  "default (herdrun, no options)|"
  "$cores ranks x 1 thread, bound|-n $cores --threads 1"
  "1 rank x $cores threads, bound|-n 1 --threads $cores"
  "$cores ranks x 1 thread, unbound|-n $cores --threads 1 --no-bind"
  "1 rank x $cores threads, unbound|-n 1 --threads $cores --no-bind"
)
[ "$half" -eq 1 ] || [ "$half" -eq "$cores" ] ||
  variants+=("$half ranks x 2 threads, bound|-n $half --threads 2")

echo "placement benchmark: $(hostname), $cores cores, herd $("$herd" version)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: > results.txt
for r in $(seq "$rounds"); do
  for i in "${!variants[@]}"; do
    IFS='|' read -r name opts <<<"${variants[$i]}"
    # shellcheck disable=SC2086
    "$root/launch/herdrun" $opts "$herd" train "$root/configs/fashion_mnist_mlp.yaml" train.epochs=1 \
      train.checkpoint_dir="$work/ckpt" track.db="$work/runs/herd.db" \
      --summary-json "$work/s.json" >run.log 2>&1 || { echo "run failed: $name" >&2; tail -5 run.log >&2; exit 1; }
    echo "$i $(jq -r '.metrics | "\(.["train/samples_per_s"]) \(.["train/step_ms"]) \(.["comm/allreduce_ms"])"' s.json)" >> results.txt
  done
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
median() {  # median of column $2 for variant $1
  awk -v i="$1" -v c="$2" '$1 == i { print $c }' results.txt | sort -g |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
printf '\n| placement | median samples/s | median step ms | median allreduce ms | runs (samples/s) |\n'
printf '| --- | --- | --- | --- | --- |\n'
for i in "${!variants[@]}"; do
  IFS='|' read -r name opts <<<"${variants[$i]}"
  printf '| %s | %.0f | %.2f | %.2f | %s |\n' "$name" "$(median "$i" 2)" "$(median "$i" 3)" \
    "$(median "$i" 4)" "$(awk -v i="$i" '$1 == i { printf "%s%.0f", sep, $2; sep = ", " }' results.txt)"
done
