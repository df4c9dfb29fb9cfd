#!/bin/sh
# bench/import/run.sh [YEARS...]: import speed and peak memory of the
# importers on large generated files, beside a baseline read of the same
# bytes (`wc -l`) in the same invocation. Today: the Enedis load-curve CSV
# (target >= 100 MB/s, peak RSS bounded whatever the file size).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
years=${*:-10 100}
tmp=$(mktemp -d /tmp/commune-bench-import-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cmake -S "$top" -B "$top/build-bench" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build "$top/build-bench" -j2 --target commune >/dev/null
bin=$top/build-bench/commune
gcc -O2 -D_DEFAULT_SOURCE -o "$tmp/gen_enedis" "$here/gen_enedis.c"
export COMMUNE_PWHASH_COST=min

printf '%-28s %10s %10s %12s %10s %12s %10s\n' file MB points "import s" "MB/s" "wc -l MB/s" "peak RSS"
for y in $years; do
	f=$tmp/enedis-$y-years.csv
	"$tmp/gen_enedis" "$y" >"$f"
	mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", b / 1e6 }')
	rm -rf "$tmp/data"
	echo "correct horse battery" | "$bin" user add alice --data "$tmp/data" >/dev/null
	# baseline: reading the same bytes
	t0=$(date +%s.%N)
	wc -l "$f" >/dev/null
	t1=$(date +%s.%N)
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$bin" import --person alice --data "$tmp/data" "$f" >"$tmp/out"
	read -r secs rss <"$tmp/time"
	points=$(sed -n 's/.*, \([0-9]*\) points added.*/\1/p' "$tmp/out")
	awk -v f="enedis-csv $y years" -v mb="$mb" -v p="$points" -v s="$secs" -v w0="$t0" -v w1="$t1" -v r="$rss" \
		'BEGIN { printf "%-28s %10s %10s %12.2f %10.1f %12.1f %8.1f MB\n", f, mb, p, s, mb / s, mb / (w1 - w0), r / 1024 }'
done
echo "target: enedis-csv >= 100 MB/s, peak RSS independent of the file size"
