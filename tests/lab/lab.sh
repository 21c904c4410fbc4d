# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The lab: network namespaces for a client, the load-balancer node, three
# backends running real servers (tests/lab/labnet.py), and a switch (a
# bridge) joining them. Sourced by `make demo` and `make test-lab`.
#
#   client  10.200.0.2/24      fd00:200::2/64      routes the VIPs via lb
#   lb      10.200.0.1/24      fd00:200::1/64      XDP on eth0 (ballast)
#           10.201.0.1/24      fd00:201::1/64      the backends' gateway (NAT)
#   beN     10.201.0.1N/24     fd00:201::1N/64     N = 1, 2, 3
#   VIPs    10.200.100.1       fd00:100::1         (dist/examples/lab.yaml)
#
# DSR: each backend runs `ballast decap` on eth0, has the VIPs on lo and
# answers the client directly (an on-link route to the client's subnet).
# NAT: each backend's default route is lb, whose TC egress program rewrites
# the replies' source back to the VIP.
#
# Before sourcing, set LAB_PREFIX (namespace names start with it), LAB_DIR
# (a directory for configs and logs), LAB_PINS (the bpffs directory the lab
# pins under) and LAB_BALLAST (the binary). lab_up creates everything and
# records it; lab_down removes every namespace, pin and process lab_up
# created, and is safe to call twice or after a partial lab_up.

LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_PY=$LAB_HERE/labnet.py
LAB_NODES=(sw client lb be1 be2 be3)
LAB_BACKENDS=(be1 be2 be3)
LAB_VIP4=10.200.100.1
LAB_VIP6=fd00:100::1
LAB_MODE=dsr

lab_ns() { printf '%s%s' "$LAB_PREFIX" "$1"; }
# Run in a node's network namespace. nsenter, not `ip netns exec`, which
# remounts /sys and would hide the pins under /sys/fs/bpf.
lab_x() {
	local n=$1
	shift
	nsenter "--net=/run/netns/$(lab_ns "$n")" "$@"
}
lab_ballast() { lab_x lb "$LAB_BALLAST" "$@"; }
lab_be_addr4() { printf '10.201.0.1%s' "${1#be}"; }
lab_be_addr6() { printf 'fd00:201::1%s' "${1#be}"; }

lab_log() { printf 'lab: %s\n' "$*" >&2; }

# Remove what a run left behind: every namespace named PREFIX* (processes
# in it first) and the pin directory.
lab_down() {
	local n ns pids
	if [[ -e /run/netns/$(lab_ns lb) ]]; then
		lab_ballast apply -c "$LAB_DIR/applied.yaml" --detach \
			>/dev/null 2>&1 || true
	fi
	for n in "${LAB_BACKENDS[@]}"; do
		[[ -e /run/netns/$(lab_ns "$n") ]] &&
			lab_x "$n" "$LAB_BALLAST" decap detach eth0 \
				--pin-path "$LAB_PINS/$n" >/dev/null 2>&1
	done
	for n in "${LAB_NODES[@]}"; do
		ns=$(lab_ns "$n")
		[[ -e /run/netns/$ns ]] || continue
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[[ -n "$pids" ]] && kill -9 $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	# Pins of links whose interface is gone (a killed run) go with the files.
	[[ -n "$LAB_PINS" && -d "$LAB_PINS" ]] && rm -rf "$LAB_PINS" 2>/dev/null
	return 0
}

# lab_link NODE MTU: a veth pair, eth0 in NODE, its peer on the switch.
lab_link() {
	local n=$1 mtu=$2 port=p-$1
	ip -n "$(lab_ns sw)" link add "$port" mtu 1600 type veth peer name eth0 \
		netns "$(lab_ns "$n")" mtu "$mtu" || return 1
	ip -n "$(lab_ns sw)" link set "$port" master br0 up
	ip -n "$(lab_ns "$n")" link set eth0 up
	ip -n "$(lab_ns "$n")" link set lo up
}

lab_sysctl() {
	local n=$1
	shift
	lab_x "$n" sysctl -qw "$@" >/dev/null
}

lab_mac() { ip -n "$(lab_ns "$1")" -o link show eth0 2>/dev/null | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }

# lab_switch_up: a namespace for every node of LAB_NODES (rp_filter off)
# and the bridge br0 in sw that lab_link plugs them into.
lab_switch_up() {
	local n
	for n in "${LAB_NODES[@]}"; do
		ip netns add "$(lab_ns "$n")" || return 1
		lab_sysctl "$n" net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
	done
	ip -n "$(lab_ns sw)" link add br0 type bridge || return 1
	ip -n "$(lab_ns sw)" link set br0 up
}

# lab_up MODE (dsr or nat): the namespaces, addresses, routes, decap on the
# backends (DSR) and a server on each backend. Returns non-zero (with the
# reason logged) when something could not be created; call lab_down then.
lab_up() {
	LAB_MODE=$1
	local n a4 a6 mac deadline
	mkdir -p "$LAB_DIR" || return 1
	lab_switch_up || return 1
	# 1600 inside, 1500 at the client: room for DSR's outer header.
	lab_link client 1500 || return 1
	for n in lb "${LAB_BACKENDS[@]}"; do lab_link "$n" 1600 || return 1; done

	ip -n "$(lab_ns client)" addr add 10.200.0.2/24 dev eth0
	ip -n "$(lab_ns client)" addr add fd00:200::2/64 dev eth0 nodad
	ip -n "$(lab_ns client)" route add "$LAB_VIP4/32" via 10.200.0.1
	ip -n "$(lab_ns client)" route add "$LAB_VIP6/128" via fd00:200::1

	ip -n "$(lab_ns lb)" addr add 10.200.0.1/24 dev eth0
	ip -n "$(lab_ns lb)" addr add 10.201.0.1/24 dev eth0
	ip -n "$(lab_ns lb)" addr add fd00:200::1/64 dev eth0 nodad
	ip -n "$(lab_ns lb)" addr add fd00:201::1/64 dev eth0 nodad
	# bpf_fib_lookup needs forwarding; NAT replies are routed back out of
	# the interface they came in on, so no redirects; a DSR packet handed
	# to the kernel (neighbour unresolved) has our own tunnel source.
	lab_sysctl lb net.ipv4.conf.all.forwarding=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0 \
		net.ipv4.conf.eth0.accept_local=1

	# The flow table is per CPU, so a flow's packets must reach one CPU, as a
	# NIC's RSS ensures; a veth delivers on the sender's CPU, which changes
	# when the sender migrates. RPS steers by the flow hash instead. (`ip
	# netns exec` here on purpose: it mounts the namespace's own /sys.)
	local ncpu
	ncpu=$(nproc)
	((ncpu > 32)) && ncpu=32
	ip netns exec "$(lab_ns lb)" sh -c "printf %x $(((1 << ncpu) - 1)) \
		>/sys/class/net/eth0/queues/rx-0/rps_cpus" || return 1

	for n in "${LAB_BACKENDS[@]}"; do
		a4=$(lab_be_addr4 "$n")
		a6=$(lab_be_addr6 "$n")
		ip -n "$(lab_ns "$n")" addr add "$a4/24" dev eth0
		ip -n "$(lab_ns "$n")" addr add "$a6/64" dev eth0 nodad
		lab_sysctl "$n" net.ipv4.conf.all.accept_redirects=0 \
			net.ipv6.conf.all.accept_redirects=0 \
			net.ipv6.conf.eth0.accept_redirects=0
		if [[ $LAB_MODE == dsr ]]; then
			ip -n "$(lab_ns "$n")" addr add "$LAB_VIP4/32" dev lo
			ip -n "$(lab_ns "$n")" addr add "$LAB_VIP6/128" dev lo nodad
			lab_sysctl "$n" net.ipv4.conf.all.arp_ignore=1 \
				net.ipv4.conf.all.arp_announce=2
			ip -n "$(lab_ns "$n")" route add 10.200.0.0/24 dev eth0
			ip -n "$(lab_ns "$n")" route add fd00:200::/64 dev eth0
			lab_x "$n" "$LAB_BALLAST" decap attach eth0 "$a4" "$a6" \
				--pin-path "$LAB_PINS/$n" >>"$LAB_DIR/lab.log" 2>&1 ||
				{ lab_log "decap on $n failed: $(tail -1 "$LAB_DIR/lab.log")"; return 1; }
			lab_x "$n" setsid python3 "$LAB_PY" serve "$n" "$a4" "$a6" \
				"$LAB_VIP4" "$LAB_VIP6" >"$LAB_DIR/$n.log" 2>&1 &
		else
			ip -n "$(lab_ns "$n")" route add default via 10.201.0.1
			ip -n "$(lab_ns "$n")" route add default via fd00:201::1
			lab_x "$n" setsid python3 "$LAB_PY" serve "$n" "$a4" "$a6" \
				>"$LAB_DIR/$n.log" 2>&1 &
		fi
		# The forwarder looks next hops up in the neighbour table.
		mac=$(lab_mac "$n")
		ip -n "$(lab_ns lb)" neigh replace "$a4" lladdr "$mac" dev eth0 nud permanent
		ip -n "$(lab_ns lb)" neigh replace "$a6" lladdr "$mac" dev eth0 nud permanent
	done
	deadline=$((SECONDS + 15))
	for n in "${LAB_BACKENDS[@]}"; do
		until grep -q ready "$LAB_DIR/$n.log" 2>/dev/null; do
			if ((SECONDS > deadline)); then
				lab_log "the server on $n did not start: $(tail -2 "$LAB_DIR/$n.log")"
				return 1
			fi
			sleep 0.1
		done
	done
}

# lab_conf OUT [EDIT...]: dist/examples/lab.yaml for this lab, edited:
#   mode=dsr|nat   pins=DIR   ring=N   max_reals=N
#   beN=W (weight of backend N in every pool)   drop=beN (remove it)
lab_conf() {
	local out=$1
	shift
	awk -v edits="$* pins=$LAB_PINS/lb mode=$LAB_MODE" '
	BEGIN {
		n = split(edits, e, " ")
		for (i = n; i >= 1; i--) {   # the first edit of a key wins
			split(e[i], kv, "=")
			set[kv[1]] = kv[2]
		}
	}
	/# be[0-9]/ {
		match($0, /# be[0-9]/)
		be = substr($0, RSTART + 2, 3)
		if (set["drop"] == be) { skip = 1; next }
		skip = 0
		print
		next
	}
	skip && /^ +weight:/ { skip = 0; next }
	/^ +weight:/ && be in set { sub(/weight: [0-9]+/, "weight: " set[be]) }
	/^ +forwarding:/ { sub(/forwarding: [a-z]+/, "forwarding: " set["mode"]) }
	/^ +pin_path:/ { sub(/pin_path: .*/, "pin_path: " set["pins"]) }
	/^ +ring_size:/ && ("ring" in set) { sub(/ring_size: [0-9]+/, "ring_size: " set["ring"]) }
	/^ +max_reals:/ && ("max_reals" in set) { sub(/max_reals: [0-9]+/, "max_reals: " set["max_reals"]) }
	{ skip = 0; print }
	' "$LAB_HERE/../../dist/examples/lab.yaml" >"$out"
}

# lab_apply CONF [ARGS...]: apply in the lb namespace; remembers CONF for
# lab_down's --detach.
lab_apply() {
	local conf=$1
	shift
	cp "$conf" "$LAB_DIR/applied.yaml"
	lab_ballast apply -c "$conf" "$@"
}

# lab_reap BASE: the namespaces of earlier runs named BASE<pid>-* (LAB_PREFIX
# BASE$$-) whose process is gone (a killed run), and their processes.
# check NAME COND...: a suite's check; on failure the tail of $out says why.
check() { # check NAME COND...
	local name=$1
	shift
	if "$@"; then t_pass "$name"; else t_fail "$name" "$(tail -5 "$out" 2>/dev/null)"; fi
}

lab_reap() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | grep -o "^$1[0-9]*-[a-z0-9]*"); do
		pid=${ns#"$1"}
		pid=${pid%%-*}
		kill -0 "$pid" 2>/dev/null && continue
		lab_stale_ns "$ns"
	done
}

# lab_poll SECONDS CMD...: until CMD succeeds, at most SECONDS.
lab_poll() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" 2>/dev/null; do
		((SECONDS >= deadline)) && return 1
		sleep 0.1
	done
}

# lab_stale_clean PATTERN: delete namespaces matching PATTERN (a prefix glob
# whose owner is gone), and their processes.
lab_stale_ns() {
	local ns pids
	for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		# shellcheck disable=SC2254
		case $ns in $1) ;; *) continue ;; esac
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[[ -n "$pids" ]] && kill -9 $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
}
