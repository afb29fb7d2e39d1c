# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Two worker lcores on af_packet (no RSS): each port has a queue per worker and the
# software steering fallback hands every packet to the worker that owns its flow, so
# both directions of a proxied connection meet on one worker.

# Three lcores on the two CPUs: main + two workers; one af_packet queue pair per worker.
export LAB_LCORES="0@0,1@1,2@1" LAB_QPAIRS=2

# An ICMP "fragmentation needed" from a router on the client's side, quoting the server's
# next segment as the client's side numbers it: synwall gives the quote back the server's
# sequence number (the ICMP reaches the flow's worker by the quoted tuple), so the server's
# kernel takes it (RFC 5927 4.1: a quote outside its send window is ignored, counted as
# TcpExtOutOfWindowIcmps) and caches the path MTU towards the client.
test_icmp_frag_needed_reaches_server()
{
	local out mtu oow0 oow1 xl
	lab_bg srv icmpsrv "$LAB_PYTHON" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001))
s.listen(1)
c, _ = s.accept()
c.sendall(b"x" * 1000)
time.sleep(8)' "$LAB_SRV_IP"
	lab_wait_tcp srv 5001 10
	oow0=$(lab_srv nstat -az TcpExtOutOfWindowIcmps | awk '/OutOfWindow/ { print $2 }')
	out=$(lab_cli timeout 20 "$LAB_PYTHON" - "$LAB_CLI_IP" "$LAB_SRV_IP" <<'PYEOF'
import socket, sys, time
from scapy.all import ICMP, IP, TCP, conf, send

cli, srv = sys.argv[1:3]
conf.verb = 0
s = socket.create_connection((srv, 5001), timeout=5)
got = b""
while len(got) < 1000:
    got += s.recv(4096)
# The client's RCV.NXT (the server's SND.NXT as the client numbers it) and SND.NXT,
# read in repair mode (linux/tcp.h: TCP_REPAIR 19, TCP_REPAIR_QUEUE 20, TCP_QUEUE_SEQ 21).
s.setsockopt(socket.SOL_TCP, 19, 1)
s.setsockopt(socket.SOL_TCP, 20, 1)
rcv_nxt = s.getsockopt(socket.SOL_TCP, 21) & 0xFFFFFFFF
s.setsockopt(socket.SOL_TCP, 20, 2)
snd_nxt = s.getsockopt(socket.SOL_TCP, 21) & 0xFFFFFFFF
s.setsockopt(socket.SOL_TCP, 19, -1)
cport = s.getsockname()[1]
quote = bytes(IP(src=srv, dst=cli, ttl=63) /
              TCP(sport=5001, dport=cport, seq=rcv_nxt, ack=snd_nxt, flags="PA") /
              (b"x" * 1400))
send(IP(src="198.18.1.254", dst=srv) / ICMP(type=3, code=4, nexthopmtu=1280) / quote[:548])
time.sleep(1)
print("sent", rcv_nxt)
PYEOF
)
	echo "$out"
	assert_match "$out" "^sent " "ICMP error sent from the client's side"
	mtu=$(lab_srv ip route get "$LAB_CLI_IP" | grep -o 'mtu [0-9]*' || true)
	oow1=$(lab_srv nstat -az TcpExtOutOfWindowIcmps | awk '/OutOfWindow/ { print $2 }')
	assert_eq "$mtu" "mtu 1280" "server's cached path MTU towards the client"
	assert_eq "$((oow1 - oow0))" 0 "ICMP errors the server found out of window"
	lab_bg_wait icmpsrv 15 || true
}

test_two_workers_proxy()
{
	local ok=0 i steered est
	lab_bg srv http "$LAB_PYTHON" -m http.server 80 --bind "$LAB_SRV_IP"
	lab_wait_tcp srv 80 10
	for i in $(seq 40); do
		lab_cli curl -s -o /dev/null --max-time 5 "http://$LAB_SRV_IP/" && ok=$((ok + 1))
	done
	assert_eq "$ok" 40 "proxied HTTP requests over two workers"
	e2e_transfer up 5001 16
	e2e_transfer down 5001 16
	lab_stop_synwall
	lab_summary_check
	steered=$(lab_summary_get counters.steered)
	est=$(lab_summary_get counters.conn_established)
	echo "steered $steered packets, $est connections established"
	assert_ge "$est" 42 "connections spliced"
	# With two workers about half of the packets arrive on the wrong queue.
	assert_ge "$steered" 1 "packets handed to their owning worker"
	assert_eq "$(lab_summary_get drops.steer_full)" 0 "steering ring overflows"
}
