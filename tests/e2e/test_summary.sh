# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Lifecycle e2e: synwall exits 0 on SIGTERM and SIGINT, writes its JSON summary, and the
# counters are sound and agree with the kernel's own counters on the lab links.

E2E_SYNWALL=0

# _lifecycle SIGNAL: start, send known traffic, stop with SIGNAL, check everything.
_lifecycle()
{
	local sig=$1 cfg="$LAB_DIR/lifecycle.ini" rc=0 v
	local cli_tx0 cli_tx1 cli_tx2 cli_tx3 srv_tx0 srv_tx1 srv_tx2 srv_tx3
	e2e_require_synwall
	lab_write_config "$cfg"
	cli_tx0=$(e2e_link_stat cli "$LAB_CLI_IF" tx)
	srv_tx0=$(e2e_link_stat srv "$LAB_SRV_IF" tx)
	lab_start_synwall "$cfg" --stats-interval 1
	cli_tx1=$(e2e_link_stat cli "$LAB_CLI_IF" tx)
	srv_tx1=$(e2e_link_stat srv "$LAB_SRV_IF" tx)

	lab_cli ping -c 10 -i 0.05 -W 2 "$LAB_SRV_IP"
	e2e_udp_echo 5320 256
	e2e_transfer up 5321 1
	cli_tx2=$(e2e_link_stat cli "$LAB_CLI_IF" tx)
	srv_tx2=$(e2e_link_stat srv "$LAB_SRV_IF" tx)

	lab_stop_synwall "$sig" || rc=$?
	cli_tx3=$(e2e_link_stat cli "$LAB_CLI_IF" tx)
	srv_tx3=$(e2e_link_stat srv "$LAB_SRV_IF" tx)
	echo "--- synwall log after the stop:"
	sed -n '/synwall: running/,$p' "$LAB_DIR/synwall.log" | tail -n 30
	assert_eq "$rc" 0 "synwall exit code after SIG$sig"
	[[ -s "$LAB_DIR/summary.json" ]] || fail "no JSON summary written"
	cat "$LAB_DIR/summary.json"
	echo
	lab_summary_check || fail "summary invariants violated"
	[[ $(sed -n '/synwall: running/,$p' "$LAB_DIR/synwall.log" | wc -l) -gt 1 ]] ||
		fail "no final summary printed after 'synwall: running'"

	# Every frame the client sent while synwall ran was received on outside, and none
	# that was sent before it started or after it stopped: tx(T1)-tx(B1) <= rx <= tx(T2)-tx(B0).
	v=$(e2e_summary_port outside rx)
	assert_ge "$v" $((cli_tx2 - cli_tx1)) "outside.rx vs frames the client sent"
	assert_le "$v" $((cli_tx3 - cli_tx0)) "outside.rx vs frames the client sent"
	v=$(e2e_summary_port inside rx)
	assert_ge "$v" $((srv_tx2 - srv_tx1)) "inside.rx vs frames the server sent"
	assert_le "$v" $((srv_tx3 - srv_tx0)) "inside.rx vs frames the server sent"
	# 10 pings, 1 UDP and a 1 MiB TCP upload each way: well over 700 frames.
	assert_ge "$(e2e_summary_port outside fwd)" 700 "outside.fwd"
	assert_ge "$(e2e_summary_port inside fwd)" 20 "inside.fwd"
	# Only unprotected traffic was sent: nothing answered, consumed or generated.
	for v in answered consumed generated; do
		assert_eq "$(e2e_summary_port outside "$v")" 0 "outside.$v"
		assert_eq "$(e2e_summary_port inside "$v")" 0 "inside.$v"
	done
}

test_sigterm_exit_and_summary()
{
	_lifecycle TERM
}

test_sigint_exit_and_summary()
{
	_lifecycle INT
}

# The JSON summary is what a run leaves behind: a summary that cannot be written is a
# failure, not a clean exit 0 (it was: one log line at the very end, exit 0, no file).
# A path in a missing directory is refused at the start, before EAL, with exit 1; a
# directory that goes away while synwall runs makes the exit code 1. net_null ports.
test_summary_json_unwritable()
{
	local cfg="$LAB_DIR/sj.ini" log="$LAB_DIR/sj.log" dir="$LAB_DIR/sj-dir" rc=0
	printf '%s\n' '[ports]' 'outside = net_null0' 'inside = net_null1' '[general]' \
		'mbufs = 4096' 'flow_capacity = 4096' '[service web]' 'dst = 198.18.2.1/32' \
		'ports = 80' >"$cfg"
	lab_dut timeout 30 "$(lab_synwall_bin)" -l 0-1 --no-pci --no-huge -m 512 \
		--file-prefix "sw-sj-$LAB_ID" --vdev net_null0 --vdev net_null1 -- -f "$cfg" \
		--summary-json "$LAB_DIR/no-such-dir/summary.json" --duration 1 >"$log" 2>&1 ||
		rc=$?
	rm -rf "/var/run/dpdk/sw-sj-$LAB_ID"
	grep -v '^EAL\|^TELEMETRY\|^  ' "$log" || true
	assert_eq "$rc" 1 "exit code with --summary-json in a missing directory"
	assert_file_match "$log" "no-such-dir/summary.json" "the summary's path in the message"
	grep -q "synwall: running" "$log" && fail "synwall ran with an unwritable --summary-json"

	mkdir -p "$dir"
	lab_null_synwall "$log" "$cfg" --summary-json "$dir/summary.json" ||
		{ cat "$log"; fail "synwall did not start"; }
	rmdir "$dir"
	kill -TERM "$LAB_NULL_PID"
	lab_wait_for 15 test -e "$log.rc" || fail "synwall did not stop"
	grep -v '^EAL\|^TELEMETRY\|^  ' "$log" || true
	assert_eq "$(cat "$log.rc")" 1 "exit code when the summary could not be written at exit"
}
