#!/usr/bin/env bash
# The time-series benchmark of issue 3: bytes per point, ingest and scan rates of commune's
# series beside SQLite and PostgreSQL one row per point and a plain C loop (see
# bench/series/series_bench.c).
#
#   bench/series/run.sh [HOUSEHOLDS [STORED [ROUNDS]]]     # default 10000 200 5; 1000 50 3 is quick
#
# 1. Configures BUILD_DIR (build-bench) with -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF and
#    builds the commune_lib target only. Should Release stop on a -Werror warning (GCC at -O3
#    sees things -O2 does not), it says so and builds RelWithDebInfo instead.
# 2. Compiles series_bench.c and bench/common/pg.c with $CC -O2 against
#    BUILD_DIR/libcommune_lib.a and the pkg-config libraries (libmicrohttpd jansson sqlite3
#    libsodium libpq), -lpthread -lm. Without a PostgreSQL server or libpq's headers it runs
#    scripts/install-deps bench first.
# 3. Starts a throw-away PostgreSQL cluster on a free loopback port (scripts/pg-temp, in a
#    directory under /tmp, stopped and removed on exit, failures included), for the baseline
#    of the STORED households one row per point: wal_level=minimal so that the COPY into a
#    table created in the same transaction writes no WAL (PostgreSQL's bulk load),
#    shared_buffers 1 GB as SQLite's cache in this benchmark, work_mem and maintenance_work_mem
#    256 MB, no parallel workers (the benchmark is single-threaded).
# 4. Prints the machine, the commit and the load, and runs it: one process, single-threaded
#    (PostgreSQL's backend beside it: its COPY parses while this process formats rows).
#    Progress goes to stderr, the report to stdout. With the defaults it takes about 40 s on
#    2 vCPUs, peaks at about 1.1 GB of memory plus about 0.5 GB for PostgreSQL (the primary
#    key's sort, then the table in shared_buffers), and writes up to about 200 MB under /tmp
#    for the person stores and SQLite (removed at the end; SERIES_BENCH_KEEP=1 keeps it) and
#    about 350 MB for the cluster (always removed).
#
# Environment: BUILD_DIR (build-bench, relative to the top of the tree), CC (gcc),
# SERIES_BENCH_POSTGRES=0 (no PostgreSQL baseline, no cluster), SERIES_BENCH_KEEP=1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
BUILD_DIR=${BUILD_DIR:-build-bench}
CC=${CC:-gcc}
for tool in cmake pkg-config "$CC"; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

build_lib() {
    mkdir -p "$BUILD_DIR"
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$1" -DBUILD_TESTING=OFF \
        >"$BUILD_DIR/bench-configure.log" 2>&1 &&
        cmake --build "$BUILD_DIR" -j2 --target commune_lib >"$BUILD_DIR/bench-build.log" 2>&1
}

echo "== building commune_lib (Release) in $BUILD_DIR" >&2
build_type=Release
if ! build_lib Release; then
    echo "!! the Release build failed (see below); building RelWithDebInfo instead" >&2
    grep -m5 -E 'error|Error' "$BUILD_DIR/bench-build.log" "$BUILD_DIR/bench-configure.log" >&2 || true
    build_type=RelWithDebInfo
    build_lib RelWithDebInfo || { tail -40 "$BUILD_DIR/bench-build.log" >&2; exit 1; }
fi

# shellcheck source=bench/common/pg.sh
. bench/common/pg.sh
with_pg=${SERIES_BENCH_POSTGRES:-1}
# libpq is linked in either way; the server is only needed for the baseline
if [[ $with_pg != 0 ]]; then pg_deps server; else pg_deps; fi

echo "== compiling bench/series/series_bench.c" >&2
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
"$CC" -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Wshadow \
    -Isrc -I"$BUILD_DIR/gen" $(pkg-config --cflags libpq) -o "$BUILD_DIR/series_bench" \
    bench/series/series_bench.c bench/common/pg.c "$BUILD_DIR/libcommune_lib.a" \
    $(pkg-config --libs libmicrohttpd jansson sqlite3 libsodium libpq) -lpthread -lm

pg_version="PostgreSQL not run (SERIES_BENCH_POSTGRES=0)"
if [[ $with_pg != 0 ]]; then
    # wal_level minimal (which needs max_wal_senders 0): a table created in the transaction of
    # its COPY is synced at COMMIT rather than written to the WAL. shared_buffers as SQLite's
    # 1 GB cache here; maintenance_work_mem as work_mem, so that the primary key, made after
    # the COPY, is sorted in memory. No parallel workers, for queries or for the key: the
    # benchmark is single-threaded, the scans (and every other baseline) on one core.
    pg_start "wal_level = minimal
max_wal_senders = 0
shared_buffers = 1GB
work_mem = 256MB
maintenance_work_mem = 256MB
max_parallel_workers_per_gather = 0
max_parallel_maintenance_workers = 0"
    export SERIES_BENCH_PG=$PG_CONNINFO SERIES_BENCH_PGDATA=$PG_DATA
    pg_version="PostgreSQL $PG_VERSION"
else
    unset SERIES_BENCH_PG SERIES_BENCH_PGDATA
fi

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
changed=$(git status --porcelain -- src 2>/dev/null | awk '{print $2}' | tr '\n' ' ')
[[ -n $changed ]] && commit="$commit + uncommitted: ${changed% }"
echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
    "$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)," \
    "$($CC --version | head -1), SQLite $(pkg-config --modversion sqlite3), $pg_version," \
    "library $build_type, bench -O2; commit $commit"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD_DIR/series_bench" "$@"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
