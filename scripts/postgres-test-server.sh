#!/usr/bin/env bash
# A throw-away PostgreSQL 15 server for the store tests.
#
#   scripts/postgres-test-server.sh start   # prints: export BULWARK_TEST_POSTGRES_URL=postgres://bulwark:bulwark@127.0.0.1:54329/postgres
#   scripts/postgres-test-server.sh stop    # stops the server and deletes its directory
#   scripts/postgres-test-server.sh status  # exit 0 when running
#
# Usage with the tests:
#   eval "$(scripts/postgres-test-server.sh start)" && swift test --filter BulwarkStoreTests
#
# The cluster lives in /tmp/bulwark-test-postgres-<port> (override with BULWARK_TEST_POSTGRES_DIR), listens only on
# 127.0.0.1:<port> (PGPORT, default 54329) and keeps nothing worth keeping: fsync is off. When initdb/pg_ctl are missing
# and the script runs as root, PostgreSQL 15 is installed from Debian (apt-get install postgresql). PostgreSQL refuses
# to run as root, so as root the server runs as the `postgres` OS user (or a dedicated system user if there is none).
# Both commands are idempotent and print nothing else on success; errors go to stderr with a non-zero exit.

set -euo pipefail

readonly PORT="${PGPORT:-54329}"
readonly ROLE="bulwark"
readonly PASSWORD="bulwark"
readonly DIR="${BULWARK_TEST_POSTGRES_DIR:-/tmp/bulwark-test-postgres-${PORT}}"
readonly DATA="${DIR}/data"
readonly LOG="${DIR}/server.log"
readonly URL="postgres://${ROLE}:${PASSWORD}@127.0.0.1:${PORT}/postgres"
readonly DEBIAN_BIN="/usr/lib/postgresql/15/bin"

fail() {
    echo "postgres-test-server: $*" >&2
    exit 1
}

[[ "${PORT}" =~ ^[0-9]+$ ]] && ((PORT > 0 && PORT < 65536)) || fail "PGPORT must be a TCP port number, not '${PORT}'"

# Where initdb, pg_ctl and psql are: PG_BIN if given, Debian's versioned directory, then PATH.
find_binaries() {
    local candidate
    for candidate in "${PG_BIN:-}" "${DEBIAN_BIN}"; do
        if [[ -n "${candidate}" && -x "${candidate}/initdb" && -x "${candidate}/pg_ctl" ]]; then
            echo "${candidate}"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return 0
    fi
    return 1
}

install_postgres() {
    [[ "${EUID}" -eq 0 ]] || fail "initdb and pg_ctl were not found; install PostgreSQL 15 (apt-get install postgresql) or run this script as root"
    command -v apt-get >/dev/null 2>&1 || fail "initdb and pg_ctl were not found and apt-get is not available to install PostgreSQL 15"
    local apt_log
    apt_log="$(mktemp)"
    if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } >"${apt_log}" 2>&1; then
        tail -n 20 "${apt_log}" >&2
        rm -f "${apt_log}"
        fail "installing PostgreSQL with apt-get failed (output above)"
    fi
    rm -f "${apt_log}"
}

# The OS user the server runs as: the caller, or a non-root user when the caller is root.
# With --create, a root caller on a machine without a `postgres` user gets a dedicated system user.
server_user() {
    if [[ "${EUID}" -ne 0 ]]; then
        id -un
    elif id postgres >/dev/null 2>&1; then
        echo postgres
    elif id bulwark-pg >/dev/null 2>&1; then
        echo bulwark-pg
    elif [[ "${1:-}" == "--create" ]]; then
        useradd --system --no-create-home --shell /usr/sbin/nologin bulwark-pg >/dev/null 2>&1 \
            || fail "could not create the system user bulwark-pg to run PostgreSQL as"
        echo bulwark-pg
    else
        return 1
    fi
}

# Runs a command as the server user, from a directory that user can enter.
as_server_user() {
    local user="$1"
    shift
    if [[ "${user}" == "$(id -un)" ]]; then
        (cd / && "$@")
    elif command -v runuser >/dev/null 2>&1; then
        (cd / && runuser -u "${user}" -- "$@")
    else
        local quoted
        quoted="$(printf '%q ' "$@")"
        (cd / && su -s /bin/sh "${user}" -c "${quoted}")
    fi
}

is_running() {
    local bin="$1" user="$2"
    [[ -f "${DATA}/PG_VERSION" ]] && as_server_user "${user}" "${bin}/pg_ctl" -D "${DATA}" status >/dev/null 2>&1
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null
}

psql_admin() {
    local bin="$1" user="$2" sql="$3"
    local psql="${bin}/psql"
    [[ -x "${psql}" ]] || psql="$(command -v psql)" || fail "psql was not found next to ${bin}/pg_ctl or on PATH"
    as_server_user "${user}" "${psql}" -X -q -v ON_ERROR_STOP=1 -h "${DIR}" -p "${PORT}" -U postgres -d postgres -c "${sql}" >/dev/null
}

start() {
    local bin user
    bin="$(find_binaries)" || {
        install_postgres
        bin="$(find_binaries)" || fail "PostgreSQL was installed but initdb/pg_ctl are still not in ${DEBIAN_BIN} or on PATH"
    }
    user="$(server_user --create)"

    if ! is_running "${bin}" "${user}"; then
        port_in_use && fail "127.0.0.1:${PORT} is already taken by another program; choose another port with PGPORT=..."
        if [[ ! -f "${DATA}/PG_VERSION" ]]; then
            rm -rf "${DIR}"
            mkdir -p "${DIR}"
            chown "${user}" "${DIR}"
            chmod 700 "${DIR}"
            local pwfile="${DIR}/superuser-password"
            # The superuser signs in only over the Unix socket in DIR (trust); TCP always needs a password.
            as_server_user "${user}" sh -c "umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > '${pwfile}'"
            if ! as_server_user "${user}" "${bin}/initdb" -D "${DATA}" -U postgres --pwfile="${pwfile}" -E UTF8 --locale=C \
                --auth-local=trust --auth-host=scram-sha-256 >"${DIR}/initdb.log" 2>&1; then
                cat "${DIR}/initdb.log" >&2
                fail "initdb failed in ${DATA} (output above)"
            fi
            rm -f "${pwfile}" "${DIR}/initdb.log"
            cat >>"${DATA}/postgresql.conf" <<EOF
# postgres-test-server.sh: loopback only, throw-away data
listen_addresses = '127.0.0.1'
port = ${PORT}
unix_socket_directories = '${DIR}'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
        fi
        if ! as_server_user "${user}" "${bin}/pg_ctl" -D "${DATA}" -l "${LOG}" -w -t 60 start >/dev/null 2>&1; then
            [[ -f "${LOG}" ]] && tail -n 20 "${LOG}" >&2
            fail "PostgreSQL did not start from ${DATA} (log above)"
        fi
    fi

    psql_admin "${bin}" "${user}" "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN
            CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}';
        ELSE
            ALTER ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}';
        END IF;
    END \$\$;" || fail "could not create the role ${ROLE} (server log: ${LOG})"

    echo "export BULWARK_TEST_POSTGRES_URL=${URL}"
}

stop() {
    [[ -d "${DIR}" ]] || return 0
    local bin user
    if bin="$(find_binaries)" && user="$(server_user)"; then
        if is_running "${bin}" "${user}"; then
            as_server_user "${user}" "${bin}/pg_ctl" -D "${DATA}" -m fast -w -t 60 stop >/dev/null 2>&1 \
                || fail "PostgreSQL in ${DATA} did not stop; see ${LOG}"
        fi
    elif [[ -f "${DATA}/postmaster.pid" ]]; then
        fail "a server may still be running from ${DATA}, but pg_ctl was not found to stop it"
    fi
    rm -rf "${DIR}"
}

status() {
    local bin user
    bin="$(find_binaries)" || fail "PostgreSQL is not installed"
    user="$(server_user)" || fail "not running (no user to run PostgreSQL as)"
    is_running "${bin}" "${user}" || fail "not running (directory ${DIR})"
    echo "running on 127.0.0.1:${PORT} from ${DATA}"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
status) status ;;
*)
    echo "usage: $0 start|stop|status   (PGPORT overrides the port, default 54329)" >&2
    exit 2
    ;;
esac
