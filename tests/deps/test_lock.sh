#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# tests/lib/deps.sh waits for another package manager instead of failing:
# a helper holds apt's lock the way apt and dpkg take it (an fcntl write lock)
# while deps.sh runs, and lets go only once deps.sh says it is waiting.
# Installs nothing: DEPS_FORCE=1 runs `apt-get install --no-upgrade` of a
# package that is installed, DEPS_UPDATE=0 skips `apt-get update`.
set -u
cd "$(dirname "$0")/../.."
source tests/lib/result.sh

work=$(mktemp -d)
holder_pid=
cleanup() {
	# Whatever happened, apt's lock is given back.
	[[ -n "$holder_pid" ]] && kill "$holder_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

if [[ $(id -u) -ne 0 || ! -r /proc/locks ]] || ! command -v python3 >/dev/null; then
	t_skip "deps waits for the package manager lock" "needs root, /proc/locks and python3"
	t_done deps
	exit 0
fi

# hold LOCKFILE: take the lock, say "held PID", keep it until our end of the
# pipe closes or it is killed (release), or 120 s pass. Sets holder_pid,
# opens fd 7 (to it) and fd 8 (from it); children must not inherit them.
hold() {
	mkfifo "$work/to" "$work/from"
	python3 -c '
import fcntl, os, signal, sys
signal.alarm(120)  # bound: never keep apt lock longer
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o640)
fcntl.lockf(fd, fcntl.LOCK_EX)  # F_SETLKW, as apt waits
print("held", os.getpid(), flush=True)
sys.stdin.read()  # until the test closes its end
' "$1" <"$work/to" >"$work/from" &
	holder_pid=$!
	exec 7>"$work/to" 8<"$work/from"
}

release() {
	exec 7>&- 8<&-
	kill "$holder_pid" 2>/dev/null
	wait "$holder_pid"
	holder_pid=
	rm -f "$work/to" "$work/from"
}

# read_until FD REGEX SECONDS: read lines from FD until one matches; 0 when found.
read_until() {
	local line end=$((SECONDS + $3))
	while ((SECONDS < end)) && read -r -t $((end - SECONDS)) line <&"$1"; do
		echo "$line" >>"$work/seen"
		[[ "$line" =~ $2 ]] && return 0
	done
	return 1
}

: >"$work/seen"
lock=/var/lib/dpkg/lock-frontend
hold "$lock"
if ! read -r -t 30 _ pid <&8; then
	t_fail "lock helper holds $lock" "no answer within 30 s"
	t_done deps
	exit 1
fi

# ---- the install path, end to end -------------------------------------------
mkfifo "$work/deps.out"
DEPS_FORCE=1 DEPS_UPDATE=0 DEPS_LOCK_WAIT=60 timeout 90 tests/lib/deps.sh bash \
	>"$work/deps.out" 2>&1 7>&- 8<&- &
deps_pid=$!
exec 9<"$work/deps.out"
if read_until 9 "waiting up to" 60; then
	t_pass "deps.sh says it waits for the lock"
else
	t_fail "deps.sh says it waits for the lock" "$(cat "$work/seen" 2>/dev/null)"
fi
grep -q "$lock is held by process $pid (python3)" "$work/seen" &&
	t_pass "the message names the lock and the process holding it" ||
	t_fail "the message names the lock and the process holding it" "$(cat "$work/seen")"
kill -0 "$deps_pid" 2>/dev/null && t_pass "deps.sh still waits while the lock is held" ||
	t_fail "deps.sh still waits while the lock is held" "it had already exited"
release
cat <&9 >>"$work/seen"
exec 9<&-
wait "$deps_pid"
rc=$?
[[ $rc -eq 0 ]] && t_pass "deps.sh finishes once the lock is free" ||
	t_fail "deps.sh finishes once the lock is free" "exit $rc: $(cat "$work/seen")"
[[ $(grep -c 'waiting up to' "$work/seen") -eq 1 ]] && t_pass "the waiting message is said once" ||
	t_fail "the waiting message is said once" "$(cat "$work/seen")"

# ---- apt-get update's lists lock, which apt does not wait for itself ---------
: >"$work/seen"
source tests/lib/deps.sh
lock=/var/lib/apt/lists/lock
hold "$lock"
read -r -t 30 _ pid <&8
mkfifo "$work/wait.out"
deps_wait_locks $((EPOCHSECONDS + 60)) "${DEPS_LOCKS[@]}" >"$work/wait.out" 2>&1 7>&- 8<&- &
wait_pid=$!
exec 9<"$work/wait.out"
read_until 9 "waiting up to" 60 && grep -q "$lock is held by process $pid" "$work/seen" &&
	t_pass "the lists lock is waited for, naming its holder" ||
	t_fail "the lists lock is waited for, naming its holder" "$(cat "$work/seen" 2>/dev/null)"
release
exec 9<&-
wait "$wait_pid" && t_pass "waiting ends when the lists lock is free" ||
	t_fail "waiting ends when the lists lock is free"

# ---- and gives up, saying so, at the deadline --------------------------------
hold "$lock"
read -r -t 30 _ pid <&8
DEPS_LOCK_WAIT=1
if deps_wait_locks $((EPOCHSECONDS + 1)) "$lock" >"$work/giveup" 2>&1; then
	t_fail "waiting is bounded" "returned 0 with the lock held"
else
	grep -q "gave up after waiting 1s: $lock is held by process $pid" "$work/giveup" &&
		t_pass "waiting is bounded and says why it gave up" ||
		t_fail "waiting is bounded and says why it gave up" "$(cat "$work/giveup")"
fi
release

t_done deps
