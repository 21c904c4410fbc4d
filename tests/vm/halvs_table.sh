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

# stats VARIANT FIELD [ok]: "median / max (n=N)" of a column, "-" left out;
# with ok, only the failovers whose flow survived.
stats() {
	awk -v v="$1" -v f="$2" -v only="${3:-}" '
		$1 == v && $f != "-" && (only == "" || $5 == "ok") { x[n++] = $f + 0 }
		END {
			if (!n) { print "-"; exit }
			for (i = 1; i < n; i++)
				for (j = i; j > 0 && x[j - 1] > x[j]; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
			m = n % 2 ? x[(n - 1) / 2] : (x[n / 2 - 1] + x[n / 2]) / 2
			printf "%.1f / %.1f (n=%d)\n", m, x[n - 1], n
		}' <<<"$rows"
}

echo
echo "HA failovers in the VM (6.1 kernel, qemu TCG): keepalived SIGTERM on the master,"
echo "VRRP v3 with 100 ms adverts, IPVS DR with mh, an echo flow of 64 B every 10 ms;"
echo "-stop: keepalived frozen by SIGSTOP instead (no goodbye advert, lb1 keeps VIP and IPVS)"
# one row per variant
fmt='%-25s %-11s %-10s %-19s %-19s %-7s %-20s %-12s %-12s\n'
printf "$fmt" variant "backup's" "flow on" "event->IPVS ms" "daemon ev->prog" \
	resets "stall ms (ok flows)" "B 1 s" "B 1 s"
printf "$fmt" "" "IPVS" "lb2 before" "median / max" "ms median / max" \
	"" "median / max" "before" "after"
for v in $(awk '{ print $1 }' <<<"$rows" | uniq); do
	total=$(awk -v v="$v" '$1 == v' <<<"$rows" | wc -l)
	resets=$(awk -v v="$v" '$1 == v && $5 != "ok"' <<<"$rows" | wc -l)
	held=$(sed -n "s/^INFO: $v: lb2's IPVS while backup: //p" "$log")
	synced=-
	if grep -q "^INFO: $v [0-9]*: lb2 has" "$log"; then
		synced="$(grep -c "^INFO: $v [0-9]*: lb2 has the flow" "$log" || true)/$total"
	fi
	printf "$fmt" "$v" "${held:--}" "$synced" "$(stats "$v" 3 | sed 's/ (n=.*//')" \
		"$(stats "$v" 4 | sed 's/ (n=.*//')" "$resets/$total" "$(stats "$v" 8 ok)" \
		"$(stats "$v" 6 | sed 's/ (n=.*//; s/ \/.*//; s/\.0$//')" \
		"$(stats "$v" 7 | sed 's/ (n=.*//; s/ \/.*//; s/\.0$//')"
done
