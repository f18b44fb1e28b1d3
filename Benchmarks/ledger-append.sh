#!/usr/bin/env bash
# Batched ledger appends on SQLite against the SHA-256 rate of one core for the same 1 KiB entries, in one process:
# batches of 1,000 and of 10,000, ROUNDS rounds each (default 5), the median round last.
#
#   Benchmarks/ledger-append.sh
#   ROUNDS=9 TOTAL=400000 Benchmarks/ledger-append.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-5}"
TOTAL="${TOTAL:-200000}"

echo "==> building (release)"
swift build -c release --package-path Benchmarks --product LedgerAppend >/dev/null
BIN="$(swift build -c release --package-path Benchmarks --show-bin-path)/LedgerAppend"

for batch in 1000 10000; do
    echo "==> batches of $batch"
    "$BIN" "$TOTAL" "$batch" "$ROUNDS"
done
