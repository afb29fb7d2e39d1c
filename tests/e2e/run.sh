#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run.sh: run synwall's end-to-end tests (tests/e2e/test_*.sh) in the netns lab.
#
# usage: tests/e2e/run.sh [-k REGEX] [-x REGEX] [-o OUTDIR] [FILE...]
#   -k REGEX   run only tests whose "file::function" name matches REGEX
#   -x REGEX   and not those whose name matches this one
#   -o OUTDIR  logs (default tests/e2e/out); results in OUTDIR/results.tsv
#
# Writing a test: add a function test_<name> to a tests/e2e/test_<topic>.sh file (or a
# new file). Each file gets a fresh lab (lab_up) and, unless it sets E2E_SYNWALL=0, a
# synwall started with lab_write_config + lab_start_synwall $E2E_SYNWALL_ARGS (or its own
# e2e_file_setup function). Each test runs in its own process under `timeout` (default
# E2E_TIMEOUT=60 s, per test TIMEOUT_<function>=N) with `set -Eeo pipefail`: any failing
# command fails the test; fail/skip/assert_* come from e2e.sh, lab_* from tests/lab/lab.sh.
# After each test, every process left in the client/server namespaces is ended; a synwall
# that died without lab_stop_synwall fails that test. After the last test the runner
# stops synwall and checks its exit code and JSON summary as one more test.
#
# Exit: 0 when nothing failed. Last line: "e2e: N passed, N failed, N skipped".
set -uo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_SH="$E2E_DIR/../lab/lab.sh"

# Internal: run one test function (called by run_test through `timeout`).
if [[ "${1:-}" == --one ]]; then
	set -Eeo pipefail
	# shellcheck source=../lab/lab.sh
	source "$LAB_SH"
	# shellcheck source=e2e.sh
	source "$E2E_DIR/e2e.sh"
	# shellcheck disable=SC1090
	source "$2"
	trap 'echo "error: ${BASH_SOURCE[0]##*/}:$LINENO: \`$BASH_COMMAND\` failed (exit $?)" >&2' ERR
	cd "$LAB_DIR"
	"$3"
	exit 0
fi

OUT="$E2E_DIR/out"
FILTER=""
EXCLUDE=""
while getopts "k:x:o:h" opt; do
	case "$opt" in
	k) FILTER=$OPTARG ;;
	x) EXCLUDE=$OPTARG ;;
	o) OUT=$OPTARG ;;
	*)
		sed -n '3,21p' "$0" | sed 's/^# \{0,1\}//'
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
FILES=("$@")
if ((${#FILES[@]} == 0)); then
	FILES=("$E2E_DIR"/test_*.sh)
fi
if [[ $EUID -ne 0 ]]; then
	echo "e2e: needs root (network namespaces)" >&2
	exit 2
fi
mkdir -p "$OUT" && OUT="$(cd "$OUT" && pwd)"
RESULTS="$OUT/results.tsv"
: >"$RESULTS"

# record STATUS NAME SECONDS [DETAIL]
record()
{
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >>"$RESULTS"
	printf '%-4s  %-58s %6ss %s\n' "$1" "$2" "$3" "${4:-}"
}

# show_log FILE [LINES]: the end of a log, indented.
show_log()
{
	local n=${2:-40}
	[[ -s "$1" ]] || return 0
	echo "      --- ${1#"$OUT"/} (last $n lines)"
	tail -n "$n" "$1" | sed 's/^/      | /'
}

elapsed_since()
{
	awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'
}

# run_test FILE BASE FN: one test in its own process group, bounded by timeout.
run_test()
{
	local file=$1 base=$2 fn=$3 var limit start rc log name status detail=""
	local was_running=0
	name="${file##*/}::$fn"
	var="TIMEOUT_$fn"
	limit=${!var:-${E2E_TIMEOUT:-60}}
	log="$OUT/$base/$fn.log"
	lab_synwall_running && was_running=1
	start=$(date +%s.%N)
	# In the background so that a signal to the runner interrupts `wait` at once (see
	# _abort); timeout gives the test its own process group and kills all of it.
	timeout -k 5 "$limit" bash "$E2E_DIR/run.sh" --one "$file" "$fn" >"$log" 2>&1 </dev/null &
	E2E_TEST_PID=$!
	wait "$E2E_TEST_PID"
	rc=$?
	E2E_TEST_PID=""
	lab_reset_hosts
	case $rc in
	0) status=PASS ;;
	77) status=SKIP detail=$(grep -m1 '^SKIP:' "$log" | cut -c7-) ;;
	124 | 137) status=FAIL detail="timed out after ${limit}s" ;;
	*) status=FAIL detail="exit $rc" ;;
	esac
	if ((was_running)) && ! lab_synwall_running && [[ ! -e "$LAB_DIR/synwall.stopped" ]]; then
		status=FAIL
		detail="synwall died during the test (exit $(cat "$LAB_DIR/synwall.rc" 2>/dev/null))"
	fi
	# A synwall the test started and left running would block the next test's start.
	if ((!was_running)) && lab_synwall_running; then
		lab_stop_synwall TERM 10 >>"$log" 2>&1 || true
	fi
	record "$status" "$name" "$(elapsed_since "$start")" "$detail"
	if [[ $status == FAIL ]]; then
		show_log "$log"
		if [[ -e "$LAB_DIR/synwall.log" ]]; then
			cp "$LAB_DIR/synwall.log" "$OUT/$base/synwall.log"
			# More of synwall's log when it is the one that went away.
			if lab_synwall_running; then
				show_log "$OUT/$base/synwall.log" 10
			else
				show_log "$OUT/$base/synwall.log" 40
			fi
		fi
	fi
}

# list_tests FILE: test functions in file order.
list_tests()
{
	sed -nE 's/^(function[[:space:]]+)?(test_[A-Za-z0-9_]+)[[:space:]]*\(\).*/\2/p' "$1"
}

# run_file FILE: fresh lab, optional synwall, every test, teardown check. Runs in a
# subshell so the lab's EXIT trap tears everything down whatever happens.
run_file()
(
	local file=$1 base fn start rc
	local -a tests=() selected=()
	base=$(basename "$file" .sh)
	rm -rf "${OUT:?}/$base" && mkdir -p "$OUT/$base"
	mapfile -t tests < <(list_tests "$file")
	for fn in "${tests[@]}"; do
		if { [[ -z "$FILTER" ]] || grep -Eq -- "$FILTER" <<<"${file##*/}::$fn"; } &&
			{ [[ -z "$EXCLUDE" ]] || ! grep -Eq -- "$EXCLUDE" <<<"${file##*/}::$fn"; }; then
			selected+=("$fn")
		fi
	done
	((${#selected[@]} > 0)) || exit 0
	echo "== ${file##*/}"

	# shellcheck source=../lab/lab.sh
	source "$LAB_SH"
	# shellcheck source=e2e.sh
	source "$E2E_DIR/e2e.sh"
	E2E_SYNWALL=1
	E2E_SYNWALL_ARGS="--stats-interval 1"
	# shellcheck disable=SC1090
	source "$file"
	export LAB_KEEP_LOGS="$OUT/$base"

	# fail_all DETAIL: the file could not be set up; every selected test fails.
	fail_all()
	{
		for fn in "${selected[@]}"; do
			record FAIL "${file##*/}::$fn" 0 "$1"
		done
		show_log "$OUT/$base/setup.log"
		[[ -n "${LAB_DIR:-}" && -e "$LAB_DIR/synwall.log" ]] &&
			cp "$LAB_DIR/synwall.log" "$OUT/$base/synwall.log"
		lab_down >>"$OUT/$base/setup.log" 2>&1
		exit 0
	}
	lab_up >"$OUT/$base/setup.log" 2>&1 || fail_all "lab_up failed"
	# Interrupted (Ctrl-C, CI timeout): end the running test now, then the EXIT trap
	# set by lab_up tears the lab down.
	_abort()
	{
		[[ -n "${E2E_TEST_PID:-}" ]] && kill -TERM "$E2E_TEST_PID" 2>/dev/null
		echo "e2e: interrupted, tearing the lab down" >&2
		exit "$1"
	}
	trap '_abort 130' INT
	trap '_abort 143' TERM
	if declare -F e2e_file_setup >/dev/null; then
		e2e_file_setup >>"$OUT/$base/setup.log" 2>&1 || fail_all "e2e_file_setup failed"
	elif [[ "$E2E_SYNWALL" == 1 ]]; then
		lab_write_config "$LAB_DIR/synwall.ini"
		# shellcheck disable=SC2086
		lab_start_synwall "$LAB_DIR/synwall.ini" $E2E_SYNWALL_ARGS \
			>>"$OUT/$base/setup.log" 2>&1 || fail_all "synwall did not start"
	fi
	local auto_started=0
	lab_synwall_running && auto_started=1

	for fn in "${selected[@]}"; do
		run_test "$file" "$base" "$fn"
	done

	# Teardown check: synwall survived all tests, exits 0 on SIGTERM, summary is sound.
	if ((auto_started)) && lab_synwall_running && [[ "${LAB_STANDIN:-}" != testpmd ]]; then
		start=$(date +%s.%N)
		rc=0
		lab_stop_synwall TERM >>"$OUT/$base/teardown.log" 2>&1 || rc=$?
		if ((rc != 0)); then
			record FAIL "${file##*/}::[teardown]" "$(elapsed_since "$start")" \
				"synwall exit $rc on SIGTERM"
			cp "$LAB_DIR/synwall.log" "$OUT/$base/synwall.log"
			show_log "$OUT/$base/synwall.log"
		elif ! lab_summary_check >>"$OUT/$base/teardown.log" 2>&1; then
			record FAIL "${file##*/}::[teardown]" "$(elapsed_since "$start")" \
				"summary check failed"
			show_log "$OUT/$base/teardown.log"
		else
			record PASS "${file##*/}::[teardown]" "$(elapsed_since "$start")" \
				"exit 0, summary sound"
		fi
	fi
	lab_down >>"$OUT/$base/setup.log" 2>&1
	exit 0
)

T0=$(date +%s.%N)
for file in "${FILES[@]}"; do
	[[ -f "$file" ]] || { record FAIL "$file" 0 "no such test file"; continue; }
	run_file "$file"
done
passed=$(grep -c '^PASS' "$RESULTS")
failed=$(grep -c '^FAIL' "$RESULTS")
skipped=$(grep -c '^SKIP' "$RESULTS")
echo "e2e: logs in $OUT, $(elapsed_since "$T0")s"
echo "e2e: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
