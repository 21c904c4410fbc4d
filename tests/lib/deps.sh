#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian packages named on the command line that are missing.
# Quiet and quick when everything is already there.
#
# When another package manager (apt, unattended-upgrades, a second `make deps`)
# holds one of apt's locks, wait for it, up to DEPS_LOCK_WAIT seconds (600),
# saying once which process is waited for. dpkg's locks are waited for by apt
# itself (DPkg::Lock::Timeout); `apt-get update`'s lists lock is not, so it is
# waited for here.
#
# For tests: DEPS_FORCE=1 takes the install path even for installed packages
# (with --no-upgrade, so nothing changes); DEPS_UPDATE=0 skips `apt-get update`.
# Sourcing the file defines the functions without running anything.

DEPS_LOCK_WAIT=${DEPS_LOCK_WAIT:-600}
DEPS_LOCKS=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock
	/var/lib/apt/lists/lock /var/cache/apt/archives/lock)

# deps_lock_holder FILE: print "PID (COMMAND)" of the process holding a POSIX
# (fcntl) lock on FILE, as apt and dpkg take them; print nothing when free.
deps_lock_holder() {
	local file=$1 maj min ino id pid comm
	[[ -e "$file" && -r /proc/locks ]] || return 0
	read -r maj min ino < <(stat -L -c '%Hd %Ld %i' "$file") || return 0
	id=$(printf '%02x:%02x:%s' "$maj" "$min" "$ino")
	# "N: POSIX ADVISORY WRITE PID MAJ:MIN:INODE START END"; waiters carry
	# an extra "->" field and are not holders.
	pid=$(awk -v id="$id" '$2 != "->" && $6 == id { print $5; exit }' /proc/locks)
	[[ -n "$pid" ]] || return 0
	comm=$(cat "/proc/$pid/comm" 2>/dev/null || echo '?')
	echo "$pid ($comm)"
}

# deps_wait_locks DEADLINE LOCK...: return once no process holds any LOCK,
# or 1 at DEADLINE (seconds since the epoch). Says once what it waits for.
deps_wait_locks() {
	local deadline=$1 told=0 lock holder busy
	shift
	while :; do
		busy=
		for lock in "$@"; do
			holder=$(deps_lock_holder "$lock")
			if [[ -n "$holder" ]]; then
				busy="$lock is held by process $holder"
				break
			fi
		done
		[[ -z "$busy" ]] && return 0
		if ((told == 0)); then
			echo "deps: another package manager is running ($busy); waiting up to $((deadline - $(date +%s)))s for it to finish"
			told=1
		fi
		if (($(date +%s) >= deadline)); then
			echo "deps: gave up after waiting ${DEPS_LOCK_WAIT}s: $busy; run 'make deps' again when it has finished" >&2
			return 1
		fi
		# The holder is another program: there is nothing to be notified
		# by, so look again each second until the deadline.
		sleep 1
	done
}

# deps_apt DEADLINE ARGS...: apt-get ARGS once apt's locks are free, quiet on
# stdout (errors and warnings still shown). apt waits for dpkg's locks itself
# up to the time left; a lock taken by someone else between our look and
# apt's own attempt sends us back to waiting.
deps_apt() {
	local deadline=$1 left rc errs
	shift
	errs=$(mktemp)
	while :; do
		if ! deps_wait_locks "$deadline" "${DEPS_LOCKS[@]}"; then
			rm -f "$errs"
			return 1
		fi
		left=$((deadline - $(date +%s)))
		((left > 0)) || left=1
		rc=0
		apt-get -o DPkg::Lock::Timeout="$left" "$@" >/dev/null 2>"$errs" || rc=$?
		if ((rc == 0)) || ! grep -q 'Could not get lock' "$errs" ||
			(($(date +%s) >= deadline)); then
			cat "$errs" >&2
			rm -f "$errs"
			return $rc
		fi
	done
}

deps_main() {
	local missing=() status p deadline upgrade=()

	for p in "$@"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[[ "$status" == "install ok installed" && "${DEPS_FORCE:-0}" != 1 ]] ||
			missing+=("$p")
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	[[ "${DEPS_FORCE:-0}" == 1 ]] && upgrade=(--no-upgrade)

	echo "deps: installing ${missing[*]}"
	if [[ $(id -u) -ne 0 ]]; then
		echo "deps: need root to install packages (run: sudo make deps)" >&2
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	deadline=$(($(date +%s) + DEPS_LOCK_WAIT))
	if [[ "${DEPS_UPDATE:-1}" != 0 ]]; then
		deps_apt "$deadline" update -qq
	fi
	deps_apt "$deadline" install -y -qq --no-install-recommends "${upgrade[@]}" \
		"${missing[@]}"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	set -euo pipefail
	deps_main "$@"
fi
