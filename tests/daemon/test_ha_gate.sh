#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The daemon's HA gate on the fake dataplane, driven by real kernel events
# in a namespace of its own: VIP addresses added and removed as keepalived
# does, carrier taken down on a macvlan as FRR's vrrpd does, per-group
# gating, withdraw and warm, the guard, reload, and the one-shot plan.
set -u
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ballast-hagate.XXXXXX)
PIDS=()
. tests/lib/result.sh
. tests/daemon/lib.sh

ST=$TMP/state.json
CFG=$TMP/lb.yaml
VIP1=192.0.2.10 VIP2=192.0.2.20

if [[ $(id -u) != 0 ]]; then
	t_skip "HA gate suite" "needs root (network namespaces)"
	t_done daemon-ha
	exit 0
fi

netns_daemon dmha-$$
# this kernel has no dummy driver: a veth whose peer is up has carrier
ip -n "$NS" link add ha0 type veth peer name ha0p
ip -n "$NS" link set ha0p up
ip -n "$NS" link set ha0 up
# FRR's shape: the VIP lives on a macvlan child of ha.interface
ip -n "$NS" link add vrrp51 link ha0 type macvlan mode bridge
ip -n "$NS" link set vrrp51 up

# config STANDBY [VRRP_YAML]
config() {
	cat <<EOF2
version: 1
dataplane:
  driver: fake
  fake: {state_file: $ST}
ha:
  mode: vrrp
  interface: ha0
  standby: $1
daemon:
  tick: 1s
  metrics_listen: null
health:
  type: none
pools:
  web:
    backends:
      - {address: 10.1.0.1, port: 80}
      - {address: 10.1.0.2, port: 80}
  dns:
    backends:
      - {address: 10.1.0.3, port: 53}
services:
  - {name: web, address: $VIP1, port: 80, pool: web}
  - {name: dns, address: $VIP2, port: 53, protocol: udp, pool: dns}
${2:-}
EOF2
}

# in the namespace, as the daemon is
nsx() { nsenter --net="$NSR" "$@"; }
has_service() { jq -e --arg v "$1" 'any(.services[]; .address == $v)' "$ST" >/dev/null 2>&1; }
no_service() { [[ ! -f $ST ]] || ! has_service "$1"; }
event_seen() { grep -q "$1" "$TMP/events.txt" 2>/dev/null; }

config withdraw >"$CFG"
if ! start_daemon d "$CFG"; then
	t_fail "daemon starts with ha.mode vrrp" "$(tail -5 "$TMP/d.log")"
	t_done daemon-ha
	exit 1
fi
t_pass "daemon starts with ha.mode vrrp"
# follow the event stream for the whole run
curl -sN --unix-socket "$TMP/d.sock" http://d/api/v1/events >"$TMP/events.txt" 2>/dev/null &
PIDS+=($!)

check "no VIP held: standby, nothing programmed" \
	'wait_for 3000 status_is d .ha.state standby && wait_for 3000 no_service $VIP1'
check "status names each VIP as a group (no vrrp: section)" \
	'[[ $(status d ".ha.groups | length") == 2 ]]'

ip -n "$NS" addr add $VIP1/32 dev ha0
check "VIP added: its service is programmed, the other is not" \
	'wait_for 3000 has_service $VIP1 && no_service $VIP2'
check "state partial with one of two groups held" 'status_is d .ha.state partial'
check "an ha event names the cause" \
	'wait_for 3000 event_seen "added on ha0"'
check "ha_programmed reports the latency" \
	'wait_for 3000 event_seen "ha_programmed"'
lat=$(grep -o '"latency_ms": *[0-9.]*' "$TMP/events.txt" | head -1 | grep -o '[0-9.]*$')
check "kernel event to programmed under 50 ms ($lat ms)" \
	'[[ -n $lat ]] && awk -v l="$lat" "BEGIN{exit !(l < 50)}"'

ip -n "$NS" addr del $VIP1/32 dev ha0
check "VIP removed: the service is withdrawn" 'wait_for 3000 no_service $VIP1'
check "withdrawal is not a refused mass removal" 'status_is d .refusals_total 0'
api d /metrics >"$TMP/m.txt"
check "metrics: ballast_ha_active per group" \
	"grep -q '^ballast_ha_active{group=\"$VIP1\"} 0' '$TMP/m.txt'"
check "metrics: transitions counted" \
	"grep -q '^ballast_ha_transitions_total{group=\"$VIP1\"} 2' '$TMP/m.txt'"

# FRR: the address stays; carrier decides
ip -n "$NS" addr add $VIP1/32 dev vrrp51
check "VIP on a macvlan child with carrier: active" 'wait_for 3000 has_service $VIP1'
ip -n "$NS" link set vrrp51 protodown on
check "protodown (FRR backup) withdraws though the address stays" \
	'wait_for 3000 no_service $VIP1'
check "the cause names the carrier" 'wait_for 3000 event_seen "vrrp51"'
ip -n "$NS" link set vrrp51 protodown off
check "protodown off: active again" 'wait_for 3000 has_service $VIP1'
ip -n "$NS" link set vrrp51 down
check "link down: withdrawn" 'wait_for 3000 no_service $VIP1'
ip -n "$NS" link set vrrp51 up
check "link up: programmed" 'wait_for 3000 has_service $VIP1'
# an address on an unrelated link does not count
ip -n "$NS" link add other0 type veth peer name other0p
ip -n "$NS" link set other0p up
ip -n "$NS" link set other0 up
ip -n "$NS" addr add $VIP2/32 dev other0
check "a VIP on a link that is not ha.interface's does not count" \
	'! wait_for 500 has_service $VIP2'

# one-shot plan reads the gate once, as the daemon does
out=$(nsx ./ballast plan -c "$CFG" 2>&1)
check "one-shot plan says which groups are standby" \
	'grep -q "group $VIP2 is standby" <<<"$out"'

# reload to warm: nothing is withdrawn on loss any more
config warm >"$CFG.new" && mv "$CFG.new" "$CFG"
check "reload to standby: warm" 'wait_for 5000 status_is d .ha.standby warm'
check "warm: the standby group's service is programmed" 'wait_for 3000 has_service $VIP2'
ip -n "$NS" addr del $VIP1/32 dev vrrp51
check "warm: VIP lost, the service stays programmed" \
	'wait_for 3000 status_is d .ha.state standby && has_service $VIP1'
check "warm: ha_programmed without a pass" 'wait_for 3000 event_seen "warm standby"'

# a vrrp: section: one group carries both VIPs, active only with both held
config withdraw "vrrp:
  version: 3
  advert_interval: 100ms
  nodes:
    - {name: lb1, address: 10.9.0.1, priority: 150}
    - {name: lb2, address: 10.9.0.2, priority: 100}
  groups:
    - {name: pair, vrid: 51, vips: [$VIP1, $VIP2]}" >"$CFG.new" && mv "$CFG.new" "$CFG"
ip -n "$NS" addr add $VIP1/32 dev ha0
check "reload to a vrrp: group" 'wait_for 5000 status_is d ".ha.groups[0].name" pair'
check "one VIP of the group's two is not enough: withdrawn" \
	'wait_for 3000 no_service $VIP1 && no_service $VIP2'
check "status counts the VIPs held" \
	'[[ $(status d ".ha.groups[0].vips | map(select(.held)) | length") == 1 ]]'
ip -n "$NS" addr del $VIP2/32 dev other0
ip -n "$NS" addr add $VIP2/32 dev ha0
check "both held: both services programmed" \
	'wait_for 3000 has_service $VIP1 && has_service $VIP2'
check "the group's VRID is reported" 'status_is d ".ha.groups[0].vrid" 51'
check "ballast status prints a line per group" \
	'./ballast status --socket "$TMP/d.sock" | grep -q "pair (vrid 51) *active, 2/2 VIPs held"'

stop_daemon d
check "daemon stops cleanly" 'dead $PID_d'
t_done daemon-ha
