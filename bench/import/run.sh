#!/bin/sh
# bench/import/run.sh: import speed and peak memory of every importer on
# large generated files (bench/import/gen.c), beside a baseline read of the
# same bytes (`wc -l`) measured in the same invocation.
#
#   bench/import/run.sh                  every format, two sizes each
#   FORMATS="ofx gpx" bench/import/run.sh
#   bench/import/run.sh --check          each format at a small size, imported
#                                        twice: no error, the second adds nothing
#   REV=HEAD bench/import/run.sh         measure a commit (built from `git archive`
#                                        in /tmp) instead of the work tree
#
# Each format is imported at two sizes ten times apart (and, for memory, at
# twice the larger), each into a fresh person's store, by one `commune
# import` process (RelWithDebInfo build) timed by the wall clock, its peak
# RSS by /usr/bin/time (%M): REPEAT rounds (default 3) of baseline then
# import, medians of the times and the highest RSS. The table is Markdown;
# the targets of issue 4 and the memory of each importer are judged at the
# end. Exit status 1 when an import failed or was detected as another
# format.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
check=0
[ "${1:-}" = --check ] && check=1
tmp=$(mktemp -d /tmp/commune-bench-import-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# format, the name commune detects, small and large COUNT (see `gen list`):
# about 5 and 50 MB; then the COUNT of a memory check (100 MB, one run;
# water-csv: 63 MB, its dates end in 9999; ical: 94 MB), or - for the
# formats whose files are capped below it (read whole: 64 MiB).
specs="enedis-csv enedis-csv 175200 1752000 3504000
enedis-index enedis-index 50000 500000 1000000
enedis-dataconnect enedis-dataconnect 50000 500000 1000000
enedis-synchrone enedis-synchrone 60000 600000 1200000
grdf-json grdf-json 7000 70000 140000
grdf-adict grdf-adict 13000 130000 260000
water-csv water-csv 230000 2300000 2900000
bank-csv bank-csv 36000 360000 720000
mapping mapping 48000 480000 960000
ofx ofx 17000 170000 340000
ofx2 ofx 14000 140000 280000
camt053 camt053 3600 36000 72000
gpx gpx 37000 370000 740000
takeout takeout-records 16000 160000 320000
takeout-semantic takeout-semantic 3600 36000 72000
takeout-timeline takeout-semantic 8600 86000 172000
emission-trips emission-trips 1400 14000 28000
ical ical 10000 100000 200000
geojson geojson 24000 240000 480000"

src=$top build=$top/build-bench
if [ -n "${REV:-}" ]; then
	src=$tmp/src build=$tmp/build
	mkdir "$src"
	git -C "$top" archive "$REV" | tar -x -C "$src"
	echo "commune at $(git -C "$top" rev-parse --short "$REV")"
fi
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j2 --target commune >/dev/null
bin=$build/commune
gcc -O2 -Wall -Wextra -D_DEFAULT_SOURCE -o "$tmp/gen" "$here/gen.c" -lm
"$tmp/gen" mapping-file 0 >"$tmp/mapping.json"
export COMMUNE_PWHASH_COST=min
export COMMUNE_IMPORT_MAPPING="$tmp/mapping.json"
now() { date +%s.%N; }
# caches(store bytes, points, series): MiB of the two bounded caches an
# import fills, whatever the format: SQLite's page cache, which holds the
# store's pages up to STORE_BULK_CACHE_KIB (64 MiB), and the series point
# buffers (IMPORT_BATCH = 65536 points of 16 bytes a series). The page
# cache costs 1.2 times the store's size in RSS, and 74 MiB when full (page
# headers, malloc): measured on ofx, camt053 and takeout-semantic, whose
# importers keep nothing per record. Peak RSS minus these is the
# importer's own memory.
caches='function caches(db, p, ns,   st, per) {
	st = 1.2 * db / 1048576; if (st > 74) st = 74
	per = ns ? p / ns : 0; if (per > 65536) per = 65536
	return st + ns * per * 16 / 1048576
}'

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
repeat=${REPEAT:-3}
failed=0

# fresh_store - a new data directory with one person, alice
fresh_store() {
	rm -rf "$tmp/data"
	echo "correct horse battery" | "$bin" user add alice --data "$tmp/data" >/dev/null
}

# import_file FILE EXPECTED-FORMAT: imports FILE, timed; sets secs, rss, records, points
import_file() {
	fmt_opt=
	[ "$2" = mapping ] && fmt_opt="--format mapping"
	i0=$(now)
	# shellcheck disable=SC2086
	if ! /usr/bin/time -f '%M' -o "$tmp/rss" "$bin" import --person alice --data "$tmp/data" \
		$fmt_opt "$1" >"$tmp/out" 2>&1; then
		sed 's/^/    /' "$tmp/out" >&2
		return 1
	fi
	i1=$(now)
	secs=$(awk -v a="$i0" -v b="$i1" 'BEGIN { printf "%.3f", b - a }')
	rss=$(tail -n 1 "$tmp/rss")
	store=$(stat -c %s "$tmp"/data/persons/*/*.db)
	got=$(sed -n "1s/^[^:]*: \([a-z0-9-]*\), .*/\1/p" "$tmp/out")
	records=$(sed -n '1s/.*, \([0-9]*\) records (.*/\1/p' "$tmp/out")
	points=$(sed -n '1s/.*, \([0-9]*\) points added.*/\1/p' "$tmp/out")
	nseries=$(sed -n '1s/.*, \([0-9]*\) series created.*/\1/p' "$tmp/out")
	if [ "$got" != "$2" ]; then
		echo "    detected as '$got', not $2:" >&2
		sed 's/^/    /' "$tmp/out" >&2
		return 1
	fi
}

if [ "$check" = 1 ]; then
	echo "$specs" | while read -r name want small large double; do
		[ -n "${FORMATS:-}" ] && ! echo " $FORMATS " | grep -q " $name " && continue
		"$tmp/gen" "$name" 2000 >"$tmp/f"
		fresh_store
		import_file "$tmp/f" "$want" || { echo "$name: FAILED"; exit 1; }
		first="$records records, $points points"
		import_file "$tmp/f" "$want" || { echo "$name: FAILED (second import)"; exit 1; }
		[ "$records" = 0 ] && [ "$points" = 0 ] || {
			echo "$name: the second import added $records records, $points points"; exit 1; }
		echo "$name: $first; again: nothing added"
	done
	exit $?
fi

# the fixed cost of one import: a day of enedis-csv
"$tmp/gen" enedis-csv 48 >"$tmp/f"
fresh_store
import_file "$tmp/f" enedis-csv
echo "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), REPEAT=$repeat"
echo "One \`commune import\` of a one-day file (start, store, audit): $secs s, peak RSS $((rss / 1024)) MB."
echo
echo "| format | COUNT | MB | records + points | import s | MB/s | (records+points)/s | \`wc -l\` MB/s | import / wc | store MiB | peak RSS MiB | RSS - caches MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
: >"$tmp/results"
echo "$specs" | while read -r name want small large double; do
	[ -n "${FORMATS:-}" ] && ! echo " $FORMATS " | grep -q " $name " && continue
	role=0
	for n in $small $large $double; do
		role=$((role + 1))
		[ "$n" = - ] && continue
		rounds=$repeat
		[ "$role" = 3 ] && rounds=1
		f=$tmp/$name-$n
		"$tmp/gen" "$name" "$n" >"$f"
		bytes=$(stat -c %s "$f")
		# REPEAT rounds of (baseline, import into a fresh store): median times, highest RSS
		runs= wcs= peak=0 ok=1
		for r in $(seq "$rounds"); do
			t0=$(now)
			wc -l "$f" >/dev/null
			t1=$(now)
			wcs="$wcs $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')"
			fresh_store
			import_file "$f" "$want" || { ok=0; break; }
			runs="$runs $secs"
			[ "$rss" -gt "$peak" ] && peak=$rss
		done
		if [ "$ok" = 0 ]; then
			echo "| $name | $n | FAILED | | | | | | | | | |"
			echo "$name $n FAILED - - - - - $role" >>"$tmp/results"
			rm -f "$f"
			continue
		fi
		secs=$(median $runs) wct=$(median $wcs) rss=$peak
		awk -v f="$name" -v n="$n" -v b="$bytes" -v r="$records" -v p="$points" -v s="$secs" \
			-v w="$wct" -v m="$rss" -v db="$store" -v ns="$nseries" "$caches"'
			BEGIN {
				mb = b / 1e6; wc = mb / w
				printf "| %s | %d | %.1f | %d + %d | %.2f | %.1f | %.0f | %.0f | %.3f | %.1f | %.1f | %.1f |\n",
					f, n, mb, r, p, s, mb / s, (r + p) / s, wc, (mb / s) / wc,
					db / 1048576, m / 1024, m / 1024 - caches(db, p, ns) }'
		echo "$name $n $bytes $secs $rss $store $points $nseries $role" >>"$tmp/results"
		rm -f "$f"
	done
done
grep -q FAILED "$tmp/results" && failed=1
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "Targets (issue 4), on the 50 MB file:"
awk '$3 != "FAILED" && $9 == 2 { mbs[$1] = $3 / 1e6 / $4 }
	END {
		n = split("enedis-csv:100 ofx:30 ofx2:30 gpx:30", t, " ")
		for (i = 1; i <= n; i++) {
			split(t[i], kv, ":")
			if (!(kv[1] in mbs)) continue
			printf "- %s >= %d MB/s: %s (%.1f MB/s)\n", kv[1], kv[2],
				(mbs[kv[1]] >= kv[2] ? "met" : "NOT met"), mbs[kv[1]]
		}
	}' "$tmp/results"
echo
echo "Memory of each importer: peak RSS minus the store's bounded caches (the SQLite page"
echo "cache: 1.2 x the store's size, at most 74 MiB; the series buffers: at most 1 MiB a"
echo "series). With a memory check, \"grows\" when the 100 MB file's is 3 MiB above the 50 MB"
echo "one's; without (files capped below 100 MB), when the 50 MB file's is above 1.25 x the"
echo "5 MB one's + 4 MiB:"
awk "$caches"'
	$3 != "FAILED" {
		own = $5 / 1024 - caches($6, $7, $8)
		if (!($1 in known)) { known[$1] = 1; order[++k] = $1 }
		if ($9 == 1) k1[$1] = own; else if ($9 == 2) k2[$1] = own; else k3[$1] = own
	}
	END {
		for (i = 1; i <= k; i++) {
			f = order[i]
			if (!(f in k1) || !(f in k2)) continue
			if (f in k3) {
				printf "- %s: %.1f, %.1f, %.1f MiB (5, 50, 100 MB): %s\n", f, k1[f], k2[f], k3[f],
					(k3[f] > k2[f] + 3 ? sprintf("grows (+%.1f MiB from 50 to 100 MB)", k3[f] - k2[f]) : "bounded")
			} else {
				printf "- %s: %.1f, %.1f MiB (5, 50 MB): %s\n", f, k1[f], k2[f],
					(k2[f] > 1.25 * k1[f] + 4 ? sprintf("grows (+%.1f MiB from 5 to 50 MB)", k2[f] - k1[f]) : "bounded")
			}
		}
	}' "$tmp/results"
exit $failed
