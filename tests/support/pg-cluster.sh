#!/bin/sh
# pg-cluster.sh start|stop FILE - the throw-away PostgreSQL cluster of a
# test run (ctest's fixture pg_cluster): scripts/pg-temp's cluster in a
# directory of /tmp (the postgres user, which runs the server when the tests
# run as root, must reach it), listening on a free loopback port. start
# writes the cluster's URL to FILE and its directory to FILE.dir; the tests
# that use it (COMMUNE_TEST_PG_FILE=FILE) make a database of their own in it.
# stop stops it and removes both.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -eq 2 ] || {
	echo "usage: pg-cluster.sh start|stop FILE" >&2
	exit 2
}
file=$2
case "$1" in
start)
	if [ -f "$file.dir" ]; then
		# a run stopped before its cleanup left it: stopped now
		"$top/scripts/pg-temp" stop "$(cat "$file.dir")/pg" 2>/dev/null || true
		rm -rf "$(cat "$file.dir")"
	fi
	dir=$(mktemp -d /tmp/commune-test-pg-XXXXXX)
	chmod 755 "$dir"
	echo "$dir" >"$file.dir"
	conninfo=$("$top/scripts/pg-temp" start "$dir/pg")
	port=$(echo "$conninfo" | sed -n 's/.*port=\([0-9]*\).*/\1/p')
	[ -n "$port" ] || {
		echo "pg-cluster.sh: no port in \"$conninfo\"" >&2
		exit 1
	}
	echo "postgresql://commune@127.0.0.1:$port" >"$file"
	echo "PostgreSQL for the tests: $(cat "$file") (in $dir)"
	;;
stop)
	[ -f "$file.dir" ] || exit 0
	dir=$(cat "$file.dir")
	"$top/scripts/pg-temp" stop "$dir/pg"
	rm -rf "$dir"
	rm -f "$file" "$file.dir"
	;;
*)
	echo "usage: pg-cluster.sh start|stop FILE" >&2
	exit 2
	;;
esac
