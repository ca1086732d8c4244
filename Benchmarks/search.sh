#!/usr/bin/env bash
# The search target: with EMAILS (default 1,000,000) emails stored, the first page (100) of every
# kind of filter of `LIST key=value …` comes back in under 100 ms.
#
# Builds `mailtime-bench` in release mode and runs `mailtime-bench search`: it fills a store in a
# temporary directory under .build directly through the queue's API (batches of 1,000; recipients
# among 50,000 addresses in 500 domains, 20 senders, 100 tags, 5 providers), leases nine emails in
# ten and reports on them (60 % sent, 20 % deferred, 10 % failed, 10 % left leased), then times
# REPEATS (default 200) first pages of each filter, one after another, and prints p50 and p99 in
# microseconds against the target. The store takes about 1.5 GB of disk with the defaults.
# Settings: EMAILS, REPEATS, JSON=1 for JSON lines.
set -euo pipefail
cd "$(dirname "$0")/.."

emails=${EMAILS:-1000000}
repeats=${REPEATS:-200}
swift build -c release --product mailtime-bench >/dev/null
bench=$(swift build -c release --show-bin-path)/mailtime-bench
work=$(mktemp -d "$PWD/.build-search-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bench" search --directory "$work" --emails "$emails" --repeats "$repeats" ${JSON:+--json}
