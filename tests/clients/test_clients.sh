#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The daemon's command-line clients (status, show, watch, drain, ...) against
# a fake daemon (fake_daemon.py) speaking the control API on a unix socket:
# what each command sends, how it prints the answers and errors, and the exit
# code when no daemon is running.
set -u
cd "$(dirname "$0")/../.."
source tests/lib/result.sh

bin=${1:-./ballast}
work=$(mktemp -d)
srv_pid=
cleanup() {
	[[ -n "$srv_pid" ]] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

sock=$work/ballast.sock
log=$work/requests.jsonl
out=$work/out
err=$work/err
unset BALLAST_SOCKET BALLAST_CONFIG

# Start the fake daemon and wait (bounded) for its "ready" line.
mkfifo "$work/ready"
python3 tests/clients/fake_daemon.py "$sock" "$log" >"$work/ready" 2>"$work/server.err" &
srv_pid=$!
if ! read -r -t 10 line <"$work/ready" || [[ $line != ready ]]; then
	t_fail "fake daemon starts" "$(head -c 400 "$work/server.err")"
	t_done clients
	exit 1
fi

run() { # EXPECTED_EXIT NAME -- CMD...
	local want=$1 name=$2
	shift 3
	: >"$log"
	timeout 30 "$@" >"$out" 2>"$err"
	local rc=$?
	if [[ $rc -eq $want ]]; then t_pass "$name"; return 0; fi
	t_fail "$name" "exit $rc, wanted $want; stderr: $(head -c 400 "$err")"
	return 1
}

expect_in() { # FILE NAME REGEX
	if grep -Eq -- "$3" "$1"; then t_pass "$2"; else
		t_fail "$2" "no line matching /$3/ in: $(head -c 600 "$1")"
	fi
}

expect_not_in() {
	if grep -Eq -- "$3" "$1"; then t_fail "$2" "unexpected /$3/ in: $(head -c 600 "$1")"; else
		t_pass "$2"
	fi
}

# json_check NAME FILE PYTHON-EXPR over `d` (FILE parsed as JSON).
json_check() {
	if python3 -c "import json,sys; d=json.load(open('$2')); sys.exit(0 if ($3) else 1)" 2>"$work/pyerr"; then
		t_pass "$1"
	else
		t_fail "$1" "check failed: $3; $(head -c 300 "$work/pyerr") $(head -c 400 "$2")"
	fi
}

# sent NAME METHOD PATH [BODY-PYTHON-EXPR]: the one request the command made.
sent() {
	python3 - "$log" "$2" "$3" "${4:-True}" <<'PY' >"$work/sent" 2>&1
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 1, "%d requests: %r" % (len(reqs), reqs)
r = reqs[0]
assert r["method"] == sys.argv[2], r
assert r["path"] == sys.argv[3], r
body = r["body"]
assert eval(sys.argv[4]), "body %r" % (body,)
PY
	if [[ $? -eq 0 ]]; then t_pass "$1"; else t_fail "$1" "$(tail -c 400 "$work/sent")"; fi
}

S=(--socket "$sock")

# ---- reading ------------------------------------------------------------------
run 0 "status" -- $bin status "${S[@]}"
sent "status: GET /api/v1/status" GET /api/v1/status
expect_in "$out" "status names the config generation" '^config +/etc/ballast/ballast.yaml, generation 4, sha256 abababababab'
expect_in "$out" "status shows the last pass" '^last pass +.*scoped pass, ok in 3 ms \(1 applied, 0 failed\)'
expect_in "$out" "status counts reals by health" '^counts +2 services, 4 reals: 3 up, 1 down, 0 unknown'
expect_in "$out" "status: the node's BGP state" '^bgp +node lb1 serving$'
expect_in "$out" "status: a line per VIP" '^  192\.0\.2\.53 +withdrawn: 0/0 reals up < min_healthy 2 \(service dns\)$'
run 0 "status --json" -- $bin status "${S[@]}" --json
json_check "status --json prints data as the API returns it" "$out" "d['config']['generation'] == 4 and d['counts']['reals_down'] == 1 and 'success' not in d"

run 0 "show services" -- $bin show services "${S[@]}"
sent "show services: GET /api/v1/services" GET /api/v1/services
expect_in "$out" "table header" '^SERVICE +ADDRESS +PROTO +SCHED +REAL +WEIGHT +EFFECTIVE +PROGRAMMED +HEALTH'
expect_in "$out" "service row with its first real" '^web +192\.0\.2\.10:80 +tcp +wrr +10\.0\.1\.1:80 +100 +50 +50 +up '
expect_in "$out" "IPv6 real bracketed, unknown programmed weight as -" '^ +\[2001:db8::2\]:8080 +100 +0 +- +down +none +drain '
expect_in "$out" "service without reals" '^dns +192\.0\.2\.53:53 +udp'
# Columns line up: every row's REAL column starts where the header's does.
col=$(awk 'NR==1 {print index($0, "REAL")}' "$out")
if awk -v c="$col" 'NR>1 && substr($0, c, 1) == " " && $0 !~ /^dns/ {bad=1} END {exit bad}' "$out"; then
	t_pass "show services: columns aligned"
else
	t_fail "show services: columns aligned" "$(cat "$out")"
fi
expect_not_in "$out" "no escape codes off a terminal" $'\e'
if script -qec "$bin show services --socket $sock" /dev/null >"$work/tty" 2>&1; then
	expect_in "$work/tty" "on a terminal: the same table" '^web +192\.0\.2\.10:80 +tcp'
	expect_not_in "$work/tty" "on a terminal: no escape codes" $'\e'
else
	t_fail "show services on a terminal (script)" "$(head -c 300 "$work/tty")"
fi
run 0 "show services --json" -- $bin show services "${S[@]}" --json
json_check "show services --json: the list" "$out" "[s['name'] for s in d] == ['web', 'dns'] and d[0]['reals'][1]['programmed_weight'] is None"

run 0 "show services NAME" -- $bin show services web "${S[@]}"
sent "show services web: GET /api/v1/services/web" GET /api/v1/services/web
expect_in "$out" "service heading" '^service web: tcp 192\.0\.2\.10:80, scheduler wrr, forwarding nat, pool web'
expect_in "$out" "health history" '^  10\.0\.1\.1:80 +2026-12-06T20:00:00Z +unknown +up +3 probes passed'
expect_in "$out" "overrides of a real" '^  \[2001:db8::2\]:8080 +drain'
run 0 "show services NAME --json" -- $bin show services web --json "${S[@]}"
json_check "show services web --json: the object" "$out" "d['name'] == 'web' and len(d['reals']) == 2"

run 1 "show services of an unknown service" -- $bin show services nope "${S[@]}"
expect_in "$err" "the API's error object, as CODE: message" "^ballast: NOT_FOUND: service 'nope' is not configured$"
run 1 "show services NAME --json: error still on stderr" -- $bin show services nope --json "${S[@]}"
[[ ! -s $out ]] && t_pass "no JSON on stdout for an error" || t_fail "no JSON on stdout for an error" "$(cat "$out")"
run 1 "show something else" -- $bin show pools "${S[@]}"
expect_in "$err" "show says what it shows" "try 'ballast show services'"

run 0 "node status" -- $bin node status "${S[@]}"
sent "node status: GET /api/v1/node" GET /api/v1/node
expect_in "$out" "node state" '^bgp +node lb1 serving$'
expect_in "$out" "an announced VIP and why" '^  192\.0\.2\.10 +announced: 2/2 reals up, in sync$'
expect_in "$out" "a withdrawn VIP and why not" '^  192\.0\.2\.53 +withdrawn: 0/0 reals up < min_healthy 2 \(service dns\)$'
run 0 "node drain" -- $bin node drain "${S[@]}"
sent "node drain: POST /api/v1/node/drain" POST /api/v1/node/drain
expect_in "$out" "drain: draining until" '^bgp +node lb1 draining until 2026-12-06T20:05:00Z$'
run 0 "node undrain" -- $bin node undrain "${S[@]}"
sent "node undrain: POST /api/v1/node/undrain" POST /api/v1/node/undrain
run 1 "node with another verb" -- $bin node stop "${S[@]}"
expect_in "$err" "node names its verbs" "'stop' is not drain, undrain or status"
run 3 "node status without a daemon" -- $bin node status --socket "$work/none.sock"

run 0 "overrides" -- $bin overrides "${S[@]}"
sent "overrides: GET /api/v1/overrides" GET /api/v1/overrides
expect_in "$out" "override row" '^7 +web +\[2001:db8::2\]:8080 +drain +- +2026-12-06T20:02:00Z +- +uid 0 pid 42$'

run 0 "flow" -- $bin flow 10.2.0.1:5555 192.0.2.10:80 tcp "${S[@]}"
sent "flow: GET /api/v1/flow with escaped query" GET "/api/v1/flow?src=10.2.0.1%3A5555&dst=192.0.2.10%3A80&proto=tcp"
expect_in "$out" "flow names the real" '^real +10\.0\.1\.1:80$'
run 1 "flow with a bad protocol" -- $bin flow 10.2.0.1:5555 192.0.2.10:80 icmp "${S[@]}"
expect_in "$err" "flow names the protocol" "protocol 'icmp' is not one of tcp, udp, sctp"

# ---- overrides ------------------------------------------------------------------
R=/api/v1/services/web/reals
run 0 "drain --timeout" -- $bin drain web 10.0.1.1:80 --timeout 5m "${S[@]}"
sent "drain: POST .../drain {timeout}" POST "$R/10.0.1.1%3A80/drain" "body == {'timeout': '5m'}"
expect_in "$out" "drain says what was set" '^Set drain override 7 on web 10\.0\.1\.1:80; expires 2026-12-06T21:00:00Z$'
run 0 "drain an IPv6 real" -- $bin drain web '[2001:db8::2]:8080' "${S[@]}"
sent "drain: the IPv6 real percent-encoded" POST "$R/%5B2001%3Adb8%3A%3A2%5D%3A8080/drain" "body == {}"
run 0 "undrain" -- $bin undrain web 10.0.1.1:80 "${S[@]}"
sent "undrain: DELETE .../drain" DELETE "$R/10.0.1.1%3A80/drain" "body is None"
expect_in "$out" "undrain says what was removed" '^Removed drain override 7 on web 10\.0\.1\.1:80$'
run 0 "disable --for" -- $bin disable web 10.0.1.1:80 --for 1h "${S[@]}"
sent "disable: POST .../disable {for}" POST "$R/10.0.1.1%3A80/disable" "body == {'for': '1h'}"
run 0 "enable" -- $bin enable web 10.0.1.1:80 "${S[@]}"
sent "enable: DELETE .../disable" DELETE "$R/10.0.1.1%3A80/disable"
run 0 "weight N --for" -- $bin weight web 10.0.1.1:80 5 --for 1h "${S[@]}"
sent "weight: PUT .../weight {weight, for}" PUT "$R/10.0.1.1%3A80/weight" "body == {'weight': 5, 'for': '1h'}"
run 0 "weight --json" -- $bin weight web 10.0.1.1:80 7 --json "${S[@]}"
json_check "weight --json prints the override object" "$out" "d['kind'] == 'weight' and d['value'] == 7"
run 0 "weight --clear" -- $bin weight web 10.0.1.1:80 --clear "${S[@]}"
sent "weight --clear: DELETE .../weight" DELETE "$R/10.0.1.1%3A80/weight"
run 1 "weight that is no number" -- $bin weight web 10.0.1.1:80 heavy "${S[@]}"
expect_in "$err" "weight names the bad value" "weight 'heavy' is not a whole number"
run 0 "health down --for" -- $bin health web 10.0.1.1:80 down --for 10m "${S[@]}"
sent "health: POST .../health {state, for}" POST "$R/10.0.1.1%3A80/health" "body == {'state': 'down', 'for': '10m'}"
run 0 "health --clear" -- $bin health web 10.0.1.1:80 --clear "${S[@]}"
sent "health --clear: DELETE .../health" DELETE "$R/10.0.1.1%3A80/health"
run 1 "health without --for" -- $bin health web 10.0.1.1:80 up "${S[@]}"
expect_in "$err" "health asks for --for" "needs --for DURATION"
[[ ! -s $log ]] && t_pass "nothing sent for a refused command" || t_fail "nothing sent for a refused command" "$(cat "$log")"
run 1 "health sideways" -- $bin health web 10.0.1.1:80 sideways --for 1m "${S[@]}"
expect_in "$err" "health names the bad state" "state 'sideways' is neither up nor down"
run 1 "drain --timeout that is no duration" -- $bin drain web 10.0.1.1:80 --timeout soon "${S[@]}"
expect_in "$err" "the duration is named" "--timeout soon: "
run 1 "drain of an unknown real" -- $bin drain web 10.9.9.9:1 "${S[@]}"
expect_in "$err" "404 as CODE: message" "^ballast: NOT_FOUND: service 'web' has no real 10\.9\.9\.9:1$"
run 1 "drain twice" -- $bin drain dns 10.0.1.1:80 "${S[@]}"
expect_in "$err" "409 as CODE: message" "^ballast: ALREADY_EXISTS: already drained$"
run 1 "drain without REAL" -- $bin drain web "${S[@]}"
expect_in "$err" "missing arguments said, with the usage" "missing arguments; usage: ballast drain SERVICE REAL"

# ---- watch ----------------------------------------------------------------------
# The fake sends one event per connection: the second needs a reconnect that
# resumes after the first (Last-Event-ID: 1).
run 0 "watch --count 2" -- $bin watch --count 2 "${S[@]}"
python3 - "$log" <<'PY' >"$work/sent" 2>&1 && t_pass "watch reconnected with Last-Event-ID" || t_fail "watch reconnected with Last-Event-ID" "$(cat "$work/sent")"
import json, sys
ids = [json.loads(l)["last_event_id"] for l in open(sys.argv[1])]
assert ids == [None, "1"], ids
PY
expect_in "$out" "first event as a line" '^2026-12-06T20:03:00Z health +service=web real=10\.0\.1\.1:80 from=up to=down$'
expect_in "$out" "second event with its message" '^2026-12-06T20:04:00Z override +drain set on web \[2001:db8::2\]:8080$'
[[ $(wc -l <"$out") -eq 2 ]] && t_pass "watch stops after --count events" || t_fail "watch stops after --count events" "$(cat "$out")"
run 0 "watch --json --count 2" -- $bin watch --json --count 2 "${S[@]}"
python3 - "$out" <<'PY' >"$work/sent" 2>&1 && t_pass "watch --json: one object per line" || t_fail "watch --json: one object per line" "$(cat "$work/sent")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert [(e["id"], e["event"]) for e in ev] == [("1", "health"), ("2", "override")], ev
assert ev[0]["data"]["to"] == "down", ev
PY
run 1 "watch --count 0" -- $bin watch --count 0 "${S[@]}"

# ---- where the daemon is --------------------------------------------------------
run 0 "socket from \$BALLAST_SOCKET" -- env BALLAST_SOCKET="$sock" $bin status
sed "s|^dataplane:|daemon:\n  api_socket: $sock\ndataplane:|" tests/cli/lb.yaml >"$work/with-socket.yaml"
run 0 "socket from -c FILE's daemon.api_socket" -- env BALLAST_SOCKET=/nonexistent $bin status -c "$work/with-socket.yaml"
run 0 "--socket wins over -c and the environment" -- env BALLAST_SOCKET=/nonexistent $bin status -c tests/cli/lb.yaml --socket "$sock"
run 1 "-c with a config that does not load" -- $bin status -c "$work/nope.yaml"
expect_in "$err" "the config is named" "nope.yaml: configuration not loaded"

# A socket nobody listens on (refused), and no socket at all.
python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$work/dead.sock"
run 3 "daemon not running: exit 3" -- $bin status --socket "$work/dead.sock"
expect_in "$err" "daemon not running: says so and how to check" "^ballast: cannot reach the daemon at $work/dead.sock: connection refused; is \`ballast apply --daemon\` running\? \(systemctl status ballast\)$"
run 3 "no socket: exit 3" -- $bin drain web 10.0.1.1:80 --socket "$work/none.sock"
expect_in "$err" "no socket: named" "cannot reach the daemon at $work/none.sock: no such socket"
run 3 "watch without a daemon: exit 3" -- $bin watch --socket "$work/dead.sock"
run 3 "default socket path when nothing is set" -- env BALLAST_SOCKET="$work/none.sock" $bin overrides

# ---- help -----------------------------------------------------------------------
for c in status show watch overrides drain undrain disable enable weight health flow; do
	run 0 "$c --help" -- $bin $c --help
	expect_in "$out" "$c --help: usage" "^Usage: ballast $c"
	expect_in "$out" "$c --help: exit codes" "3 the daemon cannot be reached"
	$bin help >"$work/help"
	expect_in "$work/help" "ballast help lists $c" "^  $c +"
done

kill "$srv_pid" && wait "$srv_pid" 2>/dev/null
srv_pid=
[[ ! -e $sock ]] && t_pass "fake daemon removed its socket" || t_fail "fake daemon removed its socket"
t_done clients
