#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Health-check integration tests: real servers on loopback and in a network
# namespace, the engine driven through tests/health/hc_tool.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/result.sh

B=${BUILD:-build}
SRV=$B/tests/health/hc_testsrv
TOOL=$B/tests/health/hc_tool
TMP=$(mktemp -d /tmp/ballast-health.XXXXXX)
NS=ballast-hc-$$
VETH=bhc$$
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "$VETH" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

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

# start_srv NAME [netns] ARGS...: server with a control fifo; waits for ready.
start_srv() {
	local name=$1
	shift
	mkfifo "$TMP/$name.ctl"
	"$@" <"$TMP/$name.ctl" >"$TMP/$name.out" 2>&1 &
	PIDS+=($!)
	eval "exec {fd_$name}>\"$TMP/$name.ctl\""
	wait_for 3000 grep -q ready "$TMP/$name.out"
}

# ctl NAME COMMAND: send a command and wait for its acknowledgement.
ctl() {
	local n fdvar=fd_$1
	n=$(grep -c '^ok' "$TMP/$1.out")
	echo "$2" >&"${!fdvar}"
	wait_for 3000 test "$(grep -c '^ok' "$TMP/$1.out")" -gt "$n"
}

# start_tool NAME ARGS...: engine driver writing JSON lines.
start_tool() {
	local name=$1
	shift
	"$TOOL" --json "$@" >"$TMP/$name.json" 2>"$TMP/$name.err" &
	PIDS+=($!)
}

# nth_event FILE N STATE: the Nth transition goes to STATE.
nth_event() {
	[[ $(grep '"transition"' "$1" | sed -n "${2}p" | grep -c "\"to\":\"$3\"") -eq 1 ]]
}

expect_event() { # NAME TEST N STATE TIMEOUT [CAUSE]
	if wait_for "$5" nth_event "$TMP/$1.json" "$3" "$4" &&
		{ [[ -z "${6:-}" ]] || grep '"transition"' "$TMP/$1.json" | sed -n "${3}p" | grep -q "$6"; }; then
		t_pass "$2"
	else
		t_fail "$2" "$(grep transition "$TMP/$1.json" | tail -2 | tr '\n' ' ')"
	fi
}

# ---- http: up, status mismatch, body mismatch, hang (timeout), refuse ------
P=18600
start_srv web "$SRV" -p $P -a 127.0.0.1 -m http -b "status: ready"
start_tool web -t http -a 127.0.0.1 -p $P -i 100 -F 50 -T 60 --rise 2 --fall 2 --body ready --for 20000
expect_event web "http: unknown -> up on 200 with body" 1 up 2000 "HTTP 200"
ctl web "code 503"
expect_event web "http: 503 -> down" 2 down 2000 "HTTP 503 not expected"
ctl web "code 200"
expect_event web "http: back up" 3 up 2000
ctl web "body status: starting"
expect_event web "http: body mismatch -> down" 4 down 2000 "body lacks"
ctl web "body status: ready"
expect_event web "http: body back" 5 up 2000
ctl web "mode hang"
expect_event web "http: accepts but never answers -> down by timeout" 6 down 2000 "timeout after 60 ms"
ctl web "mode http"
expect_event web "http: answers again" 7 up 2000
ctl web "mode refuse"
expect_event web "http: refused -> down" 8 down 2000 "refused"

# ---- https with a self-signed certificate, verify on and off ------------
if openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ballast.test \
	-addext "subjectAltName=DNS:ballast.test,IP:127.0.0.1" \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1; then
	P=18601
	start_srv tls "$SRV" -p $P -a 127.0.0.1 -m https --cert "$TMP/cert.pem" --key "$TMP/key.pem"
	start_tool tls_off -t https -a 127.0.0.1 -p $P -i 100 -T 80 --rise 1 --fall 1 --for 3000
	expect_event tls_off "https: verify off accepts a self-signed certificate" 1 up 2000 "HTTP 200"
	start_tool tls_sys -t https -a 127.0.0.1 -p $P -i 100 -T 80 --rise 1 --fall 1 --verify --for 3000
	expect_event tls_sys "https: verify on without the CA -> down" 1 down 2000 "certificate"
	start_tool tls_ca -t https -a 127.0.0.1 -p $P -i 100 -T 80 --rise 1 --fall 1 --verify --ca "$TMP/cert.pem" --for 3000
	expect_event tls_ca "https: verify on with the CA file (IP SAN)" 1 up 2000
	start_tool tls_sni -t https -a 127.0.0.1 -p $P -i 100 -T 80 --rise 1 --fall 1 --verify --ca "$TMP/cert.pem" --sni ballast.test --for 3000
	expect_event tls_sni "https: SNI name verified" 1 up 2000
	start_tool tls_bad -t https -a 127.0.0.1 -p $P -i 100 -T 80 --rise 1 --fall 1 --verify --ca "$TMP/cert.pem" --sni other.test --for 3000
	expect_event tls_bad "https: SNI name mismatch -> down" 1 down 2000 "certificate"
	start_tool tls_plain -t https -a 127.0.0.1 -p 18600 -i 100 -T 80 --rise 1 --fall 1 --for 3000
	ctl web "mode http"
	expect_event tls_plain "https against plain HTTP -> down" 1 down 2000
else
	t_skip "https" "openssl CLI could not make a certificate"
fi

# ---- 5,000 targets: fd limit raised, then lowered -----------------------
P=18602
N=5000
start_srv many "$SRV" -p $P -r 127.3.0.1 $N -m tcp -n 20000
out=$("$TOOL" --quiet -t tcp -r 127.3.0.1 $N -p $P -i 1000 -T 500 --rise 1 --for 2600 -w 1000 --nofile 20000 2>&1)
if [[ "$out" =~ internal=0 ]] && [[ "$out" =~ failed=0 ]] && [[ $(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$out") -ge $((N * 2)) ]]; then
	t_pass "5000 tcp targets, fd limit 20000: all probed, none failed"
else
	t_fail "5000 targets raised limit" "$out"
fi
# Against servers that accept and never answer, every probe holds its socket
# for the whole timeout: 5,000 of them cannot fit in 256 descriptors.
start_srv hang "$SRV" -p $P -r 127.4.0.1 $N -m hang -n 20000
out=$("$TOOL" --quiet -t http -r 127.4.0.1 $N -p $P -i 1000 -T 500 --rise 1 --for 2600 --nofile 256 2>&1)
rc=$?
if [[ $rc -eq 0 ]] && [[ "$out" =~ "open-files limit is 256" ]] &&
	[[ "$out" =~ "out of file descriptors" ]] && ! [[ "$out" =~ internal=0\  ]]; then
	t_pass "5000 tcp targets, fd limit 256: clear error, failing open, no crash"
else
	t_fail "5000 targets lowered limit" "rc=$rc $(tail -3 <<<"$out")"
fi

# ---- TIME_WAIT stays flat under TCP checks ------------------------------
tw() { ss -Htan state time-wait "( dport = :$P or sport = :$P )" | wc -l; }
before=$(tw)
"$TOOL" --quiet -t tcp -r 127.3.0.1 2000 -p $P -i 200 -T 150 --for 2000 --nofile 20000 >/dev/null 2>&1
after=$(tw)
if ((after - before <= 5)); then
	t_pass "TIME_WAIT flat after ~20,000 TCP checks (before $before, after $after)"
else
	t_fail "TIME_WAIT build-up" "before $before after $after"
fi

# ---- ballast probe on a configuration file --------------------------------
if [[ -x ./ballast ]] && ./ballast probe --help >/dev/null 2>&1; then
	P=18610
	start_srv cli "$SRV" -p $P -a 127.0.0.1 -a 127.0.0.2 -m http
	cat >"$TMP/probe.yaml" <<YAML
version: 1
dataplane:
  driver: fake
health:
  type: http
  interval: 100ms
  rise: 2
  fall: 2
pools:
  web:
    backends:
      - 127.0.0.1:$P
      - 127.0.0.1:$((P + 1))
      - address: 127.0.0.2
        port: $((P + 1))
        health: { type: tcp, port: $P }
  other:
    backends: [127.0.0.1:$P]
services:
  - name: web
    address: 192.0.2.30
    port: 80
    pool: web
  - name: other
    address: 192.0.2.31
    port: 80
    pool: other
YAML
	./ballast probe -c "$TMP/probe.yaml" --json --for 1500ms >"$TMP/cli.json" 2>"$TMP/cli.err"
	rc=$?
	sum=$(grep '"summary"' "$TMP/cli.json")
	if [[ $rc -eq 0 ]] && grep -q "\"port\":$P,.*\"to\":\"up\"" "$TMP/cli.json" &&
		grep -q "\"port\":$((P + 1)),.*\"to\":\"down\"" "$TMP/cli.json" &&
		[[ "$sum" == *'"targets":3'* ]] && [[ "$sum" == *'"reals":4'* ]]; then
		t_pass "ballast probe --json: transitions, summary, one probe shared by two pools"
	else
		t_fail "ballast probe --json" "rc=$rc $(head -c 600 "$TMP/cli.json") $(cat "$TMP/cli.err")"
	fi
	out=$(./ballast probe -c "$TMP/probe.yaml" --for 800ms 2>&1)
	if [[ "$out" == *"unknown -> up"* ]] && [[ "$out" == *"POOL"* ]] && [[ "$out" == *"probe targets"* ]]; then
		t_pass "ballast probe: text transitions and summary"
	else
		t_fail "ballast probe text" "$out"
	fi
	echo "pools: {" >"$TMP/bad.yaml"
	if ! ./ballast probe -c "$TMP/bad.yaml" --for 1s >/dev/null 2>"$TMP/bad.err" && grep -q "bad.yaml:" "$TMP/bad.err"; then
		t_pass "ballast probe: a broken file is reported with its location"
	else
		t_fail "ballast probe bad file" "$(cat "$TMP/bad.err")"
	fi
else
	t_skip "ballast probe" "./ballast not built"
fi

# ---- detection time and ICMP across a namespace link ---------------------
if ip netns add "$NS" 2>/dev/null && ip link add "$VETH" type veth peer name "${VETH}n" &&
	ip link set "${VETH}n" netns "$NS" &&
	ip addr add 10.213.0.1/30 dev "$VETH" && ip link set "$VETH" up &&
	ip -n "$NS" addr add 10.213.0.2/30 dev "${VETH}n" && ip -n "$NS" link set "${VETH}n" up &&
	ip -n "$NS" link set lo up; then
	start_srv ns ip netns exec "$NS" "$SRV" -p 18603 -a 10.213.0.2 -m tcp
	INT=200 FALL=3 TO=100
	start_tool det -t tcp -a 10.213.0.2 -p 18603 -i $INT -T $TO --rise 1 --fall $FALL --for 20000
	start_tool icmp -t icmp -a 10.213.0.2 -i $INT -T $TO --rise 1 --fall $FALL --for 20000
	expect_event det "netns tcp real up" 1 up 3000
	expect_event icmp "icmp echo across the namespace: up" 1 up 3000
	sleep 0.137 # an arbitrary phase of the probe period for the cut
	t0=$(now_ms)
	ip -n "$NS" link set "${VETH}n" down
	expect_event det "netns tcp real down after link cut (timeouts)" 2 down 3000 "timeout"
	expect_event icmp "icmp: down after link cut" 2 down 3000
	t1=$(grep '"transition"' "$TMP/det.json" | sed -n 2p | sed 's/.*"unix_ms":\([0-9]*\).*/\1/')
	bound=$((FALL * INT + TO + 50))
	if [[ -n "$t1" ]] && ((t1 - t0 <= bound)); then
		t_pass "detection $((t1 - t0)) ms <= fall*interval+timeout+50 = $bound ms"
	else
		t_fail "detection time" "$((${t1:-0} - t0)) ms > $bound ms"
	fi
	ip -n "$NS" link set "${VETH}n" up
	expect_event det "netns tcp real back up after link restored" 3 up 3000

	# ICMP without CAP_NET_RAW: the ping socket when the namespace allows
	# it, else a clear checker error that fails open.
	nopriv() { ip netns exec "$NS" setpriv --inh-caps=-net_raw --bounding-set=-net_raw "$@"; }
	if ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="1 0"; then
		out=$(nopriv "$TOOL" --json -t icmp -a 127.0.0.1 -i 100 -T 80 --rise 1 --for 600 2>&1)
		if [[ "$out" == *'"failing_open":true'* ]] && [[ "$out" == *"ping_group_range"* ]]; then
			t_pass "icmp without CAP_NET_RAW nor ping sockets: checker error, failing open"
		else
			t_fail "icmp unprivileged, no ping sockets" "$(tail -c 400 <<<"$out")"
		fi
		ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
		out=$(nopriv "$TOOL" --json -t icmp -a 127.0.0.1 -i 100 -T 80 --rise 1 --for 600 2>&1)
		if [[ "$out" == *'"to":"up"'* ]] && [[ "$out" == *'"last":"echo reply"'* ]]; then
			t_pass "icmp without CAP_NET_RAW: unprivileged ping socket"
		else
			t_fail "icmp ping socket" "$(tail -c 400 <<<"$out")"
		fi
	else
		t_skip "icmp unprivileged" "cannot set net.ipv4.ping_group_range in the namespace"
	fi
else
	t_skip "netns" "cannot create a network namespace"
fi

t_done health-integration
