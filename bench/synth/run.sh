#!/bin/sh
# bench/synth/run.sh [HOUSEHOLDS]: how fast `commune synth` produces a
# territory (one year per household), beside baselines run in the same
# invocation: for the files, copying the same tree (cp -r); for the stores,
# the other way to the same stores (commune import of the written files,
# one process per household). Target (issue 5): >= 500 households a
# second per core into stores. A ceiling runs too: the sqlite3 shell
# writing the same stores from their finished rows (INSERT ... SELECT from
# the stores --into-store made, into new files with the same schema, in one
# transaction each, journal and syncs off), with every index and with the
# tables only: no generator or importer can write these stores faster
# through SQLite.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
n=${1:-200}
tmp=$(mktemp -d /tmp/commune-bench-synth-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cmake -S "$top" -B "$top/build-bench" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build "$top/build-bench" -j2 --target commune >/dev/null
bin=$top/build-bench/commune
export COMMUNE_PWHASH_COST=min

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
now() { date +%s.%N; }

printf '%-44s %8s %10s %12s %10s\n' "run ($n households x 366 days)" seconds "hh/s" "hh/s/core" "x baseline"

# files
t0=$(now); "$bin" synth --households "$n" --seed 1 --out "$tmp/files" >"$tmp/out1"; t1=$(now)
mb=$(du -sm "$tmp/files" | cut -f1)
t2=$(now); cp -r "$tmp/files" "$tmp/copy"; t3=$(now)
s_files=$(secs "$t0" "$t1"); s_copy=$(secs "$t2" "$t3")
awk -v s="$s_files" -v n="$n" -v b="$s_copy" -v mb="$mb" 'BEGIN {
	printf "%-44s %8.2f %10.0f %12.0f %10.1f\n", "--out (files, " mb " MB), 1 job", s, n / s, n / s, s / b
	printf "%-44s %8.2f %10s %12s %10s\n", "  baseline: cp -r of the same files", b, "-", "-", "1.0" }'
rm -rf "$tmp/copy"

# stores, one job and two
for jobs in 1 2; do
	rm -rf "$tmp/data$jobs"
	t0=$(now); "$bin" synth --households "$n" --seed 1 --into-store --jobs "$jobs" --data "$tmp/data$jobs" >"$tmp/out2"; t1=$(now)
	eval "s_store$jobs=$(secs "$t0" "$t1")"
done
# baseline: commune import of the files written above, household by household
rm -rf "$tmp/datab"
"$bin" org list --data "$tmp/datab" >/dev/null
t0=$(now)
for d in "$tmp/files/households"/*; do
	h=$(basename "$d")
	echo "correct horse battery" | "$bin" user add "$h" --data "$tmp/datab" >/dev/null
	"$bin" import --person "$h" --data "$tmp/datab" "$d"/* >/dev/null
done
t1=$(now)
s_imp=$(secs "$t0" "$t1")
awk -v n="$n" -v s1="$s_store1" -v s2="$s_store2" -v b="$s_imp" 'BEGIN {
	printf "%-44s %8.2f %10.0f %12.0f %10.2f\n", "--into-store, 1 job", s1, n / s1, n / s1, s1 / b
	printf "%-44s %8.2f %10.0f %12.0f %10.2f\n", "--into-store, 2 jobs", s2, n / s2, n / s2 / 2, s2 / b
	printf "%-44s %8.2f %10.0f %12s %10s\n", "  baseline: files + commune import", b, n / b, "-", "1.00" }'

# ceiling: SQLite writing the same stores from their finished rows, in one
# process (one core); "bare" leaves out every secondary index
ceiling_sql() { # DATA OUT [bare]
	i=0
	for f in "$1"/persons/*/*.db; do
		i=$((i + 1))
		echo "ATTACH '$2/$i.db' AS d; PRAGMA d.journal_mode=OFF; PRAGMA d.synchronous=OFF;"
		echo "ATTACH '$f' AS s; BEGIN;"
		sqlite3 "$f" .schema | grep -v '^CREATE TABLE sqlite_' |
			{ if [ -n "${3:-}" ]; then grep -v '^CREATE \(UNIQUE \)\?INDEX' || true; else cat; fi; } |
			sed -E 's/^CREATE TABLE (IF NOT EXISTS )?/CREATE TABLE d./; s/^CREATE (UNIQUE )?INDEX (IF NOT EXISTS )?/CREATE \1INDEX d./'
		sqlite3 "$f" "SELECT 'INSERT INTO d.\"' || name || '\" SELECT * FROM s.\"' || name ||
			'\";' FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
		echo "COMMIT; DETACH s; DETACH d;"
	done
}
for kind in full bare; do
	mkdir -p "$tmp/ceil-$kind"
	ceiling_sql "$tmp/data1" "$tmp/ceil-$kind" "$([ $kind = bare ] && echo bare)" >"$tmp/ceil-$kind.sql"
	t0=$(now); sqlite3 <"$tmp/ceil-$kind.sql" >/dev/null; t1=$(now)
	eval "s_ceil_$kind=$(secs "$t0" "$t1")"
done
awk -v n="$n" -v s1="$s_ceil_full" -v s2="$s_ceil_bare" -v b="$s_imp" -v st="$s_store1" 'BEGIN {
	printf "%-44s %8.2f %10.0f %12.0f %10.2f\n", "  ceiling: sqlite3 copies the rows, indexed", s1, n / s1, n / s1, s1 / b
	printf "%-44s %8.2f %10.0f %12.0f %10.2f\n", "  ceiling: the same, tables only", s2, n / s2, n / s2, s2 / b
	printf "--into-store reaches %.0f%% of the indexed ceiling; the target is %.1fx that ceiling\n",
		100 * s1 / st, 500 / (n / s1) }'
sed 's/^/  /' "$tmp/out2"
echo "target: >= 500 households/s per core into stores"
