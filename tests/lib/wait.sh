# SPDX-License-Identifier: GPL-2.0-only
# Sourced by shell suites: waiting for a condition with a deadline, never a
# bare sleep as synchronisation.

now_ms() { date +%s%3N; }

# wait_for TIMEOUT_MS COMMAND...: poll until COMMAND succeeds or time runs out.
wait_for() {
	local end=$(($(now_ms) + $1))
	shift
	while ! "$@" 2>/dev/null; do
		(($(now_ms) < end)) || return 1
		sleep 0.01
	done
}
