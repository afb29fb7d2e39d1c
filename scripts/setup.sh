#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# setup.sh: install what synwall builds and tests with (Debian 12), reserve hugepages.
#
# Idempotent: apt runs only when a package is missing (SW_SETUP_FORCE=1: always update
# and install). Hugepages: at least SW_HUGEPAGES (default 512) 2 MiB pages and hugetlbfs
# on /dev/hugepages when the kernel allows it; a failure there is a warning only, since
# the lab falls back to --no-huge. Loads no kernel modules.
set -euo pipefail

PACKAGES=(
	# build
	dpdk dpdk-dev libdpdk-dev libnuma-dev meson ninja-build pkg-config gcc clang
	libcmocka-dev libpcap-dev libclang-rt-14-dev valgrind
	# tests and lab
	python3 python3-scapy python3-pytest python3-prometheus-client
	iproute2 ethtool iptables iputils-ping curl netcat-openbsd procps coreutils tcpdump
)

log()
{
	printf 'setup: %s\n' "$*"
}

if [[ $EUID -ne 0 ]]; then
	log "must run as root (apt-get, hugepages)" >&2
	exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed; then
		missing+=("$pkg")
	fi
done
if ((${#missing[@]} > 0)) || [[ "${SW_SETUP_FORCE:-0}" == 1 ]]; then
	log "installing: ${missing[*]:-(forced) ${PACKAGES[*]}}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]:-${PACKAGES[@]}}" >/dev/null
else
	log "all ${#PACKAGES[@]} packages present"
fi

want=${SW_HUGEPAGES:-512}
nr=/proc/sys/vm/nr_hugepages
if [[ -w $nr ]] && (($(cat $nr) < want)); then
	echo "$want" >$nr 2>/dev/null || true
fi
if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
fi
if grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts && (($(cat $nr 2>/dev/null || echo 0) > 0)); then
	log "hugepages: $(cat $nr) x 2 MiB, $(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo) free"
else
	log "hugepages unavailable: DPDK runs will use --no-huge -m 512"
fi
