# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Checksum offload e2e: synwall on net_tap ports (LAB_PMD=tap, see tests/lab/lab.sh), which
# offer RX and TX IPv4/TCP checksum offload. Bridged and proxied traffic crosses the taps
# intact; /synwall/ports reports the driver and the offloads in use ([ports] csum_offload:
# auto by default, off); a SYN with a wrong TCP checksum is dropped and counted as
# drop_bad_csum, a good one gets a SYN-ACK whose IPv4 and TCP checksums are right on the
# client's wire (scapy recomputes them), whether the PMD or synwall wrote them.

# shellcheck source=../lab/proxy_helpers.sh
source "$LAB_LIB_DIR/proxy_helpers.sh"

LAB_PMD=tap
export LAB_PMD

PROXY_PORT=5001 # in the service below: proxied
OFF_XFER_MIB=${OFF_XFER_MIB:-8}
TIMEOUT_test_proxied_transfer=90
TIMEOUT_test_bad_csum_syn=60
TIMEOUT_test_csum_offload_off=150

e2e_file_setup()
{
	off_start ""
}

# --- helpers ---------------------------------------------------------------------------

# off_start CSUM_OFFLOAD: the proxy e2e config (tests/lab/proxy_helpers.sh) on the tap
# ports, service web on 80 and PROXY_PORT, with [ports] csum_offload = CSUM_OFFLOAD (empty:
# no such line, the default), and synwall started on it.
off_start()
{
	local line=""
	[[ -z "$1" ]] || line="csum_offload = $1"
	proxy_write_config "$LAB_DIR/synwall.ini" "80, $PROXY_PORT" "$line"
	# shellcheck disable=SC2086
	lab_start_synwall "$LAB_DIR/synwall.ini" ${E2E_SYNWALL_ARGS:-}
}

# off_restart CSUM_OFFLOAD: stop synwall (it must exit 0) and start it on a new config.
off_restart()
{
	local rc=0
	lab_stop_synwall TERM || rc=$?
	assert_eq "$rc" 0 "synwall exit code on SIGTERM"
	off_start "$1" || fail "synwall did not start with csum_offload '$1'"
}

# off_check_ports RX TX: both ports are the lab's net_tap devices, with RX and TX checksum
# offload reported as RX and TX (0|1).
off_check_ports()
{
	local lines role want_name line
	lines=$(proxy_ports)
	echo "$lines"
	for role in outside inside; do
		want_name=$LAB_OUT_PORT
		if [[ $role == inside ]]; then
			want_name=$LAB_IN_PORT
		fi
		line=$(grep "^$role " <<<"$lines") || fail "/synwall/ports has no $role"
		assert_eq "$(proxy_kv "$line" name)" "$want_name" "$role name"
		assert_eq "$(proxy_kv "$line" driver)" net_tap "$role driver"
		assert_eq "$(proxy_kv "$line" rx_csum_offload)" "$1" "$role rx_csum_offload"
		assert_eq "$(proxy_kv "$line" tx_csum_offload)" "$2" "$role tx_csum_offload"
	done
	assert_ne "$(proxy_kv "$(grep '^outside ' <<<"$lines")" port_id)" \
		"$(proxy_kv "$(grep '^inside ' <<<"$lines")" port_id)" \
		"port_id of outside and inside"
}

# off_tap_counters: "TO_OUT FROM_OUT TO_IN FROM_IN": frames the kernel handed to synwall's
# outside / inside tap and frames synwall sent through it (the taps' own counters).
off_tap_counters()
{
	echo "$(e2e_link_stat dut "$LAB_OUT_TAP" tx) $(e2e_link_stat dut "$LAB_OUT_TAP" rx)" \
		"$(e2e_link_stat dut "$LAB_IN_TAP" tx) $(e2e_link_stat dut "$LAB_IN_TAP" rx)"
}

# off_check_taps BEFORE AFTER MIN: every tap counter went up by at least MIN frames.
off_check_taps()
{
	local -a b a
	local i what=(to_outside from_outside to_inside from_inside)
	read -ra b <<<"$1"
	read -ra a <<<"$2"
	for i in 0 1 2 3; do
		echo "tap frames ${what[i]}: +$((a[i] - b[i]))"
		assert_ge $((a[i] - b[i])) "$3" "frames ${what[i]} through the net_tap ports"
	done
}

# off_proxied_transfer: OFF_XFER_MIB each way through the proxy; it went through a cookie and
# a splice, and no valid segment was taken for a bad checksum on the way.
off_proxied_transfer()
{
	proxy_stats >"$LAB_DIR/before.stats"
	proxy_xfer "$PROXY_PORT" "$OFF_XFER_MIB" "$OFF_XFER_MIB"
	proxy_stats >"$LAB_DIR/after.stats"
	for what in synack_sent cookie_valid conn_established drop_bad_csum; do
		echo "$what +$(proxy_delta "$what")"
	done
	assert_ge "$(proxy_delta cookie_valid)" 1 "cookie_valid (the connection was proxied)"
	assert_ge "$(proxy_delta conn_established)" 1 "conn_established"
	assert_eq "$(proxy_delta drop_bad_csum)" 0 "drop_bad_csum during the transfer"
}

# off_csum_probe: from the client's interface, scapy sends a SYN to the protected service
# with a wrong TCP checksum (right IPv4 checksum), waits, then a correct SYN, and captures
# what comes back. Prints one line of key=value: bad_answers (replies to the bad SYN),
# synack (1 when the good SYN got a SYN-ACK acking it), the checksums found on that
# SYN-ACK and the ones scapy recomputes (ip_csum/ip_want, tcp_csum/tcp_want).
off_csum_probe()
{
	lab_cli timeout 20 "$LAB_PYTHON" - "$LAB_CLI_IF" "$LAB_CLI_MAC" "$LAB_SRV_MAC" \
		"$LAB_CLI_IP" "$LAB_SRV_IP" "$PROXY_PORT" <<'EOF'
import random, sys, threading, time
from scapy.all import IP, TCP, AsyncSniffer, Ether, conf, sendp

iface, smac, dmac, src, dst, dport = sys.argv[1:6] + [int(sys.argv[6])]
conf.verb = 0
# Below the kernel's ephemeral range: no socket of the client's own uses these.
sp_bad, sp_good = random.sample(range(20000, 30000), 2)
isn_bad, isn_good = random.getrandbits(32), random.getrandbits(32)


def syn(sport, isn):
    return (Ether(src=smac, dst=dmac) / IP(src=src, dst=dst, ttl=64) /
            TCP(sport=sport, dport=dport, flags="S", seq=isn, window=64240,
                options=[("MSS", 1460)]))


started = threading.Event()
got = []
sniffer = AsyncSniffer(iface=iface, store=False, prn=got.append, started_callback=started.set,
                       filter=f"tcp and src host {dst} and src port {dport}")
sniffer.start()
if not started.wait(5):
    sys.exit("sniffer did not start")
time.sleep(0.2)

bad = Ether(bytes(syn(sp_bad, isn_bad)))       # with its correct checksums filled in
bad[TCP].chksum ^= 0x5a5a                      # now certainly wrong
bad = Ether(bytes(bad))
sendp(bad, iface=iface)
time.sleep(1.5)


def answers(sport):
    return [p for p in list(got) if TCP in p and p[TCP].dport == sport]


sendp(syn(sp_good, isn_good), iface=iface)
deadline = time.monotonic() + 3
while not answers(sp_good) and time.monotonic() < deadline:
    time.sleep(0.05)
time.sleep(0.3)
sniffer.stop()

out = {"bad_sport": sp_bad, "bad_tcp_csum": hex(bad[TCP].chksum),
       "bad_answers": len(answers(sp_bad)), "synack": 0}
good = [p for p in answers(sp_good) if int(p[TCP].flags) & 0x12 == 0x12]
if good:
    ip = good[0][IP]
    wire = IP(bytes(ip)[:ip.len])           # the IPv4 packet as received, no padding
    fresh = wire.copy()
    del fresh.chksum
    del fresh[TCP].chksum
    fresh = IP(bytes(fresh))                # scapy fills both checksums in again
    out.update(synack=int(wire[TCP].ack == (isn_good + 1) & 0xFFFFFFFF),
               ip_csum=hex(wire.chksum), ip_want=hex(fresh.chksum),
               tcp_csum=hex(wire[TCP].chksum), tcp_want=hex(fresh[TCP].chksum))
print("csum_probe " + " ".join(f"{k}={v}" for k, v in out.items()))
EOF
}

# off_check_csum: run off_csum_probe: the bad SYN is dropped without an answer and
# counted in drop_bad_csum, the good one gets exactly one SYN-ACK with right checksums.
off_check_csum()
{
	local line
	proxy_stats >"$LAB_DIR/before.stats"
	line=$(off_csum_probe) || fail "scapy probe failed"
	proxy_stats >"$LAB_DIR/after.stats"
	echo "$line"
	for what in drop_bad_csum syn_rcvd synack_sent; do
		echo "$what +$(proxy_delta "$what")"
	done
	assert_eq "$(proxy_kv "$line" bad_answers)" 0 "answers to the SYN with a bad TCP checksum"
	assert_eq "$(proxy_delta drop_bad_csum)" 1 "drop_bad_csum for the bad SYN"
	assert_eq "$(proxy_kv "$line" synack)" 1 "SYN-ACK acking the good SYN"
	assert_eq "$(proxy_delta synack_sent)" 1 "synack_sent (the good SYN only)"
	assert_eq "$(proxy_kv "$line" ip_csum)" "$(proxy_kv "$line" ip_want)" \
		"IPv4 header checksum of the SYN-ACK on the wire"
	assert_eq "$(proxy_kv "$line" tcp_csum)" "$(proxy_kv "$line" tcp_want)" \
		"TCP checksum of the SYN-ACK on the wire"
}

# --- tests -----------------------------------------------------------------------------

# Bridged ICMP both ways, through both taps.
test_ping()
{
	local t0 t1
	t0=$(off_tap_counters)
	lab_cli ping -c 5 -i 0.2 -W 2 "$LAB_SRV_IP"
	t1=$(off_tap_counters)
	off_check_taps "$t0" "$t1" 5
}

# One bridged UDP datagram each way, and one of 4000 bytes (three IPv4 fragments each way:
# net_tap passes them, net_af_packet cannot, see test_bridge.sh).
test_udp_datagram()
{
	local t0 t1
	t0=$(off_tap_counters)
	e2e_udp_echo 5301 512
	e2e_udp_echo 5302 4000
	t1=$(off_tap_counters)
	# 1 + 3 frames each way (ARP may add some).
	off_check_taps "$t0" "$t1" 4
}

# A proxied connection moves OFF_XFER_MIB MiB each way intact, through the taps.
test_proxied_transfer()
{
	local t0 t1
	e2e_require_synwall
	t0=$(off_tap_counters)
	off_proxied_transfer
	t1=$(off_tap_counters)
	# Each way, OFF_XFER_MIB MiB of data take at least one frame per 1500 bytes.
	off_check_taps "$t0" "$t1" $((OFF_XFER_MIB * 1048576 / 1500))
}

# By default (csum_offload absent: auto) both net_tap ports run with RX and TX checksum
# offload.
test_ports_telemetry()
{
	e2e_require_synwall
	off_check_ports 1 1
}

# With RX and TX offload on: the PMD's verdict drops the bad SYN, the PMD fills in the
# SYN-ACK's checksums.
test_bad_csum_syn()
{
	e2e_require_synwall
	off_check_ports 1 1
	off_check_csum
}

# csum_offload = off: no offload reported, the proxy still moves data intact and still
# drops the bad SYN / sums its SYN-ACK right, in software. Then explicit auto: offloads back.
test_csum_offload_off()
{
	e2e_require_synwall
	off_restart off
	assert_file_match "$LAB_DIR/synwall.ini" '^csum_offload = off$' "config"
	off_check_ports 0 0
	off_proxied_transfer
	off_check_csum
	off_restart auto
	off_check_ports 1 1
	off_proxied_transfer
}
