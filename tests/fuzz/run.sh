#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# run.sh FUZZER SECONDS: fuzz the configuration loader from a seed corpus of
# the shipped examples and the test corpus. Fails on any crash, sanitizer
# report or leak. Findings are kept in build/fuzz/findings/.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/tests/lib/result.sh"

bin=${1:?usage: run.sh FUZZER SECONDS}
secs=${2:?usage: run.sh FUZZER SECONDS}
[[ "$bin" = /* ]] || bin="$PWD/$bin"
findings="$root/build/fuzz/findings"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$findings"

# Seeds: every example and corpus file, plus the grammar's keywords so the
# fuzzer reaches deep keys sooner.
n=0
for f in "$root"/dist/examples/*.yaml "$root"/tests/configs/*/*.yaml; do
	[[ -f "$f" ]] || continue
	cp "$f" "$work/corpus/seed-$n.yaml"
	n=$((n + 1))
done
dict="$here/config.dict"

args=(-max_total_time="$secs" -detect_leaks=1 -max_len=16384 -timeout=10
      -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$findings/")
[[ -f "$dict" ]] && args+=(-dict="$dict")

echo "fuzz: $n seeds, ${secs}s"
if (cd "$work" && "$bin" "${args[@]}" "$work/corpus" >"$work/log" 2>&1); then
	grep -E '^(stat::number_of_executed_units|#[0-9]+.*DONE)' "$work/log" | tail -2
	t_pass "fuzz config loader ${secs}s, no crash or leak"
else
	tail -40 "$work/log"
	t_fail "fuzz config loader" "finding saved in $findings"
fi
t_done fuzz
