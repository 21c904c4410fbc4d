#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_load_bounds.sh [BALLAST]
# What loading a file may cost is bounded by the file: `ballast validate` on
# a few MB of each costly shape stays within 20 times the file size of peak
# RSS (above what a tiny file takes) and within a generous time, and a file
# of nothing but '[' stops at the nesting limit at once. Each run is cut off
# after 60 s so a regression fails instead of hanging.
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/result.sh"
bin=${1:-./ballast}
timer=/usr/bin/time
gen=$here/../bench/gen_shapes.py

if [[ ! -x $timer ]]; then
	t_skip "load bounds" "needs $timer (Debian package 'time')"
	t_done load-bounds
	exit
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run FILE: sets rc, secs, kib, out (first stderr line of the validator).
run() {
	"$timer" -o "$tmp/time" -f '%e %M' timeout 60 "$bin" validate -c "$1" 2>"$tmp/err" >/dev/null
	rc=$?
	read -r secs kib < <(tail -1 "$tmp/time")
	out=$(head -c 300 "$tmp/err" | head -1)
}

printf 'version: 1\ndataplane: {driver: fake}\n' >"$tmp/tiny.yaml"
run "$tmp/tiny.yaml"
base=$kib

# check NAME SHAPE BYTES MAX_SECONDS EXPECTED_TEXT
check() {
	local name=$1 shape=$2 bytes=$3 max_s=$4 want=$5 f size limit
	f=$tmp/$shape.yaml
	python3 "$gen" "$shape" "$bytes" >"$f"
	size=$(stat -c %s "$f")
	limit=$((base + 20 * size / 1024))
	run "$f"
	if [[ $rc -ne 1 || $out != *"$want"* ]]; then
		t_fail "$name" "exit $rc, '$out'; expected exit 1 and '$want'"
	elif ((kib > limit)); then
		t_fail "$name" "peak RSS ${kib} KiB > ${limit} KiB (20 x $size bytes + $base KiB)"
	elif awk -v t="$secs" -v m="$max_s" 'BEGIN { exit !(t > m) }'; then
		t_fail "$name" "took ${secs} s > ${max_s} s"
	else
		t_pass "$name (${secs} s, ${kib} KiB for $size bytes)"
	fi
}

check "6 MB list of scalars" scalars 6000000 10 "3:1: error: unknown key 'bench'"
check "6 MB mapping" mapping 6000000 10 "3:1: error: unknown key 'bench'"
check "6 MB of one repeated key" keys 6000000 10 "5:3: error: duplicate key 'k'"
check "200 KB of '['" deep 200000 3 "1:65: error: lists and mappings nest deeper than 64 levels"
t_done load-bounds
