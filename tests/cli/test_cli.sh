#!/bin/sh
# test_cli.sh - the command line: verbs, exit codes (0 ok, 1 user error,
# 2 usage error), one readable line on stderr for errors, passwords read
# from stdin only, real erasure.
# Usage: test_cli.sh COMMUNE_BINARY
set -u
bin=$1
dir=$(mktemp -d /tmp/commune-cli-XXXXXX)
trap 'rm -rf "$dir"' EXIT
export COMMUNE_PWHASH_COST=min
passed=0
failed=0

# check NAME WANT_STATUS [STDIN] -- ARGS...: runs commune, compares the exit status
# and, for errors, that stderr is one line starting with "commune: " (status 1).
check() {
	name=$1 want=$2 input=$3
	shift 4
	printf '%s' "$input" | "$bin" "$@" >"$dir/out" 2>"$dir/err"
	got=$?
	ok=yes
	[ "$got" -eq "$want" ] || ok=no
	if [ "$want" -eq 1 ]; then
		[ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q '^commune: ' "$dir/err" || ok=no
	fi
	if [ $ok = yes ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $name: status $got (want $want)"
		sed 's/^/  stderr: /' "$dir/err"
	fi
}

# expect NAME COMMAND...: a shell condition that must hold
expect() {
	name=$1
	shift
	if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $name"; fi
}

d="--data $dir/data"
check version 0 "" -- --version
expect "version text" grep -q '^commune [0-9]' "$dir/out"
check help 0 "" -- help
check "help verb" 0 "" -- help serve
expect "help mentions --listen" grep -q -- '--listen' "$dir/out"
check "no verb" 2 "" --
check "unknown verb" 2 "" -- frobnicate
check "unknown option" 2 "" -- user list --colour $d
check "missing value" 2 "" -- serve --listen
check "serve --trusted-proxy with host bits" 2 "" -- serve --trusted-proxy 127.0.0.1,10.0.0.1/8 $d
expect "--trusted-proxy names the entry and the range" grep -q '"10.0.0.1/8".*10.0.0.0/8' "$dir/err"
check "serve --trusted-proxy not an address" 2 "" -- serve --trusted-proxy localhost $d
check "user add without handle" 2 "" -- user add $d

check "org add" 0 "" -- org add "CCAS de Lyon" --kind city $d
check "org add twice" 1 "" -- org add "CCAS de Lyon" --kind city $d
check "org bad kind" 1 "" -- org add "X" --kind empire $d
check "user add" 0 "correct horse battery
" -- user add alice $d
expect "key file is 0600" test "$(stat -c %a "$dir/data/master.key")" = 600
expect "data dir is 0700" test "$(stat -c %a "$dir/data")" = 700
check "user add pro in org" 0 "another long password
" -- user add sophie --role professional --org "CCAS de Lyon" $d
check "user add duplicate" 1 "correct horse battery
" -- user add alice $d
check "user add short password" 1 "short
" -- user add bob $d
check "user add no password" 1 "" -- user add bob $d
check "user add bad handle" 1 "correct horse battery
" -- user add "Bad Handle" $d
check "user add bad role" 1 "correct horse battery
" -- user add bob --role king $d
check "user add unknown org" 1 "correct horse battery
" -- user add bob --org "Nowhere" $d
check "user list" 0 "" -- user list $d
expect "list shows alice" grep -q '^alice ' "$dir/out"
expect "list shows the org" grep -q 'CCAS de Lyon' "$dir/out"
expect "password never echoed" sh -c "! grep -rq 'correct horse' '$dir/out' '$dir/err'"
check "user disable" 0 "" -- user disable alice $d
check "user list after disable" 0 "" -- user list $d
expect "alice disabled" grep -q '^alice .*disabled' "$dir/out"
check "user enable" 0 "" -- user enable alice $d
before=$(sqlite3 "$dir/data/platform.db" "select pwhash from persons where handle='sophie'" 2>/dev/null || echo none)
check "user passwd" 0 "a brand new password
" -- user passwd sophie $d
after=$(sqlite3 "$dir/data/platform.db" "select pwhash from persons where handle='sophie'" 2>/dev/null || echo none)
expect "passwd changed the hash" test "$before" != "$after" -a "$after" != none
expect "passwd never echoed" sh -c "! grep -rq 'brand new' '$dir/out' '$dir/err'"
check "user passwd too short" 1 "short
" -- user passwd sophie $d
check "user passwd no password" 1 "" -- user passwd sophie $d
check "user passwd unknown" 1 "a brand new password
" -- user passwd nobody $d
check "user passwd no handle" 2 "" -- user passwd $d
check "disable unknown" 1 "" -- user disable nobody $d
check "audit verify" 0 "" -- audit verify alice $d
expect "audit says intact" grep -q 'intact' "$dir/out"
check "doctype list" 0 "" -- doctype list
expect "doctype list has bank" grep -q '^bank.transaction ' "$dir/out"

id=$("$bin" user list $d >/dev/null; sqlite3 "$dir/data/platform.db" "select id from persons where handle='alice'" 2>/dev/null || true)
store="$dir/data/persons/$(echo "$id" | cut -c1-2)/$id.db"
expect "alice has a store file" test -f "$store"
check "delete without confirm" 1 "" -- user delete alice $d
check "delete with wrong confirm" 1 "" -- user delete alice --confirm bob $d
expect "store still there" test -f "$store"
check "delete" 0 "" -- user delete alice --confirm alice $d
expect "store file erased" test ! -e "$store"
check "delete again" 1 "" -- user delete alice --confirm alice $d

# imports and series
check "user add for imports" 0 "correct horse battery
" -- user add zoe $d
printf 'Identifiant PRM;Type de donnees;Unite;Pas en minutes\n12345678901234;Courbe de charge;W;30\nHorodate;Valeur\n2024-03-31T01:00:00+01:00;500\n2024-03-31T01:30:00+01:00;510\n2024-03-31T03:00:00+02:00;520\n' >"$dir/curve.csv"
printf 'Identifiant PRM;Type de donnees;Unite;Pas en minutes\n12345678901234;Courbe de charge;W;30\nHorodate;Valeur\n2024-04-01T00:30:00+02:00;5x0\n' >"$dir/bad.csv"
check "import usage" 2 "" -- import $d
check "import unknown person" 1 "" -- import --person nobody "$dir/curve.csv" $d
check "import unknown format" 1 "" -- import --person zoe --format nope "$dir/curve.csv" $d
check "import" 0 "" -- import --person zoe "$dir/curve.csv" $d
expect "import counts" grep -q '3 points added' "$dir/out"
check "import again" 0 "" -- import --person zoe "$dir/curve.csv" $d
expect "nothing changes" grep -q '0 points added, 0 replaced, 3 unchanged' "$dir/out"
check "import a bad file" 1 "" -- import --person zoe "$dir/bad.csv" $d
expect "the error names line and column" grep -q 'bad.csv:4:27: ' "$dir/err"
check "series ls" 0 "" -- series ls zoe $d
expect "one series of 3 points" grep -q '3 points' "$dir/out"
sid=$(cut -d' ' -f1 "$dir/out")
check "series show by day" 0 "" -- series show zoe "$sid" --bucket day $d
expect "the 23-hour day holds the 3 points" grep -q '2024-03-30T23:00:00.000Z  2024-03-31T22:00:00.000Z  count      3  sum           1530' "$dir/out"
check "series export" 0 "" -- series export zoe "$sid" $d
expect "export has a header and 3 lines" test "$(wc -l <"$dir/out")" -eq 4
check "series show unknown" 1 "" -- series show zoe nope $d
check "series bad bucket" 2 "" -- series show zoe "$sid" --bucket fortnight $d

# the audit chain: altering, removing or swapping an entry is found and named
zid=$(sqlite3 "$dir/data/platform.db" "select id from persons where handle='zoe'")
zstore="$dir/data/persons/$(echo "$zid" | cut -c1-2)/$zid.db"
expect "zoe's chain has entries" test "$(sqlite3 "$zstore" 'select count(*) from audit')" -ge 2
check "audit verify --person" 0 "" -- audit verify --person zoe $d
sqlite3 "$zstore" "create table saved as select * from audit; update audit set detail = '{}' where seq = 2"
check "an altered entry is found" 1 "" -- audit verify --person zoe $d
expect "and named" grep -q 'broken at entry 2' "$dir/err"
sqlite3 "$zstore" "delete from audit; insert into audit select * from saved"
check "restored" 0 "" -- audit verify --person zoe $d
sqlite3 "$zstore" "delete from audit where seq = 1"
check "a removed entry is found" 1 "" -- audit verify --person zoe $d
expect "and named" grep -q 'broken at entry 1' "$dir/err"
sqlite3 "$zstore" "delete from audit; insert into audit select * from saved"
sqlite3 "$zstore" "update audit set seq = -1 where seq = 1; update audit set seq = 1 where seq = 2; update audit set seq = 2 where seq = -1"
check "swapped entries are found" 1 "" -- audit verify --person zoe $d
expect "and named" grep -q 'broken at entry 1' "$dir/err"
sqlite3 "$zstore" "delete from audit"
check "an emptied chain is found (its signed head)" 1 "" -- audit verify --person zoe $d
expect "and named" grep -q 'broken at entry 1' "$dir/err"
sqlite3 "$zstore" "delete from audit; insert into audit select * from saved; drop table saved"
check "restored again" 0 "" -- audit verify --person zoe $d

check "serve bad listen" 2 "" -- serve --listen nowhere $d
check "serve bad threads" 2 "" -- serve --threads 0 $d
# the shortest vote: whole seconds, from 1 to 90 days
for bad in 0 -5 7776001 1.5 2s "" abc 99999999999999999999; do
	check "serve --vote-min-seconds '$bad'" 2 "" -- serve --vote-min-seconds "$bad" $d
	expect "--vote-min-seconds '$bad' is one line naming the bounds" \
		[ "$(cat "$dir/err")" = "commune: --vote-min-seconds must be an integer from 1 to 7776000 (90 days)" ]
done
chmod 644 "$dir/data/master.key"
check "key file readable by others is refused" 1 "" -- user list $d
chmod 600 "$dir/data/master.key"

# governance: a body's register verifies; an altered payload is found and its entry named
printf '{"kind":"cooperative","rule":"majority","quorum":"1/4"}' >"$dir/statutes.json"
printf '{"kind":"cooperative","rule":"majority_in_every_college"}' >"$dir/bad-statutes.json"
check "govern create" 0 "" -- govern create WeMix "$dir/statutes.json" $d
body=$(cut -f1 "$dir/out")
check "govern create bad statutes" 1 "" -- govern create Autre "$dir/bad-statutes.json" $d
expect "the fault is named by its pointer" grep -q 'bad-statutes.json/rule: ' "$dir/err"
check "govern join" 0 "" -- govern join "$body" --person zoe $d
check "govern join twice" 1 "" -- govern join "$body" --person zoe $d
# a change of rules: refused when it changes the kind, proposed when it keeps it
printf '{"kind":"trust","rule":"majority"}' >"$dir/trust.json"
printf '{"kind":"cooperative","rule":"qualified_majority","threshold":"2/3"}' >"$dir/two-thirds.json"
closes=$(date -u -d '+2 minutes' +%Y-%m-%dT%H:%M:%SZ)
check "govern propose other kind" 1 "" -- govern propose "$body" --statutes "$dir/trust.json" --closes "$closes" --person zoe $d
expect "the statutes' fault is named" grep -q 'trust.json: /statutes/kind: ' "$dir/err"
check "govern propose two subjects" 2 "" -- govern propose "$body" --statutes "$dir/two-thirds.json" --campaign x --closes "$closes" --person zoe $d
soon=$(date -u -d '+30 seconds' +%Y-%m-%dT%H:%M:%SZ)
check "govern propose sooner than a minute, the default shortest vote" 1 "" -- govern propose "$body" --statutes "$dir/two-thirds.json" --closes "$soon" --person zoe $d
expect "a minute is stated" grep -q '/closes: from 1 minute to 90 days from now' "$dir/err"
check "govern propose sooner than the deployment's shortest vote" 1 "" -- govern propose "$body" --statutes "$dir/two-thirds.json" --closes "$closes" --person zoe --vote-min-seconds 600 $d
expect "the shortest vote is stated" grep -q '/closes: from 10 minutes to 90 days from now' "$dir/err"
check "govern propose bad --vote-min-seconds" 2 "" -- govern propose "$body" --statutes "$dir/two-thirds.json" --closes "$closes" --person zoe --vote-min-seconds 0 $d
check "govern propose statutes" 0 "" -- govern propose "$body" --statutes "$dir/two-thirds.json" --closes "$closes" --person zoe $d
check "govern propose statutes twice" 1 "" -- govern propose "$body" --statutes "$dir/two-thirds.json" --closes "$closes" --person zoe $d
expect "one change at a time" grep -q 'open already' "$dir/err"
check "govern verify" 0 "" -- govern verify "$body" $d
expect "three entries verified" grep -q ': 3 entries, chain and signatures verified' "$dir/out"
sqlite3 "$dir/data/platform.db" "update gov_register set payload = replace(payload, '\"college\":\"\"', '\"college\":\"x\"') where body_id = '$body' and seq = 2"
check "an altered register entry is found" 1 "" -- govern verify "$body" $d
expect "and named" grep -q "register of $body: entry 2 fails: " "$dir/err"
check "govern verify unknown body" 1 "" -- govern verify 00000000000000000000000000000000 $d
check "govern verify usage" 2 "" -- govern verify $d

# open data: a load is a version, a file at fault names its line and column and stores nothing
printf 'date;tmin;tmax\n2025-01-01;2;8\n' >"$dir/weather.csv"
printf 'date;tmin;tmax\n2025-01-01;2;8\n2025-01-01;3;9\n' >"$dir/bad-weather.csv"
check "opendata load" 0 "" -- opendata load weather "$dir/weather.csv" --name ville.weather --licence etalab-2.0 $d
expect "version 1" grep -q 'version 1 of ville.weather' "$dir/out"
check "opendata load at fault" 1 "" -- opendata load weather "$dir/bad-weather.csv" --name ville.weather $d
expect "the fault is named by its line and column" grep -q 'bad-weather.csv: 3:1: date: ' "$dir/err"
check "opendata load again" 0 "" -- opendata load weather "$dir/weather.csv" --name ville.weather $d
expect "version 2" grep -q 'version 2 of ville.weather' "$dir/out"
check "opendata ls" 0 "" -- opendata ls $d
expect "the latest version listed" grep -q 'ville.weather .* v2 ' "$dir/out"
check "opendata show" 0 "" -- opendata show ville.weather --version 1 $d
expect "its degree-days" grep -q '"hdd": 13' "$dir/out"
check "opendata show unknown" 1 "" -- opendata show nothing $d
check "opendata unknown kind" 1 "" -- opendata load rainfall "$dir/weather.csv" --name x $d
check "opendata load without a name" 2 "" -- opendata load weather "$dir/weather.csv" $d

# WeMix's mix reads published campaigns only (test_service_wemix.c computes one)
check "campaign mix of no campaign" 1 "" -- campaign mix 00000000000000000000000000000000 $d
expect "says so" grep -q 'no published campaign 0000' "$dir/err"
check "campaign mix, a volume not a number" 1 "" -- campaign mix x --volume lots $d
check "campaign mix options elsewhere" 2 "" -- campaign ls --volume 50 $d

# app run --params: an object only (under ASan, a leaked parse fails the exit status)
check "app run, params of an app not installed" 1 "" -- app run nosuch --person zoe --params '{"a":1}' $d
expect "says so" grep -q 'has no app nosuch' "$dir/err"
check "app run, params not an object" 1 "" -- app run nosuch --person zoe --params '[1]' $d
expect "says what is required" grep -q 'a JSON object is required' "$dir/err"

# backup and restore (docs/backup.md; test_backup.c checks the contents)
check "backup" 0 "" -- backup "$dir/bk" $d
expect "says it holds the keys" grep -q 'holds the territory.s keys' "$dir/out"
expect "the backup is the owner's" test "$(stat -c %a "$dir/bk/backup.json")" = 600
check "backup into a directory that exists" 1 "" -- backup "$dir/bk" $d
check "backup of nobody" 1 "" -- backup "$dir/bk2" --person nobody $d
check "backup without a place" 2 "" -- backup $d
check "restore" 0 "" -- restore "$dir/bk" --data "$dir/restored"
expect "every chain verified" grep -q 'audit chains verified' "$dir/out"
check "restore over a territory" 1 "" -- restore "$dir/bk" --data "$dir/restored"
expect "says why" grep -q 'is not empty' "$dir/err"
check "restore a territory as a person" 1 "" -- restore "$dir/bk" --person $d
printf 'x' >>"$dir/bk/platform.db"
check "restore a damaged backup" 1 "" -- restore "$dir/bk" --data "$dir/restored2"
expect "names the file" grep -q 'platform.db is not the file backed up' "$dir/err"
expect "makes nothing" test ! -e "$dir/restored2"
check "person backup" 0 "" -- backup "$dir/bk-zoe" --person zoe $d
check "person restore" 0 "" -- restore "$dir/bk-zoe" --person $d
expect "names the person" grep -q 'restored the store of zoe' "$dir/out"

# the platform key: made by the first command on a new data directory, never
# for a store that has one (docs/deploy.md, "The keys"), and the store's only
k="--data $dir/keyed"
check "a fresh data directory initialises itself" 0 "" -- user list $k
expect "with a key of its own" test "$(stat -c %s "$dir/keyed/master.key")" -eq 32
mv "$dir/keyed/master.key" "$dir/keyed.key"
check "master.key deleted after the first use" 1 "" -- user list $k
expect "says what to do" grep -q "the platform key ($dir/keyed/master.key) is missing, and this store has one: restore master.key from the backup of the keys" "$dir/err"
expect "and makes no key" test ! -e "$dir/keyed/master.key"
cp "$dir/keyed.key" "$dir/keyed/master.key"
check "the key back" 0 "correct horse battery
" -- user add kim $k
head -c 32 /dev/urandom >"$dir/keyed/master.key"
before=$(sqlite3 "$dir/keyed/platform.db" 'select * from persons; select * from platform_meta' | sha256sum)
check "another key is refused" 1 "" -- user list $k
expect "and named" grep -q "the platform key ($dir/keyed/master.key) is not the key of this store: restore the right master.key" "$dir/err"
expect "nothing written" test "$(sqlite3 "$dir/keyed/platform.db" 'select * from persons; select * from platform_meta' | sha256sum)" = "$before"
check "another key adds nobody" 1 "correct horse battery
" -- user add lou $k
cp "$dir/keyed.key" "$dir/keyed/master.key"
check "the right key opens it" 0 "" -- user list $k
expect "as it was" test "$(cut -d' ' -f1 "$dir/out" | tr '\n' ' ')" = "kim "
expect "the store keeps a fingerprint, not the key" sh -c "test \"\$(sqlite3 '$dir/keyed/platform.db' \"select length(value) from platform_meta where name = 'key_fingerprint'\")\" = 64 && ! sqlite3 '$dir/keyed/platform.db' 'select value from platform_meta' | grep -q \"\$(od -An -tx1 '$dir/keyed.key' | tr -d ' \\n')\""
# a store of before fingerprints: the next open records the key's
sqlite3 "$dir/keyed/platform.db" "drop table platform_meta; pragma user_version = 18"
check "an older store opens" 0 "" -- user list $k
expect "and gets its fingerprint" test "$(sqlite3 "$dir/keyed/platform.db" "select count(*) from platform_meta where name = 'key_fingerprint'")" = 1

# the attestation key: the store records the active one's kid; a data
# directory without it, or with another, is refused
check "attest keys makes the first" 0 "" -- attest keys $k
kid=$(cut -d' ' -f1 "$dir/out")
expect "the store records its kid" test "$(sqlite3 "$dir/keyed/platform.db" "select value from platform_meta where name = 'issuer_kid'")" = "$kid"
mv "$dir/keyed/issuer.key" "$dir/keyed-issuer.key"
check "issuer.key missing" 1 "" -- attest keys $k
expect "names the store's kid" grep -q "issuer.key is missing, and this store's attestations are signed with key $kid" "$dir/err"
expect "and makes none" test ! -e "$dir/keyed/issuer.key"
"$bin" attest keys --data "$dir/other-attest" >/dev/null 2>&1
cp "$dir/other-attest/issuer.key" "$dir/keyed/issuer.key"
check "another issuer.key" 1 "" -- attest keys $k
expect "is named" grep -q "is not the attestation key of this store (kid $kid)" "$dir/err"
cp "$dir/keyed-issuer.key" "$dir/keyed/issuer.key"
check "attest rotate" 0 "" -- attest rotate $k
kid2=$(sed -n 's/^new active key \([^;]*\);.*/\1/p' "$dir/out")
expect "records the new kid" test "$(sqlite3 "$dir/keyed/platform.db" "select value from platform_meta where name = 'issuer_kid'")" = "$kid2" -a "$kid2" != "$kid"
# a store restored to before the rotation records the older kid: this
# directory keeps it, and the store follows
sqlite3 "$dir/keyed/platform.db" "update platform_meta set value = '$kid' where name = 'issuer_kid'"
check "a store from before the rotation" 0 "" -- attest keys $k
expect "records the active key again" test "$(sqlite3 "$dir/keyed/platform.db" "select value from platform_meta where name = 'issuer_kid'")" = "$kid2"
rm "$dir/keyed/issuer.key"
check "rotate without the active key" 1 "" -- attest rotate $k
check "rotate --lost" 0 "" -- attest rotate --lost $k
check "then the keys load" 0 "" -- attest keys $k
expect "a new active key, the first kept" sh -c "grep -q ' active' '$dir/out' && ! grep -q '^$kid2 ' '$dir/out' && grep -q '^$kid  kept' '$dir/out'"
check "--lost is rotate's only" 2 "" -- attest keys --lost $k

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
