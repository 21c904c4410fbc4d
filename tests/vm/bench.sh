#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# IPVS benchmark inside the VM: 1,000 services x 100 reals, Ballast's apply
# versus `ipvsadm -R` of the same rules, one weight change on the loaded
# table, and the full dump. Prints BENCH: lines.
P=/bin/ipvs_probe
T=/tmp/bench
NSVC=${NSVC:-1000}
NREAL=${NREAL:-100}
mkdir -p $T

ms() { $P now; }

$P gen $NSVC $NREAL $T/big.rules $T/big.ipvsadm
nrules=$(wc -l <$T/big.ipvsadm)
echo "BENCH: table $NSVC services x $NREAL reals ($nrules rules)"

ipvsadm -C
t0=$(ms)
ipvsadm -R <$T/big.ipvsadm
t1=$(ms)
ipvsadm -Sn | sort >$T/ref.sorted
ref=$((t1 - t0))
echo "BENCH: ipvsadm -R: $ref ms"

ipvsadm -C
rm -f /run/ballast/ipvs-owned
$P apply $T/big.rules >$T/apply.out 2>&1
ours=$(sed -n 's/^time .* total \([0-9]*\).*/\1/p' $T/apply.out)
grep '^time' $T/apply.out | sed 's/^/BENCH: initial apply /'
ipvsadm -Sn | sort >$T/ours.sorted
if cmp -s $T/ref.sorted $T/ours.sorted; then
	echo "PASS: bench-same-table"
else
	echo "FAIL: bench-same-table: ballast's table differs from ipvsadm -R's"
fi
echo "BENCH: initial apply: $ours ms; ratio ballast/ipvsadm = $(awk -v a="$ours" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')"

$P reweight $T/big.rules
$P apply $T/big.rules >$T/w.out 2>&1
grep -q '^ops 1 ' $T/w.out && echo "PASS: bench-one-op" || echo "FAIL: bench-one-op: $(grep '^ops' $T/w.out)"
grep '^time' $T/w.out | sed 's/^/BENCH: one weight change: /'

$P dump >$T/dump.out
tail -1 $T/dump.out | sed 's/^/BENCH: full dump: /'
t0=$(ms)
ipvsadm -Sn >/dev/null
t1=$(ms)
echo "BENCH: ipvsadm -Sn (reference dump): $((t1 - t0)) ms"
ipvsadm -C
