#!/usr/bin/env bash
# End to end: emails SENT to mailtimed, stored durably and delivered by its embedded senders over
# SMTP to smtp-sink, against a private Postfix relaying to smtp-sink (../shared/peers/postfix_relay.sh),
# and against smtp-source's own rate to the same sink, in one run.
#
# 1. smtp-sink on loopback; smtp-source -s 20 -d -m N to it (the sink's ceiling for 20 sessions).
# 2. mailtimed (release) in a temporary data directory, one provider: that smtp-sink, 20 connections.
#    `mailtime-bench e2e` sends N 2 KB emails through the protocol (8 connections, 16 SENDs in flight
#    on each, in batches of 8 with MailTimeClient.send(batch:)) and waits until the sink counted them.
# 3. ../shared/peers/postfix_relay.sh (N=5000, 3 repetitions) for Postfix's delivered rate.
# RUNS rounds of 1–2; medians compared. The last two lines:
#   ratio=<ours ÷ smtp-source> ours=<n> peer=<n> metric=e2e-delivered-vs-smtp-source
#   ratio=<ours ÷ postfix delivered per second> ours=<n> peer=<n> metric=e2e-delivered-vs-postfix
# Settings: N (20000), RUNS (5), SENDERS (40).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${N:-20000}
runs=${RUNS:-5}
senders=${SENDERS:-40}
peers=${PEERS:-../shared/peers}

make --no-print-directory test-deps >/dev/null
export PATH="$PATH:/usr/sbin:/usr/lib/postfix/sbin"
swift build -c release --product mailtimed >/dev/null
swift build -c release --product mailtime-bench >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d "$PWD/.build-e2e-bench.XXXXXX")
sink_pid=""; broker_pid=""
cleanup() {
  for pid in "$broker_pid" "$sink_pid"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

. Benchmarks/common.sh

sink_port=$(free_port)
user_opt=(); [ "$(id -u)" = 0 ] && user_opt=(-u nobody)
(cd "$work" && exec smtp-sink "${user_opt[@]}" -c "127.0.0.1:$sink_port" 1024) >"$work/sink.out" 2>&1 &
sink_pid=$!
wait_port "$sink_port"

broker_port=$(free_port)
mkdir -p "$work/broker"
(cd "$work/broker" && exec "$bin/mailtimed" --listen-port "$broker_port" --senders "$senders" --log-level warning \
  --providers "name=sink;host=127.0.0.1;port=$sink_port;tls=none;max-connections=20") &
broker_pid=$!
wait_port "$broker_port"
echo "# smtp-sink 127.0.0.1:$sink_port; mailtimed 127.0.0.1:$broker_port ($senders senders); N=$n RUNS=$runs nproc=$(nproc)"

source_runs=(); ours_runs=()
for run in $(seq 1 "$runs"); do
  before=$(sink_count "$work/sink.out"); before=${before:-0}
  t0=$(date +%s.%N)
  smtp-source -4 -s 20 -d -m "$n" -l 2048 -f bench@example.com -t sink@example.com -M bench.example "127.0.0.1:$sink_port" >/dev/null
  t1=$(date +%s.%N)
  sleep 0.2
  got=$(( $(sink_count "$work/sink.out") - before ))
  [ "$got" = "$n" ] || { echo "smtp-sink counted $got of $n from smtp-source" >&2; exit 1; }
  rate=$(python3 -c "print(int($n / ($t1 - $t0)))")
  echo "smtp-source -s 20 -d run $run: $rate msgs/s"
  source_runs+=("$rate")

  result=$("$bin/mailtime-bench" e2e --port "$broker_port" --data "$work/broker/var" --sink-counters "$work/sink.out" --messages "$n" --json)
  echo "mailtime-bench e2e run $run: $result"
  ours_runs+=("$(field "$result" delivered_per_s)")
done
kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; broker_pid=""

echo "# Postfix relay ($peers/postfix_relay.sh, N=5000 REPS=3)"
postfix_out=$(N=5000 REPS=3 bash "$peers/postfix_relay.sh" 2>&1 || true)
echo "$postfix_out" | grep -E '^RESULT' | sed 's/^/# /'
postfix=$(echo "$postfix_out" | grep -E '^RESULT relay' | grep -o 'delivered_msgs_per_s=[0-9]*' | cut -d= -f2 | median)
[ -n "$postfix" ] || { echo "the Postfix relay produced no result" >&2; echo "$postfix_out" | tail -20 >&2; exit 1; }

ours=$(printf '%s\n' "${ours_runs[@]}" | median)
source_rate=$(printf '%s\n' "${source_runs[@]}" | median)
python3 - "$ours" "$source_rate" "$postfix" <<'PY'
import sys
ours, source, postfix = (float(v) for v in sys.argv[1:])
print(f"ratio={ours / source:.2f} ours={ours:.0f} peer={source:.0f} metric=e2e-delivered-vs-smtp-source")
print(f"ratio={ours / postfix:.2f} ours={ours:.0f} peer={postfix:.0f} metric=e2e-delivered-vs-postfix")
PY
