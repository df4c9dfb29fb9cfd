#!/usr/bin/env bash
# Authenticated record reads: commune on one core against nginx serving the same bytes.
#
#   bench/http/run.sh [DURATION_S]          # default 10 (seconds per wrk run)
#
# Environment: ROUNDS (3), CONNS (64), SERVER_CPU (0), CLIENT_CPU (1), QUIET_PCT (10), QUIET_WAIT (300),
#   DISTURB_PCT (20), NICE (-10),
#   BUILD_DIR (/tmp/benchbuild; configured Release and built if needed),
#   COMMUNE (a commune binary to use instead of building one), KEEP=1 (keep the temp dir).
#
# Three servers are started side by side, all pinned to SERVER_CPU and bound to 127.0.0.1:
#   commune        `commune serve --threads 1`, access log on (stderr to a file, as in production)
#   commune-nolog  the same with --no-access-log
#   nginx          1 worker, access_log off, serving a static file holding exactly the bytes of
#                  commune's JSON response body (the ceiling)
# Each commune has its own data dir holding one person and one bank.transaction record. wrk runs
# on CLIENT_CPU: `wrk -t1 -c64 -dDURATION --latency -s count.lua -H "Cookie: commune_session=..."
# URL/api/v1/records/bank.transaction/ID`, ROUNDS interleaved rounds (commune, commune-nolog,
# nginx, commune, ...). count.lua counts non-2xx responses: any of them (or any socket error)
# makes the script exit 1 after printing the table. Server CPU time per request is the delta of
# utime+stime in /proc/PID/stat (all threads; nginx: master + worker) over the responses.
# Every process started here is stopped on exit.
#
# Noise: the machine has 2 vCPUs and other jobs (builds, fuzzers) may run on it. Before each run
# the script waits until they use < QUIET_PCT % of a CPU (at most QUIET_WAIT s); it measures the
# CPU used during the run by anything but the server under test and wrk ("other load"; about 10 %
# is this measurement's own error), redoes a run with >= DISTURB_PCT % (twice at most) and reports
# it; servers and wrk run at nice NICE (-10, as root).
set -euo pipefail

DURATION=${1:-${DURATION_S:-10}}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BUILD_DIR=${BUILD_DIR:-/tmp/benchbuild}
PASSWORD='bench password 0123456789'
QUIET_PCT=${QUIET_PCT:-10}     # before each run, wait until other work uses < this % of one CPU...
QUIET_WAIT=${QUIET_WAIT:-300}   # ...for at most this many seconds
DISTURB_PCT=${DISTURB_PCT:-20}  # redo a run (twice at most) during which other work used >= this %
NICE=${NICE:--10}             # servers and wrk run at this nice level (root only), to shrug off other jobs
TARGET_RPS=15000
TARGET_RATIO=0.3

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
for tool in wrk nginx taskset curl ss jq cmake awk; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "missing /usr/bin/time (Debian package time)" >&2; exit 1; }
[[ $DURATION =~ ^[0-9]+$ ]] || { echo "usage: $0 [DURATION_S]" >&2; exit 2; }

# ---------------------------------------------------------------- build
if [[ -z ${COMMUNE:-} ]]; then
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

nice=()
if [[ $(id -u) == 0 && $NICE != 0 ]]; then nice=(nice -n "$NICE"); fi

tmp=$(mktemp -d /tmp/commune-http-bench.XXXXXX)
chmod 755 "$tmp" # nginx workers may run as an unprivileged user
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

used_ports=" "
free_port() { # a loopback TCP port nobody listens on, from a random start
    local p=$((20000 + RANDOM % 20000))
    while ss -Htln "sport = :$p" | grep -q . || [[ $used_ports == *" $p "* ]]; do p=$((p + 1)); done
    used_ports+="$p "
    echo "$p"
}

declare -A url pid token
names=(commune commune-nolog nginx)

# ---------------------------------------------------------------- commune servers
start_commune() { # name extra-args...
    local n=$1 data="$tmp/data-$1" line=''
    shift
    echo "$PASSWORD" | "$COMMUNE" user add alice --data "$data" >/dev/null
    taskset -c "$SERVER_CPU" "${nice[@]}" "$COMMUNE" serve --data "$data" --listen 127.0.0.1:0 --threads 1 "$@" \
        >"$tmp/$n.out" 2>"$tmp/$n.err" &
    pids+=($!)
    pid[$n]=$!
    for _ in $(seq 100); do
        line=$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$tmp/$n.out" 2>/dev/null || true)
        [[ -n $line ]] && break
        kill -0 "${pid[$n]}" 2>/dev/null || break
        sleep 0.05
    done
    [[ -n $line ]] || { echo "$n did not start:" >&2; cat "$tmp/$n.out" "$tmp/$n.err" >&2; exit 1; }
    url[$n]=${line#listening on }
}

declare -A rpath
login_and_create() { # name -> sets token[name] and rpath[name]; the record body goes to $tmp/name.body
    local n=$1 u=${url[$1]} csrf id code
    csrf=$(curl -sf -c "$tmp/$n.jar" -H 'Content-Type: application/json' \
        -d "{\"handle\":\"alice\",\"password\":\"$PASSWORD\"}" "$u/api/v1/auth/login" | jq -r .csrf)
    token[$n]=$(awk '$6 == "commune_session" { print $7 }' "$tmp/$n.jar")
    [[ -n ${token[$n]} && $csrf != null ]] || { echo "$n: login failed" >&2; exit 1; }
    id=$(curl -sf -b "$tmp/$n.jar" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
        -d '{"date":"2024-03-01","amount":-12.5,"currency":"EUR","label":"Boulangerie","category":"food"}' \
        "$u/api/v1/records/bank.transaction" | jq -r .id)
    [[ -n $id && $id != null ]] || { echo "$n: record creation failed" >&2; exit 1; }
    code=$(curl -s -o "$tmp/$n.body" -w '%{http_code}' -H "Cookie: commune_session=${token[$n]}" \
        "$u/api/v1/records/bank.transaction/$id")
    [[ $code == 200 ]] || { echo "$n: GET record gave $code" >&2; exit 1; }
    code=$(curl -s -o /dev/null -w '%{http_code}' "$u/api/v1/records/bank.transaction/$id")
    [[ $code == 401 ]] || { echo "$n: GET without cookie gave $code, want 401" >&2; exit 1; }
    rpath[$n]=/api/v1/records/bank.transaction/$id
}

start_commune commune
start_commune commune-nolog --no-access-log
login_and_create commune
login_and_create commune-nolog
body_len=$(stat -c %s "$tmp/commune.body")

# ---------------------------------------------------------------- nginx
nport=$(free_port)
rpath[nginx]=${rpath[commune]}
mkdir -p "$tmp/www${rpath[nginx]%/*}"
cp "$tmp/commune.body" "$tmp/www${rpath[nginx]}"
cat >"$tmp/nginx.conf" <<EOF
master_process on;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/client_body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    keepalive_timeout 10s;
    keepalive_requests 10000000;
    open_file_cache max=16 inactive=60s; # no open()/close() per request: a fair ceiling
    server {
        listen 127.0.0.1:$nport;
        root $tmp/www;
        location / { default_type application/json; }
    }
}
EOF
taskset -c "$SERVER_CPU" "${nice[@]}" nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/nginx-error.log" \
    -g 'daemon off;' >"$tmp/nginx.out" 2>&1 &
pids+=($!)
pid[nginx]=$!
url[nginx]=http://127.0.0.1:$nport
for _ in $(seq 100); do
    curl -sf -o /dev/null --max-time 0.5 "${url[nginx]}${rpath[nginx]}" && break
    sleep 0.05
done
code=$(curl -s -o "$tmp/nginx.body" -w '%{http_code}' "${url[nginx]}${rpath[nginx]}")
{ [[ $code == 200 ]] && cmp -s "$tmp/nginx.body" "$tmp/commune.body"; } ||
    { echo "nginx: bad response ($code)" >&2; cat "$tmp/nginx-error.log" >&2; exit 1; }

# ---------------------------------------------------------------- measurement helpers
proc_pids() { # name -> the PIDs whose CPU counts (nginx: master + worker)
    if [[ $1 == nginx ]]; then echo "${pid[nginx]}" $(pgrep -P "${pid[nginx]}"); else echo "${pid[$1]}"; fi
}
cpu_ticks() { # name -> utime+stime summed over the server's processes (all their threads)
    local t=0 p f
    for p in $(proc_pids "$1"); do
        f=$(sed 's/^.*) //' "/proc/$p/stat") # fields from 3 on
        set -- $f
        t=$((t + ${12} + ${13})) # fields 14 (utime) and 15 (stime)
    done
    echo "$t"
}
mem_kb() { # name field(VmRSS|VmHWM)
    local s=0 p v
    for p in $(proc_pids "$1"); do
        v=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$p/status")
        s=$((s + v))
    done
    echo "$s"
}
clk_tck=$(getconf CLK_TCK)
cpu_idle_ns() { # cpu -> "now_ns idle_ns" for that CPU. Busy time is taken as wall minus idle: with
    # NO_HZ_IDLE and tick accounting, idle time is exact while user/system are sampled at ticks
    # (which undercounts a CPU that flips between busy and idle thousands of times a second).
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
wait_quiet() { # waits (up to QUIET_WAIT s) until the machine, servers idle, is < QUIET_PCT % busy
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
alive() { # name
    local p
    for p in $(proc_pids "$1"); do kill -0 "$p" 2>/dev/null || { echo "$1 (pid $p) died" >&2; exit 1; }; done
}
wrk_args() { # name -> sets the array args
    args=(-t1 "-c$CONNS" --latency -s "$here/count.lua")
    [[ $1 == nginx ]] || args+=(-H "Cookie: commune_session=${token[$1]}")
}

results=$tmp/results.tsv
: >"$results"
failed=0
run_wrk() { # name round
    local n=$1 round=$2 c0 c1 b0 b1 a0 a1 out res cpu_us core_us foreign wrk_cpu
    local -a args
    wrk_args "$n"
    local attempt
    # A run disturbed by other jobs (they used >= DISTURB_PCT % of a CPU) is redone, twice at most.
    for attempt in 1 2 3; do
        wait_quiet
        a0=$(all_idle_ns)
        b0=$(cpu_idle_ns "$SERVER_CPU")
        c0=$(cpu_ticks "$n")
        out=$(taskset -c "$CLIENT_CPU" timeout $((DURATION + 60)) "${nice[@]}" /usr/bin/time -f 'WRKCPU %U %S' \
            wrk "${args[@]}" "-d${DURATION}s" "${url[$n]}${rpath[$n]}" 2>&1)
        c1=$(cpu_ticks "$n")
        b1=$(cpu_idle_ns "$SERVER_CPU")
        a1=$(all_idle_ns)
        alive "$n"
        if ! grep -q '^RESULT .* non2xx=0 ' <<<"$out"; then
            echo "  !!! $n round $round: non-2xx responses: $(grep '^RESULT' <<<"$out")" >&2
            failed=1
        fi
        # CPU used by anything but this server and wrk, in % of one CPU (other jobs on the machine)
        wrk_cpu=$(awk '/^WRKCPU/ { print $2 + $3 }' <<<"$out")
        foreign=$(awk -v a="$a0" -v b="$a1" -v n="$(nproc)" -v s=$((c1 - c0)) -v hz="$clk_tck" -v c="$wrk_cpu" \
            'BEGIN { split(a, x, " "); split(b, y, " "); w = (y[1] - x[1]) / 1e9
            busy = w * n - (y[2] - x[2]) / 1e9; f = busy - s / hz - c; printf "%.0f", (f > 0 ? f : 0) * 100 / w }')
        ((foreign < DISTURB_PCT || attempt == 3)) && break
        echo "  (round $round $n: other jobs used ${foreign}% of a CPU during the run; measuring again)" >&2
    done
    res=$(grep '^RESULT ' <<<"$out") || { echo "$n: no RESULT line from wrk:" >&2; echo "$out" >&2; exit 1; }
    # shellcheck disable=SC2086 # split key=value pairs into an associative array
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
    printf '  round %s %-14s %9.0f req/s  p50 %6.2f ms  p99 %6.2f ms  CPU/req: process %6.2f us, core %6.2f us  other load %3s%%  responses=%s non2xx=%s sockerr=%s\n' \
        "$round" "$n" "${r[rps]}" "$(awk -v v="${r[p50_us]}" 'BEGIN { print v / 1000 }')" \
        "$(awk -v v="${r[p99_us]}" 'BEGIN { print v / 1000 }')" "$cpu_us" "$core_us" "$foreign" "${r[responses]}" "${r[non2xx]}" "$sockerr"
    if ((r[non2xx] != 0 || sockerr != 0 || r[responses] != r[requests])); then
        echo "  !!! $n round $round: ${r[non2xx]} non-2xx responses, $sockerr socket errors, ${r[responses]}/${r[requests]} responses" >&2
        failed=1
    fi
}

# ---------------------------------------------------------------- run
echo "== servers: commune ${url[commune]} (access log -> file), commune-nolog ${url[commune-nolog]}, nginx ${url[nginx]}"
echo "   GET /api/v1/records/bank.transaction/ID, ${body_len}-byte JSON body, session cookie"
declare -A rss_idle
for n in "${names[@]}"; do rss_idle[$n]=$(mem_kb "$n" VmRSS); done

echo "== warm-up (2 s each)"
for n in "${names[@]}"; do
    wrk_args "$n"
    taskset -c "$CLIENT_CPU" timeout 30 "${nice[@]}" wrk "${args[@]}" -d2s "${url[$n]}${rpath[$n]}" | grep '^RESULT ' |
        grep -q ' non2xx=0 ' || { echo "$n: warm-up had non-2xx responses" >&2; exit 1; }
done

echo "== $ROUNDS interleaved rounds, wrk -t1 -c$CONNS -d${DURATION}s (servers on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU)"
for round in $(seq "$ROUNDS"); do
    for n in "${names[@]}"; do run_wrk "$n" "$round"; done
done
declare -A rss_peak
for n in "${names[@]}"; do rss_peak[$n]=$(mem_kb "$n" VmHWM); done

# ---------------------------------------------------------------- table
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v n="$1" -v c="$2" '$1 == n { print $c }' "$results"; }
label() {
    case $1 in
    commune) echo "commune $("$COMMUNE" --version 2>/dev/null | awk '{ print $NF }'), --threads 1, access log on" ;;
    commune-nolog) echo "commune, --threads 1, --no-access-log" ;;
    nginx) echo "nginx $(nginx -v 2>&1 | sed 's|.*/||') static file (1 worker)" ;;
    esac
}
nginx_rps=$(col nginx 3 | median)
echo
echo "Median of $ROUNDS rounds of ${DURATION}s (min-max in parentheses). Process CPU/req = server utime+stime"
echo "(/proc/PID/stat) / responses; core CPU/req = wall time minus idle time of CPU $SERVER_CPU (/proc/stat;"
echo "includes kernel network work done in softirq, not charged to the process) / responses."
echo
echo "| server | req/s (min-max) | x nginx | p99 latency | p50 latency | process CPU us/req | core CPU us/req | other load | RSS idle -> peak |"
echo "|---|---|---|---|---|---|---|---|---|"
declare -A med
for n in "${names[@]}"; do
    med[$n]=$(col "$n" 3 | median)
    printf '| %s | %.0f (%.0f-%.0f) | %.2f | %.2f ms | %.2f ms | %.1f | %.1f | %s %% | %.1f -> %.1f MB |\n' "$(label "$n")" \
        "${med[$n]}" "$(col "$n" 3 | sort -g | head -1)" "$(col "$n" 3 | sort -g | tail -1)" \
        "$(awk -v a="${med[$n]}" -v b="$nginx_rps" 'BEGIN { printf "%.4f", (b > 0) ? a / b : 0 }')" \
        "$(col "$n" 4 | median | awk '{ print $1 / 1000 }')" "$(col "$n" 9 | median | awk '{ print $1 / 1000 }')" \
        "$(col "$n" 5 | median)" "$(col "$n" 10 | median)" "$(col "$n" 11 | tr '\n' / | sed 's|/$||')" \
        "$(awk -v k="${rss_idle[$n]}" 'BEGIN { print k / 1024 }')" "$(awk -v k="${rss_peak[$n]}" 'BEGIN { print k / 1024 }')"
done
echo
ratio=$(awk -v a="${med[commune]}" -v b="$nginx_rps" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "met" : "NOT met" }'; }
echo "target >= $TARGET_RPS authenticated reads/s on one core (access log on): $(printf '%.0f' "${med[commune]}") -> $(verdict "${med[commune]}" $TARGET_RPS)"
echo "target ratio commune/nginx >= $TARGET_RATIO: $ratio -> $(verdict "$ratio" $TARGET_RATIO)"

# ---------------------------------------------------------------- server logs
total=$(awk -F'\t' '$1 == "commune" { s += $8 } END { print s + 0 }' "$results")
access=$(grep -c '"type":"access"' "$tmp/commune.err" || true)
statuses=$(grep '"type":"access"' "$tmp/commune.err" | grep -o '"status":[0-9]*' | sort | uniq -c |
    awk '{ sub(/"status":/, "", $2); printf "%s%s x%s", sep, $2, $1; sep = ", " }')
other=$(cat "$tmp/commune.err" "$tmp/commune-nolog.err" | grep -v '"type":"access"' |
    grep -v '"level":"info"' || true)
echo
echo "commune stderr: $access access-log lines (measured responses: $total, plus warm-up and setup); statuses: $statuses (one 401 is the no-cookie check)"
if [[ -n $other ]]; then
    echo "commune stderr lines that are neither access log nor level info:"
    sort "$tmp"/commune*.err | grep -v '"type":"access"' | grep -v '"level":"info"' | uniq -c | sed 's/^/    /'
fi
[[ -s $tmp/nginx-error.log ]] && { echo "nginx error log:"; sed 's/^/    /' "$tmp/nginx-error.log"; }
echo
echo "other load during the runs (CPU not used by the server under test or wrk, % of one CPU): $(cut -f11 "$results" | sort -g | head -1)-$(cut -f11 "$results" | sort -g | tail -1) %"
echo "source: $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown) ($COMMUNE)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), $(wrk -v 2>&1 | head -1 | awk '{ print $1, $2 }')"
if ((failed)); then
    echo "FAILED: some wrk runs had non-2xx responses or socket errors (see '!!!' lines above)" >&2
    exit 1
fi
