# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Bridge e2e: synwall passes unprotected traffic between client and server untouched.
# The lab config protects tcp/80 and tcp/5001 on 198.18.2.0/24; everything here uses
# other ports, so it must simply be bridged.

TIMEOUT_test_transfer_upload=120
TIMEOUT_test_transfer_download=120
E2E_XFER_MIB=${E2E_XFER_MIB:-64}

test_ping()
{
	lab_cli ping -c 5 -i 0.2 -W 2 "$LAB_SRV_IP"
}

# Full-size frames with DF: nothing in the path may truncate or need fragmentation.
test_ping_full_mtu()
{
	lab_cli ping -c 3 -i 0.2 -W 2 -M "do" -s $((LAB_MTU - 28)) "$LAB_SRV_IP"
}

test_arp_resolution()
{
	local entry
	lab_cli ip neigh flush dev "$LAB_CLI_IF"
	lab_srv ip neigh flush dev "$LAB_SRV_IF"
	entry=$(lab_cli ip neigh show "$LAB_SRV_IP" dev "$LAB_CLI_IF")
	assert_eq "$entry" "" "client neighbour entry before any traffic"
	# One UDP datagram needs ARP both ways (request and reply cross synwall).
	e2e_udp_echo 5300 64
	entry=$(lab_cli ip neigh show "$LAB_SRV_IP" dev "$LAB_CLI_IF")
	assert_match "$entry" "lladdr $LAB_SRV_MAC (REACHABLE|STALE|DELAY|PROBE)" "client's entry for server"
	entry=$(lab_srv ip neigh show "$LAB_CLI_IP" dev "$LAB_SRV_IF")
	assert_match "$entry" "lladdr $LAB_CLI_MAC (REACHABLE|STALE|DELAY|PROBE)" "server's entry for client"
}

test_udp_datagram()
{
	e2e_udp_echo 5301 512
}

# 4000 bytes over a 1500 MTU: three IP fragments each way.
test_udp_fragments()
{
	# DPDK 22.11's net_af_packet joins a PACKET_FANOUT group with PACKET_FANOUT_FLAG_DEFRAG,
	# so the dut kernel reassembles IPv4 fragments before the PMD sees them, and the
	# reassembled datagram (> MTU) can never be sent on: no af_packet bridge passes IPv4
	# fragments (testpmd io forwarding neither). Runs on any other PMD.
	[[ "${LAB_PMD:-af_packet}" != af_packet ]] ||
		skip "net_af_packet reassembles IPv4 fragments (PACKET_FANOUT_FLAG_DEFRAG)"
	e2e_udp_echo 5302 4000
}

test_http_unprotected()
{
	local www="$LAB_DIR/www" body token
	mkdir -p "$www"
	token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	echo "synwall-e2e $token" >"$www/token.txt"
	head -c 1M /dev/urandom >"$www/blob.bin"
	lab_bg srv http "$LAB_PYTHON" -m http.server 8080 --bind "$LAB_SRV_IP" --directory "$www"
	lab_wait_tcp srv 8080 10
	body=$(lab_cli curl -sS --fail --max-time 10 "http://$LAB_SRV_IP:8080/token.txt")
	assert_eq "$body" "synwall-e2e $token" "HTTP body"
	lab_cli curl -sS --fail --max-time 20 -o "$LAB_DIR/blob.got" "http://$LAB_SRV_IP:8080/blob.bin"
	assert_eq "$(e2e_sha256 "$LAB_DIR/blob.got")" "$(e2e_sha256 "$www/blob.bin")" "1 MiB download"
}

test_transfer_upload()
{
	e2e_transfer up 5002 "$E2E_XFER_MIB"
}

test_transfer_download()
{
	e2e_transfer down 5003 "$E2E_XFER_MIB"
}
