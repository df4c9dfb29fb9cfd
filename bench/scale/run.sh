#!/usr/bin/env bash
# Scaling out (issue 14): 1, 2 and 4 `commune serve` processes on one PostgreSQL database, and
# one on SQLite, all behind the same nginx, under a mixed workload of many persons.
#
#   bench/scale/run.sh [DURATION_S]          # default 10 (seconds per wrk run)
#
# Environment:
#   SCALE_CONFIGS ("sqlite-1 pg-1 pg-2 pg-4")  the configurations, any of sqlite-1 and pg-N
#   ROUNDS (3)           interleaved rounds (sqlite-1, pg-1, pg-2, pg-4, sqlite-1, ...)
#   PERSONS (50)         persons of each store; RECORDS (5) bank.transaction records each
#   THREADS (2)          `commune serve --threads` of every process (pg-4 has 4 x THREADS)
#   CONNS (32), WRK_THREADS (2)  wrk's connections and threads
#   NGINX_WORKERS (1)    nginx worker processes (one nginx serves every configuration)
#   CLIENT_CPU, SERVER_CPUS  unset: nothing pinned; else wrk on CLIENT_CPU (taskset list) and
#                        commune, nginx and PostgreSQL on SERVER_CPUS
#   QUIET_PCT (10), QUIET_WAIT (300), DISTURB_PCT (20), NICE (-10): as bench/http/run.sh
#   ACCESS_LOG (1)       0: --no-access-log
#   PG_STATS (0)         1: PostgreSQL loads pg_stat_statements, and the end prints the 20
#                        statements its backends spent the most time on, with their calls a
#                        response
#   IMPORTS (1)          0: the 5 % of imports become writes (80 % reads, 20 % writes), for a
#                        store whose imports fail
#   BUILD_DIR (/tmp/benchbuild; configured Release and built if needed), COMMUNE (a binary to
#   use instead of building one), KEEP=1 (keep the temp dir)
#
# The configurations, all bound to 127.0.0.1:
#   sqlite-1  one `commune serve --data DIR` (SQLite: platform.db and one file per person)
#   pg-N      N `commune serve --data DIR --store postgresql://...` on one database of one
#             throw-away cluster (scripts/pg-temp through bench/common/pg.sh). The N processes
#             share DIR, so its master.key; a session made by one is valid on all. pg-1, pg-2
#             and pg-4 use the first 1, 2 and 4 of the same processes, so the same persons and
#             the same sessions; a process unused by a run sits idle.
# nginx (one instance, NGINX_WORKERS workers) has one server a configuration, proxying to an
# upstream of its processes (`least_conn`, keepalive connections to each); sqlite-1 goes
# through it too, so every configuration pays the same proxy.
#
# Before the runs, each store gets PERSONS persons (`commune user add`), each logged in with
# RECORDS records made through the API; the sessions (cookie, CSRF token, record ids) go to a
# file that mixed.lua reads: 80 % reads (a record by id, or a page of 20), 15 % writes (a new
# record), 5 % imports (a 2-line bank CSV imported in the request). mixed.lua counts the
# non-2xx answers of each kind: any of them, or any socket error, makes the script exit 1 after
# printing the table, as bench/http does.
#
# Output: one RESULT line a run, one SUMMARY line a configuration (medians over the rounds),
# one RATIO line a ratio (pg-2/pg-1, pg-4/pg-1, pg-1/sqlite-1: the median of the per-round
# ratios, the rounds being interleaved), and a table. The first line is the command that
# reproduces the run.
#
# On a machine with fewer cores than processes the ratios say how the processes share the
# cores, not how they would scale on more: the header and the table give the core count and how
# busy the machine was during each configuration's runs.
set -euo pipefail

DURATION=${1:-${DURATION_S:-${DURATION:-10}}}
ROUNDS=${ROUNDS:-3}
SCALE_CONFIGS=${SCALE_CONFIGS:-sqlite-1 pg-1 pg-2 pg-4}
PERSONS=${PERSONS:-50}
RECORDS=${RECORDS:-5}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
WRK_THREADS=${WRK_THREADS:-2}
NGINX_WORKERS=${NGINX_WORKERS:-1}
CLIENT_CPU=${CLIENT_CPU:-}
SERVER_CPUS=${SERVER_CPUS:-}
QUIET_PCT=${QUIET_PCT:-10}
QUIET_WAIT=${QUIET_WAIT:-300}
DISTURB_PCT=${DISTURB_PCT:-20}
NICE=${NICE:--10}
ACCESS_LOG=${ACCESS_LOG:-1}
IMPORTS=${IMPORTS:-1}
BUILD_DIR=${BUILD_DIR:-/tmp/benchbuild}
PASSWORD='bench password 0123456789'

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo" # bench/common/pg.sh and scripts/ are used from the top of the tree

usage() { echo "usage: [SCALE_CONFIGS='sqlite-1 pg-1 pg-2 pg-4'] $0 [DURATION_S]" >&2; exit 2; }
[[ $DURATION =~ ^[0-9]+$ && $ROUNDS =~ ^[1-9][0-9]*$ && $PERSONS =~ ^[1-9][0-9]*$ ]] || usage
[[ $RECORDS =~ ^[1-9][0-9]*$ && $THREADS =~ ^[1-9][0-9]*$ && $CONNS =~ ^[1-9][0-9]*$ ]] || usage
[[ $IMPORTS == [01] ]] || usage
[[ $WRK_THREADS =~ ^[1-9][0-9]*$ ]] || usage
((WRK_THREADS <= PERSONS && WRK_THREADS <= CONNS)) || { echo "WRK_THREADS must be at most PERSONS and CONNS" >&2; exit 2; }
read -r -a configs <<<"$SCALE_CONFIGS"
((${#configs[@]} > 0)) || usage
use_sqlite=0
pg_procs=0 # the largest N of the pg-N configurations
for c in "${configs[@]}"; do
    case $c in
    sqlite-1) use_sqlite=1 ;;
    pg-[1-9] | pg-[1-9][0-9]) ((${c#pg-} > pg_procs)) && pg_procs=${c#pg-} ;;
    *) echo "unknown configuration '$c' (sqlite-1 or pg-N)" >&2; exit 2 ;;
    esac
done

# the command that reproduces this run, printed first
echo "reproduce: SCALE_CONFIGS='$SCALE_CONFIGS' ROUNDS=$ROUNDS PERSONS=$PERSONS RECORDS=$RECORDS" \
    "THREADS=$THREADS CONNS=$CONNS WRK_THREADS=$WRK_THREADS NGINX_WORKERS=$NGINX_WORKERS" \
    "${CLIENT_CPU:+CLIENT_CPU=$CLIENT_CPU }${SERVER_CPUS:+SERVER_CPUS=$SERVER_CPUS }ACCESS_LOG=$ACCESS_LOG IMPORTS=$IMPORTS" \
    "bench/scale/run.sh $DURATION   # at $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"

# ---------------------------------------------------------------- tools
for tool in wrk nginx; do
    command -v "$tool" >/dev/null && continue
    echo "== installing wrk, nginx and PostgreSQL (scripts/install-deps bench)" >&2
    scripts/install-deps bench
    break
done
for tool in wrk nginx taskset curl ss jq cmake awk pgrep; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "missing /usr/bin/time (Debian package time)" >&2; exit 1; }
# shellcheck source=bench/common/pg.sh
. bench/common/pg.sh
((pg_procs == 0)) || pg_deps server

# ---------------------------------------------------------------- build
if [[ -z ${COMMUNE:-} ]]; then
    # -Wno-error=maybe-uninitialized: as bench/http/run.sh (GCC 12 false positives at -O3)
    echo "== building (Release) in $BUILD_DIR"
    mkdir -p "$BUILD_DIR"
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
server_pin=()
[[ -n $SERVER_CPUS ]] && server_pin=(taskset -c "$SERVER_CPUS")
client_pin=()
[[ -n $CLIENT_CPU ]] && client_pin=(taskset -c "$CLIENT_CPU")

tmp=$(mktemp -d /tmp/commune-scale-bench.XXXXXX)
chmod 755 "$tmp" # nginx workers may run as an unprivileged user
pids=()
pg_dir=''

cleanup() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    if [[ -n $pg_dir ]]; then
        scripts/pg-temp stop "$pg_dir/pg" 2>/dev/null || true
        rm -rf "$pg_dir"
    fi
    if [[ ${KEEP:-0} == 1 ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "run.sh: command failed (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

used_ports=" "
free_port() { # sets port: a loopback TCP port nobody listens on (nor was given), from a random start
    port=$((20000 + RANDOM % 20000))
    while ss -Htln "sport = :$port" | grep -q . || [[ $used_ports == *" $port "* ]]; do port=$((port + 1)); done
    used_ports+="$port "
}

# ---------------------------------------------------------------- stores and their persons
pg_url=''
if ((pg_procs > 0)); then
    # every process keeps one connection a thread, and one for each import worker
    pg_conf="max_connections = $((pg_procs * (THREADS + 4) + 20))"
    [[ ${PG_STATS:-0} == 0 ]] || pg_conf+=$'\n'"shared_preload_libraries = 'pg_stat_statements'"
    pg_start "$pg_conf"
    trap cleanup EXIT # pg_start set its own trap; cleanup stops the cluster (after the servers)
    # pg-temp prints "host=127.0.0.1 port=P user=commune dbname=commune"; --store wants a URL
    pg_port=${PG_CONNINFO#*port=}
    pg_port=${pg_port%% *}
    pg_url="postgresql://commune@127.0.0.1:$pg_port/commune"
fi

store_arg() { # store (sqlite|pg) -> the --store argument, if any
    [[ $1 == pg ]] && echo "--store=$pg_url"
    return 0
}

add_persons() { # store: PERSONS persons p0001... in $tmp/data-STORE
    local s=$1 i
    echo "== $s: $PERSONS persons (commune user add)"
    for i in $(seq -f '%04g' "$PERSONS"); do
        # the CLI's verbs other than serve take the store from COMMUNE_STORE
        echo "$PASSWORD" | COMMUNE_STORE=$([[ $s == pg ]] && echo "$pg_url") \
            "$COMMUNE" user add "p$i" --data "$tmp/data-$s" >/dev/null 2>"$tmp/useradd.err" ||
            { echo "$s: commune user add p$i failed:" >&2; cat "$tmp/useradd.err" >&2; exit 1; }
    done
}

declare -A url pid
start_commune() { # store name: one `commune serve` of STORE, known as NAME
    local s=$1 n=$2 line='' log=()
    [[ $ACCESS_LOG == 1 ]] || log=(--no-access-log)
    # shellcheck disable=SC2046 # store_arg prints nothing or one word
    "${server_pin[@]}" "${nice[@]}" "$COMMUNE" serve --data "$tmp/data-$s" $(store_arg "$s") \
        --listen 127.0.0.1:0 --threads "$THREADS" "${log[@]}" >"$tmp/$n.out" 2>"$tmp/$n.err" &
    pids+=($!)
    pid[$n]=$!
    for _ in $(seq 200); do
        line=$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$tmp/$n.out" 2>/dev/null || true)
        [[ -n $line ]] && break
        kill -0 "${pid[$n]}" 2>/dev/null || break
        sleep 0.05
    done
    [[ -n $line ]] || { echo "$n did not start:" >&2; cat "$tmp/$n.out" "$tmp/$n.err" >&2; exit 1; }
    url[$n]=${line#listening on }
}

# the processes: sqlite-p1, and pg-p1 ... pg-pN
declare -A procs # configuration -> its process names
if ((use_sqlite)); then
    add_persons sqlite
    start_commune sqlite sqlite-p1
    procs[sqlite-1]=sqlite-p1
fi
if ((pg_procs > 0)); then
    add_persons pg
    for i in $(seq "$pg_procs"); do start_commune pg "pg-p$i"; done
    for c in "${configs[@]}"; do
        [[ $c == pg-* ]] || continue
        procs[$c]=$(seq -f 'pg-p%g' "${c#pg-}" | tr '\n' ' ')
    done
fi

setup_failed='' # the stores whose persons could not get their records
run_failed=0    # a run had non-2xx responses or socket errors
record_json() { # i -> a small bank.transaction
    printf '{"date":"2024-01-%02d","amount":-%d.%02d,"currency":"EUR","label":"Seed %d","category":"food"}' \
        $((i % 28 + 1)) $((i % 90 + 1)) $((i % 100)) "$i"
}
store_died() { # store process: PROCESS died while its persons were set up; the store's
    # configurations are left out of the runs (the others still run), and the script fails
    local s=$1 p=$2 st=0 c keep=() dropped=()
    wait "${pid[$p]}" 2>/dev/null || st=$?
    echo "  !!! $s: $p died while the records were made (exit status $st$( ((st > 128)) && echo ", signal $((st - 128))"));" \
        "its last lines:" >&2
    tail -3 "$tmp/$p.err" | sed 's/^/      /' >&2
    for c in "${configs[@]}"; do
        if [[ $(store_of "$c") == "$s" ]]; then dropped+=("$c"); else keep+=("$c"); fi
    done
    echo "  !!! left out of the runs: ${dropped[*]}" >&2
    configs=("${keep[@]}")
    setup_failed+=" $s"
}
store_of() { [[ $1 == sqlite-* ]] && echo sqlite || echo pg; }
store_procs() { # store -> its processes
    local p
    for p in "${!pid[@]}"; do [[ $p == "$1"-p* ]] && echo "$p"; done
    return 0
}
dead_proc() { # store -> the first of its processes that is gone, if any
    local p
    for p in $(store_procs "$1"); do kill -0 "${pid[$p]}" 2>/dev/null || { echo "$p"; return 0; }; done
    return 0
}
login_all() { # store configuration: logs every person in through CONFIGURATION's nginx server
    # (so through all its processes, in turn), makes their records; writes $tmp/sessions-STORE
    # ("handle session csrf id,id,...", mixed.lua's input)
    local s=$1 u=${url[$2]} h csrf token i id ids code out dead
    local -i bad=0
    : >"$tmp/sessions-$s"
    echo "== $s: logging the persons in, $RECORDS records each (POST /api/v1/records/bank.transaction)"
    for h in $(seq -f 'p%04g' "$PERSONS"); do
        csrf=$(curl --max-time 30 -sf -c "$tmp/jar" -H 'Content-Type: application/json' \
            -d "{\"handle\":\"$h\",\"password\":\"$PASSWORD\"}" "$u/api/v1/auth/login" | jq -r .csrf) || csrf=''
        token=$(awk '$6 == "commune_session" { print $7 }' "$tmp/jar")
        [[ -n $token && -n $csrf && $csrf != null ]] || { echo "$s: login of $h failed" >&2; exit 1; }
        ids=''
        for i in $(seq "$RECORDS"); do
            out=$(curl --max-time 30 -s -w '\n%{http_code}' -b "$tmp/jar" -H "X-CSRF-Token: $csrf" \
                -H 'Content-Type: application/json' -d "$(record_json)" "$u/api/v1/records/bank.transaction") || true
            code=${out##*$'\n'}
            id=$(jq -r '.id // empty' <<<"${out%$'\n'*}" 2>/dev/null || true)
            dead=$(dead_proc "$s")
            if [[ -n $dead ]]; then
                store_died "$s" "$dead"
                return 0
            fi
            if [[ $code != 201 || -z $id ]]; then
                # the runs go on, so that the table shows which kinds of request fail; a record
                # id nobody has stands for the missing records (404 on a store that works)
                ((bad++ == 0)) && echo "  !!! $s: POST /api/v1/records/bank.transaction gave $code: ${out%$'\n'*}" >&2
                id=00000000-0000-7000-8000-000000000000
            fi
            ids+=${ids:+,}$id
        done
        echo "$h $token $csrf $ids" >>"$tmp/sessions-$s"
    done
    if ((bad)); then
        echo "  !!! $s: $bad of $((PERSONS * RECORDS)) records could not be made" >&2
        setup_failed+=" $s"
        return 0
    fi
    # one check: a record reads back with its cookie, and not without
    read -r h token csrf ids <"$tmp/sessions-$s"
    code=$(curl --max-time 30 -s -o /dev/null -w '%{http_code}' -H "Cookie: commune_session=$token" \
        "$u/api/v1/records/bank.transaction/${ids%%,*}")
    [[ $code == 200 ]] || { echo "$s: GET of a record gave $code" >&2; exit 1; }
    code=$(curl --max-time 30 -s -o /dev/null -w '%{http_code}' "$u/api/v1/records/bank.transaction/${ids%%,*}")
    [[ $code == 401 ]] || { echo "$s: GET without cookie gave $code, want 401" >&2; exit 1; }
    # and an import of the kind mixed.lua sends makes its 2 records
    out=$(printf '%s\n' 'dateOp;dateVal;label;category;categoryParent;supplierFound;amount;comment;accountNum;accountLabel;accountbalance' \
        '2024-02-01;2024-02-01;"CARTE CHECK A";"Alimentation";"Alimentation";"";-3,20;;00040123456;"BoursoBank";1 234,56' \
        '2024-02-01;2024-02-01;"CARTE CHECK B";"Alimentation";"Alimentation";"";-4,10;;00040123456;"BoursoBank";1 234,56' |
        curl --max-time 30 -s -w '\n%{http_code}' -H "Cookie: commune_session=$token" -H "X-CSRF-Token: $csrf" \
            -H 'Content-Type: text/csv' --data-binary @- "$u/api/v1/imports?name=check.csv&format=bank-csv") || true
    code=${out##*$'\n'}
    if [[ $code != 201 || $(jq -r .stats.records_created <<<"${out%$'\n'*}" 2>/dev/null) != 2 ]]; then
        # the runs go on (a run with imports then fails), so that the other kinds are measured
        echo "  !!! $s: the check import gave $code (000: no answer within 30 s): ${out%$'\n'*}" >&2
        setup_failed+=" $s"
    fi
}
# ---------------------------------------------------------------- nginx
# One server a configuration; X-Bench-Kind is echoed (`always`: on errors too) so that
# mixed.lua knows which kind of request a response answers.
{
    cat <<EOF
master_process on;
worker_processes $NGINX_WORKERS;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $tmp/client_body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    keepalive_timeout 60s;
    keepalive_requests 10000000;
    client_max_body_size 1m;
EOF
    for c in "${configs[@]}"; do
        up=up_${c//-/_}
        free_port
        echo "    upstream $up {"
        echo "        least_conn;"
        for p in ${procs[$c]}; do echo "        server ${url[$p]#http://};"; done
        echo "        keepalive $CONNS;"
        echo "        keepalive_requests 10000000;"
        echo "    }"
        echo "    server {"
        echo "        listen 127.0.0.1:$port;"
        echo "        location / {"
        echo "            proxy_pass http://$up;"
        echo "            proxy_http_version 1.1;"
        echo "            proxy_set_header Connection \"\";"
        echo "            proxy_set_header Host \$host;"
        echo "            add_header X-Bench-Kind \$http_x_bench_kind always;"
        echo "        }"
        echo "    }"
        url[$c]=http://127.0.0.1:$port
    done
    echo "}"
} >"$tmp/nginx.conf"
"${server_pin[@]}" "${nice[@]}" nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/nginx-error.log" \
    -g 'daemon off;' >"$tmp/nginx.out" 2>&1 &
pids+=($!)
pid[nginx]=$!
for c in "${configs[@]}"; do
    for _ in $(seq 100); do
        curl -sf -o /dev/null --max-time 0.5 "${url[$c]}/api/v1/health" && break
        sleep 0.05
    done
    code=$(curl -s -o /dev/null -w '%{http_code}' "${url[$c]}/api/v1/health")
    [[ $code == 200 ]] || { echo "nginx -> $c: health gave $code" >&2; cat "$tmp/nginx-error.log" >&2; exit 1; }
done

((use_sqlite)) && login_all sqlite sqlite-1
((pg_procs > 0)) && login_all pg "pg-$pg_procs"
((${#configs[@]} > 0)) || { echo "FAILED: no configuration left to run" >&2; exit 1; }

# ---------------------------------------------------------------- measurement helpers
pg_pids() { # the cluster's processes: the postmaster and its children
    [[ -n $pg_dir ]] || return 0
    local m
    m=$(head -1 "$PG_DATA/postmaster.pid" 2>/dev/null) || return 0
    echo "$m" $(pgrep -P "$m")
}
group_pids() { # commune|nginx|pg|wrk-less "all" -> PIDs
    local p
    case $1 in
    commune) for p in "${!pid[@]}"; do [[ $p == nginx ]] || echo "${pid[$p]}"; done ;;
    nginx) echo "${pid[nginx]}" $(pgrep -P "${pid[nginx]}") ;;
    pg) pg_pids ;;
    esac
}
cpu_ticks() { # PIDs... -> utime+stime summed (all their threads)
    local t=0 p f
    for p in "$@"; do
        f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
        # shellcheck disable=SC2086 # the fields, one word each
        set -- $f
        t=$((t + ${12} + ${13})) # fields 14 (utime) and 15 (stime)
    done
    echo "$t"
}
clk_tck=$(getconf CLK_TCK)
all_idle_ns() { # -> "now_ns idle_ns": idle time summed over all CPUs (see bench/http/run.sh)
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
alive() { # configuration: its processes, nginx and the cluster's postmaster still run
    local p
    for p in ${procs[$1]} nginx; do
        kill -0 "${pid[$p]}" 2>/dev/null || { echo "$p (pid ${pid[$p]}) died" >&2; tail -5 "$tmp/$p.err" >&2; exit 1; }
    done
    [[ -z $pg_dir ]] || kill -0 "$(head -1 "$PG_DATA/postmaster.pid")" 2>/dev/null ||
        { echo "the PostgreSQL cluster died" >&2; exit 1; }
}
wrk_cmd() { # configuration duration -> sets the array cmd
    cmd=("${client_pin[@]}" timeout $(($2 + 60)) "${nice[@]}" wrk "-t$WRK_THREADS" "-c$CONNS" "-d${2}s"
        --latency -s "$here/mixed.lua" "${url[$1]}" -- "$tmp/sessions-$(store_of "$1")" "$WRK_THREADS" "$IMPORTS")
}

results=$tmp/results.tsv
: >"$results"
# the columns of results.tsv, after config and round
fields=(rps p50_us p99_us responses requests non2xx sockerr get_n get_bad list_n list_bad write_n write_bad
    import_n import_bad unknown codes commune_us nginx_us pg_us busy_pct other_pct)
run_wrk() { # configuration round
    local c=$1 round=$2 out res attempt a0 a1 wrk_cpu g other busy kv
    local -a cmd
    local -A r=() d0=() d1=()
    wrk_cmd "$c" "$DURATION"
    # A run disturbed by other jobs (they used >= DISTURB_PCT % of a CPU) is redone, twice at most.
    for attempt in 1 2 3; do
        wait_quiet
        # shellcheck disable=SC2046 # PIDs, one word each
        for g in commune nginx pg; do d0[$g]=$(cpu_ticks $(group_pids $g)); done
        a0=$(all_idle_ns)
        out=$(/usr/bin/time -f 'WRKCPU %U %S' "${cmd[@]}" 2>&1) || true
        a1=$(all_idle_ns)
        # shellcheck disable=SC2046 # PIDs, one word each
        for g in commune nginx pg; do d1[$g]=$(cpu_ticks $(group_pids $g)); done
        alive "$c"
        wrk_cpu=$(awk '/^WRKCPU/ { print $2 + $3 }' <<<"$out")
        busy=$(busy_pct "$a0" "$a1")
        # CPU used by anything but commune, nginx, PostgreSQL and wrk, in % of one CPU
        other=$(awk -v a="$a0" -v b="$a1" -v n="$(nproc)" -v hz="$clk_tck" -v c="${wrk_cpu:-0}" \
            -v s=$((d1[commune] - d0[commune] + d1[nginx] - d0[nginx] + d1[pg] - d0[pg])) \
            'BEGIN { split(a, x, " "); split(b, y, " "); w = (y[1] - x[1]) / 1e9
            busy = w * n - (y[2] - x[2]) / 1e9; f = busy - s / hz - c; printf "%.0f", (f > 0 ? f : 0) * 100 / w }')
        ((other < DISTURB_PCT || attempt == 3)) && break
        echo "  (round $round $c: other jobs used ${other}% of a CPU during the run; measuring again)" >&2
    done
    res=$(grep '^RESULT ' <<<"$out") || { echo "$c: no RESULT line from wrk:" >&2; echo "$out" >&2; exit 1; }
    for kv in ${res#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
    r[sockerr]=$((r[connect] + r[read] + r[write] + r[timeout]))
    for g in commune nginx pg; do
        r[${g}_us]=$(awk -v d=$((d1[$g] - d0[$g])) -v hz="$clk_tck" -v q="${r[responses]}" \
            'BEGIN { printf "%.1f", (q > 0) ? d * 1e6 / hz / q : 0 }')
    done
    r[busy_pct]=$busy
    r[other_pct]=$other
    local line="$c"$'\t'"$round" f
    for f in "${fields[@]}"; do line+=$'\t'"${r[$f]}"; done
    echo "$line" >>"$results"
    local mline="RESULT config=$c round=$round"
    for f in "${fields[@]}"; do mline+=" $f=${r[$f]}"; done
    echo "$mline"
    printf '  round %s %-8s %8.0f req/s  p50 %7.2f ms  p99 %7.2f ms  non-2xx %s (get %s, list %s, write %s, import %s; %s)  sockerr %s  CPU us/req: commune %s nginx %s pg %s  busy %s%%  other %s%%\n' \
        "$round" "$c" "${r[rps]}" "$(awk -v v="${r[p50_us]}" 'BEGIN { print v / 1000 }')" \
        "$(awk -v v="${r[p99_us]}" 'BEGIN { print v / 1000 }')" "${r[non2xx]}" "${r[get_bad]}" "${r[list_bad]}" \
        "${r[write_bad]}" "${r[import_bad]}" "${r[codes]}" "${r[sockerr]}" "${r[commune_us]}" "${r[nginx_us]}" \
        "${r[pg_us]}" "$busy" "$other"
    if ((r[non2xx] != 0 || r[sockerr] != 0 || r[responses] != r[requests])); then
        echo "  !!! $c round $round: ${r[non2xx]} non-2xx responses (${r[codes]}), ${r[sockerr]} socket errors, ${r[responses]}/${r[requests]} responses" >&2
        run_failed=1
    fi
}

# ---------------------------------------------------------------- run
cores=$(nproc)
echo "== machine: $cores CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), kernel $(uname -r)," \
    "$(wrk -v 2>&1 | head -1 | awk '{ print $1, $2 }'), nginx $(nginx -v 2>&1 | sed 's|.*/||')," \
    "SQLite $(pkg-config --modversion sqlite3 2>/dev/null || echo '?')${pg_dir:+, PostgreSQL $PG_VERSION}"
max_threads=0 max_config=''
for c in "${configs[@]}"; do
    np=$(wc -w <<<"${procs[$c]}")
    ((np * THREADS <= max_threads)) || { max_threads=$((np * THREADS)); max_config=$c; }
    echo "   $c: $np x \`commune serve --threads $THREADS\` ($((np * THREADS)) threads in all) behind nginx ${url[$c]}"
done
echo "   nginx: $NGINX_WORKERS worker(s), least_conn, keepalive to each process;" \
    "pinning: ${SERVER_CPUS:+servers on CPU $SERVER_CPUS, }${CLIENT_CPU:+wrk on CPU $CLIENT_CPU}${SERVER_CPUS:-${CLIENT_CPU:-none}}"
echo "   wrk -t$WRK_THREADS -c$CONNS, $PERSONS persons a store, their sessions spread over the threads;" \
    "requests: 60 % GET a record, 20 % GET a page of 20, $( ((IMPORTS)) &&
        echo '15 % POST a record, 5 % POST an import (2-line CSV)' || echo '20 % POST a record (IMPORTS=0: no imports)')"
((max_threads <= cores)) || echo "   NOTE: $cores cores: commune, PostgreSQL, nginx and wrk share them; with more server threads" \
    "($max_threads for $max_config) than cores, a ratio above 1 cannot show what more cores would give"

echo "== warm-up (2 s each)"
for c in "${configs[@]}"; do
    wrk_cmd "$c" 2
    res=$("${cmd[@]}" 2>&1 | grep '^RESULT ' || true)
    grep -q ' non2xx=0 ' <<<"$res" || echo "  (warm-up of $c had non-2xx responses: ${res##* codes=})" >&2
done

echo "== $ROUNDS interleaved rounds of ${DURATION}s: ${configs[*]}"
for round in $(seq "$ROUNDS"); do
    for c in "${configs[@]}"; do run_wrk "$c" "$round"; done
done

# ---------------------------------------------------------------- table
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
colno() { local i; for i in "${!fields[@]}"; do [[ ${fields[$i]} == "$1" ]] && echo $((i + 3)); done; }
col() { awk -F'\t' -v n="$1" -v c="$(colno "$2")" '$1 == n { print $c }' "$results"; }
sum() { awk '{ s += $1 } END { print s + 0 }'; }
ms() { awk '{ printf "%.2f", $1 / 1000 }'; }
echo
echo "Median of $ROUNDS rounds of ${DURATION}s (min-max in parentheses); latency is wrk's over every kind of request."
echo "CPU us/req: utime+stime (/proc/PID/stat) of the commune processes, nginx and the PostgreSQL cluster, over the"
echo "responses; busy: the whole machine during the run, in % of one CPU ($cores CPUs: $((cores * 100)) % at most)."
echo
echo "| config | processes x threads | req/s (min-max) | p50 | p99 | non-2xx get/list/write/import | CPU us/req commune+nginx+pg | busy | other load |"
echo "|---|---|---|---|---|---|---|---|---|"
declare -A med
summaries=''
for c in "${configs[@]}"; do
    np=$(wc -w <<<"${procs[$c]}")
    med[$c]=$(col "$c" rps | median)
    printf '| %s | %s x %s | %.0f (%.0f-%.0f) | %s ms | %s ms | %s/%s/%s/%s | %s+%s+%s | %s %% | %s %% |\n' "$c" "$np" "$THREADS" \
        "${med[$c]}" "$(col "$c" rps | sort -g | head -1)" "$(col "$c" rps | sort -g | tail -1)" \
        "$(col "$c" p50_us | median | ms)" "$(col "$c" p99_us | median | ms)" \
        "$(col "$c" get_bad | sum)" "$(col "$c" list_bad | sum)" "$(col "$c" write_bad | sum)" "$(col "$c" import_bad | sum)" \
        "$(col "$c" commune_us | median)" "$(col "$c" nginx_us | median)" "$(col "$c" pg_us | median)" \
        "$(col "$c" busy_pct | median)" "$(col "$c" other_pct | tr '\n' / | sed 's|/$||')"
    summaries+="SUMMARY config=$c processes=$np threads=$THREADS rps=${med[$c]}"
    summaries+=" p50_us=$(col "$c" p50_us | median) p99_us=$(col "$c" p99_us | median)"
    summaries+=" non2xx=$(col "$c" non2xx | sum) sockerr=$(col "$c" sockerr | sum) busy_pct=$(col "$c" busy_pct | median)"$'\n'
done
echo
printf '%s' "$summaries"
ratio() { # a b: the median over the rounds of rps(a)/rps(b), with each round's
    local a=$1 b=$2 per
    [[ -n ${med[$a]:-} && -n ${med[$b]:-} ]] || return 0
    per=$(paste <(col "$a" rps) <(col "$b" rps) | awk '{ printf "%.3f\n", ($2 > 0) ? $1 / $2 : 0 }')
    echo "RATIO name=$a/$b median=$(median <<<"$per") rounds=$(tr '\n' , <<<"$per" | sed 's/,$//')"
    [[ $a != pg-* || $b != pg-* ]] || ((cores >= ${a#pg-} * THREADS)) || scaling_note=1
}
scaling_note=0
for pair in "pg-2 pg-1" "pg-4 pg-1" "pg-1 sqlite-1"; do ratio "${pair% *}" "${pair#* }"; done
((scaling_note == 0)) ||
    echo "(the ratios between pg-N were measured on $cores cores: they show how N processes share them, not how they would scale on more)"

# ---------------------------------------------------------------- PostgreSQL's statements
if ((pg_procs > 0)) && [[ ${PG_STATS:-0} != 0 ]]; then
    # every configuration's runs together (warm-up and setup included): which statements the
    # PostgreSQL backends spend their time on, and how many of each a response makes
    pg_responses=$(awk -F'\t' -v c="$(colno responses)" '$1 ~ /^pg-/ { n += $c } END { print n + 0 }' "$results")
    echo
    echo "PostgreSQL statements by total time (pg_stat_statements; all pg runs, setup included;"
    echo "calls a response: over the $pg_responses responses of the timed pg runs):"
    psql "$PG_CONNINFO" -qAtF ' | ' -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
        -c "SELECT round(total_exec_time)::text || ' ms', calls,
                   round(calls::numeric / greatest($pg_responses, 1), 2) || ' a response',
                   round((total_exec_time * 1000 / greatest(calls, 1))::numeric, 1) || ' us a call',
                   left(regexp_replace(query, '\s+', ' ', 'g'), 110)
            FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 20" | sed 's/^/    /'
fi

# ---------------------------------------------------------------- server logs
other=$(cat "$tmp"/*-p*.err | grep -v '"type":"access"' | grep -v '"level":"info"' || true)
if [[ -n $other ]]; then
    echo
    echo "commune stderr lines that are neither access log nor level info (most frequent first):"
    sed -E 's/"(ts|time|request_id|id)":"[^"]*"/"\1":.../g' <<<"$other" | sort | uniq -c | sort -rn | head -10 | sed 's/^/    /'
fi
[[ -s $tmp/nginx-error.log ]] && { echo "nginx error log (last lines):"; tail -5 "$tmp/nginx-error.log" | sed 's/^/    /'; }
echo "source: $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown) ($COMMUNE)"
if [[ -n $setup_failed ]]; then
    echo "FAILED: the setup (records or the check import) failed on:$setup_failed (see '!!!' lines above)" >&2
fi
if ((run_failed)); then
    echo "FAILED: some wrk runs had non-2xx responses or socket errors (see '!!!' lines above)" >&2
fi
[[ -z $setup_failed && $run_failed == 0 ]] || exit 1
