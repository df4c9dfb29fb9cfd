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
# The targets are those the build lists in BUILD_DIR/fuzz/targets (every
# target of fuzz/CMakeLists.txt: one per import format, ...). The seed
# corpora in fuzz/corpus/X/ (for fuzz_X) are never written to. Fuzzing
# works on a copy in BUILD_DIR/fuzz-corpus/TARGET/, which keeps what earlier
# runs found (delete it to start again from the seeds); crash, leak, timeout
# and OOM inputs go to BUILD_DIR/fuzz-artifacts/TARGET/ and logs to
# BUILD_DIR/fuzz-logs/. Targets run FUZZ_PARALLEL at a time; each one's
# summary is printed when it ends. The script exits non-zero if any target
# fails.
#
# Environment: FUZZ_TARGETS (default: all, from BUILD_DIR/fuzz/targets)
# picks the targets; FUZZ_PARALLEL (default 2: the cores of the machine
# `make check` runs on) how many run at once; FUZZ_ARGS adds libFuzzer
# options (e.g. "-jobs=4 -workers=4"); FUZZ_SKIP_CHECKS (read by the
# targets) lists invariants not to check, comma-separated, to fuzz past a
# known finding.
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
extra=${FUZZ_ARGS:-}
parallel=${FUZZ_PARALLEL:-2}

case $mode in
replay) ;;
'' | *[!0-9]*) usage ;;
*) [ "$mode" -gt 0 ] || usage ;;
esac
case $parallel in
'' | *[!0-9]*) echo "$0: FUZZ_PARALLEL must be a number" >&2; exit 2 ;;
*) [ "$parallel" -gt 0 ] || { echo "$0: FUZZ_PARALLEL must be at least 1" >&2; exit 2; } ;;
esac
[ -d "$build" ] || { echo "$0: no build directory $build" >&2; exit 2; }
build=$(cd "$build" && pwd)
if [ -n "${FUZZ_TARGETS:-}" ]; then
	targets=$FUZZ_TARGETS
elif [ -f "$build/fuzz/targets" ]; then
	targets=$(cat "$build/fuzz/targets")
else
	echo "$0: $build/fuzz/targets is missing: configure with -DCOMMUNE_FUZZ=ON" >&2
	exit 2
fi

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
# one result file per target (TARGET.ok or TARGET.failed), and the
# summaries, in a directory of this run
results=$(mktemp -d "$build/fuzz-results.XXXXXX")

# Every target is checked before any starts: a missing one is a broken build.
for t in $targets; do
	if [ ! -x "$build/fuzz/$t" ]; then
		echo "$0: $build/fuzz/$t is missing: build with -DCOMMUNE_FUZZ=ON" >&2
		rm -rf "$results"
		exit 2
	fi
	if [ ! -d "$here/corpus/${t#fuzz_}" ]; then
		echo "$0: no seed corpus $here/corpus/${t#fuzz_}" >&2
		rm -rf "$results"
		exit 2
	fi
done

# stats LOG - one line of what libFuzzer's final stats say.
stats() {
	awk '/^stat::number_of_executed_units:/ { runs = $2 }
	     /^stat::average_exec_per_sec:/ { eps = $2 }
	     /^stat::peak_rss_mb:/ { rss = $2 }
	     /^#[0-9]+[ \t]+DONE/ {
		for (i = 1; i < NF; i++) {
			if ($i == "cov:") cov = $(i + 1)
			if ($i == "ft:") ft = $(i + 1)
			if ($i == "corp:") corp = $(i + 1)
		}
	     }
	     END { printf "%s runs, %s exec/s, cov %s, ft %s, corpus %s, rss %s MB",
		   runs, eps, cov, ft, corp, rss }' "$1"
}

# run_target T - fuzzes (or replays) T, then prints its summary in one
# piece and leaves T.ok or T.failed in $results. It runs where set -e does
# not apply (the left of ||): its steps check their own failures.
run_target() {
	t=$1
	bin=$build/fuzz/$t
	seeds=$here/corpus/${t#fuzz_}
	dict=$here/${t#fuzz_}.dict
	artifacts=$build/fuzz-artifacts/$t
	log=$logs/$t.log
	summary=$results/$t.summary

	mkdir -p "$artifacts" || return 1
	set -- -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$artifacts/"
	[ -f "$dict" ] && set -- "$@" -dict="$dict"

	if [ "$mode" = replay ]; then
		# A scratch copy: libFuzzer gets a directory it may touch.
		work=$(mktemp -d "$build/fuzz-replay.XXXXXX") || return 1
		cp "$seeds"/* "$work"/ || return 1
		what="replay of $(find "$work" -type f | wc -l) seeds"
		# shellcheck disable=SC2086
		if "$bin" "$@" -runs=0 $extra "$work" >"$log" 2>&1; then
			rc=0
		else
			rc=$?
		fi
		rm -rf "$work"
	else
		work=$build/fuzz-corpus/$t
		mkdir -p "$work" && cp "$seeds"/* "$work"/ || return 1
		what="${mode}s"
		# shellcheck disable=SC2086
		if "$bin" "$@" -max_total_time="$mode" $extra "$work" >"$log" 2>&1; then
			rc=0
		else
			rc=$?
		fi
	fi

	# libFuzzer exits non-zero on a crash, leak, timeout or OOM; the log
	# check also catches a report that did not end the process.
	if [ "$rc" -ne 0 ] ||
		grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant failed|Test unit written to' "$log"; then
		{
			printf '!! %-32s %s: FAILED (exit %s); log: %s\n' "$t" "$what" "$rc" "$log"
			grep -E 'ERROR:|SUMMARY:|runtime error:|invariant failed|Test unit written' "$log" | head -n 20 || true
		} >"$summary"
		: >"$results/$t.failed"
		cat "$summary" >&2
	else
		printf 'ok %-32s %s: %s\n' "$t" "$what" "$(stats "$log")" >"$summary"
		: >"$results/$t.ok"
		cat "$summary"
	fi
}

# A pool of $parallel slots: a token per free slot in a FIFO; a target
# takes one before it starts and gives it back when it ends.
fifo=$results/slots
mkfifo "$fifo"
exec 3<>"$fifo"
rm -f "$fifo"
i=0
while [ "$i" -lt "$parallel" ]; do
	echo >&3
	i=$((i + 1))
done
for t in $targets; do
	read -r _ <&3
	(
		trap 'echo >&3' EXIT # the slot comes back however the target ends
		run_target "$t" || : >"$results/$t.failed"
	) &
done
wait
exec 3>&-

failed=""
n=0
for t in $targets; do
	n=$((n + 1))
	[ -f "$results/$t.ok" ] && [ ! -f "$results/$t.failed" ] || failed="$failed $t"
done
rm -rf "$results"
if [ -n "$failed" ]; then
	echo "FAILED:$failed" >&2
	exit 1
fi
echo "all $n fuzz targets passed ($mode, $parallel at a time)"
