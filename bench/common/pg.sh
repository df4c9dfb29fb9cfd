# pg.sh - sourced by the benchmarks' run.sh (bash) for their PostgreSQL
# baselines: what is missing installed, then a throw-away cluster.
#
#   pg_deps [server]   libpq (and with "server" the PostgreSQL server) installed,
#                      by scripts/install-deps bench when missing
#   pg_start CONF      a cluster of scripts/pg-temp with CONF's postgresql.conf
#                      lines, stopped and removed when the script exits; sets
#                      PG_CONNINFO, PG_DATA (its data directory) and PG_VERSION

pg_deps() {
    if ! pkg-config --exists libpq ||
        { [[ ${1:-} == server ]] && ! compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; }; then
        echo "== installing PostgreSQL and libpq (scripts/install-deps bench)" >&2
        scripts/install-deps bench
    fi
}

pg_start() {
    echo "== starting a throw-away PostgreSQL cluster" >&2
    # the postgres user runs the server (when this runs as root) and must reach the directory
    pg_dir=$(mktemp -d /tmp/commune-bench-pg-XXXXXX)
    chmod 755 "$pg_dir"
    trap 'scripts/pg-temp stop "$pg_dir/pg" 2>/dev/null; rm -rf "$pg_dir"' EXIT
    PG_CONNINFO=$(PG_TEMP_CONF="$1" scripts/pg-temp start "$pg_dir/pg")
    PG_DATA=$pg_dir/pg/data
    PG_VERSION=$(psql "$PG_CONNINFO" -Atc 'SHOW server_version')
}
