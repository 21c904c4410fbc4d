#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `ballast doctor` with an IPVS config inside the test VM (busybox sh):
#   doctor.sh premod  before /init loads ip_vs: installed but not loaded
#                     (warn, modprobe), and neither loaded nor installed
#                     (modules.dep hidden: fail, exit 1)
#   doctor.sh main    with ip_vs loaded: module, schedulers and sysctls pass;
#                     the vs sysctls off warn with the sysctl to run; a
#                     scheduler module removed warns, not installed fails,
#                     and the printed remedy (modprobe) makes it pass
# Every sysctl and module it changes is restored. Prints PASS:/FAIL: lines.
B=/bin/ballast
T=/tmp/doctor
mkdir -p $T
export PATH=/usr/local/bin:$PATH
MDEP=/lib/modules/$(uname -r)/modules.dep

pass() { echo "PASS: doctor-$1"; }
fail() { echo "FAIL: doctor-$1${2:+: $2}"; }
check() { # check NAME COND [WHY]
	if eval "$2"; then pass "$1"; else fail "$1" "${3:-$2}"; fi
}

cat >$T/ipvs.yaml <<'YAML'
version: 1
dataplane:
  driver: ipvs
  ipvs: {forwarding: nat}
daemon: {metrics_listen: null}
health: {type: none}
pools:
  web:
    backends:
      - {address: 10.0.1.1, port: 80, weight: 2}
      - {address: 10.0.1.2, port: 80, weight: 1}
services:
  - {name: web, address: 192.0.2.10, port: 80, pool: web, scheduler: wrr}
  - {name: hash, address: 192.0.2.11, port: 80, pool: web, scheduler: mh}
YAML
sed 's/scheduler: mh/scheduler: ovf/' $T/ipvs.yaml >$T/ovf.yaml

# doc CONFIG [CHECK...]: doctor --json into $T/out, exit code in $rc
doc() {
	cfg=$1
	shift
	$B doctor --json --socket $T/none.sock -c "$cfg" "$@" >$T/out 2>$T/err
	rc=$?
}
field() { jq -r --arg c "$1" ".[] | select(.check == \$c) | .$2 // \"\"" $T/out; }
# expect NAME CHECK STATUS [REMEDY_TEXT [FOUND_TEXT]]
expect() {
	s=$(field "$2" status)
	r=$(field "$2" remedy)
	f=$(field "$2" found)
	if [ "$s" != "$3" ]; then
		fail "$1" "$2 is '$s', not $3: $f $(head -c 200 $T/err)"
	elif [ -n "${4:-}" ] && ! echo "$r" | grep -qF -- "$4"; then
		fail "$1" "$2 remedy lacks '$4': '$r'"
	elif [ -n "${5:-}" ] && ! echo "$f" | grep -qF -- "$5"; then
		fail "$1" "$2 found lacks '$5': '$f'"
	else
		pass "$1"
	fi
}

premod() {
	doc $T/ipvs.yaml ipvs
	expect premod-module-installed-not-loaded ipvs.module warn \
		'modprobe ip_vs' 'installed but not loaded'
	expect premod-schedulers-installed ipvs.schedulers warn \
		'modprobe ip_vs_wrr'
	check premod-schedulers-each-named \
		"field ipvs.schedulers remedy | grep -qF 'modprobe ip_vs_mh'" \
		"$(field ipvs.schedulers remedy)"
	expect premod-sysctls-skipped ipvs.sysctls skip
	check premod-warnings-exit-0 "[ $rc -eq 0 ]" "exit $rc"
	# The kernel without the modules installed: hide modules.dep.
	mv $MDEP $MDEP.hidden
	doc $T/ipvs.yaml ipvs
	mv $MDEP.hidden $MDEP
	expect premod-module-not-installed-fails ipvs.module fail \
		'modprobe ip_vs' 'neither loaded'
	check premod-not-installed-names-config \
		"field ipvs.module remedy | grep -qF CONFIG_IP_VS" \
		"$(field ipvs.module remedy)"
	check premod-not-installed-exit-1 "[ $rc -eq 1 ]" "exit $rc"
}

sysctl_get() { cat "/proc/sys/net/ipv4/$(echo "$1" | tr . /)"; }
sysctl_set() { echo "$2" >"/proc/sys/net/ipv4/$(echo "$1" | tr . /)"; }

main() {
	nodest=$(sysctl_get vs.expire_nodest_conn)
	ct=$(sysctl_get vs.conntrack)
	fwd=$(sysctl_get ip_forward)
	sysctl_set vs.expire_nodest_conn 0
	doc $T/ipvs.yaml ipvs
	expect module-loaded ipvs.module ok '' 'netlink family answers'
	expect schedulers-loaded ipvs.schedulers ok
	expect sysctl-nodest-off-warns ipvs.sysctls warn \
		'sysctl -w net.ipv4.vs.expire_nodest_conn=1'
	sysctl_set vs.expire_nodest_conn 1
	sysctl_set vs.conntrack 0
	doc $T/ipvs.yaml ipvs
	expect sysctl-conntrack-off-nat-warns ipvs.sysctls warn \
		'sysctl -w net.ipv4.vs.conntrack=1'
	sysctl_set vs.conntrack 1
	sysctl_set ip_forward 1
	doc $T/ipvs.yaml
	expect sysctls-set-pass ipvs.sysctls ok
	expect privileges-as-root priv.caps ok
	check whole-run-no-fail \
		"[ $rc -eq 0 ] && ! jq -e '.[] | select(.status == \"fail\")' $T/out >/dev/null" \
		"exit $rc: $(jq -c '[.[] | select(.status == "fail") | .check]' $T/out)"
	sysctl_set vs.expire_nodest_conn "$nodest"
	sysctl_set vs.conntrack "$ct"
	sysctl_set ip_forward "$fwd"

	# A scheduler module not loaded: installed (warn), not installed
	# (fail); then the printed remedy loads it.
	if ! rmmod ip_vs_ovf; then
		fail sched-rmmod "rmmod ip_vs_ovf failed"
		return
	fi
	doc $T/ovf.yaml ipvs.schedulers
	expect sched-not-loaded-warns ipvs.schedulers warn \
		'modprobe ip_vs_ovf' 'ovf installed, not loaded'
	mv $MDEP $MDEP.hidden
	doc $T/ovf.yaml ipvs.schedulers
	mv $MDEP.hidden $MDEP
	expect sched-not-installed-fails ipvs.schedulers fail \
		'modprobe ip_vs_ovf' 'ovf neither loaded nor installed'
	check sched-not-installed-exit-1 "[ $rc -eq 1 ]" "exit $rc"
	if modprobe ip_vs_ovf; then
		doc $T/ovf.yaml ipvs.schedulers
		expect sched-remedy-loads-it ipvs.schedulers ok
	else
		fail sched-remedy-loads-it "modprobe ip_vs_ovf failed"
	fi
	# left loaded either way for the suites that follow
	[ -e /sys/module/ip_vs_ovf ] || insmod /mods/ip_vs_ovf.ko
}

"$@"
