#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `ballast bgp` against FRR 8.4: the frr.conf patched with the bgp block
# (beside a vrrp block and foreign lines, which stay byte for byte) passes
# vtysh's parser and is loaded into zebra, bfdd and bgpd started in a
# namespace of their own, whose running configuration and `show bgp
# summary` then have the router, the neighbours, timers, BFD and the
# route-maps. End to end, a router namespace running FRR peers with it: a
# kernel route `VIP/32 dev lo proto 200` in the LB reaches the router's
# kernel, a non-VIP route does not, and deleting the VIP route withdraws it.
# Re-patching writes nothing. Needs root and frr (`make deps`).
# Usage: render.sh BALLAST
set -u
suite=scale-render
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/result.sh
. "$here/../lib/result.sh"
# shellcheck source=tests/lib/wait.sh
. "$here/../lib/wait.sh"
B=$(realpath "$1")

[[ $(id -u) -eq 0 ]] || t_skip_all "$suite" "needs root (network namespaces, FRR)"
for d in zebra bgpd bfdd; do
	[[ -x /usr/lib/frr/$d ]] || t_skip_all "$suite" "frr missing (make deps)"
done
command -v jq >/dev/null || t_skip_all "$suite" "jq missing"
getent group frr >/dev/null || t_skip_all "$suite" "no frr group (the frr package makes it)"

tmp=$(mktemp -d /tmp/ballast-scale-render.XXXXXX)
# The FRR daemons run as user frr: they must reach $tmp/*/.
chmod 0755 "$tmp"
lb=bgc-lb-$$
rtr=bgc-rtr-$$
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$lb" 2>/dev/null
	ip netns del "$rtr" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# One LB node towards a router over IPv4 and IPv6, BFD on, an IPv4 and an
# IPv6 VIP (two services on the IPv4 one).
cat >"$tmp/bgp.yaml" <<'EOF'
version: 1
dataplane: {driver: fake}
ha: {mode: bgp}
bgp:
  asn: 65001
  timers: {keepalive: 1s, hold: 3s}
  bfd: {enabled: true, interval: 100ms, multiplier: 3}
  nodes:
    - name: lb1
      router_id: 10.0.1.2
      neighbors:
        - {address: 10.0.1.1, asn: 65000}
        - {address: "2001:db8:1::1", asn: 65000}
    - {name: lb2, router_id: 10.0.2.2, neighbors: [{address: 10.0.2.1, asn: 65000}]}
pools:
  web: {backends: [10.0.10.1, 10.0.10.2]}
  web6: {backends: ["2001:db8:10::1", "2001:db8:10::2"]}
services:
  - {name: web, address: 198.51.100.10, port: 80, pool: web}
  - {name: webs, address: 198.51.100.10, port: 443, pool: web}
  - {name: web6, address: "2001:db8:100::10", port: 80, pool: web6}
EOF
# A vrrp pair's YAML, for the vrrp block beside ours in the same file.
cat >"$tmp/vrrp.yaml" <<'EOF'
version: 1
dataplane: {driver: fake}
ha: {mode: vrrp, interface: eth9, provider: frr}
vrrp:
  advert_interval: 100ms
  nodes: [{name: lb1, address: 10.0.9.11}]
  groups: [{name: web, vrid: 51, vips: [192.0.2.10]}]
pools: {web: {backends: [10.0.1.1, 10.0.1.2]}}
services: [{name: web, address: 192.0.2.10, port: 80, pool: web}]
EOF

# ---- frr.conf: patching beside the vrrp block ------------------------------

F=$tmp/etc/frr.conf
mkdir -p "$tmp/etc"
printf 'frr version 8.4\nhostname lb1\n! kept as written\n' >"$F"
"$B" vrrp patch-frr "$F" -c "$tmp/vrrp.yaml" -n lb1 >/dev/null 2>&1
printf '! between the blocks\nlog stdout' >>"$F"
chown root:frr "$F"
chmod 0640 "$F"
cp "$F" "$tmp/orig"
"$B" bgp patch-frr "$F" -c "$tmp/bgp.yaml" -n lb1 >"$tmp/out" 2>&1
rc=$?
if [[ $rc -eq 2 ]] && cmp -s "$F.bak" "$tmp/orig" &&
	cmp -s <(head -c "$(stat -c %s "$tmp/orig")" "$F") "$tmp/orig" &&
	grep -qx '! ballast: begin managed bgp block (do not edit)' "$F" &&
	[[ $(tail -n 1 "$F") == '! ballast: end managed bgp block' ]] &&
	[[ $(stat -c '%a %U:%G' "$F") == "640 root:frr" ]]; then
	t_pass bgp-block-appended
else
	t_fail bgp-block-appended "exit $rc: $(cat "$tmp/out")"
fi
# render frr prints the block the patch wrote.
if "$B" bgp render frr -c "$tmp/bgp.yaml" --node lb1 >"$tmp/render.out" 2>&1 &&
	cmp -s "$tmp/render.out" <(sed -n '/^! ballast: begin managed bgp/,$p' "$F"); then
	t_pass render-equals-patched-block
else
	t_fail render-equals-patched-block "$(head -c 400 "$tmp/render.out")"
fi

# Re-patching either block writes nothing; each sees its own block as is.
rm -f "$F.bak"
sum=$(sha256sum <"$F")
ino=$(stat -c '%i %y' "$F")
"$B" bgp patch-frr "$F" -c "$tmp/bgp.yaml" -n lb1 >"$tmp/out" 2>&1
rc=$?
"$B" vrrp patch-frr "$F" -c "$tmp/vrrp.yaml" -n lb1 >>"$tmp/out" 2>&1
rc2=$?
if [[ $rc -eq 0 && $rc2 -eq 0 && $(sha256sum <"$F") == "$sum" &&
	$(stat -c '%i %y' "$F") == "$ino" && ! -e "$F.bak" ]] &&
	grep -q 'unchanged (the managed bgp block' "$tmp/out" &&
	grep -q 'unchanged (the managed vrrp block' "$tmp/out"; then
	t_pass repatch-noop
else
	t_fail repatch-noop "exit $rc/$rc2: $(cat "$tmp/out")"
fi

# A change in the bgp: section changes the bgp block only: the vrrp block
# and every foreign byte stay; and the other way round.
block() { sed -n "/^! ballast: begin managed $1 block/,/^! ballast: end managed $1 block/p" "$2"; }
outside() { sed "/^! ballast: begin managed $1 block/,/^! ballast: end managed $1 block/d" "$2"; }
cp "$F" "$tmp/two.conf"
sed 's/keepalive: 1s, hold: 3s/keepalive: 3s, hold: 9s/' "$tmp/bgp.yaml" >"$tmp/bgp9.yaml"
"$B" bgp patch-frr "$tmp/two.conf" -c "$tmp/bgp9.yaml" -n lb1 --diff >"$tmp/out" 2>&1
rc=$?
if [[ $rc -eq 2 ]] && cmp -s <(outside bgp "$F") <(outside bgp "$tmp/two.conf") &&
	grep -qx ' neighbor 10.0.1.1 timers 3 9' "$tmp/two.conf" &&
	grep -qx -- '- neighbor 10.0.1.1 timers 1 3' "$tmp/out" &&
	grep -qx -- '+ neighbor 10.0.1.1 timers 3 9' "$tmp/out"; then
	t_pass bgp-patch-leaves-vrrp-block
else
	t_fail bgp-patch-leaves-vrrp-block "exit $rc: $(head -c 600 "$tmp/out")"
fi
sed 's/advert_interval: 100ms/advert_interval: 200ms/' "$tmp/vrrp.yaml" >"$tmp/vrrp2.yaml"
"$B" vrrp patch-frr "$tmp/two.conf" -c "$tmp/vrrp2.yaml" -n lb1 >"$tmp/out" 2>&1
rc=$?
if [[ $rc -eq 2 ]] && block bgp "$tmp/two.conf" | grep -qx ' neighbor 10.0.1.1 timers 3 9' &&
	cmp -s <(outside vrrp "$tmp/two.conf.bak") <(outside vrrp "$tmp/two.conf") &&
	grep -qx ' vrrp 51 advertisement-interval 200' "$tmp/two.conf"; then
	t_pass vrrp-patch-leaves-bgp-block
else
	t_fail vrrp-patch-leaves-bgp-block "exit $rc: $(cat "$tmp/out")"
fi
# Two bgp begin markers: refused, nothing written.
{ cat "$F"; printf '\n! ballast: begin managed bgp block (do not edit)\n'; } >"$tmp/bad.conf"
cp "$tmp/bad.conf" "$tmp/bad.orig"
"$B" bgp patch-frr "$tmp/bad.conf" -c "$tmp/bgp.yaml" -n lb1 >"$tmp/out" 2>&1
rc=$?
if [[ $rc -eq 1 ]] && cmp -s "$tmp/bad.conf" "$tmp/bad.orig" && [[ ! -e $tmp/bad.conf.bak ]] &&
	grep -q "a second 'begin managed bgp block' line" "$tmp/out"; then
	t_pass bgp-unbalanced-refused
else
	t_fail bgp-unbalanced-refused "exit $rc: $(cat "$tmp/out")"
fi

# ---- the command's choices and refusals ------------------------------------

# Without --node the host name picks the node (in full or its first label).
byhost() { # HOSTNAME ARGS...
	local h=$1
	shift
	# shellcheck disable=SC2016 # the inner sh expands them
	unshare --uts sh -c 'hostname "$1"; shift; exec "$@"' - "$h" "$B" "$@"
}
if byhost lb2.example.net bgp render frr -c "$tmp/bgp.yaml" >"$tmp/out" 2>/dev/null &&
	grep -q "for node lb2 from" "$tmp/out" && grep -qx " bgp router-id 10.0.2.2" "$tmp/out"; then
	t_pass node-from-hostname
else
	t_fail node-from-hostname "$(head -c 300 "$tmp/out")"
fi
refused() { # NAME MESSAGE ARGS...: exit 1 with MESSAGE on stderr
	local name=$1 msg=$2 rc
	shift 2
	"$@" >"$tmp/out" 2>&1
	rc=$?
	if [[ $rc -eq 1 ]] && grep -qF -- "$msg" "$tmp/out"; then
		t_pass "$name"
	else
		t_fail "$name" "exit $rc: $(head -c 400 "$tmp/out")"
	fi
}
refused unknown-host "'nosuch' is none of the bgp nodes (lb1, lb2); pass --node NAME" \
	byhost nosuch bgp patch-frr "$F" -c "$tmp/bgp.yaml"
refused no-bgp-section "has no bgp: section; declare the AS and the nodes" \
	"$B" bgp render frr -c "$tmp/vrrp.yaml" -n lb1
refused render-what "render writes for FRR: 'ballast bgp render frr'" \
	"$B" bgp render bird -c "$tmp/bgp.yaml" -n lb1
sed 's/^  asn: 65001$/  asn: 65001\n  route_protocol: 186/' "$tmp/bgp.yaml" >"$tmp/bad.yaml"
refused invalid-config "is not valid; fix it first" "$B" bgp patch-frr "$F" -c "$tmp/bad.yaml" -n lb1

# ---- FRR reads it ------------------------------------------------------------

if vtysh --dryrun -f "$F" >"$tmp/vout" 2>&1; then
	t_pass vtysh-dryrun
else
	t_fail vtysh-dryrun "$(head -c 500 "$tmp/vout")"
fi
# The parser is a real check: one wrong keyword in the block fails it.
sed 's/ remote-as 65000/ remote-ass 65000/' "$F" >"$tmp/spoiled.conf"
if vtysh --dryrun -f "$tmp/spoiled.conf" >/dev/null 2>&1; then
	t_fail vtysh-dryrun-has-teeth "vtysh accepted 'remote-ass'"
else
	t_pass vtysh-dryrun-has-teeth
fi

# The namespaces: rtr 10.0.1.1 / 2001:db8:1::1 <-> lb1 10.0.1.2 / 2001:db8:1::2.
ip netns add "$lb" || t_skip_all "$suite" "cannot create a network namespace"
ip netns add "$rtr" || t_skip_all "$suite" "cannot create a network namespace"
for ns in "$lb" "$rtr"; do ip -n "$ns" link set lo up; done
ip link add bgc-r$$ netns "$rtr" type veth peer name eth0 netns "$lb" ||
	t_skip_all "$suite" "cannot create a veth pair"
ip -n "$rtr" link set bgc-r$$ name eth0
side() { # NS N: 10.0.1.N and 2001:db8:1::N on eth0
	ip -n "$1" addr add "10.0.1.$2/24" dev eth0
	ip -n "$1" addr add "2001:db8:1::$2/64" dev eth0 nodad
	ip -n "$1" link set eth0 up
}
side "$rtr" 1
side "$lb" 2

# start NS DIR DAEMON [ARGS]: in the foreground of a background job (with
# -d the daemons would outlive their parent); explicit paths per instance.
start() {
	local ns=$1 d=$2 daemon=$3
	shift 3
	ip netns exec "$ns" "/usr/lib/frr/$daemon" -P 0 -f "$d/$daemon.conf" \
		-i "$d/$daemon.pid" -z "$d/zserv.api" --vty_socket "$d" \
		--log "file:$d/$daemon.log" "$@" >"$d/$daemon.out" 2>&1 &
	pids+=($!)
}
# frr NS DIR: zebra, bfdd and bgpd with the configs in DIR.
frr() {
	start "$1" "$2" zebra
	wait_for 5000 test -S "$2/zserv.api" || return 1
	start "$1" "$2" bfdd --bfdctl "$2/bfdd.sock"
	start "$1" "$2" bgpd
	wait_for 5000 test -S "$2/bgpd.vty" -a -S "$2/bfdd.vty"
}
L=$tmp/lb R=$tmp/rtr
mkdir -p "$L" "$R"
for d in zebra bfdd bgpd; do : >"$L/$d.conf"; done
printf 'hostname rtr\n' >"$R/zebra.conf"
printf 'bfd\n profile FAST\n  receive-interval 100\n  transmit-interval 100\n exit\nexit\n' >"$R/bfdd.conf"
cat >"$R/bgpd.conf" <<'EOF'
ip prefix-list VIP4 seq 5 permit 198.51.100.0/24 ge 32
ip prefix-list VIP4 seq 6 permit 203.0.113.0/24 ge 32
ipv6 prefix-list VIP6 seq 5 permit 2001:db8:100::/48 ge 128
route-map VIP permit 10
 match ip address prefix-list VIP4
exit
route-map VIP permit 20
 match ipv6 address prefix-list VIP6
exit
route-map DENY-ALL deny 10
exit
router bgp 65000
 bgp router-id 10.0.1.1
 neighbor 10.0.1.2 remote-as 65001
 neighbor 10.0.1.2 timers 1 3
 neighbor 10.0.1.2 bfd
 neighbor 10.0.1.2 bfd profile FAST
 neighbor 2001:db8:1::2 remote-as 65001
 neighbor 2001:db8:1::2 timers 1 3
 address-family ipv4 unicast
  neighbor 10.0.1.2 route-map VIP in
  neighbor 10.0.1.2 route-map DENY-ALL out
  no neighbor 2001:db8:1::2 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor 2001:db8:1::2 activate
  neighbor 2001:db8:1::2 route-map VIP in
  neighbor 2001:db8:1::2 route-map DENY-ALL out
 exit-address-family
exit
EOF
chown -R frr:frr "$L" "$R"
vty() { vtysh --vty_socket "$1" "${@:2}"; }

if ! frr "$lb" "$L"; then
	t_fail frr-starts "$(cat "$L"/*.out "$L"/*.log 2>/dev/null | head -c 800)"
	t_done "$suite"
	exit
fi
# The patched frr.conf, vrrp block and foreign lines included, through
# vtysh as `vtysh -b` would load it (vrrpd does not run here: vtysh skips
# its lines).
if vty "$L" -f "$F" >"$tmp/vout" 2>&1; then
	t_pass frr-loads-patched-file
else
	t_fail frr-loads-patched-file "$(head -c 600 "$tmp/vout")"
fi
vty "$L" -c 'show running-config' >"$tmp/run" 2>&1
missing=
for want in 'router bgp 65001' ' bgp router-id 10.0.1.2' ' no bgp default ipv4-unicast' \
	' neighbor 10.0.1.1 remote-as 65000' ' neighbor 10.0.1.1 timers 1 3' \
	' neighbor 10.0.1.1 bfd' ' neighbor 10.0.1.1 bfd profile BALLAST' \
	' neighbor 2001:db8:1::1 remote-as 65000' \
	'  redistribute kernel route-map BALLAST-VIP' \
	'  neighbor 10.0.1.1 route-map BALLAST-DENY in' '  neighbor 10.0.1.1 route-map BALLAST-VIP out' \
	'  neighbor 2001:db8:1::1 activate' '  neighbor 2001:db8:1::1 route-map BALLAST-VIP out' \
	'ip prefix-list BALLAST-VIP4 seq 10 permit 198.51.100.10/32' \
	'ipv6 prefix-list BALLAST-VIP6 seq 10 permit 2001:db8:100::10/128' \
	'route-map BALLAST-VIP permit 10' 'route-map BALLAST-VIP permit 20' ' set metric 0' \
	'route-map BALLAST-DENY deny 10' ' profile BALLAST' '  transmit-interval 100'; do
	grep -qxF -- "$want" "$tmp/run" || missing+="'$want' "
done
if [[ -z $missing ]]; then
	t_pass frr-running-config
else
	t_fail frr-running-config "missing $missing: $(head -c 1500 "$tmp/run")"
fi
summary() { # NS_DIR JQ
	vty "$1" -c 'show bgp summary json' >"$tmp/sum.json" 2>/dev/null &&
		jq -e "$2" "$tmp/sum.json" >/dev/null
}
if summary "$L" '.ipv4Unicast.as == 65001 and .ipv4Unicast.routerId == "10.0.1.2" and
	.ipv4Unicast.peers["10.0.1.1"].remoteAs == 65000 and
	.ipv6Unicast.peers["2001:db8:1::1"].remoteAs == 65000 and
	(.ipv4Unicast.peers | has("2001:db8:1::1") | not)'; then
	t_pass frr-bgp-summary
else
	t_fail frr-bgp-summary "$(head -c 800 "$tmp/sum.json")"
fi

# ---- end to end: the router learns what the LB's kernel holds --------------

if ! frr "$rtr" "$R"; then
	t_fail frr-router-starts "$(cat "$R"/*.out "$R"/*.log 2>/dev/null | head -c 800)"
	t_done "$suite"
	exit
fi
if wait_for 20000 summary "$R" '.ipv4Unicast.peers["10.0.1.2"].state == "Established" and
	.ipv6Unicast.peers["2001:db8:1::2"].state == "Established"'; then
	t_pass sessions-established
else
	t_fail sessions-established "$(head -c 800 "$tmp/sum.json")"
fi
bfd_up() {
	vty "$L" -c 'show bfd peers json' >"$tmp/bfd.json" 2>/dev/null &&
		jq -e 'any(.[]; .peer == "10.0.1.1" and .status == "up")' "$tmp/bfd.json" >/dev/null
}
if wait_for 10000 bfd_up; then
	t_pass bfd-up
else
	t_fail bfd-up "$(head -c 600 "$tmp/bfd.json")"
fi
routes() { # PREFIX: the router's kernel routes to it, as JSON
	local fam=-4
	[[ $1 == *:* ]] && fam=-6
	ip -n "$rtr" "$fam" -j route show "$1" 2>/dev/null
}
at_rtr() { routes "$1" | jq -e 'length == 1 and .[0].protocol == "bgp"' >/dev/null; }
gone_rtr() { routes "$1" | jq -e 'length == 0' >/dev/null; }
# A kernel route of our protocol that is no VIP first, then the VIP: when
# the VIP has arrived, the other (which the router would take) has not.
ip -n "$lb" route add 203.0.113.7/32 dev lo proto 200
ip -n "$lb" route add 198.51.100.10/32 dev lo proto 200
ip -n "$lb" -6 route add 2001:db8:100::10/128 dev lo proto 200
if wait_for 10000 at_rtr 198.51.100.10/32; then
	t_pass vip4-announced
else
	t_fail vip4-announced "$(ip -n "$rtr" route; vty "$L" -c 'show ip route' 2>&1 | tail -5)"
fi
if wait_for 10000 at_rtr 2001:db8:100::10/128; then
	t_pass vip6-announced
else
	t_fail vip6-announced "$(ip -n "$rtr" -6 route; vty "$L" -c 'show ipv6 route' 2>&1 | tail -5)"
fi
if gone_rtr 203.0.113.7/32; then
	t_pass non-vip-not-announced
else
	t_fail non-vip-not-announced "$(ip -n "$rtr" route)"
fi
# The route-map's MED: 0 whatever the kernel route's metric.
if vty "$R" -c 'show bgp ipv4 unicast 198.51.100.10/32 json' 2>/dev/null |
	jq -e '.paths[0].metric == 0' >/dev/null; then
	t_pass med-zero
else
	t_fail med-zero "$(vty "$R" -c 'show bgp ipv4 unicast 198.51.100.10/32 json' 2>&1 | head -c 600)"
fi
ip -n "$lb" route del 198.51.100.10/32 dev lo proto 200
ip -n "$lb" -6 route del 2001:db8:100::10/128 dev lo proto 200
if wait_for 10000 gone_rtr 198.51.100.10/32 && wait_for 10000 gone_rtr 2001:db8:100::10/128; then
	t_pass vips-withdrawn
else
	t_fail vips-withdrawn "$(ip -n "$rtr" route; ip -n "$rtr" -6 route)"
fi

# route_table 100: the block makes zebra import the table and bgpd
# redistribute it; a route in table 100 is announced, and withdrawn.
sed 's/^  asn: 65001$/  asn: 65001\n  route_table: 100/; /web6/d' "$tmp/bgp.yaml" >"$tmp/t100.yaml"
"$B" bgp render frr -c "$tmp/t100.yaml" -n lb1 >"$tmp/t100.conf" 2>"$tmp/out"
if grep -qx 'ip import-table 100' "$tmp/t100.conf" && vty "$L" -f "$tmp/t100.conf" >"$tmp/vout" 2>&1 &&
	ip -n "$lb" route add 198.51.100.10/32 dev lo proto 200 table 100 &&
	wait_for 10000 at_rtr 198.51.100.10/32 &&
	ip -n "$lb" route del 198.51.100.10/32 dev lo proto 200 table 100 &&
	wait_for 10000 gone_rtr 198.51.100.10/32; then
	t_pass other-table-announced-withdrawn
else
	t_fail other-table-announced-withdrawn "$(cat "$tmp/out" "$tmp/vout"; ip -n "$rtr" route)"
fi

t_done "$suite"
