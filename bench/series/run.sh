#!/usr/bin/env bash
# The time-series benchmark of issue 3: bytes per point, ingest and scan rates of commune's
# series beside SQLite one row per point and a plain C loop (see bench/series/series_bench.c).
#
#   bench/series/run.sh [HOUSEHOLDS [STORED [ROUNDS]]]     # default 10000 200 5
#
# 1. Configures BUILD_DIR (build-bench) with -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF and
#    builds the commune_lib target only. Should Release stop on a -Werror warning (GCC at -O3
#    sees things -O2 does not), it says so and builds RelWithDebInfo instead.
# 2. Compiles series_bench.c with $CC -O2 against BUILD_DIR/libcommune_lib.a and the pkg-config
#    libraries (libmicrohttpd jansson sqlite3 libsodium), -lpthread -lm.
# 3. Prints the machine, the commit and the load, and runs it: one process, single-threaded.
#    Progress goes to stderr, the report to stdout. With the defaults it takes about 30 s on
#    2 vCPUs, peaks at about 1.1 GB of memory and writes up to about 200 MB under /tmp (removed
#    at the end; SERIES_BENCH_KEEP=1 keeps it).
#
# Environment: BUILD_DIR (build-bench, relative to the top of the tree), CC (gcc).
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

echo "== compiling bench/series/series_bench.c" >&2
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
"$CC" -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Wshadow \
    -Isrc -I"$BUILD_DIR/gen" -o "$BUILD_DIR/series_bench" bench/series/series_bench.c \
    "$BUILD_DIR/libcommune_lib.a" $(pkg-config --libs libmicrohttpd jansson sqlite3 libsodium) \
    -lpthread -lm

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
changed=$(git status --porcelain -- src 2>/dev/null | awk '{print $2}' | tr '\n' ' ')
[[ -n $changed ]] && commit="$commit + uncommitted: ${changed% }"
echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
    "$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)," \
    "$($CC --version | head -1), library $build_type, bench -O2; commit $commit"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BUILD_DIR/series_bench" "$@"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
