#!/usr/bin/env bash
# What the store costs per email: the pages in use in the queue's LMDB file (`mdb_stat`), divided by
# the number of emails, at three moments:
#
# 1. queued: N emails of about 2 KB (the JSON sent) SENT to `mailtimed --senders 0`;
# 2. sent, body kept: the same broker restarted with 4 embedded senders writing to its outbox, once
#    STATS counts N sent (records and bodies kept; `history.body-retention-seconds` at its default);
# 3. body purged: restarted with `--history-body-retention-seconds 0`, whose maintenance run at start
#    deletes every sent body; the records stay.
#
# "In use" is the file's used pages minus LMDB's free list: freed pages are reused by later writes,
# so that is what the emails hold. The file itself (data.mdb) never shrinks; its size is shown too.
# Settings: N (default 10000), MAILTIMED (default: the debug build's, built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh

n=${N:-10000}
if [ -z "${MAILTIMED:-}" ]; then
  swift build --product mailtimed >/dev/null
  MAILTIMED=$(swift build --show-bin-path)/mailtimed
fi

work=$(mktemp -d "$PWD/.build-store-size.XXXXXX")
broker_pid=""
stop_broker() {
  if [ -n "$broker_pid" ]; then kill "$broker_pid" 2>/dev/null || true; wait "$broker_pid" 2>/dev/null || true; fi
  broker_pid=""
}
cleanup() { stop_broker; rm -rf "$work"; }
trap cleanup EXIT
data="$work/data"

start_broker() {
  port=$(free_port)
  "$MAILTIMED" --data-directory "$data" --listen-port "$port" "$@" >>"$work/broker.log" 2>&1 &
  broker_pid=$!
  wait_port "$port" || { cat "$work/broker.log"; exit 1; }
}

# Pages in use (used minus free) and the file size, as "<pages> <bytes per page> <file bytes>".
measure() {
  mdb_stat -ef "$data/queue" | awk '
    /Page size:/ { size = $3 }
    /Number of pages used:/ { used = $5 }
    /Free pages:/ { free = $3 }
    END { print used - free, size }'
}

report() {
  local label=$1 pages size file
  read -r pages size < <(measure)
  file=$(stat -c %s "$data/queue/data.mdb")
  awk -v label="$label" -v n="$n" -v pages="$pages" -v size="$size" -v file="$file" 'BEGIN {
    printf "%-22s %8d pages in use = %6.0f bytes per email; data.mdb %5.1f MB\n", label, pages, pages * size / n, file / 1e6 }'
}

cat > "$work/client.py" <<'PY'
"""SENDs N emails of about 2 KB to the broker on 127.0.0.1:PORT (pipelined, 100 at a time), or,
with "wait-sent", waits until STATS counts N sent emails."""
import json, socket, ssl, sys, time

port, data, n, mode = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
token = open(f"{data}/admin.token").read().strip()
tls = ssl.create_default_context(cafile=f"{data}/tls/certificate.pem")
tls.check_hostname = False
sock = tls.wrap_socket(socket.create_connection(("127.0.0.1", port)))
lines = sock.makefile("rb")
line = lambda: lines.readline().rstrip(b"\r\n")
line()
sock.sendall(b"AUTH %s\r\n" % token.encode())
assert line().startswith(b"OK"), "AUTH failed"

if mode == "send":
    text = "All work and no play makes Jack a dull boy. " * 44
    for start in range(0, n, 100):
        requests = []
        for number in range(start, min(start + 100, n)):
            email = json.dumps({"from": "app@example.com", "to": "ann@example.org",
                                "subject": f"Store size {number}", "text": f"{number} {text}"},
                               separators=(",", ":")).encode()
            requests.append(b"SEND %d\r\n" % len(email) + email + b"\r\n")
        sock.sendall(b"".join(requests))
        for _ in requests:
            reply = line()
            assert reply.startswith(b"OK "), reply
    print(f"payload of the last email: {len(email)} bytes of JSON")
else:
    while True:
        sock.sendall(b"STATS\r\n")
        stats = json.loads(line()[3:])
        if stats["sent"] >= n:
            break
        time.sleep(0.2)
PY

start_broker --senders 0 --log-level warning
python3 "$work/client.py" "$port" "$data" "$n" send
stop_broker
report "queued"

start_broker --senders 4 --log-level warning
python3 "$work/client.py" "$port" "$data" "$n" wait-sent
stop_broker
report "sent, body kept"

start_broker --senders 0 --history-body-retention-seconds 0 --log-level info
# The maintenance run at start deletes the bodies; the log says how many.
for _ in $(seq 1 100); do grep -q "purged bodies" "$work/broker.log" && break; sleep 0.1; done
stop_broker
report "sent, body purged"
