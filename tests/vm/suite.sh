#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# IPVS rule-level suite, run inside the test VM (busybox sh). Prints
# PASS:/FAIL:/SKIP: lines that tests/vm/run.sh counts on the host.
P=/bin/ipvs_probe
R=/tests/rules
T=/tmp/suite
mkdir -p $T

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; }

rules() { ipvsadm -Sn | sort; }

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

# expect_ops NAME N OUTPUT_FILE: the plan/apply printed "ops N"
expect_ops() {
	if grep -q "^ops $2 " "$3"; then
		pass "$1"
	else
		fail "$1" "expected ops $2, got: $(grep '^ops' "$3")"
		sed 's/^/INFO:   /' "$3" | head -20
	fi
}

# run NAME CMD...: the command must succeed; output in $T/out
run() {
	local name=$1
	shift
	if "$@" >$T/out 2>&1; then
		return 0
	fi
	fail "$name" "command failed: $*"
	sed 's/^/INFO:   /' $T/out | head -20
	return 1
}

premod() {
	if $P dump >$T/out 2>&1; then
		fail premod-missing-ip_vs "dump succeeded without ip_vs"
	elif grep -q 'modprobe ip_vs`' $T/out; then
		pass premod-missing-ip_vs-names-modprobe
	else
		fail premod-missing-ip_vs-names-modprobe "$(cat $T/out)"
	fi
}

main() {
	# The expected table: the rule file written out in ipvsadm -S form.
	exp=$R/all.expected
	nrules=$(grep -c '^-' $exp)

	run apply-all $P apply $R/all.rules && {
		grep -q "^applied ok $nrules failed 0" $T/out &&
			pass apply-all-ops-ok || fail apply-all-ops-ok "$(grep applied $T/out)"
	}
	check_rules apply-all-rules $exp

	run reapply $P apply $R/all.rules && expect_ops reapply-zero-ops 0 $T/out
	run plan-clean $P plan $R/all.rules && expect_ops plan-clean-zero-ops 0 $T/out

	# Counters and ownership are read back.
	$P dump >$T/dump
	if [ "$(grep -c '^svc .* owned 1' $T/dump)" = "$(grep -c '^-A' $exp)" ]; then
		pass dump-owned
	else
		fail dump-owned "$(grep -c '^svc .* owned 1' $T/dump) owned"
	fi
	grep -q 'fwd tunnel tunnel gue:6080' $T/dump && pass dump-gue-port ||
		fail dump-gue-port "$(grep 10.0.2.4 $T/dump)"
	grep -q 'real .*10.0.2.1:80 fwd masq .* weight 3 u 100 l 10' $T/dump &&
		pass dump-thresholds || fail dump-thresholds "$(grep 10.0.2.1 $T/dump)"
	# ipvsadm -S has no thresholds; its listing does.
	ipvsadm -Ln --thresholds -t 192.0.2.20:80 | grep -q '10.0.2.1:80 *100 *10' &&
		pass thresholds-in-kernel || fail thresholds-in-kernel "$(ipvsadm -Ln --thresholds -t 192.0.2.20:80)"
	if [ -s /run/ballast/ipvs-owned ] &&
		[ "$(grep -vc '^#' /run/ballast/ipvs-owned)" = "$(grep -c '^-A' $exp)" ]; then
		pass ownership-file
	else
		fail ownership-file "$(cat /run/ballast/ipvs-owned 2>&1 | head -3)"
	fi

	# Drift, one kind at a time: plan shows it, apply repairs exactly.
	drift() {
		local name=$1 nops=$2 kind=$3
		shift 3
		"$@"
		run "$name-plan" $P plan $R/all.rules && {
			expect_ops "$name-plan-ops" "$nops" $T/out
			grep -q "^op $kind " $T/out && pass "$name-plan-$kind" ||
				fail "$name-plan-$kind" "$(grep '^op' $T/out | head -3)"
		}
		run "$name-apply" $P apply $R/all.rules
		check_rules "$name-repaired" $exp
	}
	drift drift-d 1 real-add ipvsadm -d -t 192.0.2.1:80 -r 10.0.1.1:80
	drift drift-e 1 real-edit ipvsadm -e -t 192.0.2.2:80 -r 10.0.1.2:80 -m -w 9
	drift drift-e-fwd 1 real-edit ipvsadm -e -t 192.0.2.20:80 -r 10.0.2.2:80 -m -w 2
	drift drift-E 1 svc-edit ipvsadm -E -t 192.0.2.3:80 -s rr
	drift drift-D 6 svc-add ipvsadm -D -t 192.0.2.20:80
	drift drift-a 1 real-del ipvsadm -a -t 192.0.2.3:80 -r 10.0.1.9:80 -m
	drift drift-C "$nrules" svc-add ipvsadm -C

	# Foreign services are listed and left alone, removed with --prune.
	ipvsadm -A -t 192.0.2.99:80 -s rr
	ipvsadm -a -t 192.0.2.99:80 -r 10.0.9.1:80 -m
	run foreign-plan $P plan $R/all.rules && {
		grep -q '^foreign tcp 192.0.2.99:80' $T/out && expect_ops foreign-listed 0 $T/out ||
			fail foreign-listed "$(grep -e '^ops' -e '^foreign' $T/out)"
	}
	run foreign-apply $P apply $R/all.rules
	ipvsadm -Sn | grep -q '192.0.2.99:80' && pass foreign-untouched ||
		fail foreign-untouched "foreign service removed without --prune"
	run foreign-prune $P apply $R/all.rules --prune
	check_rules foreign-pruned $exp

	# Owned services leave with the config; foreign ones do not come back.
	sed '/^# Protocols/,$d' $R/all.rules >$T/subset.rules
	grep -v -e ' -f ' -e '192\.0\.2\.3[01]:' -e 2001:db8 $exp >$T/subset.expected
	run owned-removed $P apply $T/subset.rules
	check_rules owned-removed-rules $T/subset.expected
	run owned-restore $P apply $R/all.rules
	check_rules owned-restored $exp

	# A scheduler the kernel lacks: refused before anything is sent.
	cp $R/all.rules $T/twos.rules
	printf 'svc tcp 192.0.2.50:80 twos\nreal 10.0.1.1:80 masq 1\n' >>$T/twos.rules
	ipvsadm -d -t 192.0.2.1:80 -r 10.0.1.1:80 # a pending op that must not run
	if $P apply $T/twos.rules >$T/out 2>&1; then
		fail missing-sched-refused "apply succeeded"
	else
		grep -q 'modprobe ip_vs_twos' $T/out && pass missing-sched-names-modprobe ||
			fail missing-sched-names-modprobe "$(head -3 $T/out)"
		ipvsadm -Sn | grep -q -e 192.0.2.50 -e '192.0.2.1:80 -r 10.0.1.1:80' &&
			fail missing-sched-nothing-applied || pass missing-sched-nothing-applied
	fi
	run missing-sched-recover $P apply $R/all.rules
	check_rules missing-sched-recovered $exp

	# Without CAP_NET_ADMIN (a user namespace): say so.
	if unshare -r $P apply $R/all.rules >$T/out 2>&1; then
		fail no-cap-refused "apply succeeded without CAP_NET_ADMIN"
	else
		grep -q CAP_NET_ADMIN $T/out && pass no-cap-names-capability ||
			fail no-cap-names-capability "$(head -3 $T/out)"
	fi

	# A kernel rejection names the object: a destination with no route.
	printf 'svc tcp 192.0.2.60:80 rr\nreal 224.1.1.1:80 masq 1\n' >$T/bad.rules
	if $P apply $T/bad.rules >$T/out 2>&1; then
		fail kernel-error-reported "apply succeeded"
	else
		grep -q 'real 224.1.1.1:80 of service tcp 192.0.2.60:80' $T/out &&
			pass kernel-error-names-object ||
			fail kernel-error-names-object "$(grep error $T/out | head -2)"
	fi
	run bad-recover $P apply $R/all.rules
	check_rules bad-recovered $exp
}

case "$1" in
premod) premod ;;
main) main ;;
esac
