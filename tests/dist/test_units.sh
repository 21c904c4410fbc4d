#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The systemd units in dist/systemd/ pass `systemd-analyze verify` with no
# message at all, and their sandbox keeps the exposure `systemd-analyze
# security` computes at or below EXPOSURE_MAX. Works offline: no systemd as
# PID 1 is needed. ExecStart must name an existing executable, so the units
# are checked as copies that point at the binary just built.
#   tests/dist/test_units.sh ./ballast
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=tests/lib/result.sh
. "$src/tests/lib/result.sh"

bin=$(realpath "${1:?usage: test_units.sh BALLAST_BINARY}")
# 10 x the score: 2.5 when written; losing a hardening line raises it
EXPOSURE_MAX=30

if ! command -v systemd-analyze >/dev/null; then
	t_skip "systemd units" "systemd-analyze not installed (Debian package systemd)"
	t_done dist
	exit
fi

tmp=$(mktemp -d /tmp/ballast-units.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# A copy of a unit with the installed paths pointing at this build.
stage() {
	sed "s|/usr/sbin/ballast|$bin|g" "$1" >"$tmp/$(basename "$1")"
}

# verify NAME UNIT: pass when systemd-analyze exits 0 and says nothing.
verify() {
	local name=$1 unit=$2 out rc
	out=$(cd "$tmp" && systemd-analyze verify "$unit" 2>&1)
	rc=$?
	if [[ $rc -eq 0 && -z "$out" ]]; then
		t_pass "$name"
	else
		t_fail "$name" "exit $rc: $out"
	fi
}

units=("$src"/dist/systemd/*.service)
for u in "${units[@]}"; do
	stage "$u"
done
for u in "${units[@]}"; do
	name=$(basename "$u")
	case $name in
	*@.service) inst=${name/@/@test} ;; # a template is checked as an instance
	*) inst=$name ;;
	esac
	verify "$name passes systemd-analyze verify" "$tmp/$inst"

	out=$(systemd-analyze security --offline=yes --threshold=$EXPOSURE_MAX \
		"$tmp/$inst" 2>&1)
	rc=$?
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
	if [[ $rc -eq 0 && -n "$score" ]]; then
		t_pass "$name exposure $score within $((EXPOSURE_MAX / 10)).$((EXPOSURE_MAX % 10))"
	else
		t_fail "$name exposure" "exposure ${score:-?} over $EXPOSURE_MAX/10 (exit $rc)"
	fi
done

# The checks can fail: a typo'd key and a missing binary are reported, and a
# unit without its sandbox is over the exposure bound.
sed 's/^ProtectHome=yes/ProtectHome=yes\nProtectHomee=yes/' \
	"$tmp/ballast.service" >"$tmp/typo.service"
out=$(cd "$tmp" && systemd-analyze verify typo.service 2>&1)
[[ "$out" == *"ProtectHomee"* ]] && t_pass "verify reports an unknown key" ||
	t_fail "verify reports an unknown key" "said: $out"
sed "s|^ExecStart=$bin|ExecStart=$tmp/missing|" "$tmp/ballast.service" \
	>"$tmp/nobin.service"
out=$(cd "$tmp" && systemd-analyze verify nobin.service 2>&1) &&
	t_fail "verify reports a missing ExecStart binary" "exit 0: $out" ||
	t_pass "verify reports a missing ExecStart binary"
grep -Ev '^(CapabilityBoundingSet|SystemCallFilter|ProtectSystem|PrivateDevices|RestrictAddressFamilies)=' \
	"$tmp/ballast.service" >"$tmp/open.service"
systemd-analyze security --offline=yes --threshold=$EXPOSURE_MAX \
	"$tmp/open.service" >/dev/null 2>&1 &&
	t_fail "an unsandboxed unit is over the exposure bound" ||
	t_pass "an unsandboxed unit is over the exposure bound"

t_done dist
