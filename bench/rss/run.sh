#!/usr/bin/env bash
# Idle memory of `commune serve` with many persons, against the same server with one person.
#
#   bench/rss/run.sh [PERSONS]          # default 10000
#
# Environment: PARALLEL (2; `user add` processes at a time), IDLE_WAIT (5; seconds between the
#   last request and the reading), BUILD_DIR (/tmp/benchbuild; configured Release and built if
#   needed), COMMUNE (a commune binary to use instead of building one), DATA (a data dir to reuse
#   when it already holds PERSONS persons: provisioning is skipped), KEEP=1 (keep the temp dir).
#
# 1. Provisions PERSONS persons (p000001, p000002, ...) with `commune user add` under
#    COMMUNE_PWHASH_COST=min, PARALLEL at a time (xargs -P), and times it. Each person gets its
#    own SQLite store file under DATA/persons/.
# 2. For the 1-person data dir and the PERSONS one: starts `commune serve` (default threads,
#    access log on, stderr to a file), waits 2 s, GETs /api/v1/health 5 times, logs in as three
#    persons (first, middle, last), each creates a record and reads it and its collection back,
#    waits IDLE_WAIT s, then reads VmRSS (and VmHWM, threads, open fds) from /proc/PID/status.
# Everything binds to 127.0.0.1; every process started here is stopped on exit.
set -euo pipefail

PERSONS=${1:-${PERSONS:-10000}}
PARALLEL=${PARALLEL:-2}
IDLE_WAIT=${IDLE_WAIT:-5}
BUILD_DIR=${BUILD_DIR:-/tmp/benchbuild}
PASSWORD='bench password 0123456789'
TARGET_MB=40

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
for tool in curl jq cmake awk xargs; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ $PERSONS =~ ^[0-9]+$ && $PERSONS -ge 3 ]] || { echo "usage: $0 [PERSONS>=3]" >&2; exit 2; }

# ---------------------------------------------------------------- build
source_of="the source tree at $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"
if [[ -n ${COMMUNE:-} ]]; then
    source_of="a binary given by COMMUNE, not built here"
else
    # -Wno-error=maybe-uninitialized: GCC 12 at -O3 reports false positives in
    # src/api/api_records.c (`d` set by doctype_of()); -Werror would stop the Release build.
    echo "== building (Release) in $BUILD_DIR"
    cmake -S "$repo" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
        -DCMAKE_C_FLAGS=-Wno-error=maybe-uninitialized >"$BUILD_DIR.configure.log" 2>&1 ||
        { cat "$BUILD_DIR.configure.log" >&2; exit 1; }
    cmake --build "$BUILD_DIR" -j"$(nproc)" >"$BUILD_DIR.build.log" 2>&1 ||
        { tail -40 "$BUILD_DIR.build.log" >&2; exit 1; }
    COMMUNE=$BUILD_DIR/commune
fi
[[ -x $COMMUNE ]] || { echo "no commune binary at $COMMUNE" >&2; exit 1; }
export COMMUNE

tmp=$(mktemp -d /tmp/commune-rss-bench.XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    if [[ ${KEEP:-0} == 1 ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "run.sh: command failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

handle() { printf 'p%06d' "$1"; }
count_stores() { find "$1/persons" -name '*.db' -type f 2>/dev/null | wc -l; }

# ---------------------------------------------------------------- provisioning
provision() { # dir n -> prints the seconds it took
    local dir=$1 n=$2 t0 t1
    t0=$(date +%s%N)
    # The first person alone: it creates the data dir, its key and the platform store.
    echo "$PASSWORD" | COMMUNE_PWHASH_COST=min "$COMMUNE" user add "$(handle 1)" --data "$dir" >/dev/null
    if ((n > 1)); then
        seq 2 "$n" | COMMUNE_PWHASH_COST=min PASSWORD=$PASSWORD DIR=$dir xargs -P "$PARALLEL" -n 50 \
            sh -c 'for i; do printf "%s\n" "$PASSWORD" |
                   "$COMMUNE" user add "$(printf p%06d "$i")" --data "$DIR" >/dev/null || exit 255; done' sh
    fi
    t1=$(date +%s%N)
    awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e9 }'
}

one=$tmp/data-1
echo "== provisioning 1 person"
provision "$one" 1 >/dev/null
if [[ -n ${DATA:-} && -d ${DATA:-/nonexistent}/persons && $(count_stores "${DATA:-}") == "$PERSONS" ]]; then
    many=$DATA
    prov_s="(reused $DATA)"
    echo "== reusing $DATA ($PERSONS persons)"
else
    many=${DATA:-$tmp/data-$PERSONS}
    echo "== provisioning $PERSONS persons (COMMUNE_PWHASH_COST=min, $PARALLEL in parallel)"
    prov_s=$(provision "$many" "$PERSONS")
    echo "   took ${prov_s} s ($(awk -v s="$prov_s" -v n="$PERSONS" 'BEGIN { printf "%.1f", n / s }') persons/s)"
    prov_s="$prov_s s"
fi
stores=$(count_stores "$many")
[[ $stores == "$PERSONS" ]] || { echo "expected $PERSONS person store files, found $stores" >&2; exit 1; }
du_many=$(du -sh "$many" | cut -f1)
echo "   $stores person store files, data dir $du_many"

# ---------------------------------------------------------------- measurement
declare -A rss hwm threads fds startup errors
measure() { # label dir persons
    local label=$1 dir=$2 n=$3 out="$tmp/$1.out" err="$tmp/$1.err" line='' pid t0 t1 u h i code csrf id
    t0=$(date +%s%N)
    "$COMMUNE" serve --data "$dir" --listen 127.0.0.1:0 >"$out" 2>"$err" &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 600); do
        line=$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$out" 2>/dev/null || true)
        [[ -n $line ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    t1=$(date +%s%N)
    [[ -n $line ]] || { echo "$label: server did not start:" >&2; cat "$out" "$err" >&2; exit 1; }
    startup[$label]=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }')
    u=${line#listening on }
    sleep 2
    for _ in 1 2 3 4 5; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "$u/api/v1/health")
        [[ $code == 200 ]] || { echo "$label: /api/v1/health gave $code" >&2; exit 1; }
    done
    for i in $(printf '%s\n' 1 $(((n + 1) / 2)) "$n" | sort -un); do
        h=$(handle "$i")
        csrf=$(curl -sf -c "$tmp/$label.jar" -H 'Content-Type: application/json' \
            -d "{\"handle\":\"$h\",\"password\":\"$PASSWORD\"}" "$u/api/v1/auth/login" | jq -r .csrf)
        [[ -n $csrf && $csrf != null ]] || { echo "$label: login as $h failed" >&2; exit 1; }
        id=$(curl -sf -b "$tmp/$label.jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
            -d '{"date":"2024-03-01","amount":-12.5,"currency":"EUR","label":"Boulangerie","category":"food"}' \
            "$u/api/v1/records/bank.transaction" | jq -r .id)
        [[ -n $id && $id != null ]] || { echo "$label: $h could not create a record" >&2; exit 1; }
        for path in "/api/v1/records/bank.transaction/$id" /api/v1/records/bank.transaction; do
            code=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/$label.jar" "$u$path")
            [[ $code == 200 ]] || { echo "$label: $h GET $path gave $code" >&2; exit 1; }
        done
    done
    sleep "$IDLE_WAIT"
    rss[$label]=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status")
    hwm[$label]=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$pid/status")
    threads[$label]=$(awk '$1 == "Threads:" { print $2 }' "/proc/$pid/status")
    fds[$label]=$(find "/proc/$pid/fd" -mindepth 1 | wc -l)
    errors[$label]=$(grep -v '"type":"access"' "$err" | grep -vc '"level":"info"' || true)
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
}

echo "== measuring (default --threads = $(nproc) CPUs, access log on, idle ${IDLE_WAIT}s after the last request)"
measure "1 person" "$one" 1
measure "$PERSONS persons" "$many" "$PERSONS"

mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo
echo "| data dir | idle VmRSS | VmHWM | threads | open fds | startup to listening | stderr lines not access/info |"
echo "|---|---|---|---|---|---|---|"
for label in "1 person" "$PERSONS persons"; do
    printf '| %s | %s MB | %s MB | %s | %s | %s s | %s |\n' "$label" "$(mb "${rss[$label]}")" \
        "$(mb "${hwm[$label]}")" "${threads[$label]}" "${fds[$label]}" "${startup[$label]}" "${errors[$label]}"
done
echo
echo "provisioning $PERSONS persons: $prov_s (COMMUNE_PWHASH_COST=min, xargs -P$PARALLEL); data dir $du_many"
many_mb=$(mb "${rss[$PERSONS persons]}")
echo "target idle RSS < $TARGET_MB MB with $PERSONS persons: $many_mb MB -> $(awk -v a="$many_mb" -v b=$TARGET_MB 'BEGIN { print (a < b) ? "met" : "NOT met" }')"
for label in "1 person" "$PERSONS persons"; do
    if [[ ${errors[$label]} != 0 ]]; then
        echo "stderr of the $label server (lines that are neither access log nor level info):"
        grep -v '"type":"access"' "$tmp/$label.err" | grep -v '"level":"info"' | sort | uniq -c | sed 's/^/    /'
    fi
done
echo "source: $source_of ($COMMUNE)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), $(awk '/MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo)"
