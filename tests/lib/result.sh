# SPDX-License-Identifier: GPL-2.0-only
# Sourced by shell test suites: count results and record them for `make check`.
#   t_pass NAME; t_fail NAME [WHY]; t_skip NAME WHY; t_done SUITE;
#   t_skip_all SUITE WHY (skip the whole suite and exit)
T_PASSED=0
T_FAILED=0
T_SKIPPED=0

t_pass() { T_PASSED=$((T_PASSED + 1)); printf 'PASS: %s\n' "$1"; }
t_fail() { T_FAILED=$((T_FAILED + 1)); printf 'FAIL: %s%s\n' "$1" "${2:+: $2}"; }
t_skip() { T_SKIPPED=$((T_SKIPPED + 1)); printf 'SKIP: %s: %s\n' "$1" "$2"; }

# Record the suite's counts and return non-zero when something failed.
t_done() {
	local suite=$1
	if [[ -n "${BALLAST_RESULTS:-}" ]]; then
		mkdir -p "$BALLAST_RESULTS"
		echo "$T_PASSED $T_FAILED $T_SKIPPED" >"$BALLAST_RESULTS/$suite.res"
	fi
	printf '%s: %d passed, %d failed, %d skipped\n' "$suite" "$T_PASSED" "$T_FAILED" "$T_SKIPPED"
	[[ $T_FAILED -eq 0 ]]
}

# Record the whole suite as skipped, with the reason, and end the script.
t_skip_all() {
	t_skip "$1" "$2"
	t_done "$1"
	exit 0
}
