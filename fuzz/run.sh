#!/bin/sh
# run.sh - runs commune's libFuzzer targets.
#
#   fuzz/run.sh BUILD_DIR [SECONDS]   fuzz each target for SECONDS (default 30)
#   fuzz/run.sh BUILD_DIR replay      run each target once over its seed
#                                     corpus only (a regression test)
#
# BUILD_DIR is a build configured with -DCOMMUNE_FUZZ=ON (CC=clang), e.g.
#   CC=clang cmake -S . -B /tmp/fuzzbuild -DCOMMUNE_FUZZ=ON \
#         -DBUILD_TESTING=OFF -DCOMMUNE_SANITIZE=OFF
#   cmake --build /tmp/fuzzbuild
#
# The seed corpora in fuzz/corpus/TARGET/ are never written to. Fuzzing
# works on a copy in BUILD_DIR/fuzz-corpus/TARGET/, which keeps what earlier
# runs found (delete it to start again from the seeds); crash, leak, timeout
# and OOM inputs go to BUILD_DIR/fuzz-artifacts/TARGET/ and logs to
# BUILD_DIR/fuzz-logs/. The script exits non-zero if any target fails.
#
# Environment: FUZZ_TARGETS (default "fuzz_record fuzz_query fuzz_tz
# fuzz_chunk fuzz_import_enedis") picks the targets; FUZZ_ARGS adds libFuzzer options (e.g.
# "-jobs=4 -workers=4");
# FUZZ_SKIP_CHECKS (read by the targets) lists invariants not to check,
# comma-separated, to fuzz past a known finding.
set -eu

usage() {
	echo "usage: $0 BUILD_DIR [SECONDS|replay]" >&2
	exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
build=$1
mode=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
targets=${FUZZ_TARGETS:-fuzz_record fuzz_query fuzz_tz fuzz_chunk fuzz_import_enedis fuzz_import_csv fuzz_import_mobility fuzz_import_bank fuzz_import_ical fuzz_import_energy fuzz_import_trips fuzz_import_more fuzz_multipart}
extra=${FUZZ_ARGS:-}

case $mode in
replay) ;;
'' | *[!0-9]*) usage ;;
*) [ "$mode" -gt 0 ] || usage ;;
esac
[ -d "$build" ] || { echo "$0: no build directory $build" >&2; exit 2; }
build=$(cd "$build" && pwd)

# Sanitizer reports must end the run; LeakSanitizer stays on.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:symbolize=1}
export ASAN_OPTIONS UBSAN_OPTIONS
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
	for s in llvm-symbolizer llvm-symbolizer-14 /usr/lib/llvm-14/bin/llvm-symbolizer; do
		if command -v "$s" >/dev/null 2>&1; then
			ASAN_SYMBOLIZER_PATH=$(command -v "$s")
			export ASAN_SYMBOLIZER_PATH
			break
		fi
	done
fi

logs=$build/fuzz-logs
mkdir -p "$logs"
failed=""

for t in $targets; do
	bin=$build/fuzz/$t
	seeds=$here/corpus/${t#fuzz_}
	dict=$here/${t#fuzz_}.dict
	artifacts=$build/fuzz-artifacts/$t
	log=$logs/$t.log

	if [ ! -x "$bin" ]; then
		echo "$0: $bin is missing: build with -DCOMMUNE_FUZZ=ON" >&2
		exit 2
	fi
	if [ ! -d "$seeds" ]; then
		echo "$0: no seed corpus $seeds" >&2
		exit 2
	fi
	mkdir -p "$artifacts"
	set -- -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$artifacts/"
	[ -f "$dict" ] && set -- "$@" -dict="$dict"

	if [ "$mode" = replay ]; then
		# A scratch copy: libFuzzer gets a directory it may touch.
		work=$(mktemp -d "$build/fuzz-replay.XXXXXX")
		cp "$seeds"/* "$work"/
		echo "== $t: replaying $(find "$work" -type f | wc -l) seeds"
		# shellcheck disable=SC2086
		if "$bin" "$@" -runs=0 $extra "$work" >"$log" 2>&1; then
			rc=0
		else
			rc=$?
		fi
		rm -rf "$work"
	else
		work=$build/fuzz-corpus/$t
		mkdir -p "$work"
		cp "$seeds"/* "$work"/
		echo "== $t: fuzzing for ${mode}s (corpus $work)"
		# shellcheck disable=SC2086
		if "$bin" "$@" -max_total_time="$mode" $extra "$work" >"$log" 2>&1; then
			rc=0
		else
			rc=$?
		fi
	fi

	grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^Done [0-9]+ runs' "$log" || true
	# libFuzzer exits non-zero on a crash, leak, timeout or OOM; the log
	# check also catches a report that did not end the process.
	if [ "$rc" -ne 0 ] ||
		grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant failed|Test unit written to' "$log"; then
		echo "!! $t FAILED (exit $rc); log: $log" >&2
		grep -E 'ERROR:|SUMMARY:|runtime error:|invariant failed|Test unit written' "$log" | head -n 20 >&2 || true
		failed="$failed $t"
	else
		echo "ok $t"
	fi
done

if [ -n "$failed" ]; then
	echo "FAILED:$failed" >&2
	exit 1
fi
echo "all fuzz targets passed ($mode)"
