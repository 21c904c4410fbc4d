#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The XDP forwarder on the VM's kernel (Debian 12's 6.1): the verifier's
# figures, the golden packets (tests/bpf/run.sh) and the driver suite
# (tests/xdp/run.sh, which takes the clsact TC path where there is no tcx).
# Their PASS:/FAIL:/SKIP: lines get a prefix so they read apart from the
# host's runs of the same suites. XDP_SUITES (ballast_xdp= on the kernel
# command line): all (the default), golden (verifier and golden packets
# only, about 3 minutes less under TCG) or none.
case "${XDP_SUITES:-all}" in
none) exit 0 ;;
golden | all) ;;
*) echo "FAIL: xdp-vm-suites: unknown ballast_xdp=$XDP_SUITES (all, golden, none)"; exit 0 ;;
esac
export PATH=/usr/local/bin:$PATH
X=/bin
k=$(uname -r)
t0=$(date +%s)
# stamp WHAT: how long the step since the last stamp took
stamp() {
	t1=$(date +%s)
	echo "INFO: $1 on $k took $((t1 - t0)) s"
	t0=$t1
}
mount -t bpf bpf /sys/fs/bpf || echo "FAIL: xdp-vm-bpffs: cannot mount bpffs"

$X/poke - verifier >/tmp/verifier.out 2>&1 &&
	echo "PASS: xdp-vm-verifier-accepts-both-programs" ||
	echo "FAIL: xdp-vm-verifier-accepts-both-programs: $(tail -3 /tmp/verifier.out)"
awk -v k="$k" '/^[a-z_]+: verification/ { p = $1 }
	/^stack depth/ { s = $3 }
	/^processed/ { print "INFO: verifier on " k ": " p " " $2 " insns, stack " s " bytes" }' \
	/tmp/verifier.out

prefix() { sed -e "s|^PASS: |PASS: $1/|" -e "s|^FAIL: |FAIL: $1/|" -e "s|^SKIP: |SKIP: $1/|"; }
stamp "verifier statistics"
/tests/bpf/run.sh $X/golden 2>&1 | prefix "bpf-golden@$k"
stamp "golden packets"
if [ "${XDP_SUITES:-all}" = all ]; then
	BALLAST_DECAP_OBJ=$X/decap.bpf.o /tests/xdp/run.sh /bin/ballast $X/poke 2>&1 |
		prefix "xdp-driver@$k"
	stamp "XDP driver suite"
fi
umount /sys/fs/bpf
