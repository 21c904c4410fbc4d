#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The XDP driver end to end: `ballast plan` / `apply` program the forwarder on
# a veth inside a network namespace, with every pin on a bpffs private to this
# run (a mount namespace of its own), so nothing collides with a real
# instance and everything vanishes with the run. Covers adoption across
# restarts and SIGKILL, a program upgrade in one link update, drift shown by
# plan and repaired by apply, a stale layout refused, capacity refused whole,
# weights read back, and --detach leaving nothing behind.
# Usage: run.sh BALLAST POKE. Skips (recording a skip) without root.
set -u
suite=xdp-driver
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/result.sh
. "$here/../lib/result.sh"

skip_all() { t_skip_all "$suite" "$1"; }
[[ $(id -u) -eq 0 ]] || skip_all "needs root (bpf, network namespaces)"
command -v ip >/dev/null || skip_all "iproute2 missing"
command -v unshare >/dev/null && command -v nsenter >/dev/null ||
	skip_all "util-linux unshare/nsenter missing"
B=$(realpath "$1")
POKE=$(realpath "$2")

# Run the rest in a mount namespace of our own: the bpffs mounted below, and
# every pin in it, go away with this process whatever happens.
if [[ -z "${BALLAST_XDP_INNER:-}" ]]; then
	BALLAST_XDP_INNER=1 exec unshare --mount --propagation private "$0" "$@"
fi

tmp=$(mktemp -d)
ns=ballast-xdp-$$
pins=$tmp/bpf
dir=$pins/xd0
cleanup() {
	ip netns del "$ns" 2>/dev/null
	ip netns del "$ns-client" 2>/dev/null
	umount "$pins" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
mkdir -p "$pins"
mount -t bpf bpf "$pins" || skip_all "cannot mount a bpf filesystem"
ip netns add "$ns" || skip_all "cannot create a network namespace"
ip -n "$ns" link add xd0 type veth peer name xd1
ip -n "$ns" link set xd0 up
ip -n "$ns" addr add 10.0.0.1/24 dev xd0
ifindex=$(ip -n "$ns" -o link show xd0 | cut -d: -f1)
# A client behind xd1, in a namespace of its own; the forwarder's reals are
# routed back through it, so a forwarded packet leaves by XDP_TX.
cl=$ns-client
ip netns add "$cl"
ip -n "$ns" link set xd1 netns "$cl"
ip -n "$cl" link set xd1 up
ip -n "$cl" addr add 10.0.0.2/24 dev xd1
ip -n "$cl" route add 192.0.2.0/24 via 10.0.0.1
ip -n "$ns" route add 10.1.0.0/24 via 10.0.0.2
ip -n "$ns" neigh add 10.0.0.2 lladdr "$(ip -n "$cl" -o link show xd1 |
	grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)" dev xd0 nud permanent
ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.forwarding=1

# `ip netns exec` would remount /sys; nsenter only changes the network.
X=(nsenter "--net=/run/netns/$ns")

# conf NAME WEIGHT REALS_A REALS_B [RING MAX_REALS]: services A (dsr) and B
# (nat).
conf() {
	local f=$tmp/$1.yaml
	cat >"$f" <<YAML
version: 1
dataplane:
  driver: xdp
  interface: xd0
  xdp:
    mode: ${7:-auto}
    ring_size: ${5:-251}
    flow_table_size: 4096
    max_services: 4
    max_reals: ${6:-6}
    pin_path: ${8:-$pins}
pools:
  a:
    backends:
$(for r in $3; do printf '      - address: %s\n        weight: %s\n' "$r" "$2"; done)
  b:
    backends:
$(for r in $4; do printf '      - address: %s\n' "$r"; done)
services:
  - name: a
    address: 192.0.2.10
    port: 80
    pool: a
  - name: b
    address: 2001:db8::10
    port: 53
    protocol: udp
    forwarding: nat
    pool: b
YAML
}
conf c1 3 "10.1.0.1 10.1.0.2" "fd01::1 fd01::2"
conf c2 5 "10.1.0.1 10.1.0.2" "fd01::1 fd01::2"
conf c3 3 "10.1.0.3 10.1.0.4 10.1.0.5" "fd01::3 fd01::4"
conf cg 3 "10.1.0.1 10.1.0.2" "fd01::1 fd01::2" 251 6 generic
conf cs 3 "10.1.0.1 10.1.0.2" "fd01::1 fd01::2" 251 6 auto /sys/fs/bpf/ballast-test
conf c5 3 "10.1.0.1" "fd01::1 fd01::2"
conf c6 3 "10.1.0.1 10.1.0.3 10.1.0.4 10.1.0.5" "fd01::1 fd01::2"
conf cb 3 "10.1.0.1 10.1.0.2 10.1.0.3 10.1.0.4" "fd01::1 fd01::2"
conf c4 3 "10.1.0.1 10.1.0.2" "fd01::1 fd01::2" 509 8
conf cr 3 "10.1.0.1 10.1.0.2 10.1.0.3" "fd01::1 fd01::2" 4093
conf cr2 3 "10.1.0.1 10.1.0.2" "fd01::1 fd01::2" 4093
conf cq1 3 "10.1.0.1 10.1.0.2" "fd01::1 fd01::2" 251 16
conf cq2 3 "10.1.0.1 10.1.0.2 10.1.0.3" "fd01::1 fd01::2" 251 16

out=$tmp/out
bl() { "${X[@]}" "$B" "$@" >"$out" 2>&1; }
check() { # check NAME COND...
	local name=$1
	shift
	if "$@"; then t_pass "$name"; else t_fail "$name" "$(tail -5 "$out")"; fi
}
has() { grep -q -- "$1" "$out"; }
ids() { "$POKE" "$dir" ids | grep -v '^prog_' | sort; }
prog_id() { "$POKE" "$dir" ids | awk -v n="$1" '$1 == n { print $2 }'; }
attached() { [[ $("$POKE" "$dir" attached) == "$ifindex" ]]; }
converged() { bl plan -c "$tmp/$1.yaml"; }

bl plan -c "$tmp/c1.yaml"
rc=$?
check "plan on an empty interface lists the additions" \
	test $rc -eq 2 -a ! -e "$dir"
bl apply -c "$tmp/c1.yaml"
check "apply programs the forwarder" has "Apply: 6 applied, 0 failed"
check "plan after apply is empty" converged c1
check "XDP attached to the interface through a pinned link" attached
check "the kernel shows the program on the interface" \
	test -n "$(ip -n "$ns" -d link show xd0 | grep prog/xdp)"
tc_n=$("${X[@]}" "$POKE" - tcx "$ifindex")
tc_legacy=$(tc -n "$ns" filter show dev xd0 egress 2>/dev/null)
check "TC egress program attached (tcx link or clsact filter)" \
	test "$tc_n" -ge 1 -o -n "$tc_legacy"
"$POKE" "$dir" weights | sort >"$out"
printf '%s\n' "10.1.0.1 80 3" "10.1.0.2 80 3" "fd01::1 53 100" \
	"fd01::2 53 100" >"$tmp/want"
check "weights read back are those programmed" diff -u "$tmp/want" "$out"

# Real packets: SYNs from the client, forwarded (IPIP) back out of xd0.
bl apply -c "$tmp/c1.yaml" --detach
bl apply -c "$tmp/cg.yaml"
check "generic XDP mode attaches" attached
ip netns exec "$cl" timeout 2 bash -c 'exec 3<>/dev/tcp/192.0.2.10/80' 2>/dev/null
"${X[@]}" "$POKE" - stats "$tmp/cg.yaml" >"$out" 2>&1
check "stats: a SYN to the VIP was forwarded (tx)" \
	awk '$1 == "tx" && $2 > 0 { ok = 1 } END { exit !ok }' "$out"
check "stats: per-service packets and bytes" \
	awk '$1 == "svc" && $3 == "192.0.2.10:80" && $4 > 0 && $5 > 0 { ok = 1 } END { exit !ok }' "$out"
check "stats: per-real packets and bytes" \
	awk '$1 == "real" && $5 > 0 && $6 > 0 { ok = 1 } END { exit !ok }' "$out"
check "stats: attached" grep -q "^attached 1" "$out"
bl apply -c "$tmp/c1.yaml" --detach
bl apply -c "$tmp/c1.yaml"
check "back in auto mode" converged c1

before=$(ids)
bl apply -c "$tmp/c2.yaml"
check "a restarted process adopts the pinned maps (weight change)" \
	has "Apply: 2 applied, 0 failed"
check "same map and link ids after a restart" test "$before" == "$(ids)"
"$POKE" "$dir" weights | sort | head -1 >"$out"
check "changed weight read back" grep -q "10.1.0.1 80 5" "$out"

"${X[@]}" "$B" apply -c "$tmp/c1.yaml" >/dev/null 2>&1 &
pid=$!
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
check "SIGKILL during apply leaves the link attached" attached
check "SIGKILL during apply keeps map and link ids" test "$before" == "$(ids)"
bl apply -c "$tmp/c1.yaml"
check "apply after SIGKILL converges" converged c1

old_prog=$(prog_id prog_xdp)
"$POKE" "$dir" oldprog
bl apply -c "$tmp/c1.yaml"
check "a new build replaces the program" test "$(prog_id prog_xdp)" != "$old_prog"
check "the program is replaced in the same link, maps kept" \
	test "$before" == "$(ids)"
check "still attached after the upgrade" attached

"$POKE" "$dir" del-svc
bl plan -c "$tmp/c1.yaml"
check "a service deleted by hand shows in plan" has "^+ service"
bl apply -c "$tmp/c1.yaml"
check "apply restores the deleted service" converged c1

"$POKE" "$dir" ring
bl plan -c "$tmp/c1.yaml"
check "an overwritten ring slot shows in plan" has "ring-mismatch"
bl apply -c "$tmp/c1.yaml"
check "apply republishes the ring" converged c1

# An apply killed after writing a weight and before flipping the ring.
"$POKE" "$dir" setw 10.1.0.1 5
bl plan -c "$tmp/c2.yaml"
check "a ring older than its weights shows in plan" has "ring-mismatch"
bl apply -c "$tmp/c2.yaml"
check "apply rebuilds it" converged c2
bl apply -c "$tmp/c1.yaml"

"$POKE" "$dir" unlink
bl plan -c "$tmp/c1.yaml"
check "a detached program shows in plan" has "detached"
bl apply -c "$tmp/c1.yaml"
check "apply attaches again" attached
check "and converges" converged c1

"$POKE" "$dir" weights >"$tmp/w_before"
bl apply -c "$tmp/c3.yaml"
rc=$?
check "a plan beyond max_reals is refused" test $rc -ne 0
check "the refusal names the setting" has "dataplane.xdp.max_reals"
"$POKE" "$dir" weights >"$tmp/w_after"
check "a refused plan writes nothing" diff -u "$tmp/w_before" "$tmp/w_after"
check "the old state is intact" converged c1

bl apply -c "$tmp/c5.yaml"
check "a real is removed" converged c5
bl apply -c "$tmp/c6.yaml"
rc=$?
check "a removed real's id is not reused while in quarantine" \
	test $rc -ne 0 -a -n "$(grep 'held for' "$out")"
"$POKE" "$dir" age
bl apply -c "$tmp/c6.yaml"
check "it is reused once the quarantine is over" converged c6
bl apply -c "$tmp/c5.yaml"
"$POKE" "$dir" age
bl apply -c "$tmp/c1.yaml"
check "back to the first config" converged c1

# A withdrawn backend coming back within its quarantine (an HA standby
# taking over again) takes its old id: 2 never-used ids + that one fit.
realid() { "$POKE" "$dir" realids | awk -v a="$1" '$1 == a { print $3 }'; }
id_before=$(realid 10.1.0.2)
bl apply -c "$tmp/c5.yaml"
bl apply -c "$tmp/cb.yaml"
check "a backend back within its quarantine fits in its old id" converged cb
check "it has its old id ($id_before)" \
	test -n "$id_before" -a "$(realid 10.1.0.2)" = "$id_before"
bl apply -c "$tmp/c1.yaml"
"$POKE" "$dir" age
check "back to the first config again" converged c1

link_before=$(prog_id link_xdp)
maps_before=$(ids | grep '^lb_')
bl apply -c "$tmp/c4.yaml"
check "a change of sizes is applied" test $? -eq 0
check "resized: plan is empty with the new sizes" converged c4
check "resized: the same XDP link carries the new program" \
	test "$(prog_id link_xdp)" == "$link_before"
check "resized: new maps" test "$(ids | grep '^lb_')" != "$maps_before"
check "resized: still attached" attached
"$POKE" "$dir" weights | sort >"$out"
check "resized: reals and weights kept" diff -u "$tmp/want" "$out"
check "resized: no staging directory left" \
	test -z "$(ls -A "$pins" | grep -v '\.debug$' | grep -v '^xd0$')"
bl apply -c "$tmp/c1.yaml"
check "and back to the old sizes" converged c1
"${X[@]}" "$POKE" - reconf "$tmp/c1.yaml" "$tmp/c4.yaml" >"$out" 2>&1
check "an open handle resizes through reconfigure" \
	grep -q "2 services, 4 reals" "$out"
check "reconfigured: plan with the new sizes is empty" converged c4
check "reconfigured: same XDP link" test "$(prog_id link_xdp)" == "$link_before"
bl apply -c "$tmp/c1.yaml"

# Rings sized per service: 100 entries a real, ring_size the largest.
"$POKE" "$dir" age
bl apply -c "$tmp/cr.yaml"
check "rings sized per service: applied" converged cr
"$POKE" "$dir" sizes | sort >"$out"
printf '%s\n' "53 251" "80 307" >"$tmp/want"
check "rings sized per service: 3 reals 307, 2 reals 251" \
	diff -u "$tmp/want" "$out"
bl apply -c "$tmp/cr2.yaml"
check "a real removed: applied" converged cr2
"$POKE" "$dir" sizes | sort >"$out"
check "a real removed keeps the ring's size (flows stay put)" \
	diff -u "$tmp/want" "$out"
"$POKE" "$dir" age
bl apply -c "$tmp/c1.yaml"
check "back from rings sized per service" converged c1

# Passes scoped to one service on a handle that stays open (the daemon's)
# keep an index of the tables between passes: what changes behind it, by
# hand or by another process's apply, is still seen, and a restarted
# handle converges (tests/xdp/poke.c, scoped()).
"$POKE" "$dir" age
"${X[@]}" "$POKE" "$dir" scoped "$tmp/cq1.yaml" "$tmp/cq2.yaml" >"$out" 2>&1
while read -r verdict line; do
	if [[ $verdict == ok ]]; then t_pass "${line% (*}"; else t_fail "${line% (*}" "$line"; fi
done < <(grep -E '^(ok|FAIL) ' "$out")
check "scoped: every check ran" test "$(grep -cE '^(ok|FAIL) ' "$out")" -eq 14
"$POKE" "$dir" age
bl apply -c "$tmp/c1.yaml"
check "back from the scoped passes" converged c1

"$POKE" "$dir" stale
bl plan -c "$tmp/c1.yaml"
rc=$?
check "a stale layout is refused by plan" test $rc -eq 1
check "the refusal gives the remedy" has "ballast apply --detach"
bl apply -c "$tmp/c1.yaml"
check "a stale layout is refused by apply" test $? -eq 1
bl apply -c "$tmp/c1.yaml" --detach
check "apply --detach removes a stale forwarder" test $? -eq 0 -a ! -e "$dir"
check "nothing attached after --detach" \
	test -z "$(ip -n "$ns" -d link show xd0 | grep prog/xdp)" \
	-a "$("${X[@]}" "$POKE" - tcx "$ifindex")" = 0 \
	-a -z "$(tc -n "$ns" filter show dev xd0 egress 2>/dev/null)"
bl apply -c "$tmp/c1.yaml"
check "apply after --detach installs afresh" converged c1
bl apply -c "$tmp/c1.yaml" --detach
# bpffs shows its own maps.debug and progs.debug.
check "nothing pinned after --detach" \
	test -z "$(ls -A "$pins" | grep -v '\.debug$')"

# Another XDP program on the interface: Ballast attaches alone and says so.
decap=${BALLAST_DECAP_OBJ:-$(dirname "$POKE")/../../dataplane/xdp/decap.bpf.o}
if ip -n "$ns" link set dev xd0 xdpgeneric obj "$decap" sec xdp 2>/dev/null; then
	bl apply -c "$tmp/c1.yaml"
	rc=$?
	check "a foreign XDP program is not replaced" \
		test $rc -ne 0 -a -n "$(grep 'another XDP program' "$out")"
	ip -n "$ns" link set dev xd0 xdpgeneric off
	bl apply -c "$tmp/c1.yaml" --detach
else
	t_skip "a foreign XDP program is not replaced" "ip cannot load $decap"
fi

# bpffs mounted on /sys/fs/bpf by the driver (this mount namespace only).
umount /sys/fs/bpf 2>/dev/null
bl apply -c "$tmp/cs.yaml"
check "bpffs is mounted on /sys/fs/bpf when needed" \
	test "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs -a -e /sys/fs/bpf/ballast-test/xd0/meta
bl apply -c "$tmp/cs.yaml" --detach
umount /sys/fs/bpf 2>/dev/null

# The clsact path of kernels without tcx (Debian 12's 6.1), forced here.
tcf() { tc -n "$ns" filter show dev xd0 egress 2>/dev/null | grep -o 'id [0-9]*' | head -1; }
BALLAST_XDP_TC_LEGACY=1 bl apply -c "$tmp/c1.yaml"
check "legacy TC: the egress filter is attached" test -n "$(tcf)"
check "legacy TC: no tcx link" test "$("${X[@]}" "$POKE" - tcx "$ifindex")" = 0
check "legacy TC: plan is empty" converged c1
tc_before=$(tcf)
"$POKE" "$dir" oldprog
bl apply -c "$tmp/c1.yaml"
check "legacy TC: an upgrade replaces the filter's program" \
	test -n "$(tcf)" -a "$(tcf)" != "$tc_before"
bl apply -c "$tmp/c1.yaml" --detach
check "legacy TC: --detach removes the filter and the qdisc it created" \
	test -z "$(tcf)" -a -z "$(tc -n "$ns" qdisc show dev xd0 | grep clsact)"

t_done "$suite"
