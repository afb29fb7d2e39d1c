# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Config e2e: --check-config accepts good files and rejects bad ones with
# "FILE:LINE: [section] key: reason" on stderr; synwall never starts on a bad file.

E2E_SYNWALL=0

test_check_config_valid()
{
	local rc=0
	lab_write_config "$LAB_DIR/good.ini"
	e2e_check_config "$LAB_DIR/good.ini" || rc=$?
	cat "$LAB_DIR/check.out" "$LAB_DIR/check.err"
	assert_eq "$rc" 0 "--check-config exit code on a valid file"
}

test_shipped_configs_valid()
{
	local cfg rc n=0
	for cfg in "$LAB_REPO"/config/*.ini; do
		[[ -e "$cfg" ]] || continue
		rc=0
		e2e_check_config "$cfg" || rc=$?
		cat "$LAB_DIR/check.err"
		assert_eq "$rc" 0 "--check-config exit code on $cfg"
		n=$((n + 1))
	done
	# config/ ships lab.ini and synwall.ini: finding none means nothing was checked.
	((n >= 2)) || fail "$n config/*.ini checked, want the 2 shipped (lab.ini, synwall.ini)"
}

# _bad_config NAME SED_SCRIPT MARKER: write the lab config, break it with SED_SCRIPT,
# check that --check-config exits 1 and names FILE:LINE where LINE holds MARKER.
_bad_config()
{
	local name=$1 script=$2 marker=$3 cfg="$LAB_DIR/bad-$1.ini" line rc=0
	lab_write_config "$cfg"
	sed -i -e "$script" "$cfg"
	line=$(grep -nF -- "$marker" "$cfg" | head -n1 | cut -d: -f1)
	[[ -n "$line" ]] || fail "test bug: '$marker' not in $cfg"
	e2e_check_config "$cfg" || rc=$?
	echo "--- $name (line $line: $(sed -n "${line}p" "$cfg")): exit $rc"
	cat "$LAB_DIR/check.err"
	assert_eq "$rc" 1 "$name: --check-config exit code"
	assert_file_match "$LAB_DIR/check.err" "$cfg:$line:" "$name: FILE:LINE in stderr"
}

test_check_config_bad_port()
{
	_bad_config bad-port 's/^ports = .*/ports = 80, http/' 'ports = 80, http'
}

test_check_config_port_range()
{
	_bad_config port-range 's/^ports = .*/ports = 70000/' 'ports = 70000'
}

test_check_config_bad_prefix()
{
	_bad_config bad-prefix 's|^dst = .*|dst = 198.18.2.0/33|' 'dst = 198.18.2.0/33'
}

test_check_config_unknown_key()
{
	_bad_config unknown-key '/^dst = /a colour = blue' 'colour = blue'
}

test_check_config_syntax()
{
	_bad_config syntax '/^\[ports\]/a this line has no equals sign' 'this line has no equals sign'
}

# synwall runs at most 64 workers (more: "need 1..64 worker lcores" at the start), so a
# config asking for more must fail --check-config too, not pass it and then fail the start.
test_check_config_workers_max()
{
	_bad_config workers-max '/^\[service web\]/i [general]\nworkers = 65' 'workers = 65'
}

# Cross-field: no [ports] section at all. Line may be anything; the file must be named.
test_check_config_missing_ports()
{
	local cfg="$LAB_DIR/no-ports.ini" rc=0
	lab_write_config "$cfg"
	sed -i -e '/^\[ports\]/,/^$/d' "$cfg"
	e2e_check_config "$cfg" || rc=$?
	cat "$LAB_DIR/check.err"
	assert_eq "$rc" 1 "--check-config exit code without [ports]"
	assert_file_match "$LAB_DIR/check.err" "$cfg" "file name in stderr"
}

test_check_config_missing_file()
{
	local rc=0
	e2e_check_config "$LAB_DIR/does-not-exist.ini" || rc=$?
	cat "$LAB_DIR/check.err"
	assert_eq "$rc" 1 "--check-config exit code on a missing file"
	assert_file_match "$LAB_DIR/check.err" "does-not-exist.ini" "file name in stderr"
}

# A bad file must stop a real start too (no silent defaults), quickly and with exit != 0.
test_start_refuses_bad_config()
{
	local cfg="$LAB_DIR/bad-start.ini"
	lab_write_config "$cfg" "80, http"
	if LAB_START_TIMEOUT=20 lab_start_synwall "$cfg"; then
		fail "synwall started with a bad config"
	fi
	[[ -e "$LAB_DIR/synwall.rc" ]] || fail "synwall neither ran nor exited"
	assert_ne "$(cat "$LAB_DIR/synwall.rc")" 0 "exit code on a bad config"
	assert_file_match "$LAB_DIR/synwall.log" "$cfg:[0-9]+:" "FILE:LINE in the log"
}

# stats_reload LOG OUTSIDE INSIDE FROM BEFORE_S AFTER_S: synwall on the devices named
# OUTSIDE and INSIDE (lab_null_synwall; LAB_NULL_VDEVS for others than net_null) with
# stats_interval = FROM, reloaded to 1s after BEFORE_S seconds, stopped by PID AFTER_S
# seconds later; prints its log.
stats_reload()
{
	local log=$1 cfg="$1.ini" from=$4
	printf '%s\n' '[ports]' "outside = $2" "inside = $3" '[general]' \
		"stats_interval = $from" 'mbufs = 4096' 'flow_capacity = 4096' '[service web]' \
		'dst = 198.18.2.1/32' 'ports = 80' >"$cfg"
	lab_null_synwall "$log" "$cfg" || { cat "$log"; fail "synwall did not start"; }
	sleep "$5"
	sed -i "s/^stats_interval = $from\$/stats_interval = 1s/" "$cfg"
	kill -HUP "$LAB_NULL_PID"
	sleep "$6"
	kill -TERM "$LAB_NULL_PID"
	lab_wait_for 10 test -e "$log.rc" || fail "synwall did not stop"
	grep -v '^EAL\|^TELEMETRY' "$log" | head -20
}

# A reload that changes stats_interval applies it at once (README "Config reload"), not
# after the old interval has run out: started with 1h, reloaded to 1s, the stats lines
# follow within seconds. net_null ports, no traffic of the lab's; stopped by PID.
test_reload_stats_interval_at_once()
{
	local log="$LAB_DIR/si.log" n
	stats_reload "$log" net_null0 net_null1 1h 1 3.5
	n=$(grep -c 'synwall: outside rx .* pps' "$log" || true)
	assert_ge "$n" 2 "stats lines within 3.5 s of a reload to stats_interval = 1s"
}

# A reload that turns the stats line on (stats_interval 0 -> 1s): the first line covers one
# interval from the reload, not the time since start. 1000 frames arrive from a pcap at
# start (net_pcap, read once), none later: the first line must show outside rx 0 pps, not
# 1000 frames averaged over the 2 s before the reload.
test_reload_stats_line_turned_on()
{
	local log="$LAB_DIR/on.log" pcap="$LAB_DIR/on-rx.pcap" first
	"$LAB_PYTHON" - "$pcap" <<'EOF'
import sys
from scapy.all import Ether, IP, UDP, wrpcap
wrpcap(sys.argv[1], [Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
                     IP(src="198.18.1.2", dst="198.18.2.1") / UDP(sport=1000 + i, dport=53)
                     for i in range(1000)])
EOF
	LAB_NULL_VDEVS="--vdev net_pcap0,rx_pcap=$pcap,tx_pcap=$LAB_DIR/on-tx.pcap \
--vdev net_null1,no-rx=1" stats_reload "$log" net_pcap0 net_null1 0 2 2.5
	first=$(grep -m1 'synwall: outside rx .* pps' "$log" || true)
	[[ -n "$first" ]] || fail "no stats line after the reload"
	assert_match "$first" '^synwall: outside rx 0 pps ' "the first line's outside rx rate"
}
