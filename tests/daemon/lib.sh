# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the daemon suites: start and stop daemons and target servers,
# talk to the API, read the fake dataplane's state. The sourcing script sets
# TMP and PIDS=() first, then sources tests/lib/result.sh.

. tests/lib/wait.sh

B=${BUILD:-build}
BALLAST=${BALLAST:-./ballast}
SRV=$B/tests/health/hc_testsrv
export BALLAST_RUN_DIR=$TMP/run

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# check NAME COND [WHY]: pass when the shell condition holds.
check() {
	if eval "$2"; then t_pass "$1"; else t_fail "$1" "${3:-$2}"; fi
}

# start_srv NAME ARGS...: an hc_testsrv with a control fifo.
start_srv() {
	local name=$1
	shift
	mkfifo "$TMP/$name.ctl"
	"$SRV" "$@" <"$TMP/$name.ctl" >"$TMP/$name.out" 2>&1 &
	PIDS+=($!)
	eval "exec {fd_$name}>\"$TMP/$name.ctl\""
	wait_for 3000 grep -q ready "$TMP/$name.out"
}

# ctl NAME COMMAND: send a command, wait for its acknowledgement.
ctl() {
	local n fdvar=fd_$1
	n=$(grep -c '^ok' "$TMP/$1.out")
	echo "$2" >&"${!fdvar}"
	wait_for 3000 test "$(grep -c '^ok' "$TMP/$1.out")" -gt "$n"
}

# start_daemon NAME CONFIG [ARGS...]: run the daemon with its socket at
# $TMP/NAME.sock and state dir $TMP/NAME.state; succeeds once it answers.
start_daemon() {
	local name=$1 cfg=$2 pid
	shift 2
	"$BALLAST" apply --daemon -c "$cfg" --socket "$TMP/$name.sock" \
		--state-dir "$TMP/$name.state" "$@" >>"$TMP/$name.log" 2>&1 &
	pid=$!
	PIDS+=($pid)
	eval "PID_$name=$pid"
	wait_for 5000 curl -sf --unix-socket "$TMP/$name.sock" -m 1 \
		http://d/health -o /dev/null
}

# stop_daemon NAME [SIGNAL]: signal it and wait (5 s) for it to exit.
stop_daemon() {
	local pidvar=PID_$1
	kill -"${2:-TERM}" "${!pidvar}" 2>/dev/null
	wait_for 5000 dead "${!pidvar}"
}
dead() { ! kill -0 "$1" 2>/dev/null; }

# api NAME PATH [CURL ARGS...]: the body on stdout.
api() {
	local name=$1 path=$2
	shift 2
	curl -s -m 5 --unix-socket "$TMP/$name.sock" "$@" "http://d$path"
}
# status NAME JQ: one field of /api/v1/status.
status() { api "$1" /api/v1/status | jq -r ".data$2"; }

# weight STATE VIP REAL_ADDR: the real's weight in the fake state file.
weight() {
	jq -r --arg v "$2" --arg r "$3" '.services[] | select(.address == $v)
		| .reals[] | select(.address == $r) | .weight' "$1" 2>/dev/null
}
weight_is() { [[ $(weight "$1" "$2" "$3") == "$4" ]]; }
# n_reals STATE VIP
n_reals() {
	jq -r --arg v "$2" '.services[] | select(.address == $v) | .reals | length' \
		"$1" 2>/dev/null
}
n_reals_is() { [[ $(n_reals "$1" "$2") == "$3" ]]; }
status_is() { [[ $(status "$1" "$2") == "$3" ]]; }
status_ge() { local v; v=$(status "$1" "$2"); [[ $v =~ ^[0-9]+$ ]] && ((v >= $3)); }

# replace FILE: stdin becomes FILE by rename, as editors and deploys do.
replace() { cat >"$1.new" && mv "$1.new" "$1"; }

# netns_daemon NS: a network namespace NS with lo up, deleted on exit, in
# which start_daemon runs the daemon (BALLAST becomes a wrapper). NSR is its
# path for nsenter.
netns_daemon() {
	NS=$1
	NSR=/run/netns/$NS
	ip netns add "$NS" || return 1
	trap 'cleanup; ip netns del "$NS" 2>/dev/null' EXIT
	ip -n "$NS" link set lo up
	BALLAST=$(netns_wrap ballast-ns "$PWD/ballast")
}

# netns_wrap NAME CMD: prints the path of a script $TMP/NAME that runs CMD
# with its arguments in the namespace $NSR.
netns_wrap() {
	printf '#!/bin/sh\nexec nsenter --net=%s %s "$@"\n' "$NSR" "$2" >"$TMP/$1"
	chmod +x "$TMP/$1"
	echo "$TMP/$1"
}

# A port per run, so suites of several worktrees do not collide.
PORT=$((20000 + $$ % 20000))
