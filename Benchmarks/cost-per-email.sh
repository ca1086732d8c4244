#!/usr/bin/env bash
# The broker's cost per delivered email, A/B: CPU time (the sum of its threads' on-CPU time from
# /proc/PID/task/*/schedstat) and heap allocations (malloc, calloc, realloc and the aligned ones,
# counted by Benchmarks/alloccount.c preloaded) of mailtimed while `mailtime-bench e2e` sends N 2 KB
# emails over TLS (8 connections) that its 40 embedded senders deliver to smtp-sink (20 connections).
# WARM emails go first and are not counted. Each binary directory given runs ROUNDS times, the
# directories alternating, each run in a fresh broker; one line per counted batch:
#   <label>: emails=N cpu_us_per_email=… allocs_per_email=… delivered_per_s=…
# Usage: Benchmarks/cost-per-email.sh BENCH_DIR LABEL=BIN_DIR [LABEL=BIN_DIR…]
#   e.g. Benchmarks/cost-per-email.sh ../old/.build/release old=../old/.build/release new=.build/release
# BENCH_DIR holds the mailtime-bench used for every run (SEND is the same for both).
# Settings: N (3000), WARM (500), ROUNDS (3), BATCHES (2 counted batches per broker).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-3000}; warm=${WARM:-500}; rounds=${ROUNDS:-3}; batches=${BATCHES:-2}
bench_bin=$1; shift
. Benchmarks/common.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/mailtime-cost.XXXXXX"); chmod 755 "$work"
sink_pid=""; broker_pid=""
cleanup() {
  for pid in $broker_pid $sink_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cc -O2 -shared -fPIC -o "$work/alloccount.so" Benchmarks/alloccount.c -lpthread

cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%d\n", s}'; }
allocations() { local v=""; while [ -z "$v" ]; do v=$(cat "$1" 2>/dev/null || true); done; echo "$v"; }

measure() {
  local label=$1 broker_bin=$2 run=$work/run
  rm -rf "$run"; mkdir -p "$run/broker"
  local sink_port broker_port user_opt=()
  sink_port=$(free_port)
  [ "$(id -u)" = 0 ] && user_opt=(-u nobody)
  (cd "$run" && exec smtp-sink "${user_opt[@]}" -c "127.0.0.1:$sink_port" 1024) >"$run/sink.out" 2>&1 &
  sink_pid=$!
  wait_port "$sink_port"
  broker_port=$(free_port)
  (cd "$run/broker" && ALLOC_COUNT_FILE="$run/allocs" LD_PRELOAD="$work/alloccount.so" exec "$broker_bin/mailtimed" \
    --listen-port "$broker_port" --senders 40 --log-level warning \
    --providers "name=sink;host=127.0.0.1;port=$sink_port;tls=none;max-connections=20") &
  broker_pid=$!
  wait_port "$broker_port"
  local send=("$bench_bin/mailtime-bench" e2e --port "$broker_port" --data "$run/broker/var" --sink-counters "$run/sink.out" --json)
  "${send[@]}" --messages "$warm" >/dev/null
  for _ in $(seq 1 "$batches"); do
    sleep 0.3
    local cpu0 a0 cpu1 a1 result
    cpu0=$(cpu_ns "$broker_pid"); a0=$(allocations "$run/allocs")
    result=$("${send[@]}" --messages "$n")
    sleep 0.3
    cpu1=$(cpu_ns "$broker_pid"); a1=$(allocations "$run/allocs")
    python3 -c "
import json, sys
label, n, cpu0, cpu1, a0, a1, result = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:7]), json.loads(sys.argv[7])
print(f'{label}: emails={n} cpu_us_per_email={(cpu1 - cpu0) / 1000 / n:.1f} allocs_per_email={(a1 - a0) / n:.1f} delivered_per_s={result[\"delivered_per_s\"]}')
" "$label" "$n" "$cpu0" "$cpu1" "$a0" "$a1" "$result"
  done
  kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; broker_pid=""
  kill "$sink_pid"; wait "$sink_pid" 2>/dev/null || true; sink_pid=""
}

for _ in $(seq 1 "$rounds"); do
  for pair in "$@"; do measure "${pair%%=*}" "${pair#*=}"; done
done
