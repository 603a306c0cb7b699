#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on loopback for the ledger tests and print its URL.
# Installs Debian's postgresql package when the server binaries are missing. Used by .ci/run:
#   export FORECAST_TEST_PG="$(bash scripts/start_test_postgres.sh)"
set -euo pipefail
# a free port unless one is given (a server left from an earlier run may hold any fixed one)
PORT="${FORECAST_TEST_PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
fi
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
DATA="$(mktemp -d /tmp/forecast-pg.XXXXXX)"
if [ "$(id -u)" = 0 ]; then
    # the server refuses to run as root: run it as the package's postgres user
    chown postgres "$DATA"
    AS="runuser -u postgres --"
else
    AS=""
fi
$AS "$BIN/initdb" -D "$DATA" -A trust -U postgres >&2
$AS "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DATA -c fsync=off" start >&2
echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
