#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot Debian's kernel under qemu (TCG) with a test initramfs and turn the
# in-VM PASS/FAIL lines into counts.
#   run.sh test|bench|ha FILE...
# BALLAST_VM_XDP=golden|none runs fewer of the XDP suites in test mode
# (tests/vm/xdp.sh); the default, all, runs every one. BALLAST_VM_ONLY=daemon
# or doctor runs that suite alone (tests/vm/init.sh; FILE... then needs only
# ballast), e.g. `tests/vm/run.sh test ./ballast` with BALLAST_VM_ONLY=doctor.
# Mode ha is make bench-ha-lvs (tests/vm/halvs.sh): its FILEs include
# keepalived and the initramfs carries the bridge module (VM_EXTRA_MODS).
set -euo pipefail

mode=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/result.sh
source "$top/tests/lib/result.sh"
suite=vm
[[ $mode == bench ]] && suite=bench-ipvs
[[ $mode == ha ]] && suite=bench-ha-lvs

# The newest Debian kernel that has both an image and its modules.
kver=
for d in $(ls -1 /lib/modules 2>/dev/null | sort -V); do
	[[ -e /boot/vmlinuz-$d && -d /lib/modules/$d/kernel/net/netfilter/ipvs ]] && kver=$d
done
tools="qemu-system-x86_64 busybox ipvsadm cpio ip curl jq"
[[ $mode == ha ]] && tools+=" keepalived"
for tool in $tools; do
	if ! command -v "$tool" >/dev/null; then
		t_fail "$suite-setup" "$tool missing (run: make deps)"
		t_done "$suite"
		exit 1
	fi
done
if [[ -z $kver ]]; then
	t_fail "$suite-setup" "no kernel with IPVS modules under /lib/modules (run: make deps; package linux-image-amd64)"
	t_done "$suite"
	exit 1
fi

work=$top/build/vm
mkdir -p "$work"
initrd=$work/initramfs-$mode.cpio.gz
log=$work/console-$mode.log
[[ $mode == ha ]] && export VM_EXTRA_MODS="net/bridge/bridge.ko"
"$here/mkinitramfs.sh" "$initrd" "$kver" "$@"

mem=512
# the XDP driver suite alone takes over 3 minutes under TCG
limit=540
sides=test
if [[ $mode == bench ]]; then
	mem=2048
	limit=590
	sides=${BALLAST_VM_SIDES:-ref ours driver daemon}
elif [[ $mode == ha ]]; then
	mem=1024
	# eleven variants of 10 failovers: about 9 minutes under TCG
	limit=${BALLAST_VM_LIMIT:-1800}
	sides=ha
fi
: >"$log.txt"
for side in $sides; do
	echo "vm: booting $kver ($mode${side:+ $side}), console in $log"
	start=$(date +%s)
	set +e
	timeout "$limit" qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m "$mem" \
		-nographic -no-reboot -kernel "/boot/vmlinuz-$kver" -initrd "$initrd" \
		-append "console=ttyS0 quiet panic=-1 ballast_mode=$mode ballast_side=$side ballast_xdp=${BALLAST_VM_XDP:-all} ${BALLAST_VM_ONLY:+ballast_only=$BALLAST_VM_ONLY} ${BALLAST_VM_ARGS:-}" \
		</dev/null >"$log" 2>&1
	rc=$?
	set -e
	end=$(date +%s)
	tr -d '\r' <"$log" >>"$log.txt"
	echo "vm: finished in $((end - start)) s (qemu exit $rc)"
done

while IFS= read -r line; do
	case "$line" in
	PASS:*) t_pass "${line#PASS: }" ;;
	FAIL:*) t_fail "${line#FAIL: }" ;;
	SKIP:*) rest=${line#SKIP: }; t_skip "${rest%%: *}" "${rest#*: }" ;;
	BENCH:* | INFO:* | ROW:*) echo "$line" ;;
	esac
done <"$log.txt"
if [[ $mode == bench ]]; then
	ref=$(sed -n 's/^BENCH: ref-load-ms //p' "$log.txt")
	ours=$(sed -n 's/^BENCH: ours-load-ms //p' "$log.txt")
	if [[ -n $ref && -n $ours ]]; then
		echo "BENCH: initial load: ballast $ours ms, ipvsadm -R $ref ms, ratio $(awk -v a="$ours" -v b="$ref" 'BEGIN { printf "%.2f", a / b }') (goal <= 1.0)"
	fi
fi
want=$(wc -w <<<"$sides")
if [[ $(grep -c '^VMDONE' "$log.txt") -ne $want ]]; then
	t_fail "$suite-complete" "the VM did not finish (qemu exit $rc, see $log.txt)"
	tail -20 "$log.txt"
fi
t_done "$suite"
