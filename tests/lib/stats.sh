# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Figures for the benchmark scripts' tables.

# median_max [DECIMALS]: the numbers on stdin, one a line, as "MEDIAN MAX N"
# (DECIMALS 2 by default; "- - 0" when there are none).
median_max() {
	sort -g | awk -v d="${1:-2}" '{ v[n++] = $1 }
		END {
			if (!n) { print "- - 0"; exit }
			med = n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
			printf "%." d "f %." d "f %d\n", med, v[n - 1], n
		}'
}
