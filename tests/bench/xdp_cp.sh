#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run bench_xdp_cp against a veth inside a network namespace, its pins on a
# bpffs private to this run (a mount namespace of its own), so nothing meets
# a real instance and everything vanishes with the run.
# Usage: xdp_cp.sh BENCH_XDP_CP. Skips without root.
set -u
[[ $(id -u) -eq 0 ]] || { echo "bench-xdp-cp: skipped: needs root"; exit 0; }
bin=$(realpath "$1")
if [[ -z "${BALLAST_XDP_INNER:-}" ]]; then
	BALLAST_XDP_INNER=1 exec unshare --mount --propagation private "$0" "$@"
fi
tmp=$(mktemp -d)
ns=ballast-xdpcp-$$
cleanup() {
	ip netns del "$ns" 2>/dev/null
	umount "$tmp/bpf" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
mkdir -p "$tmp/bpf"
mount -t bpf bpf "$tmp/bpf" || { echo "bench-xdp-cp: cannot mount bpffs"; exit 1; }
ip netns add "$ns" || exit 1
ip -n "$ns" link add xd0 type veth peer name xd1
ip -n "$ns" link set xd0 up
ip -n "$ns" link set xd1 up
ip -n "$ns" addr add 10.0.0.1/24 dev xd0
# `ip netns exec` would remount /sys; nsenter only changes the network.
nsenter "--net=/run/netns/$ns" "$bin" xd0 "$tmp/bpf"
