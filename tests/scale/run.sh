#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Scale-out end to end in the lab of tests/scale/scllab.sh: three (then
# four) LB nodes running FRR and `ballast apply --daemon` (XDP, DSR) behind
# a router's ECMP, three backends, a client.
#   1. route health injection: rtr's kernel holds the VIP with three next
#      hops; a node whose probes all fail (nft in that node only) withdraws
#      (two next hops) and comes back (three).
#   2. the rendered FRR configuration: accepted by vtysh --dryrun and by
#      bgpd (its session established, the VIP at the router from every
#      node with MED 0); rendering again gives the same bytes (patch-frr's
#      own checks are make test-scale-render's).
#   3. 300 long-lived connections (an echo every 100 ms each) across a node
#      added, a node drained (`ballast node drain`) and a node crashed
#      (Ballast, bgpd and zebra SIGKILLed, its link down): none breaks, as
#      every node builds the same Maglev ring (Docs/SCALE.md); the flows
#      the router's ECMP moved are counted from the forwarders' ring
#      lookups of mid-connection packets. Last, Ballast stopped cleanly on
#      lb3 withdraws its route, the flows again unbroken.
# Usage: run.sh BALLAST POKE. Skips (recording a skip) without root or FRR.
# Checks written as `eval '...'` expand when they run, on purpose:
# shellcheck disable=SC2016
set -u
suite=scale
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/result.sh
. "$here/../lib/result.sh"

skip_all() { t_skip_all "$suite" "$1"; }
[[ $(id -u) -eq 0 ]] || skip_all "needs root (bpf, network namespaces)"
for c in ip nsenter unshare python3 curl jq vtysh nft /usr/lib/frr/bgpd; do
	command -v $c >/dev/null || skip_all "$c missing (make deps)"
done
[[ $# -eq 2 ]] || { echo "usage: run.sh BALLAST POKE" >&2; exit 1; }
B=$(realpath "$1")
POKE=$(realpath "$2")

if [[ -z "${BALLAST_LAB_INNER:-}" ]]; then
	BALLAST_LAB_INNER=1 exec unshare --mount --propagation private "$0" "$@"
fi

scl_env_fail() { skip_all "$1"; }
# shellcheck source=tests/scale/env.sh
. "$here/env.sh"
out=$tmp/out
scl_detect
no_announcer="needs the announcer (ha.mode: bgp, ballast node)"

if ! { scl_up && scl_node_up lb1 && scl_node_up lb2 && scl_node_up lb3; } >"$out" 2>&1; then
	t_fail "the lab comes up (router, three LB nodes with FRR and Ballast)" "$(tail -5 "$out")"
	t_done "$suite"
	exit 1
fi
t_pass "the lab comes up (router, three LB nodes with FRR and Ballast; announced by $SCL_ANNOUNCE)"
check "rtr's kernel holds the VIP with three next hops" \
	wait_for 20000 scl_nexthops_are 3
ip -n "$(lab_ns rtr)" route show "$SCL_VIP/32" >"$out"

# ---- 1. route health injection -----------------------------------------------
jq_true() { jq -e "$@" >/dev/null; }
vip_reason() { lab_status "$1" '.bgp.vips[0].reason'; }

if ((SCL_HAVE_ANNOUNCER)); then
	check "status: lb3 announces the VIP ($(vip_reason lb3))" \
		lab_status_is lb3 '.bgp.vips[0].announced' true
	scl_block_probes lb3
	check "health: lb3's probes dropped, its reals go down" \
		wait_for 5000 lab_status_is lb3 .counts.reals_up 0
	check "health: lb3 withdraws: two next hops, none via lb3" \
		eval 'wait_for 5000 scl_nexthops_are 2 && ! scl_via lb3'
	check "health: lb3's status says why ($(vip_reason lb3))" \
		eval 'lab_status_is lb3 ".bgp.vips[0].announced" false &&
			[[ $(vip_reason lb3) == *"0/3 reals up"* ]]'
	check "health: lb3's metrics say so (ballast_bgp_announced 0)" \
		eval 'lab_api lb3 /metrics | grep -q "^ballast_bgp_announced{vip=\"$SCL_VIP\"} 0"'
	check "health: lb1 and lb2 keep announcing" eval 'scl_via lb1 && scl_via lb2'
	scl_unblock_probes lb3
	check "health: lb3's reals back, it announces again: three next hops" \
		eval 'wait_for 10000 scl_nexthops_are 3 && scl_via lb3'
else
	t_skip "health: a node whose reals all fail withdraws" "$no_announcer"
fi

# ---- 2. the rendered FRR configuration ------------------------------------------
if ((SCL_HAVE_RENDER)); then
	f=$(scl_frr_dir lb1)/bgpd.conf
	check "render: lb1's bgpd.conf passes vtysh --dryrun" \
		vtysh --dryrun -f "$f"
	scl_vtysh lb1 -c 'show bgp summary json' >"$out" 2>&1
	check "render: bgpd runs it: lb1's session with rtr established" \
		jq_true '.ipv4Unicast.peers["10.230.0.1"].state == "Established"' "$out"
	scl_vtysh rtr -c "show bgp ipv4 unicast $SCL_VIP/32 json" >"$out" 2>&1
	check "render: rtr has the VIP from all three nodes, multipath, MED 0" \
		jq_true '[.paths[] | select((.multipath or .bestpath) and .metric == 0)] | length == 3' \
		"$out"
	"$B" bgp render frr -c "$SCL_DIR/lb1.yaml" --node lb1 >"$tmp/r1" 2>"$out"
	"$B" bgp render frr -c "$SCL_DIR/lb1.yaml" --node lb1 >"$tmp/r2" 2>"$out"
	check "render: rendering again gives the same bytes" cmp -s "$tmp/r1" "$tmp/r2"
	check "render: ... and is what bgpd runs (lb1's bgpd.conf after its hostname)" \
		cmp -s <(tail -n +2 "$f") "$tmp/r1"
else
	t_skip "render: the rendered FRR configuration" "needs ballast bgp render frr"
fi

# ---- 3. long-lived connections across node changes --------------------------------
st=$tmp/hold.st
if ! scl_hold 300 "$st" >"$out" 2>&1; then
	t_fail "flows: 300 connections echo through the VIP" "$(tail -3 "$out"; head -3 "$st")"
	t_done "$suite"
	exit 1
fi
t_pass "flows: 300 connections echo through the VIP ($(scl_spread "$st"))"

# event_end NAME: after scl_event_end, say how many connections broke and
# how many the router moved.
event_end() {
	scl_event_end "$st"
	echo "$1: $SCL_BROKEN broken, $SCL_MOVED moved to another node ($SCL_MOVED_PER), longest echo wait $SCL_MAXWAIT ms${SCL_RING_CHANGES:+, health: $SCL_RING_CHANGES}" >&2
	if ((SCL_BROKEN == 0)); then
		t_pass "flows: $1: none of 300 breaks ($SCL_MOVED moved by ECMP; $(scl_spread "$st"))"
	elif [[ -n $SCL_RING_CHANGES ]]; then
		# Documented (Docs/SCALE.md): a moved flow whose ring entry
		# changed on its new node goes to another real.
		t_pass "flows: $1: $SCL_BROKEN broken, a ring changed meanwhile ($SCL_RING_CHANGES)"
	else
		t_fail "flows: $1: $SCL_BROKEN of 300 broken with unchanged rings ($SCL_MOVED moved)" \
			"$(awk 'NR > 1 && ($5 != "ok" || $6 > 2000)' "$st" | head -5)"
	fi
}

scl_event_begin "$st"
scl_node_up lb4 >"$out" 2>&1
check "add: lb4 joins: four next hops" wait_for 20000 scl_nexthops_are 4
event_end "add lb4"
check "add: the router moved flows to lb4, served by its ring ($SCL_MOVED_PER)" \
	eval '[[ $SCL_MOVED_PER == *"lb4+"[1-9]* ]]'

scl_event_begin "$st"
if ((SCL_HAVE_ANNOUNCER)); then
	check "drain: before, lb1's forwarder holds the service's reals" \
		test -n "$("$POKE" "$SCL_PINS/lb1/eth0" weights 2>/dev/null)"
	"$B" node drain --socket "$(lab_sock lb1)" >"$out" 2>&1
	check "drain: ballast node drain lb1 (exit 0)" test $? -eq 0
	check "drain: lb1 withdraws at once: three next hops, none via lb1" \
		eval 'wait_for 5000 scl_nexthops_are 3 && ! scl_via lb1'
	check "drain: lb1's status says draining until drain_wait ends" \
		lab_status_is lb1 .bgp.state draining
	check "drain: lb1's status drained after drain_wait (2s)" \
		wait_for 10000 lab_status_is lb1 .bgp.state drained
	check "drain: lb1's forwarder holds no service once drained" \
		wait_for 5000 eval '[[ -z $("$POKE" "$SCL_PINS/lb1/eth0" weights 2>/dev/null) ]]'
else
	scl_announce -lb1
	check "drain (by hand, $no_announcer): three next hops" \
		wait_for 5000 scl_nexthops_are 3
fi
event_end "drain lb1"

scl_event_begin "$st"
scl_node_crash lb2
check "crash: lb2's BGP session lost: two next hops, none via lb2" \
	eval 'wait_for 10000 scl_nexthops_are 2 && ! scl_via lb2'
event_end "crash lb2"

if ((SCL_HAVE_ANNOUNCER)); then
	scl_event_begin "$st"
	scl_stop lb3.ballast
	check "stop: lb3's Ballast stopped (SIGTERM) withdraws: one next hop, lb4" \
		eval 'wait_for 5000 scl_nexthops_are 1 && scl_via lb4'
	event_end "stop lb3"
else
	t_skip "stop: a clean stop withdraws" "$no_announcer"
fi
scl_stop cli.hold
t_done "$suite"
