#!/usr/bin/env bash
# The broker's anonymous memory under pipelining attacks (protocol.md, section 3), before and after:
#
#   bash Benchmarks/pipelining-memory.sh [BEFORE_MAILTIMED] [AFTER_MAILTIMED]
#
# AFTER_MAILTIMED defaults to this checkout's release build (`swift build -c release --product
# mailtimed` is run when it is missing); without BEFORE_MAILTIMED only the after figures are shown.
# For each build and each attack: a fresh broker (`--senders 0`, so emails stay ready) in a
# temporary data directory, 300 ready emails, then one attacking connection that writes its
# requests and never reads a reply, while another client does SEND + STATUS round trips one after
# the other. The broker's RssAnon (from /proc/PID/status) is read before the attack and sampled
# during it; the figures are its peak growth and the other client's round-trip percentiles.
#   a) 5,000 `SEND` + `LIST ready - 10` pairs, default limits
#   b) 1,000 `LIST ready - 300`, with `limits.inflight` at 4
# One line per run:
#   build=<before|after> attack=<a|b> rss_anon_before_kb=… rss_anon_peak_kb=… growth_mb=…
#     round_trips=… p50_ms=… p99_ms=… attacker_requests_handled=…
# With a before build, the last two lines compare the growth of the two builds:
#   ratio=<after ÷ before> ours=<MB> peer=<MB> metric=pipelining-<a|b>-rss-growth-after-vs-before
# The target: growth under 16 MB and p99 under 20 ms, after. Settings: SECONDS_PER_ATTACK (10).
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/common.sh

if [ $# -ge 2 ]; then after=$2; else
  after=.build/release/mailtimed
  [ -x "$after" ] || swift build -c release --product mailtimed >&2
fi
builds=("after=$(realpath "$after")")
[ $# -ge 1 ] && builds=("before=$(realpath "$1")" "${builds[@]}")
duration=${SECONDS_PER_ATTACK:-10}
declare -A growth

work=$(mktemp -d "$PWD/.build-pipelining-bench.XXXXXX")
broker_pid=""
cleanup() {
  if [ -n "$broker_pid" ]; then kill "$broker_pid" 2>/dev/null || true; wait "$broker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/attack.py" <<'PY'
"""Attacks a broker on 127.0.0.1:PORT with pipelined requests it never reads; meanwhile a second
client measures SEND + STATUS round trips and the broker's RssAnon is sampled."""
import json, socket, ssl, sys, threading, time

port, data, pid, attack, duration = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
token = open(f"{data}/admin.token").read().strip()
tls = ssl.create_default_context(cafile=f"{data}/tls/certificate.pem")

def rss_anon_kb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1])

def send_request(text):
    email = json.dumps({"from": "app@example.com", "to": "ann@example.com", "subject": "Hi", "text": text},
                       separators=(",", ":")).encode()
    return b"SEND %d\r\n" % len(email) + email + b"\r\n"

class Client:
    def __init__(self):
        self.sock = tls.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
        self.file = self.sock.makefile("rb")
        self.line()
        self.sock.sendall(b"AUTH %s\r\n" % token.encode())
        assert self.line().startswith(b"OK"), "AUTH failed"

    def line(self):
        return self.file.readline().rstrip(b"\r\n")

    def reply(self):
        first = self.line()
        parts = first.split()
        if first.startswith(b"OK ") and len(parts) == 2 and parts[1].isdigit():
            for _ in range(int(parts[1])):
                self.line()
        return first

# 300 ready emails, so that LIST ready has something to list.
filler = Client()
filler.sock.sendall(b"".join(send_request(f"fill {i}") for i in range(300)))
for _ in range(300):
    assert filler.reply().startswith(b"OK"), "SEND failed"
filler.sock.close()
time.sleep(1)
before = rss_anon_kb()

if attack == "a":
    requests = b"".join(send_request(f"attack {i}") + b"LIST ready - 10\r\n" for i in range(5000))
else:
    requests = b"LIST ready - 300\r\n" * 1000
attacker = Client()
def write_all():
    try:
        attacker.sock.sendall(requests)
    except OSError:
        pass
threading.Thread(target=write_all, daemon=True).start()

peak = before
stop = time.monotonic() + duration
victim = Client()
latencies = []
next_sample = 0.0
while time.monotonic() < stop:
    started = time.perf_counter()
    victim.sock.sendall(send_request("victim"))
    sent = victim.reply()
    assert sent.startswith(b"OK "), sent
    victim.sock.sendall(b"STATUS " + sent.split()[1] + b"\r\n")
    assert victim.reply().startswith(b"OK "), "STATUS failed"
    latencies.append(time.perf_counter() - started)
    if time.monotonic() >= next_sample:
        peak = max(peak, rss_anon_kb())
        next_sample = time.monotonic() + 0.1
peak = max(peak, rss_anon_kb())

# How many of the attacker's SENDs the broker handled, from another connection.
victim.sock.sendall(b"STATS\r\n")
stats = json.loads(victim.reply()[3:])
handled = stats.get("counts", stats).get("ready", 0) - 300 - len(latencies)

latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
print(f"rss_anon_before_kb={before} rss_anon_peak_kb={peak} growth_mb={(peak - before) / 1024:.1f} "
      f"round_trips={len(latencies)} p50_ms={pick(0.50):.2f} p99_ms={pick(0.99):.2f} attacker_sends_handled={handled}")
PY

for build in "${builds[@]}"; do
  name=${build%%=*}; bin=${build#*=}
  for attack in a b; do
    limits=(); [ "$attack" = b ] && limits=(--limits-inflight 4)
    port=$(free_port)
    data="$work/broker-$name-$attack"
    mkdir -p "$data"
    (cd "$data" && exec "$bin" --listen-port "$port" --senders 0 --log-level warning "${limits[@]}") &
    broker_pid=$!
    wait_port "$port"
    sleep 0.5
    result=$(python3 "$work/attack.py" "$port" "$data/var" "$broker_pid" "$attack" "$duration")
    kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; broker_pid=""
    rm -rf "$data"
    echo "build=$name attack=$attack $result"
    growth[$name-$attack]=$(echo "$result" | grep -o 'growth_mb=[0-9.]*' | cut -d= -f2)
  done
done

# Last lines, with a before build: the after build's growth against the before build's, per attack.
if [ -n "${growth[before-a]:-}" ]; then
  for attack in a b; do
    python3 -c "import sys; a, b = (max(float(v), 0.1) for v in sys.argv[1:3]); print(f'ratio={a / b:.2f} ours={a}MB peer={b}MB metric=pipelining-{sys.argv[3]}-rss-growth-after-vs-before')" \
      "${growth[after-$attack]}" "${growth[before-$attack]}" "$attack"
  done
fi
