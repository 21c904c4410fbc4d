#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The daemon on the XDP dataplane in the lab (tests/lab/lab.sh): `ballast
# apply --daemon` on the lb node with its own socket, state directory and
# lock directory, real traffic from the client, and
#   - a reload by rename (be3's weight to 0): new connections avoid be3;
#   - drift (a service deleted from the pinned maps by hand): repaired
#     within the tick bound and counted;
#   - a health event (be2's servers stopped): be2's weight 0 in the maps.
# Usage: daemon.sh BALLAST POKE. Skips (recording a skip) without root.
set -u
suite=lab-daemon
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/result.sh
. "$here/../lib/result.sh"

skip_all() { t_skip_all "$suite" "$1"; }
[[ $(id -u) -eq 0 ]] || skip_all "needs root (bpf, network namespaces)"
for c in ip nsenter unshare python3 curl jq; do
	command -v $c >/dev/null || skip_all "$c missing (make deps)"
done
[[ $# -eq 2 ]] || { echo "usage: daemon.sh BALLAST POKE" >&2; exit 1; }
B=$(realpath "$1")
POKE=$(realpath "$2")

if [[ -z "${BALLAST_LAB_INNER:-}" ]]; then
	BALLAST_LAB_INNER=1 exec unshare --mount --propagation private "$0" "$@"
fi

tmp=$(mktemp -d)
mkdir -p "$tmp/bpf" "$tmp/run"
mount -t bpf bpf "$tmp/bpf" || skip_all "cannot mount a bpf filesystem"
LAB_PREFIX=bldmn$$-
LAB_DIR=$tmp/lab
LAB_PINS=$tmp/bpf/lab
LAB_BALLAST=$B
# The writer lock of this run, not the host's /run/ballast.
export BALLAST_RUN_DIR=$tmp/run
# shellcheck source=tests/lab/lab.sh
. "$here/lab.sh"
PY=$LAB_PY
dir=$LAB_PINS/lb/eth0
out=$tmp/out
sock=$tmp/d.sock
conf=$LAB_DIR/c.yaml
dpid=

lab_reap bldmn

stop_daemon() {
	[[ -n $dpid ]] || return 0
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	dpid=
}
cleanup() {
	stop_daemon
	lab_down
	umount "$tmp/bpf" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

api() { curl -s -m 5 --unix-socket "$sock" "http://d$1"; }
status() { api /api/v1/status | jq -r ".data$1"; }
status_is() { [[ $(status "$1") == "$2" ]]; }
status_gt() { local v; v=$(status "$1"); [[ $v =~ ^[0-9]+$ ]] && ((v > $2)); }
# programmed SERVICE ADDR: the weight the daemon reads back from the maps.
programmed() {
	api "/api/v1/services/$1" | jq -r --arg a "$2" \
		'.data.reals[] | select(.address == $a) | .programmed_weight'
}
programmed_is() { [[ $(programmed "$1" "$2") == "$3" ]]; }
# map_weight ADDR: that real's weight(s) in the pinned maps, one per port.
map_weight() { "$POKE" "$dir" weights | awk -v a="$1" '$1 == a { print $3 }' | sort -u; }
# spread N: N new TCP connections to the IPv4 VIP, "NAME COUNT" in $out.
spread() { lab_x client python3 "$PY" spread tcp "$LAB_VIP4" 80 "$1" >"$out" 2>&1; }
count() { awk -v b="$1" '$1 == b { print $2 }' "$out"; }
# conf_for OUT EDITS...: lab.yaml with the daemon and HTTP health on.
conf_for() {
	local f=$1
	shift
	lab_conf "$f" "$@"
	cat >>"$f" <<EOF
daemon:
  tick: 500ms
  metrics_listen: null
health:
  type: http
  interval: 300ms
  fast_interval: 200ms
  timeout: 200ms
  rise: 1
  fall: 2
  http: {path: /}
EOF
}

if ! lab_up dsr >"$out" 2>&1; then
	t_fail "lab comes up" "$(tail -3 "$out")"
	t_done "$suite"
	exit 1
fi
conf_for "$conf"
# lab_down detaches with this file once the daemon is gone.
cp "$conf" "$LAB_DIR/applied.yaml"
lab_x lb "$B" apply --daemon -c "$conf" --socket "$sock" \
	--state-dir "$tmp/state" >"$tmp/daemon.log" 2>&1 &
dpid=$!
if ! lab_poll 10 curl -sf -m 1 --unix-socket "$sock" http://d/health -o /dev/null; then
	t_fail "daemon starts on the XDP dataplane" "$(tail -3 "$tmp/daemon.log")"
	t_done "$suite"
	exit 1
fi
t_pass "daemon starts on the XDP dataplane"
check "every real comes up (18 up)" lab_poll 10 status_is .counts.reals_up 18
check "the first pass programs the maps (be3 weight 2)" \
	lab_poll 5 programmed_is web 10.201.0.13 2
check "dataplane in status is xdp" status_is .dataplane.driver xdp
spread 200
check "traffic flows to all three backends ($(tr '\n' ' ' <"$out"))" \
	test -n "$(count be1)" -a -n "$(count be2)" -a -n "$(count be3)" \
	-a -z "$(count error)"

# ---- where one flow goes (GET /api/v1/flow) --------------------------------
# A connection from a known source port lands on some backend (its name is
# the body); the flow table then holds it, and the API must name that real.
be=$(lab_x client curl -s -m 3 --local-port 41234 "http://$LAB_VIP4/")
flow=$(api "/api/v1/flow?src=10.200.0.2:41234&dst=$LAB_VIP4:80&proto=tcp")
check "flow: a tracked flow is found in the flow table" \
	test "$(jq -r .data.how <<<"$flow")" = flow-table
check "flow: ... on the backend that answered it ($be)" \
	test "$(jq -r .data.real <<<"$flow")" = "10.201.0.1${be#be}:80"
flow=$(api "/api/v1/flow?src=10.200.0.2:41999&dst=$LAB_VIP4:80&proto=tcp")
check "flow: an untracked flow is answered from the ring" \
	jq -e '.data.how == "ring" and (.data.real | test("^10\\.201\\.0\\.1[123]:80$"))' <<<"$flow"
be=$(lab_x client curl -s -m 3 --local-port 41999 "http://$LAB_VIP4/")
check "flow: ... and the forwarder then sends it there ($be)" \
	test "$(jq -r .data.real <<<"$flow")" = "10.201.0.1${be#be}:80"

# ---- reload by rename -------------------------------------------------------
gen=$(status .config.generation)
conf_for "$conf.new" be3=0
mv "$conf.new" "$conf"
cp "$conf" "$LAB_DIR/applied.yaml"
check "reload: a new generation after the rename" lab_poll 5 status_gt .config.generation "$gen"
check "reload: be3's weight 0 read back from the maps" \
	lab_poll 5 programmed_is web 10.201.0.13 0
check "reload: the maps agree (poke weights)" test "$(map_weight 10.201.0.13)" = 0
spread 200
check "reload: new connections avoid be3 ($(tr '\n' ' ' <"$out"))" \
	test -z "$(count be3)" -a -z "$(count error)" -a -n "$(count be1)"
lab_ballast plan -c "$conf" >"$out" 2>&1
check "reload: ballast plan finds the maps in sync" test $? -eq 0

# ---- drift ------------------------------------------------------------------
drift0=$(status .drift_total)
cover=$(status .passes.cover_ticks)
# The bound: cover_ticks ticks of 500 ms, plus a pass and a second of slack.
bound=$(((cover * 500 + 999) / 1000 + 2))
t0=$SECONDS
"$POKE" "$dir" del-svc >"$out" 2>&1
check "drift: a service deleted from the maps by hand" test $? -eq 0
check "drift: counted within the tick bound ($cover ticks, ${bound}s)" \
	lab_poll "$bound" status_gt .drift_total "$drift0"
check "drift: repaired ($((SECONDS - t0)) s): ballast plan in sync" \
	lab_poll "$bound" lab_ballast plan -c "$conf"
check "drift: an audit event names it" \
	grep -q '"message":"drift' "$tmp/daemon.log"
traffic_ok() {
	local p a
	for p in "tcp 80" "udp 53"; do
		for a in "$LAB_VIP4" "$LAB_VIP6"; do
			# shellcheck disable=SC2086
			lab_x client python3 "$PY" spread ${p% *} "$a" ${p#* } 20 >"$out" 2>&1
			grep -q '^error' "$out" && return 1
		done
	done
	return 0
}
check "drift: every service answers again" traffic_ok

# ---- a health event ---------------------------------------------------------
pids=$(ip netns pids "$(lab_ns be2)" 2>/dev/null)
# shellcheck disable=SC2086
[[ -n $pids ]] && kill $pids
check "health: be2's servers stopped" test -n "$pids"
check "health: be2 down, weight 0 read back from the maps" \
	lab_poll 5 programmed_is web 10.201.0.12 0
check "health: the IPv6 real too" lab_poll 5 programmed_is web6 fd00:201::12 0
check "health: the maps agree (poke weights)" test "$(map_weight 10.201.0.12)" = 0
check "health: be1 keeps its weight" programmed_is web 10.201.0.11 1
spread 100
check "health: new connections all on be1 ($(tr '\n' ' ' <"$out"))" \
	test "$(count be1)" = 100

stop_daemon
check "SIGTERM: the maps are left as they are" test "$(map_weight 10.201.0.11)" = 1
lab_down
t_done "$suite"
