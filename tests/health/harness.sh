# SPDX-License-Identifier: GPL-2.0-only
# Shared by the health test and benchmark scripts: process and namespace
# clean-up, polling with a deadline, and controllable target servers.
# The sourcing script sets TMP, NS, VETH and PIDS=() first.

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "$VETH" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

. tests/lib/wait.sh

# start_srv NAME ARGS...: server with a control fifo; waits up to
# SRV_START_MS (default 3000) for it to say ready.
start_srv() {
	local name=$1
	shift
	mkfifo "$TMP/$name.ctl"
	"$@" <"$TMP/$name.ctl" >"$TMP/$name.out" 2>&1 &
	PIDS+=($!)
	eval "exec {fd_$name}>\"$TMP/$name.ctl\""
	wait_for "${SRV_START_MS:-3000}" grep -q ready "$TMP/$name.out"
}

# ctl NAME COMMAND: send a command and wait up to CTL_MS (default 3000) for
# its acknowledgement.
ctl() {
	local n fdvar=fd_$1
	n=$(grep -c '^ok' "$TMP/$1.out")
	echo "$2" >&"${!fdvar}"
	wait_for "${CTL_MS:-3000}" test "$(grep -c '^ok' "$TMP/$1.out")" -gt "$n"
}
