#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ha.mode: bgp end to end on the fake dataplane, in a namespace of its own:
# the daemon announces each VIP as a kernel route (proto 200, dev lo) while
# its service is in sync with at least min_healthy reals up (real TCP health
# checks against hc_testsrv), withdraws below it and on drain and SIGTERM,
# deletes stale routes of its own, never touches another protocol's, and
# restarts without flapping. Prints the time from the last real failing to
# the route deleted.
set -u
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ballast-bgpann.XXXXXX)
PIDS=()
. tests/lib/result.sh
. tests/daemon/lib.sh

ST=$TMP/state.json
CFG=$TMP/lb.yaml
VIP1=198.51.100.10 VIP2=198.51.100.20 VIP6=2001:db8:100::10
DNS_SVC="  - {name: dns, address: $VIP2, port: 80, pool: dns}"

if [[ $(id -u) != 0 ]]; then
	t_skip "BGP announcement suite" "needs root (network namespaces)"
	t_done daemon-bgp
	exit 0
fi

netns_daemon bga-$$

# config [PROTOCOL] [SERVICES]: web (3 reals) and dns (2), min_healthy 2
config() {
	cat <<EOF2
version: 1
dataplane:
  driver: fake
  fake: {state_file: $ST}
ha:
  mode: bgp
bgp:
  asn: 65001
  route_protocol: ${1:-200}
  min_healthy: 2
  drain_wait: 500ms
  nodes:
    - name: lb1
      router_id: 10.0.1.2
      neighbors: [{address: 10.0.1.1, asn: 65000}]
daemon:
  tick: 1s
  metrics_listen: null
health:
  type: tcp
  interval: 100ms
  timeout: 50ms
  rise: 1
  fall: 1
pools:
  web:
    backends:
      - {address: 127.0.0.1, port: $PORT}
      - {address: 127.0.0.2, port: $PORT}
      - {address: 127.0.0.3, port: $PORT}
  dns:
    backends:
      - {address: 127.0.0.4, port: $PORT}
      - {address: 127.0.0.5, port: $PORT}
  web6:
    health: {type: none}
    backends: ["[2001:db8:10::1]:80", "[2001:db8:10::2]:80"]
services:
  - {name: web, address: $VIP1, port: 80, pool: web}
  - {name: web6, address: "$VIP6", port: 80, pool: web6}
${2-$DNS_SVC}
EOF2
}

# the target servers run in the namespace too
SRV=$(netns_wrap srv-ns "$SRV")
for i in 1 2 3 4 5; do
	start_srv s$i -p "$PORT" -a 127.0.0.$i -m tcp ||
		{ t_fail "target server $i"; t_done daemon-bgp; exit 1; }
done

# routes [PROTO]: destinations of the namespace's routes of that protocol
routes() { ip -n "$NS" -j route show proto "${1:-200}" | jq -r '.[].dst'; }
has_route() {
	if [[ $1 == *:* ]]; then
		[[ -n $(ip -n "$NS" -6 route show proto "${2:-200}" "$1/128") ]]
	else
		[[ -n $(ip -n "$NS" route show proto "${2:-200}" "$1/32") ]]
	fi
}
no_route() { ! has_route "$@"; }
has_service() { jq -e --arg v "$1" 'any(.services[]; .address == $v)' "$ST" >/dev/null 2>&1; }
no_service() { [[ ! -f $ST ]] || ! has_service "$1"; }
event_seen() { grep -q -- "$1" "$TMP/events.txt" 2>/dev/null; }
vip() { status d ".bgp.vips[] | select(.address == \"$1\") | .$2"; }
vip_is() { [[ $(vip "$1" "$2") == "$3" ]]; }
metric() { api d /metrics | grep -E "^$1 " | awk '{print $2}'; }
node() { ./ballast node "$1" --socket "$TMP/d.sock" >"$TMP/node.out" 2>&1; }

# follow the event stream, each line stamped (ms) as it arrives
follow_events() {
	curl -sN --unix-socket "$TMP/d.sock" -H 'Last-Event-ID: 0' \
		http://d/api/v1/events 2>/dev/null |
		python3 -uc 'import sys, time
for l in sys.stdin: print(int(time.time() * 1000), l, end="", flush=True)' \
			>>"$TMP/events.txt" &
	PIDS+=($!)
}

# the kernel's own record of route changes, stamped as they happen
ip -n "$NS" -ts monitor route >"$TMP/routes.mon" 2>/dev/null &
PIDS+=($!)
# mon_ms WHAT: the time (ms) of the first monitor line matching WHAT
mon_ms() {
	local l
	l=$(grep -m1 -- "$1" "$TMP/routes.mon") || return 1
	l=${l#[}
	date -d "${l%%]*}" +%s%3N
}

config >"$CFG"
if ! start_daemon d "$CFG" --node lb1; then
	t_fail "daemon starts with ha.mode bgp" "$(tail -5 "$TMP/d.log")"
	t_done daemon-bgp
	exit 1
fi
t_pass "daemon starts with ha.mode bgp"
follow_events

check "after the first pass both VIPs are routes of protocol 200" \
	'wait_for 3000 has_route $VIP1 && wait_for 3000 has_route $VIP2'
check "an IPv6 VIP is a /128 route of protocol 200 too" 'wait_for 3000 has_route $VIP6'
check "the route monitor saw them added" \
	'wait_for 3000 grep -q "] $VIP1 dev lo proto 200" "$TMP/routes.mon"'
check "the route is dev lo, table main, metric 0" \
	'[[ $(ip -n $NS -j route show proto 200 $VIP1 | jq -r ".[0].dev + \" \" + (.[0].metric // 0 | tostring)") == "lo 0" ]]'
check "no address is put on lo" '! ip -n $NS -o addr show dev lo | grep -q $VIP1'
check "status: node lb1 serving" \
	'status_is d .bgp.node lb1 && status_is d .bgp.state serving'
check "status: announced, 3/3 reals up, in sync" \
	'wait_for 3000 vip_is $VIP1 reason "3/3 reals up, in sync" && vip_is $VIP1 announced true'
check "a bgp event per VIP announced" \
	'wait_for 3000 event_seen "\"vip\":\"$VIP1\",\"announced\":true"'
check "metrics: ballast_bgp_announced per VIP" \
	'[[ $(metric "ballast_bgp_announced\\{vip=\"$VIP1\"\\}") == 1 ]]'
# a few passes (tick 1 s) later nothing was added or deleted again
wait_for 3000 status_ge d .passes.slice 2
check "metrics: routes added counted, once each across passes" \
	'[[ $(metric "ballast_bgp_route_changes_total\\{action=\"add\"\\}") == 3 && $(metric "ballast_bgp_route_changes_total\\{action=\"del\"\\}") == 0 ]]'

# one real down of three, min_healthy 2: still announced
ctl s1 "mode refuse"
check "one real down: health says so" 'wait_for 3000 event_seen "127.0.0.1:$PORT up -> down"'
check "2/3 up >= min_healthy 2: still announced" \
	'wait_for 3000 vip_is $VIP1 reason "2/3 reals up, in sync" && has_route $VIP1'

# the second real down: below min_healthy, withdrawn; measured from the
# kernel's route monitor (this shell may be descheduled on a busy machine)
t0=$(now_ms)
ctl s2 "mode refuse"
check "below min_healthy: the route is deleted" 'wait_for 3000 no_route $VIP1'
gone=$(wait_for 1000 grep -q "Deleted $VIP1 dev lo proto 200" "$TMP/routes.mon" &&
	mon_ms "Deleted $VIP1 dev lo proto 200")
check "the reason names the count and the service" \
	'wait_for 3000 vip_is $VIP1 reason "1/3 reals up < min_healthy 2 (service web)" && vip_is $VIP1 announced false'
check "a bgp event says withdrawn and why" \
	'wait_for 3000 event_seen "\"vip\":\"$VIP1\",\"announced\":false,\"reason\":\"1/3 reals up < min_healthy 2 (service web)\""'
check "the other VIP stays announced" 'has_route $VIP2'
# the daemon's log line of the transition (ms, UTC) on the same clock
hc=$(grep -m1 "127.0.0.2:$PORT up -> down" "$TMP/d.log" | jq -r .time)
hc=$(date -d "$hc" +%s%3N 2>/dev/null)
if [[ -n $hc && -n $gone ]]; then
	echo "MEASURE: real refusing -> route deleted in the kernel: $((gone - t0)) ms (health: interval 100ms, fall 1)"
	echo "MEASURE: health transition (daemon log) -> route deleted (route monitor): $((gone - hc)) ms"
	check "route deleted within 250 ms of the health transition ($((gone - hc)) ms)" '((gone - hc < 250))'
else
	t_fail "measure health event -> route deleted" "hc=$hc gone=$gone"
fi

ctl s2 "mode tcp"
check "a real back, min_healthy met: re-added" 'wait_for 3000 has_route $VIP1'
check "announced again with its reason" 'wait_for 3000 vip_is $VIP1 reason "2/3 reals up, in sync"'
ctl s1 "mode tcp"
wait_for 3000 vip_is $VIP1 reason "3/3 reals up, in sync"

# a stale route of ours, and routes of other protocols
ip -n "$NS" route add 198.51.100.99/32 dev lo proto 200
ip -n "$NS" route add 198.51.100.98/32 dev lo proto static
ip -n "$NS" route add $VIP1/32 dev lo proto static metric 5
check "a stale route of ours is deleted on the next pass" 'wait_for 3000 no_route 198.51.100.99'
check "routes of another protocol are untouched" \
	'has_route 198.51.100.98 static && has_route $VIP1 static'

# drain: withdraw at once, services after drain_wait, undrain reverses
t0=$(now_ms)
check "ballast node drain" 'node drain'
check "drain: every route gone when the call returns" 'no_route $VIP1 && no_route $VIP2'
check "drain: services still programmed while draining" 'has_service $VIP1'
check "drain: status draining with drain_until" \
	'status_is d .bgp.state draining && [[ $(status d .bgp.drain_until) != null ]]'
check "drain: the reason says so" 'vip_is $VIP1 reason "node draining"'
check "after drain_wait (500 ms) the services are removed" \
	'wait_for 3000 no_service $VIP1 && no_service $VIP2'
t1=$(now_ms)
check "drained: services went no sooner than drain_wait ($((t1 - t0)) ms)" '((t1 - t0 >= 500))'
check "drained: status and metric" \
	'wait_for 1000 status_is d .bgp.state drained && [[ $(metric ballast_bgp_node_drained) == 1 ]]'
check "drained: kept in the state directory" '[[ -f $TMP/d.state/bgp-drain.json ]]'
check "ballast node status shows the node drained" \
	'node status && grep -q "^bgp *node lb1 drained" "$TMP/node.out" && grep -q "withdrawn: node drained" "$TMP/node.out"'

# a restarted drained node stays drained
stop_daemon d
start_daemon d "$CFG" --node lb1
follow_events
check "restarted drained: still drained" 'wait_for 3000 status_is d .bgp.state drained'
check "restarted drained: nothing programmed, nothing announced" \
	'! wait_for 1500 has_service $VIP1 && no_route $VIP1'

check "ballast node undrain" 'node undrain'
check "undrain: services back" 'wait_for 3000 has_service $VIP1 && has_service $VIP2'
check "undrain: routes back" 'wait_for 3000 has_route $VIP1 && has_route $VIP2'
check "undrain: state file gone" '[[ ! -e $TMP/d.state/bgp-drain.json ]]'

# a crash leaves the routes; the restart keeps them without a withdrawal
stop_daemon d KILL
check "after a crash (SIGKILL) the routes stay" 'has_route $VIP1 && has_route $VIP2'
: >"$TMP/flaps"
(
	for ((i = 0; i < 2000; i++)); do
		has_route $VIP1 || echo "absent at $(now_ms)" >>"$TMP/flaps"
		[[ -e $TMP/stop-watch ]] && break
		sleep 0.002
	done
) &
watcher=$!
start_daemon d "$CFG" --node lb1
follow_events
check "restart: announced after its first pass" 'wait_for 3000 vip_is $VIP1 announced true'
touch "$TMP/stop-watch"
wait $watcher
check "restart: the route never disappeared (no flap)" '[[ ! -s $TMP/flaps ]]' "$(head -3 "$TMP/flaps")"
check "restart: no route deleted or added" \
	'[[ $(metric "ballast_bgp_route_changes_total\\{action=\"del\"\\}") == 0 && $(metric "ballast_bgp_route_changes_total\\{action=\"add\"\\}") == 0 ]]'

# reload: a VIP dropped from the config, then another route protocol
config 200 "" | replace "$CFG"
check "reload: a dropped VIP's route is deleted" 'wait_for 5000 no_route $VIP2'
check "reload: the other VIP stays" 'has_route $VIP1'
config 201 "" | replace "$CFG"
check "reload: another route_protocol moves the route" \
	'wait_for 5000 has_route $VIP1 201 && no_route $VIP1 200'
check "reload: status names the protocol" 'status_is d .bgp.route_protocol 201'

stop_daemon d
check "SIGTERM: the daemon stops" 'dead $PID_d'
check "SIGTERM: every route of ours withdrawn" \
	'[[ -z $(routes 201) && -z $(routes 200) && -z $(ip -n $NS -6 route show proto 201) ]]'
check "SIGTERM: other protocols' routes still there" \
	'has_route 198.51.100.98 static && has_route $VIP1 static'
check "SIGTERM: the dataplane keeps the services" 'has_service $VIP1'
check "SIGTERM: the log says the routes were withdrawn" \
	'grep -q "VIP route(s) withdrawn" "$TMP/d.log"'
t_done daemon-bgp
