# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# IPv6 proxy e2e: a Linux client (2001:2::1) reaches a protected IPv6 service on the Linux
# server (2001:2::2) only through synwall's SYN cookies and splice: curl, 64 MiB each way
# with sha256, neighbour discovery, a bounded spoofed IPv6 SYN flood from 2001:2:0:ff00::/56
# during which every legitimate connection succeeds and none of the flood reaches the
# server, and last, the lab at MTU 9000 with jumbo segments both ways (MSS 8940 / 8960).

LAB_IPV6=1
P6_PORT_HTTP=80
P6_PORT_UP=5001
P6_PORT_DOWN=5002
P6_FLOOD_SRC=2001:2:0:ff00::/56 # spoofed sources, inside 2001:2::/48
P6_FLOOD_COUNT=${P6_FLOOD_COUNT:-40000}
P6_FLOOD_RATE=${P6_FLOOD_RATE:-4000}
P6_CURL_LOOPS=4
P6_CURL_PER_LOOP=40
P6_XFER_MIB=${P6_XFER_MIB:-64}
TIMEOUT_test_transfer6_64mib=180
TIMEOUT_test_flood6_legit_connections_succeed=90
TIMEOUT_test_jumbo_9000=240

# p6_write_config FILE [MTU]: both families of the server protected on the test ports,
# short teardown timeouts so that finished connections leave the table quickly.
p6_write_config()
{
	local file=$1 mtu=${2:-1500} mbufs=65536
	((mtu > 1500)) && mbufs=8192 # 16 KiB each: fits the lab's memory
	cat >"$file" <<EOF
; synwall IPv6 e2e config written by tests/e2e/test_proxy6.sh
[ports]
outside = ${LAB_OUT_PORT:-net_af_packet0}
inside = ${LAB_IN_PORT:-net_af_packet1}

[general]
mtu = $mtu
mbufs = $mbufs

[timeouts]
time_wait = 2s
closed = 1s

[service web]
dst = $LAB_SRV_IP/32, $LAB_SRV_IP6/128
ports = $P6_PORT_HTTP, $P6_PORT_UP, $P6_PORT_DOWN
EOF
}

e2e_file_setup()
{
	p6_write_config "$LAB_DIR/synwall.ini"
	# shellcheck disable=SC2086
	lab_start_synwall "$LAB_DIR/synwall.ini" $E2E_SYNWALL_ARGS
}

# p6_http_start DIR: python's HTTP server on [server IPv6]:80 serving DIR (HTTP/1.0: one
# connection per request).
p6_http_start()
{
	lab_bg srv http6 "$LAB_PYTHON" -m http.server "$P6_PORT_HTTP" --bind "$LAB_SRV_IP6" \
		--directory "$1"
	lab_wait_tcp srv "$P6_PORT_HTTP" 10
}

test_nd6_and_ping_through_proxy()
{
	local entry
	lab_cli ip -6 neigh flush dev "$LAB_CLI_IF"
	lab_srv ip -6 neigh flush dev "$LAB_SRV_IF"
	lab_cli ping -6 -c 3 -i 0.2 -W 2 "$LAB_SRV_IP6"
	entry=$(lab_cli ip -6 neigh show "$LAB_SRV_IP6" dev "$LAB_CLI_IF")
	assert_match "$entry" "lladdr $LAB_SRV_MAC" "client's neighbour entry for the server"
	entry=$(lab_srv ip -6 neigh show "$LAB_CLI_IP6" dev "$LAB_SRV_IF")
	assert_match "$entry" "lladdr $LAB_CLI_MAC" "server's neighbour entry for the client"
}

test_curl6()
{
	local www="$LAB_DIR/www6" out
	e2e_require_synwall
	mkdir -p "$www"
	head -c $((4 * 1048576)) /dev/urandom >"$www/blob"
	p6_http_start "$www"
	e2e_tel_snap "$LAB_DIR/c0.stats"
	out=$(lab_cli curl -6 -g -sS --max-time 20 -o "$LAB_DIR/blob.got" \
		-w '%{http_code} %{num_connects} %{remote_ip}' "http://[$LAB_SRV_IP6]:$P6_PORT_HTTP/blob")
	e2e_tel_snap "$LAB_DIR/c1.stats"
	echo "curl: $out"
	assert_eq "$out" "200 1 $LAB_SRV_IP6" "curl result"
	assert_eq "$(e2e_sha256 "$LAB_DIR/blob.got")" "$(e2e_sha256 "$www/blob")" "sha256 of the body"
	# It went through the proxy: one cookie SYN-ACK, one valid cookie, one backend SYN.
	assert_eq "$(e2e_tel_delta "$LAB_DIR/c0.stats" "$LAB_DIR/c1.stats" synack_sent)" 1 "SYN-ACKs"
	assert_eq "$(e2e_tel_delta "$LAB_DIR/c0.stats" "$LAB_DIR/c1.stats" cookie_valid)" 1 "valid cookies"
	assert_eq "$(e2e_tel_delta "$LAB_DIR/c0.stats" "$LAB_DIR/c1.stats" conn_established)" 1 \
		"backend connections"
}

test_transfer6_64mib()
{
	e2e_require_synwall
	e2e_tel_snap "$LAB_DIR/t0.stats"
	e2e_transfer up "$P6_PORT_UP" "$P6_XFER_MIB" "$LAB_SRV_IP6" 80
	e2e_transfer down "$P6_PORT_DOWN" "$P6_XFER_MIB" "$LAB_SRV_IP6" 80
	e2e_tel_snap "$LAB_DIR/t1.stats"
	assert_eq "$(e2e_tel_delta "$LAB_DIR/t0.stats" "$LAB_DIR/t1.stats" cookie_valid)" 2 "valid cookies"
	assert_eq "$(e2e_tel_delta "$LAB_DIR/t0.stats" "$LAB_DIR/t1.stats" conn_established)" 2 \
		"backend connections"
	for c in drop_conn_invalid drop_bad_csum drop_bad_exthdr drop_no_flow; do
		assert_eq "$(e2e_tel_delta "$LAB_DIR/t0.stats" "$LAB_DIR/t1.stats" "$c")" 0 "$c"
	done
}

# A bounded spoofed IPv6 SYN flood (P6_FLOOD_COUNT SYNs at P6_FLOOD_RATE/s, 20 s at most)
# against the protected port, with P6_CURL_LOOPS x P6_CURL_PER_LOOP legitimate connections
# while it runs: all of them answer 200 with the right body, the server accepts exactly
# those connections (the flood never reaches it) and synwall answers the flood itself.
test_flood6_legit_connections_succeed()
{
	local www="$LAB_DIR/www6f" sf i po0 po1 sent synack valid ok want bad at_srv f
	e2e_require_synwall
	mkdir -p "$www"
	head -c 20000 /dev/urandom >"$www/obj"
	p6_http_start "$www"
	sf=$(lab_tool synflood)
	# Whatever of the flood reached the server's interface (must be nothing).
	lab_bg srv cap-flood tcpdump --immediate-mode -U -n -i "$LAB_SRV_IF" \
		-w "$LAB_DIR/flood-at-server.pcap" ip6 and src net "$P6_FLOOD_SRC"
	lab_wait_for 10 grep -q "listening on" "$LAB_DIR/cap-flood.log" || fail "tcpdump did not start"
	e2e_tel_snap "$LAB_DIR/f0.stats"
	po0=$(e2e_snmp srv Tcp PassiveOpens)
	lab_bg cli flood6 "$sf" --src "$P6_FLOOD_SRC" --dst "$LAB_SRV_IP6" --dport "$P6_PORT_HTTP" \
		--count "$P6_FLOOD_COUNT" --rate "$P6_FLOOD_RATE" --duration 20
	sleep 0.5
	for ((i = 0; i < P6_CURL_LOOPS; i++)); do
		mkdir -p "$LAB_DIR/got$i"
		lab_bg cli "curl$i" curl -6 -sS --max-time 10 -o "$LAB_DIR/got$i/#1" \
			-w '%{http_code} %{num_connects}\n' \
			"http://[$LAB_SRV_IP6]:$P6_PORT_HTTP/obj?n=[1-$P6_CURL_PER_LOOP]"
	done
	for ((i = 0; i < P6_CURL_LOOPS; i++)); do
		lab_bg_wait "curl$i" 60 || echo "curl loop $i exited $?"
	done
	kill -0 "$(lab_bg_pid flood6)" 2>/dev/null ||
		fail "the flood ended before the legitimate connections did: raise P6_FLOOD_COUNT"
	lab_bg_wait flood6 30 || fail "synflood exited $?"
	sleep 1
	e2e_tel_snap "$LAB_DIR/f1.stats"
	po1=$(e2e_snmp srv Tcp PassiveOpens)
	lab_kill cap-flood
	at_srv=$(tcpdump -n -r "$LAB_DIR/flood-at-server.pcap" 2>/dev/null | wc -l)
	cat "$LAB_DIR/flood6.log"
	want=$((P6_CURL_LOOPS * P6_CURL_PER_LOOP))
	ok=$(cat "$LAB_DIR"/curl*.log | grep -c '^200 1$' || true)
	bad=0
	for f in "$LAB_DIR"/got*/*; do
		cmp -s "$f" "$www/obj" || bad=$((bad + 1))
	done
	sent=$(grep -o 'sent=[0-9]*' "$LAB_DIR/flood6.log" | cut -d= -f2)
	synack=$(e2e_tel_delta "$LAB_DIR/f0.stats" "$LAB_DIR/f1.stats" synack_sent)
	valid=$(e2e_tel_delta "$LAB_DIR/f0.stats" "$LAB_DIR/f1.stats" cookie_valid)
	echo "legitimate: $ok of $want answered 200 ($bad bodies differ); flood: $sent SYNs;" \
		"synwall: $synack SYN-ACKs, $valid valid cookies; server accepted $((po1 - po0)),"\
		"saw $at_srv flood packets"
	assert_eq "$ok" "$want" "legitimate connections answered 200"
	assert_eq "$at_srv" 0 "flood packets that reached the server's interface"
	assert_eq "$bad" 0 "bodies that differ"
	assert_ge "$sent" $((P6_FLOOD_RATE * 2)) "flood SYNs sent"
	assert_eq "$valid" "$want" "valid cookies (one per legitimate connection)"
	assert_eq "$((po1 - po0))" "$want" "connections the server accepted (the flood's: none)"
	grep '^drop_' "$LAB_DIR/f1.stats" | awk '$2 != 0' | sed 's/^/synwall /'
	# The dut's af_packet rings may overflow on a busy 2-core host (the PMD's imissed):
	# what synwall receives it answers, nothing else of the flood goes anywhere.
	assert_ge "$synack" $((want + sent * 90 / 100)) "SYN-ACKs synwall sent for flood + legitimate"
	assert_eq "$(e2e_tel_delta "$LAB_DIR/f0.stats" "$LAB_DIR/f1.stats" backend_syn_sent)" "$want" \
		"backend SYNs"
}

# p6_set_mtu MTU: every lab veth to MTU.
p6_set_mtu()
{
	lab_cli ip link set dev "$LAB_CLI_IF" mtu "$1"
	lab_srv ip link set dev "$LAB_SRV_IF" mtu "$1"
	lab_dut ip link set dev "$LAB_OUT_IF" mtu "$1"
	lab_dut ip link set dev "$LAB_IN_IF" mtu "$1"
}

# Last in the file: it restarts synwall at MTU 9000 (the runner checks that instance's exit
# code and summary at the end; the first instance is checked here).
test_jumbo_9000()
{
	local rc=0 big_up big_down
	e2e_require_synwall
	[[ "${LAB_PMD:-af_packet}" == af_xdp ]] &&
		skip "net_af_xdp's largest MTU is its UMEM frame size less headroom (3542 here)"
	lab_stop_synwall || fail "synwall (MTU 1500) exited $? on SIGTERM"
	lab_summary_check || fail "summary of the MTU 1500 run"
	LAB_MTU=9000
	p6_set_mtu 9000
	p6_write_config "$LAB_DIR/jumbo.ini" 9000
	if ! lab_start_synwall "$LAB_DIR/jumbo.ini" --stats-interval 1; then
		touch "$LAB_DIR/synwall.stopped" # a refusal to start, not a crash: say why
		fail "synwall does not start with [general] mtu = 9000 on $LAB_OUT_PORT" \
			"($(grep -m1 -i 'mtu' "$LAB_DIR/synwall.log"))"
	fi
	lab_cli ping -c 2 -M "do" -s $((9000 - 28)) -W 2 "$LAB_SRV_IP"
	lab_cli ping -6 -c 2 -M "do" -s $((9000 - 48)) -W 2 "$LAB_SRV_IP6"
	lab_bg srv cap tcpdump --immediate-mode -U -n -s 128 -i "$LAB_SRV_IF" \
		-w "$LAB_DIR/jumbo.pcap" tcp
	lab_wait_for 10 grep -q "listening on" "$LAB_DIR/cap.log" || fail "tcpdump did not start"
	# The first connection to a backend port teaches synwall the backend's MSS (until then
	# it offers clients 1460 / 1440): the transfers after it run with jumbo segments.
	e2e_transfer up "$P6_PORT_UP" 1 "$LAB_SRV_IP6" 30
	e2e_transfer up "$P6_PORT_UP" "$P6_XFER_MIB" "$LAB_SRV_IP6" 80
	e2e_transfer down "$P6_PORT_DOWN" 1 "$LAB_SRV_IP6" 30
	e2e_transfer down "$P6_PORT_DOWN" "$P6_XFER_MIB" "$LAB_SRV_IP6" 80
	e2e_transfer up "$P6_PORT_UP" 1 "$LAB_SRV_IP" 30
	e2e_transfer up "$P6_PORT_UP" "$P6_XFER_MIB" "$LAB_SRV_IP" 80
	e2e_transfer down "$P6_PORT_DOWN" "$P6_XFER_MIB" "$LAB_SRV_IP" 80
	sleep 0.5
	lab_kill cap
	tcpdump -n -r "$LAB_DIR/jumbo.pcap" 2>/dev/null >"$LAB_DIR/jumbo.txt" || true
	# The backend SYNs carry the cookie's MSS table entries for MTU 9000 clients.
	assert_file_match "$LAB_DIR/jumbo.txt" \
		"IP6 $LAB_CLI_IP6\.[0-9]+ > $LAB_SRV_IP6\.$P6_PORT_UP: Flags \[S\], .*mss 8940," \
		"IPv6 backend SYN with MSS 8940"
	assert_file_match "$LAB_DIR/jumbo.txt" \
		"IP $LAB_CLI_IP\.[0-9]+ > $LAB_SRV_IP\.$P6_PORT_UP: Flags \[S\], .*mss 8960," \
		"IPv4 backend SYN with MSS 8960"
	big_up=$(grep -cE "> ($LAB_SRV_IP6|$LAB_SRV_IP)\.$P6_PORT_UP: .*length (8[0-9]{3}|9[0-9]{3})$" \
		"$LAB_DIR/jumbo.txt" || true)
	big_down=$(grep -cE "($LAB_SRV_IP6|$LAB_SRV_IP)\.$P6_PORT_DOWN > .*length (8[0-9]{3}|9[0-9]{3})$" \
		"$LAB_DIR/jumbo.txt" || true)
	echo "segments of 8000+ bytes through synwall: client->server $big_up, server->client $big_down"
	assert_ge "$big_up" 1000 "jumbo segments client->server"
	assert_ge "$big_down" 1000 "jumbo segments server->client"
}
