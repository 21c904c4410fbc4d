# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Steps the HA suite (tests/ha/run.sh) and benchmark (tests/ha/bench.sh)
# share, on top of the lab of tests/ha/halab.sh: start the pair, fail over
# with measurements, carry a connection across a failover, FRR's vrrpd,
# VRRP blocked by nft. Every wait is bounded.

HA_MACVLAN=vrrp4-$HA_VRID

ha_log() { printf 'info: %s\n' "$*"; }

# ha_start STANDBY: the lab, both daemons, keepalived on lb1 (master once it
# holds the VIP), then on lb2 (backup once it says so).
ha_start() {
	local n
	ha_up || return 1
	for n in "${HA_LBS[@]}"; do ha_conf "$n" "$1" || return 1; done
	for n in "${HA_LBS[@]}"; do
		ha_daemon "$n" || { lab_log "the daemon on $n did not start: $(tail -3 "$HA_DIR/$n.daemon.log")"; return 1; }
	done
	# Both nodes' rings must agree: every real up on both.
	for n in "${HA_LBS[@]}"; do
		wait_for 5000 ha_status_is "$n" .counts.reals_up 4 ||
			{ lab_log "the reals are not all up on $n: $(ha_status "$n" .counts)"; return 1; }
	done
	ka_start lb1 || return 1
	wait_for 5000 ha_vip_on lb1 ||
		{ lab_log "keepalived on lb1 did not take the VIP: $(tail -3 "$HA_DIR/ka-lb1.log")"; return 1; }
	ka_start lb2 || return 1
	wait_for 5000 grep -q 'Entering BACKUP STATE' "$HA_DIR/ka-lb2.log" ||
		{ lab_log "keepalived on lb2 is not backup: $(tail -3 "$HA_DIR/ka-lb2.log")"; return 1; }
}

# ---- the event stream ---------------------------------------------------------

# ha_events NODE: the node's events so far, one JSON object a line, with
# "kind" set to the SSE event name when the data does not carry one.
ha_events() {
	awk -v OFS='\t' '/^event: /{ ev = $2 } /^data: /{ sub(/^data: /, ""); print ev, $0 }' \
		"$HA_DIR/$1.events" 2>/dev/null |
		jq -cR 'split("\t") as $p | ($p[1] | fromjson? // {}) as $d | $d + {kind: ($d.kind // $p[0])}'
}
ha_event_count() { ha_events "$1" | wc -l; }
# ha_last_event NODE KIND [AFTER]: the last KIND event (after the first AFTER).
ha_last_event() {
	ha_events "$1" | tail -n "+$((${3:-0} + 1))" |
		jq -c --arg k "$2" 'select(.kind == $k)' | tail -1
}
ha_has_event() { [[ -n $(ha_last_event "$@") ]]; }

# ---- a failover, measured -------------------------------------------------------

# ha_failover FROM TO [SIGNAL]: (HA_PRE_STOP evaluated first) stop
# keepalived on FROM (SIGTERM: it sends a priority 0 advert and removes the
# VIP) and measure TO taking over:
#   HA_T_LAT   the ha_programmed event's latency_ms on TO (kernel event read
#              to scoped pass applied, the daemon's own measure)
#   HA_T_ADDR  wall clock (us) the VIP's RTM_NEWADDR was read in TO
#   HA_T_MAPS  wall clock (us) the echo service was seen in TO's maps
#              (warm: at once, it is there all along); both from one loop
#              of `hamaps failover` polling every 100 us
#   HA_T_EXT   HA_T_MAPS - HA_T_ADDR in ms (meaningful for withdraw only)
#   HA_T_HAND  the handover: keepalived signalled on FROM -> HA_T_ADDR, ms
ha_failover() {
	local from=$1 to=$2 mw n0 d=$HA_DIR
	local t_stop
	HA_T_LAT='' HA_T_ADDR='' HA_T_MAPS='' HA_T_EXT='' HA_T_HAND=''
	: >"$d/mapsw.log"
	nsenter "--net=$(ha_netns "$to")" "$HA_MAPS" "$(ha_maps "$to")" failover 7000 \
		"$HA_VIP" 5000 >"$d/maps.$to" 2>"$d/mapsw.log" &
	mw=$!
	wait_for 5000 grep -q polling "$d/mapsw.log"
	n0=$(ha_event_count "$to")
	[[ -n ${HA_PRE_STOP:-} ]] && eval "$HA_PRE_STOP"
	t_stop=$(date +%s%6N)
	ka_stop "$from" "${3:-TERM}"
	wait "$mw" && read -r HA_T_ADDR HA_T_MAPS <"$d/maps.$to"
	wait_for 3000 ha_has_event "$to" ha_programmed "$n0"
	HA_T_LAT=$(ha_events "$to" | tail -n "+$((n0 + 1))" |
		jq -r 'select(.kind == "ha_programmed" and .state == "active") | .latency_ms' | head -1)
	if [[ -n $HA_T_MAPS && -n $HA_T_ADDR ]]; then
		HA_T_EXT=$(awk -v a="$HA_T_ADDR" -v m="$HA_T_MAPS" 'BEGIN { printf "%.2f", (m - a) / 1000 }')
		HA_T_HAND=$(awk -v a="$HA_T_ADDR" -v s="$t_stop" 'BEGIN { printf "%.1f", (a - s) / 1000 }')
	fi
	printf 'failover %s -> %s: latency_ms %s, external %s ms, handover %s ms\n' \
		"$from" "$to" "${HA_T_LAT:-?}" "${HA_T_EXT:-?}" "${HA_T_HAND:-?}"
}

# ha_reconf STANDBY PROVIDER: both nodes' configs rewritten (renamed into
# place) and reloaded: a new generation, loaded without error.
ha_reconf() {
	local n g
	declare -A gen=()
	for n in "${HA_LBS[@]}"; do gen[$n]=$(ha_status "$n" .config.generation); done
	for n in "${HA_LBS[@]}"; do ha_conf "$n" "$1" "$2" || return 1; done
	for n in "${HA_LBS[@]}"; do
		g=${gen[$n]}
		wait_for 5000 eval "(( \$(ha_status $n .config.generation) > $g ))" ||
			{ echo "$n did not reload: $(ha_status "$n" .reload)"; return 1; }
		ha_status_is "$n" .reload.last_result ok ||
			{ echo "$n refused the config: $(ha_status "$n" .reload)"; return 1; }
	done
}

# ha_flow_real NODE SPORT: the real NODE's forwarder picks for the client's
# connection from SPORT to the VIP's echo port (GET /api/v1/flow).
ha_flow_real() {
	ha_api "$1" "/api/v1/flow?src=$(ha_addr client):$2&dst=$HA_VIP:7000&proto=tcp" |
		jq -r '.data.real // empty'
}
ha_svc_packets() { "$HA_MAPS" "$(ha_maps "$1")" packets 7000; }

# ha_flow_field N: field N of the flow client's status line.
ha_flow_field() { awk -v n="$1" '{ print $n }' "$HA_DIR/flow.status" 2>/dev/null; }
ha_flow_echoed_ge() { local e; e=$(ha_flow_field 3); [[ -n $e ]] && ((e >= $1)); }

# ha_flow_start: one echo connection from the client through the VIP;
# returns once 0.5 s of it went through (HA_FLOW_PID, HA_FLOW_SPORT). It ends
# itself 1 s after the mark (SIGUSR1 to HA_FLOW_PID, sent at the failover).
ha_flow_start() {
	rm -f "$HA_DIR/flow.status"
	nsenter "--net=$(ha_netns client)" python3 "$HA_FLOW" flow "$HA_VIP" 7000 \
		"$HA_DIR/flow.status" 20 1 >"$HA_DIR/flow.log" 2>&1 &
	HA_FLOW_PID=$!
	wait_for 5000 ha_flow_echoed_ge 3200 || return 1
	HA_FLOW_SPORT=$(ha_flow_field 8)
}

# ha_flow_finish: wait for the connection's end and write
# $HA_DIR/flow.result "NAME BEFORE AFTER STATE GAP_MS SENT_AFTER SHORT":
# bytes echoed before and after the mark, the longest wait between two
# echoes after it, and how many bytes the 1 s after it fell short of the
# steady 6400 B/s.
ha_flow_finish() {
	local s
	wait_for 5000 eval "! kill -0 $HA_FLOW_PID" || kill "$HA_FLOW_PID" 2>/dev/null
	wait "$HA_FLOW_PID" 2>/dev/null
	s=$(cat "$HA_DIR/flow.status")
	echo "flow: $s"
	# NAME SENT ECHOED STATE SENT_MARK ECHOED_MARK GAP SPORT
	awk '{ short = 6400 - ($3 - $6); if (short < 0) short = 0
		print $1, $6, $3 - $6, $4, $7, $2 - $5, short }' <<<"$s" >"$HA_DIR/flow.result"
}

# ha_flow_across FROM TO: a connection across keepalived's stop on FROM.
# Besides flow.result, $HA_DIR/flow.reals has the real each node's forwarder
# picks for it before the failover ("FROM_REAL TO_REAL"), and
# $HA_DIR/flow.topkts the packets TO's echo service counted meanwhile.
ha_flow_across() {
	local from=$1 to=$2 p0
	ha_flow_start || return 1
	echo "$(ha_flow_real "$from" "$HA_FLOW_SPORT") $(ha_flow_real "$to" "$HA_FLOW_SPORT")" \
		>"$HA_DIR/flow.reals"
	p0=$(ha_svc_packets "$to")
	kill -USR1 "$HA_FLOW_PID"
	ka_stop "$from"
	wait_for 5000 ha_vip_on "$to"
	ha_flow_finish
	echo $(($(ha_svc_packets "$to") - p0)) >"$HA_DIR/flow.topkts"
}

# ---- FRR ---------------------------------------------------------------------

# ha_carrier NODE: the VRRP macvlan is up with carrier; ha_protodown NODE:
# vrrpd holds it protodown (the backup).
ha_carrier() { ip -n "$(lab_ns "$1")" -o link show dev "$HA_MACVLAN" | grep -q 'LOWER_UP'; }
ha_protodown() { ip -n "$(lab_ns "$1")" -d -o link show dev "$HA_MACVLAN" | grep -q 'protodown on'; }

# frr_conf NODE: zebra's config, and vrrpd's: `hostname`, then the block
# `ballast vrrp patch-frr` appends (exit 2: the file changed).
frr_conf() {
	local n=$1 d rc=0
	d=$(frr_dir "$n")
	printf 'hostname %s\n' "$n" >"$d/zebra.conf"
	printf 'hostname %s\n' "$n" >"$d/vrrpd.conf"
	"$HA_BALLAST" vrrp patch-frr "$d/vrrpd.conf" -c "$HA_DIR/$n.yaml" \
		--node "$n" || rc=$?
	((rc == 2)) || { echo "patch-frr on $n: exit $rc"; return 1; }
	chown -R frr:frr "$d"
}

# ha_frr_start: keepalived stopped, the configs say provider frr, and in
# each LB node a macvlan (mode bridge, the VRRP virtual MAC, the VIP on it;
# arp_ignore=1 on the parent so only the macvlan answers for the VIP), zebra
# and vrrpd with their own pid files, sockets and configs.
ha_frr_start() {
	local n d ns mac
	mac=$(printf '00:00:5e:00:01:%02x' "$HA_VRID")
	for n in "${HA_LBS[@]}"; do ka_stop "$n"; done
	ha_reconf withdraw frr || return 1
	for n in "${HA_LBS[@]}"; do
		ns=$(lab_ns "$n")
		d=$(frr_dir "$n")
		mkdir -p "$d"
		lab_sysctl "$n" net.ipv4.conf.eth0.arp_ignore=1
		ip -n "$ns" link add "$HA_MACVLAN" link eth0 address "$mac" type macvlan mode bridge || return 1
		ip -n "$ns" addr add "$HA_VIP/32" dev "$HA_MACVLAN" || return 1
		ip -n "$ns" link set "$HA_MACVLAN" up || return 1
		frr_conf "$n" || return 1
		nsenter "--net=$(ha_netns "$n")" /usr/lib/frr/zebra -d -P 0 -f "$d/zebra.conf" \
			-i "$d/zebra.pid" -z "$d/zserv.api" --vty_socket "$d" \
			--log "file:$d/zebra.log" || return 1
		wait_for 5000 test -S "$d/zserv.api" || { echo "zebra on $n: no zserv.api"; return 1; }
		nsenter "--net=$(ha_netns "$n")" /usr/lib/frr/vrrpd -d -P 0 -f "$d/vrrpd.conf" \
			-i "$d/vrrpd.pid" -z "$d/zserv.api" --vty_socket "$d" \
			--log "file:$d/vrrpd.log" || return 1
	done
}

ha_frr_stop() {
	local n
	for n in "${HA_LBS[@]}"; do
		frr_stop "$n"
		ip -n "$(lab_ns "$n")" link del "$HA_MACVLAN" 2>/dev/null
		lab_sysctl "$n" net.ipv4.conf.eth0.arp_ignore=0
	done
	return 0
}

# ---- VRRP blocked ------------------------------------------------------------

# ha_nft_vrrp NODE drop|accept: drop (or stop dropping) IP protocol 112 on
# NODE's input.
ha_nft_vrrp() {
	if [[ $2 == drop ]]; then
		nsenter "--net=$(ha_netns "$1")" nft -f - <<EOF
table ip hatest {
	chain input {
		type filter hook input priority filter; policy accept;
		ip protocol 112 drop
	}
}
EOF
	else
		nsenter "--net=$(ha_netns "$1")" nft delete table ip hatest
	fi
}

# ha_ring_counts FILE: "REAL SLOTS, ..." of the first ring in a rings dump.
ha_ring_counts() {
	head -1 "$1" | awk '{ for (i = 5; i <= NF; i++) c[$i]++ }
		END { for (r in c) { printf "%s%s %d", sep, r, c[r]; sep = ", " } }'
}
