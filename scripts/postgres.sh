#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests, on a free loopback port.
#
#   eval "$(scripts/postgres.sh start)"   # prints `export CHATKIT_POSTGRES_URL=postgres://…`
#   scripts/postgres.sh stop              # stops it and deletes its data
#
# `start` installs Debian's `postgresql` package when no `initdb` is found, creates a data
# directory under target/postgres, starts the server on 127.0.0.1 (trust authentication, a
# superuser and a database both named `chatkit`), and prints the URL. The tests that need
# PostgreSQL read CHATKIT_POSTGRES_URL; each one works in a schema of its own.
#
# `start --durable` keeps PostgreSQL's default durability (fsync on); by default the server
# skips fsync, as nothing it holds needs to survive a crash of the machine.
#
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user (the
# package creates it; it is created here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

root="$PWD/target/postgres"
state="$root/state"

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
    # Debian's layout first (every client and server program of one version), then PATH.
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/createdb" ]; then
        echo "$dir"
    elif command -v initdb >/dev/null 2>&1 && command -v createdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs a command as the server's user.
as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    local fsync=off
    if [ "${1:-}" = "--durable" ]; then
        fsync=on
    fi
    if [ -f "$state" ]; then
        stop
    fi
    local bindir
    bindir=$(find_bindir)
    if [ -z "$bindir" ]; then
        log "installing Debian's postgresql package"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y --no-install-recommends postgresql >/dev/null 2>&1 \
            || { apt-get update >/dev/null && apt-get install -y --no-install-recommends postgresql >/dev/null; }
        bindir=$(find_bindir)
    fi
    if [ -z "$bindir" ]; then
        log "no initdb found, and installing postgresql did not provide one"
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    fi

    # The data directory: under target/ when the server's user can reach it, else a
    # private temporary directory (its path is kept in the state file either way).
    mkdir -p "$root"
    local data="$root/data"
    if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$root" 2>/dev/null; then
        data=$(mktemp -d "${TMPDIR:-/tmp}/chatkit-postgres.XXXXXX")
    fi
    rm -rf "$data"
    mkdir -p "$data"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$data"
    fi
    chmod 700 "$data"

    local port
    port=$(free_port)
    as_server_user "$bindir/initdb" -D "$data" -U chatkit --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$root/initdb.log" 2>&1 || { cat "$root/initdb.log" >&2; exit 1; }
    printf 'data=%q\nbindir=%q\nport=%q\n' "$data" "$bindir" "$port" >"$state"
    as_server_user "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=$fsync -c full_page_writes=$fsync" \
        start >/dev/null || { cat "$data/server.log" >&2; exit 1; }
    as_server_user "$bindir/createdb" -h 127.0.0.1 -p "$port" -U chatkit chatkit
    log "PostgreSQL ($("$bindir/postgres" --version)) on 127.0.0.1:$port, data in $data"
    echo "export CHATKIT_POSTGRES_URL=postgres://chatkit@127.0.0.1:$port/chatkit"
}

stop() {
    if [ ! -f "$state" ]; then
        return
    fi
    local data bindir port
    # shellcheck disable=SC1090
    source "$state"
    as_server_user "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$data" "$state"
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) stop ;;
    *) echo "usage: $0 start [--durable] | stop" >&2; exit 2 ;;
esac
