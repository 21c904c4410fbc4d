#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# HA pairs end to end in the lab of tests/ha/halab.sh: two LB nodes running
# `ballast apply --daemon` on the XDP dataplane (DSR), keepalived (VRRP v3,
# 100 ms adverts) or FRR's vrrpd moving the VIP, a client and two backends
# with real servers.
#   1. withdraw: keepalived stopped on the master, the standby's Ballast
#      programs its services within 50 ms of the address event (the daemon's
#      ha_programmed latency; the address event to the service in the maps is
#      measured from outside too); the old master withdraws; failback.
#      Then a crash: keepalived killed, its VIP left behind, lb2 takes over
#      and lb1 flags split brain until the stale address goes.
#   2. warm + DSR: a connection through the VIP keeps echoing across the
#      failover, both nodes hashing it to the same real.
#   3. FRR vrrpd: the VIP on a macvlan on both nodes; the gate follows its
#      carrier (protodown on the backup).
#   4. split brain (VRRP dropped by nft in lb2): both active, identical
#      rings, flagged by lb1 (which still sees lb2's adverts).
# Usage: run.sh BALLAST HAMAPS. Skips (recording a skip) without root.
# Checks written as `eval '...'` expand when they run, on purpose:
# shellcheck disable=SC2016
set -u
suite=ha
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/result.sh
. "$here/../lib/result.sh"

skip_all() { t_skip_all "$suite" "$1"; }
[[ $(id -u) -eq 0 ]] || skip_all "needs root (bpf, network namespaces)"
for c in ip nsenter unshare python3 curl jq keepalived nft; do
	command -v $c >/dev/null || skip_all "$c missing (make deps)"
done
[[ $# -eq 2 ]] || { echo "usage: run.sh BALLAST HAMAPS" >&2; exit 1; }
B=$(realpath "$1")
HA_MAPS=$(realpath "$2")

if [[ -z "${BALLAST_LAB_INNER:-}" ]]; then
	BALLAST_LAB_INNER=1 exec unshare --mount --propagation private "$0" "$@"
fi

ha_env_fail() { skip_all "$1"; }
HA_BASE=hat
# shellcheck source=tests/ha/env.sh
. "$here/env.sh"
out=$tmp/out

if ! ha_start withdraw >"$out" 2>&1; then
	t_fail "the HA lab comes up (two LB daemons, keepalived)" "$(tail -5 "$out")"
	t_done "$suite"
	exit 1
fi
t_pass "the HA lab comes up (two LB daemons, keepalived)"
check "keepalived: the VIP on lb1 (priority 150) only" \
	eval 'ha_vip_on lb1 && ! ha_vip_on lb2'
lab_x client python3 "$LAB_PY" spread tcp "$HA_VIP" 80 20 >"$out" 2>&1
check "traffic through the VIP reaches the backends ($(tr '\n' ' ' <"$out"))" \
	eval '! grep -q error "$out" && grep -q be "$out"'

check "status: both daemons report the gate's group web" \
	eval 'ha_status_is lb1 ".ha.groups[0].name" web && ha_status_is lb2 ".ha.groups[0].name" web'

# ---- 1. withdraw: keepalived stopped on the master ------------------------
check "withdraw: lb1 active, its services in the maps" \
	eval 'wait_for 3000 ha_status_is lb1 .ha.state active && wait_for 3000 ha_programmed lb1 7000'
check "withdraw: lb2 standby, its services not in the maps" \
	eval 'wait_for 3000 ha_status_is lb2 .ha.state standby && wait_for 3000 ha_withdrawn lb2 7000'
ha_failover lb1 lb2 >"$out" 2>&1
check "withdraw: lb2 programs its services after keepalived stops on lb1" \
	test -n "$HA_T_MAPS"
check "withdraw: ha_programmed on lb2 (state active, latency ${HA_T_LAT:-none} ms) < 50 ms" \
	eval '[[ $HA_T_LAT =~ ^[0-9.]+$ ]] && awk -v l="$HA_T_LAT" "BEGIN { exit !(l < 50) }"'
ha_log "withdraw: address event -> service in lb2's maps, measured outside: ${HA_T_EXT:-?} ms"
check "withdraw: an ha event on lb2 names the cause ($(ha_last_event lb2 ha | jq -c '{state,cause}' 2>/dev/null))" \
	eval 'ha_last_event lb2 ha | jq -e ".state == \"active\" and (.cause | length > 0)" >/dev/null'
check "withdraw: lb1 standby and its services withdrawn from the maps" \
	eval 'wait_for 3000 ha_status_is lb1 .ha.state standby && wait_for 3000 ha_withdrawn lb1 7000'
lab_x client python3 "$LAB_PY" spread tcp "$HA_VIP" 80 20 >"$out" 2>&1
check "withdraw: traffic through lb2 ($(tr '\n' ' ' <"$out"))" \
	eval '! grep -q error "$out" && grep -q be "$out"'
ka_start lb1
check "failback: keepalived back on lb1, it preempts (VIP on lb1 only)" \
	eval 'wait_for 5000 ha_vip_on lb1 && wait_for 3000 eval "! ha_vip_on lb2"'
check "failback: lb1 active and programmed, lb2 standby and withdrawn" \
	eval 'wait_for 3000 ha_programmed lb1 7000 && wait_for 3000 ha_withdrawn lb2 7000 &&
		ha_status_is lb1 .ha.state active && ha_status_is lb2 .ha.state standby'
# A crashed keepalived leaves its VIP behind: lb2 takes over, both
# hold the VIP, and lb1, which hears lb2's adverts, flags split brain.
ka_crash lb1
check "crash: keepalived killed on lb1, its VIP stays, lb2 takes the VIP" \
	eval 'wait_for 3000 ha_vip_on lb2 && ha_vip_on lb1'
check "crash: both active, lb1 flags split brain (peer $(ha_addr lb2))" \
	eval 'wait_for 3000 ha_status_is lb2 .ha.state active && ha_status_is lb1 .ha.state active &&
		wait_for 3000 ha_status_is lb1 ".ha.groups[0].split_brain" true &&
		ha_status_is lb1 ".ha.groups[0].peer" "$(ha_addr lb2)"'
ip -n "$(lab_ns lb1)" addr del "$HA_VIP/32" dev eth0
check "crash: the stale VIP removed by hand -> lb1 standby, withdrawn, flag cleared" \
	eval 'wait_for 3000 ha_status_is lb1 .ha.state standby && wait_for 3000 ha_withdrawn lb1 7000 &&
		ha_status_is lb1 ".ha.groups[0].split_brain" false'
ka_start lb1
check "crash: keepalived back on lb1, failback" \
	eval 'wait_for 5000 ha_vip_on lb1 && wait_for 3000 eval "! ha_vip_on lb2" &&
		wait_for 3000 ha_status_is lb2 .ha.state standby'
check "status: transitions counted on lb2 (>= 2)" \
	eval '(( $(ha_status lb2 ".ha.groups[0].transitions") >= 2 ))'
ha_api lb2 /metrics >"$out"
check "metrics: lb2 ballast_ha_active{group=\"web\"} 0, transitions, gate latency" \
	eval 'grep -q "^ballast_ha_active{group=\"web\"} 0" "$out" &&
		grep -q "^ballast_ha_transitions_total{group=\"web\"} [1-9]" "$out" &&
		grep -q "^ballast_ha_gate_to_programmed_seconds " "$out"'

# ---- 2. warm + DSR: a connection across the failover ------------------------
check "warm: both nodes reload the config (standby: warm)" ha_reconf warm keepalived
check "warm: lb2 standby yet programmed" \
	eval 'ha_status_is lb2 .ha.state standby && wait_for 3000 ha_programmed lb2 7000'
ha_flow_across lb1 lb2 >"$out" 2>&1
read -r f_name f_before f_after f_state f_gap _ f_short <"$HA_DIR/flow.result"
read -r f_real1 f_real2 <"$HA_DIR/flow.reals"
check "warm: both nodes hash the connection to the same real (${f_real1:-?}, ${f_real2:-?}: $f_name)" \
	eval '[[ -n $f_real1 && $f_real1 == "$f_real2" && $f_real1 == "$(ha_addr "$f_name"):7000" ]]'
check "warm: the connection keeps echoing across the failover (before $f_before B, after $f_after B, $f_state, stall $f_gap ms)" \
	eval '[[ $f_state == ok ]] && (( f_before > 0 && f_after > 0 ))'
check "warm: lb2 carried the connection after the failover ($(cat "$HA_DIR/flow.topkts") packets)" \
	test "$(cat "$HA_DIR/flow.topkts")" -gt 0
ha_log "warm: bytes echoed before $f_before, after $f_after (short of the steady rate: $f_short), longest stall $f_gap ms"
ka_start lb1
check "warm: failback to lb1" eval 'wait_for 5000 ha_vip_on lb1 && wait_for 3000 eval "! ha_vip_on lb2"'

# ---- 3. FRR vrrpd: the gate follows the macvlan's carrier -------------------
if [[ ! -x /usr/lib/frr/vrrpd || ! -x /usr/lib/frr/zebra ]]; then
	t_skip "frr" "FRR's zebra and vrrpd missing (make deps)"
elif ! ha_frr_start >"$out" 2>&1; then
	t_fail "frr: zebra and vrrpd in both LB namespaces, the VIP on a macvlan" "$(tail -5 "$out")"
else
	t_pass "frr: zebra and vrrpd in both LB namespaces, the VIP on a macvlan"
	check "frr: lb1 master (carrier), lb2's macvlan protodown, the VIP on both" \
		eval 'wait_for 5000 ha_carrier lb1 && wait_for 5000 ha_protodown lb2 && ha_vip_on lb1 && ha_vip_on lb2'
	lab_x client python3 "$LAB_PY" spread tcp "$HA_VIP" 80 20 >"$out" 2>&1
	check "frr: traffic through the VIP ($(tr '\n' ' ' <"$out"))" \
		eval '! grep -q error "$out" && grep -q be "$out"'
	check "frr: lb2 standby although the VIP is on its macvlan" \
		eval 'wait_for 3000 ha_status_is lb2 .ha.state standby &&
			ha_status_is lb2 ".ha.groups[0].vips[0].link" "$HA_MACVLAN"'
	check "frr: lb1 active" wait_for 3000 ha_status_is lb1 .ha.state active
	# The master's macvlan down: its vrrpd stops advertising, lb2's takes
	# over and lifts protodown.
	ip -n "$(lab_ns lb1)" link set "$HA_MACVLAN" down
	check "frr: lb1's macvlan down -> lb2's carrier up" wait_for 5000 ha_carrier lb2
	check "frr: lb2 active, lb1 standby" \
		eval 'wait_for 3000 ha_status_is lb2 .ha.state active &&
			wait_for 3000 ha_status_is lb1 .ha.state standby'
	ip -n "$(lab_ns lb1)" link set "$HA_MACVLAN" up
	check "frr: lb1's macvlan up -> lb1 preempts, lb2 protodown again" \
		eval 'wait_for 5000 ha_carrier lb1 && wait_for 5000 ha_protodown lb2'
	check "frr: lb2 standby again" \
		wait_for 3000 ha_status_is lb2 .ha.state standby
fi
ha_frr_stop

# ---- 4. split brain ----------------------------------------------------------
ha_reconf withdraw keepalived >/dev/null 2>&1
ka_start lb1
wait_for 5000 ha_vip_on lb1
ka_start lb2
ha_nft_vrrp lb2 drop
check "split brain: VRRP dropped in lb2 -> the VIP on both" \
	eval 'wait_for 5000 ha_vip_on lb2 && ha_vip_on lb1'
check "split brain: both nodes active and programmed" \
	eval 'wait_for 3000 ha_status_is lb1 .ha.state active && wait_for 3000 ha_status_is lb2 .ha.state active &&
		wait_for 3000 ha_programmed lb1 7000 && wait_for 3000 ha_programmed lb2 7000'
"$HA_MAPS" "$(ha_maps lb1)" rings | sort >"$HA_DIR/rings.lb1"
"$HA_MAPS" "$(ha_maps lb2)" rings | sort >"$HA_DIR/rings.lb2"
check "split brain: identical rings on both nodes ($(wc -l <"$HA_DIR/rings.lb1") services, $(ha_ring_counts "$HA_DIR/rings.lb1"))" \
	eval '[[ -s $HA_DIR/rings.lb1 ]] && cmp -s "$HA_DIR/rings.lb1" "$HA_DIR/rings.lb2"'
check "split brain: lb1 (sees lb2's adverts) flags it, peer $(ha_addr lb2)" \
	eval 'wait_for 3000 ha_status_is lb1 ".ha.groups[0].split_brain" true &&
		ha_status_is lb1 ".ha.groups[0].peer" "$(ha_addr lb2)"'
ha_api lb1 /metrics >"$out"
check "split brain: lb1's metric ballast_ha_split_brain{group=\"web\"} 1" \
	grep -q '^ballast_ha_split_brain{group="web"} 1' "$out"
check "split brain: lb2 (hears nothing) does not flag it" \
	ha_status_is lb2 ".ha.groups[0].split_brain" false
ha_nft_vrrp lb2 accept
check "split brain healed: the VIP on lb1 only" \
	eval 'wait_for 5000 eval "! ha_vip_on lb2" && ha_vip_on lb1'
check "split brain healed: lb1's flag clears, lb2 standby and withdrawn" \
	eval 'wait_for 3000 ha_status_is lb1 ".ha.groups[0].split_brain" false &&
		wait_for 3000 ha_status_is lb2 .ha.state standby && wait_for 3000 ha_withdrawn lb2 7000'

ha_down
t_done "$suite"
