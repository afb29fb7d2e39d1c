# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Proxy teardown e2e: proxied connections closed client first, server first,
# simultaneously, and by a RST from either side leave no socket stuck on either host,
# and synwall's flow table goes through TIME_WAIT/CLOSED and drains to zero after the
# (shortened) timeouts, while an ESTABLISHED flow would stay for an hour.

# shellcheck source=../lab/proxy_helpers.sh
source "$LAB_LIB_DIR/proxy_helpers.sh"

CLOSE_CONNS=${CLOSE_CONNS:-5}
# One port per close mode, all in [service web], so each test sees only its own sockets.
declare -A CLOSE_PORT=([client_fin]=5011 [server_fin]=5012 [simultaneous]=5013
	[client_rst]=5014 [server_rst]=5015)
# Host states a finished connection must not linger in (TIME-WAIT on the closer is normal).
STUCK_STATES=(established syn-sent syn-recv fin-wait-1 fin-wait-2 close-wait last-ack closing)
TIMEOUT_test_close_simultaneous=90

e2e_file_setup()
{
	proxy_start "80, 5001, 5002, 5011-5017"
}

# close_run MODE: CLOSE_CONNS connections closed the MODE way (tests/lab/tcpclose.py),
# then every check of this file. Prints what it saw.
close_run()
{
	local mode=$1 port=${CLOSE_PORT[$1]} rc=0 role line deadline stuck flows live t_drain
	local counter tw_cli tw_srv both=0 cport
	proxy_hosts_default
	rm -rf "$LAB_DIR/sync" && mkdir -p "$LAB_DIR/sync"
	proxy_capture_start "close-cli" cli "tcp port $port"
	proxy_capture_start "close-srv" srv "tcp port $port"
	proxy_stats >"$LAB_DIR/before.stats"
	lab_bg srv "close-srv" "$LAB_PYTHON" "$LAB_LIB_DIR/tcpclose.py" serve "$LAB_SRV_IP" \
		"$port" --mode "$mode" --conns "$CLOSE_CONNS" --sync "$LAB_DIR/sync"
	lab_wait_tcp srv "$port" 10
	lab_cli timeout 60 "$LAB_PYTHON" "$LAB_LIB_DIR/tcpclose.py" connect "$LAB_SRV_IP" "$port" \
		--mode "$mode" --conns "$CLOSE_CONNS" --sync "$LAB_DIR/sync" \
		>"$LAB_DIR/close-cli.out" 2>&1 || rc=$?
	lab_bg_wait close-srv 30 || rc=$((rc ? rc : 100 + $?))
	sed 's/^/client: /' "$LAB_DIR/close-cli.out"
	sed 's/^/server: /' "$LAB_DIR/close-srv.log"
	((rc == 0)) || proxy_fail "$mode: a side did not see the close it expected (rc $rc)"
	assert_eq "$(grep -c '^tcpclose role=client' "$LAB_DIR/close-cli.out")" "$CLOSE_CONNS" \
		"client connections done"
	assert_eq "$(grep -c '^tcpclose role=server' "$LAB_DIR/close-srv.log")" "$CLOSE_CONNS" \
		"server connections done"

	# synwall: no flow of these connections left in a live state (they are all finished;
	# TIME_WAIT/CLOSED or already gone). The teardown timeouts are 5 s, so a flow stuck in
	# FIN_WAIT/CLOSE_WAIT/LAST_ACK/CLOSING is still visible here.
	sleep 0.5
	flows=$(proxy_flows)
	echo "synwall flows 0.5 s after the last close: $flows"
	live=$(proxy_flows_live "$flows")

	# Hosts: nothing but TIME-WAIT may remain, within a few seconds.
	deadline=$((SECONDS + 4))
	while :; do
		stuck=""
		for role in cli srv; do
			line=$(proxy_sockets "$role" "$port" "${STUCK_STATES[@]}")
			[[ -z "$line" ]] || stuck+="$role: $line"$'\n'
		done
		[[ -z "$stuck" ]] && break
		((SECONDS < deadline)) || break
		sleep 0.5
	done
	tw_cli=$(proxy_sockets cli "$port" time-wait | wc -l)
	tw_srv=$(proxy_sockets srv "$port" time-wait | wc -l)
	echo "TIME-WAIT sockets: client $tw_cli, server $tw_srv"
	proxy_stats >"$LAB_DIR/after.stats"
	for counter in cookie_valid backend_syn_sent backend_syn_rtx conn_established conn_closed \
		conn_reset rst_inexact challenge_ack drop_conn_invalid drop_no_flow; do
		echo "$counter +$(proxy_delta "$counter")"
	done
	[[ -z "$stuck" ]] || proxy_fail "$mode: sockets stuck after the close:"$'\n'"$stuck"
	assert_eq "$live" 0 "$mode: synwall flows still in a live state ($flows)"
	# TIME-WAIT on the active closer is expected but not required: when a FIN is
	# retransmitted (a scheduling hiccup is enough), the closer ACKs it twice, the peer
	# answers the second ACK with a RST (its socket is gone) and that RST ends the
	# TIME-WAIT early (RFC 1337), which is plain TCP and no fault of the proxy.
	if [[ $mode == simultaneous ]]; then
		# Both ends in TIME-WAIT for one connection: the FINs really crossed.
		for cport in $(grep -o 'cport=[0-9]*' "$LAB_DIR/close-cli.out" | cut -d= -f2); do
			if proxy_sockets cli "$port" time-wait | grep -q ":$cport " &&
				proxy_sockets srv "$port" time-wait | grep -q ":$cport\b"; then
				both=$((both + 1))
			fi
		done
		echo "simultaneous close: $both of $CLOSE_CONNS connections had crossing FINs" \
			"(both ends in TIME-WAIT)"
	fi
	assert_eq "$(proxy_delta conn_established)" "$CLOSE_CONNS" "conn_established"
	# Every FIN teardown reached TIME_WAIT in synwall; every RST close was an exact RST.
	case $mode in
	*_fin | simultaneous)
		assert_eq "$(proxy_delta conn_closed)" "$CLOSE_CONNS" \
			"conn_closed (FIN teardowns that reached TIME_WAIT)"
		;;
	*_rst)
		assert_eq "$(proxy_delta conn_reset)" "$CLOSE_CONNS" "conn_reset (exact RSTs)"
		assert_eq "$(proxy_delta conn_closed)" 0 "conn_closed for RST closes"
		;;
	esac

	# The table drains: TIME_WAIT 2 s, CLOSED 1 s, then expiry.
	t_drain=$(proxy_wait_flows_zero 10) || proxy_fail "$mode: flows left 10 s later: $t_drain"
	echo "synwall flow table empty ${t_drain}s after the check"
	proxy_capture_stop
}

test_close_client_first()
{
	e2e_require_synwall
	close_run client_fin
}

test_close_server_first()
{
	e2e_require_synwall
	close_run server_fin
}

test_close_simultaneous()
{
	e2e_require_synwall
	close_run simultaneous
}

test_close_rst_from_client()
{
	e2e_require_synwall
	close_run client_rst
}

test_close_rst_from_server()
{
	e2e_require_synwall
	close_run server_rst
}

# A client that gets two SYN-ACKs at once (its SYN was retransmitted while the proxy was
# not scheduled) sends its third ACK twice, back to back; both copies can reach synwall in
# one receive burst. That is still one connection: one backend SYN, one flow, which drains
# once the connection is reset. (Hand-made handshake, tests/lab/rawtcp.py; synwall is held
# with SIGSTOP for 50 ms so that the two copies arrive in one burst. The client kernel,
# which knows nothing of the connection, resets it when the proxy opens the window, as
# any host would.)
test_duplicate_third_ack_one_flow()
{
	local port=5016 sport=$((61000 + RANDOM % 1000)) out flows drained rc=0 late_rst
	local counter ghost
	e2e_require_synwall
	proxy_hosts_default
	proxy_idle_listener listener "$port" 16 60
	proxy_capture_start dup-cli cli "tcp port $port"
	proxy_capture_start dup-srv srv "tcp port $port"
	proxy_stats >"$LAB_DIR/before.stats"
	out=$(lab_cli timeout 20 "$LAB_PYTHON" "$LAB_LIB_DIR/rawtcp.py" dup-third-ack \
		"$LAB_CLI_IP" "$LAB_SRV_IP" "$port" "$sport" \
		--stop-pid "$(cat "$LAB_DIR/synwall.pid")") ||
		proxy_fail "rawtcp failed"
	echo "$out"
	sleep 0.3
	flows=$(proxy_flows)
	echo "flows 0.3 s after the client's reset: $flows"
	drained=$(proxy_wait_flows_zero 6) || rc=1
	sleep 2 # a stray SYN_SENT flow would retransmit its backend SYN by now (1 s RTO)
	proxy_stats >"$LAB_DIR/after.stats"
	proxy_capture_stop
	for counter in cookie_valid third_ack_rtx backend_syn_sent backend_syn_rtx backend_timeout \
		synack_rtx conn_established conn_reset drop_synack_invalid; do
		echo "$counter +$(proxy_delta "$counter")"
	done
	echo "--- server side"
	proxy_capture_text dup-srv
	echo "flows 6 s after the reset: $drained"
	ghost=$(proxy_sockets srv "$port" established syn-recv)
	echo "server sockets on :$port after the reset: ${ghost:-none}"
	echo "--- RSTs to the client"
	late_rst=$(proxy_capture_text dup-cli \
		"tcp[tcpflags] & tcp-rst != 0 and src host $LAB_SRV_IP")
	echo "$late_rst"
	# Every check, then one verdict, so that the log shows the whole story.
	local -a bad=()
	[[ "$out" == *window_update=yes* ]] || bad+=("the backend connection never opened")
	[[ "$(proxy_delta backend_syn_sent)" == 1 ]] ||
		bad+=("backend SYNs for one client connection: want 1")
	[[ "$(proxy_delta backend_syn_rtx)" == 0 ]] ||
		bad+=("backend SYN retransmitted although the backend answered at once")
	((rc == 0)) || bad+=("flows left 6 s after the reset: $drained")
	[[ -z "$late_rst" ]] || bad+=("RSTs sent to the client")
	[[ -z "$ghost" ]] || bad+=("a backend connection is open for a client that reset")
	((${#bad[@]} == 0)) || fail "$(IFS=';'; echo "${bad[*]}")"
	echo "flow table empty ${drained}s after the reset"
	proxy_hosts_default
}

# A client that aborts while synwall still waits for the backend's SYN-ACK: the client
# kernel has its connection (the cookie SYN-ACK came) and resets it with RST|ACK, ack = C + 1
# in the cookie's numbering. The server's SYN-ACKs are dropped by its OUTPUT rule, so it
# sits in SYN-RECV until the RST reaches it (else through all its SYN-ACK retries). synwall
# passes the RST on without ACK (the ack cannot be translated yet), which the server takes.
test_client_abort_before_backend_answers()
{
	local port=5017 out recv0 recv1 rc=0
	e2e_require_synwall
	proxy_hosts_default
	lab_srv iptables -A OUTPUT -p tcp --sport "$port" --tcp-flags SYN,ACK SYN,ACK -j DROP
	proxy_idle_listener abort-listener "$port" 16 30
	proxy_capture_start abort-srv srv "tcp port $port"
	proxy_stats >"$LAB_DIR/before.stats"
	out=$(lab_cli timeout 10 "$LAB_PYTHON" -c "import socket, struct, time
c = socket.create_connection(('$LAB_SRV_IP', $port), timeout=5)
print('connected', c.getsockname())
time.sleep(0.5)  # the third ACK reaches synwall, the backend SYN the server
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
c.close()  # RST|ACK
print('reset')") || rc=$?
	echo "$out"
	((rc == 0)) || proxy_fail "client failed (rc $rc)"
	recv0=$(proxy_sockets srv "$port" syn-recv | wc -l)
	sleep 1
	recv1=$(proxy_sockets srv "$port" syn-recv | wc -l)
	proxy_stats >"$LAB_DIR/after.stats"
	proxy_capture_stop
	echo "--- server side"
	proxy_capture_text abort-srv
	echo "server SYN-RECV sockets on :$port: $recv0 at the reset, $recv1 one second later"
	echo "backend_syn_sent +$(proxy_delta backend_syn_sent) conn_reset +$(proxy_delta conn_reset)"
	assert_eq "$(proxy_delta backend_syn_sent)" 1 "backend SYNs"
	assert_ge "$(proxy_capture_text abort-srv "tcp[tcpflags] & tcp-syn != 0" | wc -l)" 1 \
		"the backend SYN reached the server"
	assert_eq "$(proxy_capture_text abort-srv "tcp[tcpflags] & tcp-rst != 0" |
		grep -c 'Flags \[R\], seq')" 1 "RSTs without ACK at the server"
	assert_eq "$recv1" 0 "server half-open connections left after the client's RST"
	assert_eq "$(proxy_delta conn_reset)" 1 "connections reset"
	proxy_hosts_default
}

# After the timeouts, synwall exits cleanly and its summary says the table is empty.
test_summary_flows_empty_at_exit()
{
	local rc=0 total
	e2e_require_synwall
	sleep 3 # past time_wait (2 s) and closed (1 s) for anything an earlier test left
	lab_stop_synwall TERM || rc=$?
	assert_eq "$rc" 0 "synwall exit code on SIGTERM"
	lab_summary_check
	total=$(lab_summary_get flows.total)
	echo "summary flows: $("$LAB_PYTHON" -c 'import json, sys
print(json.load(open(sys.argv[1]))["flows"])' "$LAB_DIR/summary.json")"
	assert_eq "$total" 0 "flows.total in the exit summary"
}
