# SPDX-License-Identifier: BSD-3-Clause
# synwall-gen e2e: foreign ranges refused, then IPv4 and IPv6 each: gen <-> gen over a
# memif pair, the zero-window probe path, every flood answered, clients plus a SYN flood
# through synwall; SIGINT and the duration bound; IPv6 neighbour discovery with a kernel,
# and broken solicitations ignored.
# Everything but the last two runs over net_memif inside the lab's dut namespace (no kernel on
# the path, abstract memif sockets private to that namespace); the file starts its own
# synwall. The neighbour-discovery tests put the generator on the dut end of the server's
# veth (net_af_packet), talking to the server namespace's kernel.
# shellcheck disable=SC2034 # read by run.sh, which sources this file
E2E_SYNWALL=0
# IPv6 on the lab's hosts, for the neighbour-discovery test against the server's kernel.
# shellcheck disable=SC2034 # read by lab_up
LAB_IPV6=1

# The IPv6 lab addresses, all in 2001:2::/48 (RFC 5180): clients, server, flood sources
# (a /49: more than 64 host bits, of which the generator randomizes the low 64).
GEN6_CLIENT_NET=2001:2:0:1::/64
GEN6_SERVER_IP=2001:2:0:2::1
GEN6_SRC_NET=2001:2:0:8000::/49
GEN6_ADDRS="--client-net $GEN6_CLIENT_NET --server-ip $GEN6_SERVER_IP --src-net $GEN6_SRC_NET"

gen_bin()
{
	echo "${LAB_BUILD_DIR:-$LAB_REPO/build}/app/synwall-gen"
}

# gen_self NAME LCORES GEN_ARGS...: one generator whose port 0 (memif server) is wired to
# its port 1 (memif client); runs in the background as lab_bg NAME.
gen_self()
{
	local name=$1 lcores=$2 sock="$LAB_DIR/$1.sock"
	shift 2
	lab_bg dut "$name" "$(gen_bin)" -l "$lcores" --no-pci --no-huge -m 512 \
		--file-prefix "gen-$LAB_ID-$name" --log-level=lib.eal:error \
		--vdev "net_memif0,role=server,id=0,socket=$sock" \
		--vdev "net_memif1,role=client,id=0,socket=$sock" -- "$@"
}

# gen_self_run NAME WAIT_S GEN_ARGS...: gen_self NAME on lcores 0-1 with --json
# $LAB_DIR/NAME.json, stopped by gen_cleanup when the test ends; waits up to WAIT_S for it,
# prints its log and asserts it exited 0.
gen_self_run()
{
	local name=$1 wait_s=$2 rc=0
	shift 2
	# shellcheck disable=SC2064 # the name is fixed now
	trap "gen_cleanup $name" EXIT
	gen_self "$name" 0-1 "$@" --json "$LAB_DIR/$name.json"
	lab_bg_wait "$name" "$wait_s" || rc=$?
	cat "$LAB_DIR/$name.log"
	assert_eq "$rc" 0 "generator exit status"
	gen_no_eal_errors "$name"
}

# gen_no_eal_errors NAME: NAME's log has no EAL error (such as a memif teardown's double
# free, "EAL: Error: Invalid memory").
gen_no_eal_errors()
{
	! grep -n 'EAL: Error' "$LAB_DIR/$1.log" || fail "EAL errors in $1's log"
}

# gen_cleanup NAME...: at the end of a test, however it ends: stop the processes it started
# (lab_bg NAMEs) and remove the DPDK runtime directories of this file's prefixes.
gen_cleanup()
{
	local name
	# An EXIT trap under set -e: nothing here may change how the test ended.
	set +eE
	trap - ERR
	for name in "$@"; do
		lab_kill "$name" >/dev/null 2>&1
	done
	rm -rf "/var/run/dpdk/gen-$LAB_ID-"* "/var/run/dpdk/sw-$LAB_ID-gen"
	return 0
}

# gen_val FILE PATH: a value of a generator JSON report (counters.NAME, latency_us.setup.p50).
gen_val()
{
	"$LAB_PYTHON" -c '
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(int(v) if isinstance(v, (int, float)) else v)' "$1" "$2"
}

test_gen_refuses_foreign_ranges()
{
	local args rc
	for args in "--src-net 10.0.0.0/8" "--src-net 198.16.0.0/13" "--src-net 198.20.0.0/16" \
		"--client-net 192.0.2.0/24" "--server-ip 203.0.113.1"; do
		rc=0
		# shellcheck disable=SC2086
		"$(gen_bin)" --no-pci --in-memory -- --mode syn-flood,clients $args \
			2>"$LAB_DIR/refused.err" || rc=$?
		assert_eq "$rc" 2 "synwall-gen $args"
		assert_file_match "$LAB_DIR/refused.err" refused "synwall-gen $args"
	done
	# IPv6: only 2001:2::/48; a later option overrides the valid one before it.
	for args in "--src-net 2001:db8::/32" "--src-net 2001:3::/48" "--src-net 2001:2:1::/48" \
		"--client-net 2001:2::/47" "--client-net ::/0" "--server-ip 2001:db8::1" \
		"--server-ip 2001:3::1" "--server-ip ::ffff:198.18.2.1"; do
		rc=0
		# shellcheck disable=SC2086
		"$(gen_bin)" --no-pci --in-memory -- --mode syn-flood,clients $GEN6_ADDRS $args \
			2>"$LAB_DIR/refused.err" || rc=$?
		assert_eq "$rc" 2 "synwall-gen (IPv6) $args"
		assert_file_match "$LAB_DIR/refused.err" refused "synwall-gen (IPv6) $args"
	done
	# One family for all three (the defaults are IPv4).
	for args in "--server-ip $GEN6_SERVER_IP" "--client-net $GEN6_CLIENT_NET" \
		"$GEN6_ADDRS --src-net 198.19.0.0/16" "$GEN6_ADDRS --server-ip 198.18.2.1"; do
		rc=0
		# shellcheck disable=SC2086
		"$(gen_bin)" --no-pci --in-memory -- --mode syn-flood,clients $args \
			2>"$LAB_DIR/refused.err" || rc=$?
		assert_eq "$rc" 2 "synwall-gen $args"
		assert_file_match "$LAB_DIR/refused.err" "of one family" "synwall-gen $args"
	done
	# At most 1 h once the unit is applied (3600000 was taken as seconds: 1,000 h).
	for args in "--duration 3601s" "--duration 61m" "--duration 3600001ms" "--duration 3600000"; do
		rc=0
		# shellcheck disable=SC2086
		"$(gen_bin)" --no-pci --in-memory -- --mode syn-flood $args \
			2>"$LAB_DIR/refused.err" || rc=$?
		assert_eq "$rc" 2 "synwall-gen $args"
		assert_file_match "$LAB_DIR/refused.err" "over 1h" "synwall-gen $args"
	done
	for args in "--duration 0" "--duration 2h" "--rate -1" "--count x" "--mode nope" \
		"--request-bytes 8" "--src-net 198.19.0.1/16" "$GEN6_ADDRS --src-net 2001:2:0:8000::/48" \
		"$GEN6_ADDRS --client-net 2001:2:0:1::/129"; do
		rc=0
		# shellcheck disable=SC2086
		"$(gen_bin)" --no-pci --in-memory -- --mode syn-flood $args 2>/dev/null || rc=$?
		assert_eq "$rc" 2 "synwall-gen $args"
	done
	# A window below one unit of the shift would announce 0 in every segment but the SYN.
	for args in "--window 100" "--window 1023 --wscale 10"; do
		rc=0
		# shellcheck disable=SC2086
		"$(gen_bin)" --no-pci --in-memory -- --mode clients $args \
			2>"$LAB_DIR/refused.err" || rc=$?
		assert_eq "$rc" 2 "synwall-gen $args"
		assert_file_match "$LAB_DIR/refused.err" "below one unit" "synwall-gen $args"
	done
	# The same MTU leaves IPv6 20 bytes less of MSS.
	rc=0
	# shellcheck disable=SC2086
	"$(gen_bin)" --no-pci --in-memory -- --mode servers $GEN6_ADDRS --mss 1441 \
		2>"$LAB_DIR/refused.err" || rc=$?
	assert_eq "$rc" 2 "IPv6 --mss 1441"
	assert_file_match "$LAB_DIR/refused.err" "at most 1440" "IPv6 --mss 1441"
}

# gen_self_clients_servers NAME [ADDRESS ARGS...]: clients and servers of one generator.
gen_self_clients_servers()
{
	local name=$1 j="$LAB_DIR/$1.json" n=3000
	shift
	gen_self_run "$name" 40 --mode clients,servers --conns $n --concurrency 64 \
		--request-bytes 3000 --response-bytes 20000 --close-first server --duration 30 \
		--stats-interval 0 "$@"
	assert_eq "$(gen_val "$j" counters.cli_completed)" $n "clients completed"
	assert_eq "$(gen_val "$j" counters.srv_completed)" $n "servers completed"
	assert_eq "$(gen_val "$j" counters.cli_failed)" 0 "client failures"
	assert_eq "$(gen_val "$j" counters.cli_bytes_verified)" $((n * 20000)) "response bytes verified"
	assert_eq "$(gen_val "$j" counters.srv_bytes_verified)" $((n * (3000 - 16))) \
		"request bytes verified (header excluded)"
	assert_eq "$(gen_val "$j" latency_us.conn.count)" $n "connection latency samples"
	assert_eq "$(gen_val "$j" counters.rx_bad)" 0 "frames with a bad checksum"
}

test_gen_self_clients_servers()
{
	gen_self_clients_servers self
}

test_gen6_self_clients_servers()
{
	# shellcheck disable=SC2086
	gen_self_clients_servers self6 $GEN6_ADDRS
}

# gen_zero_window_probe NAME [ADDRESS ARGS...]: servers that never open their zero window.
gen_zero_window_probe()
{
	local name=$1 j="$LAB_DIR/$1.json" n=200
	shift
	gen_self_run "$name" 30 --mode clients,servers --conns $n --concurrency 100 \
		--synack-zero-window --probe-ms 200 --duration 20 --stats-interval 0 "$@"
	assert_eq "$(gen_val "$j" counters.cli_zero_win)" $n "zero-window SYN-ACKs"
	assert_ge "$(gen_val "$j" counters.cli_probe)" $n "zero-window probes"
	assert_eq "$(gen_val "$j" counters.cli_completed)" $n "clients completed"
	# Usable only after the probe: setup latency is at least the probe delay.
	assert_ge "$(gen_val "$j" latency_us.setup.p50)" 190000 "setup p50 (us)"
}

test_gen_zero_window_probe()
{
	gen_zero_window_probe probe
}

test_gen6_zero_window_probe()
{
	# shellcheck disable=SC2086
	gen_zero_window_probe probe6 $GEN6_ADDRS
}

# Latencies of several seconds are recorded as they are: the TSC delta was multiplied by
# 10^9 in 64 bits before the division by the TSC rate, which wraps past 2^64 / 10^9 ticks
# (about 7 s at 2.6 GHz), so a 10 s setup was reported as about 3 s.
TIMEOUT_test_gen_long_latency=60
test_gen_long_latency()
{
	local j="$LAB_DIR/longlat.json" v
	gen_self_run longlat 40 --mode clients,servers --conns 1 --concurrency 1 \
		--synack-zero-window --probe-ms 10000 --idle-ms 30000 --duration 30 \
		--stats-interval 0
	assert_eq "$(gen_val "$j" counters.cli_completed)" 1 "clients completed"
	for v in setup.p50 setup.p999 setup.max conn.p50 conn.max; do
		assert_ge "$(gen_val "$j" latency_us.$v)" 10000000 "$v (us) after a 10 s probe delay"
	done
}

# gen_self_floods NAME [ADDRESS ARGS...]: every flood mode at the generator's own servers,
# which answer each SYN with a SYN-ACK and each ACK and FIN-ACK with a RST (no connection),
# back to the spoofed sources. Exact counts: every frame parsed, its checksum verified.
gen_self_floods()
{
	local name=$1 j="$LAB_DIR/$1.json" n=2000
	shift
	gen_self_run "$name" 30 --mode servers,syn-flood,ack-flood,rst-flood,fin-flood \
		--rate 20000 --count $n --duration 20 --stats-interval 0 --drain-ms 2500 "$@"
	assert_eq "$(gen_val "$j" counters.tx_syn_flood)" $n "SYNs sent"
	assert_eq "$(gen_val "$j" counters.tx_ack_flood)" $n "ACKs sent"
	assert_eq "$(gen_val "$j" counters.tx_rst_flood)" $n "RSTs sent"
	assert_eq "$(gen_val "$j" counters.tx_fin_flood)" $n "FIN-ACKs sent"
	assert_eq "$(gen_val "$j" counters.rx_bad)" 0 "frames with a bad checksum"
	assert_eq "$(gen_val "$j" counters.srv_syn)" $n "SYNs the servers took"
	# Spoofed sources do not answer: SYN-ACK retransmissions may come on top.
	assert_ge "$(gen_val "$j" counters.rx_flood_synack)" $n "SYN-ACKs back to the sources"
	assert_eq "$(gen_val "$j" counters.rx_flood_rst)" $((2 * n)) "RSTs back to the sources"
	assert_eq "$(gen_val "$j" counters.rx_flood_other)" 0 "other segments to the sources"
	# Rates are the work's counts over the work's time: the SYN-ACK retransmissions of the
	# 2.5 s drain are not divided by the 0.1 s of work (that read 5x the SYNs' rate).
	assert_ge "$(gen_val "$j" rates.syn_flood_pps)" "$(gen_val "$j" rates.flood_synack_pps)" \
		"SYN-ACK rate against the SYN rate"
}

# Frames the TX queue refuses count as tx_drop only: on the generator's own lossless memif
# loop, with too few mbufs for 512 connections so that its queue refuses many, what the
# tx counters say was sent is what was received (give or take the last flush). They used
# to count every segment queued, refused ones too (tx over rx by exactly tx_drop). The
# starved queue stalls some connections for seconds (more under the sanitizers: 5 of 3000
# once went 5 s without a segment), so the idle limit is 20 s instead of 5.
test_gen_tx_counts_what_was_sent()
{
	local name=txcount j="$LAB_DIR/txcount.json" tx rx drop k
	gen_self_run "$name" 40 --mode clients,servers --mbufs 2048 --concurrency 512 \
		--table 2048 --response-bytes 100000 --conns 3000 --rto-ms 20 --retries 10 \
		--idle-ms 20000 --duration 30 --stats-interval 0
	tx=0
	for k in tx_client tx_server rst_tx tx_arp tx_nd; do
		tx=$((tx + $(gen_val "$j" counters.$k)))
	done
	rx=$(gen_val "$j" counters.rx_frames)
	drop=$(gen_val "$j" counters.tx_drop)
	echo "tx $tx rx $rx tx_drop $drop"
	assert_ge "$drop" 1000 "frames the TX queue refused (else this test proves nothing)"
	assert_ge $((rx + 64)) "$tx" "frames counted as sent, at most a flush over those received"
}

test_gen_self_floods()
{
	gen_self_floods floods
}

test_gen6_self_floods()
{
	# shellcheck disable=SC2086
	gen_self_floods floods6 $GEN6_ADDRS
}

# gen_through_synwall NAME SERVICE_DST [ADDRESS ARGS...]: clients, servers and a SYN flood
# of one generator, with synwall between its two ports proxying SERVICE_DST port 80.
gen_through_synwall()
{
	local name=$1 dst=$2 j="$LAB_DIR/$1-gen.json" sj="$LAB_DIR/$1-summary.json" n=5000
	local flood=50000 out="$LAB_DIR/$1-out.sock" in="$LAB_DIR/$1-in.sock" rc=0
	shift 2
	# shellcheck disable=SC2064 # the names are fixed now
	trap "gen_cleanup $name-gen $name" EXIT
	cat >"$LAB_DIR/$name-memif.ini" <<EOF
[ports]
outside = net_memif0
inside = net_memif1
[service web]
dst = $dst
ports = 80
EOF
	lab_bg dut "$name" "$(lab_synwall_bin)" -l 0-1 --no-pci --no-huge -m 512 \
		--file-prefix "sw-$LAB_ID-gen" --log-level=lib.eal:error \
		--vdev "net_memif0,role=server,id=0,socket=$out" \
		--vdev "net_memif1,role=server,id=0,socket=$in" \
		-- -f "$LAB_DIR/$name-memif.ini" --summary-json "$sj"
	lab_wait_for 20 grep -q "synwall: running" "$LAB_DIR/$name.log" || fail "synwall did not start"
	lab_bg dut "$name-gen" "$(gen_bin)" -l 0 --no-pci --no-huge -m 512 \
		--file-prefix "gen-$LAB_ID-$name" --log-level=lib.eal:error \
		--vdev "net_memif0,role=client,id=0,socket=$out" \
		--vdev "net_memif1,role=client,id=0,socket=$in" \
		-- --mode clients,servers,syn-flood --conns $n --concurrency 128 \
		--rate 50000 --count $flood --duration 40 --stats-interval 5 --json "$j" --hold 30 "$@"
	# The generator holds its ports open, unpolled, so that synwall stops first: a memif
	# peer leaving tears the rings down under whoever still polls them (DPDK 22.11).
	lab_wait_for 50 grep -q "holding the ports" "$LAB_DIR/$name-gen.log" ||
		fail "generator not done"
	kill -INT "$(lab_bg_pid "$name")"
	lab_bg_wait "$name" 20 || fail "synwall exit $? on SIGINT"
	kill -INT "$(lab_bg_pid "$name-gen")"
	lab_bg_wait "$name-gen" 20 || rc=$?
	cat "$LAB_DIR/$name-gen.log" "$LAB_DIR/$name.log"
	assert_eq "$rc" 0 "generator exit status"
	assert_eq "$(gen_val "$j" counters.cli_completed)" $n "clients completed through synwall"
	# The proxy answers every SYN itself with window 0 and opens it once spliced.
	assert_eq "$(gen_val "$j" counters.cli_zero_win)" $n "proxy zero-window SYN-ACKs"
	assert_eq "$(gen_val "$j" counters.cli_win_open)" $n "window updates from the proxy"
	assert_eq "$(gen_val "$j" counters.tx_syn_flood)" $flood "flood SYNs sent"
	assert_ge "$(gen_val "$j" counters.rx_flood_synack)" $((flood * 95 / 100)) \
		"cookie SYN-ACKs to the spoofed sources"
	# The flood never reaches the servers: they saw exactly the clients' SYNs.
	assert_eq "$(gen_val "$j" counters.srv_syn)" $n "SYNs that reached the servers"
	lab_summary_check "$sj"
}

test_gen_through_synwall()
{
	gen_through_synwall sw 198.18.2.0/24
}

# The same over IPv6: synwall's IPv6 service, cookies to IPv6 spoofed sources.
test_gen6_through_synwall()
{
	# shellcheck disable=SC2086
	gen_through_synwall sw6 2001:2:0:2::/64 $GEN6_ADDRS
}

# gen_nd_listener: a TCP server on [LAB_SRV_IP6]:5006 in the server namespace (40 s at
# most) that reads each connection to its end and closes it.
gen_nd_listener()
{
	lab_bg srv listener "$LAB_PYTHON" -c "import socket, socketserver, threading
class H(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(10)
        while self.request.recv(65536):
            pass
class S(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6
    allow_reuse_address = True
    daemon_threads = True
s = S(('$LAB_SRV_IP6', 5006), H)
threading.Timer(40, s.shutdown).start()
s.serve_forever()"
	lab_wait_tcp srv 5006 10
}

# IPv6 neighbour discovery with a Linux host: the generator's client port on the dut end of
# the server's veth (net_af_packet), no --dst-mac and no servers of its own. It must learn
# the server's MAC from the kernel's advertisement (or solicitation), and answer the
# kernel's solicitations for the client addresses, or no SYN-ACK comes back. The server
# reads each request to its end and closes; the clients ask for no response bytes.
test_gen6_neighbour_discovery()
{
	local j="$LAB_DIR/nd.json" n=40 rc=0 nd_tx nd_rx lladdr
	trap 'gen_cleanup nd; lab_kill listener >/dev/null 2>&1; true' EXIT
	gen_nd_listener
	lab_bg dut nd "$(gen_bin)" -l 0 --no-pci --no-huge -m 512 --file-prefix "gen-$LAB_ID-nd" \
		--log-level=lib.eal:error --vdev "net_af_packet0,iface=$LAB_IN_IF" -- \
		--mode clients --client-net 2001:2::1:0/112 --server-ip "$LAB_SRV_IP6" --src-net "$GEN6_SRC_NET" \
		--service-port 5006 --conns $n --concurrency 8 --request-bytes 200 --response-bytes 0 \
		--duration 20 --stats-interval 0 --json "$j"
	lab_bg_wait nd 30 || rc=$?
	cat "$LAB_DIR/nd.log"
	assert_eq "$rc" 0 "generator exit status"
	assert_file_match "$LAB_DIR/nd.log" "$LAB_SRV_IP6 is at $LAB_SRV_MAC \\(neighbour discovery\\)" \
		"server MAC learned"
	nd_tx=$(gen_val "$j" counters.tx_nd)
	nd_rx=$(gen_val "$j" counters.rx_nd)
	echo "neighbour discovery: sent $nd_tx, received $nd_rx"
	assert_ge "$nd_tx" 2 "solicitation and advertisements sent"
	assert_ge "$nd_rx" 2 "advertisement and solicitations received"
	assert_eq "$(gen_val "$j" counters.cli_completed)" $n "clients completed with the kernel"
	# The kernel's cache holds a client address at the generator's port MAC.
	lladdr=$(lab_srv ip -6 neigh show dev "$LAB_SRV_IF" | awk '/^2001:2::1:/ { print $3; exit }')
	assert_eq "$lladdr" "$LAB_IN_MAC" "the kernel's neighbour entry for a client address"
}

# gen_nd_probe: from the server's interface, scapy sends the generator's port (LAB_IN_MAC)
# one well-formed Neighbor Solicitation and one broken one of each kind RFC 4861 7.1.1 has
# it drop, each for another client address (2001:2::1:ff00 + i), plus 64 random frames,
# and captures the advertisements that come back. Prints the answered targets' last
# group, e.g. "ff00".
gen_nd_probe()
{
	lab_srv timeout 20 "$LAB_PYTHON" - "$LAB_SRV_IF" "$LAB_SRV_MAC" "$LAB_IN_MAC" <<'EOF'
import os, sys, time
from scapy.all import (AsyncSniffer, Ether, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                       ICMPv6NDOptSrcLLAddr, IPv6, Raw, conf, sendp)

iface, smac, dmac = sys.argv[1:4]
conf.verb = 0
src = "2001:2::99"  # an address of no host: only the generator answers it


def ns(i, hlim=255, opts=True, **kw):
    ip = IPv6(src=src, dst="2001:2::1:%x" % (0xff00 + i), hlim=hlim)
    msg = ICMPv6ND_NS(tgt="2001:2::1:%x" % (0xff00 + i), **kw)
    if opts:
        msg = msg / ICMPv6NDOptSrcLLAddr(lladdr=smac)
    return Ether(src=smac, dst=dmac) / ip / msg


def raw_ns(i, tail):
    # The NS of i with its options replaced by tail, checksum right.
    p = ns(i, opts=False)
    p = Ether(bytes(p / Raw(tail)))
    del p[IPv6].plen
    del p[ICMPv6ND_NS].cksum
    return Ether(bytes(p))


frames = [
    ns(0),                                     # well-formed: answered
    ns(1, hlim=64),                            # from beyond the link
    ns(2, code=1),                             # code not 0
    ns(3, cksum=0x1234),                       # checksum wrong
    raw_ns(4, bytes([1, 0]) + bytes(6)),       # option of length 0
    raw_ns(5, bytes([1, 2]) + bytes(6)),       # option past the end
    Ether(src=smac, dst=dmac) / IPv6(src=src, dst="2001:2::1:ff06", hlim=255) /
    ICMPv6ND_NS(tgt="ff02::1:ff00:ff06"),      # multicast target
    Ether(bytes(ns(7))[:14 + 40 + 20]),        # truncated below 24 bytes of ND
    Ether(src=smac, dst=dmac) / IPv6(src=src, dst="2001:2::1:ff08") / ICMPv6EchoRequest(),
]
frames += [Ether(src=smac, dst=dmac, type=0x86DD) / Raw(os.urandom(20 + i)) for i in range(64)]
sniff = AsyncSniffer(iface=iface, filter="icmp6", store=True)
sniff.start()
time.sleep(0.5)
sendp(frames, iface=iface)
time.sleep(1.5)
sniff.stop()
print(" ".join(sorted({p[ICMPv6ND_NA].tgt.split(":")[-1] for p in sniff.results
                       if p.haslayer(ICMPv6ND_NA) and p[Ether].src == dmac and
                       p[ICMPv6ND_NA].tgt.startswith("2001:2::1:ff")})))
EOF
}

# Broken neighbour discovery does not move the generator: only the well-formed
# solicitation among gen_nd_probe's is answered, and the clients still complete.
test_gen6_nd_malformed()
{
	local j="$LAB_DIR/ndbad.json" n=40 rc=0 answered
	trap 'gen_cleanup ndbad; lab_kill listener >/dev/null 2>&1; true' EXIT
	gen_nd_listener
	lab_bg dut ndbad "$(gen_bin)" -l 0 --no-pci --no-huge -m 512 \
		--file-prefix "gen-$LAB_ID-ndbad" --log-level=lib.eal:error \
		--vdev "net_af_packet0,iface=$LAB_IN_IF" -- --mode clients \
		--client-net 2001:2::1:0/112 --server-ip "$LAB_SRV_IP6" --src-net "$GEN6_SRC_NET" \
		--service-port 5006 --conns $n --conn-rate 10 --concurrency 8 --request-bytes 200 \
		--response-bytes 0 --duration 20 --stats-interval 0 --json "$j"
	answered=$(gen_nd_probe)
	echo "advertised targets: $answered"
	lab_bg_wait ndbad 30 || rc=$?
	cat "$LAB_DIR/ndbad.log"
	assert_eq "$rc" 0 "generator exit status"
	assert_eq "$answered" "ff00" "solicitations answered (only the well-formed one)"
	assert_eq "$(grep -c ' is at ' "$LAB_DIR/ndbad.log")" 1 "destination learned once"
	assert_eq "$(gen_val "$j" counters.cli_completed)" $n "clients completed"
}

# A half-open whose SYN came from a source that exists: its host answers the SYN-ACK with a
# RST (RFC 9293 3.10.7.1). That half-open is no failure of the run, any more than one that
# times out. Servers on the dut end of the server's veth (net_af_packet) at an address of
# no host; scapy sends one SYN from the server namespace's own address, and that kernel
# resets the SYN-ACK. The run used to exit 3 ("server failures 1").
test_gen_halfopen_reset_by_source()
{
	local j="$LAB_DIR/horst.json" rc=0
	trap 'gen_cleanup horst; true' EXIT
	lab_bg dut horst "$(gen_bin)" -l 0 --no-pci --no-huge -m 512 \
		--file-prefix "gen-$LAB_ID-horst" --log-level=lib.eal:error \
		--vdev "net_af_packet0,iface=$LAB_IN_IF" -- --mode servers --server-ip 198.18.2.77 \
		--duration 4 --stats-interval 0 --json "$j"
	lab_wait_for 20 grep -q "running on lcore" "$LAB_DIR/horst.log" || fail "generator not running"
	lab_srv timeout 10 "$LAB_PYTHON" - "$LAB_SRV_IF" "$LAB_SRV_MAC" "$LAB_IN_MAC" \
		"$LAB_SRV_IP" <<'EOF2'
import sys
from scapy.all import IP, TCP, Ether, conf, sendp

iface, smac, dmac, sip = sys.argv[1:5]
conf.verb = 0
sendp(Ether(src=smac, dst=dmac) / IP(src=sip, dst="198.18.2.77") /
      TCP(sport=40000, dport=80, flags="S", seq=1000, window=64240), iface=iface)
EOF2
	lab_bg_wait horst 20 || rc=$?
	cat "$LAB_DIR/horst.log"
	assert_eq "$(gen_val "$j" counters.srv_syn)" 1 "SYNs the servers took"
	assert_eq "$(gen_val "$j" counters.srv_accepted)" 0 "handshakes completed"
	assert_eq "$(gen_val "$j" counters.srv_fail_reset)" 1 "half-open reset by its source"
	assert_eq "$rc" 0 "generator exit status"
}

test_gen_sigint_and_duration()
{
	local j="$LAB_DIR/dur.json" start wall sent rc=0
	trap 'gen_cleanup dur int' EXIT
	# Duration bound: 1 s at 10000 pps, servers answering the flood.
	start=$SECONDS
	gen_self dur 0 --mode syn-flood,servers --rate 10000 --duration 1 --stats-interval 0 \
		--json "$j"
	lab_bg_wait dur 20 || rc=$?
	wall=$((SECONDS - start))
	assert_eq "$rc" 0 "generator exit status (duration)"
	gen_no_eal_errors dur
	assert_le "$wall" 10 "wall time of a 1 s run, EAL setup included"
	sent=$(gen_val "$j" counters.tx_syn_flood)
	assert_ge "$sent" 9000 "SYNs in 1 s at 10000 pps"
	assert_le "$sent" 10100 "SYNs in 1 s at 10000 pps"

	# SIGINT: a 60 s run stops at once, with its final report.
	rc=0
	gen_self int 0-1 --mode syn-flood,servers --rate 10000 --duration 60 --stats-interval 1 \
		--json "$LAB_DIR/int.json"
	lab_wait_for 20 grep -q "synwall-gen: running" "$LAB_DIR/int.log" || fail "not running"
	sleep 1
	kill -INT "$(lab_bg_pid int)"
	lab_bg_wait int 10 || rc=$?
	cat "$LAB_DIR/int.log"
	assert_eq "$rc" 0 "generator exit status (SIGINT)"
	gen_no_eal_errors int
	assert_file_match "$LAB_DIR/int.log" "final report" "final report after SIGINT"
	assert_le "$(gen_val "$LAB_DIR/int.json" run_s)" 10 "run time after SIGINT"
}
