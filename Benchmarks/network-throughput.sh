#!/usr/bin/env bash
# Packets per second on one core for parse, parse + damped statistics, and parse + statistics + flow table + every
# detection rule, over the shared captures replayed ROUNDS times from memory (the clock shifted each round so flows
# age as in a long capture); then memory per tracked stream.
#
#   Benchmarks/network-throughput.sh
#   ROUNDS=50 Benchmarks/network-throughput.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-20}"
DATA="${BULWARK_SHARED_DATA:-../shared/data}"

echo "==> building (release)"
swift build -c release --package-path Benchmarks --product NetworkThroughput >/dev/null
BIN="$(swift build -c release --package-path Benchmarks --show-bin-path)/NetworkThroughput"

echo "==> one core, $ROUNDS rounds of $(ls "$DATA"/pcap/*.pcap | wc -l) captures"
taskset -c 0 "$BIN" packets "$ROUNDS" "$DATA"/pcap/*.pcap
