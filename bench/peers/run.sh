#!/usr/bin/env bash
# The peer benchmark: commune against the Community Solid Server (CSS), the personal data store a
# person would otherwise pick. Authenticated reads and writes of one small resource, as its owner.
#
#   bench/peers/run.sh [DURATION_S]         # default 10 (seconds per measured run)
#
# Environment: ROUNDS (3), WARMUP (2 s before each measured run, not recorded), SERVER_CPU (0),
#   CLIENT_CPU (1), QUIET_PCT (10), QUIET_WAIT (300), DISTURB_PCT (20), NICE (-10),
#   PEER_BACKEND (file: CSS's file backend in a temp dir; or memory), WRK (1: also measure commune
#   with wrk; 0: skip), COMMUNE_AUTH (token: a personal API token as Bearer; or session: the
#   session cookie with X-CSRF-Token), BUILD_DIR (/tmp/benchbuild-peers; configured Release and
#   built if needed), COMMUNE (a commune binary to use instead of building one), KEEP=1 (keep the
#   temp dir), PEER_TESTS (the tests to run, of "get 1", "get 64", "put 1", "put 64"; all by
#   default), comma-separated, e.g. PEER_TESTS="put 1,put 64".
#
# It installs what is missing (`npm ci` in bench/peers for @solid/community-server 7.2.0, pinned by
# package-lock.json; wrk with apt-get as root), builds commune, then starts side by side, both
# pinned to SERVER_CPU and bound to 127.0.0.1 on free ports:
#   css      CSS 7.2.0 (one Node process), config @css:config/file.json (file backend, WebACL,
#            DPoP/Bearer authentication, default info logging to a file), base URL
#            http://localhost:PORT/ (Solid-OIDC accepts http WebIDs only on localhost). CSS calls
#            listen(port), which would bind every interface: a 10-line preload written into the
#            temp dir makes that listen(port) bind 127.0.0.1.
#   commune  `commune serve --threads 1` (CSS is one single-threaded process), access log on
#            (stderr to a file), a fresh data dir holding one person.
# load.mjs sets both up as their owner would: on CSS an account, a password login, a pod and
# client credentials through the JSON account API (/.account/), then a ~200-byte JSON resource
# PUT by the owner; on commune a login, a personal API token and one bank.transaction record of
# the same JSON. It checks that the owner gets 200 and an anonymous GET or PUT gets 401.
# Then ROUNDS interleaved rounds: for each test (GET and PUT of the resource, at 1 and 64
# connections), css, commune, and commune again under wrk. load.mjs (Node 20, keep-alive,
# one request at a time per connection) is the same generator for both; every CSS request carries
# a fresh DPoP proof, signed by the generator. wrk checks that the Node generator, which nearly
# fills its core at commune's read rate, is not what limits commune's figures; it cannot drive
# CSS (every request needs a new ES256-signed proof).
# Generators run on CLIENT_CPU. Server CPU per request is utime+stime (/proc/PID/stat) over the
# responses; peak RSS is VmHWM, reset (/proc/PID/clear_refs) before each run, so each row shows
# the peak of that run, and the memory target is judged on the peak after setup (the RSS right
# after setup and every run's peak); the VmHWM from start to the end of setup (CSS's start,
# commune's Argon2id login) is printed and judged too. Any non-2xx answer or
# socket error makes the script exit 1 after the table. Every process started here is stopped on
# exit.
#
# Noise: before each run the script waits until other jobs use < QUIET_PCT % of a CPU (at most
# QUIET_WAIT s); "other load" is the CPU used during the run by anything but the server under
# test and the generator; a run with >= DISTURB_PCT % is redone (twice at most).
set -euo pipefail

DURATION=${1:-${DURATION_S:-10}}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-2}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
QUIET_PCT=${QUIET_PCT:-10}
QUIET_WAIT=${QUIET_WAIT:-300}
DISTURB_PCT=${DISTURB_PCT:-20}
NICE=${NICE:--10}
PEER_BACKEND=${PEER_BACKEND:-file}
WRK=${WRK:-1}
export COMMUNE_AUTH=${COMMUNE_AUTH:-token}
BUILD_DIR=${BUILD_DIR:-/tmp/benchbuild-peers}
PASSWORD='bench password 0123456789'
TARGET_RPS_RATIO=100     # commune throughput >= 100 x CSS's
TARGET_MEM_RATIO=0.1     # commune memory <= 1/10 of CSS's

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[[ $DURATION =~ ^[0-9]+$ && $ROUNDS =~ ^[0-9]+$ && $WARMUP =~ ^[0-9]+$ ]] ||
    { echo "usage: $0 [DURATION_S] (ROUNDS, WARMUP: integers)" >&2; exit 2; }
case $PEER_BACKEND in
file) css_config=@css:config/file.json ;;
memory) css_config=@css:config/default.json ;;
*) echo "PEER_BACKEND: file or memory" >&2; exit 2 ;;
esac

# ---------------------------------------------------------------- install what is missing
if [[ $WRK == 1 ]] && ! command -v wrk >/dev/null; then
    if [[ $(id -u) == 0 ]]; then
        echo "== apt-get install -y wrk"
        DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null ||
            { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null; }
    else
        echo "wrk missing (apt-get install wrk), or run with WRK=0" >&2; exit 1
    fi
fi
for tool in node npm taskset curl ss jq cmake awk; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "missing /usr/bin/time (Debian package time)" >&2; exit 1; }

css_pkg=$here/node_modules/@solid/community-server
want_css=$(jq -r '.packages["node_modules/@solid/community-server"].version' "$here/package-lock.json")
if [[ ! -f $css_pkg/package.json || $(jq -r .version "$css_pkg/package.json") != "$want_css" ]]; then
    echo "== npm ci in bench/peers (@solid/community-server $want_css)"
    (cd "$here" && npm ci --no-audit --no-fund >/tmp/bench-peers-npm.log 2>&1) ||
        { tail -30 /tmp/bench-peers-npm.log >&2; exit 1; }
fi
css_version=$(jq -r .version "$css_pkg/package.json")

if [[ -z ${COMMUNE:-} ]]; then
    # -Wno-error=maybe-uninitialized: as in bench/http (GCC 12 false positives at -O3)
    echo "== building commune (Release) in $BUILD_DIR"
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

tmp=$(mktemp -d /tmp/commune-peers-bench.XXXXXX)
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

declare -A pid target
gen=(taskset -c "$CLIENT_CPU" "${nice[@]}")

# ---------------------------------------------------------------- CSS
# CSS 7 calls server.listen(port) without a host, which binds every interface: this preload,
# loaded with `node -r`, turns a listen on a bare port into a listen on 127.0.0.1.
cat >"$tmp/loopback.cjs" <<'EOF'
const net = require('node:net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number') {
    return listen.call(this, { port: args[0], host: '127.0.0.1' }, ...args.slice(1).filter((a) => typeof a === 'function'));
  }
  if (args[0] && typeof args[0] === 'object' && args[0].path === undefined && !args[0].host) {
    args[0] = { ...args[0], host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};
EOF
cport=$(free_port)
mkdir -p "$tmp/css-root"
echo "== starting CSS $css_version ($css_config$([[ $PEER_BACKEND == file ]] && echo ", files under $tmp/css-root")) on 127.0.0.1:$cport"
# (CSS reads CSS_* environment variables as options: none is passed on)
(cd "$tmp" && for v in $(compgen -e | grep '^CSS_' || true); do unset "$v"; done && exec taskset -c "$SERVER_CPU" "${nice[@]}" node -r "$tmp/loopback.cjs" "$css_pkg/bin/server.js" \
    -c "$css_config" -f "$tmp/css-root" -p "$cport" -b "http://localhost:$cport/" -l info \
    >"$tmp/css.log" 2>&1) &
pids+=($!)
pid[css]=$!
for _ in $(seq 240); do
    curl -sf -o /dev/null --max-time 1 -H "Host: localhost:$cport" "http://127.0.0.1:$cport/.account/" && break
    kill -0 "${pid[css]}" 2>/dev/null || break
    sleep 0.25
done
curl -sf -o /dev/null -H "Host: localhost:$cport" "http://127.0.0.1:$cport/.account/" || { echo "CSS did not start:" >&2; tail -30 "$tmp/css.log" >&2; exit 1; }
# the preload worked: nothing listens on that port but 127.0.0.1
if ss -Htln "sport = :$cport" | awk '{ print $4 }' | grep -qv '^127\.0\.0\.1:'; then
    echo "CSS listens beyond 127.0.0.1:" >&2; ss -Htln "sport = :$cport" >&2; exit 1
fi
[[ $(ps -o comm= -p "${pid[css]}") == node ]] || { echo "CSS pid ${pid[css]} is not node" >&2; exit 1; }

# ---------------------------------------------------------------- commune
echo "$PASSWORD" | "$COMMUNE" user add alice --data "$tmp/commune-data" >/dev/null
taskset -c "$SERVER_CPU" "${nice[@]}" "$COMMUNE" serve --data "$tmp/commune-data" --listen 127.0.0.1:0 --threads 1 \
    >"$tmp/commune.out" 2>"$tmp/commune.err" &
pids+=($!)
pid[commune]=$!
line=''
for _ in $(seq 100); do
    line=$(grep -m1 -o 'listening on http://127\.0\.0\.1:[0-9]*' "$tmp/commune.out" 2>/dev/null || true)
    [[ -n $line ]] && break
    kill -0 "${pid[commune]}" 2>/dev/null || break
    sleep 0.05
done
[[ -n $line ]] || { echo "commune did not start:" >&2; cat "$tmp/commune.out" "$tmp/commune.err" >&2; exit 1; }
curl_base=${line#listening on }
echo "== commune $("$COMMUNE" --version 2>/dev/null | awk '{ print $NF }') serving $curl_base (--threads 1)"

# ---------------------------------------------------------------- authentication and the resource
echo "== setup (load.mjs, as each resource's owner)"
"${gen[@]}" node "$here/load.mjs" setup-css "http://localhost:$cport" "$tmp/css.json"
"${gen[@]}" node "$here/load.mjs" setup-commune "$curl_base" alice "$PASSWORD" "$tmp/commune.json"
target[css]=$tmp/css.json
target[commune]=$tmp/commune.json
pid[commune-wrk]=${pid[commune]}

# wrk: GET uses bench/http/count.lua as is; PUT sets method, body and type, then loads it
commune_url=$(jq -r .url "$tmp/commune.json")
wrk_auth=()
while IFS= read -r h; do wrk_auth+=(-H "$h"); done < <(jq -r '.auth | to_entries[] | "\(.key): \(.value)"' "$tmp/commune.json")
{
    echo 'wrk.method = "PUT"'
    printf 'wrk.body = [==[%s]==]\n' "$(jq -r .doc "$tmp/commune.json")"
    echo 'wrk.headers["Content-Type"] = "application/json"'
    printf 'dofile("%s")\n' "$repo/bench/http/count.lua"
} >"$tmp/put.lua"

# ---------------------------------------------------------------- measurement helpers
mem_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; } # pid field
hwm_reset_ok=1
reset_hwm() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || hwm_reset_ok=0; }
cpu_ticks() { local f; f=$(sed 's/^.*) //' "/proc/$1/stat"); set -- $f; echo $((${12} + ${13})); }
clk_tck=$(getconf CLK_TCK)
all_idle() { # -> "now_ns idle_ns" summed over all CPUs
    local now idle
    now=$(date +%s%N)
    idle=$(awk -v hz="$clk_tck" '$1 == "cpu" { printf "%.0f", ($5 + $6) * 1e9 / hz }' /proc/stat)
    echo "$now $idle"
}
busy_pct() { # "now idle" "now idle" -> % of one CPU busy in between, whole machine
    awk -v a="$1" -v b="$2" -v n="$(nproc)" 'BEGIN { split(a, x, " "); split(b, y, " ")
        w = y[1] - x[1]; printf "%.0f", (w > 0) ? 100 * (w * n - (y[2] - x[2])) / w : 0 }'
}
wait_quiet() {
    local waited=0 a b p
    while :; do
        a=$(all_idle); sleep 1; b=$(all_idle)
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

results=$tmp/results.tsv
: >"$results"
failed=0
idle_rss_css=$(mem_kb "${pid[css]}" VmRSS)
idle_rss_commune=$(mem_kb "${pid[commune]}" VmRSS)
hwm_start_css=$(mem_kb "${pid[css]}" VmHWM)
hwm_start_commune=$(mem_kb "${pid[commune]}" VmHWM)

measure() { # server method conns round -> appends one line to $results
    local s=$1 m=$2 c=$3 round=$4 p=${pid[$1]} attempt out res a0 a1 c0 c1 other gcpu
    local rps p50 p99 non2xx errs resp cpu_us hwm
    for attempt in 1 2 3; do
        wait_quiet
        reset_hwm "$p"
        if [[ $s == commune-wrk ]]; then
            local -a w=(-t1 "-c$c" --latency "${wrk_auth[@]}")
            if [[ $m == put ]]; then w+=(-s "$tmp/put.lua"); else w+=(-s "$repo/bench/http/count.lua"); fi
            "${gen[@]}" wrk "${w[@]}" "-d${WARMUP}s" "$commune_url" >/dev/null 2>&1 || true
            a0=$(all_idle); c0=$(cpu_ticks "$p")
            out=$("${gen[@]}" timeout $((DURATION + 60)) /usr/bin/time -f 'GENCPU %U %S' \
                wrk "${w[@]}" "-d${DURATION}s" "$commune_url" 2>&1) || true
            c1=$(cpu_ticks "$p"); a1=$(all_idle)
        else
            a0=$(all_idle); c0=$(cpu_ticks "$p")
            out=$("${gen[@]}" timeout $((DURATION + WARMUP + 120)) /usr/bin/time -f 'GENCPU %U %S' \
                node "$here/load.mjs" run "${target[$s]}" "$m" "$c" "$DURATION" "$WARMUP" "$p" 2>&1) || true
            c1=$(cpu_ticks "$p"); a1=$(all_idle)
        fi
        kill -0 "$p" 2>/dev/null || { echo "$s (pid $p) died; output: $out" >&2; exit 1; }
        res=$(grep '^RESULT ' <<<"$out") || { echo "$s: no RESULT line:" >&2; echo "$out" >&2; exit 1; }
        gcpu=$(awk '/^GENCPU/ { print $2 + $3 }' <<<"$out")
        # other load: machine busy time minus the server's and the generator's, % of one CPU
        other=$(awk -v a="$a0" -v b="$a1" -v n="$(nproc)" -v s=$((c1 - c0)) -v hz="$clk_tck" -v g="$gcpu" \
            'BEGIN { split(a, x, " "); split(b, y, " "); w = (y[1] - x[1]) / 1e9
            busy = w * n - (y[2] - x[2]) / 1e9; f = busy - s / hz - g; printf "%.0f", (f > 0 ? f : 0) * 100 / w }')
        ((other < DISTURB_PCT || attempt == 3)) && break
        echo "  (round $round $s $m c$c: other jobs used ${other}% of a CPU; measuring again)" >&2
    done
    hwm=$(mem_kb "$p" VmHWM)
    if [[ $s == commune-wrk ]]; then
        local -A r=()
        local kv
        for kv in ${res#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
        rps=${r[rps]} resp=${r[responses]} non2xx=${r[non2xx]}
        errs=$((r[connect] + r[read] + r[write] + r[timeout] + r[requests] - r[responses]))
        p50=$(awk -v v="${r[p50_us]}" 'BEGIN { print v / 1000 }')
        p99=$(awk -v v="${r[p99_us]}" 'BEGIN { print v / 1000 }')
        cpu_us=$(awk -v d=$((c1 - c0)) -v hz="$clk_tck" -v q="$resp" 'BEGIN { printf "%.1f", q ? d * 1e6 / hz / q : 0 }')
        gcpu=$(awk -v g="$gcpu" -v d="$DURATION" 'BEGIN { printf "%.0f", g * 100 / d }')
    else
        local j=${res#RESULT }
        rps=$(jq -r .rps <<<"$j") resp=$(jq -r .responses <<<"$j") non2xx=$(jq -r .non2xx <<<"$j")
        errs=$(jq -r .errors <<<"$j") p50=$(jq -r .p50_ms <<<"$j") p99=$(jq -r .p99_ms <<<"$j")
        cpu_us=$(jq -r '.server_cpu_us_per_req * 10 | round / 10' <<<"$j")
        gcpu=$(jq -r '.gen_cpu_pct | round' <<<"$j") # measured part only (process.cpuUsage)
        if ((non2xx)); then echo "  statuses: $(jq -c .statuses <<<"$j")" >&2; fi
        if ((errs)); then echo "  first errors: $(jq -c .first_errors <<<"$j")" >&2; fi
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$m" "$c" "$round" "$rps" "$p50" "$p99" \
        "$cpu_us" "$hwm" "$gcpu" "$other" "$non2xx" "$errs" >>"$results"
    printf '  round %s %-6s c%-3s %-12s %10.1f req/s  p50 %8.3f ms  p99 %8.3f ms  server %8.1f us/req  peak RSS %6.1f MB  generator CPU %3s%%  other load %3s%%  responses %s non-2xx %s errors %s\n' \
        "$round" "${m^^}" "$c" "$s" "$rps" "$p50" "$p99" "$cpu_us" "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')" \
        "$gcpu" "$other" "$resp" "$non2xx" "$errs"
    if ((non2xx != 0 || errs != 0)); then
        echo "  !!! $s ${m^^} c$c round $round: $non2xx non-2xx responses, $errs socket errors" >&2
        failed=1
    fi
}

# ---------------------------------------------------------------- run
servers=(css commune)
[[ $WRK == 1 ]] && servers+=(commune-wrk)
tests=("get 1" "get 64" "put 1" "put 64")
if [[ -n ${PEER_TESTS:-} ]]; then
    tests=()
    for t in "get 1" "get 64" "put 1" "put 64"; do
        [[ ,${PEER_TESTS// ,/,}, == *",$t,"* ]] && tests+=("$t")
    done
    ((${#tests[@]})) || { echo "PEER_TESTS: a comma-separated list of: get 1, get 64, put 1, put 64" >&2; exit 2; }
fi
echo "== $ROUNDS interleaved rounds of ${DURATION}s (+${WARMUP}s warm-up) per run; servers on CPU $SERVER_CPU" \
    "(commune --threads 1, CSS one Node process), generators on CPU $CLIENT_CPU"
for round in $(seq "$ROUNDS"); do
    for t in "${tests[@]}"; do
        set -- $t
        for s in "${servers[@]}"; do measure "$s" "$1" "$2" "$round"; done
    done
done

# ---------------------------------------------------------------- tables
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v s="$1" -v m="$2" -v c="$3" -v k="$4" '$1 == s && $2 == m && $3 == c { print $k }' "$results"; }
label() {
    case $1 in
    css) echo "CSS $css_version ($PEER_BACKEND), load.mjs" ;;
    commune) echo "commune, load.mjs" ;;
    commune-wrk) echo "commune, wrk" ;;
    esac
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

css_bytes=$(jq -r .getBytes "$tmp/css.json")
commune_bytes=$(jq -r .getBytes "$tmp/commune.json")
doc_bytes=$(jq -r '.doc | length' "$tmp/css.json")
echo
echo "### Results"
echo
echo "Resource: a ${doc_bytes}-byte JSON document. CSS: GET answers it as stored (${css_bytes} bytes), PUT replaces it;"
echo "auth: DPoP-bound access token (client credentials) + a fresh DPoP proof per request. commune: GET"
echo "/api/v1/records/bank.transaction/ID answers the record with its metadata (${commune_bytes} bytes), PUT replaces its data"
echo "(no If-Match: last writer wins); auth: $([[ $COMMUNE_AUTH == session ]] && echo 'session cookie + X-CSRF-Token' || echo 'personal API token (Bearer)')."
echo "Servers pinned to CPU $SERVER_CPU, commune with --threads 1; generators pinned to CPU $CLIENT_CPU."
echo "Median of $ROUNDS rounds of ${DURATION}s (min-max); latencies and CPU are medians; peak RSS is the highest VmHWM"
echo "of the rounds (reset before each run); generator CPU in % of one CPU."
echo
echo "| test | server, generator | req/s (min-max) | p50 | p99 | server CPU us/req | peak RSS | generator CPU | other load | non-2xx | errors |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
declare -A med
for t in "${tests[@]}"; do
    set -- $t
    for s in "${servers[@]}"; do
        med[$s $1 $2]=$(col "$s" "$1" "$2" 5 | median)
        printf '| %s, %s conn | %s | %.1f (%.1f-%.1f) | %.3f ms | %.3f ms | %.1f | %.1f MB | %.0f %% | %s %% | %s | %s |\n' \
            "${1^^}" "$2" "$(label "$s")" "${med[$s $1 $2]}" \
            "$(col "$s" "$1" "$2" 5 | sort -g | head -1)" "$(col "$s" "$1" "$2" 5 | sort -g | tail -1)" \
            "$(col "$s" "$1" "$2" 6 | median)" "$(col "$s" "$1" "$2" 7 | median)" "$(col "$s" "$1" "$2" 8 | median)" \
            "$(mb "$(col "$s" "$1" "$2" 9 | sort -g | tail -1)")" "$(col "$s" "$1" "$2" 10 | median)" \
            "$(col "$s" "$1" "$2" 11 | tr '\n' / | sed 's|/$||')" \
            "$(col "$s" "$1" "$2" 12 | awk '{ t += $1 } END { print t + 0 }')" \
            "$(col "$s" "$1" "$2" 13 | awk '{ t += $1 } END { print t + 0 }')"
    done
done

verdict() { awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? a >= b : a <= b; print ok ? "met" : "NOT met" }'; }
echo
echo "| test | commune / CSS req/s, both load.mjs | commune (wrk) / CSS (load.mjs) | target >= ${TARGET_RPS_RATIO}x |"
echo "|---|---|---|---|"
tp_met=0 tp_all=0
for t in "${tests[@]}"; do
    set -- $t
    r1=$(awk -v a="${med[commune $1 $2]}" -v b="${med[css $1 $2]}" 'BEGIN { printf "%.0f", (b > 0) ? a / b : 0 }')
    r2=n/a
    [[ $WRK == 1 ]] && r2=$(awk -v a="${med[commune-wrk $1 $2]}" -v b="${med[css $1 $2]}" 'BEGIN { printf "%.0f", (b > 0) ? a / b : 0 }')x
    v=$(verdict "$r1" "$TARGET_RPS_RATIO" ">=")
    tp_all=$((tp_all + 1))
    [[ $v == met ]] && tp_met=$((tp_met + 1))
    echo "| ${1^^}, $2 conn | ${r1}x | $r2 | $v (on the load.mjs figure, a lower bound for commune) |"
done

# peak after setup: the highest of the RSS right after setup and the VmHWM of every run
peak_css=$(awk -F'\t' -v m="$idle_rss_css" '$1 == "css" && $9 > m { m = $9 } END { print m + 0 }' "$results")
peak_commune=$(awk -F'\t' -v m="$idle_rss_commune" '($1 == "commune" || $1 == "commune-wrk") && $9 > m { m = $9 } END { print m + 0 }' "$results")
mem_ratio=$(awk -v a="$peak_commune" -v b="$peak_css" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')
life_ratio=$(awk -v a="$hwm_start_commune" -v b="$hwm_start_css" -v c="$peak_commune" -v d="$peak_css" \
    'BEGIN { x = (a > c ? a : c); y = (b > d ? b : d); printf "%.3f", (y > 0) ? x / y : 0 }')
echo
echo "| server | RSS right after setup | peak RSS after setup (runs included) | VmHWM from start to the end of setup |"
echo "|---|---|---|---|"
echo "| CSS $css_version (node) | $(mb "$idle_rss_css") MB | $(mb "$peak_css") MB | $(mb "$hwm_start_css") MB |"
echo "| commune | $(mb "$idle_rss_commune") MB | $(mb "$peak_commune") MB | $(mb "$hwm_start_commune") MB |"
((hwm_reset_ok)) || echo "(VmHWM could not be reset: /proc/PID/clear_refs refused; peaks are since start)"
echo
echo "target: commune throughput >= ${TARGET_RPS_RATIO}x CSS's: $( ((tp_met == tp_all)) && echo met || echo "NOT met"): met in $tp_met of $tp_all tests (load.mjs against load.mjs)"
echo "target: commune memory <= 1/10 of CSS's: peak RSS after setup $(mb "$peak_commune") MB vs $(mb "$peak_css") MB," \
    "ratio $mem_ratio -> $(verdict "$mem_ratio" "$TARGET_MEM_RATIO" "<=");" \
    "over the whole life (start and login included) ratio $life_ratio -> $(verdict "$life_ratio" "$TARGET_MEM_RATIO" "<=")"
echo
echo "other load during the runs (CPU not used by the server under test or its generator, % of one CPU): $(cut -f11 "$results" | sort -g | head -1)-$(cut -f11 "$results" | sort -g | tail -1) %"
sed 's/\x1b\[[0-9;]*m//g' "$tmp/css.log" >"$tmp/css-plain.log" # no colour codes
echo "CSS log: $(grep -c 'Received ' "$tmp/css-plain.log" || true) requests logged, $(grep -c -E ' (warn|error): ' "$tmp/css-plain.log" || true)" \
    "warn/error lines (4 expected, from the setup's checks: anonymous GET and PUT, and a proof for another URL, which makes 2)"
grep -E ' (warn|error): ' "$tmp/css-plain.log" | sed 's/^[^ ]* //' | sort | uniq -c | sort -rn | head -5 | sed 's/^/    /' || true
echo "commune stderr: $(grep -c '"type":"access"' "$tmp/commune.err" || true) access-log lines; statuses:" \
    "$(grep -o '"status":[0-9]*' "$tmp/commune.err" | sort | uniq -c | awk '{ sub(/"status":/, "", $2); printf "%s%s x%s", sep, $2, $1; sep = ", " }')"
echo "source: $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown) ($COMMUNE)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), node $(node --version)$([[ $WRK == 1 ]] && echo ", $(wrk -v 2>&1 | head -1 | awk '{ print $1, $2 }')")"
if ((failed)); then
    echo "FAILED: some runs had non-2xx responses or socket errors (see '!!!' lines above)" >&2
    exit 1
fi
