# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# IPv6 bridge e2e: client 2001:2::1 and server 2001:2::2 (no link-local addresses).

LAB_IPV6=1

test_ping6()
{
	lab_cli ping -6 -c 3 -i 0.2 -W 2 "$LAB_SRV_IP6"
}

test_neighbour_discovery6()
{
	local entry
	lab_cli ip -6 neigh flush dev "$LAB_CLI_IF"
	lab_cli ping -6 -c 1 -W 2 "$LAB_SRV_IP6"
	entry=$(lab_cli ip -6 neigh show "$LAB_SRV_IP6" dev "$LAB_CLI_IF")
	assert_match "$entry" "lladdr $LAB_SRV_MAC" "client's IPv6 neighbour entry for server"
}

test_udp6_datagram()
{
	e2e_udp_echo 5310 512 "$LAB_SRV_IP6"
}

# IPv6 fragments are not reassembled by af_packet's fanout (that is IPv4 only).
test_udp6_fragments()
{
	e2e_udp_echo 5311 4000 "$LAB_SRV_IP6"
}

test_tcp6_transfer()
{
	e2e_transfer up 5312 4 "$LAB_SRV_IP6"
	e2e_transfer down 5313 4 "$LAB_SRV_IP6"
}
