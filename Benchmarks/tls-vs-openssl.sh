#!/usr/bin/env bash
# MailTime's TLS handler against `openssl s_server` on this machine, in one run:
# - handshakes per second: `openssl s_time -new` against our echo server (`mailtime-bench tls --serve`)
#   and against `openssl s_server`, interleaved (alternating which goes first), RUNS times each, medians,
#   and each server's CPU time per 1000 handshakes (load on the machine moves the rates, less the CPU);
# - bulk throughput: `mailtime-bench tls --upload` sends BULK_MB in 16 KB writes to each server, which
#   reads and discards it (s_server writes it to /dev/null), then closes with close_notify; medians of
#   BULK_RUNS, and each server's CPU time per GB;
# - anonymous RSS (RssAnon) of our echo server after a warm-up and after at least 10,000 more handshakes.
# Settings: RUNS (5), SECONDS_PER_RUN (5), BULK_MB (512), BULK_RUNS (9), MIN_HANDSHAKES (10000), CLIENTS (1), SCRATCH, BENCH.
# The last line is: ratio=<ours ÷ s_server handshakes/s> ours=<n> peer=<n> metric=tls-handshakes-vs-openssl-s_server
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
BULK_MB=${BULK_MB:-512}
BULK_RUNS=${BULK_RUNS:-9}
MIN_HANDSHAKES=${MIN_HANDSHAKES:-10000}
# Concurrent s_time clients: 1 is client-bound on 2 cores; 2 makes the servers compete for CPU.
CLIENTS=${CLIENTS:-1}
# SCRATCH: a build folder other than the default .build.
build=()
if [ -n "${SCRATCH:-}" ]; then build=(--scratch-path "$SCRATCH"); fi

# BENCH: an already built mailtime-bench to use instead of building one.
bench=${BENCH:-}
if [ -z "$bench" ]; then
    swift build -c release "${build[@]}" --product mailtime-bench >&2
    bench=$(swift build -c release "${build[@]}" --show-bin-path)/mailtime-bench
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

# A loopback port nothing listens on.
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
}

wait_listening() {
    local port=$1
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return; fi
        sleep 0.05
    done
    echo "nothing listens on $port" >&2
    exit 1
}

ours_port=$(free_port)
"$bench" tls --serve --port "$ours_port" --cert "$work/cert.pem" --key "$work/key.pem" >/dev/null &
ours_pid=$!
pids+=("$ours_pid")
sink_port=$(free_port)
"$bench" tls --serve --discard --port "$sink_port" --cert "$work/cert.pem" --key "$work/key.pem" >/dev/null &
sink_pid=$!
pids+=("$sink_pid")
peer_port=$(free_port)
# s_server sends what it reads on standard input: give it a FIFO that never has data nor reaches EOF.
mkfifo "$work/stdin"
exec 4<>"$work/stdin"
openssl s_server -accept "127.0.0.1:$peer_port" -cert "$work/cert.pem" -key "$work/key.pem" -quiet \
    <&4 >/dev/null 2>&1 &
peer_pid=$!
pids+=("$peer_pid")
wait_listening "$ours_port"
wait_listening "$sink_port"
wait_listening "$peer_port"

rss_anon_kb() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Prints "<connections> <handshakes per second>" for one run of CLIENTS s_time processes against a port.
s_time_run() {
    local port=$1 seconds=$2 started ended connections client clients=()
    started=$(date +%s.%N)
    for client in $(seq "$CLIENTS"); do
        openssl s_time -connect "127.0.0.1:$port" -new -time "$seconds" >"$work/s_time.$client" 2>/dev/null &
        clients+=($!)
    done
    wait "${clients[@]}"
    ended=$(date +%s.%N)
    connections=$(cat "$work"/s_time.* | awk '/connections in .* real seconds/ { n += $1 } END { print n + 0 }')
    rm -f "$work"/s_time.*
    echo "$connections $(awk -v n="$connections" -v a="$started" -v b="$ended" 'BEGIN { printf "%.1f", n / (b - a) }')"
}

s_time_run "$ours_port" 2 >/dev/null
s_time_run "$peer_port" 2 >/dev/null
rss_before=$(rss_anon_kb "$ours_pid")

ours_total=0
: >"$work/ours-hs"
: >"$work/peer-hs"
ours_ticks=0
peer_ticks=0
peer_total=0
ours_run() {
    local before count rate
    before=$(cpu_ticks "$ours_pid")
    read -r count rate < <(s_time_run "$ours_port" "$SECONDS_PER_RUN")
    ours_ticks=$((ours_ticks + $(cpu_ticks "$ours_pid") - before))
    ours_total=$((ours_total + count))
    echo "$rate" >>"$work/ours-hs"
}
peer_run() {
    local before count rate
    before=$(cpu_ticks "$peer_pid")
    read -r count rate < <(s_time_run "$peer_port" "$SECONDS_PER_RUN")
    peer_ticks=$((peer_ticks + $(cpu_ticks "$peer_pid") - before))
    peer_total=$((peer_total + count))
    echo "$rate" >>"$work/peer-hs"
}
# Alternate which server goes first, so that a burst of other load does not always hit the same one.
for run in $(seq "$RUNS"); do
    if [ $((run % 2)) -eq 1 ]; then ours_run; peer_run; else peer_run; ours_run; fi
    echo "run $run: handshakes/s ours=$(tail -n 1 "$work/ours-hs") s_server=$(tail -n 1 "$work/peer-hs")" >&2
done
per_thousand() { awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", t * 1000 / hz * 1000 / n }'; }
ours_cpu_hs=$(per_thousand "$ours_ticks" "$ours_total")
peer_cpu_hs=$(per_thousand "$peer_ticks" "$peer_total")
while [ "$ours_total" -lt "$MIN_HANDSHAKES" ]; do
    read -r count _ < <(s_time_run "$ours_port" "$SECONDS_PER_RUN")
    ours_total=$((ours_total + count))
done
rss_after=$(rss_anon_kb "$ours_pid")

: >"$work/ours-bulk"
: >"$work/peer-bulk"
: >"$work/ours-cpu"
: >"$work/peer-cpu"
# Prints "<MB/s> <server CPU ms per GB>" for one upload to a port served by a process.
bulk_run() {
    local port=$1 pid=$2 before after rate
    before=$(cpu_ticks "$pid")
    rate=$("$bench" tls --upload "$port" --megabytes "$BULK_MB" | sed -n 's/^bulk_mbps=//p')
    after=$(cpu_ticks "$pid")
    echo "$rate $(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v mb="$BULK_MB" 'BEGIN { printf "%.0f", t * 1000 / hz * 1024 / mb }')"
}
for run in $(seq "$BULK_RUNS"); do
    read -r ours_bulk ours_cpu < <(bulk_run "$sink_port" "$sink_pid")
    read -r peer_bulk peer_cpu < <(bulk_run "$peer_port" "$peer_pid")
    echo "$ours_bulk" >>"$work/ours-bulk"
    echo "$peer_bulk" >>"$work/peer-bulk"
    echo "$ours_cpu" >>"$work/ours-cpu"
    echo "$peer_cpu" >>"$work/peer-cpu"
    echo "run $run: bulk MB/s ours=$ours_bulk s_server=$peer_bulk; server CPU ms/GB ours=$ours_cpu s_server=$peer_cpu" >&2
done

ours_hs=$(median <"$work/ours-hs")
peer_hs=$(median <"$work/peer-hs")
ours_mbps=$(median <"$work/ours-bulk")
peer_mbps=$(median <"$work/peer-bulk")
echo "bulk: ratio=$(awk -v a="$ours_mbps" -v b="$peer_mbps" 'BEGIN { printf "%.2f", a / b }') ours=${ours_mbps}MB/s peer=${peer_mbps}MB/s (${BULK_MB} MB uploads, 16 KB writes, median of $BULK_RUNS)"
echo "bulk server CPU: ours=$(median <"$work/ours-cpu")ms/GB peer=$(median <"$work/peer-cpu")ms/GB"
echo "handshake server CPU: ours=${ours_cpu_hs}ms peer=${peer_cpu_hs}ms per 1000 handshakes"
echo "memory: RssAnon ${rss_before} kB after warm-up, ${rss_after} kB after $ours_total more handshakes (growth $((rss_after - rss_before)) kB)"
echo "handshakes/s: median of $RUNS runs of ${SECONDS_PER_RUN}s, $CLIENTS openssl s_time -new client(s), TLS 1.3, P-256"
echo "ratio=$(awk -v a="$ours_hs" -v b="$peer_hs" 'BEGIN { printf "%.2f", a / b }') ours=$ours_hs peer=$peer_hs metric=tls-handshakes-vs-openssl-s_server"
