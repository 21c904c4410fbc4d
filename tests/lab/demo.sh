#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make demo`: the load balancer for real. Builds the lab (tests/lab/lab.sh),
# applies dist/examples/lab.yaml with the XDP dataplane, sends real HTTP
# requests from the client through the VIP, shows how they spread over the
# backends beside the weights, drains one backend and shows new requests
# avoid it, then tears everything down.
#   MODE=dsr (default) or nat;  KEEP=1 leaves the lab up to explore.
# Usage: demo.sh BALLAST [down]   (down: remove a lab KEEP=1 left up)
set -u
here=$(cd "$(dirname "$0")" && pwd)
mode=${MODE:-dsr}
keep=${KEEP:-}
requests=${DEMO_REQUESTS:-300}

if [[ -t 1 ]]; then
	bold=$'\033[1m' dim=$'\033[2m' off=$'\033[0m'
else
	bold='' dim='' off=''
fi
say() { printf '\n%s%s%s\n' "$bold" "$*" "$off"; }
note() { printf '%s%s%s\n' "$dim" "$*" "$off"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[[ $mode == dsr || $mode == nat ]] || die "MODE=$mode: use MODE=dsr (default) or MODE=nat"
if [[ $(id -u) -ne 0 ]]; then
	die "make demo needs root: it creates network namespaces and loads XDP
programs. Run it as root (sudo make demo), or 'make demo-fake' for the
configuration walk-through on the in-memory dataplane, which needs no root."
fi
for c in ip nsenter curl python3; do
	command -v "$c" >/dev/null || die "$c is missing (make deps installs it)"
done
[[ $# -ge 1 && -x $1 ]] || die "usage: demo.sh BALLAST [down]"

LAB_PREFIX=blab-
LAB_DIR=/run/ballast-lab
LAB_PINS=/sys/fs/bpf/ballast-lab
LAB_BALLAST=$(realpath "$1")
# shellcheck source=tests/lab/lab.sh
. "$here/lab.sh"
B=$LAB_BALLAST
conf=$LAB_DIR/lab.yaml
drained=$LAB_DIR/drained.yaml

if [[ ${2:-} == down ]]; then
	lab_down
	rm -rf "$LAB_DIR"
	echo "demo lab removed (namespaces ${LAB_PREFIX}*, pins in $LAB_PINS)"
	exit 0
fi
if ip netns list 2>/dev/null | grep -q "^${LAB_PREFIX}"; then
	note "Removing the lab an earlier run left up."
	lab_down
fi
finish() {
	local rc=$?
	if [[ -n $keep && $rc -eq 0 ]]; then
		return
	fi
	say "Tearing the lab down"
	lab_down
	rm -rf "$LAB_DIR"
	echo "Namespaces, pins and processes removed."
}
trap finish EXIT
trap 'exit 130' INT TERM

show() { printf '%s$ %s%s\n' "$bold" "$*" "$off"; }

say "1. The lab ($mode): network namespaces joined by a bridge"
lab_up "$mode" || die "could not build the lab (see $LAB_DIR/lab.log)"
cat <<EOF2
  ${LAB_PREFIX}client   10.200.0.2  fd00:200::2    sends requests to the VIPs
  ${LAB_PREFIX}lb       10.200.0.1  fd00:200::1    XDP forwarder on eth0 (ballast)
  ${LAB_PREFIX}be1..3   10.201.0.11..13  fd00:201::11..13   HTTP servers answering
                                          their own name
  VIPs  10.200.100.1  fd00:100::1   (TCP 80 web, UDP 53 echo, TCP 9000 stream)
EOF2
if [[ $mode == dsr ]]; then
	note "DSR: the forwarder wraps each packet in IPIP/IP6IP6; each backend runs"
	note "'ballast decap attach eth0 ADDR...' to unwrap it, has the VIPs on lo and"
	note "answers the client directly."
else
	note "NAT: the forwarder rewrites the destination to the backend; backends route"
	note "replies through the lb node, whose TC egress program restores the VIP."
fi
lab_conf "$conf"

say "2. What would change (nothing is programmed yet)"
show "ballast plan -c lab.yaml"
lab_ballast plan -c "$conf" | head -8
note "... (exit 2: changes pending; 0 means in sync, 1 an error)"

say "3. Program the forwarder"
show "ballast apply -c lab.yaml"
lab_apply "$conf" | tail -1 || die "apply failed"
show "ballast plan -c lab.yaml"
lab_ballast plan -c "$conf"
echo "(exit $?: in sync)"

# count REQUESTS VIP: one curl per request, a new connection each.
count() {
	local n=$1 url=$2 i
	for ((i = 0; i < n; i++)); do
		lab_x client curl -s -m 2 "$url" || echo error
	done | sort | uniq -c | awk '{ print $2, $1 }'
}
# table WEIGHTS COUNTS: backend, weight, requests, share, expected share.
table() {
	awk -v w="$1" '
	BEGIN { n = split(w, ws, " "); for (i = 1; i <= n; i++) { W += ws[i]; wt["be" i] = ws[i] } }
	{ c[$1] = $2; total += $2 }
	END {
		printf "  %-8s %7s %9s %8s %9s\n", "backend", "weight", "requests", "share", "expected"
		for (i = 1; i <= n; i++) {
			b = "be" i
			printf "  %-8s %7d %9d %7.1f%% %8.1f%%\n", b, wt[b], c[b], total ? 100 * c[b] / total : 0, W ? 100 * wt[b] / W : 0
		}
		if (c["error"]) printf "  %-8s %7s %9d\n", "failed", "", c["error"]
	}' "$2"
}

say "4. $requests HTTP requests through the VIP (curl from the client, a new connection each)"
show "curl http://10.200.100.1/   x $requests"
count "$requests" http://10.200.100.1/ >"$LAB_DIR/spread4"
table "1 1 2" "$LAB_DIR/spread4"
show "curl http://[fd00:100::1]/   x $((requests / 2))"
count $((requests / 2)) 'http://[fd00:100::1]/' >"$LAB_DIR/spread6"
table "1 1 2" "$LAB_DIR/spread6"
note "Maglev gives each backend a share of its ring in proportion to its weight;"
note "each new connection hashes to one ring entry."

say "5. Drain be3: weight 0 in a copy of the config"
lab_conf "$drained" be3=0
show "ballast plan -c drained.yaml"
lab_ballast plan -c "$drained"
echo "(exit $?: changes pending)"
show "ballast apply -c drained.yaml"
lab_apply "$drained" | tail -1
show "curl http://10.200.100.1/   x $((requests / 2))"
count $((requests / 2)) http://10.200.100.1/ >"$LAB_DIR/drain4"
table "1 1 0" "$LAB_DIR/drain4"
if grep -q '^be3 ' "$LAB_DIR/drain4"; then
	die "be3 still got new connections after the drain"
fi
note "No new connection reached be3; connections it already had would keep it"
note "until they end (the flow table remembers them)."

if [[ $mode == dsr ]]; then
	say "6. Counters of the decap program on each backend"
	for n in "${LAB_BACKENDS[@]}"; do
		show "ballast decap status eth0   (in ${LAB_PREFIX}$n)"
		lab_x "$n" "$B" decap status eth0 --pin-path "$LAB_PINS/$n" |
			grep -E '^(eth0|ok)'
	done
fi

if [[ -n $keep ]]; then
	lab_conf "$conf"
	lab_apply "$conf" >/dev/null
	say "The lab stays up (KEEP=1), back on lab.yaml's weights. Explore it:"
	cat <<EOF2
  nsenter --net=/run/netns/${LAB_PREFIX}lb $B plan -c $conf
  nsenter --net=/run/netns/${LAB_PREFIX}lb $B apply -c $drained
  nsenter --net=/run/netns/${LAB_PREFIX}client curl http://10.200.100.1/
  nsenter --net=/run/netns/${LAB_PREFIX}client curl 'http://[fd00:100::1]/'
  ls $LAB_PINS/lb/eth0                   # the forwarder's pinned maps and links
  bpftool map dump pinned $LAB_PINS/lb/eth0/lb_stats   # verdict counters per CPU
EOF2
	[[ $mode == dsr ]] && echo "  nsenter --net=/run/netns/${LAB_PREFIX}be1 $B decap status eth0 --pin-path $LAB_PINS/be1"
	cat <<EOF2
(use nsenter, not 'ip netns exec': that remounts /sys and hides the pins)
Tear it down with:  make demo-down   (or run 'make demo' again)
EOF2
fi
