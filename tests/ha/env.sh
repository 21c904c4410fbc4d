# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The run's surroundings for tests/ha/run.sh and bench.sh, sourced inside
# their private mount namespace: a directory (tmp), a bpffs of its own for
# the pins, the lab's helpers, namespaces named HA_BASE<pid>-NODE (those of
# a killed earlier run removed), and everything removed on exit.
# Set before sourcing: HA_BASE, B (the binary), HA_MAPS, and ha_env_fail
# (called with the reason when the bpffs cannot be mounted).

tmp=$(mktemp -d)
# FRR's daemons drop to the user frr, which must reach their directories.
chmod 755 "$tmp"
mkdir -p "$tmp/bpf"
mount -t bpf bpf "$tmp/bpf" || ha_env_fail "cannot mount a bpf filesystem"
HA_PREFIX=$HA_BASE$$-
HA_DIR=$tmp/lab
HA_PINS=$tmp/bpf/lab
HA_BALLAST=$B
HA_ENV_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/ha/halab.sh
. "$HA_ENV_HERE/halab.sh"
# shellcheck source=tests/ha/hatest.sh
. "$HA_ENV_HERE/hatest.sh"

lab_reap "$HA_BASE"

cleanup() {
	ha_down
	umount "$tmp/bpf" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
