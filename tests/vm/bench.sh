#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# IPVS benchmark inside the VM: 1,000 services x 100 reals. Each side runs on
# a freshly booted kernel (SIDE=ref: `ipvsadm -R`; SIDE=ours: Ballast's
# apply, then one weight change on the loaded table and the full dump),
# because deleted destinations linger in the kernel's trash list, where every
# later add scans them: a second load in the same boot is several times
# slower whoever does it. Prints BENCH: lines; the host computes the ratio.
P=/bin/ipvs_probe
T=/tmp/bench
NSVC=${NSVC:-1000}
NREAL=${NREAL:-100}
mkdir -p $T

ms() { $P now; }

$P gen $NSVC $NREAL $T/big.rules $T/big.ipvsadm
nrules=$(wc -l <$T/big.ipvsadm)
echo "BENCH: table $NSVC services x $NREAL reals ($nrules rules), side $SIDE"

if [ "$SIDE" = ref ]; then
	t0=$(ms)
	ipvsadm -R <$T/big.ipvsadm
	t1=$(ms)
	echo "BENCH: ref-load-ms $((t1 - t0))"
	n=$(ipvsadm -Sn | grep -c '^-')
	[ "$n" = "$nrules" ] && echo "PASS: bench-ref-loaded" || echo "FAIL: bench-ref-loaded: $n of $nrules rules"
	t0=$(ms)
	ipvsadm -Sn >/dev/null
	t1=$(ms)
	echo "BENCH: ref-dump-ms $((t1 - t0))"
	exit 0
fi

$P apply $T/big.rules >$T/apply.out 2>&1
grep '^time' $T/apply.out | sed 's/^/BENCH: initial apply: /'
echo "BENCH: ours-load-ms $(sed -n 's/^time .* total \([0-9]*\).*/\1/p' $T/apply.out)"
ipvsadm -Sn | sort >$T/ours.sorted
sed 's/$//' $T/big.ipvsadm | sort >$T/ref.sorted
if cmp -s $T/ref.sorted $T/ours.sorted; then
	echo "PASS: bench-same-table-as-ipvsadm-rules"
else
	echo "FAIL: bench-same-table-as-ipvsadm-rules: $(diff $T/ref.sorted $T/ours.sorted | head -3)"
fi

$P reweight $T/big.rules
$P apply $T/big.rules >$T/w.out 2>&1
grep -q '^ops 1 ' $T/w.out && echo "PASS: bench-one-op" || echo "FAIL: bench-one-op: $(grep '^ops' $T/w.out)"
grep '^time' $T/w.out | sed 's/^/BENCH: one weight change (read + diff + apply): /'

$P dump >$T/dump.out
tail -1 $T/dump.out | sed 's/^/BENCH: full dump: /'
# where the dump's time goes: user space (parsing) or kernel (filling)
time -f '%e s elapsed, %U s user, %S s system' $P dump 2>&1 >/dev/null | sed 's/^/BENCH: full dump cpu: /'
