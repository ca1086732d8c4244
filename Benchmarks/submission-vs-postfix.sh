#!/usr/bin/env bash
# SMTP submission: how fast a 250 comes back when it means "stored", against smtp-sink (stores
# nothing) and a private Postfix that queues every message to disk and holds it, in one run.
#
# Each round, in turn (RUNS rounds; medians compared), `smtp-source -s 20 -m N -l 2048` (plain SMTP,
# 20 sessions, a new connection per message; REUSE=1 adds -d, one connection per session) into:
#   a) smtp-sink on loopback: the ceiling;
#   b) a private Postfix 3.7 smtpd (own config, queue and data directories in the work directory;
#      127.0.0.1, a free port) whose `smtpd_recipient_restrictions` start with
#      `check_client_access static:HOLD`: cleanup fsyncs each message into the queue before the 250,
#      and it stays in the hold queue, never delivered; the hold queue is checked to hold exactly N
#      and emptied (postsuper -d ALL) after each run;
#   c) mailtimed's submission listener (a fresh data directory each run) with
#      submission.trusted-networks=127.0.0.0/8, so no AUTH and no TLS, and `senders` 0: nothing is
#      delivered, only acceptance is measured; its STATS are checked to count exactly N more jobs.
# Then, on a fresh mailtimed without trusted networks and a producer token:
#   d) `mailtime-bench submission`: N messages over 20 reused connections with STARTTLS (the broker's
#      certificate checked) and AUTH PLAIN with the token, the project's own SMTP client; RUNS runs,
#      each checked against STATS;
#   e) the broker's VmRSS (/proc/PID/status) with IDLE (200) submission sessions open, each past
#      STARTTLS, EHLO and AUTH, held idle (`mailtime-bench submission --idle-connections`): once on
#      the broker of d) (its store's file-backed pages count in VmRSS) and once on a fresh broker,
#      the figure held against the target.
# The last two lines (ours = c):
#   ratio=<ours ÷ smtp-sink> ours=<n> peer=<n> metric=submission-vs-smtp-sink
#   ratio=<ours ÷ Postfix> ours=<n> peer=<n> metric=submission-vs-postfix
# Targets: 0.5× smtp-sink, 3× Postfix, VmRSS under 100 MB with 200 sessions.
# Settings: N (10000), RUNS (3), REUSE (unset), IDLE (200), MAILTIMED (this checkout's release build,
# built when unset), PEERS_ONLY=1 (only a and b, no ratio lines: for a mailtimed without the listener).
# Exits 2, saying so, when mailtimed refuses the submission settings or does not listen on the
# submission port (a build without the listener).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${N:-10000}
runs=${RUNS:-3}
idle=${IDLE:-200}
peers_only=${PEERS_ONLY:-}
source_opts=(-4 -s 20 -m "$n" -l 2048 -f bench@example.com -t sink@example.com -M bench.example)
[ -n "${REUSE:-}" ] && source_opts+=(-d)

make --no-print-directory test-deps >/dev/null
export PATH="$PATH:/usr/sbin:/usr/lib/postfix/sbin"
if [ -z "${MAILTIMED:-}" ] && [ -z "$peers_only" ]; then swift build -c release --product mailtimed >/dev/null; fi
swift build -c release --product mailtime-bench >/dev/null
bin=$(swift build -c release --show-bin-path)
mailtimed=$(realpath "${MAILTIMED:-$bin/mailtimed}")

work=$(mktemp -d "$PWD/.build-submission-bench.XXXXXX")
chmod 755 "$work" # Postfix's daemons, running as postfix, traverse it.
sink_pid=""; broker_pid=""; postfix_started=""
cleanup() {
  set +e
  for pid in "$broker_pid" "$sink_pid"; do
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  done
  if [ -n "$postfix_started" ]; then
    local master=""; [ -s "$work/postfix/spool/pid/master.pid" ] && master=$(tr -dc 0-9 < "$work/postfix/spool/pid/master.pid")
    postfix -c "$work/postfix/etc" stop >/dev/null 2>&1
    if [ -n "$master" ]; then
      for _ in $(seq 1 50); do kill -0 "$master" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$master" 2>/dev/null && kill -9 "$master"
    fi
  fi
  rm -rf "$work"
}
trap cleanup EXIT

. Benchmarks/common.sh
rate() { python3 -c "import sys; print(int(int(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2]))))" "$@"; }
fail() { echo "$*" >&2; exit 1; }
# Runs smtp-source to 127.0.0.1:$1 and prints its messages per second; fails when smtp-source does.
source_rate() {
  local t0 t1
  t0=$(date +%s.%N)
  timeout 600 smtp-source "${source_opts[@]}" "127.0.0.1:$1" >"$work/source.out" 2>&1 \
    || fail "smtp-source to port $1 failed: $(tail -n 3 "$work/source.out")"
  t1=$(date +%s.%N)
  rate "$n" "$t0" "$t1"
}

# The jobs a broker holds in all states, from STATS with its admin token ($1: port, $2: data directory).
cat > "$work/jobs.py" <<'PY'
import json, socket, ssl, sys
port, data = int(sys.argv[1]), sys.argv[2]
token = open(f"{data}/admin.token").read().strip()
tls = ssl.create_default_context(cafile=f"{data}/tls/certificate.pem")
with tls.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost") as sock:
    lines = sock.makefile("rb")
    lines.readline()
    sock.sendall(b"AUTH %s\r\nSTATS\r\n" % token.encode())
    assert lines.readline().startswith(b"OK"), "AUTH failed"
    reply = lines.readline().decode()
    assert reply.startswith("OK "), reply
    stats = json.loads(reply[3:])
    print(sum(stats[state] for state in ("scheduled", "ready", "leased", "sent", "failed", "cancelled")))
PY
stored_jobs() { python3 "$work/jobs.py" "$broker_port" "$broker_data"; }

# mailtimed's flags: a pure queue (no senders), with the submission listener on $submission_port.
broker_flags() { # $1: trusted networks, or "" for none
  local flags=(--listen-port "$broker_port" --data-directory "$broker_data" --senders 0 --log-level warning
    --tokens-producer "$producer_token" --submission-enabled true --submission-host 127.0.0.1
    --submission-port "$submission_port" --submissions-enabled false)
  [ -n "$1" ] && flags+=(--submission-trusted-networks "$1")
  printf '%s\n' "${flags[@]}"
}
start_broker() { # $1: trusted networks, or ""
  broker_port=$(free_port); submission_port=$(free_port); broker_data="$work/broker"
  while [ "$submission_port" = "$broker_port" ]; do submission_port=$(free_port); done
  rm -rf "$broker_data"; mkdir -p "$broker_data"
  local flags; mapfile -t flags < <(broker_flags "$1")
  "$mailtimed" "${flags[@]}" 2>"$work/broker.log" &
  broker_pid=$!
  wait_port "$broker_port" && wait_port "$submission_port" && return 0
  if kill -0 "$broker_pid" 2>/dev/null; then
    kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; broker_pid=""
    echo "mailtimed runs, but nothing listens on its submission port 127.0.0.1:$submission_port after 10 s: a build without the SMTP submission listener? $(tail -n 5 "$work/broker.log")" >&2
  else
    local status=0; wait "$broker_pid" || status=$?; broker_pid=""
    echo "mailtimed refuses to start with the submission settings (exit status $status): $(tail -n 5 "$work/broker.log")" >&2
  fi
  echo "this benchmark needs mailtimed's SMTP submission listener; PEERS_ONLY=1 measures only smtp-sink and Postfix" >&2
  exit 2
}
stop_broker() { kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; broker_pid=""; }

producer_token=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
echo "$producer_token" > "$work/producer.token"
# A build without the listener stops the run here, before anything is measured.
if [ -z "$peers_only" ]; then start_broker 127.0.0.0/8; stop_broker; fi

# a) smtp-sink, for the whole run.
sink_port=$(free_port)
user_opt=(); [ "$(id -u)" = 0 ] && user_opt=(-u nobody)
(cd "$work" && exec smtp-sink "${user_opt[@]}" -c "127.0.0.1:$sink_port" 1024) >"$work/sink.out" 2>&1 &
sink_pid=$!
wait_port "$sink_port"

# b) the private Postfix, for the whole run.
pf="$work/postfix"; pf_port=$(free_port)
mkdir -p "$pf/etc" "$pf/spool" "$pf/data"
chown postfix "$pf/data"
cat > "$pf/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/spool
data_directory = $pf/data
maillog_file = $pf/maillog
maillog_file_prefixes = $pf
myhostname = bench.localdomain
mydomain = localdomain
myorigin = \$myhostname
mydestination =
relay_domains =
local_recipient_maps =
local_transport = error:local delivery disabled in benchmark
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = check_client_access static:HOLD, permit_mynetworks, reject
smtpd_peername_lookup = no
smtpd_tls_security_level = none
smtputf8_enable = no
biff = no
append_dot_mydomain = no
EOF
cat > "$pf/etc/master.cf" <<EOF
127.0.0.1:$pf_port inet n - n - - smtpd
pickup     unix  n - n 60   1 pickup
cleanup    unix  n - n -    0 cleanup
qmgr       unix  n - n 300  1 qmgr
rewrite    unix  - - n -    - trivial-rewrite
bounce     unix  - - n -    0 bounce
defer      unix  - - n -    0 bounce
trace      unix  - - n -    0 bounce
verify     unix  - - n -    1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -    - proxymap
showq      unix  n - n -    - showq
error      unix  - - n -    - error
retry      unix  - - n -    - error
discard    unix  - - n -    - discard
anvil      unix  - - n -    1 anvil
scache     unix  - - n -    1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
postfix -c "$pf/etc" start >"$work/postfix-start.out" 2>&1 || fail "postfix start: $(cat "$work/postfix-start.out")"
postfix_started=1
wait_port "$pf_port" || fail "Postfix does not listen on 127.0.0.1:$pf_port: $(tail -n 5 "$pf/maillog" 2>/dev/null)"
queued() { find "$pf/spool/incoming" "$pf/spool/active" "$pf/spool/deferred" "$pf/spool/hold" -type f 2>/dev/null | wc -l; }
held() { find "$pf/spool/hold" -type f 2>/dev/null | wc -l; }

echo "# smtp-source ${source_opts[*]} HOST:PORT; N=$n RUNS=$runs nproc=$(nproc) loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
echo "# a) smtp-sink 127.0.0.1:$sink_port; b) Postfix $(postconf -c "$pf/etc" -h mail_version) smtpd 127.0.0.1:$pf_port, hold queue in $(df -P "$pf" | awk 'NR==2{print $1}')"
[ -z "$peers_only" ] && echo "# c) mailtimed $mailtimed --submission-trusted-networks 127.0.0.0/8 --senders 0 (no delivery: acceptance only; a fresh data directory each run, in $(df -P "$work" | awk 'NR==2{print $1}'))"

sink_runs=(); postfix_runs=(); ours_runs=()
for run in $(seq 1 "$runs"); do
  before=$(sink_count "$work/sink.out"); before=${before:-0}
  r=$(source_rate "$sink_port")
  sleep 0.2
  got=$(( $(sink_count "$work/sink.out") - before ))
  [ "$got" = "$n" ] || fail "smtp-sink counted $got of $n"
  echo "a) smtp-sink run $run: $r msgs/s"
  sink_runs+=("$r")

  [ "$(queued)" = 0 ] || fail "the Postfix queue is not empty before run $run"
  r=$(source_rate "$pf_port")
  for _ in $(seq 1 50); do [ "$(held)" -ge "$n" ] && break; sleep 0.1; done
  [ "$(held)" = "$n" ] && [ "$(queued)" = "$n" ] || fail "Postfix holds $(held) of $n messages ($(queued) queued)"
  postsuper -c "$pf/etc" -d ALL >/dev/null 2>&1
  echo "b) Postfix smtpd (queued to disk, held) run $run: $r msgs/s"
  postfix_runs+=("$r")

  if [ -z "$peers_only" ]; then
    start_broker 127.0.0.0/8
    r=$(source_rate "$submission_port")
    got=$(stored_jobs)
    stop_broker
    [ "$got" = "$n" ] || fail "mailtimed holds $got jobs after $n messages were submitted"
    echo "c) mailtimed submission (trusted network, queued) run $run: $r msgs/s"
    ours_runs+=("$r")
  fi
done
echo "# Postfix maillog: $(grep -c ' hold: ' "$pf/maillog" 2>/dev/null || true) messages held, $(grep -c -E 'warning|fatal|panic' "$pf/maillog" 2>/dev/null || true) warnings"
sink=$(printf '%s\n' "${sink_runs[@]}" | median)
postfix=$(printf '%s\n' "${postfix_runs[@]}" | median)
if [ -n "$peers_only" ]; then
  echo "# medians: smtp-sink $sink msgs/s; Postfix $postfix msgs/s (PEERS_ONLY: mailtimed not measured)"
  exit 0
fi
ours=$(printf '%s\n' "${ours_runs[@]}" | median)

# d) STARTTLS + AUTH with the project's client; e) the broker's memory with IDLE sessions.
start_broker ""
tls_runs=()
for run in $(seq 1 "$runs"); do
  before=$(stored_jobs)
  result=$("$bin/mailtime-bench" submission --port "$submission_port" --connections 20 --messages "$n" --tls starttls \
    --ca-file "$broker_data/tls/certificate.pem" --token-file "$work/producer.token" --json)
  echo "d) mailtime-bench submission (STARTTLS, AUTH PLAIN, 20 connections) run $run: $result"
  [ "$(field "$result" errors)" = 0 ] || fail "errors in the run"
  got=$(( $(stored_jobs) - before ))
  [ "$got" = "$n" ] || fail "mailtimed holds $got more jobs after $n messages were submitted"
  tls_runs+=("$(field "$result" msgs_per_s)")
done
tls=$(printf '%s\n' "${tls_runs[@]}" | median)
idle_sessions() {
  "$bin/mailtime-bench" submission --port "$submission_port" --idle-connections "$idle" --pid "$broker_pid" --tls starttls \
    --ca-file "$broker_data/tls/certificate.pem" --token-file "$work/producer.token" --json
}
# After d) the store's map holds 3×N messages, and the pages of it the broker touched count in its
# VmRSS as file-backed memory (RssFile, page cache shared with the kernel); a fresh broker shows what
# the sessions themselves cost.
loaded=$(idle_sessions)
echo "e) $idle idle submission sessions (STARTTLS, AUTH PLAIN) after d)'s $((runs * n)) stored messages: $loaded"
stop_broker
start_broker ""
memory=$(idle_sessions)
echo "e) $idle idle submission sessions (STARTTLS, AUTH PLAIN) on a fresh broker: $memory"
stop_broker

python3 - "$ours" "$sink" "$postfix" "$tls" "$(field "$memory" vm_rss_kb)" "$idle" <<'PY'
import sys
ours, sink, postfix, tls, rss_kb = (float(v) for v in sys.argv[1:6])
idle = sys.argv[6]
print(f"# medians: smtp-sink {sink:.0f}/s; Postfix (queued, held) {postfix:.0f}/s; mailtimed (trusted network, queued) {ours:.0f}/s; "
      f"mailtimed with STARTTLS + AUTH from mailtime-bench {tls:.0f}/s")
print(f"# fresh broker's VmRSS with {idle} submission sessions open: {rss_kb / 1024:.1f} MB (target < 100 MB)")
print(f"ratio={ours / sink:.2f} ours={ours:.0f} peer={sink:.0f} metric=submission-vs-smtp-sink")
print(f"ratio={ours / postfix:.2f} ours={ours:.0f} peer={postfix:.0f} metric=submission-vs-postfix")
PY
