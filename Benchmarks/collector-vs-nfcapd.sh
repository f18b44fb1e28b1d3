#!/usr/bin/env bash
# Flow records per CPU-second: Bulwark's collector (listener, bounded queue, NetFlow v9 decoder and every detection
# rule) against nfdump's nfcapd, in one run on the same export. A third receiver, the same collector without the rules
# (listener, queue, decoder, counters), shows how the cost splits between collecting and judging.
#
# softflowd (Debian) turns every shared capture into NetFlow v9 once; that export is recorded, then replayed ROUNDS
# times to each receiver in turn, datagram by datagram (sequence numbers renumbered so none sees duplicates). Each
# round's export time is moved an hour past the previous round's last flow, so the replay reads as a longer capture
# rather than the same minutes again and again (which the flood rules would rightly take for a flood); every receiver
# gets the same bytes. Each receiver runs alone, pinned to one core, with the sender pinned to the other.
# Each receiver's CPU time (user + system, whole process) is read from the kernel, so a shared machine's other load
# does not count; each must have received every record, or the run says so.
#
#   Benchmarks/collector-vs-nfcapd.sh
#   ROUNDS=3000 REPEATS=5 Benchmarks/collector-vs-nfcapd.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-200}"
REPEATS="${REPEATS:-3}"
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

# Each receiver gets a replay of its own, pinned to one core with the sender pinned to the other (where the machine
# has two), so no receiver shares its core or its cache with the other: nfcapd, then ours with every rule ("collect"),
# then ours without the rules ("decode"). With them all running at once, the one with the larger working set loses
# more to the other than the work it does, which would measure the sharing rather than the collectors.
cores="$(nproc)"
pin_receiver=()
pin_sender=()
if [ "$cores" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
    pin_receiver=(taskset -c 1)
    pin_sender=(taskset -c 0)
fi

replay_to() {
    "${pin_sender[@]}" python3 - "$work/export.bin" "$ROUNDS" "$1" "$shift" <<'PY'
import socket, struct, sys, time
data = open(sys.argv[1], "rb").read()
datagrams, i = [], 0
while i < len(data):
    n = struct.unpack_from(">I", data, i)[0]
    datagrams.append(bytearray(data[i + 4:i + 4 + n]))
    i += 4 + n
rounds, port, shift = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sequence = 0
for _ in range(rounds):
    for datagram in datagrams:
        if struct.unpack_from(">H", datagram, 0)[0] == 9:
            # RFC 3954 header: export seconds at byte 8 (moved one round on), sequence at byte 12 (counts export packets).
            struct.pack_into(">I", datagram, 8, (struct.unpack_from(">I", datagram, 8)[0] + shift) & 0xFFFFFFFF)
            struct.pack_into(">I", datagram, 12, sequence)
        sequence += 1
        s.sendto(datagram, ("127.0.0.1", port))
        if sequence % 64 == 0:
            time.sleep(0.001)  # stay within what a kernel receive buffer holds
print(f"    sent {sequence} datagrams")
PY
}

# One repeat runs nfcapd, then ours with every rule, then ours without; REPEATS of them alternate so that a change in
# the machine's speed (a shared VM's is large) falls on every receiver alike. Each repeat's ratios are taken against
# that repeat's nfcapd run; the medians are the figures to quote.
ticks="$(getconf CLK_TCK)"
results="$work/results"
: >"$results"

run_nfcapd() {
    echo "==> replaying to nfcapd (repeat $1)"
    local nf_port nfcapd_pid nfcapd_cpu nf_records
    nf_port="$(free_port)"
    rm -rf "$work/nfcapd"
    mkdir -p "$work/nfcapd"
    "${pin_receiver[@]}" nfcapd -b 127.0.0.1 -p "$nf_port" -w "$work/nfcapd" -B 8388608 >"$work/nfcapd.log" 2>&1 &
    nfcapd_pid=$!
    pids+=("$nfcapd_pid")
    sleep 1
    replay_to "$nf_port"
    sleep 1
    # nfcapd's CPU time is read before it is stopped.
    nfcapd_cpu="$(awk -v t="$ticks" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$nfcapd_pid/stat")"
    kill "$nfcapd_pid"
    wait "$nfcapd_pid" 2>/dev/null || true
    nf_records="$(nfdump -R "$work/nfcapd" -I | awk -F': ' '$1 == "Flows" { print $2 }')"
    echo "nfcapd: records $nf_records cpu-seconds $nfcapd_cpu ($(grep -o 'Sequence Errors: [0-9]*' "$work/nfcapd.log" | tail -1))"
    echo "$1 nfcapd $nf_records $nfcapd_cpu" >>"$results"
}

run_ours() {
    echo "==> replaying to bulwark ($2, repeat $1)"
    local our_port ours_pid ours
    our_port="$(free_port)"
    "${pin_receiver[@]}" "$BIN" "$2" "$our_port" 1000000000000 >"$work/$2.log" &
    ours_pid=$!
    pids+=("$ours_pid")
    sleep 1
    replay_to "$our_port"
    # Ours stops by itself 3 s after the last datagram.
    wait "$ours_pid"
    ours="$(tail -1 "$work/$2.log")"
    echo "bulwark $2: $ours"
    echo "$1 $2 $(echo "$ours" | awk '{ for (i = 1; i < NF; i++) if ($i == "records") r = $(i + 1); else if ($i == "cpu-seconds") c = $(i + 1); print r, c }')" >>"$results"
}

for repeat in $(seq "$REPEATS"); do
    run_nfcapd "$repeat"
    run_ours "$repeat" collect
    run_ours "$repeat" decode
done

python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    repeat, receiver, records, cpu = line.split()
    runs.setdefault(receiver, {})[int(repeat)] = (int(records), float(cpu))
expected = {records for receiver in runs.values() for records, _ in receiver.values()}
if len(expected) != 1:
    print(f"NOTE: the receivers did not all get every record ({sorted(expected)}): some datagrams were lost")
rate = {name: {r: records / max(cpu, 1e-9) for r, (records, cpu) in by_repeat.items()} for name, by_repeat in runs.items()}
names = {"nfcapd": "nfcapd (decode and store)", "collect": "bulwark collect, every rule", "decode": "bulwark, no rules"}
print()
print(f"{'receiver':30} {'records per CPU-second (median, range)':>46} {'ns a record':>12} {'against nfcapd (median, range)':>32}")
for name in ("nfcapd", "collect", "decode"):
    values = sorted(rate[name].values())
    ratios = sorted(rate[name][r] / rate["nfcapd"][r] for r in rate[name])
    median = statistics.median(values)
    print(f"{names[name]:30} {median:>14,.0f} ({values[0]:,.0f}-{values[-1]:,.0f}) {1e9 / median:>12,.0f} "
          f"{statistics.median(ratios):>12.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f})")
PY
