#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the test VM's initramfs at test time.
#   mkinitramfs.sh OUT.cpio.gz KVER FILE...
# Contents: busybox-static, the IPVS, veth and clsact/cls_bpf modules (with
# their dependencies, in load order) from Debian's linux-image-amd64 for KVER,
# iproute2's ip and tc, ipvsadm as the reference, the tools the XDP suites
# need beyond busybox (bash, util-linux's unshare and nsenter, coreutils'
# stat) and the daemon's (curl, jq) in /usr/local/bin, the files under test in /bin (programs with every
# library ldd lists; BPF objects as they are), tests/vm's in-VM scripts and
# rule files, and the golden and XDP driver suites with their result helper.
# The shipped modules are also listed in /lib/modules/KVER/modules.dep.
# VM_EXTRA_MODS: more modules (paths under kernel/, e.g. net/bridge/bridge.ko).
set -euo pipefail

out=$1
kver=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
mods=/lib/modules/$kver

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,run,etc,mods,tests,www}

cp "$(command -v busybox)" "$root/bin/busybox"
# for the suites' `#!/usr/bin/env bash` (busybox installs its links in /bin)
ln -s /bin/busybox "$root/usr/bin/env"

copy_bin() {
	local src=$1 dst=$2 lib
	cp -L "$src" "$root$dst"
	for lib in $(ldd "$src" | awk '/=>/ {print $3} /^\t\// {print $1}'); do
		[[ -e "$root$lib" ]] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

copy_bin "$(command -v ip)" /sbin/ip
copy_bin "$(command -v ipvsadm)" /sbin/ipvsadm
copy_bin "$(command -v tc)" /sbin/tc
# busybox installs its applets in /bin; these come first in the XDP suites' PATH
mkdir -p "$root/usr/local/bin"
for t in bash unshare nsenter stat curl jq; do
	copy_bin "$(command -v $t)" "/usr/local/bin/$t"
done
for b in "$@"; do
	case "$b" in
	*.o) cp "$b" "$root/bin/" ;;
	*) copy_bin "$b" "/bin/$(basename "$b")" ;;
	esac
done

# Modules: dependency closure from modules.dep, dependencies first.
declare -A seen=()
order=()
add_mod() {
	local rel=$1 dep
	[[ -n "${seen[$rel]:-}" ]] && return
	seen[$rel]=1
	for dep in $(awk -F': *' -v m="$rel" '$1 == m {print $2}' "$mods/modules.dep"); do
		add_mod "$dep"
	done
	order+=("$rel")
}
# crc32c_generic is only a soft dependency of libcrc32c (not in modules.dep).
# shellcheck disable=SC2206 # VM_EXTRA_MODS is a list
want=(crypto/crc32c_generic.ko net/netfilter/ipvs/ip_vs.ko drivers/net/veth.ko
	net/sched/sch_ingress.ko net/sched/cls_bpf.ko ${VM_EXTRA_MODS:-})
for s in rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh; do
	want+=("net/netfilter/ipvs/ip_vs_$s.ko")
done
for m in "${want[@]}"; do
	[[ -e "$mods/kernel/$m" ]] || { echo "mkinitramfs: $mods/kernel/$m missing" >&2; exit 1; }
	add_mod "kernel/$m"
done
: >"$root/mods/order"
for rel in "${order[@]}"; do
	name=$(basename "$rel")
	case "$name" in
	*.ko) cp "$mods/$rel" "$root/mods/$name" ;;
	*.ko.xz) xz -dc "$mods/$rel" >"$root/mods/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$mods/$rel" >"$root/mods/${name%.zst}"; name=${name%.zst} ;;
	esac
	echo "$name" >>"$root/mods/order"
done
# modules.dep for the shipped modules only, their paths linked to /mods: the
# modules are "installed" (doctor's ipvs checks, busybox modprobe) without
# the kernel's request_module finding a modprobe (/sbin has none), so
# nothing is loaded behind the suites' back.
mdir=$root/lib/modules/$kver
mkdir -p "$mdir"
: >"$mdir/modules.dep"
for rel in "${order[@]}"; do
	ko=${rel%.xz}
	ko=${ko%.zst}
	mkdir -p "$mdir/$(dirname "$ko")"
	ln -s "/mods/$(basename "$ko")" "$mdir/$ko"
	awk -F': *' -v m="$rel" '$1 == m' "$mods/modules.dep" |
		sed -e 's/\.ko\.\(xz\|zst\)/.ko/g' >>"$mdir/modules.dep"
done

cp "$here"/init.sh "$root/init"
cp "$here"/suite.sh "$here"/traffic.sh "$here"/bench.sh "$here"/xdp.sh \
	"$here"/daemon.sh "$here"/doctor.sh "$here"/halvs.sh "$root/tests/"
mkdir -p "$root"/tests/{lib,bpf,xdp}
cp "$here"/../lib/result.sh "$root/tests/lib/"
cp "$here"/../bpf/run.sh "$root/tests/bpf/"
cp "$here"/../xdp/run.sh "$root/tests/xdp/"
cp -r "$here"/configs "$root/tests/configs"
# the project's own IPVS example from the config corpus
cp "$here"/../configs/valid/ipvs-features.yaml "$root/tests/configs/"
chmod +x "$root/init" "$root"/tests/*.sh "$root"/tests/{bpf,xdp}/run.sh

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
