#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-only
# /init of the test VM: mount, load the modules, run the suites (IPVS, then
# the XDP forwarder) or the benchmark named on the kernel command line, power
# off.
/bin/busybox --install -s /bin
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs run /run
mount -t tmpfs tmp /tmp
mode=$(sed -n 's/.*ballast_mode=\([a-z]*\).*/\1/p' /proc/cmdline)
# modes: test (make test-vm), bench (make bench-ipvs), ha (make bench-ha-lvs)
# optional benchmark size and batch size: ballast_bench=NSVCxNREAL ballast_batch=N
bench=$(sed -n 's/.*ballast_bench=\([0-9x]*\).*/\1/p' /proc/cmdline)
[ -n "$bench" ] && export NSVC=${bench%x*} NREAL=${bench#*x}
export SIDE=$(sed -n 's/.*ballast_side=\([a-z]*\).*/\1/p' /proc/cmdline)
# which XDP suites the test mode runs: all (default), golden, none
export XDP_SUITES=$(sed -n 's/.*ballast_xdp=\([a-z]*\).*/\1/p' /proc/cmdline)
# ballast_only=daemon|doctor: the test mode runs that suite alone
only=$(sed -n 's/.*ballast_only=\([a-z]*\).*/\1/p' /proc/cmdline)
batch=$(sed -n 's/.*ballast_batch=\([0-9]*\).*/\1/p' /proc/cmdline)
[ -n "$batch" ] && export BALLAST_IPVS_BATCH=$batch

ip link set lo up
echo "INFO: kernel $(uname -r), mode $mode"

# Before ip_vs is loaded: the driver and doctor must say how to fix it.
if [ "$mode" = test ]; then
	[ -z "$only" ] && /tests/suite.sh premod
	[ -z "$only" ] || [ "$only" = doctor ] && /tests/doctor.sh premod
fi

for m in $(cat /mods/order); do
	insmod "/mods/$m" || echo "INFO: insmod $m failed"
done

# Destinations must be routable: local routes for the test ranges.
ip route add 10.0.0.0/8 dev lo
ip -6 route add 2001:db8::/32 dev lo

case "$mode" in
test)
	[ -z "$only" ] || [ "$only" = doctor ] && /tests/doctor.sh main
	if [ -z "$only" ]; then
		/tests/suite.sh main
		/tests/traffic.sh
	fi
	[ -z "$only" ] || [ "$only" = daemon ] && /tests/daemon.sh test
	[ -z "$only" ] && /tests/xdp.sh
	;;
ha)
	/tests/halvs.sh
	;;
bench)
	if [ "$SIDE" = daemon ]; then
		/tests/daemon.sh bench
	else
		/tests/bench.sh
	fi
	;;
esac
echo VMDONE
poweroff -f
