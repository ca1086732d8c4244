#!/usr/bin/env bash
# The durable store against the disk it writes to, measured in one run.
#
# 1. The disk's fdatasync rate (../shared/peers/fsync_limit.py, median of three probes), on the
#    same disk and right before the store, since it drifts with what the machine did before.
# 2. `mailtime-bench store` (release build): durable enqueues with 1, 16 and 64 callers and
#    lease+complete, on an empty store and with PREFILL jobs queued; p50/p99; RssAnon.
#
# The last line compares durable enqueues per second at 64 callers with fdatasyncs per second:
#   ratio=<enqueues/s ÷ fdatasyncs/s> ours=<n> peer=<n> metric=store-enqueue-per-fsync
# Settings: PREFILL (default 1000000), RUNS (3), SECONDS_PER_RUN (2), BENCH_DIR (.build-store-bench-data).
set -euo pipefail
cd "$(dirname "$0")/.."

shared=${MAILTIME_SHARED:-../shared}
prefill=${PREFILL:-1000000}
runs=${RUNS:-3}
seconds=${SECONDS_PER_RUN:-2}
data=${BENCH_DIR:-$PWD/.build-store-bench-data}
mkdir -p "$data"

make --no-print-directory deps >/dev/null
swift build -c release --product mailtime-bench >/dev/null
bench=$(swift build -c release --show-bin-path)/mailtime-bench

rates=()
for probe in 1 2 3; do
  rate=$(python3 "$shared/peers/fsync_limit.py" --dir "$data" --iters 2000 --seq-mb 32 |
    awk '$1 == "append4k_fdatasync" { print $2 }')
  echo "disk probe $probe: append 4 KiB + fdatasync: $rate /s"
  rates+=("$rate")
done
peer=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p)

results=$("$bench" store --json --directory "$data" --prefill "$prefill" --runs "$runs" --seconds "$seconds")

python3 - "$peer" "$results" <<'PY'
import json, sys
peer = float(sys.argv[1])
rows = [json.loads(line) for line in sys.argv[2].splitlines() if line.startswith("{")]
print(f"{'store':10} {'operation':15} {'conc':>5} {'ops/s':>9} {'p50 µs':>8} {'p99 µs':>8}  runs")
figures = {}
for row in rows:
    if "note" in row:
        print("#", row["note"])
    elif "operation" in row:
        figures[(row["store"], row["operation"], row["concurrency"])] = row["ops_per_s"]
        print(f"{row['store']:10} {row['operation']:15} {row['concurrency']:>5} {row['ops_per_s']:>9} "
              f"{row['p50_us']:>8} {row['p99_us']:>8}  {row['runs']}")
    else:
        print(f"{row['store']:10} RssAnon {row['rss_anon_kb'] / 1024:.0f} MB with {row['queued']} jobs queued")
for (store, operation, concurrency), value in sorted(figures.items()):
    if store == "prefilled" and ("empty", operation, concurrency) in figures:
        empty = figures[("empty", operation, concurrency)]
        print(f"prefilled ÷ empty, {operation} at {concurrency}: {value / empty:.2f}")
ours = figures[("empty", "enqueue", 64)]
print(f"ratio={ours / peer:.2f} ours={ours} peer={peer:.0f} metric=store-enqueue-per-fsync")
PY
rm -rf "$data"
