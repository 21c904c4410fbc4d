#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# One writer at a time on the fake dataplane: concurrent applies serialise on
# the dataplane's writer lock, a held lock makes apply fail at once naming the
# holder, and --wait waits for it. Locks live in a directory of this test's
# own ($BALLAST_RUN_DIR), never in a real installation's /run/ballast.
#   test_lock.sh BALLAST LOCK_HOLD
set -u
cd "$(dirname "$0")/../.."
source tests/lib/result.sh

bin=${1:-./ballast}
hold_bin=${2:-build/tests/cli/lock_hold}
fx=tests/cli
work=$(mktemp -d)
holder_pid=
cleanup() {
	[[ -n "$holder_pid" ]] && kill "$holder_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
export BALLAST_RUN_DIR=$work/run
state=$work/state.json
fake=(--dataplane fake --state "$state")
out=$work/out
err=$work/err
ROUNDS_SAME=3
ROUNDS_TWO=20
# Generous: a round is a few small applies; this only bounds a hung test.
WAIT=--wait=60s

# ---- ten applies of one config at once: all converge, none trips ------------
same_ok=0
for ((round = 1; round <= ROUNDS_SAME; round++)); do
	rm -f "$state"
	pids=()
	for i in {1..10}; do
		timeout 120 $bin apply -c $fx/lb.yaml "${fake[@]}" $WAIT \
			>"$work/same.$i.out" 2>"$work/same.$i.err" &
		pids+=($!)
	done
	failed=0
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || { failed=$((failed + 1)); bad=$((i + 1)); }
	done
	if [[ $failed -eq 0 ]]; then
		same_ok=$((same_ok + 1))
	else
		t_fail "10 concurrent applies of one config (round $round)" \
			"$failed exited non-zero; e.g.: $(tail -c 300 "$work/same.$bad.out") $(head -c 300 "$work/same.$bad.err")"
	fi
done
[[ $same_ok -eq $ROUNDS_SAME ]] && t_pass "10 concurrent applies of one config all exit 0 ($ROUNDS_SAME rounds)"
$bin plan -c $fx/lb.yaml "${fake[@]}" >"$out" 2>"$err" &&
	t_pass "in sync after concurrent applies" ||
	t_fail "in sync after concurrent applies" "$(head -c 400 "$out" "$err")"

# ---- two configs at once: the result is one of them, never a mix -----------
two_ok=0 a_won=0 b_won=0
for ((round = 1; round <= ROUNDS_TWO; round++)); do
	# Start from empty, from A or from B, so every plan shape races.
	rm -f "$state"
	case $((round % 3)) in
	1) $bin apply -c $fx/lock-a.yaml "${fake[@]}" >/dev/null 2>&1 ;;
	2) $bin apply -c $fx/lock-b.yaml "${fake[@]}" >/dev/null 2>&1 ;;
	esac
	timeout 120 $bin apply -c $fx/lock-a.yaml "${fake[@]}" $WAIT >"$work/a.out" 2>"$work/a.err" &
	pa=$!
	timeout 120 $bin apply -c $fx/lock-b.yaml "${fake[@]}" $WAIT >"$work/b.out" 2>"$work/b.err" &
	pb=$!
	wait $pa
	ra=$?
	wait $pb
	rb=$?
	$bin plan -c $fx/lock-a.yaml "${fake[@]}" >/dev/null 2>&1
	pla=$?
	$bin plan -c $fx/lock-b.yaml "${fake[@]}" >/dev/null 2>&1
	plb=$?
	if [[ $ra -eq 0 && $rb -eq 0 && ($pla -eq 0 || $plb -eq 0) ]]; then
		two_ok=$((two_ok + 1))
		[[ $pla -eq 0 ]] && a_won=$((a_won + 1)) || b_won=$((b_won + 1))
	else
		t_fail "two configs at once (round $round)" \
			"apply A exit $ra, B exit $rb; plan A exit $pla, B exit $plb; $(head -c 300 "$work/a.err" "$work/b.err") state: $(head -c 600 "$state")"
	fi
done
[[ $two_ok -eq $ROUNDS_TWO ]] &&
	t_pass "two configs applied at once end in exactly one of them ($ROUNDS_TWO rounds: A $a_won, B $b_won)"

# ---- a held lock --------------------------------------------------------------
rm -f "$state"
coproc HOLD { exec "$hold_bin" "$state"; }
holder_pid=$HOLD_PID
line=
read -r -t 30 -u "${HOLD[0]}" line
if [[ "$line" == "held $holder_pid" ]]; then
	t_pass "test holder takes the lock"
else
	t_fail "test holder takes the lock" "read '$line'"
fi

timeout 30 $bin apply -c $fx/lb.yaml "${fake[@]}" >"$out" 2>"$err"
rc=$?
[[ $rc -eq 1 ]] && t_pass "apply fails at once while the lock is held" ||
	t_fail "apply fails at once while the lock is held" "exit $rc: $(head -c 400 "$err")"
if grep -q "is locked by pid $holder_pid (.*lock_hold" "$err" && grep -q -- '--wait' "$err"; then
	t_pass "the message names the holder's pid and command, and --wait"
else
	t_fail "the message names the holder's pid and command, and --wait" "$(head -c 400 "$err")"
fi
[[ ! -e "$state" ]] && t_pass "a locked apply changes nothing" || t_fail "a locked apply changes nothing"

timeout 30 $bin apply -c $fx/lb.yaml "${fake[@]}" --wait=300ms >"$out" 2>"$err"
rc=$?
[[ $rc -eq 1 ]] && grep -q "still locked by pid $holder_pid .*after 300ms" "$err" &&
	t_pass "--wait gives up after its duration" ||
	t_fail "--wait gives up after its duration" "exit $rc: $(head -c 400 "$err")"

$bin plan -c $fx/lb.yaml "${fake[@]}" >"$out" 2>"$err"
rc=$?
[[ $rc -eq 2 ]] && t_pass "plan reads while the lock is held (readers take no lock)" ||
	t_fail "plan reads while the lock is held (readers take no lock)" "exit $rc: $(head -c 400 "$err")"
$bin apply -c $fx/lb.yaml "${fake[@]}" --dry-run >"$out" 2>"$err" &&
	t_pass "apply --dry-run needs no lock" ||
	t_fail "apply --dry-run needs no lock" "$(head -c 400 "$err")"

# --wait=5s: it says once that it waits and for whom; the holder then lets go.
mkfifo "$work/wait.err"
timeout 60 $bin apply -c $fx/lb.yaml "${fake[@]}" --wait=5s >"$out" 2>"$work/wait.err" &
apply_pid=$!
exec {werr}<"$work/wait.err"
line=
read -r -t 30 -u $werr line
if [[ "$line" == *"is locked by pid $holder_pid "*"waiting up to 5s"* ]]; then
	t_pass "--wait says that it waits and for whom"
else
	t_fail "--wait says that it waits and for whom" "first line: '$line'"
fi
exec {HOLD[1]}>&- # the holder releases at end of input
wait "$holder_pid"
holder_pid=
wait $apply_pid
rc=$?
cat <&$werr >"$err"
exec {werr}<&-
[[ $rc -eq 0 ]] && t_pass "--wait=5s applies once the holder releases" ||
	t_fail "--wait=5s applies once the holder releases" "exit $rc: $(head -c 400 "$err")"
[[ $(grep -c 'waiting up to' "$err") -eq 0 ]] && t_pass "the wait is announced once, not repeated" ||
	t_fail "the wait is announced once, not repeated" "$(head -c 400 "$err")"
$bin plan -c $fx/lb.yaml "${fake[@]}" >/dev/null 2>&1 && t_pass "in sync after the wait" ||
	t_fail "in sync after the wait"

# A holder killed without releasing: its record stays, the lock does not.
coproc HOLD { exec "$hold_bin" "$state"; }
holder_pid=$HOLD_PID
read -r -t 30 -u "${HOLD[0]}" line
kill -KILL "$holder_pid"
wait "$holder_pid" 2>/dev/null
holder_pid=
timeout 30 $bin apply -c $fx/lb-drained.yaml "${fake[@]}" >"$out" 2>"$err" &&
	t_pass "a dead holder's lock does not block" ||
	t_fail "a dead holder's lock does not block" "$(head -c 400 "$err")"

# ---- options ------------------------------------------------------------------
$bin apply -c $fx/lb.yaml "${fake[@]}" --wait=5 >"$out" 2>"$err"
rc=$?
[[ $rc -eq 1 ]] && grep -q -- "--wait=5: .*unit" "$err" &&
	t_pass "--wait with a bare number asks for a unit" ||
	t_fail "--wait with a bare number asks for a unit" "exit $rc: $(head -c 400 "$err")"
$bin apply --help | grep -q -- '--wait\[=DURATION\]' && t_pass "apply --help shows --wait" ||
	t_fail "apply --help shows --wait"
[[ -d "$BALLAST_RUN_DIR" && $(stat -c %a "$BALLAST_RUN_DIR") == 700 ]] &&
	t_pass "lock directory made 0700 under BALLAST_RUN_DIR" ||
	t_fail "lock directory made 0700 under BALLAST_RUN_DIR" "$(ls -ld "$BALLAST_RUN_DIR" 2>&1)"

t_done cli-lock
