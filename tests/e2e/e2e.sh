# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# e2e.sh: assertion helpers for tests/e2e/test_*.sh (sourced by run.sh after lab.sh).

# fail MSG: end the current test as failed.
fail()
{
	echo "FAIL: $*" >&2
	exit 1
}

# skip MSG: end the current test as skipped (exit 77, as automake and meson count it).
skip()
{
	echo "SKIP: $*" >&2
	exit 77
}

assert_eq()
{
	[[ "$1" == "$2" ]] || fail "${3:-values differ}: got '$1', want '$2'"
}

assert_ne()
{
	[[ "$1" != "$2" ]] || fail "${3:-values equal}: both '$1'"
}

# assert_ge A B [MSG]: integer A >= B.
assert_ge()
{
	[[ "$1" =~ ^-?[0-9]+$ && "$2" =~ ^-?[0-9]+$ ]] || fail "${3:-assert_ge}: not integers: '$1' '$2'"
	(($1 >= $2)) || fail "${3:-too small}: $1 < $2"
}

# assert_le A B [MSG]: integer A <= B.
assert_le()
{
	[[ "$1" =~ ^-?[0-9]+$ && "$2" =~ ^-?[0-9]+$ ]] || fail "${3:-assert_le}: not integers: '$1' '$2'"
	(($1 <= $2)) || fail "${3:-too large}: $1 > $2"
}

# assert_match STRING ERE [MSG]
assert_match()
{
	grep -Eq -- "$2" <<<"$1" || fail "${3:-no match}: '$2' not in: $1"
}

# assert_file_match FILE ERE [MSG]
assert_file_match()
{
	grep -Eq -- "$2" "$1" || fail "${3:-no match}: '$2' not in $1: $(head -c 2000 "$1")"
}

# e2e_require_synwall: skip tests that need synwall's own features under the testpmd stand-in.
e2e_require_synwall()
{
	[[ "${LAB_STANDIN:-}" != testpmd ]] || skip "needs synwall (LAB_STANDIN=testpmd)"
}

# e2e_sha256 FILE: print the file's sha256.
e2e_sha256()
{
	sha256sum "$1" | cut -d' ' -f1
}

# e2e_link_stat ROLE IFNAME rx|tx: packets counter of an interface in the lab.
e2e_link_stat()
{
	local ns
	ns=$(lab_ns "$1") || return 1
	ip netns exec "$ns" cat "/sys/class/net/$2/statistics/$3_packets"
}

# e2e_snmp ROLE GROUP FIELD: one counter of /proc/net/snmp (GROUP Tcp, Udp, Ip, ...).
e2e_snmp()
{
	local ns
	ns=$(lab_ns "$1") || return 1
	ip netns exec "$ns" awk -v g="$2:" -v f="$3" '
		$1 == g && !hdr { for (i = 2; i <= NF; i++) col[$i] = i; hdr = 1; next }
		$1 == g && hdr { print $col[f]; exit }' /proc/net/snmp
}

# e2e_summary_port PORT KEY: value from synwall's JSON summary (after lab_stop_synwall).
e2e_summary_port()
{
	lab_summary_get "ports.$1.$2"
}

# e2e_transfer up|down PORT MIB [SERVER_ADDR] [TIMEOUT_S]: move MIB MiB of random bytes
# client->server (up, nc) or server->client (down: nc serves, tcpxfer.py reads) over TCP,
# and check the sha256 on both ends. The server listens on SERVER_ADDR:PORT (default the
# lab server).
e2e_transfer()
{
	local way=$1 port=$2 mib=$3 addr=${4:-$LAB_SRV_IP} limit=${5:-60}
	local src="$LAB_DIR/xfer-$port.src" dst="$LAB_DIR/xfer-$port.dst" name="xfer-$port"
	local t0 rc=0
	head -c "${mib}M" /dev/urandom >"$src"
	rm -f "$dst"
	t0=$(date +%s.%N)
	if [[ "$way" == up ]]; then
		lab_bg srv "$name" sh -c 'exec nc -l "$0" "$1" >"$2"' "$addr" "$port" "$dst"
		lab_wait_tcp srv "$port" 10
		lab_cli timeout "$limit" nc -N -w 10 "$addr" "$port" <"$src" || rc=$?
	else
		lab_bg srv "$name" sh -c 'exec nc -l -N "$0" "$1" <"$2"' "$addr" "$port" "$src"
		lab_wait_tcp srv "$port" 10
		# The client speaks first (one byte, write side held open until the server's
		# EOF), as most protocols do: a client that sends nothing cannot recover from
		# a lost third ACK through a SYN-cookie proxy (no retransmission, nothing
		# else carries the cookie until its FIN), and the lab's veths do lose one
		# now and then under parallel bulk transfers.
		lab_cli timeout "$limit" "$LAB_PYTHON" "$LAB_LIB_DIR/tcpxfer.py" send "$addr" \
			"$port" --send-bytes 1 --hold --timeout 10 >"$dst.rep" || rc=$?
	fi
	((rc == 0)) || fail "client exited $rc"
	lab_bg_wait "$name" 15 || fail "server nc exited $?"
	echo "transfer $way ${mib} MiB port $port: $(awk -v s="$t0" -v e="$(date +%s.%N)" \
		'BEGIN { printf "%.2f s", e - s }')"
	if [[ "$way" == up ]]; then
		assert_eq "$(stat -c %s "$dst")" "$(stat -c %s "$src")" "received size"
		assert_eq "$(e2e_sha256 "$dst")" "$(e2e_sha256 "$src")" "sha256 of received data"
	else
		assert_eq "$(sed -n 's/.* rcvd=\([0-9]*\) .*/\1/p' "$dst.rep")" \
			"$(stat -c %s "$src")" "received size"
		assert_eq "$(sed -n 's/.* rcvd_sha=\([0-9a-f]*\) .*/\1/p' "$dst.rep")" \
			"$(e2e_sha256 "$src")" "sha256 of received data"
	fi
	rm -f "$src" "$dst" "$dst.rep"
}

# e2e_udp_echo PORT SIZE [SERVER_ADDR]: one UDP datagram client->server->client.
e2e_udp_echo()
{
	local port=$1 size=$2 addr=${3:-$LAB_SRV_IP} name="udp-$1"
	lab_bg srv "$name" "$LAB_PYTHON" "$LAB_LIB_DIR/udp_echo.py" serve "$addr" "$port" 1 10
	lab_wait_udp srv "$port" 10
	lab_cli timeout 10 "$LAB_PYTHON" "$LAB_LIB_DIR/udp_echo.py" send "$addr" "$port" "$size" 5 ||
		fail "no UDP echo of $size bytes"
	lab_bg_wait "$name" 5 || fail "UDP server exited $?"
	cat "$LAB_DIR/$name.log"
}

# e2e_check_config CONFIG: run `synwall ... -- -f CONFIG --check-config` the way an
# operator would (full EAL options, inside the dut namespace). Output lands in
# $LAB_DIR/check.out and $LAB_DIR/check.err; returns synwall's exit code.
e2e_check_config()
{
	local -a eal
	mapfile -t eal < <(lab_eal_args)
	lab_dut timeout 30 "$(lab_synwall_bin)" "${eal[@]}" -- -f "$1" --check-config \
		>"$LAB_DIR/check.out" 2>"$LAB_DIR/check.err"
}

# e2e_tel_snap FILE: "name value" lines of synwall's /synwall/stats (DPDK telemetry).
e2e_tel_snap()
{
	local out
	out=$(dpdk-telemetry.py -f "sw-$LAB_ID" <<<"/synwall/stats" 2>&1) ||
		fail "telemetry: $out"
	grep -m1 '^{' <<<"$out" | "$LAB_PYTHON" -c '
import json, sys
for k, v in next(iter(json.load(sys.stdin).values())).items():
    print(k, v)' >"$1"
}

# e2e_tel_delta BEFORE AFTER NAME: AFTER - BEFORE for one counter of two e2e_tel_snap files.
e2e_tel_delta()
{
	awk -v k="$3" '$1 == k { v[FILENAME] = $2 } END { print v[ARGV[2]] - v[ARGV[1]] }' "$1" "$2"
}
