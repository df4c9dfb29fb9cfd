#!/usr/bin/env bash
# Benchmarks the three candidate HTTP libraries against nginx (ceiling).
#
#   bench/httplibs/run.sh            # DURATION=5s ROUNDS=3 by default
#
# Servers are pinned to CPU 0, wrk to CPU 1.  Everything binds to 127.0.0.1.  Rounds are
# interleaved (nginx, mhd, h2o, evhttp, then again).  Per run: wrk req/s and p99, server CPU
# time per request from /proc/PID/stat (utime+stime), RSS from /proc/PID/status.
# All durations are bounded; every process started here is killed on exit.
set -euo pipefail

DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-64}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
COOKIE='Cookie: commune_session=abc'
PATH_GET=/api/v1/records/x/1

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
for tool in wrk nginx taskset curl ss pkg-config gcc make; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
make -s all

tmp=$(mktemp -d /tmp/httplibs-bench.XXXXXX)
chmod 755 "$tmp" # nginx workers may run as an unprivileged user
pids=()

cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback TCP port (not currently listened on), from a random start.
used_ports=" "
free_port() {
    local p=$((20000 + RANDOM % 20000))
    while ss -Htln "sport = :$p" | grep -q . || [[ $used_ports == *" $p "* ]]; do
        p=$((p + 1))
    done
    used_ports+="$p "
    echo "$p"
}

wait_port() { # port
    for _ in $(seq 100); do
        curl -s -o /dev/null --max-time 0.5 "http://127.0.0.1:$1/" && return 0
        sleep 0.05
    done
    echo "server on port $1 did not come up" >&2
    return 1
}

# ---------------------------------------------------------------- fixtures
# The exact body the C servers return (all three embed the same 298-byte string).
body='{"id":"1","collection":"x","owner":"u_7f3a9c2e","created_at":"2026-11-20T10:15:30Z","updated_at":"2026-11-23T08:01:12Z","version":7,"data":{"title":"Blood pressure reading","systolic":121,"diastolic":79,"pulse":64,"unit":"mmHg","device":"omron-m7","note":"seated, left arm"},"tags":["health","bp"]}'
mkdir -p "$tmp/www/api/v1/records/x"
printf '%s' "$body" >"$tmp/www/api/v1/records/x/1"
body_len=${#body}

# 1 KiB JSON body for POST /echo.
post_body=$(printf '{"kind":"note","text":"%s"}' "$(head -c 999 /dev/zero | tr '\0' 'a')")
cat >"$tmp/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$post_body'
wrk.headers["Content-Type"] = "application/json"
EOF

# ---------------------------------------------------------------- servers
declare -A port pid
names=(nginx mhd h2o evhttp)

port[nginx]=$(free_port)
have_echo_module=0
if [[ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ]]; then have_echo_module=1; fi
{
    [[ $have_echo_module == 1 ]] && echo 'load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;'
    cat <<EOF
daemon off;
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
    client_max_body_size 1m;
    client_body_buffer_size 1m;
    open_file_cache max=16 inactive=60s; # no open()/close() per request: a fair ceiling
    server {
        listen 127.0.0.1:${port[nginx]};
        root $tmp/www;
        location / { default_type application/json; }
EOF
    [[ $have_echo_module == 1 ]] && cat <<'EOF'
        location = /echo { default_type application/json; echo_read_request_body; echo_request_body; }
EOF
    echo '    }'
    echo '}'
} >"$tmp/nginx.conf"

for n in "${names[@]}"; do
    [[ $n == nginx ]] || port[$n]=$(free_port)
    case $n in
    nginx) taskset -c "$SERVER_CPU" nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/nginx-error.log" \
        >"$tmp/nginx.out" 2>&1 & ;;
    *) taskset -c "$SERVER_CPU" "./${n}_server" "${port[$n]}" >"$tmp/$n.out" 2>&1 & ;;
    esac
    pids+=($!)
    pid[$n]=$!
done
for n in "${names[@]}"; do
    wait_port "${port[$n]}" || { cat "$tmp/$n.out" "$tmp/nginx-error.log" 2>/dev/null >&2; exit 1; }
done

# PIDs whose CPU/RSS count for a server (nginx: master + its worker).
proc_pids() { # name
    if [[ $1 == nginx ]]; then
        echo "${pid[nginx]}" $(pgrep -P "${pid[nginx]}")
    else
        echo "${pid[$1]}"
    fi
}
cpu_ticks() { # name -> utime+stime summed over the server's processes (all threads)
    local t=0 p f
    for p in $(proc_pids "$1"); do
        f=$(sed 's/^.*) //' "/proc/$p/stat") # fields after "(comm) ", i.e. starting at field 3
        # shellcheck disable=SC2086 # split the stat fields on purpose
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

# ---------------------------------------------------------------- sanity checks
echo "== sanity checks"
for n in "${names[@]}"; do
    u="http://127.0.0.1:${port[$n]}"
    got=$(curl -s -H "$COOKIE" -w '\n%{http_code} %{content_type}' "$u$PATH_GET")
    status=${got##*$'\n'}
    got_body=${got%$'\n'*}
    [[ $status == "200 application/json" && $got_body == "$body" ]] ||
        { echo "$n: bad GET response: $status" >&2; exit 1; }
    if [[ $n != nginx ]]; then
        code=$(curl -s -o /dev/null -w '%{http_code}' "$u$PATH_GET")
        [[ $code == 401 ]] || { echo "$n: GET without cookie gave $code, want 401" >&2; exit 1; }
    fi
    if [[ $n != nginx || $have_echo_module == 1 ]]; then
        echoed=$(curl -s -H 'Content-Type: application/json' --data-binary "$post_body" "$u/echo")
        [[ $echoed == "$post_body" ]] || { echo "$n: /echo did not echo" >&2; exit 1; }
    fi
    printf '  %-7s ok (port %s)\n' "$n" "${port[$n]}"
done
declare -A rss_idle
for n in "${names[@]}"; do rss_idle[$n]=$(mem_kb "$n" VmRSS); done

# ---------------------------------------------------------------- measurement
results="$tmp/results.tsv"
: >"$results"

run_wrk() { # name mode(GET|POST) round -> appends a line to $results
    local n=$1 mode=$2 round=$3 u="http://127.0.0.1:${port[$1]}" out c0 c1 rps p99 reqs non2xx errs
    local args=(-t1 "-c$CONNS" "-d$DURATION" --latency -H "$COOKIE")
    if [[ $mode == POST ]]; then args+=(-s "$tmp/post.lua"); u+=/echo; else u+=$PATH_GET; fi
    c0=$(cpu_ticks "$n")
    out=$(taskset -c "$CLIENT_CPU" timeout 60 wrk "${args[@]}" "$u")
    c1=$(cpu_ticks "$n")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    reqs=$(awk '/ requests in / { print $1 }' <<<"$out")
    p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
                else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
                printf "%.2f", v }' <<<"$out")
    non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
    errs=$(awk '/Socket errors/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' <<<"$out")
    local cpu_us
    cpu_us=$(awk -v d=$((c1 - c0)) -v hz="$clk_tck" -v r="$reqs" 'BEGIN { printf "%.2f", d * 1e6 / hz / r }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$mode" "$round" "$rps" "$p99" "$cpu_us" \
        "${non2xx:-0}" "${errs:-0}" >>"$results"
    printf '  round %s %-6s %-4s %10.0f req/s  p99 %6.2f ms  %6.2f us/req  non2xx=%s sockerr=%s\n' \
        "$round" "$n" "$mode" "$rps" "$p99" "$cpu_us" "${non2xx:-0}" "${errs:-0}"
}

echo "== warm-up (1s each)"
for n in "${names[@]}"; do
    taskset -c "$CLIENT_CPU" timeout 20 wrk -t1 "-c$CONNS" -d1s -H "$COOKIE" \
        "http://127.0.0.1:${port[$n]}$PATH_GET" >/dev/null
done

echo "== $ROUNDS interleaved rounds, wrk -t1 -c$CONNS -d$DURATION (server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU)"
for round in $(seq "$ROUNDS"); do
    for n in "${names[@]}"; do run_wrk "$n" GET "$round"; done
    for n in "${names[@]}"; do
        [[ $n == nginx && $have_echo_module != 1 ]] && continue
        run_wrk "$n" POST "$round"
    done
done
declare -A rss_peak
for n in "${names[@]}"; do rss_peak[$n]=$(mem_kb "$n" VmHWM); done

# ---------------------------------------------------------------- table
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { # name mode column -> values
    awk -F'\t' -v n="$1" -v m="$2" -v c="$3" '$1 == n && $2 == m { print $c }' "$results"
}
label() {
    case $1 in
    nginx) echo "nginx $(nginx -v 2>&1 | sed 's|.*/||') static (1 worker)" ;;
    mhd) echo "libmicrohttpd $(pkg-config --modversion libmicrohttpd)" ;;
    h2o) echo "h2o $(dpkg-query -W -f='${Version}' libh2o-evloop-dev 2>/dev/null | sed 's/+.*//') (libh2o-evloop)" ;;
    evhttp) echo "libevent evhttp $(pkg-config --modversion libevent)" ;;
    esac
}

nginx_get=$(col nginx GET 4 | median)
nginx_post=$(col nginx POST 4 | median)
echo
echo "Median of $ROUNDS rounds; GET $PATH_GET (${body_len}-byte JSON, cookie checked), POST /echo (1 KiB JSON)."
echo "CPU us/req = server utime+stime / requests completed.  RSS = idle -> peak (VmHWM)."
echo
echo "| server | GET req/s (min-max) | x nginx | GET p99 | GET CPU us/req | POST req/s | x nginx | POST p99 | POST CPU us/req | RSS idle -> peak |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for n in "${names[@]}"; do
    g=$(col "$n" GET 4 | median)
    gmin=$(col "$n" GET 4 | sort -g | head -1)
    gmax=$(col "$n" GET 4 | sort -g | tail -1)
    gp=$(col "$n" GET 5 | median)
    gc=$(col "$n" GET 6 | median)
    if [[ -n $(col "$n" POST 4) ]]; then
        p=$(col "$n" POST 4 | median); pp=$(col "$n" POST 5 | median); pc=$(col "$n" POST 6 | median)
        pr=$(awk -v a="$p" -v b="$nginx_post" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
        post=$(printf '%.0f | %s | %.2f ms | %.1f' "$p" "$pr" "$pp" "$pc")
    else
        post="- | - | - | -"
    fi
    printf '| %s | %.0f (%.0f-%.0f) | %.2f | %.2f ms | %.1f | %s | %.1f -> %.1f MB |\n' \
        "$(label "$n")" "$g" "$gmin" "$gmax" "$(awk -v a="$g" -v b="$nginx_get" 'BEGIN { print a / b }')" \
        "$gp" "$gc" "$post" "$(awk -v k="${rss_idle[$n]}" 'BEGIN { print k / 1024 }')" \
        "$(awk -v k="${rss_peak[$n]}" 'BEGIN { print k / 1024 }')"
done
bad=$(awk -F'\t' '$7 != 0 || $8 != 0' "$results")
if [[ -n $bad ]]; then
    echo
    echo "WARNING: runs with non-2xx responses or socket errors:"
    echo "$bad"
fi
echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r)"
