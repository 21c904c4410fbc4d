#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make test-fresh`: a user's first run on a fresh Debian 12. A debootstrap
# chroot with nothing but the base system, make and git gets a clean clone of
# the committed tree and runs `make demo`, which must install what the build
# needs by itself and finish. Needs root and the network; takes minutes.
#
# The downloaded base system is cached as debootstrap's own tarball under
# $BUILD/fresh/ (delete it to fetch again); the chroot itself is rebuilt from
# it on every run and removed afterwards.
#   FRESH_MIRROR  Debian mirror (default: the first one in /etc/apt/sources.list*)
#   FRESH_KEEP=1  keep the chroot for inspection
set -u
cd "$(dirname "$0")/../.."
source tests/lib/result.sh

build=$(realpath -m "${BUILD:-build}")
suite=bookworm
cache=$build/fresh/debootstrap-$suite-amd64.tgz
root=$build/fresh/root
log=$build/fresh/demo.log
include=make,git,ca-certificates

if [[ $(id -u) -ne 0 ]]; then
	t_skip "fresh first run" "needs root for debootstrap and chroot"
	t_done fresh
	exit 0
fi

# The mirror this machine already uses, deb822 or one-line format.
mirror=${FRESH_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	/etc/apt/sources.list.d/*.sources 2>/dev/null |
	awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }
	     /^deb / && $0 ~ /debian/ && $0 !~ /security/ {
		for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }')}
mirror=${mirror:-http://deb.debian.org/debian}

mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}"
	done
	mounted=()
	# What the demo mounted inside (ip netns binds /run/netns), deepest first.
	awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r |
		while IFS= read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	# Never delete through a mount that is still there.
	if grep -q " $root/" /proc/mounts; then
		echo "fresh: mounts left under $root; not removing it" >&2
	elif [[ "${FRESH_KEEP:-0}" != 1 ]]; then
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT

bind() { # SOURCE: mount it at the same place inside the chroot
	mkdir -p "$root$1"
	mount --bind "$1" "$root$1" && mounted+=("$root$1")
}

start=$(date +%s)
mkdir -p "$build/fresh"
rm -rf --one-file-system "$root"
if [[ ! -s "$cache" ]]; then
	echo "fresh: downloading Debian $suite from $mirror into $cache"
	if ! debootstrap --arch=amd64 --include=$include --make-tarball="$cache.tmp" \
		$suite "$build/fresh/tarball-work" "$mirror" >"$build/fresh/debootstrap.log" 2>&1; then
		t_fail "debootstrap tarball" "see $build/fresh/debootstrap.log: $(tail -3 "$build/fresh/debootstrap.log")"
		rm -rf --one-file-system "$build/fresh/tarball-work" "$cache.tmp"
		t_done fresh
		exit 1
	fi
	mv "$cache.tmp" "$cache"
	rm -rf --one-file-system "$build/fresh/tarball-work"
fi
echo "fresh: installing the base system into $root"
if ! debootstrap --arch=amd64 --include=$include --unpack-tarball="$cache" \
	$suite "$root" "$mirror" >"$build/fresh/debootstrap.log" 2>&1; then
	t_fail "debootstrap" "see $build/fresh/debootstrap.log: $(tail -3 "$build/fresh/debootstrap.log")"
	t_done fresh
	exit 1
fi
base_done=$(date +%s)

# What a user has: the committed tree, cloned.
head=$(git rev-parse HEAD)
[[ -z "$(git status --porcelain --untracked-files=no)" ]] ||
	echo "fresh: note: uncommitted changes are not part of the test (it runs $head)"
git clone --quiet --no-local . "$root/root/ballast" && git -C "$root/root/ballast" checkout --quiet --detach "$head"

cp /etc/resolv.conf "$root/etc/resolv.conf"
# The root of a real machine is a mount point; `ip netns add` (the demo's
# lab) makes it a slave mount, which fails on a plain directory.
mount --bind "$root" "$root" && mounted+=("$root")
mkdir -p "$root/proc" "$root/sys"
mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount -t sysfs sysfs "$root/sys" && mounted+=("$root/sys")
bind /dev
bind /dev/pts

echo "fresh: make demo in the chroot (log: $log)"
demo_start=$(date +%s)
# Each line of the log starts with the seconds since make demo started.
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
	bash -c 'cd /root/ballast && timeout 1800 make demo' 2>&1 |
	while IFS= read -r line; do
		printf '%4d %s\n' $((EPOCHSECONDS - demo_start)) "$line"
	done >"$log"
rc=${PIPESTATUS[0]}
end=$(date +%s)
cleanup

# deps ends where the build's first line appears.
built=$(awk '$2 ~ /^(BPF|CC|GENOBJ)$/ { print $1; exit }' "$log")
summary="base system $((base_done - start))s, make demo $((end - demo_start))s (deps ${built:-?}s), total $((end - start))s"
if [[ $rc -eq 0 ]] && grep -q 'No changes. Dataplane is in sync' "$log"; then
	t_pass "make demo on a fresh Debian $suite ($summary)"
else
	t_fail "make demo on a fresh Debian $suite" "exit $rc after $summary; last lines of $log:
$(tail -15 "$log")"
fi
if grep -q $'\033' "$log"; then
	t_fail "demo output without terminal escapes" "$(grep -c $'\033' "$log") lines with ESC in $log"
else
	t_pass "demo output without terminal escapes"
fi
t_done fresh
