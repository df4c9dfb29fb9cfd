#!/bin/sh
# pg-backup-restore.sh - the PostgreSQL procedures of docs/deploy.md, run for
# real against commune: a primary that archives its WAL, a streaming replica
# made with pg_basebackup -R, a base backup, then a point-in-time restore of
# that backup and the archived WAL into a new cluster, which commune reads
# and serves. Every cluster is Debian's server on a free port of 127.0.0.1,
# in one directory of /tmp (the postgres user, which runs the servers when
# the script runs as root, must reach it); everything is stopped and removed
# at the end, whether the checks pass or not. One line per check; the first
# that fails ends the script with status 1 and shows what its step printed.
# Usage: pg-backup-restore.sh COMMUNE_BINARY
set -eu
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
export COMMUNE_PWHASH_COST=min
unset COMMUNE_STORE COMMUNE_DATA

# the newest server installed, as scripts/pg-temp chooses it
pgbin=
for b in /usr/lib/postgresql/*/bin; do
	[ -x "$b/pg_ctl" ] || continue
	v=${b#/usr/lib/postgresql/}
	v=${v%/bin}
	if [ -z "$pgbin" ] || [ "${v%%.*}" -gt "$pgv" ]; then
		pgbin=$b
		pgv=${v%%.*}
	fi
done
[ -n "$pgbin" ] || {
	echo "pg-backup-restore: no PostgreSQL server under /usr/lib/postgresql" \
		"(scripts/install-deps test)" >&2
	exit 1
}

tmp=$(mktemp -d /tmp/commune-deploy-XXXXXX)
chmod 755 "$tmp"
pg=$tmp/pg          # the clusters, the base backup and the WAL archive
data=$tmp/data      # commune's data directory: master.key, issuer.key
serve_pid=

# as_owner CMD... - runs CMD as the clusters' owner (initdb refuses root)
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

cleanup() {
	status=$?
	set +e
	trap '' HUP INT TERM # a signal now would leave servers running
	if [ -n "$serve_pid" ]; then
		kill "$serve_pid" 2>/dev/null
		wait "$serve_pid" 2>/dev/null
	fi
	for c in replica restored; do
		[ -f "$pg/$c/postmaster.pid" ] &&
			as_owner "$pgbin/pg_ctl" -D "$pg/$c" -m immediate -w -t 60 stop >/dev/null 2>&1
	done
	[ -d "$pg/primary/data" ] && "$top/scripts/pg-temp" stop "$pg/primary" >/dev/null 2>&1
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

mkdir "$pg"
[ "$(id -u)" -eq 0 ] && chown postgres: "$pg"
as_owner mkdir "$pg/archive"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
		2>/dev/null && return
	while :; do # no python: a port of the ephemeral range nothing listens on
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
		ss -Hltn "sport = :$p" | grep -q . || {
			echo "$p"
			return
		}
	done
}

# sql PORT QUERY - one query, its rows unaligned
sql() {
	"$pgbin/psql" -X -Atq -h 127.0.0.1 -p "$1" -U commune -d commune -c "$2"
}

# cmn PORT ARGS... - commune on the cluster of PORT, with this territory's keys
cmn() {
	port=$1
	shift
	COMMUNE_STORE="postgresql://commune@127.0.0.1:$port/commune" "$bin" "$@" --data "$data"
}

# eventually TENTHS CMD... - CMD succeeds within TENTHS tenths of a second
eventually() {
	n=$1
	shift
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# check NAME CMD... - runs CMD (a function of this file: its variables stay),
# its output kept in $tmp/out and $tmp/err; one line, then the end on failure
checks=0
check() {
	name=$1
	shift
	if "$@" >"$tmp/out" 2>"$tmp/err"; then
		checks=$((checks + 1))
		echo "ok - $name"
		return
	fi
	echo "FAIL - $name"
	sed 's/^/  out: /' "$tmp/out"
	sed 's/^/  err: /' "$tmp/err"
	for log in "$pg/primary/server.log" "$pg/replica.log" "$pg/restored.log" "$tmp/serve.err"; do
		[ -f "$log" ] && tail -n 15 "$log" | sed "s|^|  $(basename "$log"): |"
	done
	exit 1
}

# ---- the primary, archiving its WAL; commune's schema in it -----------------

# archive_command as docs/deploy.md's: never over a file already archived,
# and a name appears only once its copy is whole (.part renamed). fsync is
# off in these clusters, which no test kills: each pg_basebackup begins with
# a checkpoint, whose sync of commune's 1,500 files took 3 to 9 s of the run
# on a busy machine.
start_primary() {
	a=$pg/archive
	line=$(PG_TEMP_CONF="fsync = off
archive_mode = on
archive_command = 'test ! -f $a/%f && cp %p $a/%f.part && mv $a/%f.part $a/%f'" \
		"$top/scripts/pg-temp" start "$pg/primary") || return 1
	primary=$(echo "$line" | sed -n 's/.*port=\([0-9]*\).*/\1/p')
	[ -n "$primary" ] && [ "$(sql "$primary" 'SHOW archive_mode')" = on ]
}
check "the primary starts on 127.0.0.1 with archive_mode = on" start_primary

commune_schema() {
	cmn "$primary" org add "Ville" --kind city &&
		[ "$(sql "$primary" "SELECT count(*) FROM orgs")" = 1 ]
}
check "commune makes its schema on the primary (org add)" commune_schema

# ---- a streaming replica --------------------------------------------------

start_replica() {
	sql "$primary" "CREATE ROLE replicator WITH REPLICATION LOGIN" &&
		as_owner "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$primary" -U replicator \
			-D "$pg/replica" -R -X stream -C -S standby1 -c fast &&
		test -f "$pg/replica/standby.signal" &&
		replica=$(free_port) &&
		printf "port = %s\nunix_socket_directories = '%s'\narchive_mode = off\n" \
			"$replica" "$pg" | as_owner tee -a "$pg/replica/postgresql.conf" >/dev/null &&
		as_owner "$pgbin/pg_ctl" -D "$pg/replica" -l "$pg/replica.log" -w -t 60 start &&
		[ "$(sql "$replica" 'SELECT pg_is_in_recovery()')" = t ]
}
check "a standby made by pg_basebackup -R starts and is in recovery" start_replica

streamed() {
	[ "$(sql "$primary" "SELECT state FROM pg_stat_replication")" = streaming ] &&
		[ "$(sql "$primary" "SELECT active FROM pg_replication_slots
			WHERE slot_name = 'standby1'")" = t ]
}
check "the primary streams to it through its slot standby1" eventually 100 streamed

on_replica() {
	[ "$(sql "$replica" "SELECT count(*) FROM persons WHERE handle = 'ana'")" = 1 ]
}
replicated() {
	echo "correct horse battery" | cmn "$primary" user add ana &&
		eventually 100 on_replica
}
check "a person added through commune on the primary is read on the replica" replicated

refused() {
	! cmn "$replica" user list && grep -q 'read-only' "$tmp/err"
}
check "commune cannot open the replica (read-only): it uses the primary only" refused

# ---- a base backup, writes before and after a point in time --------------

base_backup() {
	as_owner "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$primary" -U replicator \
		-D "$pg/base" -X stream -c fast &&
		as_owner "$pgbin/pg_verifybackup" "$pg/base"
}
check "pg_basebackup takes a base backup; pg_verifybackup finds it whole" base_backup

printf 'Identifiant PRM;Type de donnees;Unite;Pas en minutes\n12345678901234;Courbe de charge;W;30\nHorodate;Valeur\n2024-03-31T01:00:00+01:00;500\n2024-03-31T01:30:00+01:00;510\n2024-03-31T03:00:00+02:00;520\n' >"$tmp/march.csv"
printf 'Identifiant PRM;Type de donnees;Unite;Pas en minutes\n12345678901234;Courbe de charge;W;30\nHorodate;Valeur\n2024-04-01T01:00:00+02:00;400\n2024-04-01T01:30:00+02:00;410\n' >"$tmp/april.csv"

before() {
	echo "correct horse battery" | cmn "$primary" user add bea &&
		cmn "$primary" import --person bea "$tmp/march.csv" &&
		grep -q '3 points added' "$tmp/out"
}
check "after the backup: bea added, 3 points imported into her store" before

# the target: the primary's own clock, between the two groups of commits
target=$(sql "$primary" "SELECT clock_timestamp()")
echo "# target time: $target"

after() {
	echo "correct horse battery" | cmn "$primary" user add carl &&
		cmn "$primary" import --person bea "$tmp/april.csv" &&
		grep -q '2 points added' "$tmp/out"
}
check "after the target: carl added, 2 more points for bea" after

archived() {
	[ "$(sql "$primary" "SELECT last_archived_wal >= '$segment' FROM pg_stat_archiver")" = t ]
}
switched() {
	segment=$(sql "$primary" "SELECT pg_walfile_name(pg_switch_wal())") &&
		eventually 300 archived && test -f "$pg/archive/$segment"
}
check "the WAL segment of the last writes is archived" switched

# ---- the point-in-time restore into a new cluster ---------------------------

promoted() {
	[ "$(sql "$restored" 'SELECT pg_is_in_recovery()')" = f ]
}
restore() {
	restored=$(free_port) &&
		as_owner cp -a "$pg/base" "$pg/restored" &&
		as_owner tee -a "$pg/restored/postgresql.conf" >/dev/null <<EOF &&
port = $restored
unix_socket_directories = '$pg'
restore_command = 'cp $pg/archive/%f %p'
recovery_target_time = '$target'
recovery_target_action = 'promote'
EOF
		as_owner touch "$pg/restored/recovery.signal" &&
		as_owner "$pgbin/pg_ctl" -D "$pg/restored" -l "$pg/restored.log" -w -t 60 start &&
		eventually 300 promoted &&
		grep -q 'recovery stopping before commit' "$pg/restored.log"
}
check "the base backup and the archived WAL are restored to the target, then promoted" restore

new_timeline() {
	test -f "$pg/archive/00000002.history"
}
check "the restored server archives on a new timeline (00000002.history)" eventually 300 new_timeline

persons_at_target() {
	cmn "$restored" user list &&
		grep -q '^ana ' "$tmp/out" && grep -q '^bea ' "$tmp/out" && ! grep -q '^carl ' "$tmp/out"
}
check "restored: ana and bea are there, carl (added after the target) is not" persons_at_target

series_at_target() {
	cmn "$restored" series ls bea && grep -q ' 3 points ' "$tmp/out"
}
check "restored: bea's series holds the 3 points of before, not the 2 of after" series_at_target

chain_verifies() {
	cmn "$restored" audit verify --person bea && grep -q 'intact' "$tmp/out"
}
check "restored: bea's audit chain verifies with the territory's master.key" chain_verifies

serve_restored() {
	COMMUNE_STORE="postgresql://commune@127.0.0.1:$restored/commune" \
		"$bin" serve --listen 127.0.0.1:0 --data "$data" --no-access-log \
		>"$tmp/serve.out" 2>"$tmp/serve.err" &
	serve_pid=$!
	eventually 200 grep -q 'listening on' "$tmp/serve.out" &&
		http=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$tmp/serve.out") &&
		curl -fsS --max-time 10 "http://127.0.0.1:$http/api/v1/health" | grep -q '"status":"ok"'
}
check "commune serve on the restored cluster answers GET /api/v1/health" serve_restored

# login CODE HANDLE - POST /api/v1/auth/login answers CODE
login() {
	code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' \
		-H 'Content-Type: application/json' \
		-d "{\"handle\":\"$2\",\"password\":\"correct horse battery\"}" \
		"http://127.0.0.1:$http/api/v1/auth/login") && [ "$code" = "$1" ]
}
check "restored: bea logs in through the server (200)" login 200 bea
check "restored: carl cannot (401): his account came after the target" login 401 carl

stop_serve() {
	kill "$serve_pid" || return 1
	wait "$serve_pid"
	rc=$?
	serve_pid=
	[ "$rc" -eq 0 ]
}
check "commune serve stops cleanly" stop_serve

# the keys are not in the database, which records the fingerprint of its
# master.key: a data directory without it is refused and gets no key of its
# own (under which nothing sealed would open and no signature verify), and
# one with another key is refused
no_key() {
	! COMMUNE_STORE="postgresql://commune@127.0.0.1:$restored/commune" \
		"$bin" audit verify --person bea --data "$tmp/other-keys" &&
		grep -q 'master.key) is missing, and this store has one' "$tmp/err" &&
		[ ! -e "$tmp/other-keys/master.key" ]
}
check "restored, with a data directory without master.key: refused, no key made" no_key

other_key() {
	install -d -m 0700 "$tmp/other-keys" &&
		head -c 32 /dev/urandom >"$tmp/other-keys/master.key" &&
		chmod 600 "$tmp/other-keys/master.key" &&
		! COMMUNE_STORE="postgresql://commune@127.0.0.1:$restored/commune" \
			"$bin" audit verify --person bea --data "$tmp/other-keys" &&
		grep -q 'master.key) is not the key of this store' "$tmp/err"
}
check "restored, with another master.key: refused" other_key

echo "$checks checks passed"
