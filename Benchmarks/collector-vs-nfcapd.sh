#!/usr/bin/env bash
# Flow records per CPU-second: Bulwark's collector (listener, bounded queue, NetFlow v9 decoder and every detection
# rule) against nfdump's nfcapd, in one run on the same export. A third receiver, the same collector without the rules
# (listener, queue, decoder, counters), shows how the cost splits between collecting and judging.
#
# softflowd (Debian) turns every shared capture into NetFlow v9 once; that export is recorded, then replayed ROUNDS
# times to both collectors, datagram by datagram in turn (sequence numbers renumbered so neither sees duplicates).
# Each round's export time is moved an hour past the previous round's last flow, so the replay reads as a longer
# capture rather than the same minutes again and again (which the flood rules would rightly take for a flood); both
# collectors receive the same bytes.
# Each collector's CPU time (user + system, whole process) is read from the kernel, so a shared machine's other load
# does not count; each must have received every record, or the run says so.
#
#   Benchmarks/collector-vs-nfcapd.sh
#   ROUNDS=500 Benchmarks/collector-vs-nfcapd.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-200}"
DATA="${BULWARK_SHARED_DATA:-../shared/data}"
for program in softflowd nfcapd nfdump python3; do
    command -v "$program" >/dev/null 2>&1 || [ -x "/usr/sbin/$program" ] || { echo "$program is missing (Debian softflowd, nfdump)"; exit 1; }
done
PATH="$PATH:/usr/sbin"

echo "==> building (release)"
swift build -c release --package-path Benchmarks --product NetworkThroughput >/dev/null
BIN="$(swift build -c release --package-path Benchmarks --show-bin-path)/NetworkThroughput"

work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "==> recording softflowd's NetFlow v9 export of every shared capture"
record_port="$(free_port)"
python3 - "$record_port" "$work/export.bin" <<'PY' &
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(2.0)
with open(sys.argv[2], "wb") as out:
    try:
        while True:
            data = s.recv(65535)
            out.write(struct.pack(">I", len(data)) + data)
    except socket.timeout:
        pass
PY
recorder=$!
sleep 0.5
for capture in "$DATA"/pcap/*.pcap; do
    softflowd -r "$capture" -n "127.0.0.1:$record_port" -v 9 -d -p "$work/softflowd.pid" -c none >/dev/null
done
wait "$recorder"

datagrams_per_round="$(python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); n=i=0
while i < len(d): i += 4 + struct.unpack_from(">I", d, i)[0]; n += 1
print(n)' "$work/export.bin")"
shift="$("$BIN" shift "$work/export.bin")"
echo "    $datagrams_per_round datagrams a round, $ROUNDS rounds, clock moved $shift s a round"

nf_port="$(free_port)"
our_port="$(free_port)"
mkdir -p "$work/nfcapd"
nfcapd -b 127.0.0.1 -p "$nf_port" -w "$work/nfcapd" -B 8388608 >"$work/nfcapd.log" 2>&1 &
nfcapd_pid=$!
pids+=("$nfcapd_pid")
"$BIN" collect "$our_port" 1000000000000 >"$work/ours.log" &
ours_pid=$!
pids+=("$ours_pid")
decode_port="$(free_port)"
"$BIN" decode "$decode_port" 1000000000000 >"$work/decode.log" &
decode_pid=$!
pids+=("$decode_pid")
sleep 1

echo "==> replaying to both"
python3 - "$work/export.bin" "$ROUNDS" "$nf_port" "$our_port" "$decode_port" "$shift" <<'PY'
import socket, struct, sys, time
data = open(sys.argv[1], "rb").read()
datagrams, i = [], 0
while i < len(data):
    n = struct.unpack_from(">I", data, i)[0]
    datagrams.append(bytearray(data[i + 4:i + 4 + n]))
    i += 4 + n
rounds, ports, shift = int(sys.argv[2]), (int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])), int(sys.argv[6])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sequence = 0
for _ in range(rounds):
    for datagram in datagrams:
        if struct.unpack_from(">H", datagram, 0)[0] == 9:
            # RFC 3954 header: export seconds at byte 8 (moved one round on), sequence at byte 12 (counts export packets).
            struct.pack_into(">I", datagram, 8, (struct.unpack_from(">I", datagram, 8)[0] + shift) & 0xFFFFFFFF)
            struct.pack_into(">I", datagram, 12, sequence)
        sequence += 1
        for port in ports:
            s.sendto(datagram, ("127.0.0.1", port))
        if sequence % 64 == 0:
            time.sleep(0.001)  # stay within what a kernel receive buffer holds
print(f"    sent {sequence} datagrams to each")
PY

# Ours stop by themselves 3 s after the last datagram; nfcapd's CPU time is read before it is stopped.
wait "$ours_pid"
wait "$decode_pid"
ticks="$(getconf CLK_TCK)"
nfcapd_cpu="$(awk -v t="$ticks" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$nfcapd_pid/stat")"
kill "$nfcapd_pid"
wait "$nfcapd_pid" 2>/dev/null || true

nf_records="$(nfdump -R "$work/nfcapd" -I | awk -F': ' '$1 == "Flows" { print $2 }')"
ours="$(tail -1 "$work/ours.log")"
our_records="$(echo "$ours" | awk '{ for (i = 1; i < NF; i++) if ($i == "records") print $(i + 1) }')"
our_cpu="$(echo "$ours" | awk '{ for (i = 1; i < NF; i++) if ($i == "cpu-seconds") print $(i + 1) }')"
decode="$(tail -1 "$work/decode.log")"
decode_records="$(echo "$decode" | awk '{ for (i = 1; i < NF; i++) if ($i == "records") print $(i + 1) }')"
decode_cpu="$(echo "$decode" | awk '{ for (i = 1; i < NF; i++) if ($i == "cpu-seconds") print $(i + 1) }')"
echo "bulwark collect: $ours"
echo "without rules:   $decode"
echo "nfcapd:          records $nf_records cpu-seconds $nfcapd_cpu ($(grep -o 'Sequence Errors: [0-9]*' "$work/nfcapd.log" | tail -1))"
python3 - "$our_records" "$our_cpu" "$nf_records" "$nfcapd_cpu" "$decode_records" "$decode_cpu" <<'PY'
import sys
ours, our_cpu, theirs, their_cpu = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
bare, bare_cpu = int(sys.argv[5]), float(sys.argv[6])
if not ours == theirs == bare:
    print(f"NOTE: the collectors received different record counts ({ours}, {bare} without rules, {theirs} nfcapd): some datagrams were lost")
a, b, c = ours / max(our_cpu, 1e-9), theirs / max(their_cpu, 1e-9), bare / max(bare_cpu, 1e-9)
print(f"records per CPU-second: bulwark {a:,.0f}, nfcapd {b:,.0f}, ratio {a / b:.2f}")
print(f"without the rules:      bulwark {c:,.0f}, ratio {c / b:.2f} (the rules take {1e9 / a - 1e9 / c:,.0f} ns of the {1e9 / a:,.0f} ns a record)")
PY
