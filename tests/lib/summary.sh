#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Add up every suite's recorded counts and print the closing line.
set -u
dir=$1
p=0 f=0 s=0
printf '\n==== summary ====\n'
for r in "$dir"/*.res; do
	[[ -e "$r" ]] || continue
	read -r a b c <"$r"
	printf '  %-24s %5d passed %3d failed %3d skipped\n' "$(basename "$r" .res)" "$a" "$b" "$c"
	p=$((p + a)) f=$((f + b)) s=$((s + c))
done
echo "$p passed, $f failed, $s skipped"
[[ $f -eq 0 && $p -gt 0 ]]
