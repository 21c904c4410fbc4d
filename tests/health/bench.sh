#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Health-check benchmark: Ballast's engine and HAProxy 2.6 (nbthread 1) check
# the same loopback targets at the same time; CPU per check from
# /proc/PID/stat over one fixed window, check counts from the target server.
#   WARM=3 WIN=10 tests/health/bench.sh
set -u
cd "$(dirname "$0")/../.."

B=${BUILD:-build}
SRV=$B/tests/health/hc_testsrv
TOOL=$B/tests/health/hc_tool
WARM=${WARM:-3}
WIN=${WIN:-10}
TMP=$(mktemp -d /tmp/ballast-hcbench.XXXXXX)
NS=ballast-hcb-$$
VETH=bhb$$
PIDS=()
HZ=$(getconf CLK_TCK)

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "$VETH" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
wait_for() {
	local end=$(($(now_ms) + $1))
	shift
	while ! "$@" 2>/dev/null; do
		(($(now_ms) < end)) || return 1
		sleep 0.01
	done
}
# CPU ticks (user + system) of a process.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

start_srv() { # NAME ARGS...
	local name=$1
	shift
	mkfifo "$TMP/$name.ctl"
	"$@" <"$TMP/$name.ctl" >"$TMP/$name.out" 2>&1 &
	PIDS+=($!)
	eval "exec {fd_$name}>\"$TMP/$name.ctl\""
	wait_for 10000 grep -q ready "$TMP/$name.out"
}
ctl() { # NAME COMMAND: send, wait for the acknowledgement
	local n fdvar=fd_$1
	n=$(grep -c '^ok' "$TMP/$1.out")
	echo "$2" >&"${!fdvar}"
	wait_for 5000 test "$(grep -c '^ok' "$TMP/$1.out")" -gt "$n"
}

FDMAX=$(($(ulimit -Hn) - 500))
min() { echo $(($1 < $2 ? $1 : $2)); }
# addr_add A K: IPv4 address K after A.
addr_add() {
	local a b c d v
	IFS=. read -r a b c d <<<"$1"
	v=$((((a << 24) | (b << 16) | (c << 8) | d) + $2))
	echo "$((v >> 24 & 255)).$((v >> 16 & 255)).$((v >> 8 & 255)).$((v & 255))"
}
# two target servers share the range, so neither becomes the bottleneck
start_targets() { # NAME TYPE FIRST N PORT
	local h=$(($4 / 2))
	start_srv "$1a" "$SRV" -p "$5" -r "$3" $h -m "$2" -n "$FDMAX"
	start_srv "$1b" "$SRV" -p "$5" -r "$(addr_add "$3" $h)" $(($4 - h)) -m "$2" -n "$FDMAX"
}
stop_targets() { ctl "$1a" quit; ctl "$1b" quit; }

# Sum of HAProxy's failed checks (chkfail) over every server, from its stats.
hap_failed() {
	python3 - "$TMP/hap.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
d = b""
while True:
    x = s.recv(65536)
    if not x:
        break
    d += x
lines = d.decode().splitlines()
hdr = lines[0].lstrip("# ").split(",")
i = hdr.index("chkfail")
print(sum(int(f.split(",")[i] or 0) for f in lines[1:] if f and f.split(",")[1] not in ("FRONTEND", "BACKEND")))
PY
}

haproxy_cfg() { # TYPE N FIRST PORT FEPORT
	local type=$1 n=$2 first=$3 port=$4 fe=$5 i a
	cat <<CFG
global
    nbthread 1
    stats socket $TMP/hap.sock mode 600 level admin
    maxconn $(min $((n * 2 + 1000)) $(((FDMAX - n - 1000) / 2)))
    ulimit-n $FDMAX
defaults
    mode tcp
    timeout connect 500ms
    timeout check 500ms
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:$fe
    default_backend be
backend be
$([[ $type == http ]] && echo "    option httpchk GET /")
    default-server check inter 1s fastinter 500ms downinter 1s rise 2 fall 3
CFG
	IFS=. read -r a b c d <<<"$first"
	local base=$(((a << 24) | (b << 16) | (c << 8) | d))
	for ((i = 0; i < n; i++)); do
		local v=$((base + i))
		echo "    server s$i $((v >> 24 & 255)).$((v >> 16 & 255)).$((v >> 8 & 255)).$((v & 255)):$port"
	done
}

# pair TYPE N: both checkers on N targets at 1 s; prints one result row.
pair() {
	local type=$1 n=$2 port=$3 first=$4 name=t$1$2
	start_targets "$name" "$type" "$first" "$n" "$port"
	haproxy_cfg "$type" "$n" "$first" "$port" $((port + 1)) >"$TMP/$name.cfg"
	haproxy -db -f "$TMP/$name.cfg" >"$TMP/$name.hap.log" 2>&1 &
	local hap=$!
	PIDS+=($hap)
	"$TOOL" --json -t "$type" -r "$first" "$n" -p "$port" -i 1000 -F 500 -T 500 \
		--rise 2 --fall 3 --for $(((WARM + WIN + 2) * 1000)) -w $((WARM * 1000)) \
		--window $((WIN * 1000)) --nofile "$FDMAX" ${TOOL_ARGS:-} >"$TMP/$name.tool" 2>&1 &
	local bal=$!
	PIDS+=($bal)
	sleep "$WARM" # let first probes spread and both settle
	local h0 b0 a0 h1 b1 a1
	h0=$(ticks $hap) b0=$(ticks $bal)
	sleep "$WIN" # the measured window
	h1=$(ticks $hap) b1=$(ticks $bal)
	local hfail
	hfail=$(hap_failed)
	wait $bal
	local bchecks hchecks bus hus
	bchecks=$(sed -n 's/.*checks=\([0-9]*\).*/\1/p' "$TMP/$name.tool")
	# HAProxy checks every up server once per inter (1 s, no jitter); the
	# target servers cannot count them, as its TCP checks reset before the
	# handshake completes on their side.
	hchecks=$((n * WIN))
	bus=$(((b1 - b0) * 1000000 / HZ))
	hus=$(((h1 - h0) * 1000000 / HZ))
	kill $hap 2>/dev/null
	wait $hap 2>/dev/null
	stop_targets "$name"
	awk -v t="$type" -v n="$n" -v bc="$bchecks" -v hc="$hchecks" -v bu="$bus" -v hu="$hus" -v w="$WIN" 'BEGIN {
		bp = bc ? bu / bc : 0; hp = hc ? hu / hc : 0
		printf "| %-4s | %6d | %8d | %8.1f | %5.1f %% | %8d | %8.1f | %5.1f %% | %5.2fx |\n",
			t, n, bc, bp, bu / (w * 10000), hc, hp, hu / (w * 10000), hp ? bp / hp : 0 }'
	grep '^measure' "$TMP/$name.tool" | sed 's/^/    ballast: /' >&2
	# why checks failed, when some did
	grep '"transition"' "$TMP/$name.tool" | grep -v '"to":"up"' |
		sed 's/.*"cause":"\([^"]*\)".*/\1/' | sort | uniq -c | sort -rn | head -3 |
		sed 's/^/    ballast down transitions: /' >&2
	# with TOOL_ARGS=--debug: every failed check's cause
	grep -o 'check failed: .*' "$TMP/$name.tool" | sort | uniq -c | sort -rn | head -3 |
		sed 's/^/    ballast failed checks: /' >&2
	echo "    haproxy: failed checks over the run: $hfail" >&2
}

echo "Health checking benchmark: $(nproc) cores, $(uname -r), $(haproxy -v | head -1 | awk '{print $1, $3}')"
echo "interval 1 s, fast 500 ms, timeout 500 ms, rise 2, fall 3; window ${WIN} s after ${WARM} s warm-up; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| type | targets | ballast checks | µs/check | core | haproxy checks | µs/check | core | ratio |"
echo "|------|--------:|---------:|---------:|------:|---------:|---------:|------:|------:|"
port=18801 net=20
for c in ${CASES:-tcp:1000 tcp:5000 http:1000 http:5000}; do
	pair "${c%%:*}" "${c##*:}" $port 127.$net.0.1
	port=$((port + 2)) net=$((net + 1))
done
[[ -n "${CASES:-}" ]] && exit 0

# ---- 10,000 TCP targets at 1 s, Ballast alone on one core ----------------
N=10000
start_targets big tcp 127.24.0.1 $N 18809
"$TOOL" --quiet -t tcp -r 127.24.0.1 $N -p 18809 -i 1000 -F 500 -T 500 --for $(((WARM + WIN + 2) * 1000)) \
	-w $((WARM * 1000)) --window $((WIN * 1000)) --nofile "$FDMAX" >"$TMP/big.tool" 2>&1 &
bal=$!
PIDS+=($bal)
tw() { ss -Htan state time-wait "( dport = :18809 or sport = :18809 )" | wc -l; }
tw0=$(tw)
sleep "$WARM"
b0=$(ticks $bal)
twmax=0
for ((s = 0; s < WIN; s++)); do
	sleep 1
	tw=$(tw)
	((tw > twmax)) && twmax=$tw
done
b1=$(ticks $bal)
wait $bal
echo
echo "10,000 TCP targets at 1 s: $(awk -v b=$((b1 - b0)) -v hz=$HZ -v w=$WIN 'BEGIN{printf "%.1f %% of one core", b * 100 / hz / w}') (goal <= 30 %); $(sed 's/measure //' "$TMP/big.tool")"
echo "TIME_WAIT sockets to or from the targets' port: $tw0 before, at most $twmax during ~$((N * WIN)) TCP checks"
stop_targets big

# ---- detection time of dead reals (link cut in a namespace) --------------
if ip netns add "$NS" && ip link add "$VETH" type veth peer name "${VETH}n" &&
	ip link set "${VETH}n" netns "$NS" && ip addr add 10.214.0.1/24 dev "$VETH" &&
	ip link set "$VETH" up && ip -n "$NS" link set "${VETH}n" up && ip -n "$NS" link set lo up; then
	for i in $(seq 10 49); do ip -n "$NS" addr add 10.214.0.$i/24 dev "${VETH}n"; done
	start_srv det ip netns exec "$NS" "$SRV" -p 18811 -r 10.214.0.10 40 -m tcp
	"$TOOL" --json -t tcp -r 10.214.0.10 40 -p 18811 -i 1000 -F 500 -T 500 --rise 2 --fall 3 \
		--for 12000 >"$TMP/det.json" 2>&1 &
	PIDS+=($!)
	wait_for 5000 test "$(grep -c '"to":"up"' "$TMP/det.json")" -eq 40
	sleep 0.$((RANDOM % 900 + 100)) # cut at an arbitrary phase
	t0=$(now_ms)
	ip -n "$NS" link set "${VETH}n" down
	wait_for 6000 test "$(grep -c '"to":"down"' "$TMP/det.json")" -eq 40
	grep '"to":"down"' "$TMP/det.json" | sed 's/.*"unix_ms":\([0-9]*\).*/\1/' |
		awk -v t0="$t0" '{d = $1 - t0; s += d; if (d > m) m = d; if (!n || d < lo) lo = d; n++}
		END {printf "Detection of a dead real (40 reals, link cut, 1 s interval, 500 ms fast interval and timeout, fall 3): min %d, mean %d, max %d ms over %d reals; bound fall x interval + timeout + 50 ms = 3550 ms\n", lo, s / n, m, n}'
else
	echo "Detection time: skipped (no network namespaces)"
fi
