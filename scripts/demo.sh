#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# demo.sh: build synwall if needed, put it between a client and a server in the netns lab,
# send real traffic through it (ping, HTTP, a TCP transfer, a bounded spoofed SYN flood),
# print what synwall did, tear everything down. Takes a few seconds; needs root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export LAB_BUILD_DIR="${LAB_BUILD_DIR:-$ROOT/build}"
# shellcheck source=../tests/lab/lab.sh
source "$ROOT/tests/lab/lab.sh"
# shellcheck source=../tests/e2e/e2e.sh
source "$ROOT/tests/e2e/e2e.sh"

title()
{
	printf '\n\033[1m== %s\033[0m\n' "$*"
}

# demo_try TITLE CMD...: run one demo step; report a failure and go on with the rest.
demo_try()
{
	local t=$1 rc=0
	shift
	title "$t"
	("$@") || rc=$?
	((rc == 0)) || echo "   -> FAILED (exit $rc)"
	return 0
}

if [[ $EUID -ne 0 ]]; then
	echo "demo: needs root (network namespaces)" >&2
	exit 1
fi
if [[ ! -x "$(lab_synwall_bin)" ]]; then
	title "building synwall"
	[[ -f "$LAB_BUILD_DIR/build.ninja" ]] || meson setup "$LAB_BUILD_DIR"
	meson compile -C "$LAB_BUILD_DIR"
fi

title "lab: client $LAB_CLI_IP <-> [outside] synwall [inside] <-> server $LAB_SRV_IP"
lab_up
lab_write_config "$LAB_DIR/demo.ini"
cat "$LAB_DIR/demo.ini"
lab_start_synwall "$LAB_DIR/demo.ini" --stats-interval 5
grep 'synwall: running' "$LAB_DIR/synwall.log"

www="$LAB_DIR/www"
mkdir -p "$www"
echo "hello from the server behind synwall" >"$www/index.html"
lab_bg srv http8080 "$LAB_PYTHON" -m http.server 8080 --bind "$LAB_SRV_IP" --directory "$www"
lab_bg srv http80 "$LAB_PYTHON" -m http.server 80 --bind "$LAB_SRV_IP" --directory "$www"
lab_wait_tcp srv 8080 10
lab_wait_tcp srv 80 10

demo_try "ping (bridged)" lab_cli ping -c 3 -i 0.2 -W 2 "$LAB_SRV_IP"
demo_try "HTTP on unprotected port 8080 (bridged)" \
	lab_cli curl -sS --max-time 10 "http://$LAB_SRV_IP:8080/"
demo_try "HTTP on protected port 80 (SYN proxy)" \
	lab_cli curl -sS --max-time 10 "http://$LAB_SRV_IP:80/"
demo_try "16 MiB upload with nc on port 5002 (bridged), sha256 checked" e2e_transfer up 5002 16
demo_try "16 MiB download with nc on port 5003 (bridged), sha256 checked" \
	e2e_transfer down 5003 16
sf=$(lab_tool synflood)
demo_try "spoofed SYN flood: 5000 SYNs from $LAB_FLOOD_NET to port 80 at 5000 pps" \
	lab_cli timeout 20 "$sf" --src "$LAB_FLOOD_NET" --dst "$LAB_SRV_IP" --dport 80 \
	--count 5000 --rate 5000 --duration 10
demo_try "HTTP on port 80 right after the flood" \
	lab_cli curl -sS --max-time 10 "http://$LAB_SRV_IP:80/"

title "stopping synwall (SIGTERM)"
rc=0
lab_stop_synwall TERM || rc=$?
echo "synwall exit code: $rc"
title "synwall's final summary"
if grep -q 'final counters' "$LAB_DIR/synwall.log"; then
	sed -n '/final counters/,$p' "$LAB_DIR/synwall.log"
else
	tail -n 40 "$LAB_DIR/synwall.log"
fi
if [[ -s "$LAB_DIR/summary.json" ]]; then
	title "JSON summary (--summary-json) and its invariants"
	"$LAB_PYTHON" -m json.tool "$LAB_DIR/summary.json"
	lab_summary_check || true
fi
lab_down
exit "$rc"
