#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The fake dataplane at the size of a real table: 1,000 services x 100 reals
# (100,000 reals) applied, planned, changed by 1 % and applied again, each
# within a bound several times what it takes (plan: about a second on a loaded
# 2-core machine; it took 14 s when the state file was read a byte per read(2)
# and loaded twice). Figures and commands: Docs/BENCHMARKS.md.
set -u
cd "$(dirname "$0")/../.."
source tests/lib/result.sh

bin=${1:-./ballast}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export BALLAST_RUN_DIR=$work/run
state=$work/state.json
fake=(--dataplane fake --state "$state")
PLAN_BOUND=5
APPLY_BOUND=10
SETUP_BOUND=60

python3 tests/bench/gen_config.py --driver fake --services 1000 --backends 100 >"$work/big.yaml"
# 1 % of the reals change weight (the first backend of every pool).
sed 's/weight: 50}/weight: 49}/' "$work/big.yaml" >"$work/changed.yaml"

# bounded NAME SECONDS WANT-EXIT CMD...: the command exits WANT within SECONDS.
bounded() {
	local name=$1 secs=$2 want=$3 rc start=$SECONDS
	shift 3
	timeout "$secs" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	if [[ $rc -eq $want ]]; then
		t_pass "$name ($((SECONDS - start)) s, bound $secs s)"
	elif [[ $rc -eq 124 ]]; then
		t_fail "$name" "not done within $secs s"
	else
		t_fail "$name" "exit $rc, wanted $want: $(head -c 400 "$work/err")"
	fi
}

bounded "apply 100,000 reals to an empty fake dataplane" $SETUP_BOUND 0 \
	$bin apply -c "$work/big.yaml" "${fake[@]}"
bounded "plan of 100,000 reals: in sync" $PLAN_BOUND 0 \
	$bin plan -c "$work/big.yaml" "${fake[@]}"
bounded "plan of 100,000 reals: 1 % changed" $PLAN_BOUND 2 \
	$bin plan -c "$work/changed.yaml" "${fake[@]}"
[[ $(grep -c '^~ real' "$work/out") -eq 1000 ]] && t_pass "the plan changes 1,000 weights" ||
	t_fail "the plan changes 1,000 weights" "$(grep -c '^~ real' "$work/out") changes"
bounded "apply 1 % of 100,000 reals changed" $APPLY_BOUND 0 \
	$bin apply -c "$work/changed.yaml" "${fake[@]}"
bounded "plan after the change: in sync" $PLAN_BOUND 0 \
	$bin plan -c "$work/changed.yaml" "${fake[@]}"

t_done cli-scale
