#!/usr/bin/env bash
# The device list API under load: a release build of `bulwark serve` on a loopback port with a 10,000-device fleet
# in SQLite, driven by wrk with an API token. Prints requests/s and p50/p99 latency.
#
#   Benchmarks/device-list-wrk.sh              # 15 s, 2 wrk threads, 32 connections
#   DURATION=30s CONNECTIONS=64 Benchmarks/device-list-wrk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-32}"
PORT="${PORT:-18080}"
DEVICES="${DEVICES:-10000}"

command -v wrk >/dev/null 2>&1 || { echo "installing wrk"; apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product bulwark >/dev/null
BULWARK="$(swift build -c release --show-bin-path)/bulwark"

work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
db="$work/bench.sqlite"

# A fleet export with $DEVICES devices across 20 products, 10 sites and 40 segments.
python3 - "$DEVICES" > "$work/fleet.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("serial,model,product_name,manufacturer,firmware,released_on,support_until,site,segment,internet_exposed,ip,mac,credential_state,last_seen")
for i in range(n):
    p, s, g = i % 20, i % 10, (i // 10) % 4
    print(f"SN{100000000+i},M-{p},Model {p},Vendor {p%5},{i%4+1}.0.{p%3},202{i%4}-03-01,202{i%4+3}-03-01,Site {s},seg-{g},{'true' if g==0 else 'false'},"
          f"10.{s}.{i//250%256}.{i%250+1},02:00:{s:02x}:{(i>>16)&255:02x}:{(i>>8)&255:02x}:{i&255:02x},{['default','changed','changed','unknown'][i%4]},2026-11-20T08:00:00Z")
PY
"$BULWARK" org create "Benchmark Operator" --kind operator --database "$db" >/dev/null
"$BULWARK" import inventory "$work/fleet.csv" --database "$db" >/dev/null
token="$("$BULWARK" token create --name wrk --role viewer --format json --database "$db" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')"

"$BULWARK" serve --database "$db" --port "$PORT" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

url="http://127.0.0.1:$PORT/api/v1/devices?perPage=50&page=7&credentialState=changed"
curl -sf -H "Authorization: Bearer $token" "$url" \
    | python3 -c "import json,sys; d=json.load(sys.stdin); assert len(d['devices'])==50, d; print('warm-up ok:', d['total'], 'matching devices, pages of 50')"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$url" | tee "$work/wrk.txt"
echo
echo "device list API, $DEVICES devices in SQLite, $CONNECTIONS connections, $DURATION on $(nproc) cores shared by server and wrk:"
awk '/Requests\/sec/ {print "  requests/s: " $2} / 50%/ {print "  p50 latency: " $2} / 99%/ {print "  p99 latency: " $2}' "$work/wrk.txt"
