#!/usr/bin/env bash
# The campaign benchmark of issue 10: campaign_run over N households x one year of 30-minute
# load curve, profiled by district x hour of day, beside SQLite and PostgreSQL computing the same
# aggregate on one row per point (see bench/campaign/campaign_bench.c).
#
#   bench/campaign/run.sh [HOUSEHOLDS [ROUNDS]]     # default 10000 3; run.sh 500 is a quick check
#
# 1. Configures BUILD_DIR (build-bench-campaign) with -DCMAKE_BUILD_TYPE=Release
#    -DBUILD_TESTING=OFF and builds the commune_lib target only. Should Release stop on a -Werror
#    warning, it says so and builds RelWithDebInfo instead.
# 2. Compiles campaign_bench.c and bench/common/pg.c with $CC -O2 against
#    BUILD_DIR/libcommune_lib.a and the pkg-config libraries (libmicrohttpd jansson sqlite3
#    libsodium libpq), -lpthread -lm.
# 3. Starts a throw-away PostgreSQL cluster on a free loopback port (scripts/pg-temp, under
#    /tmp, stopped and removed on exit): wal_level=minimal so that the COPY into tables created
#    in the same transaction writes no WAL, shared_buffers and work_mem 256 MB as SQLite's cache,
#    autovacuum off (the tables never change after their VACUUM).
# 4. Prints the machine, the commit and the load, and runs it. Setup (persons, profiles, series,
#    the campaign, the joins, the SQLite file, the PostgreSQL tables) runs on 2 threads, the
#    baselines on one; then ROUNDS rounds of a commune child, a SQLite child and a PostgreSQL
#    child, each a fresh process; then an untimed check that commune's exact contributions equal
#    SQLite's and PostgreSQL's tables. Progress goes to stderr, the report to stdout.
#    With 10,000 households: about 20 minutes, 3.1 GB of person stores, 3.3 GB of SQLite file
#    and 7.7 GB of PostgreSQL table under /tmp, removed at the end (CAMPAIGN_BENCH_KEEP=1 keeps
#    the first two; the cluster always goes).
#
# Environment: BUILD_DIR (build-bench-campaign, relative to the top of the tree), CC (gcc),
# CAMPAIGN_BENCH_KEEP=1 (keep the data dir), CAMPAIGN_BENCH_DATA=DIR (reuse a kept data dir:
# no setup), CAMPAIGN_BENCH_SQLITE=0 (no SQLite baseline), CAMPAIGN_BENCH_POSTGRES=0 (no
# PostgreSQL baseline), CAMPAIGN_BENCH_COMMUNE_PG=0 (no run of commune on a PostgreSQL store),
# CAMPAIGN_BENCH_THREADS (campaign_run threads, 2).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
BUILD_DIR=${BUILD_DIR:-build-bench-campaign}
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
pg_version=
if [[ ${CAMPAIGN_BENCH_POSTGRES:-1} != 0 ]]; then
    pg_deps server
    pg_start "wal_level = minimal
max_wal_senders = 0
shared_buffers = 256MB
work_mem = 256MB
autovacuum = off"
    export CAMPAIGN_BENCH_PG=$PG_CONNINFO CAMPAIGN_BENCH_PGDATA=$PG_DATA
    if [[ ${CAMPAIGN_BENCH_COMMUNE_PG:-1} != 0 ]]; then
        # commune's own store on the same cluster (issue 14), beside its SQLite stores
        port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$PG_CONNINFO")
        export CAMPAIGN_BENCH_STORE_PG="postgresql://commune@127.0.0.1:$port"
    fi
    pg_version=", PostgreSQL $PG_VERSION"
else
    pg_deps # linked in either way
fi

echo "== compiling bench/campaign/campaign_bench.c" >&2
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
"$CC" -O2 -g -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Wshadow \
    -Isrc -I"$BUILD_DIR/gen" $(pkg-config --cflags libpq) -o "$BUILD_DIR/campaign_bench" \
    bench/campaign/campaign_bench.c bench/common/pg.c "$BUILD_DIR/libcommune_lib.a" \
    $(pkg-config --libs libmicrohttpd jansson sqlite3 libsodium libpq) -lpthread -lm

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
changed=$(git status --porcelain -- src 2>/dev/null | awk '{print $2}' | tr '\n' ' ')
[[ -n $changed ]] && commit="$commit + uncommitted: ${changed% }"
echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
    "$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)," \
    "$($CC --version | head -1), SQLite $(pkg-config --modversion sqlite3)$pg_version, library $build_type," \
    "bench -O2; commit $commit"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
export COMMUNE_PWHASH_COST=min
start=$(date +%s)
"$BUILD_DIR/campaign_bench" "$@"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg); $(($(date +%s) - start)) s in all"
