#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# make bench-ha-lvs, inside the test VM: keepalived failovers in a lab of
# namespaces on a bridge, with keepalived's own LVS (virtual_server on
# IPVS) as the reference and Ballast's IPVS dataplane under the same
# keepalived VRRP gate.
#
#   client 10.210.0.2    the echo flow (haflow) to VIP:7000
#   lb1    10.210.0.11   VRRP priority 150 (master)
#   lb2    10.210.0.12   VRRP priority 100
#   be1/2  10.210.0.21/22  VIP on lo (arp_ignore=1, arp_announce=2), echo
#                        server on 7000; replies go straight to the client
#   VIP    10.210.0.100  VRID 51, VRRP v3, 100 ms adverts, IPVS DR, mh
#
# Variants (ballast_ha_variants=a,b,... on the kernel command line; the
# default is those in VARIANTS below):
#   lvs            keepalived VRRP + virtual_server (lb_kind DR)
#   lvs-sloppy     the same with net.ipv4.vs.sloppy_tcp=1 on both LBs
#   lvs-sync       the same with lvs_sync_daemon (connection sync), sloppy 0
#   ballast-withdraw, ballast-warm, ballast-warm-sloppy
#                  keepalived VRRP only (-P), `ballast apply --daemon`
#                  with dataplane ipvs, ha.mode vrrp, standby withdraw/warm
#   ballast-withdraw-sloppy  withdraw with sloppy_tcp=1
#   VARIANT-stop   keepalived on lb1 frozen (SIGSTOP) instead of stopped:
#                  no goodbye advert, lb1 keeps its VIP and IPVS; lb2 takes
#                  over after the master-down interval (about 3 adverts)
#
# N failovers each (ballast_ha_n=N, 10 by default): keepalived on lb1 is
# stopped (SIGTERM: a priority 0 advert, the VIP removed) while the flow
# runs, then started again (failback, not measured; after a -stop one it
# is killed first and its VIP and virtual servers removed). Per failover one line
#   ROW: VARIANT I EV_IPVS DAEMON STATE BEFORE AFTER GAP POLLS
# EV_IPVS: ms from the VIP's RTM_NEWADDR read in lb2 to the service (with
# a real) read back from lb2's IPVS (ipvs_probe vipwait), POLLS the reads
# that took (1: it was there at the first read); DAEMON: the
# Ballast daemon's own kernel event -> programmed (its log), "-" for
# keepalived; STATE BEFORE AFTER GAP: the flow (tests/vm/haflow.c).
# tests/vm/halvs_table.sh turns the rows into the table.
B=/bin/ballast
P=/bin/ipvs_probe
F=/bin/haflow
K=/bin/keepalived
IP=/sbin/ip
T=/tmp/halvs
VIP=10.210.0.100
PORT=7000
export PATH=/usr/local/bin:$PATH
mkdir -p $T

N=$(sed -n 's/.*ballast_ha_n=\([0-9]*\).*/\1/p' /proc/cmdline)
N=${N:-10}
VARIANTS=$(sed -n 's/.*ballast_ha_variants=\([a-z,-]*\).*/\1/p' /proc/cmdline | tr , ' ')
VARIANTS=${VARIANTS:-lvs lvs-sloppy lvs-sync lvs-stop lvs-sloppy-stop lvs-sync-stop
	ballast-withdraw ballast-withdraw-sloppy ballast-warm ballast-warm-sloppy
	ballast-warm-sloppy-stop}

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; }
info() { echo "INFO: $*"; }
# wait_for TENTHS CMD...: until CMD succeeds, polling every 50 ms
# (busybox sh has no local: helpers' variables start with _)
wait_for() {
	_wn=$(($1 * 2))
	shift
	while [ $_wn -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
		_wn=$((_wn - 1))
	done
	return 1
}
addr() {
	case $1 in
	client) echo 10.210.0.2 ;;
	lb1) echo 10.210.0.11 ;;
	lb2) echo 10.210.0.12 ;;
	be1) echo 10.210.0.21 ;;
	be2) echo 10.210.0.22 ;;
	esac
}
prio() { [ "$1" = lb1 ] && echo 150 || echo 100; }
# ns NODE CMD...: CMD in NODE's network namespace. In the background call
# nsenter itself, so that $! is CMD (nsenter execs it), not a subshell.
ns() {
	_ns=$1
	shift
	nsenter --net=/run/netns/$_ns "$@"
}
sysctl_ns() { ns "$1" sh -c "echo $3 >/proc/sys/$2"; }
# alive PID: running (busybox sh reaps its children only in wait: an exited
# child stays a zombie, and kill -0 still succeeds on it)
alive() { [ -e /proc/$1 ] && ! grep -q '^[0-9]* (.*) Z' /proc/$1/stat 2>/dev/null; }
# stop_pid PID [SIGNAL]: SIGTERM (or SIGNAL), reaped, SIGKILL after 5 s
stop_pid() {
	[ -n "$1" ] || return 0
	kill -${2:-TERM} "$1" 2>/dev/null || return 0
	wait_for 50 eval "! alive $1" || kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
vip_on() { $IP -n "$1" -o addr show dev eth0 | grep -q " inet $VIP/"; }
svc_in() { ns "$1" ipvsadm -Ln -t $VIP:$PORT | grep -q ' Route '; }

up() {
	$IP link add br0 type bridge || return 1
	$IP link set br0 up
	for n in client lb1 lb2 be1 be2; do
		$IP netns add $n || return 1
		$IP link add v$n type veth peer name eth0 netns $n || return 1
		$IP link set v$n master br0 up
		$IP -n $n link set lo up
		$IP -n $n addr add "$(addr $n)/24" dev eth0
		$IP -n $n link set eth0 up
	done
	for n in be1 be2; do
		$IP -n $n addr add $VIP/32 dev lo
		sysctl_ns $n net/ipv4/conf/all/arp_ignore 1
		sysctl_ns $n net/ipv4/conf/all/arp_announce 2
		nsenter --net=/run/netns/$n $F serve $PORT >$T/$n.serve 2>&1 &
		eval "SPID_$n=\$!"
	done
	for n in be1 be2; do
		wait_for 50 grep -q ready $T/$n.serve || return 1
	done
}

# ---- per variant: configs, start, stop ------------------------------------

# conf NODE STANDBY: the node's Ballast config; keepalived's vrrp_instance
# is rendered from it, for the LVS variants too.
conf() {
	cat >$T/$1.yaml <<-EOF
	version: 1
	dataplane: {driver: ipvs}
	ha: {mode: vrrp, interface: eth0, standby: $2, provider: keepalived}
	vrrp:
	  version: 3
	  advert_interval: 100ms
	  preempt: true
	  nodes:
	    - {name: lb1, address: $(addr lb1), priority: $(prio lb1)}
	    - {name: lb2, address: $(addr lb2), priority: $(prio lb2)}
	  groups:
	    - {name: web, vrid: 51, vips: [$VIP]}
	daemon: {tick: 500ms, metrics_listen: null}
	health: {type: none}
	pools:
	  be:
	    backends:
	      - {address: $(addr be1)}
	      - {address: $(addr be2)}
	services:
	  - {name: echo, address: $VIP, port: $PORT, pool: be, forwarding: dr, scheduler: mh}
	EOF
}

# ka_conf NODE VARIANT
ka_conf() {
	{
		printf 'global_defs {\n    router_id %s\n' "$1"
		case $2 in lvs-sync*) printf '    lvs_sync_daemon eth0 ballast_web\n' ;; esac
		printf '}\n'
		$B vrrp render keepalived -c $T/$1.yaml --node "$1"
		case $2 in
		lvs*)
			cat <<-EOF
			virtual_server $VIP $PORT {
			    delay_loop 1
			    lb_algo mh
			    lb_kind DR
			    protocol TCP
			    real_server $(addr be1) $PORT {
			        weight 1
			    }
			    real_server $(addr be2) $PORT {
			        weight 1
			    }
			}
			EOF
			;;
		esac
	} >$T/ka-$1.conf
}

ka_start() {
	d=$T/ka-$1
	only=-P
	case $VARIANT in lvs*) only= ;; esac
	nsenter --net=/run/netns/$1 $K -n -l -D $only -f $d.conf -p $d.pid -r $d.vrrp.pid \
		-c $d.chk.pid -b $d.bfd.pid >>$d.log 2>&1 &
	eval "KPID_$1=\$!"
}
ka_stop() {
	_p=
	eval "_p=\${KPID_$1:-}"
	stop_pid "$_p"
	eval "KPID_$1="
}

daemon_start() {
	mkdir -p $T/run-$1 $T/state-$1
	BALLAST_RUN_DIR=$T/run-$1 BALLAST_IPVS_OWNED=$T/run-$1/ipvs-owned \
		nsenter --net=/run/netns/$1 $B apply --daemon -c $T/$1.yaml --socket $T/$1.sock \
		--state-dir $T/state-$1 --cleanup-on-exit >>$T/$1.daemon.log 2>&1 &
	eval "DPID_$1=\$!"
	wait_for 300 curl -sf -m 2 --unix-socket $T/$1.sock http://d/health -o /dev/null
}
daemon_stop() {
	_p=
	eval "_p=\${DPID_$1:-}"
	stop_pid "$_p"
	eval "DPID_$1="
}

# variant_up VARIANT: both LBs configured, lb1 master, lb2 backup, lb1's
# IPVS programmed
variant_up() {
	case $1 in
	*withdraw*) standby=withdraw ;;
	*) standby=warm ;;
	esac
	sloppy=0
	case $1 in *sloppy*) sloppy=1 ;; esac
	for n in lb1 lb2; do
		sysctl_ns $n net/ipv4/vs/sloppy_tcp $sloppy
		conf $n $standby
		ka_conf $n "$1"
		case $1 in
		ballast*) daemon_start $n || { fail "$1-daemon-$n" "$(tail -2 $T/$n.daemon.log)"; return 1; } ;;
		esac
	done
	ka_start lb1
	wait_for 100 vip_on lb1 || { fail "$1-lb1-master" "$(tail -3 $T/ka-lb1.log)"; return 1; }
	ka_start lb2
	wait_for 100 grep -q 'Entering BACKUP STATE' $T/ka-lb2.log ||
		{ fail "$1-lb2-backup" "$(tail -3 $T/ka-lb2.log)"; return 1; }
	wait_for 100 svc_in lb1 || { fail "$1-lb1-programmed" "$(ns lb1 ipvsadm -Ln)"; return 1; }
	# What the backup holds before any failover: keepalived programs its
	# virtual servers whatever the VRRP state; Ballast per its standby.
	if svc_in lb2; then held=programmed; else held=empty; fi
	info "$1: lb2's IPVS while backup: $held"
	case $1 in
	*withdraw*) want=empty ;;
	*) want=programmed ;;
	esac
	[ $held = $want ] && pass "$1-backup-ipvs-$want" || fail "$1-backup-ipvs-$want" "$held"
}

variant_down() {
	for n in lb1 lb2; do
		ka_stop $n
		daemon_stop $n
		ns $n ipvsadm -C
		rm -f $T/ka-$n.*pid
		: >$T/ka-$n.log
	done
}

# ka_freeze NODE: keepalived stopped dead (SIGSTOP to the parent and its
# children): no advert, no cleanup; its VIP and virtual servers stay.
ka_freeze() {
	for f in pid vrrp.pid chk.pid; do
		_p=$(cat $T/ka-$1.$f 2>/dev/null)
		[ -n "$_p" ] && kill -STOP "$_p"
	done
}
# ka_crash NODE: after ka_freeze, keepalived killed as in a crash, then what
# it left (the VIP, its virtual servers) removed by hand, as an operator
# would before starting it again.
ka_crash() {
	for f in chk.pid vrrp.pid; do
		_p=$(cat $T/ka-$1.$f 2>/dev/null)
		[ -n "$_p" ] && kill -KILL "$_p"
	done
	eval "_p=\${KPID_$1:-}"
	stop_pid "$_p" KILL
	eval "KPID_$1="
	rm -f $T/ka-$1.*pid
	$IP -n "$1" addr del $VIP/32 dev eth0 2>/dev/null
	case $VARIANT in lvs*) ns "$1" ipvsadm -C ;; esac
}

# failback: keepalived on lb1 again, the pair as it started
failback() {
	case $VARIANT in *-stop) ka_crash lb1 ;; esac
	ka_start lb1
	wait_for 100 vip_on lb1 && wait_for 100 eval '! vip_on lb2' &&
		wait_for 100 svc_in lb1 || return 1
	case $VARIANT in
	*withdraw*) wait_for 100 eval '! svc_in lb2' ;;
	esac
}

# failover I: one measured failover while a flow runs
failover() {
	: >$T/vw.out
	# The flow runs 1.2 s before the failover (a whole second to count
	# before it); 2.5 s with connection sync, whose master sends a
	# part-filled buffer only every 2 s (IPVS_SYNC_FLUSH_TIME): a flow
	# younger than that is not on the backup yet.
	warm=1200
	case $VARIANT in lvs-sync*) warm=2500 ;; esac
	nsenter --net=/run/netns/client $F flow $VIP $PORT $warm 1000 30 >$T/flow.out 2>&1 &
	fpid=$!
	if ! wait_for 100 grep -q steady $T/flow.out; then
		fail "$VARIANT-flow-$1" "$(cat $T/flow.out)"
		stop_pid $fpid
		return 1
	fi
	case $VARIANT in
	lvs-sync*)
		# what connection sync gave the backup so far
		_sp=$(sed -n 's/^steady //p' $T/flow.out)
		if ns lb2 ipvsadm -Lnc | grep -q "$(addr client):$_sp "; then
			info "$VARIANT $1: lb2 has the flow's connection entry (synced) before the failover"
		else
			info "$VARIANT $1: lb2 has no entry for the flow before the failover"
		fi
		;;
	esac
	nsenter --net=/run/netns/lb2 $P vipwait $VIP tcp/$VIP:$PORT 5000 >$T/vw.out 2>&1 &
	vpid=$!
	wait_for 100 grep -q ready $T/vw.out || info "vipwait not ready: $(cat $T/vw.out)"
	l0=$(wc -l <$T/lb2.daemon.log)
	kill -USR1 $fpid
	case $VARIANT in
	*-stop) ka_freeze lb1 ;;
	*) ka_stop lb1 ;;
	esac
	wait_for 100 grep -q -e '^vipwait' -e '^ipvs_probe' $T/vw.out
	wait_for 100 grep -q '^result' $T/flow.out
	stop_pid $vpid
	stop_pid $fpid
	# "vipwait event->ipvs MS ms polls N", split into words
	# shellcheck disable=SC2046
	set -- "$1" $(sed -n 's/^vipwait event->ipvs \([0-9.]*\) ms polls \([0-9]*\)/\1 \2/p' $T/vw.out)
	ev=${2:--} polls=${3:--}
	dl=-
	case $VARIANT in
	ballast*)
		wait_for 30 eval "tail -n +$((l0 + 1)) $T/lb2.daemon.log | grep -q 'web active: dataplane programmed'"
		dl=$(tail -n +$((l0 + 1)) $T/lb2.daemon.log |
			sed -n 's/.*web active: dataplane programmed \([0-9.]*\) ms.*/\1/p' | head -1)
		;;
	esac
	# "result STATE before B after A gap G", split into words
	# shellcheck disable=SC2046
	set -- "$1" $(sed -n 's/^result //p' $T/flow.out)
	echo "ROW: $VARIANT $1 $ev ${dl:--} ${2:-none} ${4:--} ${6:--} ${8:--} $polls"
	[ "$ev" != - ] || info "vipwait: $(cat $T/vw.out)"
	[ -n "$2" ] || info "flow: $(cat $T/flow.out)"
}

run_variant() {
	VARIANT=$1
	: >$T/lb2.daemon.log
	if ! variant_up "$1"; then
		variant_down
		return
	fi
	i=1
	while [ $i -le "$N" ]; do
		failover $i
		if ! failback; then
			fail "$VARIANT-failback-$i" "$(tail -3 $T/ka-lb1.log)"
			break
		fi
		i=$((i + 1))
	done
	[ $i -gt "$N" ] && pass "$VARIANT-$N-failovers"
	variant_down
}

if ! up; then
	fail halvs-lab "the lab did not come up"
else
	pass halvs-lab
	for v in $VARIANTS; do
		t0=$($P now)
		run_variant "$v"
		info "$v: $((($($P now) - t0) / 1000)) s"
	done
fi
