#!/usr/bin/env bash
# Measures start-up to ready: the time from exec of `portico serve` on an
# empty data directory (the schema is created during start) until /readyz
# answers 200. Prints each run and the median, in milliseconds.
# Usage: scripts/startup-time.sh [runs] [binary]
set -euo pipefail
runs=${1:-7}
bin=${2:-}
if [ -z "$bin" ]; then
  bin=$(mktemp -d)/portico
  CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$bin" ./cmd/portico
fi
port=$(( 20000 + RANDOM % 20000 ))
times=()
for _ in $(seq 1 "$runs"); do
  dir=$(mktemp -d)
  start=$(date +%s%N)
  PORTICO_DATA_DIR="$dir" PORTICO_ADDR="127.0.0.1:$port" PORTICO_SECRET_KEY="startup-measurement-key-0123456789abcdef" \
    PORTICO_LOG_LEVEL=warn "$bin" serve &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do sleep 0.005; done
  end=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "run: ${ms} ms"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median start-up to ready (empty database): ${median} ms over $runs runs"
