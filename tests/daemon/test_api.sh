#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Every route of the daemon's control API (Docs/API.md, Docs/DAEMON.md),
# with its errors: the unix socket, TCP with a bearer token, the metrics
# listener, SSE replay, limits and a client that never finishes.
set -u
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ballast-dapi.XXXXXX)
PIDS=()
. tests/lib/result.sh
. tests/daemon/lib.sh

ST=$TMP/state.json
TCP=$((PORT + 1)) MET=$((PORT + 2))
printf 's3cret-token-0123456789\n' >"$TMP/token"
chmod 600 "$TMP/token"
cat >"$TMP/lb.yaml" <<EOF
version: 1
dataplane: {driver: fake, fake: {state_file: $ST}}
daemon:
  tick: 1s
  api_listen: 127.0.0.1:$TCP
  api_token_file: $TMP/token
  metrics_listen: 127.0.0.1:$MET
health: {type: none}
pools:
  web: {backends: [10.0.1.1:80, 10.0.1.2:80, 10.0.1.3:80]}
  web6: {backends: ["[2001:db8::5]:80", "[2001:db8::6]:80"]}
services:
  - {name: web, address: 192.0.2.10, port: 80, pool: web}
  - {name: web6, address: "2001:db8::10", port: 80, pool: web6}
EOF
if ! start_daemon a "$TMP/lb.yaml"; then
	t_fail "daemon starts" "$(tail -5 "$TMP/a.log")"
	t_done daemon-api
	exit 1
fi
wait_for 3000 status_is a .pending false

# req METHOD PATH [CURL ARGS]: status code in $CODE, body in $BODY
req() {
	local m=$1 p=$2
	shift 2
	BODY=$(curl -s -m 5 --unix-socket "$TMP/a.sock" -X "$m" -w '\n%{http_code}' "$@" "http://d$p")
	CODE=${BODY##*$'\n'}
	BODY=${BODY%$'\n'*}
}
j() { jq -r "$1" <<<"$BODY" 2>/dev/null; }
# ok NAME METHOD PATH JQ_TEST [CURL ARGS]
ok() {
	local name=$1
	req "$2" "$3" "${@:5}"
	if [[ $CODE == 200 && $(j .success) == true ]] && jq -e "$4" <<<"$BODY" >/dev/null 2>&1; then
		t_pass "$name"
	else
		t_fail "$name" "$CODE $BODY"
	fi
}
# err NAME METHOD PATH STATUS CODE [CURL ARGS]
err() {
	local name=$1
	req "$2" "$3" "${@:6}"
	if [[ $CODE == "$4" && $(j .error.code) == "$5" && $(j .success) == false &&
		-n $(j '.error.message // empty') ]]; then
		t_pass "$name"
	else
		t_fail "$name" "$CODE $BODY"
	fi
}

R=/api/v1/services/web/reals/10.0.1.1:80
ok "GET /health" GET /health '.data.status == "ok"'
ok "GET /api/v1/status" GET /api/v1/status \
	'.data.config.generation == 1 and (.data.config.sha256 | length) == 64 and .data.dataplane.driver == "fake" and .data.counts.reals == 5 and .data.ha.mode == "none" and .data.last_pass.result == "ok" and .data.reload.last_result == "ok"'
ok "GET /api/v1/services" GET /api/v1/services \
	'(.data | length) == 2 and .data[0].reals[0].programmed_weight == 100 and .data[0].packets == null'
ok "GET /api/v1/services/{name}" GET /api/v1/services/web6 \
	'.data.address == "2001:db8::10" and (.data.reals | length) == 2 and .data.reals[0].address == "2001:db8::5"'
err "GET unknown service: 404" GET /api/v1/services/nope 404 NOT_FOUND
ok "GET /api/v1/plan (converged)" GET /api/v1/plan '.data.changes == 0 and .data.refused == null'
ok "GET /api/v1/flow" GET "/api/v1/flow?src=198.51.100.7:4242&dst=192.0.2.10:80&proto=tcp" \
	'.data.service == "web" and .data.how == "unknown" and (.data.explanation | length) > 10'
err "GET /api/v1/flow without dst: 400" GET "/api/v1/flow?src=198.51.100.7:4242" 400 INVALID_REQUEST
err "GET /api/v1/flow to no service: 404" GET "/api/v1/flow?src=198.51.100.7:1&dst=192.0.2.99:80" 404 NOT_FOUND
err "GET /api/v1/flow bad proto: 400" GET "/api/v1/flow?src=1.2.3.4:1&dst=192.0.2.10:80&proto=icmp" 400 INVALID_REQUEST
api a "/api/v1/config?format=yaml" -o "$TMP/running.yaml"
check "GET /api/v1/config?format=yaml: the running file's bytes" \
	'cmp -s "$TMP/running.yaml" "$TMP/lb.yaml"'
ok "GET /api/v1/config?format=json" GET "/api/v1/config?format=json" \
	'(.data.services | length) == 2 and .data.daemon.max_removal_fraction == 0.5'
err "GET /api/v1/config?format=xml: 400" GET "/api/v1/config?format=xml" 400 INVALID_REQUEST
ok "GET /api/v1/overrides (none)" GET /api/v1/overrides '.data == []'

# overrides, each kind, with their errors
ok "POST drain" POST "$R/drain" '.data.kind == "drain" and .data.expires == null and (.data.by | test("uid"))' -d '{}'
err "POST drain again: 409" POST "$R/drain" 409 ALREADY_EXISTS -d '{}'
check "drain: weight 0 in the dataplane" 'wait_for 2000 weight_is "$ST" 192.0.2.10 10.0.1.1 0'
ok "DELETE drain" DELETE "$R/drain" '.data.removed.kind == "drain"'
err "DELETE drain again: 404" DELETE "$R/drain" 404 NOT_FOUND
ok "POST drain with a timeout" POST "$R/drain" '.data.expires != null' -d '{"timeout": "5m"}'
ok "DELETE it (undrain)" DELETE "$R/drain" '.data.removed.kind == "drain"'
ok "POST disable" POST "$R/disable" '.data.kind == "disable" and .data.expires != null' -d '{"for": "1h"}'
ok "DELETE disable" DELETE "$R/disable" '.data.removed.kind == "disable"'
ok "PUT weight" PUT "$R/weight" '.data.value == 7' -d '{"weight": 7}'
ok "PUT weight replaces" PUT "$R/weight" '.data.value == 9' -d '{"weight": 9}'
check "weight: programmed" 'wait_for 2000 weight_is "$ST" 192.0.2.10 10.0.1.1 9'
ok "DELETE weight" DELETE "$R/weight" '.data.removed.value == 9'
ok "POST health down" POST "$R/health" '.data.value == "down"' -d '{"state": "down", "for": "10m"}'
ok "GET /api/v1/overrides lists it" GET /api/v1/overrides '(.data | length) == 1 and .data[0].kind == "health"'
ok "DELETE health" DELETE "$R/health" '.data.removed.value == "down"'
ok "IPv6 real, percent-encoded" POST "/api/v1/services/web6/reals/%5B2001%3Adb8%3A%3A5%5D%3A80/disable" \
	'.data.real == "[2001:db8::5]:80"' -d '{}'
err "health without for: 400" POST "$R/health" 400 INVALID_REQUEST -d '{"state": "up"}'
err "health bad state: 400" POST "$R/health" 400 INVALID_REQUEST -d '{"state": "sideways", "for": "1m"}'
err "weight not a number: 400" PUT "$R/weight" 400 INVALID_REQUEST -d '{"weight": "heavy"}'
err "unknown body key: 400" POST "$R/disable" 400 INVALID_REQUEST -d '{"forever": true}'
err "bad duration: 400" POST "$R/disable" 400 INVALID_REQUEST -d '{"for": "10"}'
err "malformed JSON: 400" POST "$R/disable" 400 INVALID_REQUEST -d '{"for": '
err "unknown service: 404" POST /api/v1/services/nope/reals/10.0.1.1:80/disable 404 NOT_FOUND -d '{}'
err "unknown real: 404" POST /api/v1/services/web/reals/10.0.1.9:80/disable 404 NOT_FOUND -d '{}'
err "bad real: 400" POST /api/v1/services/web/reals/10.0.1.1/disable 400 INVALID_REQUEST -d '{}'
head -c 70000 /dev/zero | tr '\0' ' ' >"$TMP/big"
err "oversized body: 413" POST "$R/disable" 413 INVALID_REQUEST --data-binary @"$TMP/big"
err "wrong method: 405" DELETE /api/v1/status 405 METHOD_NOT_ALLOWED
err "unknown path: 404" GET /api/v2/nothing 404 NOT_FOUND

# events: the audit trail and replay
ev=$(api a /api/v1/events -H "Last-Event-ID: 0" -m 1)
check "SSE: mutating calls are audit events with the caller" \
	'grep -q "event: audit" <<<"$ev" && grep -q "uid=" <<<"$ev"'
check "SSE: override events" 'grep -q "event: override" <<<"$ev"'
last=$(grep '^id:' <<<"$ev" | tail -1 | awk '{print $2}')
api a "$R/disable" -X DELETE >/dev/null # not set: 404, still audited
ev2=$(api a /api/v1/events -H "Last-Event-ID: $last" -m 1)
first=$(grep '^id:' <<<"$ev2" | head -1 | awk '{print $2}')
check "SSE: Last-Event-ID replays only what followed" \
	'[[ -n $first && -n $last ]] && ((first == last + 1))'

# metrics on the socket and on their own listener
api a /metrics >"$TMP/metrics.txt"
check "metrics: config info with sha256 and git_rev" \
	'grep -q "^ballast_config_info{sha256=\"[0-9a-f]\{64\}\",git_rev=\"" "$TMP/metrics.txt"'
check "metrics: effective weight per real" \
	'grep -q "^ballast_real_effective_weight{service=\"web\",real=\"10.0.1.1:80\"} 100$" "$TMP/metrics.txt"'
check "metrics: HA active, build info, pass histogram" \
	'grep -q "^ballast_ha_active 1$" "$TMP/metrics.txt" && grep -q "^ballast_build_info" "$TMP/metrics.txt" && grep -q "^ballast_reconcile_pass_duration_seconds_bucket" "$TMP/metrics.txt"'
check "metrics: operations by kind and result" \
	'grep -Eq "^ballast_reconcile_ops_total\{op=\"add-real\",result=\"ok\"\} [1-9]" "$TMP/metrics.txt"'
if command -v promtool >/dev/null; then
	check "metrics: promtool check metrics" 'promtool check metrics <"$TMP/metrics.txt" >/dev/null 2>&1'
else
	t_skip "metrics: promtool check metrics" "promtool not installed (Debian: prometheus)"
fi
check "metrics listener answers /metrics without a token" \
	'curl -sf -m 5 "http://127.0.0.1:$MET/metrics" | grep -q ^ballast_reconcile_passes_total'
check "metrics listener serves nothing else" \
	'[[ $(curl -s -m 5 -o /dev/null -w "%{http_code}" "http://127.0.0.1:$MET/api/v1/status") == 404 ]]'

# TCP with a bearer token
check "TCP without a token: 401" \
	'[[ $(curl -s -m 5 -o /dev/null -w "%{http_code}" "http://127.0.0.1:$TCP/api/v1/status") == 401 ]]'
check "TCP with a wrong token: 401" \
	'[[ $(curl -s -m 5 -o /dev/null -w "%{http_code}" -H "Authorization: Bearer nope" "http://127.0.0.1:$TCP/api/v1/status") == 401 ]]'
check "TCP with the token" \
	'curl -s -m 5 -H "Authorization: Bearer s3cret-token-0123456789" "http://127.0.0.1:$TCP/api/v1/status" | jq -e ".success" >/dev/null'

# The command-line clients against the real daemon (Docs/CLI.md).
cl() { "$BALLAST" "$@" --socket "$TMP/a.sock" >"$TMP/cl.out" 2>&1; }
check "client: ballast status" \
	'cl status && grep -q "generation" "$TMP/cl.out"' "$(cat "$TMP/cl.out")"
check "client: ballast show services web --json" \
	'cl show services web --json && jq -e ".name == \"web\" and (.reals | length) == 3" "$TMP/cl.out" >/dev/null' "$(cat "$TMP/cl.out")"
check "client: ballast disable takes 10.0.1.3 out" \
	'cl disable web 10.0.1.3:80 && wait_for 2000 weight_is "$ST" 192.0.2.10 10.0.1.3 0' "$(cat "$TMP/cl.out")"
check "client: ballast overrides lists it" \
	'cl overrides && grep -q "10.0.1.3:80" "$TMP/cl.out"' "$(cat "$TMP/cl.out")"
cl enable web 10.0.1.3:80
rc=$?
check "client: ballast enable puts it back" \
	'[[ $rc -eq 0 ]] && wait_for 2000 weight_is "$ST" 192.0.2.10 10.0.1.3 100' \
	"exit $rc: $(cat "$TMP/cl.out"); weight now $(weight "$ST" 192.0.2.10 10.0.1.3)"
cl drain nope 10.0.1.1:80
rc=$?
check "client: an unknown service is the API's NOT_FOUND, exit 1" \
	'[[ $rc -eq 1 ]] && grep -q "NOT_FOUND" "$TMP/cl.out"' "exit $rc: $(cat "$TMP/cl.out")"
"$BALLAST" status --socket "$TMP/none.sock" >"$TMP/cl.out" 2>&1
rc=$?
check "client: no daemon at the socket is exit 3" '[[ $rc -eq 3 ]]' "exit $rc: $(cat "$TMP/cl.out")"

# A client that never finishes its request does not stall the loop.
python3 - "$TMP/a.sock" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"POST /api/v1/services/web/reals/10.0.1.1:80/disable HTTP/1.1\r\n"
          b"Host: d\r\nContent-Length: 100\r\n\r\n{")
time.sleep(8)
PY
PIDS+=($!)
t0=$(now_ms)
ok "answers while a slow client hangs" GET /api/v1/status '.success'
t1=$(now_ms)
check "... within a second ($((t1 - t0)) ms)" '((t1 - t0 < 1000))'

# An override outlives its service in the config and can still be deleted.
grep -v "name: web6" "$TMP/lb.yaml" | replace "$TMP/lb.yaml"
wait_for 3000 status_is a .config.generation 2
ok "DELETE an override of a service the config dropped" DELETE \
	"/api/v1/services/web6/reals/%5B2001%3Adb8%3A%3A5%5D%3A80/disable" '.data.removed.service == "web6"'
err "... then 404" DELETE "/api/v1/services/web6/reals/%5B2001%3Adb8%3A%3A5%5D%3A80/disable" 404 NOT_FOUND

stop_daemon a
check "stopped cleanly, socket removed" 'dead $PID_a && [[ ! -e $TMP/a.sock ]]'

# TLS on the TCP API: daemon.api_tls_cert and api_tls_key.
TLS=$((PORT + 3))
if openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1; then
	chmod 600 "$TMP/key.pem"
	sed -e "s/^  api_listen: .*/  api_listen: 127.0.0.1:$TLS/" \
		-e "s|^  api_token_file: .*|&\\n  api_tls_cert: $TMP/cert.pem\\n  api_tls_key: $TMP/key.pem|" \
		-e "/metrics_listen/d" "$TMP/lb.yaml" >"$TMP/tls.yaml"
	if start_daemon t "$TMP/tls.yaml"; then
		check "TLS: HTTPS with the token" \
			'curl -s -m 5 --cacert "$TMP/cert.pem" -H "Authorization: Bearer s3cret-token-0123456789" "https://127.0.0.1:$TLS/api/v1/status" | jq -e ".success" >/dev/null'
		check "TLS: HTTPS without the token: 401" \
			'[[ $(curl -s -m 5 --cacert "$TMP/cert.pem" -o /dev/null -w "%{http_code}" "https://127.0.0.1:$TLS/api/v1/status") == 401 ]]'
		check "TLS: plain HTTP is not answered" \
			'! curl -sf -m 3 -H "Authorization: Bearer s3cret-token-0123456789" "http://127.0.0.1:$TLS/api/v1/status" >/dev/null'
		stop_daemon t
	else
		t_fail "TLS: daemon starts" "$(tail -5 "$TMP/t.log")"
	fi
else
	t_skip "TLS" "openssl cannot make a test certificate"
fi
printf 'version: 1\ndataplane: {driver: fake}\ndaemon: {api_tls_cert: /x.pem}\nservices: []\npools: {}\n' >"$TMP/half.yaml"
"$BALLAST" validate -c "$TMP/half.yaml" >"$TMP/half.out" 2>&1
check "TLS: a certificate without its key is refused by validate" \
	'grep -q "needs both .api_tls_cert. and .api_tls_key." "$TMP/half.out"' "$(cat "$TMP/half.out")"
t_done daemon-api
