# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash disable=SC2034
# Two workers with RSS instead of software steering, as on a NIC: synwall's ports are
# net_tap devices (LAB_PMD=tap), which offer RSS. The kernel's tap device picks the queue
# of a frame by a symmetric flow hash (Linux tun), so both directions of a connection meet
# on one worker; and like a NIC's Toeplitz hash it hashes a first fragment on its
# addresses alone and an ICMP error on its own addresses, so those land on either worker.
# The one without the flow hands them on to the other (worker.c hand_on()): the
# fragment and ICMP tests of test_workers.sh, on this lab.

# shellcheck source=test_workers.sh
source "$E2E_DIR/test_workers.sh"
export LAB_PMD=tap

# rss_tel PATH KEY: one value of a telemetry answer (tests/lab/swtel.py).
rss_tel()
{
	"$LAB_PYTHON" "$LAB_LIB_DIR/swtel.py" get "sw-$LAB_ID" "$@"
}

# Both ports take the symmetric key; net_tap exposes no redirection table, so the queues
# are as the driver picks them ("driver"; on a NIC: "set", both tables filled alike).
test_rss_in_use()
{
	local role
	assert_eq "$(rss_tel /synwall/config workers)" 2 "workers"
	assert_eq "$(rss_tel /synwall/config software_steering)" 0 "software steering"
	for role in outside inside; do
		assert_eq "$(rss_tel /synwall/ports "$role" rss)" 1 "$role port RSS"
		assert_eq "$(rss_tel /synwall/ports "$role" reta)" driver "$role port RETA"
	done
}

TIMEOUT_test_rss_first_fragments_reach_their_flow=60
test_rss_first_fragments_reach_their_flow()
{
	test_first_fragments_reach_their_flow
}

test_rss_icmp_frag_needed_reaches_server()
{
	test_icmp_frag_needed_reaches_server
}

# Plain segments are never handed on: RSS brought each to its flow's worker. (The tests
# above hand on what lands on the wrong worker: ten packets, each with odds of about 1/2,
# so the count is printed, not checked; their servers check that each packet arrived.)
test_rss_two_workers_proxy()
{
	local steered0 steered1
	steered0=$(rss_tel /synwall/stats steered)
	workers_traffic
	steered1=$(rss_tel /synwall/stats steered)
	assert_eq "$((steered1 - steered0))" 0 "plain segments handed to another worker"
	lab_stop_synwall
	lab_summary_check
	echo "hand-ons: $(lab_summary_get counters.steered)," \
		"established: $(lab_summary_get counters.conn_established)"
	assert_ge "$(lab_summary_get counters.conn_established)" 42 "connections spliced"
	assert_eq "$(lab_summary_get drops.steer_full)" 0 "hand-on ring overflows"
}
