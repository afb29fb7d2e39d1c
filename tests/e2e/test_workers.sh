# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Two worker lcores on af_packet (no RSS): each port has a queue per worker and the
# software steering fallback hands every packet to the worker that owns its flow, so
# both directions of a proxied connection meet on one worker.

# Three lcores on the two CPUs: main + two workers; one af_packet queue pair per worker.
# IPv6 too: IPv6 fragments cross the af_packet bridge (IPv4 ones are reassembled by the
# dut kernel's fanout, see README "The lab").
export LAB_LCORES="0@0,1@1,2@1" LAB_QPAIRS=2 LAB_IPV6=1

# The lab's config, with the IPv6 server protected too.
e2e_file_setup()
{
	lab_write_config "$LAB_DIR/synwall.ini"
	sed -i 's|^dst = 198.18.2.0/24$|dst = 198.18.2.0/24, 2001:2::2/128|' "$LAB_DIR/synwall.ini"
	# shellcheck disable=SC2086
	lab_start_synwall "$LAB_DIR/synwall.ini" $E2E_SYNWALL_ARGS
}

# A segment in IPv6 fragments on six spliced connections: only the first fragment has
# the ports, and software steering must hand it to its flow's worker (it hashed first
# fragments by addresses alone: on the other worker it met no flow and was dropped as a
# forged third ACK). The scapy client writes each segment at the kernel socket's SND.NXT
# (read in TCP repair mode); the server must receive all of every one.
TIMEOUT_test_first_fragments_reach_their_flow=60
test_first_fragments_reach_their_flow()
{
	local out got
	lab_bg srv fragsrv "$LAB_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001))
s.listen(8)
s.settimeout(20)
for i in range(6):
    c, _ = s.accept()
    c.settimeout(5)
    got = b""
    try:
        while len(got) < 2000:
            b = c.recv(4096)
            if not b:
                break
            got += b
    except OSError:
        pass
    print("conn", i, len(got), got[:2000] == bytes(range(200)) * 10, flush=True)
    c.close()' "$LAB_SRV_IP6"
	lab_wait_tcp srv 5001 10
	out=$(lab_cli timeout 40 "$LAB_PYTHON" - "$LAB_CLI_IF" "$LAB_CLI_MAC" "$LAB_SRV_MAC" \
		"$LAB_CLI_IP6" "$LAB_SRV_IP6" <<'PYEOF2'
import os, socket, sys, time
from scapy.all import TCP, Ether, IPv6, IPv6ExtHdrFragment, conf, fragment6, sendp

sys.path.insert(0, os.environ["LAB_LIB_DIR"])
from tcprepair import seq_pair  # noqa: E402

iface, smac, dmac, cli, srv = sys.argv[1:6]
conf.verb = 0
socks = []
for i in range(6):
    s = socket.create_connection((srv, 5001), timeout=5)
    time.sleep(0.2)
    rcv_nxt, snd_nxt = seq_pair(s)
    sport = s.getsockname()[1]
    seg = (IPv6(src=cli, dst=srv) / IPv6ExtHdrFragment(id=1000 + i) /
           TCP(sport=sport, dport=5001, flags="PA", seq=snd_nxt, ack=rcv_nxt, window=500) /
           (bytes(range(200)) * 10))
    sendp([Ether(src=smac, dst=dmac) / f for f in fragment6(seg, 1280)], iface=iface)
    socks.append(s)
    time.sleep(0.3)
print("sent", len(socks))
time.sleep(2)
PYEOF2
)
	echo "$out"
	assert_match "$out" "^sent 6" "fragmented segments sent"
	lab_bg_wait fragsrv 30 || true
	cat "$LAB_DIR/fragsrv.log"
	got=$(grep -c '^conn [0-5] 2000 True$' "$LAB_DIR/fragsrv.log" || true)
	assert_eq "$got" 6 "connections whose fragmented 2000-byte segment reached the server"
}

# An ICMP "fragmentation needed" from a router on the client's side, quoting the server's
# next segment as the client's side numbers it, on each of four connections: synwall gives
# each quote back the server's sequence number (the ICMP reaches the flow's worker by the
# quoted tuple), so the server's kernel takes them (RFC 5927 4.1: a quote outside its send
# window is ignored, counted as TcpExtOutOfWindowIcmps) and caches the path MTU towards
# the client. (Four, so that an error that lands on the wrong worker is all but certain
# to happen once where the workers' queues are chosen by a hash, test_workers_rss.sh.)
test_icmp_frag_needed_reaches_server()
{
	local out mtu oow0 oow1
	lab_bg srv icmpsrv "$LAB_PYTHON" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001))
s.listen(4)
conns = []
for i in range(4):
    c, _ = s.accept()
    c.sendall(b"x" * 1000)
    conns.append(c)
time.sleep(8)' "$LAB_SRV_IP"
	lab_wait_tcp srv 5001 10
	oow0=$(lab_srv nstat -az TcpExtOutOfWindowIcmps | awk '/OutOfWindow/ { print $2 }')
	out=$(lab_cli timeout 20 "$LAB_PYTHON" - "$LAB_CLI_IP" "$LAB_SRV_IP" <<'PYEOF2'
import os, socket, sys, time
from scapy.all import ICMP, IP, TCP, conf, send

sys.path.insert(0, os.environ["LAB_LIB_DIR"])
from tcprepair import seq_pair  # noqa: E402

cli, srv = sys.argv[1:3]
conf.verb = 0
socks = []
for i in range(4):
    s = socket.create_connection((srv, 5001), timeout=5)
    got = b""
    while len(got) < 1000:
        got += s.recv(4096)
    # The client's RCV.NXT (the server's SND.NXT as the client numbers it) and SND.NXT.
    rcv_nxt, snd_nxt = seq_pair(s)
    cport = s.getsockname()[1]
    quote = bytes(IP(src=srv, dst=cli, ttl=63) /
                  TCP(sport=5001, dport=cport, seq=rcv_nxt, ack=snd_nxt, flags="PA") /
                  (b"x" * 1400))
    send(IP(src="198.18.1.254", dst=srv) / ICMP(type=3, code=4, nexthopmtu=1280) /
         quote[:548])
    socks.append(s)
time.sleep(1)
print("sent", len(socks))
PYEOF2
)
	echo "$out"
	assert_match "$out" "^sent 4" "ICMP errors sent from the client's side"
	mtu=$(lab_srv ip route get "$LAB_CLI_IP" | grep -o 'mtu [0-9]*' || true)
	oow1=$(lab_srv nstat -az TcpExtOutOfWindowIcmps | awk '/OutOfWindow/ { print $2 }')
	assert_eq "$mtu" "mtu 1280" "server's cached path MTU towards the client"
	assert_eq "$((oow1 - oow0))" 0 "ICMP errors the server found out of window"
	lab_bg_wait icmpsrv 15 || true
}

# workers_traffic: 40 proxied HTTP requests, then 16 MiB each way, all of it through.
workers_traffic()
{
	local ok=0 i
	lab_bg srv http "$LAB_PYTHON" -m http.server 80 --bind "$LAB_SRV_IP"
	lab_wait_tcp srv 80 10
	for i in $(seq 40); do
		lab_cli curl -s -o /dev/null --max-time 5 "http://$LAB_SRV_IP/" && ok=$((ok + 1))
	done
	assert_eq "$ok" 40 "proxied HTTP requests over two workers"
	e2e_transfer up 5001 16
	e2e_transfer down 5001 16
}

test_two_workers_proxy()
{
	local steered est
	workers_traffic
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
