#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench-ha`: keepalived failovers in the HA lab (tests/ha/halab.sh),
# N of them (20 by default, HA_BENCH_N) with standby: withdraw, then N with
# standby: warm. Each failover stops keepalived on lb1 (SIGTERM) while an
# echo connection runs from the client through the VIP, then starts it
# again (failback, not measured). Per mode:
#   - the daemon's own latency, kernel event read -> scoped pass applied
#     (latency_ms of lb2's ha_programmed event);
#   - the same from outside: the VIP's RTM_NEWADDR read in lb2 -> the echo
#     service present in lb2's pinned maps, both seen by one loop polling
#     every 100 us (hamaps failover); only withdraw, warm has it programmed
#     all along;
#   - keepalived's handover: SIGTERM on lb1 -> the VIP added on lb2;
#   - the connection across the failover: resets, the longest wait between
#     two echoes after it (stall), and the bytes the 1 s after it fell short
#     of the steady 6400 B/s.
# Usage: bench.sh BALLAST HAMAPS. Needs root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[[ $(id -u) -eq 0 ]] || { echo "bench-ha: needs root (bpf, network namespaces)" >&2; exit 1; }
for c in ip nsenter unshare python3 curl jq keepalived; do
	command -v $c >/dev/null || { echo "bench-ha: $c missing (make deps)" >&2; exit 1; }
done
[[ $# -eq 2 ]] || { echo "usage: bench.sh BALLAST HAMAPS" >&2; exit 1; }
B=$(realpath "$1")
HA_MAPS=$(realpath "$2")
N=${HA_BENCH_N:-20}

if [[ -z "${BALLAST_LAB_INNER:-}" ]]; then
	BALLAST_LAB_INNER=1 exec unshare --mount --propagation private "$0" "$@"
fi

ha_env_fail() { echo "bench-ha: $1" >&2; exit 1; }
HA_BASE=hab
# shellcheck source=tests/ha/env.sh
. "$here/env.sh"
rows=$tmp/rows

# shellcheck source=tests/lib/stats.sh
. "$here/../lib/stats.sh"
# stats FIELD MODE [FILTER]: "median max n" of a column of $rows for MODE
# (rows with "-" there are left out).
stats() {
	awk -v f="$1" -v m="$2" -v only="${3:-}" '
		$1 == m && $f != "-" && (only == "" || $6 == only) { print $f }' "$rows" |
		median_max
}

# failback: keepalived on lb1 again, the pair back where it started; says
# what did not happen.
failback() {
	ka_start lb1
	wait_for 5000 ha_vip_on lb1 || { echo "the VIP is not on lb1"; return 1; }
	wait_for 5000 eval '! ha_vip_on lb2' || { echo "the VIP stays on lb2"; return 1; }
	wait_for 5000 lab_status_is lb2 .ha.state standby ||
		{ echo "lb2 is not standby: $(lab_status lb2 .ha)"; return 1; }
	if [[ $mode == withdraw ]]; then
		wait_for 5000 ha_withdrawn lb2 7000 || { echo "lb2 keeps its services"; return 1; }
	fi
	wait_for 5000 ha_programmed lb1 7000 || { echo "lb1 has no services"; return 1; }
}

: >"$rows"
for mode in withdraw warm; do
	ha_down
	if ! ha_start "$mode" >"$tmp/out" 2>&1; then
		echo "bench-ha: the lab did not come up ($mode): $(tail -3 "$tmp/out")" >&2
		exit 1
	fi
	for ((i = 1; i <= N; i++)); do
		if ! ha_flow_start; then
			echo "bench-ha: $mode #$i: the echo connection did not start: $(cat "$HA_DIR/flow.log")" >&2
			exit 1
		fi
		HA_PRE_STOP="kill -USR1 $HA_FLOW_PID" ha_failover lb1 lb2 >"$tmp/out" 2>&1
		ha_flow_finish >/dev/null
		read -r _ _ _ f_state f_gap _ f_short <"$HA_DIR/flow.result"
		[[ $mode == warm ]] && HA_T_EXT=
		# MODE I LAT EXT GAP STATE SHORT HANDOVER
		echo "$mode $i ${HA_T_LAT:--} ${HA_T_EXT:--} $f_gap $f_state $f_short ${HA_T_HAND:--}" | tee -a "$rows"
		if ! failback >"$tmp/out" 2>&1; then
			echo "bench-ha: $mode #$i: no failback: $(cat "$tmp/out")" >&2
			tail -5 "$HA_DIR/lb1.daemon.log" >&2
			exit 1
		fi
	done
done

echo
echo "HA failovers: keepalived SIGTERM on the master, VRRP v3, 100 ms adverts; $N per mode"
echo "(median / max; stall over the connections that survived)"
fmt='%-9s %-18s %-16s %-16s %-7s %-16s %-14s\n'
printf "$fmt" standby "event->programmed" "event->maps" "SIGTERM->VIP" resets "stall ms" "bytes short"
printf "$fmt" "" "(daemon) ms" "(outside) ms" "on lb2, ms" "" "" "in 1 s after"
for mode in withdraw warm; do
	read -r lm lx _ <<<"$(stats 3 "$mode")"
	read -r em ex _ <<<"$(stats 4 "$mode")"
	read -r gm gx _ <<<"$(stats 5 "$mode" ok)"
	read -r sm sx _ <<<"$(stats 7 "$mode")"
	read -r hm hx _ <<<"$(stats 8 "$mode")"
	resets=$(awk -v m="$mode" '$1 == m && $6 != "ok"' "$rows" | wc -l)
	ext="$em / $ex"
	[[ $mode == warm ]] && ext="(all along)"
	printf "$fmt" "$mode" "$lm / $lx" "$ext" "$hm / $hx" "$resets/$N" "$gm / $gx" "$sm / $sx"
done
