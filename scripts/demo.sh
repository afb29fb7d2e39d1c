#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# demo.sh: synwall's main job on an embedded default lab. Installs what it needs, builds,
# puts synwall between a Linux client and a Linux server (network namespaces, af_packet),
# serves real clients through the SYN proxy while a bounded spoofed SYN flood runs, then
# prints what synwall did and the server's half-open count. Exits by itself (~30 s).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export LAB_BUILD_DIR="${LAB_BUILD_DIR:-$ROOT/build}"

if [[ $EUID -ne 0 ]]; then
	echo "demo: needs root (network namespaces, hugepages)" >&2
	exit 1
fi

title()
{
	printf '\n\033[1m== %s\033[0m\n' "$*"
}

title "setup (packages, hugepages) and build"
bash "$ROOT/scripts/setup.sh" >/tmp/synwall-setup.log 2>&1 ||
	{ tail -n 20 /tmp/synwall-setup.log; exit 1; }
[[ -f "$LAB_BUILD_DIR/build.ninja" ]] || meson setup "$LAB_BUILD_DIR" >/dev/null
ninja -C "$LAB_BUILD_DIR" app/synwall tests/tools/synflood >/dev/null
echo "ok: $LAB_BUILD_DIR/app/synwall"

# shellcheck source=../tests/lab/lab.sh
source "$ROOT/tests/lab/lab.sh"
# shellcheck source=../tests/e2e/e2e.sh
source "$ROOT/tests/e2e/e2e.sh"

FLOOD_PPS=${FLOOD_PPS:-20000}
FLOOD_S=${FLOOD_S:-10}
CLIENTS=${CLIENTS:-300}

title "lab: client $LAB_CLI_IP <-> [outside] synwall [inside] <-> server $LAB_SRV_IP"
lab_up
cfg="$LAB_DIR/demo.ini"
cat >"$cfg" <<EOF
; The demo's config: protect the server's port 80 and 5001; bridge everything else.
[ports]
outside = ${LAB_OUT_PORT:-net_af_packet0}
inside = ${LAB_IN_PORT:-net_af_packet1}
[general]
flow_capacity = 65536
mbufs = 16384
[service web]
dst = $LAB_SRV_IP/32
ports = 80, 5001
EOF
cat "$cfg"
lab_start_synwall "$cfg" --stats-interval 2
grep 'synwall: running' "$LAB_DIR/synwall.log"

www="$LAB_DIR/www"
mkdir -p "$www"
echo "hello from the server behind synwall" >"$www/index.html"
lab_bg srv http80 "$LAB_PYTHON" -m http.server 80 --bind "$LAB_SRV_IP" --directory "$www"
lab_wait_tcp srv 80 10
# A deep listen queue, as a real server would have, so the control run can show it fill.
lab_srv sysctl -qw net.ipv4.tcp_max_syn_backlog=4096 net.ipv4.tcp_syncookies=0

title "ping and HTTP through synwall"
lab_cli ping -c 2 -i 0.2 -W 2 "$LAB_SRV_IP" | tail -n 2
lab_cli curl -sS --max-time 10 "http://$LAB_SRV_IP/"

title "spoofed SYN flood: ${FLOOD_PPS} SYN/s for ${FLOOD_S} s from $LAB_FLOOD_NET to port 80"
sf=$(lab_tool synflood)
lab_cli timeout $((FLOOD_S + 10)) "$sf" --src "$LAB_FLOOD_NET" --dst "$LAB_SRV_IP" \
	--dport 80 --count $((FLOOD_PPS * FLOOD_S)) --rate "$FLOOD_PPS" --duration "$FLOOD_S" \
	>"$LAB_DIR/flood.out" 2>&1 &
flood=$!
sleep 1

echo "meanwhile: $CLIENTS real HTTP clients on port 80, and a 16 MiB upload"
ok=0 halfopen=0
for ((i = 0; i < CLIENTS; i++)); do
	lab_cli curl -s -o /dev/null --max-time 5 "http://$LAB_SRV_IP/" && ok=$((ok + 1))
	if ((i % 25 == 0)); then
		n=$(lab_srv ss -Htan state syn-recv | wc -l)
		((n > halfopen)) && halfopen=$n
	fi
done
e2e_transfer up 5001 16 | tail -n 1
wait "$flood" || true
cat "$LAB_DIR/flood.out"
n=$(lab_srv ss -Htan state syn-recv | wc -l)
((n > halfopen)) && halfopen=$n

title "stopping synwall (SIGTERM)"
rc=0
lab_stop_synwall TERM || rc=$?
echo "synwall exit code: $rc"
sed -n '/final counters/,$p' "$LAB_DIR/synwall.log"

title "what synwall did"
get()
{
	lab_summary_get "$1" 2>/dev/null || echo "?"
}
printf '  %-44s %s\n' \
	"SYNs to the protected service" "$(get counters.syn_rcvd)" \
	"cookie SYN-ACKs sent (no state kept)" "$(get counters.synack_sent)" \
	"third ACKs with a valid cookie" "$(get counters.cookie_valid)" \
	"forged/expired cookies dropped" "$(get drops.cookie_invalid)" \
	"connections spliced to the server" "$(get counters.conn_established)" \
	"connections closed (FIN teardown)" "$(get counters.conn_closed)" \
	"connections reset" "$(get counters.conn_reset)" \
	"flows left in the table" "$(get flows.total)"
printf '  %-44s %s\n' \
	"real HTTP clients served during the flood" "$ok / $CLIENTS" \
	"server half-open (SYN-RECV) sockets, max seen" "$halfopen"
lab_summary_check >/dev/null && echo "  counters add up: rx = fwd + answered + consumed + drops"
lab_down
((ok == CLIENTS && rc == 0))
