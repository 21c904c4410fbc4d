#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run a forwarder test or benchmark binary inside a fresh network namespace
# where bpf_fib_lookup answers deterministically:
#   lb0 02:00:00:00:00:01 10.0.0.1/24 fd00::1/64, gateway 10.0.0.2 / fd00::2
#       at 02:00:00:00:00:02 (static), reals 10.1.0.0/24 and fd01::/64 via it,
#       10.3.0.0/24 via 10.0.0.3 (never resolved);
#   lbx 02:00:00:00:01:01 10.9.0.1/24, gateway 10.9.0.2 at 02:00:00:00:01:02,
#       reals 10.2.0.0/24 via it.
# Usage: run.sh BINARY [ARGS...]. Skips (recording a skip) without root.
set -u
bin=$1
shift
suite=bpf-golden
[[ $(basename "$bin") == golden ]] || suite=

skip() {
	echo "SKIP: $(basename "$bin"): $1"
	if [[ -n "$suite" && -n "${BALLAST_RESULTS:-}" ]]; then
		mkdir -p "$BALLAST_RESULTS"
		echo "0 0 1" >"$BALLAST_RESULTS/$suite.res"
	fi
	exit 0
}

[[ $(id -u) -eq 0 ]] || skip "needs root (BPF_PROG_TEST_RUN, network namespaces)"
command -v ip >/dev/null || skip "iproute2 missing"

ns=ballast-bpf-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

ip netns add "$ns" || skip "cannot create a network namespace"
run() { ip -n "$ns" "$@"; }
run link set lo up
run link add lb0 address 02:00:00:00:00:01 type veth peer name lb1 address 02:00:00:00:00:02
run link add lbx address 02:00:00:00:01:01 type veth peer name lby address 02:00:00:00:01:02
for d in lb0 lb1 lbx lby; do run link set "$d" up; done
run addr add 10.0.0.1/24 dev lb0
run addr add fd00::1/64 dev lb0 nodad
run addr add 10.9.0.1/24 dev lbx
run neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev lb0 nud permanent
run neigh add fd00::2 lladdr 02:00:00:00:00:02 dev lb0 nud permanent
run neigh add 10.9.0.2 lladdr 02:00:00:00:01:02 dev lbx nud permanent
run route add 10.1.0.0/24 via 10.0.0.2 dev lb0
run route add 10.2.0.0/24 via 10.9.0.2 dev lbx
run route add 10.3.0.0/24 via 10.0.0.3 dev lb0
run -6 route add fd01::/64 via fd00::2 dev lb0
# bpf_fib_lookup requires forwarding on the ingress interface.
ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.forwarding=1 net.ipv6.conf.all.forwarding=1

ip netns exec "$ns" "$bin" "$@"
