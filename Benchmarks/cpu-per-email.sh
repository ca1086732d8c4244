#!/usr/bin/env bash
# A/B: the broker's CPU time and allocations per delivered email, for two builds of mailtimed run
# alternately on the same machine, against the same smtp-sink.
#
#   bash Benchmarks/cpu-per-email.sh BEFORE_BIN_DIR AFTER_BIN_DIR
#
# Each BIN_DIR holds a release `mailtimed` and its own `mailtime-bench`. For each of ROUNDS rounds,
# and for each build in turn (A, B, A, B, …): a fresh broker in a temporary data directory, one
# provider (smtp-sink, 20 connections, SENDERS senders); `mailtime-bench e2e` sends N 2 KB emails
# and waits until the sink counted them. The broker's CPU time (utime + stime from /proc) is read
# before and after the run, so start-up is not counted. Calls to malloc are counted in one more run
# of each build with a perf uprobe on libc's malloc (when perf can place one): the probe traps on
# every call and would inflate the CPU time, so those runs count allocations only. Medians over the
# rounds; the last line:
#   ratio=<after µs ÷ before µs> before=<µs> after=<µs> metric=broker-cpu-per-email-after-vs-before
# Settings: N (20000), ROUNDS (5), SENDERS (40).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# = 2 ] || { echo "usage: $0 BEFORE_BIN_DIR AFTER_BIN_DIR" >&2; exit 64; }
before_bin=$(cd "$1" && pwd); after_bin=$(cd "$2" && pwd)
n=${N:-20000}
rounds=${ROUNDS:-5}
senders=${SENDERS:-40}
export PATH="$PATH:/usr/sbin:/usr/lib/postfix/sbin"
. Benchmarks/common.sh

work=$(mktemp -d "$PWD/.build-cpu-bench.XXXXXX")
sink_pid=""; broker_pid=""; perf_pid=""
cleanup() {
  for pid in "$perf_pid" "$broker_pid" "$sink_pid"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$work"
  if [ -n "$placed_probe" ]; then perf probe -q -d probe_libc:malloc || true; fi
}
trap cleanup EXIT

# A uprobe on malloc, if perf can place one (root, tracefs); otherwise allocations are not counted.
libc=$(ldd "$after_bin/mailtimed" | awk '/libc\.so/ {print $3}')
malloc_event=""; placed_probe=""
if perf probe -q -x "$libc" malloc 2>/dev/null; then
  malloc_event=probe_libc:malloc; placed_probe=yes
elif perf probe -l 2>/dev/null | grep -q 'probe_libc:malloc'; then
  malloc_event=probe_libc:malloc
fi

sink_port=$(free_port)
user_opt=(); [ "$(id -u)" = 0 ] && user_opt=(-u nobody)
(cd "$work" && exec smtp-sink "${user_opt[@]}" -c "127.0.0.1:$sink_port" 1024) >"$work/sink.out" 2>&1 &
sink_pid=$!
wait_port "$sink_port"

# CPU seconds (utime + stime) of process $1.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

# One run of build $1 (a bin dir), counting mallocs when $2 is "count"; prints
# "µs_per_email mallocs_per_email delivered_per_s".
run_once() {
  local bin=$1 count=${2:-} port data result cpu0 cpu1
  port=$(free_port)
  data="$work/broker-$RANDOM"
  mkdir -p "$data"
  (cd "$data" && exec "$bin/mailtimed" --listen-port "$port" --senders "$senders" --log-level warning \
    --providers "name=sink;host=127.0.0.1;port=$sink_port;tls=none;max-connections=20") &
  broker_pid=$!
  wait_port "$port"
  sleep 0.5
  if [ -n "$malloc_event" ] && [ "$count" = count ]; then
    perf stat -x, -e "$malloc_event" -p "$broker_pid" -o "$work/perf.out" &
    perf_pid=$!
    sleep 0.3
  fi
  cpu0=$(cpu_seconds "$broker_pid")
  result=$("$bin/mailtime-bench" e2e --port "$port" --data "$data/var" --sink-counters "$work/sink.out" --messages "$n" --json)
  cpu1=$(cpu_seconds "$broker_pid")
  local mallocs=0
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true; perf_pid=""
    mallocs=$(grep "$malloc_event" "$work/perf.out" | cut -d, -f1)
  fi
  kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; broker_pid=""
  rm -rf "$data"
  python3 - "$cpu0" "$cpu1" "$mallocs" "$n" "$(field "$result" delivered_per_s)" <<'PY'
import sys
cpu0, cpu1, mallocs, n, rate = (float(v) for v in sys.argv[1:])
print(f"{(cpu1 - cpu0) * 1e6 / n:.1f} {mallocs / n:.1f} {rate:.0f}")
PY
}

echo "# before: $before_bin; after: $after_bin; N=$n ROUNDS=$rounds SENDERS=$senders nproc=$(nproc) malloc probe: ${malloc_event:-none}"
before_cpu=(); after_cpu=(); before_rate=(); after_rate=()
for round in $(seq 1 "$rounds"); do
  read -r cpu _ rate < <(run_once "$before_bin")
  echo "round $round before: $cpu µs/email, $rate delivered/s"
  before_cpu+=("$cpu"); before_rate+=("$rate")
  read -r cpu _ rate < <(run_once "$after_bin")
  echo "round $round after:  $cpu µs/email, $rate delivered/s"
  after_cpu+=("$cpu"); after_rate+=("$rate")
done
before_alloc=0; after_alloc=0
if [ -n "$malloc_event" ]; then
  read -r _ before_alloc _ < <(run_once "$before_bin" count)
  read -r _ after_alloc _ < <(run_once "$after_bin" count)
fi

med() { printf '%s\n' "$@" | median; }
echo "median before: $(med "${before_cpu[@]}") µs/email, $(med "${before_rate[@]}") delivered/s; $before_alloc mallocs/email"
echo "median after:  $(med "${after_cpu[@]}") µs/email, $(med "${after_rate[@]}") delivered/s; $after_alloc mallocs/email"
python3 - "$(med "${before_cpu[@]}")" "$(med "${after_cpu[@]}")" <<'PY'
import sys
before, after = (float(v) for v in sys.argv[1:])
print(f"ratio={after / before:.2f} before={before:.1f} after={after:.1f} metric=broker-cpu-per-email-after-vs-before")
PY
