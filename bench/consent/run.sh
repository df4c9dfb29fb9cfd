#!/usr/bin/env bash
# Issue 6's HTTP benchmark: record reads by a service under its grant (OAuth access token) against
# the same reads by the person (session cookie), on one commune on one core. Target: service
# reads/s at least 0.8 times session reads/s.
#
#   bench/consent/run.sh [DURATION_S]          # default 10 (seconds per wrk run)
#
# Environment: ROUNDS (3), CONNS (64), SERVER_CPU (0), CLIENT_CPU (1), QUIET_PCT (10), QUIET_WAIT (300),
#   DISTURB_PCT (20), NICE (-10), BUILD_DIR (build-bench-consent; configured Release and built),
#   COMMUNE (a commune binary to use instead of BUILD_DIR/commune; grant_setup is still built in
#   BUILD_DIR), KEEP=1 (keep the temp dir, profiles included),
#   PERF (seconds; 0): after the rounds, profile the server during each kind of read and split its
#     CPU into the steps of a read and into system calls (perf_split.awk), PERF_CALLGRAPH
#     (dwarf,65528: smaller stack copies cut SQLite's deep stacks short),
#   STRACE (seconds; 0): then count the server's system calls per request (strace -c -f).
#
# The approach and the noise control are bench/http/run.sh's (read it), for one server:
#   - a data dir with one person (`commune user add alice`), then, before the server starts,
#     grant_setup (grant_setup.c, in-process like tests/api/test_grants.c) adds the organisation
#     "Bench Budget", its service "Budget", alice's grant to it (BENCH_GRANT_TERMS of world.h:
#     bank.transaction among four doctypes, six fields, the data of 2024, read) and an access
#     token bound to the grant;
#   - `commune serve --threads 1` pinned to SERVER_CPU, access log on (stderr to a file);
#   - alice logs in and creates one bank.transaction of 2024-03-01 through the API. Checks: GET
#     with the cookie and with the token answer 200, the service sees only the grant's fields,
#     a doctype outside the grant answers 403 to the token, no credentials answer 401;
#   - wrk on CLIENT_CPU, `wrk -t1 -c64 -dDURATION --latency -s bench/http/count.lua -H AUTH
#     URL/api/v1/records/bank.transaction/ID`, with AUTH the cookie ("session") or
#     "Authorization: Bearer cat_..." ("service"), in ROUNDS interleaved rounds after a 2 s
#     warm-up of each. Any non-2xx response or socket error makes the script exit 1 after the
#     table;
#   - server CPU per request: utime+stime of the process (/proc/PID/stat) and busy time of
#     SERVER_CPU (/proc/stat), over the responses;
#   - at the end, the grant's use count (GET /api/v1/consents, which first waits for the reads
#     the server has yet to write) must equal the service reads served, give or take the requests
#     in flight when wrk stopped: every read was counted.
# Every process started here is stopped on exit.
set -euo pipefail

DURATION=${1:-${DURATION_S:-10}}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PASSWORD='bench password 0123456789'
QUIET_PCT=${QUIET_PCT:-10}
QUIET_WAIT=${QUIET_WAIT:-300}
DISTURB_PCT=${DISTURB_PCT:-20}
NICE=${NICE:--10}
PERF=${PERF:-0}
PERF_CALLGRAPH=${PERF_CALLGRAPH:-dwarf,65528}
STRACE=${STRACE:-0}
TARGET_RATIO=0.8

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$repo/build-bench-consent}
count_lua=$repo/bench/http/count.lua
for tool in wrk taskset curl jq cmake make pkg-config awk; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "missing /usr/bin/time (Debian package time)" >&2; exit 1; }
[[ $PERF == 0 ]] || command -v perf >/dev/null || { echo "missing tool: perf" >&2; exit 1; }
[[ $STRACE == 0 ]] || command -v strace >/dev/null || { echo "missing tool: strace" >&2; exit 1; }
[[ $DURATION =~ ^[0-9]+$ && $PERF =~ ^[0-9]+$ && $STRACE =~ ^[0-9]+$ ]] || { echo "usage: $0 [DURATION_S]" >&2; exit 2; }

# ---------------------------------------------------------------- build
# the source measured: the commit and the files changed under src/ when the build starts
src_rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
changed=$(git -C "$repo" status --porcelain -- src bench/consent 2>/dev/null | awk '{ print $2 }' | tr '\n' ' ' || true)
[[ -n $changed ]] && src_rev="$src_rev + uncommitted: ${changed% }"
mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
echo "== building (Release) in $BUILD_DIR"
# -Wno-error=maybe-uninitialized: as bench/http/run.sh (GCC 12 false positives at -O3)
cmake -S "$repo" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    -DCMAKE_C_FLAGS=-Wno-error=maybe-uninitialized >"$BUILD_DIR/consent-configure.log" 2>&1 ||
    { cat "$BUILD_DIR/consent-configure.log" >&2; exit 1; }
cmake --build "$BUILD_DIR" -j2 >"$BUILD_DIR/consent-build.log" 2>&1 ||
    { tail -40 "$BUILD_DIR/consent-build.log" >&2; exit 1; }
make -s -C "$here" BUILD_DIR="$BUILD_DIR" "$BUILD_DIR/grant_setup"
[[ -n ${COMMUNE:-} ]] && COMMUNE_GIVEN=1
COMMUNE=${COMMUNE:-$BUILD_DIR/commune}
[[ -x $COMMUNE ]] || { echo "no commune binary at $COMMUNE" >&2; exit 1; }

nice=()
if [[ $(id -u) == 0 && $NICE != 0 ]]; then nice=(nice -n "$NICE"); fi

tmp=$(mktemp -d /tmp/commune-consent-bench.XXXXXX)
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

# ---------------------------------------------------------------- the data and the server
data=$tmp/data
echo "$PASSWORD" | "$COMMUNE" user add alice --data "$data" >/dev/null
setup=$("$BUILD_DIR/grant_setup" "$data" alice 86400)
grant=$(sed -n 's/.*grant=\([0-9a-f]*\).*/\1/p' <<<"$setup")
bearer=$(sed -n 's/.*token=\(cat_[A-Za-z0-9_-]*\).*/\1/p' <<<"$setup")
[[ -n $grant && -n $bearer ]] || { echo "grant_setup said: $setup" >&2; exit 1; }

taskset -c "$SERVER_CPU" "${nice[@]}" "$COMMUNE" serve --data "$data" --listen 127.0.0.1:0 --threads 1 \
    >"$tmp/server.out" 2>"$tmp/server.err" &
pids+=($!)
spid=$!
line=''
for _ in $(seq 100); do
    line=$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$tmp/server.out" 2>/dev/null || true)
    [[ -n $line ]] && break
    kill -0 "$spid" 2>/dev/null || break
    sleep 0.05
done
[[ -n $line ]] || { echo "commune did not start:" >&2; cat "$tmp/server.out" "$tmp/server.err" >&2; exit 1; }
u=${line#listening on }

csrf=$(curl -sf -c "$tmp/jar" -H 'Content-Type: application/json' \
    -d "{\"handle\":\"alice\",\"password\":\"$PASSWORD\"}" "$u/api/v1/auth/login" | jq -r .csrf)
cookie=$(awk '$6 == "commune_session" { print $7 }' "$tmp/jar")
[[ -n $cookie && $csrf != null ]] || { echo "login failed" >&2; exit 1; }
id=$(curl -sf -b "$tmp/jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
    -d '{"date":"2024-03-01","amount":-12.5,"currency":"EUR","label":"Boulangerie","category":"food","account":"FR76-BENCH"}' \
    "$u/api/v1/records/bank.transaction" | jq -r .id)
[[ -n $id && $id != null ]] || { echo "record creation failed" >&2; exit 1; }
rpath=/api/v1/records/bank.transaction/$id

declare -A auth
auth[session]="Cookie: commune_session=$cookie"
auth[service]="Authorization: Bearer $bearer"
names=(session service)
setup_reads=0 # service reads served before the measurement (checked against the use count)
for n in "${names[@]}"; do
    code=$(curl -s -o "$tmp/$n.body" -w '%{http_code}' -H "${auth[$n]}" "$u$rpath")
    [[ $code == 200 ]] || { echo "$n: GET record gave $code: $(cat "$tmp/$n.body")" >&2; exit 1; }
done
setup_reads=$((setup_reads + 1))
# the service sees the grant's fields only (account is outside them)
keys=$(jq -c '.data | keys' "$tmp/service.body")
[[ $keys == '["amount","category","currency","date","label"]' ]] ||
    { echo "service: unexpected fields $keys: $(cat "$tmp/service.body")" >&2; exit 1; }
[[ $(jq -r .data.account "$tmp/session.body") == FR76-BENCH ]] ||
    { echo "session: the record lacks its account: $(cat "$tmp/session.body")" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H "${auth[service]}" "$u/api/v1/records/mobility.trip")
[[ $code == 403 ]] || { echo "service: GET outside the grant gave $code, want 403" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "$u$rpath")
[[ $code == 401 ]] || { echo "GET without credentials gave $code, want 401" >&2; exit 1; }

# ---------------------------------------------------------------- measurement helpers (as bench/http)
clk_tck=$(getconf CLK_TCK)
cpu_ticks() { # -> utime+stime of the server (all its threads)
    local f
    f=$(sed 's/^.*) //' "/proc/$spid/stat")
    set -- $f
    echo $((${12} + ${13}))
}
cpu_idle_ns() { # cpu -> "now_ns idle_ns" for that CPU (busy = wall - idle; see bench/http/run.sh)
    local now idle
    now=$(date +%s%N)
    idle=$(awk -v c="cpu$1" -v hz="$clk_tck" '$1 == c { printf "%.0f", ($5 + $6) * 1e9 / hz }' /proc/stat)
    echo "$now $idle"
}
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
wait_quiet() { # waits (up to QUIET_WAIT s) until the machine, server idle, is < QUIET_PCT % busy
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
alive() { kill -0 "$spid" 2>/dev/null || { echo "commune (pid $spid) died" >&2; exit 1; }; }
wrk_args() { # name -> sets the array args
    args=(-t1 "-c$CONNS" --latency -s "$count_lua" -H "${auth[$1]}")
}

results=$tmp/results.tsv
: >"$results"
failed=0
served_service=0 # service responses wrk received during warm-up, rounds and profiles
service_runs=0   # wrk runs of the service: each may leave up to CONNS requests in flight at its end
run_wrk() { # name round
    local n=$1 round=$2 c0 c1 b0 b1 a0 a1 out res cpu_us core_us foreign wrk_cpu attempt
    local -a args
    wrk_args "$n"
    # A run disturbed by other jobs (they used >= DISTURB_PCT % of a CPU) is redone, twice at most.
    for attempt in 1 2 3; do
        wait_quiet
        a0=$(all_idle_ns)
        b0=$(cpu_idle_ns "$SERVER_CPU")
        c0=$(cpu_ticks)
        out=$(taskset -c "$CLIENT_CPU" timeout $((DURATION + 60)) "${nice[@]}" /usr/bin/time -f 'WRKCPU %U %S' \
            wrk "${args[@]}" "-d${DURATION}s" "$u$rpath" 2>&1)
        c1=$(cpu_ticks)
        b1=$(cpu_idle_ns "$SERVER_CPU")
        a1=$(all_idle_ns)
        alive
        if [[ $n == service ]]; then
            served_service=$((served_service + $(sed -n 's/^RESULT .* responses=\([0-9]*\) .*/\1/p' <<<"$out")))
            service_runs=$((service_runs + 1))
        fi
        if ! grep -q '^RESULT .* non2xx=0 ' <<<"$out"; then
            echo "  !!! $n round $round: non-2xx responses: $(grep '^RESULT' <<<"$out")" >&2
            failed=1
        fi
        wrk_cpu=$(awk '/^WRKCPU/ { print $2 + $3 }' <<<"$out")
        foreign=$(awk -v a="$a0" -v b="$a1" -v n="$(nproc)" -v s=$((c1 - c0)) -v hz="$clk_tck" -v c="$wrk_cpu" \
            'BEGIN { split(a, x, " "); split(b, y, " "); w = (y[1] - x[1]) / 1e9
            busy = w * n - (y[2] - x[2]) / 1e9; f = busy - s / hz - c; printf "%.0f", (f > 0 ? f : 0) * 100 / w }')
        ((foreign < DISTURB_PCT || attempt == 3)) && break
        echo "  (round $round $n: other jobs used ${foreign}% of a CPU during the run; measuring again)" >&2
    done
    res=$(grep '^RESULT ' <<<"$out") || { echo "$n: no RESULT line from wrk:" >&2; echo "$out" >&2; exit 1; }
    local -A r=()
    local kv
    for kv in ${res#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
    cpu_us=$(awk -v d=$((c1 - c0)) -v hz="$clk_tck" -v q="${r[responses]}" \
        'BEGIN { printf "%.2f", (q > 0) ? d * 1e6 / hz / q : 0 }')
    core_us=$(awk -v a="$b0" -v b="$b1" -v q="${r[responses]}" 'BEGIN { split(a, x, " "); split(b, y, " ")
        busy = (y[1] - x[1]) - (y[2] - x[2]); printf "%.2f", (q > 0) ? busy / 1e3 / q : 0 }')
    local sockerr=$((r[connect] + r[read] + r[write] + r[timeout]))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$round" "${r[rps]}" "${r[p99_us]}" "$cpu_us" \
        "${r[non2xx]}" "$sockerr" "${r[responses]}" "${r[p50_us]}" "$core_us" "$foreign" >>"$results"
    printf '  round %s %-8s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU/req: process %6.2f us, core %6.2f us  other load %3s%%  responses=%s non2xx=%s sockerr=%s\n' \
        "$round" "$n" "${r[rps]}" "$(awk -v v="${r[p50_us]}" 'BEGIN { print v / 1000 }')" \
        "$(awk -v v="${r[p99_us]}" 'BEGIN { print v / 1000 }')" "$cpu_us" "$core_us" "$foreign" "${r[responses]}" "${r[non2xx]}" "$sockerr"
    if ((r[non2xx] != 0 || sockerr != 0 || r[responses] != r[requests])); then
        echo "  !!! $n round $round: ${r[non2xx]} non-2xx responses, $sockerr socket errors, ${r[responses]}/${r[requests]} responses" >&2
        failed=1
    fi
}

# ---------------------------------------------------------------- run
body_len=$(stat -c %s "$tmp/session.body")
svc_len=$(stat -c %s "$tmp/service.body")
echo "== commune $u (--threads 1, access log -> file), GET $rpath"
echo "   session: cookie, ${body_len}-byte body; service: Bearer token of grant $grant, ${svc_len}-byte body"

echo "== warm-up (2 s each)"
for n in "${names[@]}"; do
    wrk_args "$n"
    out=$(taskset -c "$CLIENT_CPU" timeout 30 "${nice[@]}" wrk "${args[@]}" -d2s "$u$rpath" | grep '^RESULT ')
    grep -q ' non2xx=0 ' <<<"$out" || { echo "$n: warm-up had non-2xx responses: $out" >&2; exit 1; }
    if [[ $n == service ]]; then
        served_service=$((served_service + $(sed -n 's/^RESULT .* responses=\([0-9]*\) .*/\1/p' <<<"$out")))
        service_runs=$((service_runs + 1))
    fi
done

echo "== $ROUNDS interleaved rounds, wrk -t1 -c$CONNS -d${DURATION}s (server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU)"
for round in $(seq "$ROUNDS"); do
    for n in "${names[@]}"; do run_wrk "$n" "$round"; done
done

# ---------------------------------------------------------------- profiles (PERF=seconds, STRACE=seconds)
under_load() { # name seconds tag command... : wrk reads as name for seconds + 2 s; the command runs after 1 s
    local n=$1 secs=$2 tag=$3 wpid
    local -a args
    shift 3
    wrk_args "$n"
    taskset -c "$CLIENT_CPU" timeout $((secs + 60)) "${nice[@]}" wrk "${args[@]}" "-d$((secs + 2))s" "$u$rpath" \
        >"$tmp/$tag-$n.wrk" 2>&1 &
    wpid=$!
    sleep 1
    "$@" >"$tmp/$tag-$n.log" 2>&1 || { echo "$tag failed:" >&2; cat "$tmp/$tag-$n.log" >&2; }
    wait "$wpid" || true
    grep -q '^RESULT .* non2xx=0 ' "$tmp/$tag-$n.wrk" || { echo "  !!! $tag run $n: $(grep RESULT "$tmp/$tag-$n.wrk")" >&2; failed=1; }
    if [[ $n == service ]]; then
        served_service=$((served_service + $(sed -n 's/^RESULT .* responses=\([0-9]*\) .*/\1/p' "$tmp/$tag-$n.wrk")))
        service_runs=$((service_runs + 1))
    fi
}
if ((PERF > 0)); then
    echo "== perf: $PERF s of each kind of read (perf record -F 499 --call-graph $PERF_CALLGRAPH -p $spid)"
    for n in "${names[@]}"; do
        under_load "$n" "$PERF" perf perf record -q -F 499 --call-graph "$PERF_CALLGRAPH" -o "$tmp/perf-$n.data" \
            -p "$spid" -- sleep "$PERF"
        perf script -i "$tmp/perf-$n.data" -F period,ip,sym --no-inline 2>/dev/null >"$tmp/perf-$n.script"
        awk -f "$here/perf_split.awk" "$tmp/perf-$n.script" >"$tmp/perf-$n.steps"
        awk -v by=syscall -f "$here/perf_split.awk" "$tmp/perf-$n.script" >"$tmp/perf-$n.syscalls"
        perf report -i "$tmp/perf-$n.data" --children --sort sym --stdio -g none --percent-limit 1 \
            2>/dev/null >"$tmp/perf-$n.txt" || true
    done
fi
strace_for() { # seconds file: counts the server's system calls for that long (timeout's 124 is success)
    timeout -s INT "$1" strace -c -f -o "$2" -p "$spid" || (($? == 124))
}
if ((STRACE > 0)); then
    echo "== strace: $STRACE s of each kind of read (strace -c -f -p $spid)"
    for n in "${names[@]}"; do
        under_load "$n" "$STRACE" strace strace_for "$STRACE" "$tmp/strace-$n.txt"
    done
fi

# ---------------------------------------------------------------- table
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v n="$1" -v c="$2" '$1 == n { print $c }' "$results"; }
label() {
    case $1 in
    session) echo "session cookie (the person)" ;;
    service) echo "OAuth access token (a service, under its grant)" ;;
    esac
}
session_rps=$(col session 3 | median)
echo
echo "commune $("$COMMUNE" --version 2>/dev/null | awk '{ print $NF }'), --threads 1, access log on. Median of $ROUNDS rounds of ${DURATION}s"
echo "(min-max in parentheses). Process CPU/req = server utime+stime / responses; core CPU/req = busy"
echo "time of CPU $SERVER_CPU (wall minus idle, /proc/stat) / responses."
echo
echo "| reads with | req/s (min-max) | x session | p50 latency | p99 latency | process CPU us/req | core CPU us/req | other load |"
echo "|---|---|---|---|---|---|---|---|"
declare -A med
for n in "${names[@]}"; do
    med[$n]=$(col "$n" 3 | median)
    printf '| %s | %.0f (%.0f-%.0f) | %.2f | %.2f ms | %.2f ms | %.1f | %.1f | %s %% |\n' "$(label "$n")" \
        "${med[$n]}" "$(col "$n" 3 | sort -g | head -1)" "$(col "$n" 3 | sort -g | tail -1)" \
        "$(awk -v a="${med[$n]}" -v b="$session_rps" 'BEGIN { printf "%.4f", (b > 0) ? a / b : 0 }')" \
        "$(col "$n" 9 | median | awk '{ print $1 / 1000 }')" "$(col "$n" 4 | median | awk '{ print $1 / 1000 }')" \
        "$(col "$n" 5 | median)" "$(col "$n" 10 | median)" "$(col "$n" 11 | tr '\n' / | sed 's|/$||')"
done
echo
ratio=$(awk -v a="${med[service]}" -v b="$session_rps" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
echo "target: service reads/s >= $TARGET_RATIO x session reads/s: $ratio -> $(awk -v a="$ratio" -v b=$TARGET_RATIO 'BEGIN { print (a >= b) ? "met" : "NOT met" }')"
cpu_session=$(col session 5 | median)
cpu_service=$(col service 5 | median)
echo "the same ratio from server CPU per request (session / service; other load barely moves it): $(awk -v a="$cpu_session" -v b="$cpu_service" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')"
echo "extra server CPU per service read: $(awk -v a="$cpu_service" -v b="$cpu_session" 'BEGIN { printf "%.1f", a - b }') us (process)"

# ---------------------------------------------------------------- counts and logs
uses=$(curl -sf -H "${auth[session]}" "$u/api/v1/consents" | jq -r --arg g "$grant" \
    '[.. | objects | select(.id? == $g) | .uses] | first // empty')
expected=$((served_service + setup_reads))
inflight=$((CONNS * service_runs))
echo
echo "the grant's use count: $uses; service responses received: $expected, plus at most $inflight in flight when wrk stopped ($service_runs runs x $CONNS)"
if [[ -z $uses ]] || ((uses < expected || uses > expected + inflight)); then
    echo "  !!! the use count does not match the service reads served" >&2
    failed=1
fi
store=$(find "$data/persons" -name '*.db' -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s / 1048576 }')
echo "alice's store after the run: $store MB (with the audit of every service read)"
access=$(grep -c '"type":"access"' "$tmp/server.err" || true)
statuses=$(grep '"type":"access"' "$tmp/server.err" | grep -o '"status":[0-9]*' | sort | uniq -c |
    awk '{ sub(/"status":/, "", $2); printf "%s%s x%s", sep, $2, $1; sep = ", " }')
echo "commune stderr: $access access-log lines; statuses: $statuses (one 401 and one 403 are the setup checks)"
other=$(grep -v '"type":"access"' "$tmp/server.err" | grep -v '"level":"info"' || true)
if [[ -n $other ]]; then
    echo "commune stderr lines that are neither access log nor level info:"
    sort <<<"$other" | uniq -c | sed 's/^/    /'
fi
if ((PERF > 0)); then
    echo
    echo "Where the server's CPU goes ($PERF s of perf during each kind of read; shares of the server's samples,"
    echo "kernel included; us/req = share x the median process CPU/req of the table; bench/consent/perf_split.awk):"
    for split in steps syscalls; do
        echo
        echo "| $([[ $split == steps ]] && echo "step of a read" || echo "system call") | session % | session us/req | service % | service us/req |"
        echo "|---|---|---|---|---|"
        awk -F'\t' -v cs="$cpu_session" -v cv="$cpu_service" '
            FNR == 1 { f++ }
            { sub(/ *%$/, "", $1); p[f, $2] = $1 + 0; if (!($2 in seen)) { seen[$2] = 1; order[++k] = $2 } }
            END { for (i = 1; i <= k; i++) { s = order[i]
                printf "| %s | %.1f | %.1f | %.1f | %.1f |\n", s, p[1, s], p[1, s] * cs / 100, p[2, s], p[2, s] * cv / 100 } }' \
            "$tmp/perf-session.$split" "$tmp/perf-service.$split" | sort -t'|' -k6 -gr
    done
    echo "(profiles: $tmp/perf-*.txt, perf report --children --sort sym; KEEP=1 keeps them)"
fi
if ((STRACE > 0)); then
    echo
    echo "System calls per request (strace -c -f for $STRACE s of each kind of read; calls / sendmsg calls: each"
    echo "response is one sendmsg):"
    echo
    echo "| system call | session calls/req | service calls/req |"
    echo "|---|---|---|"
    awk '
        FNR == 1 { f++ }
        $1 ~ /^[0-9.]+$/ && NF >= 5 { c[f, $NF] = $4; seen[$NF] = 1 }
        END { for (s in seen) if (s != "total") printf "| %s | %.2f | %.2f |\n", s, c[1, s] / c[1, "sendmsg"], c[2, s] / c[2, "sendmsg"] }' \
        "$tmp/strace-session.txt" "$tmp/strace-service.txt" | sort -t'|' -k4 -gr
    echo "(responses while strace looked: session $(awk '$NF == "sendmsg" { print $4 }' "$tmp/strace-session.txt"), service $(awk '$NF == "sendmsg" { print $4 }' "$tmp/strace-service.txt"))"
fi
echo "other load during the runs (CPU not used by the server or wrk, % of one CPU): $(cut -f11 "$results" | sort -g | head -1)-$(cut -f11 "$results" | sort -g | tail -1) %"
echo "source when the build started: $src_rev ($COMMUNE${COMMUNE_GIVEN:+, given})"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), $(wrk -v 2>&1 | head -1 | awk '{ print $1, $2 }')"
if ((failed)); then
    echo "FAILED: non-2xx responses, socket errors or a wrong use count (see '!!!' lines above)" >&2
    exit 1
fi
