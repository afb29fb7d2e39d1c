# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# AF_XDP e2e: synwall on net_af_xdp ports (LAB_PMD=af_xdp, see tests/lab/lab.sh): the PMD
# loads an XDP program on each veth that hands every frame to its AF_XDP socket (copy mode
# on veth). Bridged and proxied traffic crosses intact, /synwall/ports names the driver (no
# checksum offload: the PMD has none), and a bounded spoofed SYN flood is answered with
# cookies while a real client still connects.

# shellcheck source=../lab/proxy_helpers.sh
source "$LAB_LIB_DIR/proxy_helpers.sh"

LAB_PMD=af_xdp
export LAB_PMD

PROXY_PORT=5001 # in the service below: proxied
XDP_XFER_MIB=${XDP_XFER_MIB:-8}
XDP_FLOOD_N=${XDP_FLOOD_N:-20000}
TIMEOUT_test_proxied_transfer=90
TIMEOUT_test_flood_answered=90

# xdp_have_pmd: this DPDK has the AF_XDP PMD.
xdp_have_pmd()
{
	[[ -n "$(find /usr/lib -name 'librte_net_af_xdp.so*' -print -quit 2>/dev/null)" ]]
}

e2e_file_setup()
{
	xdp_have_pmd || { echo "no net_af_xdp PMD in this DPDK"; return 0; }
	proxy_write_config "$LAB_DIR/synwall.ini" "80, $PROXY_PORT"
	# shellcheck disable=SC2086
	lab_start_synwall "$LAB_DIR/synwall.ini" ${E2E_SYNWALL_ARGS:-}
}

# xdp_require: skip when this DPDK has no AF_XDP PMD (e2e_file_setup started nothing).
xdp_require()
{
	xdp_have_pmd || skip "no net_af_xdp PMD in this DPDK"
}

# xdp_counters: "CLI_TX SRV_RX SRV_TX CLI_RX": frames each lab host sent and received.
xdp_counters()
{
	echo "$(e2e_link_stat cli "$LAB_CLI_IF" tx) $(e2e_link_stat srv "$LAB_SRV_IF" rx)" \
		"$(e2e_link_stat srv "$LAB_SRV_IF" tx) $(e2e_link_stat cli "$LAB_CLI_IF" rx)"
}

# --- tests -----------------------------------------------------------------------------

# Both ports are the lab's net_af_xdp devices, without checksum offload.
test_ports_telemetry()
{
	local lines role want line
	xdp_require
	e2e_require_synwall
	lines=$(proxy_ports)
	echo "$lines"
	for role in outside inside; do
		want=$LAB_OUT_PORT
		[[ $role == outside ]] || want=$LAB_IN_PORT
		line=$(grep "^$role " <<<"$lines") || fail "/synwall/ports has no $role"
		assert_eq "$(proxy_kv "$line" name)" "$want" "$role name"
		assert_eq "$(proxy_kv "$line" driver)" net_af_xdp "$role driver"
		assert_eq "$(proxy_kv "$line" rx_csum_offload)" 0 "$role rx_csum_offload"
		assert_eq "$(proxy_kv "$line" tx_csum_offload)" 0 "$role tx_csum_offload"
	done
}

# Bridged ICMP (and the ARP before it) both ways: the server received the client's echo
# requests and the client the server's replies, through both AF_XDP sockets.
test_ping()
{
	local -a b a
	xdp_require
	read -ra b <<<"$(xdp_counters)"
	lab_cli ping -c 5 -i 0.2 -W 2 "$LAB_SRV_IP"
	read -ra a <<<"$(xdp_counters)"
	echo "client tx +$((a[0] - b[0])) server rx +$((a[1] - b[1])) server tx" \
		"+$((a[2] - b[2])) client rx +$((a[3] - b[3]))"
	assert_ge $((a[1] - b[1])) 5 "frames the server received"
	assert_ge $((a[3] - b[3])) 5 "frames the client received"
}

# A proxied connection moves XDP_XFER_MIB MiB each way intact (bytes and sha256), through a
# cookie and a splice.
test_proxied_transfer()
{
	xdp_require
	e2e_require_synwall
	proxy_stats >"$LAB_DIR/before.stats"
	proxy_xfer "$PROXY_PORT" "$XDP_XFER_MIB" "$XDP_XFER_MIB"
	proxy_stats >"$LAB_DIR/after.stats"
	for what in synack_sent cookie_valid conn_established; do
		echo "$what +$(proxy_delta "$what")"
	done
	assert_ge "$(proxy_delta cookie_valid)" 1 "cookie_valid (the connection was proxied)"
	assert_ge "$(proxy_delta conn_established)" 1 "conn_established"
}

# XDP_FLOOD_N spoofed SYNs (198.19.0.0/16, 5000/s at most, 10 s at most) to the protected
# port: synwall answers them with cookie SYN-ACKs back to the client side, the server sees
# none of them, and a real connection made during the flood still completes.
test_flood_answered()
{
	local sf out rx0 rx1 srx0 srx1 n=$XDP_FLOOD_N
	xdp_require
	e2e_require_synwall
	sf=$(lab_tool synflood)
	proxy_stats >"$LAB_DIR/before.stats"
	rx0=$(e2e_link_stat cli "$LAB_CLI_IF" rx)
	srx0=$(e2e_link_stat srv "$LAB_SRV_IF" rx)
	lab_bg cli flood timeout 30 "$sf" --src "$LAB_FLOOD_NET" --dst "$LAB_SRV_IP" \
		--dport "$PROXY_PORT" --count "$n" --rate 5000 --duration 10
	sleep 1
	proxy_xfer "$PROXY_PORT" 1 1
	lab_bg_wait flood 30 || fail "synflood failed"
	out=$(cat "$LAB_DIR/flood.log")
	echo "$out"
	assert_match "$out" "sent=$n " "synflood count"
	sleep 0.5
	rx1=$(e2e_link_stat cli "$LAB_CLI_IF" rx)
	srx1=$(e2e_link_stat srv "$LAB_SRV_IF" rx)
	proxy_stats >"$LAB_DIR/after.stats"
	echo "client rx +$((rx1 - rx0)), server rx +$((srx1 - srx0)), synack_sent" \
		"+$(proxy_delta synack_sent)"
	assert_ge "$(proxy_delta synack_sent)" "$n" "cookie SYN-ACKs sent"
	assert_ge $((rx1 - rx0)) "$n" "frames back to the client side"
	# The server saw the real connection (1 MiB: ~720 segments, and ARP), no flood SYN.
	assert_le $((srx1 - srx0)) $((n / 4)) "frames the server received during the flood"
}
