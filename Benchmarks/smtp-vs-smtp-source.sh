#!/usr/bin/env bash
# The SMTP client against Postfix's smtp-source (its C load generator), to one smtp-sink, in one run.
#
# One smtp-sink on loopback (advertising PIPELINING). Each round, in turn:
#   1. smtp-source -s 20 -d -m N -l LEN (20 sessions, connection reuse; as ../shared/peers/smtp_sink.sh),
#   2. `mailtime-bench smtp` with 20 connections, pipelining on,
#   3. `mailtime-bench smtp` with 20 connections, pipelining off (smtp-source does not pipeline),
#   4. `mailtime-bench smtp` with 1 connection.
# Every run's count is checked against smtp-sink's own message counter. RUNS rounds; medians compared.
# The last line:
#   ratio=<ours ÷ smtp-source, 20 connections> ours=<n> peer=<n> metric=smtp-client-vs-smtp-source
# Settings: N (20000), LEN (2048), RUNS (3).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${N:-20000}
len=${LEN:-2048}
runs=${RUNS:-3}

make --no-print-directory test-deps >/dev/null
export PATH="$PATH:/usr/sbin:/usr/lib/postfix/sbin"
swift build -c release --product mailtime-bench >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d /tmp/mailtime-smtp-bench.XXXXXX)
sink_pid=""
cleanup() {
  if [ -n "$sink_pid" ]; then kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

. Benchmarks/common.sh
# Fails unless the sink counted exactly $1 more messages than $2.
check_count() {
  sleep 0.2
  local now; now=$(sink_count "$work/sink.out")
  if [ "$((now - $2))" != "$1" ]; then echo "smtp-sink counted $((now - $2)) messages, expected $1" >&2; exit 1; fi
}

port=$(free_port)
user_opt=(); [ "$(id -u)" = 0 ] && user_opt=(-u nobody)
(cd "$work" && exec smtp-sink "${user_opt[@]}" -c "127.0.0.1:$port" 1024) >"$work/sink.out" 2>&1 &
sink_pid=$!
wait_port "$port"
echo "# smtp-sink on 127.0.0.1:$port; N=$n LEN=$len RUNS=$runs nproc=$(nproc) postfix=$(dpkg-query -W -f='${Version}' postfix 2>/dev/null)"

peer_runs=(); pipe_runs=(); nopipe_runs=(); single_runs=()
for run in $(seq 1 "$runs"); do
  before=$(sink_count "$work/sink.out"); before=${before:-0}
  t0=$(date +%s.%N)
  smtp-source -4 -s 20 -d -m "$n" -l "$len" -f bench@example.com -t sink@example.com -M bench.example "127.0.0.1:$port" >/dev/null
  t1=$(date +%s.%N)
  check_count "$n" "$before"
  rate=$(python3 -c "import sys; print(int($n / ($t1 - $t0)))")
  echo "smtp-source -s 20 -d run $run: $rate msgs/s"
  peer_runs+=("$rate")

  for mode in pipe nopipe single; do
    before=$(sink_count "$work/sink.out")
    case $mode in
      pipe) result=$("$bin/mailtime-bench" smtp --port "$port" --connections 20 --messages "$n" --size "$len" --json) ;;
      nopipe) result=$("$bin/mailtime-bench" smtp --port "$port" --connections 20 --messages "$n" --size "$len" --no-pipelining --json) ;;
      single) result=$("$bin/mailtime-bench" smtp --port "$port" --connections 1 --messages "$((n / 4))" --size "$len" --json) ;;
    esac
    echo "mailtime-bench smtp ($mode) run $run: $result"
    [ "$(field "$result" errors)" = 0 ] || { echo "errors in the run" >&2; exit 1; }
    check_count "$(field "$result" messages)" "$before"
    case $mode in
      pipe) pipe_runs+=("$(field "$result" msgs_per_s)") ;;
      nopipe) nopipe_runs+=("$(field "$result" msgs_per_s)") ;;
      single) single_runs+=("$(field "$result" msgs_per_s)") ;;
    esac
  done
done

peer=$(printf '%s\n' "${peer_runs[@]}" | median)
pipe=$(printf '%s\n' "${pipe_runs[@]}" | median)
nopipe=$(printf '%s\n' "${nopipe_runs[@]}" | median)
single=$(printf '%s\n' "${single_runs[@]}" | median)
python3 - "$pipe" "$nopipe" "$single" "$peer" <<'PY'
import sys
pipe, nopipe, single, peer = (float(v) for v in sys.argv[1:])
print(f"# medians: smtp-source 20 sessions {peer:.0f}/s; ours 20 connections pipelining {pipe:.0f}/s, "
      f"without pipelining {nopipe:.0f}/s, 1 connection {single:.0f}/s")
print(f"ratio={nopipe / peer:.2f} ours={nopipe:.0f} peer={peer:.0f} metric=smtp-client-no-pipelining-vs-smtp-source")
print(f"ratio={pipe / peer:.2f} ours={pipe:.0f} peer={peer:.0f} metric=smtp-client-vs-smtp-source")
PY
