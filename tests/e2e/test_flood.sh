# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Flood tooling e2e: tests/tools/synflood refuses foreign ranges, and a bounded spoofed
# flood from 198.19.0.0/16 crosses synwall (unprotected port) and is answered by the
# server kernel back through synwall, as the lab routes it.

test_synflood_refuses_foreign_ranges()
{
	local sf tx0 args rc
	sf=$(lab_tool synflood)
	tx0=$(e2e_link_stat cli "$LAB_CLI_IF" tx)
	for args in "--src 10.0.0.0/8 --dst $LAB_SRV_IP" "--src 198.19.0.0/16 --dst 192.0.2.1" \
		"--src 198.16.0.0/13 --dst $LAB_SRV_IP" "--src 0.0.0.0/0 --dst $LAB_SRV_IP" \
		"--src 198.19.0.0/16 --dst 198.20.0.0/16"; do
		rc=0
		# shellcheck disable=SC2086
		lab_cli "$sf" $args --dport 5004 --count 10 2>"$LAB_DIR/sf.err" || rc=$?
		assert_eq "$rc" 2 "synflood $args"
		assert_file_match "$LAB_DIR/sf.err" refused "synflood $args"
	done
	for args in "--count 0" "--count 100000001" "--duration 0" "--duration 601" "--rate x"; do
		rc=0
		# shellcheck disable=SC2086
		lab_cli "$sf" --src 198.19.0.0/16 --dst "$LAB_SRV_IP" --dport 5004 $args \
			2>/dev/null || rc=$?
		assert_eq "$rc" 2 "synflood $args"
	done
	assert_eq "$(e2e_link_stat cli "$LAB_CLI_IF" tx)" "$tx0" "frames sent by refused runs"
}

test_synflood_reaches_server()
{
	local sf out in0 in1 out0 out1 rx0 rx1 n=2000
	sf=$(lab_tool synflood)
	lab_bg srv listener "$LAB_PYTHON" -c "import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$LAB_SRV_IP', 5004))
s.listen(4096)
time.sleep(30)"
	lab_wait_tcp srv 5004 10
	in0=$(e2e_snmp srv Tcp InSegs)
	out0=$(e2e_snmp srv Tcp OutSegs)
	rx0=$(e2e_link_stat cli "$LAB_CLI_IF" rx)
	out=$(lab_cli timeout 30 "$sf" --src "$LAB_FLOOD_NET" --dst "$LAB_SRV_IP" --dport 5004 \
		--count "$n" --rate 5000 --duration 10)
	echo "$out"
	assert_match "$out" "sent=$n " "synflood count"
	sleep 1
	in1=$(e2e_snmp srv Tcp InSegs)
	out1=$(e2e_snmp srv Tcp OutSegs)
	rx1=$(e2e_link_stat cli "$LAB_CLI_IF" rx)
	echo "server InSegs +$((in1 - in0)) OutSegs +$((out1 - out0)); client rx +$((rx1 - rx0))"
	assert_ge $((in1 - in0)) $((n * 95 / 100)) "SYNs that reached the server"
	assert_ge $((out1 - out0)) $((n * 95 / 100)) "server SYN-ACKs to the spoofed range"
	assert_ge $((rx1 - rx0)) $((n * 95 / 100)) "SYN-ACKs that came back through synwall"
}
