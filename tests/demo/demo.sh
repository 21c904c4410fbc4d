#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make demo`: the configuration workflow end to end, without root, on the fake
# dataplane: validate → plan → apply → plan (in sync) → change a weight → plan →
# apply. The state of the fake dataplane lives in a temporary file.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=./ballast
example=dist/examples/small.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
state=$work/dataplane.json

# Bold commands on a terminal only: a file or a pipe gets plain text.
bold='' plain=''
if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
	bold=$'\033[1m' plain=$'\033[0m'
fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }

# What an exit status means for the command that returned it.
meaning() { # COMMAND STATUS
	case "$1:$2" in
	validate:0) echo "valid" ;;
	plan:0) echo "in sync" ;;
	plan:2) echo "changes pending" ;;
	apply:0) echo "converged" ;;
	*:0) echo "ok" ;;
	*) echo "failed" ;;
	esac
}

run() {
	step "$*"
	set +e
	"$@"
	rc=$?
	set -e
	echo "(exit $rc: $(meaning "$2" $rc))"
}

echo "Ballast demo on the fake dataplane (in-memory, persisted to a temp file)."
run $bin validate -c $example
run $bin plan -c $example --dataplane fake --state "$state"
run $bin apply -c $example --dataplane fake --state "$state"
run $bin plan -c $example --dataplane fake --state "$state"

# Change one backend's weight in a copy of the config and converge again.
sed -E '0,/- 10.0.1.1:80/s//- {address: 10.0.1.1, port: 80, weight: 0}/' $example >"$work/changed.yaml"
step "# drain the first backend (weight 0) in a copy of the config"
run $bin plan -c "$work/changed.yaml" --dataplane fake --state "$state"
run $bin apply -c "$work/changed.yaml" --dataplane fake --state "$state"
run $bin plan -c "$work/changed.yaml" --dataplane fake --state "$state"
