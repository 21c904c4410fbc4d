#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ballast doctor: every check made to pass and made to fail, asserting the
# status and that the remedy is given. Config, daemon (fake dataplane),
# limits and IPVS run as any user; sysctls, capabilities and the XDP checks
# need root and run in network and mount namespaces of their own (skipped
# without root). Usage: run.sh BALLAST (POKE from $BUILD/tests/xdp/poke).
set -u
suite=doctor
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/result.sh
. "$here/../lib/result.sh"
# shellcheck source=tests/lib/wait.sh
. "$here/../lib/wait.sh"
B=$(realpath "$1")
POKE=$(realpath "${BUILD:-build}/tests/xdp/poke" 2>/dev/null)
command -v jq >/dev/null || t_skip_all "$suite" "jq missing"

# The namespaced half runs in a mount namespace of its own: the bpffs it
# mounts and every pin go away with this process.
if [[ $(id -u) -eq 0 && -z "${BALLAST_DOCTOR_INNER:-}" ]] &&
	command -v unshare >/dev/null; then
	BALLAST_DOCTOR_INNER=1 exec unshare --mount --propagation private \
		"$0" "$@"
fi

tmp=$(mktemp -d /tmp/ballast-doctor.XXXXXX)
export BALLAST_RUN_DIR=$tmp/run
ns=ballast-doc-$$
pid=
fpid=
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[[ -n $fpid ]] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	umount "$tmp/bpf" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
out=$tmp/out

# shellcheck source=tests/doctor/lib.sh
. "$here/lib.sh"

# ---- config, daemon not running, limits, help ---------------------------------
cfg_fake() { # FILE STATE [EXTRA-YAML]
	cat >"$1" <<YAML
version: 1
dataplane:
  driver: fake
  fake: {state_file: $2}
daemon:
  tick: 1h
  metrics_listen: null
health: {type: none}
pools:
  web:
    backends:
      - {address: 10.0.1.1, port: 80, weight: 100}
      - {address: 10.0.1.2, port: 80, weight: 100}
services:
  - {name: web, address: 192.0.2.10, port: 80, pool: web}
${3:-}
YAML
}
F=$tmp/fake.yaml
cfg_fake "$F" "$tmp/state.json"
doc -c "$F" --socket "$tmp/none.sock"
expect "a valid config passes" config ok
check "the config's sha256 is shown" \
	"jq -e '.[0].found | test(\"sha256 $(sha256sum "$F" | cut -c1-64)\")' $out >/dev/null"
expect "no daemon: reported with how to start it" daemon.reachable warn \
	"ballast apply --daemon"
expect "no daemon: its config is not compared" daemon.config skip
expect "no daemon: health is skipped" health.reals skip
check "nothing failing exits 0" "[[ $rc -eq 0 ]]" "rc $rc"
check "every check is printed" \
	"[[ \$(jq length $out) -eq \$(\"$B\" doctor --help | sed -n '/^Checks:/,/^\$/p' | grep -c '^  ') ]]"
check "the XDP checks are skipped on the fake driver" \
	"[[ \$(jq -r '[.[] | select(.subsystem == \"xdp\") | .status] | unique | join(\",\")' $out) == skip ]]"
expect "HA: skipped without ha.mode" ha.provider skip
expect "routing: the fake dataplane forwards nothing" net.ip_forward skip

printf 'version: 1\nservices: [{name: x, pool: nope}]\n' >"$tmp/bad.yaml"
doc -c "$tmp/bad.yaml" --socket "$tmp/none.sock"
expect "an invalid config fails, pointing at validate" config fail \
	"ballast validate"
check "a failing check exits 1" "[[ $rc -eq 1 ]]" "rc $rc"
check "a failing config names file:line" \
	"jq -e '.[0].found | test(\"bad.yaml:[0-9]+:[0-9]+\")' $out >/dev/null"

"$B" doctor -c "$F" --socket "$tmp/none.sock" config daemon >"$tmp/text"
check "text output: one line per selected check, remedy below" \
	"grep -q '^ok    config' $tmp/text && grep -q '^warn  daemon.reachable' $tmp/text && grep -q 'remedy: start it' $tmp/text && ! grep -q xdp $tmp/text"
"$B" doctor nosuchcheck 2>"$tmp/err"
check "an unknown check name is refused" "[[ $? -eq 1 ]] && grep -q 'no check' $tmp/err"

# fd limit: the probe targets against RLIMIT_NOFILE
doc -c "$F" --socket "$tmp/none.sock" health.fd_limit
expect "fd limit above the targets passes" health.fd_limit ok
PRE=(bash -c 'ulimit -n 40 && exec "$@"' -)
doc -c "$F" --socket "$tmp/none.sock" health.fd_limit
PRE=()
expect "fd limit below the targets fails" health.fd_limit fail "LimitNOFILE="

# ---- IPVS on a host without ip_vs ------------------------------------------
I=$tmp/ipvs.yaml
sed -e 's/driver: fake/driver: ipvs/' -e '/state_file/d' "$F" >"$I"
doc -c "$I" --socket "$tmp/none.sock" ipvs
if [[ -e /proc/net/ip_vs ]]; then
	expect "IPVS loaded: the module check passes" ipvs.module ok
else
	expect "no ip_vs: IPVS reported unavailable with the remedy" \
		ipvs.module fail "modprobe ip_vs"
	expect "no ip_vs: the scheduler is reported" ipvs.schedulers fail \
		"modprobe ip_vs_"
	expect "no ip_vs: its sysctls are skipped" ipvs.sysctls skip
	check "no ip_vs: doctor exits 1, no crash" "[[ $rc -eq 1 ]]" "rc $rc"
fi

# ---- the daemon: reachable, same config, empty plan, drift, health ----------
"$B" apply --daemon -c "$F" --socket "$tmp/d.sock" --state-dir "$tmp/dstate" \
	>"$tmp/d.log" 2>&1 &
pid=$!
if ! wait_for 5000 curl -sf --unix-socket "$tmp/d.sock" -m 1 \
	http://d/health -o /dev/null; then
	t_fail "daemon starts" "$(tail -3 "$tmp/d.log")"
else
	wait_for 5000 jq -e '.services | length == 1' "$tmp/state.json" >/dev/null
	doc -c "$F" --socket "$tmp/d.sock"
	expect "daemon reachable" daemon.reachable ok
	expect "daemon runs the file on disk" daemon.config ok
	expect "daemon's plan is empty" daemon.plan ok
	expect "health: every service has a healthy real" health.reals ok
	# Another writer changes the fake state underneath: drift (tick 1h).
	sed 's/weight: 100}/weight: 7}/' "$F" >"$tmp/other.yaml"
	"$B" apply -c "$tmp/other.yaml" --wait=5s >/dev/null 2>&1
	doc -c "$F" --socket "$tmp/d.sock"
	expect "drift: the daemon's plan is not empty" daemon.plan fail \
		"ballast plan"
	# Another file than the one the daemon runs (or one it has not
	# reloaded yet): the sha256 differs.
	cfg_fake "$tmp/changed.yaml" "$tmp/state.json" "# changed"
	doc -c "$tmp/changed.yaml" --socket "$tmp/d.sock"
	expect "another file than the daemon's: config fails" daemon.config \
		fail "systemctl reload ballast"
	kill "$pid"
	wait "$pid" 2>/dev/null
	pid=
fi

# A daemon that answers, but with errors: a fake API on a unix socket.
fake_api 500 "$tmp/f500.sock"
doc -c "$F" --socket "$tmp/f500.sock" daemon health.reals
expect "daemon answering HTTP 500: fails, pointing at its log" \
	daemon.reachable fail "journalctl -u ballast"
check "daemon answering HTTP 500: the status and the API's error shown" \
	"jq -e '.[] | select(.check == \"daemon.reachable\") | .found | test(\"HTTP 500 internal_error: cannot read the fake dataplane: boom\")' $out >/dev/null"
expect "daemon answering HTTP 500: no config to compare" daemon.config skip
expect "daemon answering HTTP 500: its plan fails" daemon.plan fail \
	"ballast status"
expect "daemon answering HTTP 500: health fails, not skipped" health.reals \
	fail "journalctl -u ballast"
check "daemon answering HTTP 500: exit 1" "[[ $rc -eq 1 ]]" "rc $rc"
fake_stop "$tmp/f500.sock"
fake_api garbage "$tmp/fbad.sock"
doc -c "$F" --socket "$tmp/fbad.sock" daemon
expect "daemon answering malformed JSON: fails" daemon.reachable fail \
	"journalctl -u ballast"
check "daemon answering malformed JSON: said so" \
	"jq -e '.[] | select(.check == \"daemon.reachable\") | .found | test(\"HTTP 200, the body is not JSON\")' $out >/dev/null"
fake_stop "$tmp/fbad.sock"
fake_api noplan "$tmp/fnp.sock"
doc -c "$F" --socket "$tmp/fnp.sock" daemon health.reals
expect "daemon whose plan errs: reachable" daemon.reachable ok
expect "daemon whose plan errs: config compared" daemon.config ok
expect "daemon whose plan errs: plan fails with the daemon's reason" \
	daemon.plan fail "ballast status"
check "daemon whose plan errs: the reason shown" \
	"jq -e '.[] | select(.check == \"daemon.plan\") | .found | test(\"cannot read the fake dataplane: boom\")' $out >/dev/null"
expect "daemon whose plan errs: no real down" health.reals ok
fake_stop "$tmp/fnp.sock"

# health: reals down, and a service with none healthy (tcp to closed ports)
H=$tmp/h.yaml
port=$((20000 + $$ % 20000))
cfg_fake "$H" "$tmp/hstate.json"
sed -i -e "s/health: {type: none}/health: {type: tcp, interval: 100ms, timeout: 50ms, fall: 1, rise: 1}/" \
	-e "s/10\.0\.1\./127.0.0./" -e "s/port: 80, weight/port: $port, weight/" "$H"
# One real listening (127.0.0.1), one not (127.0.0.2): a real down, the
# service still served; then the listener stops: no healthy real.
python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
while True:
    s.accept()[0].close()
' "$port" &
lpid=$!
"$B" apply --daemon -c "$H" --socket "$tmp/h.sock" --state-dir "$tmp/hst" \
	>"$tmp/h.log" 2>&1 &
pid=$!
# hstates: the reals' health states, in config order
hstates() {
	curl -sf --unix-socket "$tmp/h.sock" -m 1 http://d/api/v1/services |
		jq -r '[.data[].reals[].health] | join(",")'
}
hstate_is() { [[ $(hstates) == "$1" ]]; }
if wait_for 5000 hstate_is up,down; then
	doc -c "$H" --socket "$tmp/h.sock" health
	expect "a real down, the service served: warns" health.reals warn \
		"ballast show"
	check "the down real is named" \
		"jq -e '.[] | select(.check == \"health.reals\") | .found | test(\"web/127.0.0.2:$port\")' $out >/dev/null"
else
	t_fail "health: one real up, one down" "$(hstates) $(tail -3 "$tmp/h.log")"
fi
kill "$lpid"
wait "$lpid" 2>/dev/null
if wait_for 5000 hstate_is down,down; then
	doc -c "$H" --socket "$tmp/h.sock" health
	expect "a service with no healthy real fails" health.reals fail \
		"ballast show"
else
	t_fail "health: reals go down" "$(hstates) $(tail -3 "$tmp/h.log")"
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=

# ---- root: sysctls in a network namespace, capabilities, XDP ----------------
if [[ $(id -u) -ne 0 ]]; then
	t_skip "sysctls, capabilities and XDP" "needs root"
	t_done "$suite"
	exit
fi
if ! ip netns add "$ns" 2>/dev/null; then
	t_skip "sysctls, capabilities and XDP" "cannot create a network namespace"
	t_done "$suite"
	exit
fi
X=(nsenter "--net=/run/netns/$ns")
N=$tmp/nat.yaml
sed 's/pool: web}/pool: web, forwarding: nat}/' "$I" >"$N"
PRE=("${X[@]}")
doc -c "$N" --socket "$tmp/none.sock" net
expect "ip_forward off (fresh netns) with NAT fails" net.ip_forward fail \
	"sysctl -w net.ipv4.ip_forward=1"
"${X[@]}" sysctl -qw net.ipv4.ip_forward=1
"${X[@]}" sysctl -qw net.ipv4.conf.all.rp_filter=0
doc -c "$N" --socket "$tmp/none.sock" net
expect "ip_forward on passes" net.ip_forward ok
expect "rp_filter off passes" net.rp_filter ok
"${X[@]}" sysctl -qw net.ipv4.conf.all.rp_filter=1
doc -c "$N" --socket "$tmp/none.sock" net
expect "strict rp_filter warns" net.rp_filter warn "rp_filter=2"
expect "arp settings skipped for NAT" net.arp skip
D=$tmp/dr.yaml
sed 's/pool: web}/pool: web, forwarding: dr}/' "$I" >"$D"
doc -c "$D" --socket "$tmp/none.sock" net.arp
expect "DSR: backend arp settings explained" net.arp warn "arp_ignore=1"
"${X[@]}" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
doc -c "$D" --socket "$tmp/none.sock" net.arp
expect "DSR: arp settings in place pass" net.arp ok

# XDP: a veth in the namespace, pins on a bpffs private to this run
mkdir -p "$tmp/bpf" "$tmp/plain"
if ! mount -t bpf bpf "$tmp/bpf"; then
	t_skip "XDP checks" "cannot mount a bpf filesystem"
	t_done "$suite"
	exit
fi
ip -n "$ns" link add xd0 type veth peer name xd1
ip -n "$ns" link set xd1 up
ip -n "$ns" addr add 10.0.0.1/24 dev xd0
ip -n "$ns" route add 10.0.1.0/24 via 10.0.0.2 onlink dev xd0 2>/dev/null
xcfg() { # FILE PIN_PATH
	cat >"$1" <<YAML
version: 1
dataplane:
  driver: xdp
  interface: xd0
  xdp: {ring_size: 251, flow_table_size: 4096, max_services: 4, max_reals: 4, pin_path: $2}
daemon: {metrics_listen: null}
health: {type: none}
pools:
  web:
    backends:
      - {address: 10.0.1.1, port: 80}
services:
  - {name: web, address: 192.0.2.10, port: 80, pool: web}
YAML
}
XC=$tmp/xdp.yaml
xcfg "$XC" "$tmp/bpf"
doc -c "$XC" --socket "$tmp/none.sock" xdp priv
expect "xdp: capabilities held as root" priv.caps ok
expect "xdp: kernel" xdp.kernel ok
expect "xdp: BPF features" xdp.features ok
expect "xdp: bpffs mounted at the pin path" xdp.bpffs ok
expect "xdp: interface down fails" xdp.interface fail "ip link set dev xd0 up"
expect "xdp: veth runs native XDP" xdp.driver ok
expect "xdp: nothing pinned yet" xdp.pins warn "ballast apply"
expect "xdp: not attached fails" xdp.attached fail "ballast apply"
expect "xdp: MTU 1500 lacks DSR headroom" xdp.mtu warn "mtu 1520"
ip -n "$ns" link set xd0 up mtu 1520
doc -c "$XC" --socket "$tmp/none.sock" xdp
expect "xdp: interface up passes" xdp.interface ok
expect "xdp: MTU with headroom passes" xdp.mtu ok
PRE=("${X[@]}" setpriv --bounding-set=-all --inh-caps=-all)
doc -c "$XC" --socket "$tmp/none.sock" priv.caps
expect "xdp: without capabilities fails" priv.caps fail "CAP_BPF"
PRE=("${X[@]}")
"${X[@]}" "$B" apply -c "$XC" >"$tmp/apply.log" 2>&1 ||
	t_fail "xdp: apply" "$(tail -3 "$tmp/apply.log")"
doc -c "$XC" --socket "$tmp/none.sock" xdp
expect "xdp: pins of this build pass" xdp.pins ok
expect "xdp: attached passes" xdp.attached ok
if [[ -x $POKE ]]; then
	"${X[@]}" "$POKE" "$tmp/bpf/xd0" unlink >/dev/null
	doc -c "$XC" --socket "$tmp/none.sock" xdp.attached
	expect "xdp: detached program fails" xdp.attached fail "ballast apply"
	"${X[@]}" "$POKE" "$tmp/bpf/xd0" stale >/dev/null
	doc -c "$XC" --socket "$tmp/none.sock" xdp.pins
	expect "xdp: stale pinned layout fails" xdp.pins fail \
		"ballast apply --detach"
else
	t_skip "xdp: detached and stale layout" "no poke helper"
fi
"${X[@]}" "$B" apply -c "$XC" --detach >/dev/null 2>&1
# generic XDP on a driver that has native: attached with mode generic
sed 's/xdp: {/xdp: {mode: generic, /' "$XC" >"$tmp/generic.yaml"
if "${X[@]}" "$B" apply -c "$tmp/generic.yaml" >"$tmp/apply.log" 2>&1; then
	doc -c "$tmp/generic.yaml" --socket "$tmp/none.sock" xdp.driver
	expect "xdp: generic XDP in use on a native driver warns" xdp.driver \
		warn "dataplane.xdp.mode: auto"
	check "xdp: generic in use: the cost is explained" \
		"jq -e '.[] | select(.check == \"xdp.driver\") | .found | test(\"attached in generic mode\")' $out >/dev/null"
	"${X[@]}" "$B" apply -c "$tmp/generic.yaml" --detach >/dev/null 2>&1
else
	t_fail "xdp: apply in generic mode" "$(tail -3 "$tmp/apply.log")"
fi
# a driver without native XDP: a bridge
ip -n "$ns" link add xbr0 type bridge
sed 's/interface: xd0/interface: xbr0/' "$XC" >"$tmp/bridge.yaml"
doc -c "$tmp/bridge.yaml" --socket "$tmp/none.sock" xdp.driver
expect "xdp: a driver without native XDP warns" xdp.driver warn \
	"NIC whose driver has native XDP"
check "xdp: no native XDP: the driver is named" \
	"jq -e '.[] | select(.check == \"xdp.driver\") | .found | test(\"driver bridge is not known to run native XDP\")' $out >/dev/null"
sed 's/xdp: {/xdp: {mode: native, /' "$tmp/bridge.yaml" >"$tmp/bridge-native.yaml"
doc -c "$tmp/bridge-native.yaml" --socket "$tmp/none.sock" xdp.driver
expect "xdp: mode native on a driver without it fails" xdp.driver fail \
	"dataplane.xdp.mode: auto"
xcfg "$tmp/plain.yaml" "$tmp/plain/pins"
doc -c "$tmp/plain.yaml" --socket "$tmp/none.sock" xdp.bpffs
expect "xdp: pin path off bpffs fails" xdp.bpffs fail "mount -t bpf bpf"
umount "$tmp/bpf"
doc -c "$XC" --socket "$tmp/none.sock" xdp.bpffs
expect "xdp: bpffs unmounted fails" xdp.bpffs fail "mount -t bpf bpf"
sed -i 's/interface: xd0/interface: nosuch0/' "$XC"
doc -c "$XC" --socket "$tmp/none.sock" xdp.interface
expect "xdp: missing interface fails" xdp.interface fail "dataplane.interface"
t_done "$suite"
