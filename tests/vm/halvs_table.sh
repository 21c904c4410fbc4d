#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The table of make bench-ha-lvs from the VM's console log: the ROW: lines
# tests/vm/halvs.sh printed, one per failover
#   ROW: VARIANT I EV_IPVS DAEMON STATE BEFORE AFTER GAP POLLS
# summed up per variant (median / max over the failovers).
#   halvs_table.sh CONSOLE_LOG
set -euo pipefail
log=$1
rows=$(sed -n 's/^ROW: //p' "$log")
if [[ -z $rows ]]; then
	echo "bench-ha-lvs: no failover was measured (see $log)" >&2
	exit 1
fi

# shellcheck source=tests/lib/stats.sh
. "$(dirname "$0")/../lib/stats.sh"
# stats VARIANT FIELD [ok]: "median / max (n=N)" of a column, "-" left out;
# with ok, only the failovers whose flow survived.
stats() {
	local m x n
	read -r m x n < <(awk -v v="$1" -v f="$2" -v only="${3:-}" '
		$1 == v && $f != "-" && (only == "" || $5 == "ok") { print $f }' <<<"$rows" |
		median_max 1)
	if ((n == 0)); then echo -; else echo "$m / $x (n=$n)"; fi
}

echo
echo "HA failovers in the VM (6.1 kernel, qemu TCG): keepalived SIGTERM on the master,"
echo "VRRP v3 with 100 ms adverts, IPVS DR with mh, an echo flow of 64 B every 10 ms;"
echo "-stop: keepalived frozen by SIGSTOP instead (no goodbye advert, lb1 keeps VIP and IPVS);"
echo "the flow is 1.2 s old at the failover (2.5 s with connection sync)"
# one row per variant
fmt='%-25s %-11s %-6s %-15s %-15s %-8s %-7s %-20s %-7s %-6s\n'
printf "$fmt" variant "backup's" "IPVS" "event->IPVS" "daemon ev->" "flow on" resets \
	"stall ms (ok flows)" "B 1 s" "B 1 s"
printf "$fmt" "" "IPVS" "at 1st" "ms med / max" "prog med / max" "lb2" "" \
	"median / max" "before" "after"
for v in $(awk '{ print $1 }' <<<"$rows" | uniq); do
	total=$(awk -v v="$v" '$1 == v' <<<"$rows" | wc -l)
	resets=$(awk -v v="$v" '$1 == v && $5 != "ok"' <<<"$rows" | wc -l)
	held=$(sed -n "s/^INFO: $v: lb2's IPVS while backup: //p" "$log")
	synced=-
	if grep -q "^INFO: $v [0-9]*: lb2 has" "$log"; then
		synced="$(grep -c "^INFO: $v [0-9]*: lb2 has the flow" "$log" || true)/$total"
	fi
	first=$(awk -v v="$v" '$1 == v && $9 == 1' <<<"$rows" | wc -l)
	printf "$fmt" "$v" "${held:--}" "$first/$total" "$(stats "$v" 3 | sed 's/ (n=.*//')" \
		"$(stats "$v" 4 | sed 's/ (n=.*//')" "$synced" "$resets/$total" "$(stats "$v" 8 ok)" \
		"$(stats "$v" 6 | sed 's/ (n=.*//; s/ \/.*//; s/\.0$//')" \
		"$(stats "$v" 7 | sed 's/ (n=.*//; s/ \/.*//; s/\.0$//')"
done
