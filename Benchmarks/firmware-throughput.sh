#!/usr/bin/env bash
# Firmware scanning throughput on a root file system of at least 200 MB, as a directory and as a SquashFS image.
#
#   Benchmarks/firmware-throughput.sh
#   ROUNDS=5 MEGABYTES=300 Benchmarks/firmware-throughput.sh
#
# The root file system is this machine's own: /etc, /usr/bin, /usr/sbin and shared libraries from
# /usr/lib/x86_64-linux-gnu until it holds MEGABYTES (default 200) of real binaries, scripts and configuration, copied
# into a temporary directory (symbolic links kept as they are). Every inspection runs: unpacking, credentials,
# components, keys and certificates, services and hardening. MB/s counts the bytes of the regular files read.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-3}"
MEGABYTES="${MEGABYTES:-200}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/usr/lib/x86_64-linux-gnu"
cp -a /etc /usr/bin /usr/sbin "$root/" 2>/dev/null || true
mv "$root/bin" "$root/usr/bin" && mv "$root/sbin" "$root/usr/sbin"
limit=$((MEGABYTES * 1000 * 1000))
for file in /usr/lib/x86_64-linux-gnu/*.so*; do
    [ "$(du -sb "$root" | cut -f1)" -ge "$limit" ] && break
    cp -a "$file" "$root/usr/lib/x86_64-linux-gnu/" 2>/dev/null || true
done
echo "==> root file system: $(du -sb "$root" | cut -f1) bytes, $(find "$root" -type f | wc -l) regular files"

echo "==> building the Swift side (release)"
swift build -c release --package-path Benchmarks --product Firmware >/dev/null
BIN="$(swift build -c release --package-path Benchmarks --show-bin-path)/Firmware"

echo "==> directory ($ROUNDS rounds)"
"$BIN" "$root" "$ROUNDS" | grep -v '^component' || true
echo "    components identified: $("$BIN" "$root" 1 | grep -c '^component')"

if command -v mksquashfs >/dev/null; then
    mksquashfs "$root" "$work/rootfs.squashfs" -comp xz -quiet -no-progress >/dev/null
    echo "==> SquashFS image (xz, $(stat -c %s "$work/rootfs.squashfs") bytes; unsquashfs does the unpacking; $ROUNDS rounds)"
    "$BIN" "$work/rootfs.squashfs" "$ROUNDS" | grep -v '^component' || true
fi
