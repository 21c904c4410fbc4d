#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ballast doctor's HA checks made to pass and to fail, in network namespaces
# of this suite (dht-PID, dht-PID-o on the other end of its veth): keepalived
# running here, elsewhere or not at all, started on the config `ballast vrrp
# render keepalived` writes and holding the VIPs; VIPs held, partial, on a
# macvlan without carrier; the daemon's gate agreeing, disagreeing, and
# seeing crafted VRRP adverts for our VRID from a configured node (split
# brain) and from a stranger; keepalived's and FRR's configs in sync, stale,
# missing, with broken markers; FRR's ARP sysctls; zebra and vrrpd not
# running, then running on the patched block. Needs root.
# Usage: ha.sh BALLAST
set -u
suite=doctor-ha
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/result.sh
. "$here/../lib/result.sh"
# shellcheck source=tests/lib/wait.sh
. "$here/../lib/wait.sh"
B=$(realpath "$1")
command -v jq >/dev/null || t_skip_all "$suite" "jq missing"
command -v python3 >/dev/null || t_skip_all "$suite" "python3 missing"
[[ $(id -u) -eq 0 ]] || t_skip_all "$suite" "needs root (network namespaces)"

tmp=$(mktemp -d /tmp/ballast-doctor-ha.XXXXXX)
export BALLAST_RUN_DIR=$tmp/run
out=$tmp/out
hns=dht-$$
pid=
fpid=
kpid=
spid=
frr_pids=()
cleanup() {
	local p
	for p in "$kpid" "$pid" "$fpid" "$spid" "${frr_pids[@]}"; do
		[[ -n $p ]] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	ip netns del "$hns" 2>/dev/null
	ip netns del "$hns-o" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
# shellcheck source=tests/doctor/lib.sh
. "$here/lib.sh"

if ! ip netns add "$hns" 2>/dev/null || ! ip netns add "$hns-o"; then
	t_skip_all "$suite" "cannot create a network namespace"
fi
HX=(nsenter "--net=/run/netns/$hns")
OX=(nsenter "--net=/run/netns/$hns-o")
ip -n "$hns" link add dh0 type veth peer name dh1 netns "$hns-o"
ip -n "$hns" addr add 10.0.0.11/24 dev dh0
ip -n "$hns-o" addr add 10.0.0.99/24 dev dh1
ip -n "$hns-o" addr add 10.0.0.12/24 dev dh1
ip -n "$hns" link set dh0 up
ip -n "$hns-o" link set dh1 up

# cfg_ha FILE PROVIDER PRIORITY: two nodes, group web (VRID 51) with two
# VIPs, the fake dataplane.
cfg_ha() {
	cat >"$1" <<YAML
version: 1
dataplane:
  driver: fake
  fake: {state_file: $tmp/state.json}
daemon: {tick: 1h, metrics_listen: null}
health: {type: none}
ha: {mode: vrrp, interface: dh0, provider: $2}
vrrp:
  advert_interval: 100ms
  nodes:
    - {name: lb1, address: 10.0.0.11, priority: $3}
    - {name: lb2, address: 10.0.0.12, priority: 100}
  groups:
    - {name: web, vrid: 51, vips: [192.0.2.10, 192.0.2.11]}
pools:
  web:
    backends:
      - {address: 10.0.1.1, port: 80}
      - {address: 10.0.1.2, port: 80}
services:
  - {name: web, address: 192.0.2.10, port: 80, pool: web}
  - {name: api, address: 192.0.2.11, port: 80, pool: web}
YAML
}
K=$tmp/k.yaml
cfg_ha "$K" keepalived 150
PRE=("${HX[@]}")
D=(--socket "$tmp/none.sock" --node lb1)

# ---- nothing running, nothing held ------------------------------------------
doc -c "$K" "${D[@]}" ha
expect "keepalived not running fails" ha.provider fail \
	"systemctl start keepalived"
expect "no VIP held: the group is standby, consistent" ha.vips ok
found "no VIP held: said so" ha.vips 'web standby \(0/2 held\)'
expect "keepalived needs no ARP setting" ha.arp skip
expect "FRR's block not checked for keepalived" ha.frr skip
expect "no daemon: VRIDs not seen" ha.vrid skip

# ---- keepalived's config: rendered and included, stale, missing -------------
mkdir -p "$tmp/ka/conf.d"
printf 'global_defs {\n    router_id dht\n}\ninclude conf.d/*.conf\n' \
	>"$tmp/ka/keepalived.conf"
"$B" vrrp render keepalived -c "$K" --node lb1 >"$tmp/ka/conf.d/ballast.conf"
KC=(--keepalived-conf "$tmp/ka/keepalived.conf")
doc -c "$K" "${D[@]}" "${KC[@]}" ha.keepalived
expect "keepalived's config as rendered (through include) passes" \
	ha.keepalived ok
# keepalived's own syntax: indentation and comments do not matter
cp "$tmp/ka/conf.d/ballast.conf" "$tmp/rendered.conf"
sed -e 's/^    /\t/' -e 's/^\(\t*priority .*\)/\1   # ours/' \
	"$tmp/rendered.conf" >"$tmp/ka/conf.d/ballast.conf"
doc -c "$K" "${D[@]}" "${KC[@]}" ha.keepalived
expect "keepalived's config re-indented, commented: still in sync" \
	ha.keepalived ok
cp "$tmp/rendered.conf" "$tmp/ka/conf.d/ballast.conf"
cfg_ha "$tmp/k2.yaml" keepalived 120
doc -c "$tmp/k2.yaml" "${D[@]}" "${KC[@]}" ha.keepalived
expect "keepalived's config after a priority change warns" ha.keepalived \
	warn "ballast vrrp render keepalived -c $tmp/k2.yaml --node lb1"
found "the stale instance is named" ha.keepalived 'ballast_web differs'
doc -c "$K" "${D[@]}" --keepalived-conf "$tmp/ka/none.conf" ha.keepalived
expect "no keepalived config warns" ha.keepalived warn \
	"ballast vrrp render keepalived"

# ---- keepalived running here on that config: it takes the VIPs --------------
if command -v keepalived >/dev/null; then
	"${HX[@]}" keepalived -n -l -f "$tmp/ka/keepalived.conf" \
		-p "$tmp/ka.pid" -r "$tmp/kv.pid" -c "$tmp/kc.pid" \
		>"$tmp/ka.log" 2>&1 &
	kpid=$!
	vips_are() { # STATE: ha.vips says group web is STATE
		doc -c "$K" "${D[@]}" ha.provider ha.vips
		[[ $(st ha.provider) == ok ]] && has ha.vips "web $1"
	}
	if wait_for 10000 vips_are 'active \(2/2 held\)'; then
		t_pass "keepalived running here passes"
		t_pass "keepalived as master holds both VIPs: active"
	else
		t_fail "keepalived running here, holding the VIPs" \
			"$(cat "$out") $(tail -3 "$tmp/ka.log")"
	fi
	found "keepalived's pid is named" ha.provider "keepalived \\(pid $kpid"
	PRE=("${OX[@]}")
	doc -c "$K" "${D[@]}" ha.provider
	expect "keepalived in another netns does not count" ha.provider \
		fail "systemctl start keepalived"
	found "the other netns's keepalived is named" ha.provider 'only in another one'
	PRE=("${HX[@]}")
	kill "$kpid"
	wait "$kpid" 2>/dev/null
	kpid=
	# keepalived removes its VIPs as it stops
	vips_gone() {
		doc -c "$K" "${D[@]}" ha.vips
		has ha.vips 'web standby \(0/2 held\)'
	}
	if wait_for 5000 vips_gone; then
		t_pass "keepalived stopped: VIPs gone, standby"
	else
		t_fail "keepalived stopped: VIPs gone, standby" "$(cat "$out")"
	fi
else
	t_skip "keepalived running here" "keepalived not installed"
fi

# ---- partial groups: a VIP missing, a VIP on a macvlan without carrier ------
ip -n "$hns" addr add 192.0.2.10/32 dev dh0
doc -c "$K" "${D[@]}" ha.vips
expect "one VIP of two held: partial group warns" ha.vips warn \
	"ballast vrrp render keepalived"
found "partial: the missing VIP is named" ha.vips 'group web lacks 192.0.2.11'
ip -n "$hns" link add dhm0 link dh0 type macvlan mode bridge
ip -n "$hns" addr add 192.0.2.11/32 dev dhm0
doc -c "$K" "${D[@]}" ha.vips
expect "VIP on a macvlan that is down: partial" ha.vips warn
found "the macvlan holding it is named" ha.vips '192.0.2.11 \(on dhm0, link down or no carrier\)'
ip -n "$hns" link set dhm0 up
doc -c "$K" "${D[@]}" ha.vips
expect "both VIPs held (one on an up macvlan): active" ha.vips ok
found "active: said so" ha.vips 'web active \(2/2 held\)'

# ---- the daemon's gate: disagreeing (fake), agreeing (real) -----------------
FAKE_CFG=$K
fake_api noplan "$tmp/f.sock" '{"mode": "vrrp", "groups": [{"name": "web", "vrid": 51, "state": "standby", "split_brain": false, "peer": null}]}'
doc -c "$K" --socket "$tmp/f.sock" --node lb1 ha.vips
expect "the daemon's gate saying standby while both VIPs are held fails" \
	ha.vips fail "ballast status"
found "the disagreement is named" ha.vips \
	"group web: the daemon's gate says standby, the kernel shows active"
fake_stop "$tmp/f.sock"
fpid=
S=$tmp/d.sock
"${HX[@]}" "$B" apply --daemon -c "$K" --node lb1 --socket "$S" \
	--state-dir "$tmp/dstate" >"$tmp/d.log" 2>&1 &
pid=$!
if ! wait_for 5000 curl -sf --unix-socket "$S" -m 1 http://d/health -o /dev/null; then
	t_fail "the daemon starts" "$(tail -3 "$tmp/d.log")"
else
	doc -c "$K" --socket "$S" --node lb1 ha.vips ha.vrid
	expect "the real daemon's gate agrees" ha.vips ok
	found "agreement said" ha.vips "the daemon's gate agrees"
	expect "no foreign advert: our VRID is ours" ha.vrid ok
	# adverts for VRID 51 on the segment, from the peer netns (TTL 255)
	advertise() { # SRC: VRRPv3 adverts for VRID 51 every 50 ms, 10 s at most
		"${OX[@]}" python3 -c '
import socket, struct, sys, time
src = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
s.bind((src, 0))
pkt = bytes([0x31, 51, 100, 1, 0, 10, 0, 0]) + socket.inet_aton("192.0.2.10")
end = time.monotonic() + 10
while time.monotonic() < end:
    s.sendto(pkt, ("224.0.0.18", 0))
    time.sleep(0.05)
' "$1" &
		spid=$!
	}
	vrid_is() { # STATUS
		doc -c "$K" --socket "$S" --node lb1 ha.vrid
		[[ $(st ha.vrid) == "$1" ]]
	}
	advertise 10.0.0.12
	if wait_for 5000 vrid_is warn; then
		expect "adverts from the configured peer while we hold: split brain" \
			ha.vrid warn "IP protocol 112"
		found "split brain names the node" ha.vrid 'also claimed by lb2 \(10.0.0.12\)'
	else
		t_fail "adverts from the configured peer: split brain" "$(cat "$out")"
	fi
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	advertise 10.0.0.99
	if wait_for 5000 vrid_is fail; then
		expect "adverts for our VRID from a stranger fail" ha.vrid fail \
			"vrrp.groups[].vrid"
		found "the stranger's address is named" ha.vrid 'VRID 51 \(group web\) from 10.0.0.99'
	else
		t_fail "adverts for our VRID from a stranger" "$(cat "$out")"
	fi
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=

# ---- FRR: the managed block, ARP settings, its daemons ----------------------
FR=$tmp/f.yaml
cfg_ha "$FR" frr 150
printf 'frr defaults traditional\nhostname dht\n!\nline vty\n!\n' >"$tmp/frr.conf"
FC=(--frr-conf "$tmp/frr.conf")
doc -c "$FR" "${D[@]}" "${FC[@]}" ha
expect "frr.conf without the managed block warns" ha.frr warn \
	"ballast vrrp patch-frr $tmp/frr.conf -c $FR --node lb1"
found "no block: said so" ha.frr 'no managed vrrp block'
expect "FRR's daemons not running fail" ha.provider fail "vrrpd=yes"
expect "keepalived's config not checked for FRR" ha.keepalived skip
expect "FRR: arp_ignore 0 on ha.interface fails" ha.arp fail \
	"net.ipv4.conf.dh0.arp_ignore=1"
"$B" vrrp patch-frr "$tmp/frr.conf" -c "$FR" --node lb1 >/dev/null
"${HX[@]}" sysctl -qw net.ipv4.conf.dh0.arp_ignore=1 \
	net.ipv4.conf.dh0.arp_announce=2
doc -c "$FR" "${D[@]}" "${FC[@]}" ha.frr ha.arp
expect "frr.conf as patched passes" ha.frr ok
expect "FRR: arp settings on ha.interface pass" ha.arp ok
# zebra and vrrpd in the namespace, vrrpd reading the patched block
if [[ -x /usr/lib/frr/zebra && -x /usr/lib/frr/vrrpd ]] && id frr >/dev/null 2>&1; then
	FD=$tmp/frrd
	mkdir -p "$FD"
	printf 'hostname dht\n' >"$FD/zebra.conf"
	cp "$tmp/frr.conf" "$FD/vrrpd.conf"
	chown -R frr:frr "$FD"
	chmod 711 "$tmp" # the daemons run as frr
	frr_start() { # DAEMON
		"${HX[@]}" "/usr/lib/frr/$1" -P 0 -f "$FD/$1.conf" -i "$FD/$1.pid" \
			-z "$FD/zserv.api" --vty_socket "$FD" --log "file:$FD/$1.log" \
			>"$FD/$1.out" 2>&1 &
		frr_pids+=($!)
	}
	frr_start zebra
	wait_for 5000 test -S "$FD/zserv.api" ||
		t_fail "zebra starts" "$(cat "$FD/zebra.out")"
	frr_start vrrpd
	provider_ok() {
		doc -c "$FR" "${D[@]}" ha.provider
		[[ $(st ha.provider) == ok ]]
	}
	if wait_for 5000 provider_ok; then
		t_pass "FRR's zebra and vrrpd running here pass"
		found "both FRR daemons are named" ha.provider \
			'zebra \(pid [0-9]+\), vrrpd \(pid [0-9]+\)'
	else
		t_fail "FRR's zebra and vrrpd running here pass" \
			"$(cat "$out") $(cat "$FD"/*.out)"
	fi
	kill "${frr_pids[@]}" 2>/dev/null
	wait "${frr_pids[@]}" 2>/dev/null
	frr_pids=()
else
	t_skip "FRR's daemons running" "frr not installed"
fi
cfg_ha "$tmp/f2.yaml" frr 120
doc -c "$tmp/f2.yaml" "${D[@]}" "${FC[@]}" ha.frr
expect "frr.conf after a priority change warns" ha.frr warn \
	"ballast vrrp patch-frr $tmp/frr.conf -c $tmp/f2.yaml --node lb1"
found "stale block: said so" ha.frr 'not what the YAML renders'
sed -i '1i ! ballast: begin managed vrrp block (do not edit)' "$tmp/frr.conf"
doc -c "$FR" "${D[@]}" "${FC[@]}" ha.frr
expect "frr.conf with two begin markers fails" ha.frr fail \
	"repair the marker lines"
t_done "$suite"
