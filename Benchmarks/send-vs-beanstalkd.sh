#!/usr/bin/env bash
# Durable SEND over TLS against beanstalkd's put, the same load generator for both, in one run.
#
# 1. mailtimed (release) in a temporary data directory with its durable defaults and no embedded
#    senders (a pure queue, as beanstalkd is), loaded by `mailtime-bench send`: CONNS connections,
#    PIPELINE requests in flight each, 2 KB emails, over TLS.
# 2. beanstalkd on loopback with a binlog, `-f 50` (fsync at most every 50 ms; replies before the job
#    is on disk) and `-f 0` (fsync before every reply), loaded by the same generator with `put`.
# Each is measured RUNS times; medians are compared. The last two lines:
#   ratio=<ours ÷ beanstalkd f0 put> ours=<n> peer=<n> metric=durable-send-vs-beanstalkd-f0
#   ratio=<ours ÷ beanstalkd f50 put> ours=<n> peer=<n> metric=durable-send-vs-beanstalkd-f50
# Settings: CONNS (64), PIPELINE (4), SECONDS_PER_RUN (5), RUNS (3), SIZE (2048).
set -euo pipefail
cd "$(dirname "$0")/.."

conns=${CONNS:-64}
pipeline=${PIPELINE:-4}
seconds=${SECONDS_PER_RUN:-5}
runs=${RUNS:-3}
size=${SIZE:-2048}

make --no-print-directory deps >/dev/null
if ! command -v beanstalkd >/dev/null 2>&1; then
  # Install without letting the package start its system daemon.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
  fi
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq beanstalkd >/dev/null
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
swift build -c release --product mailtimed >/dev/null
swift build -c release --product mailtime-bench >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d "$PWD/.build-send-bench.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

. Benchmarks/common.sh
load() { "$bin/mailtime-bench" send --connections "$conns" --pipeline "$pipeline" --seconds "$seconds" --size "$size" --json "$@"; }

# mailtimed
port=$(free_port)
(cd "$work" && exec "$bin/mailtimed" --listen-port "$port" --senders 0 --log-level warning) &
server_pid=$!
wait_port "$port"
ours_runs=()
for run in $(seq 1 "$runs"); do
  result=$(load --port "$port" --data "$work/var" --broker-pid "$server_pid")
  echo "mailtimed run $run: $result"
  ours_runs+=("$(field "$result" ops_per_s)")
done
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
ours=$(printf '%s\n' "${ours_runs[@]}" | median)

# beanstalkd, binlog with fsync every 50 ms, then before every reply
declare -A peer
for mode in 50 0; do
  port=$(free_port)
  mkdir -p "$work/binlog-$mode"
  beanstalkd -l 127.0.0.1 -p "$port" -b "$work/binlog-$mode" -f "$mode" -z $((size + 1024)) &
  server_pid=$!
  wait_port "$port"
  mode_runs=()
  for run in $(seq 1 "$runs"); do
    result=$(load --beanstalkd "127.0.0.1:$port" --broker-pid "$server_pid")
    echo "beanstalkd -f $mode run $run: $result"
    mode_runs+=("$(field "$result" ops_per_s)")
  done
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  peer[$mode]=$(printf '%s\n' "${mode_runs[@]}" | median)
done

python3 - "$ours" "${peer[0]}" "${peer[50]}" <<'PY'
import sys
ours, f0, f50 = (float(v) for v in sys.argv[1:])
print(f"ratio={ours / f0:.2f} ours={ours:.0f} peer={f0:.0f} metric=durable-send-vs-beanstalkd-f0")
print(f"ratio={ours / f50:.2f} ours={ours:.0f} peer={f50:.0f} metric=durable-send-vs-beanstalkd-f50")
PY
