#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# IPVS benchmark inside the VM: 1,000 services x 100 reals loaded into an
# empty table. Every side runs on a freshly booted kernel, because deleted
# destinations linger in the kernel's trash list, where every later add scans
# them: a second load in the same boot is several times slower whoever does it.
#   SIDE=ref     `ipvsadm -R` of the rules, and `ipvsadm -Sn`
#   SIDE=ours    `ballast apply -c big.yaml --dataplane ipvs` (config load,
#                read, diff, apply, read-back), then one weight change the
#                same way, through the driver alone (full read), through
#                the controller's scoped pass (the touched service only),
#                and the full dump
#   SIDE=driver  the driver alone (read + diff + apply), timed per stage
#   (SIDE=daemon runs tests/vm/daemon.sh bench instead: the daemon's idle CPU)
# Prints BENCH: lines; the host computes the ratio.
B=/bin/ballast
P=/bin/ipvs_probe
T=/tmp/bench
NSVC=${NSVC:-1000}
NREAL=${NREAL:-100}
mkdir -p $T

ms() { $P now; }

$P gen $NSVC $NREAL $T/big.rules $T/big.ipvsadm $T/big.yaml
nrules=$(wc -l <$T/big.ipvsadm)
sort $T/big.ipvsadm >$T/ref.sorted
echo "BENCH: table $NSVC services x $NREAL reals ($nrules rules), side $SIDE"

same_table() {
	ipvsadm -Sn | sort >$T/now.sorted
	if cmp -s $T/ref.sorted $T/now.sorted; then
		echo "PASS: bench-$SIDE-table-as-ipvsadm-rules"
	else
		echo "FAIL: bench-$SIDE-table-as-ipvsadm-rules: $(diff $T/ref.sorted $T/now.sorted | head -3)"
	fi
}

case "$SIDE" in
ref)
	t0=$(ms)
	ipvsadm -R <$T/big.ipvsadm
	t1=$(ms)
	echo "BENCH: ref-load-ms $((t1 - t0))"
	same_table
	t0=$(ms)
	ipvsadm -Sn >/dev/null
	t1=$(ms)
	echo "BENCH: ref-dump-ms $((t1 - t0))"
	;;
ours)
	t0=$(ms)
	$B apply -c $T/big.yaml --dataplane ipvs >$T/apply.out 2>&1
	t1=$(ms)
	echo "BENCH: ours-load-ms $((t1 - t0))"
	grep -q "^Apply: $nrules applied, 0 failed" $T/apply.out &&
		echo "PASS: bench-ours-all-ops" || echo "FAIL: bench-ours-all-ops: $(tail -2 $T/apply.out)"
	same_table

	# One weight change, through the command line.
	awk '!done && /weight: / { sub(/weight: [0-9]+/, "weight: 77"); done = 1 } 1' \
		$T/big.yaml >$T/w.yaml
	t0=$(ms)
	$B apply -c $T/w.yaml --dataplane ipvs >$T/w.out 2>&1
	t1=$(ms)
	[ "$(grep -c '^~ ' $T/w.out)" = 1 ] && echo "PASS: bench-cli-one-change" ||
		echo "FAIL: bench-cli-one-change: $(head -3 $T/w.out)"
	echo "BENCH: one weight change, ballast apply (config load + read + diff + apply + read-back): $((t1 - t0)) ms"

	# The same through the driver alone, per stage (weight 77 -> 11).
	$P reweight $T/big.rules
	$P apply $T/big.rules >$T/w2.out 2>&1
	grep -q '^ops 1 ' $T/w2.out && echo "PASS: bench-driver-one-op" ||
		echo "FAIL: bench-driver-one-op: $(grep '^ops' $T/w2.out)"
	grep '^time' $T/w2.out | sed 's/^/BENCH: one weight change, driver: /'

	# The same kind of change as a daemon handles an event: the scoped
	# pass reads back the touched service only (weight 11 -> 55); then a
	# full pass, as the tick runs it, for comparison.
	sed 's/weight: 77}/weight: 55}/' $T/w.yaml >$T/w2.yaml
	$P scoped $T/w2.yaml tcp/10.200.0.1:80 >$T/s.out 2>&1
	grep -q '^ops 1 foreign 0 actual 1$' $T/s.out && grep -q '^full ops 0 ' $T/s.out &&
		echo "PASS: bench-scoped-one-op" || echo "FAIL: bench-scoped-one-op: $(head -4 $T/s.out)"
	grep -e '^read services' -e '^time scoped' -e '^full ops' $T/s.out |
		sed 's/^/BENCH: one weight change, scoped pass: /'

	$P dump >$T/dump.out
	tail -1 $T/dump.out | sed 's/^/BENCH: full dump: /'
	# where the dump's time goes: user space (parsing) or kernel (filling)
	time -f '%e s elapsed, %U s user, %S s system' $P dump 2>&1 >/dev/null |
		sed 's/^/BENCH: full dump process (with printing): /'
	;;
driver)
	$P apply $T/big.rules >$T/apply.out 2>&1
	grep '^time' $T/apply.out | sed 's/^/BENCH: initial load, driver: /'
	same_table
	;;
esac
