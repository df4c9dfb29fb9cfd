#!/bin/sh
# bench/soak/run.sh: the soak of issue 15. CONNS connections (64) for DURATION seconds
# (600) of mixed work against `commune serve` on a synthetic territory of HOUSEHOLDS
# households (10,000) with DAYS days of data each (30, from 2025-01-01):
#
#   45 % reads of records, 10 % series lists, 5 % audit reads, 15 % record writes,
#   15 % a service's reads under a consent (an OAuth access token bound to a grant),
#   5 % imports of an OFX statement (Prefer: wait), 5 % runs of the Coach CO2 app.
#
# Each connection is a resident (h000000, h000001...) logged in with a session. The server's
# RSS and open descriptors are read every 5 s from /proc. Prints the table of each kind of
# request (count, rate, p50, p99, answers not as expected, 5xx), the RSS curve and the
# descriptors; exits 1 on any 5xx, transport error or unexpected answer, descriptors that
# grow, or RSS that grows by more than a tenth after the warm-up (WARMUP, 60 s).
#
#   bench/soak/run.sh
#   HOUSEHOLDS=500 DURATION=60 bench/soak/run.sh      # a short one
#
# The build is Release in build-bench-soak/ (BUILD_DIR); Node.js runs the client
# (bench/soak/soak.mjs, fetch only). Passwords are hashed at the minimum cost
# (COMMUNE_PWHASH_COST=min) so that 64 logins do not dominate the start.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
HOUSEHOLDS=${HOUSEHOLDS:-10000}
DAYS=${DAYS:-30}
DURATION=${DURATION:-600}
CONNS=${CONNS:-64}
WARMUP=${WARMUP:-60}
BUILD_DIR=${BUILD_DIR:-$top/build-bench-soak}
tmp=$(mktemp -d /tmp/commune-soak-XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
export COMMUNE_PWHASH_COST=min

echo "== building (Release) in $BUILD_DIR"
cmake -S "$top" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
	-DCMAKE_C_FLAGS=-Wno-error=maybe-uninitialized >/dev/null
cmake --build "$BUILD_DIR" -j2 --target commune commune_lib >/dev/null
make -s -C "$top/bench/consent" BUILD_DIR="$BUILD_DIR" >/dev/null
bin=$BUILD_DIR/commune
data=$tmp/data

echo "== a territory of $HOUSEHOLDS households, $DAYS days each"
t0=$(date +%s)
"$bin" synth --households "$HOUSEHOLDS" --days "$DAYS" --start 2025-01-01 --into-store \
	--jobs 2 --data "$data" | tail -n 1
echo "   made in $(($(date +%s) - t0)) s, $(du -sm "$data" | cut -f1) MB"

handles=
i=0
while [ "$i" -lt "$CONNS" ] && [ "$i" -lt "$HOUSEHOLDS" ]; do
	h=$(printf 'h%06d' "$i")
	printf 'soak-password-2026\n' | "$bin" user passwd "$h" --data "$data" >/dev/null
	"$bin" app install builtin:coach-co2 --person "$h" --data "$data" >/dev/null
	handles="$handles${handles:+,}\"$h\""
	i=$((i + 1))
done
token=$("$BUILD_DIR/grant_setup" "$data" h000000 | sed -n 's/.*token=\([^ ]*\).*/\1/p')
printf '{"password":"soak-password-2026","handles":[%s],"token":"%s"}\n' "$handles" "$token" \
	>"$tmp/people.json"

"$bin" serve --listen 127.0.0.1:0 --data "$data" >"$tmp/serve.out" 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 100); do
	grep -q '127.0.0.1:' "$tmp/serve.out" 2>/dev/null && break
	sleep 0.1
done
addr=$(grep -o '127.0.0.1:[0-9]*' "$tmp/serve.out" | head -n 1)
[ -n "$addr" ] || { echo "serve did not start"; cat "$tmp/serve.log"; exit 1; }
echo "== $CONNS connections for $DURATION s on http://$addr ($(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), commune at $(git -C "$top" rev-parse --short HEAD))"
status=0
node "$here/soak.mjs" "http://$addr" "$pid" "$tmp/people.json" "$CONNS" "$DURATION" "$WARMUP" ||
	status=1
kill "$pid"
wait "$pid" || { echo "serve did not stop cleanly"; status=1; }
pid=
exit $status
