# Sourced by .ci/run: a private PostgreSQL for the tests of the shared store (PostgreSQL
# backend). The Debian package is installed if missing; the server runs from a temporary
# directory, on a private port and a unix socket in that directory, as the postgres user
# when CI runs as root (initdb refuses root) — no system service, nothing left behind.
# It exports REPAIRDESK_TEST_PG; the tests skip their PostgreSQL half only without it.
start_postgres() {
  if [ -n "${REPAIRDESK_TEST_PG:-}" ]; then
    echo "PostgreSQL for the tests: given by REPAIRDESK_TEST_PG"; return 0
  fi
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -z "$bin" ] && command -v apt-get >/dev/null; then
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null 2>&1 \
      || $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  fi
  if [ -z "$bin" ]; then
    echo "PostgreSQL: not installed and no apt-get; its tests will skip"; return 0
  fi
  PG_CI_DIR="$(mktemp -d)"
  PG_CI_AS=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$PG_CI_DIR"; PG_CI_AS=(runuser -u postgres --)
  fi
  PG_CI_BIN="$bin"
  local port=$((20000 + RANDOM % 20000))
  "${PG_CI_AS[@]}" "$bin/initdb" -D "$PG_CI_DIR/data" -U postgres -A trust >"$PG_CI_DIR/initdb.log" 2>&1
  "${PG_CI_AS[@]}" "$bin/pg_ctl" -D "$PG_CI_DIR/data" -l "$PG_CI_DIR/server.log" -w \
    -o "-p $port -k $PG_CI_DIR -c listen_addresses=''" start >/dev/null
  trap stop_postgres EXIT
  "${PG_CI_AS[@]}" "$bin/createdb" -h "$PG_CI_DIR" -p "$port" -U postgres repairdesk_test
  export REPAIRDESK_TEST_PG="postgres://postgres@/repairdesk_test?host=$PG_CI_DIR&port=$port"
  echo "PostgreSQL for the tests: $("$bin/postgres" --version), port $port"
}

stop_postgres() {
  if [ -n "${PG_CI_DIR:-}" ]; then
    "${PG_CI_AS[@]}" "$PG_CI_BIN/pg_ctl" -D "$PG_CI_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_CI_DIR"
  fi
}
