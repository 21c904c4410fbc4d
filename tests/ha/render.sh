#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `ballast vrrp` against the real daemons: the rendered keepalived
# configuration passes `keepalived -t` (and a spoiled copy does not), and the
# patched frr.conf is read by FRR's vrrpd, started with zebra in a
# namespace of its own, whose `show vrrp` then has the VRID with the YAML's
# settings and becomes master. Re-patching writes nothing; bytes outside the
# markers never change; unbalanced markers are refused. Needs root,
# keepalived and frr (`make deps`). Usage: render.sh BALLAST
set -u
suite=ha-render
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/result.sh
. "$here/../lib/result.sh"
# shellcheck source=tests/lib/wait.sh
. "$here/../lib/wait.sh"
B=$(realpath "$1")

[[ $(id -u) -eq 0 ]] || t_skip_all "$suite" "needs root (network namespaces, FRR)"
command -v keepalived >/dev/null || t_skip_all "$suite" "keepalived missing (make deps)"
[[ -x /usr/lib/frr/vrrpd && -x /usr/lib/frr/zebra ]] ||
	t_skip_all "$suite" "frr missing (make deps)"
command -v jq >/dev/null || t_skip_all "$suite" "jq missing"
getent group frr >/dev/null || t_skip_all "$suite" "no frr group (the frr package makes it)"

tmp=$(mktemp -d /tmp/ballast-ha-render.XXXXXX)
# The FRR daemons run as user frr: they must reach $tmp/frr.
chmod 0755 "$tmp"
ns=ballast-vr-$$
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# yaml FILE VRRP_SETTINGS [PROVIDER]: a pair, one dual-stack group.
yaml() {
	cat >"$1" <<EOF
version: 1
dataplane: {driver: fake}
ha: {mode: vrrp, interface: eth0, provider: ${3:-keepalived}}
vrrp:
$2
  nodes:
    - {name: lb1, address: 10.0.0.11, priority: 150}
    - {name: lb2, address: 10.0.0.12}
  groups:
    - {name: web, vrid: 51, vips: [192.0.2.10, "2001:db8::10"]}
    - {name: api, vrid: 52, vips: [192.0.2.20]}
pools:
  web: {backends: [10.0.1.1, 10.0.1.2]}
  web6: {backends: ["2001:db8:1::1", "2001:db8:1::2"]}
services:
  - {name: web, address: 192.0.2.10, port: 80, pool: web}
  - {name: web6, address: "2001:db8::10", port: 80, pool: web6}
  - {name: api, address: 192.0.2.20, port: 80, pool: web}
EOF
}

# The namespace: eth0 (the YAML's ha.interface) with the node's address and
# FRR's macvlans for VRID 51 (bridge mode, virtual MACs, random IPv6
# link-local addresses, the VIPs on them).
ip netns add "$ns" || t_skip_all "$suite" "cannot create a network namespace"
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type veth peer name peer0
ip -n "$ns" addr add 10.0.0.11/24 dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" link set peer0 up
mkvlan() { # NAME MAC ADDRESS
	local dad=()
	[[ $3 == *:* ]] && dad=(nodad)
	ip -n "$ns" link add "$1" link eth0 type macvlan mode bridge &&
		ip -n "$ns" link set dev "$1" addrgenmode random &&
		ip -n "$ns" link set dev "$1" address "$2" &&
		ip -n "$ns" addr add "$3" dev "$1" "${dad[@]}" &&
		ip -n "$ns" link set dev "$1" up
}
mkvlan vrrp4-51 00:00:5e:00:01:33 192.0.2.10/32 &&
	mkvlan vrrp6-51 00:00:5e:00:02:33 2001:db8::10/128 &&
	mkvlan vrrp4-52 00:00:5e:00:01:34 192.0.2.20/32 ||
	t_skip_all "$suite" "cannot create macvlan devices"

# ---- keepalived -------------------------------------------------------------

# v4only FILE: the YAML without its IPv6 VIP and service (unicast adverts
# between IPv4 nodes, VRRPv2).
v4only() { sed -i 's/, "2001:db8::10"//; /web6/d' "$1"; }

kcheck() { # NAME SETTINGS NODE EXPECT_LINE...
	local name=$1 f=$tmp/$1.yaml out=$tmp/$1.conf rc
	shift
	yaml "$f" "$1"
	[[ $name == *v4* ]] && v4only "$f"
	"$B" vrrp render keepalived -c "$f" --node "$2" >"$out" 2>"$tmp/err"
	rc=$?
	if [[ $rc -ne 0 ]]; then
		t_fail "$name" "render exited $rc: $(head -c 300 "$tmp/err")"
		return
	fi
	if ! ip netns exec "$ns" keepalived -t -f "$out" >"$tmp/kout" 2>&1; then
		t_fail "$name" "keepalived -t refused it: $(head -c 500 "$tmp/kout")"
		return
	fi
	shift 2
	local want
	for want in "$@"; do
		if ! grep -qxF -- "$want" "$out"; then
			t_fail "$name" "no line '$want' in the rendered file"
			return
		fi
	done
	t_pass "$name"
}

kcheck keepalived-v3-dual-stack "  advert_interval: 100ms" lb1 \
	"vrrp_instance ballast_web {" "vrrp_instance ballast_web_v6 {" \
	"vrrp_instance ballast_api {" "    priority 150" "    advert_int 0.1" \
	"    version 3" "        2001:db8::10/128 dev eth0"
kcheck keepalived-v4-unicast-nopreempt "  preempt: false
  unicast: true" lb2 "    priority 100" "    nopreempt" \
	"    unicast_src_ip 10.0.0.12" "        10.0.0.11"
yaml "$tmp/v2.yaml" "  version: 2
  advert_interval: 3s
  auth_pass: s3cret"
v4only "$tmp/v2.yaml"
if "$B" vrrp render keepalived -c "$tmp/v2.yaml" -n lb1 >"$tmp/v2.conf" &&
	ip netns exec "$ns" keepalived -t -f "$tmp/v2.conf" >"$tmp/kout" 2>&1 &&
	grep -qx "        auth_type PASS" "$tmp/v2.conf" &&
	grep -qx "    advert_int 3" "$tmp/v2.conf"; then
	t_pass keepalived-v2-auth
else
	t_fail keepalived-v2-auth "$(head -c 500 "$tmp/kout")"
fi
# keepalived -t is a real check: one wrong keyword in the same file fails.
sed 's/virtual_router_id 51/virtual_router_idd 51/' "$tmp/keepalived-v3-dual-stack.conf" >"$tmp/spoiled.conf"
if ip netns exec "$ns" keepalived -t -f "$tmp/spoiled.conf" >/dev/null 2>&1; then
	t_fail keepalived-t-has-teeth "keepalived -t accepted an unknown keyword"
else
	t_pass keepalived-t-has-teeth
fi

# ---- frr.conf: patching ----------------------------------------------------

F=$tmp/etc/frr.conf
mkdir -p "$tmp/etc"
yaml "$tmp/frr.yaml" "  advert_interval: 100ms" frr
printf 'frr version 8.4\nhostname lbtest\n! kept as written\nlog stdout\n' >"$F"
chown root:frr "$F"
chmod 0640 "$F"
cp "$F" "$tmp/orig"
"$B" vrrp patch-frr "$F" -c "$tmp/frr.yaml" -n lb1 >"$tmp/out" 2>&1
rc=$?
if [[ $rc -eq 2 ]] && cmp -s "$F.bak" "$tmp/orig" &&
	cmp -s <(head -c "$(stat -c %s "$tmp/orig")" "$F") "$tmp/orig" &&
	grep -qx '! ballast: begin managed vrrp block (do not edit)' "$F" &&
	[[ $(tail -n 1 "$F") == '! ballast: end managed vrrp block' ]]; then
	t_pass frr-append
else
	t_fail frr-append "exit $rc: $(cat "$tmp/out")"
fi
if [[ $(stat -c '%a %U:%G' "$F") == "640 root:frr" &&
	$(stat -c '%a %U:%G' "$F.bak") == "640 root:frr" ]]; then
	t_pass frr-mode-owner-kept
else
	t_fail frr-mode-owner-kept "$(stat -c '%n %a %U:%G' "$F" "$F.bak")"
fi

# Accepted by vtysh's parser for every daemon...
if vtysh --dryrun -f "$F" >"$tmp/vout" 2>&1; then
	t_pass frr-vtysh-dryrun
else
	t_fail frr-vtysh-dryrun "$(head -c 500 "$tmp/vout")"
fi

# ...and read by vrrpd itself, next to zebra, in the namespace.
D=$tmp/frr
mkdir -p "$D"
printf 'hostname lbtest\n' >"$D/zebra.conf"
cp "$F" "$D/vrrpd.conf"
chown -R frr:frr "$D"
start() { # DAEMON
	ip netns exec "$ns" "/usr/lib/frr/$1" -P 0 -f "$D/$1.conf" -i "$D/$1.pid" \
		-z "$D/zserv.api" --vty_socket "$D" --log "file:$D/$1.log" \
		>"$D/$1.out" 2>&1 &
	pids+=($!)
}
vty() { vtysh --vty_socket "$D" "$@"; }
start zebra
wait_for 5000 test -S "$D/zserv.api" || t_fail frr-zebra-starts "$(cat "$D/zebra.out")"
start vrrpd
show() { vty -c 'show vrrp json' >"$tmp/show.json" 2>/dev/null && jq -e "$1" "$tmp/show.json" >/dev/null; }
if wait_for 5000 show 'length == 2'; then
	if show '.[] | select(.vrid == 51) | .version == 3 and .advertisementInterval == 100 and .preemptMode and .v4.effectivePriority == 150 and .v4.addresses == ["192.0.2.10"] and .v6.addresses == ["2001:db8::10"]' &&
		show '.[] | select(.vrid == 52) | .v4.addresses == ["192.0.2.20"] and .v6.addresses == []'; then
		t_pass frr-vrrpd-reads-block
	else
		t_fail frr-vrrpd-reads-block "$(cat "$tmp/show.json")"
	fi
else
	t_fail frr-vrrpd-reads-block "vrrpd shows no VRIDs 51 and 52: $(cat "$tmp/show.json" "$D/vrrpd.log" 2>/dev/null | head -c 800)"
fi
# Alone on the segment, the router becomes master after the master down
# interval (3 x 100 ms plus skew).
if wait_for 5000 show '.[] | select(.vrid == 51) | .v4.status == "Master" and .v6.status == "Master"'; then
	t_pass frr-vrrpd-master
else
	t_fail frr-vrrpd-master "$(cat "$tmp/show.json")"
fi
# The running configuration has what the block says, nopreempt included
# when the YAML asks: apply a re-rendered block through vtysh.
yaml "$tmp/frr-np.yaml" "  advert_interval: 200ms
  preempt: false" frr
cp "$F" "$tmp/np.conf"
"$B" vrrp patch-frr "$tmp/np.conf" -c "$tmp/frr-np.yaml" -n lb1 >/dev/null 2>&1
if vty -f "$tmp/np.conf" >"$tmp/vout" 2>&1 &&
	wait_for 3000 show '.[] | select(.vrid == 51) | .preemptMode == false and .advertisementInterval == 200'; then
	t_pass frr-vtysh-applies-nopreempt
else
	t_fail frr-vtysh-applies-nopreempt "$(cat "$tmp/vout" "$tmp/show.json" | head -c 600)"
fi

# ---- frr.conf: idempotence and foreign bytes ------------------------------

rm -f "$F.bak"
sum=$(sha256sum <"$F")
mtime=$(stat -c %y "$F")
ino=$(stat -c %i "$F")
"$B" vrrp patch-frr "$F" -c "$tmp/frr.yaml" -n lb1 >"$tmp/out" 2>&1
rc=$?
if [[ $rc -eq 0 && $(sha256sum <"$F") == "$sum" && $(stat -c %y "$F") == "$mtime" &&
	$(stat -c %i "$F") == "$ino" && ! -e "$F.bak" ]] && grep -q unchanged "$tmp/out"; then
	t_pass frr-repatch-noop
else
	t_fail frr-repatch-noop "exit $rc, bak $([[ -e $F.bak ]] && echo present): $(cat "$tmp/out")"
fi

# Foreign content on both sides of the markers, the last line without a
# newline: only the block changes when a priority does.
printf 'hostname lbtest\n!\n' >"$tmp/pre"
printf '\nrouter bgp 65001\n neighbor 10.0.0.1 remote-as 65000\nexit\n! no newline' >"$tmp/post"
{
	cat "$tmp/pre"
	sed -n '/^! ballast: begin/,/^! ballast: end/p' "$F" | head -c -1
	cat "$tmp/post"
} >"$tmp/foreign.conf"
sed 's/priority: 150/priority: 200/' "$tmp/frr.yaml" >"$tmp/frr200.yaml"
"$B" vrrp patch-frr "$tmp/foreign.conf" -c "$tmp/frr200.yaml" -n lb1 >"$tmp/out" 2>&1
rc=$?
if [[ $rc -eq 2 ]] &&
	cmp -s <(head -c "$(stat -c %s "$tmp/pre")" "$tmp/foreign.conf") "$tmp/pre" &&
	cmp -s <(tail -c "$(stat -c %s "$tmp/post")" "$tmp/foreign.conf") "$tmp/post" &&
	grep -qx ' vrrp 51 priority 200' "$tmp/foreign.conf" &&
	! grep -q 'priority 150' "$tmp/foreign.conf"; then
	t_pass frr-foreign-bytes-kept
else
	t_fail frr-foreign-bytes-kept "exit $rc: $(cat "$tmp/out")"
fi

# --dry-run says what would change and writes nothing (exit 2).
sum=$(sha256sum <"$F")
"$B" vrrp patch-frr "$F" -c "$tmp/frr200.yaml" -n lb1 --dry-run --diff >"$tmp/out" 2>&1
rc=$?
if [[ $rc -eq 2 && $(sha256sum <"$F") == "$sum" && ! -e "$F.bak" ]] &&
	grep -qx -- '- vrrp 51 priority 150' "$tmp/out" &&
	grep -qx -- '+ vrrp 51 priority 200' "$tmp/out"; then
	t_pass frr-dry-run-diff
else
	t_fail frr-dry-run-diff "exit $rc: $(cat "$tmp/out")"
fi

# Two begin markers: refused, nothing written.
{ cat "$F"; printf '\n! ballast: begin managed vrrp block (do not edit)\n'; } >"$tmp/bad.conf"
cp "$tmp/bad.conf" "$tmp/bad.orig"
"$B" vrrp patch-frr "$tmp/bad.conf" -c "$tmp/frr200.yaml" -n lb1 >"$tmp/out" 2>&1
rc=$?
if [[ $rc -eq 1 ]] && cmp -s "$tmp/bad.conf" "$tmp/bad.orig" && [[ ! -e $tmp/bad.conf.bak ]] &&
	grep -q "a second 'begin managed vrrp block' line" "$tmp/out"; then
	t_pass frr-unbalanced-refused
else
	t_fail frr-unbalanced-refused "exit $rc: $(cat "$tmp/out")"
fi

# Without --node the host name picks the node (in full or its first
# label); a name no node has is an error listing the nodes.
byhost() { # HOSTNAME ARGS...
	local h=$1
	shift
	unshare --uts sh -c 'hostname "$1"; shift; exec "$@"' - "$h" "$B" "$@"
}
if byhost lb2.example.net vrrp render keepalived -c "$tmp/frr.yaml" >"$tmp/out" 2>/dev/null &&
	grep -q "for node lb2$" "$tmp/out" && grep -qx "    priority 100" "$tmp/out"; then
	t_pass node-from-hostname
else
	t_fail node-from-hostname "$(head -c 300 "$tmp/out")"
fi
byhost nosuch vrrp patch-frr "$F" -c "$tmp/frr.yaml" >"$tmp/out" 2>&1
rc=$?
if [[ $rc -eq 1 ]] && grep -q "'nosuch' is none of the vrrp nodes (lb1, lb2); pass --node NAME" "$tmp/out"; then
	t_pass node-from-hostname-error
else
	t_fail node-from-hostname-error "exit $rc: $(cat "$tmp/out")"
fi

t_done "$suite"
