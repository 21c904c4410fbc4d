#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench-scale`: figures of the scale-out lab (tests/scale/scllab.sh).
#   withdraw  time from the last real failing (every probe of lb3 dropped
#             by nft at once) to rtr's kernel route losing lb3's next hop,
#             SCALE_RUNS times; and the BGP part alone (a VIP route deleted
#             by hand in lb4, which runs FRR only, to rtr's route changing).
#   flows     300 long-lived connections across a node added (lb4), one
#             drained (lb1) and one crashed (lb2): connections broken and
#             flows the router moved, with every node on the same Maglev
#             ring (Ballast) against a baseline where each node picks
#             reals by a ring of its own (each node's ring_size a
#             different prime: the same reals and weights, but the flow
#             hash lands on unrelated entries, as with a per-node random
#             seed), SCALE_FLOW_RUNS labs each.
# Usage: bench.sh BALLAST POKE. Needs root and FRR.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[[ $(id -u) -eq 0 ]] || { echo "bench-scale: needs root" >&2; exit 1; }
for c in ip nsenter unshare python3 curl jq vtysh nft /usr/lib/frr/bgpd; do
	command -v $c >/dev/null || { echo "bench-scale: $c missing (make deps)" >&2; exit 1; }
done
[[ $# -eq 2 ]] || { echo "usage: bench.sh BALLAST POKE" >&2; exit 1; }
B=$(realpath "$1")
POKE=$(realpath "$2")
RUNS=${SCALE_RUNS:-10}
FLOW_RUNS=${SCALE_FLOW_RUNS:-3}

if [[ -z "${BALLAST_LAB_INNER:-}" ]]; then
	BALLAST_LAB_INNER=1 exec unshare --mount --propagation private "$0" "$@"
fi

scl_env_fail() { echo "bench-scale: $1" >&2; exit 1; }
# shellcheck source=tests/scale/env.sh
. "$here/env.sh"
scl_detect
log() { printf 'bench-scale: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# lab_nodes RING...: a fresh lab with lb1..lb3 up, ring sizes per node.
lab_nodes() {
	local i=1 r
	scl_up || return 1
	for r in "$@"; do
		scl_node_up "lb$i" "ring=$r" || return 1
		i=$((i + 1))
	done
	wait_for 20000 scl_nexthops_are 3
}

# stats VALUES...: "median max" (integers).
stats() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		if (!NR) { print "- -"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%d %d\n", m, v[NR] }'
}

# after_ms T0_USEC NEXTHOPS: ms from T0 to the first route event of
# $routes with NEXTHOPS next hops, waiting 10 s at most.
after_ms() {
	local t0=$1 want=$2
	# shellcheck disable=SC2016
	wait_for 10000 awk -v t="$t0" -v n="$want" '$1 >= t && $2 == n { f = 1 } END { exit !f }' "$routes" ||
		return 1
	awk -v t="$t0" -v n="$want" '$1 >= t && $2 == n { printf "%d\n", ($1 - t) / 1000; exit }' "$routes"
}

# ---- withdraw times ---------------------------------------------------------
lab_nodes 4093 4093 4093 >"$tmp/out" 2>&1 || die "the lab did not come up: $(tail -3 "$tmp/out")"
routes=$SCL_DIR/routes
scl_routes_watch "$routes" || die "the route watcher did not start"
# The BGP part alone on lb4: FRR only, its route added and deleted by hand.
if ! { scl_conf lb4 && scl_frr_conf lb4 && scl_frr_start lb4; }; then
	die "lb4's FRR did not start"
fi
rhi=() bgp=() dec=()
for ((i = 0; i < RUNS; i++)); do
	scl_announce lb4
	wait_for 10000 scl_nexthops_are 4 || die "lb4's route did not reach rtr (run $i)"
	t0=$(date +%s%6N)
	scl_announce -lb4
	ms=$(after_ms "$t0" 3) || die "lb4's route deleted, rtr kept it (run $i)"
	bgp+=("$ms")
	((SCL_HAVE_ANNOUNCER)) || continue
	n0=$(wc -l <"$SCL_DIR/lb3.ballast.log")
	t0=$(date +%s%6N)
	scl_block_probes lb3
	ms=$(after_ms "$t0" 2) || die "lb3 did not withdraw (run $i)"
	rhi+=("$ms")
	# When the daemon decided: its log line saying so (ms resolution).
	at=$(tail -n "+$((n0 + 1))" "$SCL_DIR/lb3.ballast.log" |
		grep -m1 "VIP $SCL_VIP withdrawn" |
		grep -o '20[0-9-]*T[0-9:.]*Z' | head -1)
	[[ -n $at ]] && dec+=($((($(date -d "$at" +%s%6N) - t0) / 1000)))
	scl_unblock_probes lb3
	wait_for 10000 scl_nexthops_are 3 || die "lb3 did not come back (run $i)"
done
scl_down

# ---- connections across node changes ------------------------------------------
declare -A broken=() moved=() live=()
run_flows() { # run_flows MODE RING1 RING2 RING3 RING4
	local mode=$1 st=$tmp/hold.st ev
	shift
	lab_nodes "$1" "$2" "$3" >"$tmp/out" 2>&1 || die "the lab did not come up: $(tail -3 "$tmp/out")"
	scl_hold 300 "$st" >"$tmp/out" 2>&1 || die "300 connections did not start: $(tail -3 "$tmp/out")"
	for ev in add drain crash; do
		scl_event_begin "$st"
		case $ev in
		add)
			scl_node_up lb4 "ring=$4" >"$tmp/out" 2>&1 &&
				wait_for 20000 scl_nexthops_are 4 ;;
		drain)
			if ((SCL_HAVE_ANNOUNCER)); then
				"$B" node drain --socket "$(lab_sock lb1)" >/dev/null
			else
				scl_announce -lb1
			fi
			wait_for 10000 scl_nexthops_are 3 ;;
		crash)
			scl_node_crash lb2
			wait_for 10000 scl_nexthops_are 2 ;;
		esac || die "$mode: $ev did not reach the router"
		scl_event_end "$st"
		broken[$mode.$ev]+="$SCL_BROKEN "
		live[$mode.$ev]+="$((300 - SCL_BROKEN0)) "
		moved[$mode.$ev]+="$SCL_MOVED "
		log "$mode: $ev: $SCL_BROKEN broken ($SCL_BROKEN_ALL of 300 so far), $SCL_MOVED moved ($SCL_MOVED_PER)"
	done
	scl_stop cli.hold
	scl_down
}
for ((i = 0; i < FLOW_RUNS; i++)); do
	run_flows ring 4093 4093 4093 4093
	run_flows baseline 251 257 263 269
done

# ---- the table ------------------------------------------------------------
sum() { local t=0 v; for v in "$@"; do t=$((t + v)); done; echo $t; }
echo
echo "scale-out lab: 3 LB nodes (+1), 3 reals, 300 connections; announced by $SCL_ANNOUNCE"
if ((SCL_HAVE_ANNOUNCER)); then
	read -r m x < <(stats "${rhi[@]}")
	printf '%-58s median %5s ms  max %5s ms  (%d runs)\n' \
		"last real failing -> route withdrawn at rtr (health 250ms x2)" "$m" "$x" "$RUNS"
	read -r m x < <(stats "${dec[@]}")
	printf '%-58s median %5s ms  max %5s ms  (%d runs)\n' \
		"  of which: last real failing -> the daemon withdraws" "$m" "$x" "${#dec[@]}"
fi
read -r m x < <(stats "${bgp[@]}")
printf '%-58s median %5s ms  max %5s ms  (%d runs)\n' \
	"kernel route deleted in the LB -> route withdrawn at rtr" "$m" "$x" "$RUNS"
echo
printf '%-6s | %-40s | %-40s\n' event "same ring: broken/live (moved)" \
	"per-node ring: broken/live (moved)"
for ev in add drain crash; do
	row=()
	for mode in ring baseline; do
		# shellcheck disable=SC2086
		row+=("$(sum ${broken[$mode.$ev]})/$(sum ${live[$mode.$ev]}) ($(sum ${moved[$mode.$ev]}))  [${broken[$mode.$ev]% }]")
	done
	printf '%-6s | %-40s | %-40s\n' "$ev" "${row[@]}"
done
echo "(sums over $FLOW_RUNS labs, broken per lab in brackets; live: connections open before the event;"
echo " moved: flows the router's ECMP sent to another node, from the forwarders' ring lookups)"
