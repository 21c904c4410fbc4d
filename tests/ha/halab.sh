# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The HA lab: two load-balancer nodes (lb1, lb2), a client and two DSR
# backends on one bridge (in the namespace sw), built on the helpers of
# tests/lab/lab.sh. Sourced by tests/ha/run.sh and tests/ha/bench.sh.
#
#   client  10.210.0.2/24     reaches the VIP on the segment (ARP: the master)
#   lb1     10.210.0.11/24    VRRP priority 150, ballast apply --daemon (XDP)
#   lb2     10.210.0.12/24    VRRP priority 100, ballast apply --daemon (XDP)
#   beN     10.210.0.2N/24    ballast decap, the VIP on lo, real servers
#   VIP     10.210.0.100      VRID 51, moved by keepalived or FRR's vrrpd
#
# Each LB node has its own config, API socket, state directory, run
# directory (writer lock) and pin path; keepalived and FRR run with pid
# files and sockets of their own under HA_DIR, never the system's.
#
# Before sourcing set HA_PREFIX (namespace names start with it), HA_DIR (a
# directory for configs and logs), HA_PINS (a bpffs directory) and
# HA_BALLAST (the binary). ha_up builds the lab, ha_down removes everything
# ha_up and the node helpers started; it is safe after a partial ha_up.

HA_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_PREFIX=$HA_PREFIX
LAB_DIR=$HA_DIR
LAB_PINS=$HA_PINS
LAB_BALLAST=$HA_BALLAST
# shellcheck source=tests/lab/lab.sh
. "$HA_HERE/../lab/lab.sh"
# shellcheck source=tests/lib/wait.sh
. "$HA_HERE/../lib/wait.sh"
LAB_NODES=(sw client lb1 lb2 be1 be2)
LAB_BACKENDS=(be1 be2)
HA_LBS=(lb1 lb2)
HA_FLOW=$HA_HERE/haflow.py
HA_VIP=10.210.0.100
HA_VRID=51
HA_ADVERT_MS=100

declare -A HA_DPID=() HA_KPID=() HA_EPID=()

ha_addr() {
	case $1 in
	client) echo 10.210.0.2 ;;
	lb1) echo 10.210.0.11 ;;
	lb2) echo 10.210.0.12 ;;
	be1) echo 10.210.0.21 ;;
	be2) echo 10.210.0.22 ;;
	esac
}
# The namespace's path: for `nsenter "--net=$(ha_netns N)" CMD &`, whose $!
# is CMD itself (lab_x in the background would be a subshell's pid).
ha_netns() { printf '/run/netns/%s' "$(lab_ns "$1")"; }
ha_prio() { [[ $1 == lb1 ]] && echo 150 || echo 100; }
ha_peer() { [[ $1 == lb1 ]] && echo lb2 || echo lb1; }

# ---- the lab ------------------------------------------------------------

ha_up() {
	local n a mac
	mkdir -p "$HA_DIR" || return 1
	lab_switch_up || return 1
	lab_link client 1500 || return 1
	for n in lb1 lb2 be1 be2; do lab_link "$n" 1600 || return 1; done
	for n in client lb1 lb2 be1 be2; do
		ip -n "$(lab_ns "$n")" addr add "$(ha_addr "$n")/24" dev eth0 || return 1
	done
	for n in "${HA_LBS[@]}"; do
		lab_sysctl "$n" net.ipv4.conf.all.forwarding=1 \
			net.ipv4.conf.all.send_redirects=0 \
			net.ipv4.conf.eth0.send_redirects=0 \
			net.ipv4.conf.eth0.accept_local=1
		# One CPU per flow, as in tests/lab/lab.sh (the flow table is
		# per CPU).
		ip netns exec "$(lab_ns "$n")" sh -c "printf %x $(((1 << $(nproc)) - 1)) \
			>/sys/class/net/eth0/queues/rx-0/rps_cpus" || return 1
	done
	for n in "${LAB_BACKENDS[@]}"; do
		a=$(ha_addr "$n")
		ip -n "$(lab_ns "$n")" addr add "$HA_VIP/32" dev lo
		lab_sysctl "$n" net.ipv4.conf.all.arp_ignore=1 \
			net.ipv4.conf.all.arp_announce=2 \
			net.ipv4.conf.all.accept_redirects=0
		lab_x "$n" "$HA_BALLAST" decap attach eth0 "$a" \
			--pin-path "$HA_PINS/$n" >>"$HA_DIR/lab.log" 2>&1 ||
			{ lab_log "decap on $n failed: $(tail -1 "$HA_DIR/lab.log")"; return 1; }
		lab_x "$n" setsid python3 "$LAB_PY" serve "$n" "$a" "$HA_VIP" \
			>"$HA_DIR/$n.log" 2>&1 &
		lab_x "$n" setsid python3 "$HA_FLOW" serve "$n" "$a" "$HA_VIP" \
			>"$HA_DIR/$n.flow.log" 2>&1 &
		mac=$(lab_mac "$n")
		for a in "${HA_LBS[@]}"; do
			ip -n "$(lab_ns "$a")" neigh replace "$(ha_addr "$n")" \
				lladdr "$mac" dev eth0 nud permanent
		done
	done
	for n in "${LAB_BACKENDS[@]}"; do
		if ! wait_for 15000 grep -q ready "$HA_DIR/$n.log" ||
			! wait_for 15000 grep -q ready "$HA_DIR/$n.flow.log"; then
			lab_log "the servers on $n did not start: $(tail -2 "$HA_DIR/$n.log" "$HA_DIR/$n.flow.log")"
			return 1
		fi
	done
}

ha_down() {
	local n
	for n in "${!HA_EPID[@]}"; do ha_stop_pid "${HA_EPID[$n]}"; done
	HA_EPID=()
	for n in "${HA_LBS[@]}"; do
		ka_stop "$n"
		frr_stop "$n"
		ha_daemon_stop "$n"
		[[ -e /run/netns/$(lab_ns "$n") && -f $HA_DIR/$n.yaml ]] &&
			lab_x "$n" "$HA_BALLAST" apply -c "$HA_DIR/$n.yaml" --detach \
				>/dev/null 2>&1
	done
	lab_down
}

# ha_stop_pid PID [SIGNAL]: signal a process we started and reap it, with
# SIGKILL after 5 s.
ha_stop_pid() {
	local pid=$1 sig=${2:-TERM}
	[[ -n $pid ]] || return 0
	kill "-$sig" "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	wait_for 5000 eval "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# ---- Ballast on the LB nodes ----------------------------------------------

# ha_conf NODE STANDBY [PROVIDER]: the node's config in $HA_DIR/NODE.yaml
# (written to a temporary name and renamed, so a running daemon reloads it
# whole). Both nodes' files differ only in what is node-local (pins, tunnel
# source): the services, pools and vrrp: section are the same.
ha_conf() {
	local node=$1 standby=$2 provider=${3:-keepalived} f=$HA_DIR/$1.yaml
	cat >"$f.tmp" <<EOF || return 1
version: 1
dataplane:
  driver: xdp
  interface: eth0
  xdp:
    mode: generic
    ring_size: 4093
    max_services: 8
    max_reals: 1024
    flow_table_size: 16384
    tunnel_source_v4: $(ha_addr "$node")
    pin_path: $HA_PINS/$node
ha:
  mode: vrrp
  interface: eth0
  standby: $standby
  provider: $provider
vrrp:
  version: 3
  advert_interval: ${HA_ADVERT_MS}ms
  preempt: true
  nodes:
    - {name: lb1, address: $(ha_addr lb1), priority: $(ha_prio lb1)}
    - {name: lb2, address: $(ha_addr lb2), priority: $(ha_prio lb2)}
  groups:
    - name: web
      vrid: $HA_VRID
      vips: [$HA_VIP]
daemon:
  tick: 500ms
  metrics_listen: null
health:
  type: tcp
  interval: 300ms
  timeout: 200ms
  rise: 1
  fall: 2
pools:
  be:
    backends:
      - address: $(ha_addr be1)
      - address: $(ha_addr be2)
services:
  - {name: web, address: $HA_VIP, port: 80, pool: be, forwarding: dsr}
  - {name: echo, address: $HA_VIP, port: 7000, pool: be, forwarding: dsr}
EOF
	mv "$f.tmp" "$f"
}

ha_sock() { printf '%s/%s.sock' "$HA_DIR" "$1"; }
ha_maps() { printf '%s/%s/eth0' "$HA_PINS" "$1"; }
ha_api() { curl -s -m 5 --unix-socket "$(ha_sock "$1")" "http://d$2"; }
# ha_status NODE JQ: a field of GET /api/v1/status's data.
ha_status() { ha_api "$1" /api/v1/status | jq -r ".data$2"; }
ha_status_is() { [[ $(ha_status "$1" "$2") == "$3" ]]; }

# ha_daemon NODE: start `ballast apply --daemon` on NODE with the node's
# own socket, state and run directories, and record its events (SSE) in
# $HA_DIR/NODE.events. Returns once the API answers.
ha_daemon() {
	local n=$1 sock
	sock=$(ha_sock "$n")
	mkdir -p "$HA_DIR/run-$n" "$HA_DIR/state-$n"
	BALLAST_RUN_DIR=$HA_DIR/run-$n nsenter "--net=$(ha_netns "$n")" "$HA_BALLAST" apply --daemon \
		-c "$HA_DIR/$n.yaml" --socket "$sock" --state-dir "$HA_DIR/state-$n" \
		>>"$HA_DIR/$n.daemon.log" 2>&1 &
	HA_DPID[$n]=$!
	wait_for 10000 curl -sf -m 1 --unix-socket "$sock" http://d/health -o /dev/null ||
		return 1
	curl -sN --unix-socket "$sock" http://d/api/v1/events >>"$HA_DIR/$n.events" 2>/dev/null &
	HA_EPID[$n]=$!
}

ha_daemon_stop() {
	ha_stop_pid "${HA_EPID[$1]:-}"
	unset "HA_EPID[$1]"
	ha_stop_pid "${HA_DPID[$1]:-}"
	unset "HA_DPID[$1]"
}

# ha_programmed NODE PORT: the node's maps hold the TCP service on PORT.
# ha_withdrawn NODE PORT: it does not (no forwarder pinned counts too).
ha_programmed() { "$HA_MAPS" "$(ha_maps "$1")" wait "$2" present 0 >/dev/null 2>&1; }
ha_withdrawn() { "$HA_MAPS" "$(ha_maps "$1")" wait "$2" absent 0 >/dev/null 2>&1; }

# ha_vip_on NODE: the VIP is an address in NODE.
ha_vip_on() { ip -n "$(lab_ns "$1")" -o addr show | grep -q " inet $HA_VIP/"; }

# ---- keepalived --------------------------------------------------------------

# ka_conf NODE: keepalived's config for NODE in $HA_DIR/ka-NODE.conf: the
# lab's global_defs (a router_id per node), then what `ballast vrrp render
# keepalived` makes of the YAML's vrrp: section.
ka_conf() {
	local n=$1
	{
		printf 'global_defs {\n    router_id %s\n}\n' "$n"
		"$HA_BALLAST" vrrp render keepalived -c "$HA_DIR/$n.yaml" --node "$n"
	} >"$HA_DIR/ka-$n.conf"
}

# ka_start NODE: keepalived (VRRP only) in NODE's namespace with every pid
# file its own: a second keepalived with the default pid files would see
# the first and exit 0 without a word.
ka_start() {
	local n=$1 d=$HA_DIR/ka-$1
	[[ -f $HA_DIR/ka-$n.conf ]] || ka_conf "$n" || return 1
	nsenter "--net=$(ha_netns "$n")" keepalived -n -l -D -G -P -f "$HA_DIR/ka-$n.conf" \
		-p "$d.pid" -r "$d.vrrp.pid" -c "$d.chk.pid" -b "$d.bfd.pid" \
		>>"$HA_DIR/ka-$n.log" 2>&1 &
	HA_KPID[$n]=$!
}
# ka_stop NODE [SIGNAL]: SIGTERM (keepalived says goodbye with a priority 0
# advert and removes the VIP) unless told otherwise.
ka_stop() {
	ha_stop_pid "${HA_KPID[$1]:-}" "${2:-TERM}"
	unset "HA_KPID[$1]"
}

# ka_crash NODE: keepalived dies without cleaning up, as in a crash: the
# parent stopped (so it cannot respawn its VRRP child), the child killed,
# then the parent. The VIP stays behind.
ka_crash() {
	local p=${HA_KPID[$1]:-} c
	[[ -n $p ]] || return 1
	c=$(cat "$HA_DIR/ka-$1.vrrp.pid" 2>/dev/null)
	kill -STOP "$p"
	[[ -n $c ]] && kill -KILL "$c"
	ha_stop_pid "$p" KILL 2>/dev/null
	unset "HA_KPID[$1]"
	# The child is reaped once its parent is gone; until then keepalived
	# started again would take its pid file for a running daemon. The pid
	# files stay behind, as after a crash: remove them, as systemd would.
	[[ -n $c ]] && wait_for 3000 test ! -e "/proc/$c"
	rm -f "$HA_DIR/ka-$1".*pid
}

# ---- FRR (zebra + vrrpd) -------------------------------------------------

frr_dir() { printf '%s/frr-%s' "$HA_DIR" "$1"; }
frr_stop() {
	local d p
	d=$(frr_dir "$1")
	for p in "$d"/vrrpd.pid "$d"/zebra.pid; do
		[[ -f $p ]] && kill "$(cat "$p")" 2>/dev/null
		[[ -f $p ]] && { wait_for 5000 eval "! kill -0 $(cat "$p")" ||
			kill -9 "$(cat "$p")" 2>/dev/null; }
		rm -f "$p"
	done
	return 0
}
