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
# GPX (one track, one point a second) and OFX 2 (one statement) of the same order of size
gen_gpx() {
	awk -v n="$1" 'BEGIN {
		print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		print "<gpx version=\"1.1\" creator=\"bench\"><trk><trkseg>"
		for (i = 0; i < n; i++)
			printf "<trkpt lat=\"%.6f\" lon=\"%.6f\"><ele>%d</ele><time>%s</time></trkpt>\n",
				45.7 + (i % 1000) * 1e-5, 4.8 + (i % 777) * 1e-5, 170 + i % 50,
				strftime("%Y-%m-%dT%H:%M:%SZ", 1700000000 + i, 1)
		print "</trkseg></trk></gpx>" }'
}
gen_ofx() {
	awk -v n="$1" 'BEGIN {
		print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		print "<?OFX OFXHEADER=\"200\" VERSION=\"200\" SECURITY=\"NONE\" OLDFILEUID=\"NONE\" NEWFILEUID=\"NONE\"?>"
		print "<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STMTRS><CURDEF>EUR</CURDEF><BANKACCTFROM><BANKID>30004</BANKID><ACCTID>00012345678</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM><BANKTRANLIST><DTSTART>20100101</DTSTART><DTEND>20240101</DTEND>"
		for (i = 0; i < n; i++)
			printf "<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>%s</DTPOSTED><TRNAMT>-%d.%02d</TRNAMT><FITID>F%09d</FITID><NAME>CARTE BOULANGERIE %d</NAME><MEMO>PAIEMENT CB</MEMO></STMTTRN>\n",
				strftime("%Y%m%d", 1262304000 + int(i / 40) * 86400, 1), i % 90 + 1, i % 100, i, i % 37
		print "</BANKTRANLIST><LEDGERBAL><BALAMT>100.00</BALAMT><DTASOF>20240101</DTASOF></LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>" }'
}
for spec in "gpx 100000" "gpx 500000" "ofx 20000" "ofx 200000"; do
	set -- $spec
	f=$tmp/$1-$2.$1
	"gen_$1" "$2" >"$f"
	mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", b / 1e6 }')
	rm -rf "$tmp/data"
	echo "correct horse battery" | "$bin" user add alice --data "$tmp/data" >/dev/null
	t0=$(date +%s.%N)
	wc -l "$f" >/dev/null
	t1=$(date +%s.%N)
	/usr/bin/time -f '%e %M' -o "$tmp/time" "$bin" import --person alice --data "$tmp/data" "$f" >"$tmp/out"
	read -r secs rss <"$tmp/time"
	items=$(sed -n 's/.*: [a-z0-9-]*, \([0-9]*\) records.*, \([0-9]*\) points added.*/\1+\2/p' "$tmp/out")
	awk -v f="$1 $2" -v mb="$mb" -v p="$items" -v s="$secs" -v w0="$t0" -v w1="$t1" -v r="$rss" \
		'BEGIN { printf "%-28s %10s %10s %12.2f %10.1f %12.1f %8.1f MB\n", f, mb, p, s, mb / s, mb / (w1 - w0), r / 1024 }'
done
echo "targets: enedis-csv >= 100 MB/s; ofx and gpx >= 30 MB/s; peak RSS independent of the file size"
echo "(points: records+points written; a GPX point is three series values: lat, lon, alt)"
