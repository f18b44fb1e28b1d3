#!/usr/bin/env bash
# Runs Bulwark's whole test suite on a fresh machine: installs the browser, PostgreSQL, softflowd, nfdump, nftables and
# iproute2 it needs (Debian packages),
# starts a throw-away PostgreSQL on a loopback port, builds, runs every test, and stops the database again.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh BulwarkStore    # only tests whose name matches (passed to swift test --filter)
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
command -v gzip >/dev/null 2>&1 || missing+=(gzip)
# Firmware unpacking drives these tools, and its tests build images and reference hashes with them.
command -v unsquashfs >/dev/null 2>&1 || missing+=(squashfs-tools)
command -v cpio >/dev/null 2>&1 || missing+=(cpio)
[ -x /usr/sbin/debugfs ] || [ -x /sbin/debugfs ] || missing+=(e2fsprogs)
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
command -v bzip2 >/dev/null 2>&1 || missing+=(bzip2)
command -v mkpasswd >/dev/null 2>&1 || missing+=(whois)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v perl >/dev/null 2>&1 || missing+=(perl)
# Flow export and the reference collector for the collector cross-check; nftables and iproute2 for quarantine in
# network namespaces (those tests run as root).
command -v softflowd >/dev/null 2>&1 || [ -x /usr/sbin/softflowd ] || missing+=(softflowd)
command -v nfcapd >/dev/null 2>&1 || missing+=(nfdump)
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || missing+=(nftables)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "==> installing the Python reference packages the tests compare against (cvss, univers, cyclonedx-python-lib)"
python3 -m pip install -q --disable-pip-version-check cvss univers 'cyclonedx-python-lib[json-validation]'

echo "==> starting a throw-away PostgreSQL on 127.0.0.1"
eval "$(scripts/postgres-test-server.sh start)"
trap 'scripts/postgres-test-server.sh stop' EXIT

echo "==> building"
swift build --build-tests

echo "==> testing (SQLite and PostgreSQL, in-process HTTP, command line, headless Chromium)"
# The browser, PostgreSQL and the Python reference packages are installed now, so their tests must run rather than skip.
export CI="${CI:-true}"
if [ $# -gt 0 ]; then
    swift test --skip-build --filter "$1"
else
    swift test --skip-build
fi
