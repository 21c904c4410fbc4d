#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The control API framework end to end: tests/api/api_testsrv (the real
# listeners, routing, envelope, auth, limits, audit, SSE and metrics in
# front of fake handlers) driven with curl over the unix socket and TCP.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/result.sh
. tests/lib/wait.sh

B=${BUILD:-build}
SRV=$B/tests/api/api_testsrv
TMP=$(mktemp -d /tmp/ballast-api.XXXXXX)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# start NAME ARGS...: run the test server; succeeds once it says "ready"
# (within 5 s), fails as soon as it exits.
start() {
	local name=$1 pid
	shift
	"$SRV" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	pid=$!
	PIDS+=($pid)
	eval "PID_$name=$pid"
	wait_for 5000 ready_or_gone "$TMP/$name.out" "$pid"
	grep -q '^ready' "$TMP/$name.out"
}
ready_or_gone() { grep -q '^ready' "$1" || ! kill -0 "$2"; }

# check NAME COND [WHY]: pass when the shell condition holds.
check() {
	if eval "$2"; then t_pass "$1"; else t_fail "$1" "${3:-$2}"; fi
}

S=$TMP/api.sock
U=(--unix-socket "$S" -s -m 5)
# req OUT_PREFIX CURL_ARGS...: body in OUT.body, status in OUT.code
req() {
	local out=$1
	shift
	curl "$@" -o "$out.body" -D "$out.hdr" -w '%{http_code}' >"$out.code" 2>/dev/null
}
code() { cat "$1.code"; }
jfield() { jq -r "$2" <"$1.body" 2>/dev/null; }

# expect_error NAME OUT STATUS CODE: an error envelope with that code.
expect_error() {
	local st c ok
	st=$(code "$2")
	c=$(jfield "$2" '.error.code')
	ok=$(jfield "$2" '.success')
	if [[ $st == "$3" && $c == "$4" && $ok == false ]] &&
		[[ -n $(jfield "$2" '.error.message // empty') ]]; then
		t_pass "$1"
	else
		t_fail "$1" "status $st code $c success $ok: $(head -c 300 "$2.body")"
	fi
}

# ---- server with a unix socket and TCP with a token --------------------
openssl rand -hex 24 >"$TMP/token" 2>/dev/null || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/token"
chmod 600 "$TMP/token"
TOKEN=$(cat "$TMP/token")
if ! start main --socket "$S" --listen 127.0.0.1:0 --token-file "$TMP/token" \
	--port-file "$TMP/port" --timeout 2 --ring 8 --keepalive-ms 300; then
	t_fail "server starts" "$(cat "$TMP/main.err")"
	t_done api
	exit 1
fi
PORT=$(cat "$TMP/port")
T=(-s -m 5 -H "Authorization: Bearer $TOKEN")
H="http://127.0.0.1:$PORT"

check "the server runs on one thread (MHD without its own)" \
	'[[ $(ls /proc/$PID_main/task | wc -l) -eq 1 ]]' "$(ls /proc/$PID_main/task | wc -l) threads"
check "unix socket is mode 0600" '[[ $(stat -c %a "$S") == 600 ]]' "mode $(stat -c %a "$S")"
if [[ $(id -u) -eq 0 ]]; then
	check "unix socket is owned by root" '[[ $(stat -c %U "$S") == root ]]'
fi

# ---- envelope and codes ------------------------------------------------
req "$TMP/r" "${U[@]}" http://x/health
check "GET /health: 200 {success: true, data.status: ok}" \
	'[[ $(code $TMP/r) == 200 && $(jfield $TMP/r .success) == true && $(jfield $TMP/r .data.status) == ok ]]' \
	"$(code "$TMP/r") $(cat "$TMP/r.body")"
check "replies are application/json" 'grep -qi "^content-type: application/json" $TMP/r.hdr'

req "$TMP/r" "${U[@]}" http://x/api/v1/services/web
check "route parameter: GET /api/v1/services/web" \
	'[[ $(code $TMP/r) == 200 && $(jfield $TMP/r .data.name) == web ]]' "$(cat "$TMP/r.body")"
req "$TMP/r" "${U[@]}" http://x/api/v1/services/web/
check "a trailing slash routes the same" '[[ $(code $TMP/r) == 200 ]]'

req "$TMP/r" "${U[@]}" http://x/api/v1/services/nope
expect_error "unknown service: 404 NOT_FOUND" "$TMP/r" 404 NOT_FOUND
req "$TMP/r" "${U[@]}" http://x/api/v2/nothing
expect_error "unknown endpoint: 404 NOT_FOUND" "$TMP/r" 404 NOT_FOUND
req "$TMP/r" "${U[@]}" -X PUT http://x/api/v1/services/web
expect_error "known path, wrong method: 405" "$TMP/r" 405 METHOD_NOT_ALLOWED
check "405 names the allowed methods" 'grep -qi "^allow: GET, DELETE" $TMP/r.hdr' "$(cat "$TMP/r.hdr")"
req "$TMP/r" "${U[@]}" -X POST http://x/health
expect_error "POST /health: 405" "$TMP/r" 405 METHOD_NOT_ALLOWED

req "$TMP/r" "${U[@]}" -d '{"name": ' http://x/api/v1/services
expect_error "malformed JSON: 400 INVALID_REQUEST" "$TMP/r" 400 INVALID_REQUEST
check "malformed JSON: the message gives line and column" \
	'jfield $TMP/r .error.message | grep -q "line 1 column"' "$(cat "$TMP/r.body")"
req "$TMP/r" "${U[@]}" -d '{"name": "a", "name": "b"}' http://x/api/v1/services
expect_error "duplicate keys: 400 INVALID_REQUEST" "$TMP/r" 400 INVALID_REQUEST
req "$TMP/r" "${U[@]}" -d '[1, 2]' http://x/api/v1/services
expect_error "handler-side validation: 400 INVALID_REQUEST" "$TMP/r" 400 INVALID_REQUEST

req "$TMP/r" "${U[@]}" -d '{"name": "db"}' http://x/api/v1/services
check "create: 201 with the envelope" \
	'[[ $(code $TMP/r) == 201 && $(jfield $TMP/r .success) == true && $(jfield $TMP/r .data.name) == db ]]' \
	"$(code "$TMP/r") $(cat "$TMP/r.body")"
req "$TMP/r" "${U[@]}" -d '{"name": "db"}' http://x/api/v1/services
expect_error "create twice: 409 ALREADY_EXISTS" "$TMP/r" 409 ALREADY_EXISTS
req "$TMP/r" "${U[@]}" -d '{"name": "c"}' http://x/api/v1/services
req "$TMP/r" "${U[@]}" -d '{"name": "d"}' http://x/api/v1/services
req "$TMP/r" "${U[@]}" -d '{"name": "e"}' http://x/api/v1/services
expect_error "table full: 507 SPACE_EXHAUSTED" "$TMP/r" 507 SPACE_EXHAUSTED
req "$TMP/r" "${U[@]}" -X DELETE http://x/api/v1/services/db
check "delete: 200, data null" \
	'[[ $(code $TMP/r) == 200 && $(jfield $TMP/r .data) == null ]]' "$(cat "$TMP/r.body")"
req "$TMP/r" "${U[@]}" -X DELETE http://x/api/v1/services/db
expect_error "delete twice: 404 NOT_FOUND" "$TMP/r" 404 NOT_FOUND
req "$TMP/r" "${U[@]}" http://x/api/v1/fail
expect_error "a failing handler: 500 INTERNAL_ERROR" "$TMP/r" 500 INTERNAL_ERROR

req "$TMP/r" "${U[@]}" 'http://x/api/v1/query?a=x%20y&b=%C3%A9'
check "query parameters are decoded" \
	'[[ $(jfield $TMP/r .data.a) == "x y" && $(jfield $TMP/r .data.b) == é ]]' "$(cat "$TMP/r.body")"

# ---- limits ------------------------------------------------------------
head -c 70000 /dev/zero | tr '\0' ' ' >"$TMP/big"
req "$TMP/r" "${U[@]}" --data-binary @"$TMP/big" http://x/api/v1/services
expect_error "body over 64 KiB (Content-Length): 413" "$TMP/r" 413 INVALID_REQUEST
req "$TMP/r" "${U[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big" http://x/api/v1/services
expect_error "body over 64 KiB (chunked): 413" "$TMP/r" 413 INVALID_REQUEST
{ head -c 65000 /dev/zero | tr '\0' ' '; echo '{"name": "big"}'; } >"$TMP/fits"
req "$TMP/r" "${U[@]}" --data-binary @"$TMP/fits" http://x/api/v1/services/web
expect_error "a body just under the limit is read (then 405)" "$TMP/r" 405 METHOD_NOT_ALLOWED
req "$TMP/r" "${U[@]}" -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" http://x/health
expect_error "headers over 16 KiB: 431" "$TMP/r" 431 INVALID_REQUEST
req "$TMP/r" "${U[@]}" -H "X-Big: $(head -c 8000 /dev/zero | tr '\0' a)" http://x/health
check "8 KiB of headers are fine" '[[ $(code $TMP/r) == 200 ]]'

# ---- TCP and the token -------------------------------------------------
req "$TMP/r" -s -m 5 "$H/health"
expect_error "TCP without a token: 401 UNAUTHORIZED" "$TMP/r" 401 UNAUTHORIZED
check "401 asks for a bearer token" 'grep -qi "^www-authenticate: Bearer" $TMP/r.hdr'
req "$TMP/r" -s -m 5 -H "Authorization: Bearer ${TOKEN}x" "$H/health"
expect_error "TCP with a wrong token: 401" "$TMP/r" 401 UNAUTHORIZED
req "$TMP/r" -s -m 5 -H "Authorization: Bearer ${TOKEN:0:10}" "$H/health"
expect_error "TCP with a prefix of the token: 401" "$TMP/r" 401 UNAUTHORIZED
req "$TMP/r" -s -m 5 -H "Authorization: Basic $TOKEN" "$H/health"
expect_error "TCP with another scheme: 401" "$TMP/r" 401 UNAUTHORIZED
req "$TMP/r" -s -m 5 -d '{"name": "x"}' "$H/api/v1/services"
expect_error "TCP POST without a token: 401 before the handler" "$TMP/r" 401 UNAUTHORIZED
req "$TMP/r" "${T[@]}" "$H/api/v1/whoami"
check "TCP with the token: 200, caller 'token 127.0.0.1:PORT'" \
	'[[ $(code $TMP/r) == 200 && $(jfield $TMP/r .data.label) =~ ^token\ 127\.0\.0\.1:[0-9]+$ ]]' \
	"$(cat "$TMP/r.body")"

# ---- caller identity and audit -----------------------------------------
req "$TMP/r" "${U[@]}" http://x/api/v1/whoami
check "unix caller: peer uid from SO_PEERCRED" \
	'[[ $(jfield $TMP/r .data.uid) == $(id -u) && $(jfield $TMP/r .data.peer_known) == true && $(jfield $TMP/r .data.pid) -gt 0 ]]' \
	"$(cat "$TMP/r.body")"
req "$TMP/a" "${U[@]}" http://x/api/v1/audit
check "every mutating call is audited (16 so far)" \
	'[[ $(jq ".data | length" <$TMP/a.body) == 16 ]]' "$(jq -c '.data | length' <"$TMP/a.body")"
check "GETs are not audited" \
	'[[ $(jq "[.data[] | select(.method == \"GET\")] | length" <$TMP/a.body) == 0 ]]'
check "audit: unix caller, method, path, status, code" \
	'jq -e ".data[] | select(.method == \"POST\" and .path == \"/api/v1/services\" and .status == 201 and .code == \"OK\" and (.caller | test(\"^uid=$(id -u) pid=[0-9]+$\")))" <$TMP/a.body >/dev/null'
check "audit: failures carry their code and message" \
	'jq -e ".data[] | select(.method == \"DELETE\" and .status == 404 and .code == \"NOT_FOUND\" and (.message | length > 0))" <$TMP/a.body >/dev/null'
check "audit: a refused TCP call names the unauthenticated peer" \
	'jq -e ".data[] | select(.status == 401 and (.caller | test(\"^unauthenticated 127.0.0.1:\")))" <$TMP/a.body >/dev/null'
check "audit: oversized bodies are audited" \
	'jq -e ".data[] | select(.status == 413)" <$TMP/a.body >/dev/null'

# ---- slow clients ------------------------------------------------------
# slow_client NAME unix|tcp ADDR PAYLOAD: send PAYLOAD (half a request) and
# hold the connection; prints "sent" once written and "closed MS" when the
# server hangs up (bounded at 10 s).
slow_client() {
	python3 - "$2" "$3" "$4" >"$TMP/$1.slow" 2>&1 <<'EOF' &
import socket, sys, time
kind, addr, payload = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "unix":
    s = socket.socket(socket.AF_UNIX); s.connect(addr)
else:
    h, p = addr.rsplit(":", 1); s = socket.create_connection((h, int(p)))
s.sendall(payload.encode().decode("unicode_escape").encode())
t0 = time.monotonic(); print("sent", flush=True)
s.settimeout(10)
try:
    while s.recv(4096):
        pass
    print("closed %d" % ((time.monotonic() - t0) * 1000), flush=True)
except socket.timeout:
    print("still open after 10 s", flush=True)
EOF
	PIDS+=($!)
	eval "SLOW_$1=$!"
	wait_for 3000 grep -q sent "$TMP/$1.slow"
}

slow_client head unix "$S" 'GET /health HTTP/1.1\r\nHost: x\r\nX-Partial: '
slow_client body unix "$S" 'POST /api/v1/services HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"na'
slow_client tcp tcp "127.0.0.1:$PORT" 'GET /health HTTP/1.1\r\nHost: x\r\n'
t0=$(now_ms)
ok=0
for i in 1 2 3 4 5; do
	req "$TMP/r" "${U[@]}" -m 1 http://x/api/v1/services && [[ $(code "$TMP/r") == 200 ]] && ok=$((ok + 1))
	req "$TMP/r" "${T[@]}" -m 1 "$H/health" && [[ $(code "$TMP/r") == 200 ]] && ok=$((ok + 1))
done
elapsed=$(($(now_ms) - t0))
check "three half-sent requests: 10 others served meanwhile ($elapsed ms)" \
	'[[ $ok -eq 10 && $elapsed -lt 1500 ]]' "$ok served in $elapsed ms"
check "slow clients are still connected while others are served" \
	'! grep -q closed $TMP/head.slow $TMP/body.slow $TMP/tcp.slow'
for n in head body tcp; do
	pid_var=SLOW_$n
	wait "${!pid_var}" 2>/dev/null
	check "slow client ($n) is cut off by the 2 s timeout" \
		'ms=$(sed -n "s/^closed //p" $TMP/$n.slow); [[ -n $ms && $ms -ge 1500 && $ms -le 4500 ]]' \
		"$(cat "$TMP/$n.slow")"
done

# ---- Server-Sent Events ------------------------------------------------
post_event() { curl "${U[@]}" -o /dev/null -d "{\"type\": \"$1\", \"data\": $2}" http://x/api/v1/events; }
for i in 1 2 3; do post_event test "{\"n\": $i}"; done
: >"$TMP/sse"
curl "${U[@]}" -m 20 -N -D "$TMP/sse.hdr" -H 'Last-Event-ID: 1' http://x/api/v1/events >"$TMP/sse" 2>/dev/null &
SSE=$!
PIDS+=($SSE)
check "SSE: Last-Event-ID 1 replays events 2 and 3" \
	'wait_for 3000 grep -q "^id: 3" $TMP/sse && ! grep -q "^id: 1$" $TMP/sse && grep -q "^id: 2$" $TMP/sse' \
	"$(head -c 400 "$TMP/sse")"
check "SSE: content type text/event-stream" 'grep -qi "^content-type: text/event-stream" $TMP/sse.hdr'
check "SSE: id, event and data lines" \
	'grep -A2 "^id: 2$" $TMP/sse | tr "\n" "|" | grep -q "^id: 2|event: test|data: {\"n\":2}|"' "$(head -c 400 "$TMP/sse")"
post_event live '"a\nb"'
check "SSE: a new event reaches the open stream" \
	'wait_for 3000 grep -q "^id: 4" $TMP/sse && grep -q "^data: \"a\\\\nb\"$" $TMP/sse' "$(tail -c 300 "$TMP/sse")"
check "SSE: keep-alive comments on an idle stream" \
	'wait_for 3000 grep -q "^: keep-alive" $TMP/sse'
req "$TMP/r" "${U[@]}" -m 1 http://x/api/v1/services
check "the loop serves others while a stream is open" '[[ $(code $TMP/r) == 200 ]]'
kill "$SSE" 2>/dev/null
wait "$SSE" 2>/dev/null

for i in $(seq 5 14); do post_event fill "$i"; done
curl "${U[@]}" -m 20 -N -H 'Last-Event-ID: 2' http://x/api/v1/events >"$TMP/sse2" 2>/dev/null &
SSE=$!
PIDS+=($SSE)
wait_for 3000 grep -q "^id: 14" "$TMP/sse2"
kill "$SSE" 2>/dev/null
wait "$SSE" 2>/dev/null
check "SSE: an id that fell out of the ring gets an events-lost marker first" \
	'[[ $(grep -m1 "^event:" $TMP/sse2) == "event: events-lost" ]] && grep -q "\"last_event_id\":2,\"first_available\":7" $TMP/sse2' \
	"$(head -c 400 "$TMP/sse2")"
check "SSE: then everything the ring holds (7..14)" \
	'[[ $(grep "^id:" $TMP/sse2 | tr "\n" " ") == "id: 7 id: 8 id: 9 id: 10 id: 11 id: 12 id: 13 id: 14 " ]]' \
	"$(grep '^id:' "$TMP/sse2" | tr '\n' ' ')"
req "$TMP/r" "${U[@]}" -H 'Last-Event-ID: seven' http://x/api/v1/events
expect_error "SSE: a malformed Last-Event-ID is 400" "$TMP/r" 400 INVALID_REQUEST

# ---- metrics -----------------------------------------------------------
req "$TMP/m" "${U[@]}" http://x/metrics
check "/metrics: Prometheus text content type" \
	'grep -qi "^content-type: text/plain; version=0.0.4" $TMP/m.hdr'
check "/metrics: label values escaped" \
	'grep -qF "service=\"quote\\\"back\\\\slash\\nnewline\"} 7" $TMP/m.body' "$(cat "$TMP/m.body")"
check "/metrics: histogram buckets are cumulative, +Inf equals _count" \
	'grep -q "^ballast_test_latency_seconds_bucket{service=\"web\",le=\"+Inf\"} 51$" $TMP/m.body && grep -q "^ballast_test_latency_seconds_count{service=\"web\"} 51$" $TMP/m.body'
if command -v promtool >/dev/null; then
	if promtool check metrics <"$TMP/m.body" >"$TMP/prom" 2>&1; then
		t_pass "/metrics passes promtool check metrics"
	else
		t_fail "/metrics passes promtool check metrics" "$(cat "$TMP/prom")"
	fi
else
	t_skip "/metrics passes promtool check metrics" "promtool not installed (Debian package prometheus)"
fi

# ---- the socket file ---------------------------------------------------
start second --socket "$S"
check "a second server on a live socket is refused" \
	'wait_for 3000 grep -q "another process is serving" $TMP/second.err' "$(cat "$TMP/second.err")"
req "$TMP/r" "${U[@]}" http://x/health
check "the first server keeps its socket" '[[ $(code $TMP/r) == 200 ]]'

touch "$TMP/file"
start file --socket "$TMP/file"
check "a path that is not a socket is refused and left alone" \
	'wait_for 3000 grep -q "is not a socket" $TMP/file.err && [[ -f $TMP/file ]]' "$(cat "$TMP/file.err")"

python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$TMP/stale.sock"
if start stale --socket "$TMP/stale.sock"; then
	req "$TMP/r" --unix-socket "$TMP/stale.sock" -s -m 5 http://x/health
	check "a stale socket file is replaced" '[[ $(code $TMP/r) == 200 ]]'
	kill "$PID_stale"
	wait "$PID_stale"
	rc=$?
	check "SIGTERM: exit 0 and the socket file is removed" \
		'[[ $rc -eq 0 && ! -e $TMP/stale.sock ]]'
else
	t_fail "a stale socket file is replaced" "$(cat "$TMP/stale.err")"
fi

chmod 644 "$TMP/token"
start loose --socket "$TMP/loose.sock" --listen 127.0.0.1:0 --token-file "$TMP/token"
check "a token file readable by others is refused with the fix" \
	'wait_for 3000 grep -q "chmod 600" $TMP/loose.err' "$(cat "$TMP/loose.err")"
chmod 600 "$TMP/token"

# ---- TLS ---------------------------------------------------------------
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
	-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 &&
	start tls --listen 127.0.0.1:0 --token-file "$TMP/token" --tls-cert "$TMP/cert.pem" \
		--tls-key "$TMP/key.pem" --port-file "$TMP/tlsport"; then
	TP=$(cat "$TMP/tlsport")
	req "$TMP/r" -s -m 5 --cacert "$TMP/cert.pem" -H "Authorization: Bearer $TOKEN" \
		"https://127.0.0.1:$TP/health"
	check "TLS: https with the token is 200" '[[ $(code $TMP/r) == 200 ]]' "$(cat "$TMP/r.body")"
	req "$TMP/r" -s -m 5 --cacert "$TMP/cert.pem" "https://127.0.0.1:$TP/health"
	expect_error "TLS: https without the token is 401" "$TMP/r" 401 UNAUTHORIZED
	req "$TMP/r" -s -m 5 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$TP/health"
	check "TLS: plain HTTP gets no answer" '[[ $(code $TMP/r) != 200 ]]'
	start badtls --listen 127.0.0.1:0 --token-file "$TMP/token" --tls-cert "$TMP/key.pem" \
		--tls-key "$TMP/cert.pem"
	check "TLS: a certificate that is not one is refused clearly" \
		'wait_for 3000 grep -q "certificate and key" $TMP/badtls.err' "$(cat "$TMP/badtls.err")"
else
	t_fail "TLS server starts" "$(cat "$TMP/tls.err" 2>/dev/null)"
fi

# ---- a read-only TCP listener (e.g. for Prometheus) ----------------------
if start ro --listen 127.0.0.1:0 --read-only --port-file "$TMP/roport"; then
	RP=$(cat "$TMP/roport")
	req "$TMP/r" -s -m 5 "http://127.0.0.1:$RP/metrics"
	check "read-only listener: GET /metrics needs no token" '[[ $(code $TMP/r) == 200 ]]'
	req "$TMP/r" -s -m 5 -d '{"name": "x"}' "http://127.0.0.1:$RP/api/v1/services"
	expect_error "read-only listener: POST is refused" "$TMP/r" 401 UNAUTHORIZED
else
	t_fail "read-only listener starts" "$(cat "$TMP/ro.err")"
fi
start rotok --listen 127.0.0.1:0 --read-only --token-file "$TMP/token"
check "read-only with a token is refused" \
	'wait_for 3000 grep -q "takes no token" $TMP/rotok.err' "$(cat "$TMP/rotok.err")"

: >"$TMP/sse3"
curl "${U[@]}" -m 20 -N http://x/api/v1/events >"$TMP/sse3" 2>/dev/null &
SSE=$!
PIDS+=($SSE)
wait_for 3000 grep -q "^: ballast events" "$TMP/sse3"
kill "$PID_main"
wait "$PID_main"
rc=$?
check "main server: exit 0 on SIGTERM with a stream open, socket removed" \
	'[[ $rc -eq 0 && ! -e $S ]]'
check "the open stream ends with the server" 'wait_for 3000 eval "! kill -0 $SSE"'


# Under a sanitizer build (BUILD=build-asan) the servers report here.
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
check "no sanitizer reports from any server" \
	'! grep -lE "AddressSanitizer|LeakSanitizer|runtime error" $TMP/*.err' \
	"$(grep -hE -A12 "AddressSanitizer|LeakSanitizer|runtime error" "$TMP"/*.err | head -40)"

t_done api
