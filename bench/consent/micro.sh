#!/usr/bin/env bash
# The in-process part of issue 6's bench/consent: what the grant check of one request costs
# (target < 2 us median), beside baselines measured in the same process (see grant_bench.c).
#
#   bench/consent/micro.sh [ROUNDS [BATCHES]]       # default 5 400
#
# 1. Configures BUILD_DIR (build-bench-consent) with -DCMAKE_BUILD_TYPE=Release
#    -DBUILD_TESTING=OFF -DCMAKE_C_FLAGS=-Wno-error=maybe-uninitialized and builds commune_lib,
#    then grant_bench (bench/consent/Makefile: cc -O2 against libcommune_lib.a).
# 2. Waits until the machine is quiet (< QUIET_PCT % of a CPU busy, at most QUIET_WAIT s) and runs
#    grant_bench on CPU BENCH_CPU (taskset) at nice NICE (root only), in a temporary data dir.
# 3. Measures the CPU that anything else used during the run ("other load"); a run with
#    >= DISTURB_PCT % is redone, twice at most. Takes about 5 s per run.
#
# Environment: BUILD_DIR, CC (gcc), BENCH_CPU (0), QUIET_PCT (10), QUIET_WAIT (300),
#   DISTURB_PCT (20), NICE (-10), KEEP=1 (keep the data dir).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$repo/build-bench-consent}
BENCH_CPU=${BENCH_CPU:-0}
QUIET_PCT=${QUIET_PCT:-10}
QUIET_WAIT=${QUIET_WAIT:-300}
DISTURB_PCT=${DISTURB_PCT:-20}
NICE=${NICE:--10}
for tool in cmake make pkg-config taskset awk; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "missing /usr/bin/time (Debian package time)" >&2; exit 1; }

# ---------------------------------------------------------------- build
# the source measured: the commit and the files changed under src/ when the build starts
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
changed=$(git -C "$repo" status --porcelain -- src bench/consent 2>/dev/null | awk '{ print $2 }' | tr '\n' ' ' || true)
[[ -n $changed ]] && commit="$commit + uncommitted: ${changed% }"
mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
echo "== building commune_lib (Release) and grant_bench in $BUILD_DIR" >&2
# -Wno-error=maybe-uninitialized: as bench/http/run.sh (GCC 12 false positives at -O3)
cmake -S "$repo" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    -DCMAKE_C_FLAGS=-Wno-error=maybe-uninitialized >"$BUILD_DIR/consent-configure.log" 2>&1 ||
    { cat "$BUILD_DIR/consent-configure.log" >&2; exit 1; }
cmake --build "$BUILD_DIR" -j2 --target commune_lib >"$BUILD_DIR/consent-build.log" 2>&1 ||
    { tail -40 "$BUILD_DIR/consent-build.log" >&2; exit 1; }
make -s -C "$here" BUILD_DIR="$BUILD_DIR" "$BUILD_DIR/grant_bench" >&2

nice=()
if [[ $(id -u) == 0 && $NICE != 0 ]]; then nice=(nice -n "$NICE"); fi
tmp=$(mktemp -d /tmp/commune-consent-micro.XXXXXX)
cleanup() { if [[ ${KEEP:-0} == 1 ]]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

# ---------------------------------------------------------------- noise control (as bench/http)
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
echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r)," \
    "$(${CC:-gcc} --version | head -1); library Release, grant_bench -O2; source when the build started: $commit"
for attempt in 1 2 3; do
    rm -rf "$tmp/data" "$tmp/out"
    wait_quiet
    a0=$(all_idle_ns)
    taskset -c "$BENCH_CPU" "${nice[@]}" /usr/bin/time -f 'SELFCPU %U %S' -o "$tmp/time" \
        "$BUILD_DIR/grant_bench" "$tmp/data" "$@" >"$tmp/out"
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
echo "run: ${wall} s on CPU $BENCH_CPU, grant_bench used ${self} s of CPU; other load during the run: ${foreign} % of a CPU"
echo "command: taskset -c $BENCH_CPU ${nice[*]} $BUILD_DIR/grant_bench DATA_DIR $*"
