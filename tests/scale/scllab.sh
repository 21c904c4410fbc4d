# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153 # SCL_* results and inputs shared with the sourcing suites
# The scale-out lab: load-balancer nodes behind a router's ECMP, each
# announcing the VIP over BGP with FRR (zebra + bgpd) and forwarding with
# `ballast apply --daemon` on the XDP dataplane in DSR mode. Built on the
# helpers of tests/lab/lab.sh. Sourced by tests/scale/run.sh and bench.sh.
#
#   rtr   eth0 10.230.0.1/24  FRR AS 65000, ECMP over the LBs, fib hash L4
#         eth1 10.231.0.1/24  toward the client
#   cli   10.231.0.2/24       default route via rtr
#   lbN   10.230.0.1N/24      N = 1..4; FRR AS 65001, Ballast XDP on eth0
#   beN   10.230.0.2N/24      N = 1..3; ballast decap, the VIP on lo, echo
#                             servers on 7000; replies go out via rtr (DSR)
#   VIP   10.232.0.10         announced by each LB as a kernel route
#                             (VIP/32 dev lo proto 200) that bgpd
#                             redistributes
#
# rtr, the LBs and the backends share one segment (a bridge in sw), so the
# forwarder sends the encapsulated packets back out of the interface they
# came in on. Each LB node has its own config, API socket, state and run
# directories, pin path and FRR directory (explicit paths: -f, -i, -z,
# --vty_socket, -P 0), never the system's. FRR's daemons run in the
# foreground as our children (with -d they would be orphans nobody reaps).
#
# Before sourcing set SCL_PREFIX (namespace names start with it), SCL_DIR
# (a directory FRR's user can reach), SCL_PINS (a bpffs directory),
# SCL_BALLAST (the binary) and SCL_POKE (tests/xdp/poke, for the
# forwarders' counters). scl_up builds the lab; scl_down removes every
# process, namespace, pin and file the helpers made, also after a partial
# scl_up, and is safe to call twice.

SCL_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_PREFIX=$SCL_PREFIX
LAB_DIR=$SCL_DIR
LAB_PINS=$SCL_PINS
LAB_BALLAST=$SCL_BALLAST
# shellcheck source=tests/lab/lab.sh
. "$SCL_HERE/../lab/lab.sh"
# shellcheck source=tests/lib/wait.sh
. "$SCL_HERE/../lib/wait.sh"
LAB_NODES=(sw rtr cli lb1 lb2 lb3 lb4 be1 be2 be3)
LAB_BACKENDS=(be1 be2 be3)
SCL_LBS=(lb1 lb2 lb3 lb4)
SCL_FLOW=$SCL_HERE/sclflow.py
SCL_VIP=10.232.0.10
SCL_PORT=7000
SCL_FRR=/usr/lib/frr
# How the VIP is announced: "ballast" (the daemon's announcer, ha.mode:
# bgp) or "manual" (the lab adds and deletes the kernel route itself, for
# builds without the announcer). scl_detect sets it.
SCL_ANNOUNCE=manual
# 1: the LB nodes' bgpd.conf is `ballast bgp render frr`'s; 0: the lab
# writes the same stanzas (scl_frr_manual), for builds without it.
SCL_RENDER=0
# Processes we started, by name ("lb1.ballast", "lb1.bgpd", "cli.hold", ...).
declare -A SCL_PID=()

scl_addr() {
	case $1 in
	rtr) echo 10.230.0.1 ;;
	cli) echo 10.231.0.2 ;;
	lb[1-9]) echo "10.230.0.1${1#lb}" ;;
	be[1-9]) echo "10.230.0.2${1#be}" ;;
	esac
}
scl_netns() { printf '/run/netns/%s' "$(lab_ns "$1")"; }
scl_log() { printf 'scale: %s\n' "$*" >&2; }

# scl_bg NAME NODE CMD...: CMD in NODE's namespace in the background, its
# output in $SCL_DIR/NAME.log, its pid (CMD's own, through nsenter's exec)
# in SCL_PID[NAME].
scl_bg() {
	local name=$1 node=$2
	shift 2
	nsenter "--net=$(scl_netns "$node")" "$@" >>"$SCL_DIR/$name.log" 2>&1 &
	SCL_PID[$name]=$!
}

# scl_stop NAME [SIGNAL]: signal a process we started and reap it; SIGKILL
# after 5 s.
scl_stop() {
	local pid=${SCL_PID[$1]:-} sig=${2:-TERM}
	unset "SCL_PID[$1]"
	[[ -n $pid ]] || return 0
	# The shell reports a killed job on stderr when it reaps it: quiet.
	{
		kill "-$sig" "$pid" 2>/dev/null &&
			{ [[ $sig == KILL ]] || wait_for 5000 eval "! kill -0 $pid" ||
				kill -9 "$pid" 2>/dev/null; }
		wait "$pid"
	} 2>/dev/null
	return 0
}

# ---- the lab ----------------------------------------------------------------

scl_up() {
	local n a mac
	mkdir -p "$SCL_DIR" || return 1
	lab_switch_up || return 1
	ip -n "$(lab_ns cli)" link set lo up
	# 1600 on the segment, 1500 at the client: room for DSR's outer header.
	for n in rtr lb1 lb2 lb3 lb4 be1 be2 be3; do
		lab_link "$n" 1600 || return 1
		ip -n "$(lab_ns "$n")" addr add "$(scl_addr "$n")/24" dev eth0 || return 1
	done
	# No unknown-unicast flooding to the LB nodes: once a node's port is
	# down the bridge forgets its MAC and would flood the router's frames
	# for it to the other nodes, whose forwarders (which do not check the
	# destination MAC) would carry the dead node's flows; a switch with a
	# point-to-point link or a learned FDB loses them instead.
	for n in lb1 lb2 lb3 lb4; do
		ip -n "$(lab_ns sw)" link set "p-$n" type bridge_slave flood off || return 1
	done
	ip link add eth1 netns "$(lab_ns rtr)" mtu 1500 type veth peer name eth0 \
		netns "$(lab_ns cli)" mtu 1500 || return 1
	ip -n "$(lab_ns rtr)" addr add 10.231.0.1/24 dev eth1
	ip -n "$(lab_ns rtr)" link set eth1 up
	ip -n "$(lab_ns cli)" addr add "$(scl_addr cli)/24" dev eth0
	ip -n "$(lab_ns cli)" link set eth0 up
	ip -n "$(lab_ns cli)" route add default via 10.231.0.1
	# The ECMP hash must take the ports (policy 1): with the default, every
	# connection of the one client goes to one node.
	lab_sysctl rtr net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1

	for n in lb1 lb2 lb3 lb4; do
		ip -n "$(lab_ns "$n")" route add default via 10.230.0.1
		lab_lb_node "$n" || return 1
	done
	for n in "${LAB_BACKENDS[@]}"; do
		a=$(scl_addr "$n")
		lab_dsr_backend "$n" "$a" "$SCL_VIP" || return 1
		# DSR: the replies leave by the router.
		ip -n "$(lab_ns "$n")" route add default via 10.230.0.1
		# The echo servers of the HA lab (a greeting with the name, then
		# the bytes echoed) on TCP 7000.
		scl_bg "$n.serve" "$n" python3 "$SCL_HERE/../ha/haflow.py" serve "$n" "$a" "$SCL_VIP"
		# The forwarder looks next hops up in the neighbour table.
		mac=$(lab_mac "$n")
		for a in "${SCL_LBS[@]}"; do
			ip -n "$(lab_ns "$a")" neigh replace "$(scl_addr "$n")" \
				lladdr "$mac" dev eth0 nud permanent
		done
	done
	for n in "${LAB_BACKENDS[@]}"; do
		wait_for 15000 grep -q ready "$SCL_DIR/$n.serve.log" || {
			scl_log "the server on $n did not start: $(tail -2 "$SCL_DIR/$n.serve.log")"
			return 1
		}
	done
	scl_frr_conf rtr && scl_frr_start rtr
}

scl_down() {
	local n
	for n in "${!SCL_PID[@]}"; do
		[[ $n == *.ballast ]] || scl_stop "$n" KILL
	done
	for n in "${SCL_LBS[@]}"; do
		scl_stop "$n.ballast" KILL
		[[ -e $(scl_netns "$n") && -f $SCL_DIR/$n.yaml ]] &&
			lab_x "$n" "$SCL_BALLAST" apply -c "$SCL_DIR/$n.yaml" --detach \
				>/dev/null 2>&1
	done
	lab_down
	rm -rf "$SCL_DIR"
}

# ---- FRR ----------------------------------------------------------------------

scl_frr_dir() { printf '%s/frr-%s' "$SCL_DIR" "$1"; }

# scl_frr_conf NODE: zebra.conf and bgpd.conf for NODE. The router's is
# the lab's own; an LB node's bgpd.conf is what `ballast bgp render frr`
# makes of its YAML (or, without it, the same stanzas written here).
scl_frr_conf() {
	local n=$1 d
	d=$(scl_frr_dir "$n")
	mkdir -p "$d" || return 1
	if [[ $n == rtr ]]; then
		# Plain multipath routes: kernel nexthop groups lost a member
		# after a link flap and never healed (LAB-bgp pitfall 1).
		printf 'hostname rtr\nno zebra nexthop kernel enable\n' >"$d/zebra.conf"
		{
			printf 'hostname rtr\n'
			printf 'ip prefix-list VIP seq 5 permit 10.232.0.0/24 ge 32\n'
			printf 'route-map VIP permit 10\n match ip address prefix-list VIP\n'
			printf 'route-map DENY-ALL deny 10\n'
			printf 'router bgp 65000\n bgp router-id 10.230.0.1\n'
			printf ' neighbor LB peer-group\n neighbor LB remote-as 65001\n'
			printf ' neighbor LB timers 1 3\n'
			for m in "${SCL_LBS[@]}"; do
				printf ' neighbor %s peer-group LB\n' "$(scl_addr "$m")"
			done
			printf ' address-family ipv4 unicast\n'
			printf '  neighbor LB route-map VIP in\n'
			printf '  neighbor LB route-map DENY-ALL out\n'
			printf ' exit-address-family\n'
		} >"$d/bgpd.conf"
	else
		printf 'hostname %s\n' "$n" >"$d/zebra.conf"
		{
			printf 'hostname %s\n' "$n"
			if ((SCL_RENDER)); then
				"$SCL_BALLAST" bgp render frr -c "$SCL_DIR/$n.yaml" --node "$n" ||
					return 1
			else
				scl_frr_manual "$n"
			fi
		} >"$d/bgpd.conf"
	fi
	chown -R frr:frr "$d"
}

# The stanzas `ballast bgp render frr` writes (Docs/SCALE.md), for builds
# without it.
scl_frr_manual() {
	local a=10.230.0.1
	printf 'ip prefix-list BALLAST-VIP4 seq 10 permit %s/32\n' "$SCL_VIP"
	printf 'route-map BALLAST-VIP permit 10\n match ip address prefix-list BALLAST-VIP4\n set metric 0\n'
	printf 'route-map BALLAST-DENY deny 10\n'
	printf 'router bgp 65001\n bgp router-id %s\n' "$(scl_addr "$1")"
	printf ' neighbor %s remote-as 65000\n neighbor %s timers 1 3\n' $a $a
	printf ' address-family ipv4 unicast\n  redistribute kernel route-map BALLAST-VIP\n'
	printf '  neighbor %s route-map BALLAST-DENY in\n  neighbor %s route-map BALLAST-VIP out\n' $a $a
	printf ' exit-address-family\n'
}

# scl_frr_start NODE: zebra, then bgpd, in NODE's namespace; returns once
# both answer on their vty sockets.
scl_frr_start() {
	local n=$1 d p
	d=$(scl_frr_dir "$n")
	for p in zebra bgpd; do
		rm -f "$d/$p.pid"
		scl_bg "$n.$p" "$n" "$SCL_FRR/$p" -P 0 -f "$d/$p.conf" -i "$d/$p.pid" \
			-z "$d/zserv.api" --vty_socket "$d"
		wait_for 10000 test -S "$d/$p.vty" || {
			scl_log "$p in $n did not start: $(tail -3 "$SCL_DIR/$n.$p.log")"
			return 1
		}
	done
}

scl_frr_stop() {
	scl_stop "$1.bgpd" "${2:-TERM}"
	scl_stop "$1.zebra" "${2:-TERM}"
}

scl_vtysh() {
	local n=$1
	shift
	vtysh --vty_socket "$(scl_frr_dir "$n")" "$@"
}

# ---- Ballast on the LB nodes ----------------------------------------------

# scl_conf NODE [ring=N] [drain_wait=D]: the node's config in
# $SCL_DIR/NODE.yaml, written whole by a rename. Every node's file is the
# same but for what is node-local (tunnel source, pins): the same services
# and pools, so the same Maglev rings.
scl_conf() {
	local node=$1 f=$SCL_DIR/$1.yaml ring=4093 drain_wait=2s kv m
	shift
	for kv in "$@"; do
		case $kv in
		ring=*) ring=${kv#ring=} ;;
		drain_wait=*) drain_wait=${kv#drain_wait=} ;;
		esac
	done
	{
		cat <<EOF
version: 1
dataplane:
  driver: xdp
  interface: eth0
  xdp:
    mode: generic
    ring_size: $ring
    max_services: 8
    max_reals: 64
    flow_table_size: 16384
    tunnel_source_v4: $(scl_addr "$node")
    pin_path: $SCL_PINS/$node
daemon:
  tick: 500ms
  metrics_listen: null
health:
  type: tcp
  interval: 250ms
  timeout: 200ms
  rise: 1
  fall: 2
pools:
  be:
    backends:
      - $(scl_addr be1)
      - $(scl_addr be2)
      - $(scl_addr be3)
services:
  - {name: echo, address: $SCL_VIP, port: $SCL_PORT, pool: be, forwarding: dsr}
EOF
		if [[ $SCL_ANNOUNCE == ballast ]]; then
			cat <<EOF
ha:
  mode: bgp
bgp:
  asn: 65001
  route_protocol: 200
  min_healthy: 1
  drain_wait: $drain_wait
  timers: {keepalive: 1s, hold: 3s}
  nodes:
EOF
			for m in "${SCL_LBS[@]}"; do
				printf '    - {name: %s, router_id: %s, neighbors: [{address: 10.230.0.1, asn: 65000}]}\n' \
					"$m" "$(scl_addr "$m")"
			done
		fi
	} >"$f.tmp" || return 1
	mv "$f.tmp" "$f"
}

# scl_daemon NODE: `ballast apply --daemon` on NODE with its own socket,
# state and run directories; returns once its API answers.
scl_daemon() {
	local n=$1 sock
	sock=$(lab_sock "$n")
	mkdir -p "$SCL_DIR/run-$n" "$SCL_DIR/state-$n"
	BALLAST_RUN_DIR=$SCL_DIR/run-$n scl_bg "$n.ballast" "$n" \
		"$SCL_BALLAST" apply --daemon -c "$SCL_DIR/$n.yaml" --socket "$sock" \
		--state-dir "$SCL_DIR/state-$n" --node "$n"
	wait_for 10000 curl -sf -m 1 --unix-socket "$sock" http://d/health -o /dev/null
}

# scl_announce NODE|-NODE: the manual announcement (add or delete the
# kernel route bgpd redistributes), for builds without the announcer.
scl_announce() {
	local n=${1#-} op=add
	[[ $1 == -* ]] && op=del
	ip -n "$(lab_ns "$n")" route "$op" "$SCL_VIP/32" dev lo proto 200
}

# scl_node_up NODE [CONF EDITS...]: its config, FRR and Ballast; returns
# once every real is up in its daemon (so its ring is the full one).
scl_node_up() {
	local n=$1
	shift
	scl_conf "$n" "$@" && scl_frr_conf "$n" && scl_frr_start "$n" &&
		scl_daemon "$n" || return 1
	wait_for 10000 lab_status_is "$n" .counts.reals_up 3 || {
		scl_log "$n: reals up: $(lab_status "$n" .counts.reals_up)"
		return 1
	}
	[[ $SCL_ANNOUNCE == manual ]] && { scl_announce "$n" || return 1; }
	return 0
}

# scl_block_probes NODE: an nft rule in NODE drops its probes to every
# backend, so all its reals fail at once there and nowhere else;
# scl_unblock_probes NODE deletes it.
scl_block_probes() {
	lab_x "$1" nft -f - <<EOF
table ip scltest {
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr 10.230.0.20-10.230.0.29 tcp dport $SCL_PORT drop
	}
}
EOF
}
scl_unblock_probes() { lab_x "$1" nft delete table ip scltest; }

# scl_node_crash NODE: the node dies: Ballast, bgpd and zebra killed (the
# kernel closes the BGP session at once) and its link taken down (its XDP
# program, still attached, forwards nothing more).
scl_node_crash() {
	scl_stop "$1.ballast" KILL
	scl_stop "$1.bgpd" KILL
	scl_stop "$1.zebra" KILL
	ip -n "$(lab_ns "$1")" link set eth0 down
}

# ---- the router -------------------------------------------------------------

# scl_nexthops: how many next hops rtr's kernel has for the VIP (0: none).
scl_nexthops() {
	local r
	r=$(ip -n "$(lab_ns rtr)" -o route show "$SCL_VIP/32" 2>/dev/null)
	if [[ -z $r ]]; then
		echo 0
	elif [[ $r == *nexthop* ]]; then
		grep -o 'nexthop' <<<"$r" | wc -l
	else
		echo 1
	fi
}
scl_nexthops_are() { [[ $(scl_nexthops) == "$1" ]]; }
# scl_via NODE: rtr's route for the VIP goes through NODE.
scl_via() { ip -n "$(lab_ns rtr)" -o route show "$SCL_VIP/32" | grep -q "via $(scl_addr "$1") "; }

# scl_routes_watch FILE: record rtr's route changes for the VIP in FILE
# ("USEC NEXTHOPS" lines, sclflow.py routes).
scl_routes_watch() {
	: >"$1"
	scl_bg rtr.routes rtr python3 "$SCL_FLOW" routes "$SCL_VIP/32" "$1"
	wait_for 5000 grep -q ready "$SCL_DIR/rtr.routes.log"
}

# ---- the client's connections ---------------------------------------------

# scl_hold N STATUS: N long-lived connections from cli (sclflow.py hold);
# returns once all are connected and have each had an echo.
scl_hold() {
	local n=$1 st=$2
	rm -f "$st"
	scl_bg cli.hold cli python3 "$SCL_FLOW" hold "$SCL_VIP" "$SCL_PORT" "$n" "$st" 3600
	wait_for 30000 grep -q "^ready $n\$" "$st" || return 1
	wait_for 10000 scl_hold_all_echoed "$st"
}
scl_hold_all_echoed() { awk 'NR > 1 && $4 == 0 { bad = 1 } END { exit bad }' "$1"; }
# scl_broken STATUS: connections not ok (reset, eof, error, mismatch) or
# with a message unanswered for more than 2 s.
scl_broken() { awk 'NR > 1 && ($5 != "ok" || $6 > 2000) { n++ } END { print n + 0 }' "$1"; }
# scl_spread STATUS: "beN COUNT" for the live connections.
scl_spread() { awk 'NR > 1 && $5 == "ok" { c[$2]++ } END { for (b in c) printf "%s=%d ", b, c[b] }' "$1"; }
# scl_maxwait STATUS: the longest wait for an echo since the last mark.
scl_maxwait() { awk 'NR > 1 && $7 > m { m = $7 } END { print m + 0 }' "$1"; }
scl_mark() { kill -USR1 "${SCL_PID[cli.hold]}"; }
# scl_echoing STATUS SINCE: every live connection had three echoes after
# SINCE (a copy of the status taken before): traffic flows again.
scl_echoing() {
	awk 'FNR == 1 { next } NR == FNR { e[$1] = $4; next }
	     $5 == "ok" && $4 <= e[$1] + 2 { bad = 1 } END { exit bad }' "$2" "$1"
}

# scl_lru_miss NODE: mid-connection packets NODE's forwarder sent by its
# ring because its flow table did not know them: flows moved to NODE.
scl_lru_miss() {
	"$SCL_POKE" - stats "$SCL_DIR/$1.yaml" 2>/dev/null | awk '$1 == "lru_miss" { print $2 }'
}

# scl_event_begin STATUS / scl_event_end STATUS around a node change, the
# end called once the router's route has changed: it waits (10 s at most)
# until every live connection has had three more echoes, then
# sets SCL_BROKEN (connections broken or stalled since the begin, see
# scl_broken; SCL_BROKEN_ALL counts those of earlier events too), SCL_MOVED
# (flows the router moved to another node: the forwarders' ring lookups of
# mid-connection packets, one per flow), SCL_MOVED_PER ("lbN+COUNT ...")
# SCL_MAXWAIT (the longest wait for an echo, ms) and SCL_RING_CHANGES (the
# health transitions the daemons logged meanwhile, "lbN: MESSAGE;" each:
# every one changed that node's ring).
declare -A SCL_MISS0=() SCL_LOG0=()
scl_event_begin() {
	local n
	for n in "${SCL_LBS[@]}"; do
		SCL_MISS0[$n]=$(scl_lru_miss "$n")
		SCL_LOG0[$n]=0
		[[ -f $SCL_DIR/$n.ballast.log ]] && SCL_LOG0[$n]=$(wc -l <"$SCL_DIR/$n.ballast.log")
	done
	scl_mark
	SCL_BROKEN0=$(scl_broken "$1")
}
scl_event_end() {
	local n m
	# Echoes counted from now: the change has reached the router.
	cp "$1" "$SCL_DIR/event.st"
	wait_for 10000 scl_echoing "$1" "$SCL_DIR/event.st"
	SCL_MOVED=0
	SCL_MOVED_PER=
	for n in "${SCL_LBS[@]}"; do
		m=$(scl_lru_miss "$n")
		[[ -n $m ]] || continue
		m=$((m - ${SCL_MISS0[$n]:-0}))
		SCL_MOVED=$((SCL_MOVED + m))
		SCL_MOVED_PER+="$n+$m "
	done
	# Reals going down or up during the event: each changes that node's
	# ring (a new node's first results come before it announces).
	SCL_RING_CHANGES=
	for n in "${SCL_LBS[@]}"; do
		[[ -f $SCL_DIR/$n.ballast.log ]] || continue
		m=$(tail -n "+$((${SCL_LOG0[$n]:-0} + 1))" "$SCL_DIR/$n.ballast.log" |
			grep '"subsystem":"health"' | grep -o '"message":"[^"]*' |
			grep -E -e '-> down|down ->' |
			sed "s/\"message\":\"/$n: /" | tr '\n' ';')
		SCL_RING_CHANGES+=$m
	done
	SCL_BROKEN_ALL=$(scl_broken "$1")
	SCL_BROKEN=$((SCL_BROKEN_ALL - SCL_BROKEN0))
	SCL_MAXWAIT=$(scl_maxwait "$1")
}
