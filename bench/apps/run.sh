#!/usr/bin/env bash
# Issue 8's bench/apps: the per-run overhead of an app (a fresh state, an empty app; target
# < 1 ms) and My Smart Home over one household-year of 30-min data (target < 50 ms), each beside
# baselines measured in the same process (see bench_apps.c).
#
#   bench/apps/run.sh [RUNS [OVERHEAD_RUNS]]        # default 20 2000
#
# 1. Configures BUILD_DIR (build-bench-apps) with -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
#    -DCMAKE_C_FLAGS=-Wno-error=maybe-uninitialized (as bench/consent; no sanitizers) and builds
#    commune_lib, then compiles bench_apps.c and tests/support/fixture.c with $CC -O2 against
#    libcommune_lib.a.
# 2. Packs the app from its sources: APP (a directory), by default apps/smart-home.
# 3. Waits until the machine is quiet (< QUIET_PCT % of a CPU busy, at most QUIET_WAIT s), runs
#    bench_apps on CPU BENCH_CPU (taskset) at nice NICE (root only), and measures the CPU that
#    anything else used during the run ("other load"); a run with >= DISTURB_PCT % is redone,
#    twice at most. The run itself takes about 1 s.
#
# Environment: APP, BUILD_DIR, CC (gcc), BENCH_CPU (0), QUIET_PCT (10), QUIET_WAIT (300),
#   DISTURB_PCT (20), NICE (-10).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$repo/build-bench-apps}
CC=${CC:-gcc}
BENCH_CPU=${BENCH_CPU:-0}
QUIET_PCT=${QUIET_PCT:-10}
QUIET_WAIT=${QUIET_WAIT:-300}
DISTURB_PCT=${DISTURB_PCT:-20}
NICE=${NICE:--10}
RUNS=${1:-20}
OVERHEAD_RUNS=${2:-2000}
for tool in cmake pkg-config taskset awk git "$CC"; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "missing /usr/bin/time (Debian package time)" >&2; exit 1; }
[[ $RUNS =~ ^[0-9]+$ && $OVERHEAD_RUNS =~ ^[0-9]+$ ]] || { echo "usage: $0 [RUNS [OVERHEAD_RUNS]]" >&2; exit 2; }

# ---------------------------------------------------------------- the app
APP=$(cd "${APP:-$repo/apps/smart-home}" && pwd)

# ---------------------------------------------------------------- build
# the source measured: the commit and the files changed under src/ and apps/ when the build starts
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
changed=$(git -C "$repo" status --porcelain -- src apps doctypes bench/apps 2>/dev/null | awk '{ print $2 }' |
    tr '\n' ' ' || true)
[[ -n $changed ]] && commit="$commit + uncommitted: ${changed% }"
mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
echo "== building commune_lib (Release) and bench_apps in $BUILD_DIR" >&2
# -Wno-error=maybe-uninitialized: as bench/http/run.sh (GCC 12 false positives at -O3)
cmake -S "$repo" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    -DCMAKE_C_FLAGS=-Wno-error=maybe-uninitialized >"$BUILD_DIR/apps-configure.log" 2>&1 ||
    { cat "$BUILD_DIR/apps-configure.log" >&2; exit 1; }
cmake --build "$BUILD_DIR" -j2 --target commune_lib >"$BUILD_DIR/apps-build.log" 2>&1 ||
    { tail -40 "$BUILD_DIR/apps-build.log" >&2; exit 1; }
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
"$CC" -O2 -g -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Wshadow -Werror \
    -I"$repo/src" -I"$repo/tests/support" -I"$BUILD_DIR/gen" $(pkg-config --cflags lua5.4) \
    -o "$BUILD_DIR/bench_apps" "$here/bench_apps.c" "$repo/tests/support/fixture.c" \
    "$BUILD_DIR/libcommune_lib.a" $(pkg-config --libs libmicrohttpd jansson sqlite3 libsodium lua5.4) \
    -lpthread -lm

nice=()
if [[ $(id -u) == 0 && $NICE != 0 ]]; then nice=(nice -n "$NICE"); fi
tmp=$(mktemp -d /tmp/commune-apps-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------- noise control (as bench/consent/micro.sh)
clk_tck=$(getconf CLK_TCK)
all_idle_ns() { # -> "now_ns idle_ns": idle time summed over all CPUs
    local now idle
    now=$(date +%s%N)
    idle=$(awk -v hz="$clk_tck" '$1 == "cpu" { printf "%.0f", ($5 + $6) * 1e9 / hz }' /proc/stat)
    echo "$now $idle"
}
busy_pct() { # "now idle" "now idle" -> % of one CPU that was busy on the whole machine in between
    awk -v a="$1" -v b="$2" -v n="$(nproc)" 'BEGIN { split(a, x, " "); split(b, y, " ")
        w = y[1] - x[1]; printf "%.0f", (w > 0) ? 100 * (w * n - (y[2] - x[2])) / w : 0 }'
}
wait_quiet() {
    local waited=0 a b p
    while :; do
        a=$(all_idle_ns); sleep 1; b=$(all_idle_ns)
        p=$(busy_pct "$a" "$b")
        ((p < QUIET_PCT)) && return 0
        if ((waited >= QUIET_WAIT)); then
            echo "  (machine still ${p}% busy with other work after ${waited}s; measuring anyway)" >&2
            return 0
        fi
        ((waited == 0)) && echo "  (other work keeps the machine ${p}% busy; waiting for quiet...)" >&2
        waited=$((waited + 1))
    done
}

# ---------------------------------------------------------------- run
args=(--app "$APP" --runs "$RUNS" --overhead-runs "$OVERHEAD_RUNS")
echo "# bench/apps"
echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r)," \
    "$($CC --version | head -1), Lua $(pkg-config --modversion lua5.4); library Release, bench_apps -O2;" \
    "source when the build started: $commit"
for attempt in 1 2 3; do
    wait_quiet
    a0=$(all_idle_ns)
    TMPDIR=$tmp taskset -c "$BENCH_CPU" "${nice[@]}" /usr/bin/time -f 'SELFCPU %U %S' -o "$tmp/time" \
        "$BUILD_DIR/bench_apps" "${args[@]}" >"$tmp/out"
    a1=$(all_idle_ns)
    self=$(awk '/^SELFCPU/ { print $2 + $3 }' "$tmp/time")
    foreign=$(awk -v a="$a0" -v b="$a1" -v n="$(nproc)" -v s="$self" 'BEGIN { split(a, x, " "); split(b, y, " ")
        w = (y[1] - x[1]) / 1e9; f = w * n - (y[2] - x[2]) / 1e9 - s; printf "%.0f", (f > 0 ? f : 0) * 100 / w }')
    wall=$(awk -v a="$a0" -v b="$a1" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.1f", (y[1] - x[1]) / 1e9 }')
    ((foreign < DISTURB_PCT || attempt == 3)) && break
    echo "  (other jobs used ${foreign}% of a CPU during the run; measuring again)" >&2
done
cat "$tmp/out"
echo
echo "run: ${wall} s on CPU $BENCH_CPU, bench_apps used ${self} s of CPU; other load during the run: ${foreign} % of a CPU"
echo "command: TMPDIR=TMP taskset -c $BENCH_CPU ${nice[*]} $BUILD_DIR/bench_apps ${args[*]}"
