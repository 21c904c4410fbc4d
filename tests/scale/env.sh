# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The run's surroundings for tests/scale/run.sh and bench.sh, sourced inside
# their private mount namespace: a directory FRR's user can reach, a bpffs
# of its own for the pins, the lab's helpers, namespaces named
# scl-<pid>-NODE (those of a killed earlier run removed), what this build
# of Ballast can do (scl_detect), and everything removed on exit.
# Set before sourcing: B (the binary), POKE (tests/xdp/poke) and
# scl_env_fail (called with the reason when the lab cannot be built).

tmp=$(mktemp -d)
# FRR's daemons drop to the user frr, which must reach their directories.
chmod 755 "$tmp"
mkdir -p "$tmp/bpf"
mount -t bpf bpf "$tmp/bpf" || scl_env_fail "cannot mount a bpf filesystem"
SCL_PREFIX=scl-$$-
SCL_DIR=$tmp/lab
SCL_PINS=$tmp/bpf/lab
SCL_BALLAST=$B
SCL_POKE=$POKE
SCL_ENV_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/scale/scllab.sh
. "$SCL_ENV_HERE/scllab.sh"

lab_reap scl-

cleanup() {
	scl_down
	umount "$tmp/bpf" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What this build offers: the announcer (a config with ha.mode: bgp loads
# and `ballast node` exists) and the renderer (`ballast bgp render frr`). Without the announcer the lab
# announces by hand and the tests that need it are skipped, saying so.
SCL_HAVE_ANNOUNCER=0
SCL_HAVE_RENDER=0
scl_detect() {
	mkdir -p "$SCL_DIR"
	SCL_ANNOUNCE=ballast
	scl_conf lb1 || return 1
	"$B" validate -c "$SCL_DIR/lb1.yaml" >/dev/null 2>&1 &&
		"$B" node --help >/dev/null 2>&1 && SCL_HAVE_ANNOUNCER=1
	"$B" bgp render frr --help >/dev/null 2>&1 && SCL_HAVE_RENDER=1
	((SCL_HAVE_ANNOUNCER)) || SCL_ANNOUNCE=manual
	SCL_RENDER=$SCL_HAVE_RENDER
	rm -f "$SCL_DIR/lb1.yaml"
}
