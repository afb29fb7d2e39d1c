# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Two worker lcores on af_packet (no RSS): each port has a queue per worker and the
# software steering fallback hands every packet to the worker that owns its flow, so
# both directions of a proxied connection meet on one worker.

# Three lcores on the two CPUs: main + two workers; one af_packet queue pair per worker.
export LAB_LCORES="0@0,1@1,2@1" LAB_QPAIRS=2

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
