#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# IPVS suite run inside the test VM (busybox sh) through the real command
# line: `ballast apply/plan -c FILE --dataplane ipvs`, with `ipvsadm` as the
# reference. Prints PASS:/FAIL: lines that tests/vm/run.sh counts on the host.
B="/bin/ballast"
P=/bin/ipvs_probe
C=/tests/configs
T=/tmp/suite
mkdir -p $T

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; }

rules() { ipvsadm -Sn | sort; }

bl() { $B "$1" -c "$2" --dataplane ipvs $3; }

# check_rules NAME EXPECTED_FILE
check_rules() {
	rules >$T/got
	if cmp -s $T/got "$2"; then
		pass "$1"
	else
		fail "$1" "ipvsadm -Sn differs from $(basename "$2")"
		diff "$2" $T/got | sed 's/^/INFO:   /'
	fi
}

# changes FILE: number of change lines in plan/apply output
changes() { grep -c '^[-+~] ' "$1"; }

# run NAME CMD...: the command must succeed; output in $T/out
run() {
	local name=$1
	shift
	"$@" >$T/out 2>&1 && return 0
	fail "$name" "command failed: $*"
	sed 's/^/INFO:   /' $T/out | head -20
	return 1
}

premod() {
	if $B plan -c $C/all.yaml --dataplane ipvs >$T/out 2>&1; then
		fail premod-missing-ip_vs "plan succeeded without ip_vs"
	elif grep -q 'modprobe ip_vs`' $T/out; then
		pass premod-missing-ip_vs-names-modprobe
	else
		fail premod-missing-ip_vs-names-modprobe "$(cat $T/out)"
	fi
}

main() {
	exp=$C/all.expected
	nrules=$(grep -c '^-' $exp)

	run apply-all bl apply $C/all.yaml &&
		{ grep -q "^Apply: $nrules applied, 0 failed" $T/out && pass apply-all-ops ||
			fail apply-all-ops "$(grep '^Apply' $T/out)"; }
	check_rules apply-all-rules $exp

	run reapply bl apply $C/all.yaml &&
		{ [ "$(changes $T/out)" = 0 ] && grep -q '^No changes' $T/out &&
			pass reapply-zero-ops || fail reapply-zero-ops "$(head -5 $T/out)"; }
	run plan-clean bl plan $C/all.yaml &&
		{ grep -q '^No changes' $T/out && pass plan-clean-in-sync || fail plan-clean-in-sync "$(head -5 $T/out)"; }

	# Read-back: ownership, tunnel, thresholds, persistence.
	$P dump >$T/dump
	nsvc=$(grep -c '^-A' $exp)
	[ "$(grep -c '^svc .* owned 1' $T/dump)" = "$nsvc" ] && pass dump-owned ||
		fail dump-owned "$(grep -c '^svc .* owned 1' $T/dump) of $nsvc owned"
	grep -q 'real .*10.0.2.1:80 fwd masq .* weight 3 u 100 l 10' $T/dump &&
		pass dump-thresholds || fail dump-thresholds "$(grep 10.0.2.1 $T/dump)"
	grep -q '^svc tcp 192.0.2.21:443 sched rr flags 0x10 timeout 300 netmask 24' $T/dump &&
		pass dump-persistence || fail dump-persistence "$(grep 192.0.2.21 $T/dump)"
	ipvsadm -Ln --thresholds -t 192.0.2.20:80 | grep -q '10.0.2.1:80 *100 *10' &&
		pass thresholds-in-kernel || fail thresholds-in-kernel "$(ipvsadm -Ln --thresholds -t 192.0.2.20:80)"
	[ "$(grep -vc '^#' /run/ballast/ipvs-owned)" = "$nsvc" ] && pass ownership-file ||
		fail ownership-file "$(head -3 /run/ballast/ipvs-owned 2>&1)"

	# Drift, one kind at a time: plan shows it (exit 2), apply repairs it.
	drift() {
		local name=$1 nops=$2 what=$3
		shift 3
		"$@"
		bl plan $C/all.yaml >$T/out 2>&1
		rc=$?
		if [ $rc = 2 ] && [ "$(changes $T/out)" = "$nops" ] && grep -q "^$what" $T/out; then
			pass "$name-plan"
		else
			fail "$name-plan" "exit $rc, $(changes $T/out) changes, want $nops '$what'"
			sed 's/^/INFO:   /' $T/out | head -8
		fi
		run "$name-apply" bl apply $C/all.yaml
		check_rules "$name-repaired" $exp
	}
	drift drift-d 1 '+ real 10.0.1.1:80 of tcp 192.0.2.1:80' \
		ipvsadm -d -t 192.0.2.1:80 -r 10.0.1.1:80
	drift drift-e-weight 1 '~ real 10.0.1.2:80 of tcp 192.0.2.2:80' \
		ipvsadm -e -t 192.0.2.2:80 -r 10.0.1.2:80 -m -w 9
	drift drift-e-fwd 1 '~ real 10.0.2.2:80 of tcp 192.0.2.20:80' \
		ipvsadm -e -t 192.0.2.20:80 -r 10.0.2.2:80 -m -w 2
	drift drift-E-sched 1 '~ service tcp 192.0.2.3:80' \
		ipvsadm -E -t 192.0.2.3:80 -s rr
	drift drift-D 4 '+ service tcp 192.0.2.20:80' \
		ipvsadm -D -t 192.0.2.20:80
	drift drift-a-extra 1 '- real 10.0.9.9:80 of tcp 192.0.2.3:80' \
		ipvsadm -a -t 192.0.2.3:80 -r 10.0.9.9:80 -m
	drift drift-C "$nrules" '+ service' ipvsadm -C

	# Foreign services: shown, left alone, removed with --prune.
	ipvsadm -A -t 192.0.2.99:80 -s rr
	ipvsadm -a -t 192.0.2.99:80 -r 10.0.9.1:80 -m
	bl plan $C/all.yaml >$T/out 2>&1
	grep -q '^! foreign service tcp 192.0.2.99:80' $T/out && [ "$(changes $T/out)" = 0 ] &&
		pass foreign-listed || fail foreign-listed "$(head -5 $T/out)"
	run foreign-apply bl apply $C/all.yaml
	ipvsadm -Sn | grep -q '192.0.2.99:80' && pass foreign-untouched ||
		fail foreign-untouched "foreign service removed without --prune"
	run foreign-prune bl apply $C/all.yaml --prune
	check_rules foreign-pruned $exp

	# With the ownership file lost, an apply claims what the config names.
	rm -f /run/ballast/ipvs-owned
	run no-file-apply bl apply $C/all.yaml
	[ "$(grep -vc '^#' /run/ballast/ipvs-owned 2>/dev/null)" = "$nsvc" ] &&
		pass no-file-config-services-claimed ||
		fail no-file-config-services-claimed "$(cat /run/ballast/ipvs-owned 2>&1 | head -3)"

	# Owned services leave with the config (and GUE / GRE tunnels).
	run tunnel-gue bl apply $C/gue.yaml
	check_rules tunnel-gue-rules-and-owned-removed $C/gue.expected
	run tunnel-gre bl apply $C/gre.yaml
	check_rules tunnel-gre-rules $C/gre.expected
	# The config corpus's IPVS example (sctp, sh flags, gue, mixed families).
	run example-ipvs-features bl apply $C/ipvs-features.yaml
	check_rules example-ipvs-features-rules $C/ipvs-features.expected
	run example-ipvs-features-again bl apply $C/ipvs-features.yaml &&
		{ grep -q '^No changes' $T/out && pass example-ipvs-features-zero-ops ||
			fail example-ipvs-features-zero-ops "$(head -3 $T/out)"; }

	run restore-all bl apply $C/all.yaml
	check_rules restored-all $exp

	# The scoped pass an event runs: the named services are read by key
	# (GET_SERVICE, v4/v6, fwmark, one the kernel lacks) and repaired;
	# drift elsewhere waits for the full pass.
	ipvsadm -e -t 192.0.2.1:80 -r 10.0.1.1:80 -m -w 9
	ipvsadm -e -t 192.0.2.2:80 -r 10.0.1.2:80 -m -w 9
	run scoped-apply $P scoped $C/all.yaml tcp/192.0.2.2:80 \
		'udp/[2001:db8::2]:53' fwmark/7/inet fwmark/8/inet6 tcp/192.0.2.77:80 &&
		{ grep -q '^ops 1 foreign 0 actual 4$' $T/out &&
			grep -q '^op real-edit tcp 192.0.2.2:80 real 10.0.1.2:80 weight 3 ' $T/out &&
			grep -q "^full ops 1 services $nsvc " $T/out &&
			pass scoped-plans-only-named || fail scoped-plans-only-named "$(head -8 $T/out)"; }
	bl plan $C/all.yaml >$T/out 2>&1
	[ "$(changes $T/out)" = 1 ] && grep -q '^~ real 10.0.1.1:80 of tcp 192.0.2.1:80' $T/out &&
		pass scoped-left-other-drift || fail scoped-left-other-drift "$(head -5 $T/out)"
	run scoped-full-repair bl apply $C/all.yaml
	check_rules scoped-full-repaired $exp

	# A scheduler the kernel lacks: refused before anything is sent.
	cp $C/all.yaml $T/twos.yaml
	echo '  - {name: twos, address: 192.0.2.50, port: 80, pool: one, scheduler: twos}' >>$T/twos.yaml
	ipvsadm -d -t 192.0.2.1:80 -r 10.0.1.1:80 # a pending op that must not run
	if bl apply $T/twos.yaml >$T/out 2>&1; then
		fail missing-sched-refused "apply succeeded"
	else
		grep -q 'modprobe ip_vs_twos' $T/out && pass missing-sched-names-modprobe ||
			fail missing-sched-names-modprobe "$(head -3 $T/out)"
		ipvsadm -Sn | grep -q -e 192.0.2.50 -e '192.0.2.1:80 -r 10.0.1.1:80' &&
			fail missing-sched-nothing-applied || pass missing-sched-nothing-applied
	fi
	run missing-sched-recover bl apply $C/all.yaml
	check_rules missing-sched-recovered $exp

	# Without CAP_NET_ADMIN (a user namespace): say so.
	if unshare -r $B apply -c $C/all.yaml --dataplane ipvs >$T/out 2>&1; then
		fail no-cap-refused "apply succeeded without CAP_NET_ADMIN"
	else
		grep -q CAP_NET_ADMIN $T/out && pass no-cap-names-capability ||
			fail no-cap-names-capability "$(head -3 $T/out)"
	fi

	# A kernel rejection names the object: a multicast real.
	cat >$T/bad.yaml <<-EOF
	version: 1
	dataplane: {driver: ipvs}
	pools:
	  p: {backends: [{address: 224.1.1.1, weight: 1}]}
	services:
	  - {name: bad, address: 192.0.2.60, port: 80, pool: p, scheduler: rr}
	EOF
	if bl apply $T/bad.yaml >$T/out 2>&1; then
		fail kernel-error-reported "apply succeeded"
	else
		grep -q 'real 224.1.1.1:80 of service tcp 192.0.2.60:80: Invalid argument' $T/out &&
			pass kernel-error-names-object ||
			fail kernel-error-names-object "$(grep -i error $T/out | head -2)"
	fi
	run bad-recover bl apply $C/all.yaml
	check_rules bad-recovered $exp
}

case "$1" in
premod) premod ;;
main) main ;;
esac
