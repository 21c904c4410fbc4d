#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The daemon on the IPVS dataplane inside the test VM.
#   daemon.sh test   a health event reaches the kernel as one edit: three
#                    reals health-checked (tcp) against busybox httpd on
#                    local addresses; one server stopped -> that real's
#                    weight 0 in `ipvsadm -Ln`, the others untouched, and
#                    the daemon's ops counters grow by exactly one edit
#   daemon.sh bench  idle CPU and RSS over IDLE_S seconds (30) with the
#                    generated NSVC x NREAL table (1000 x 100), 1 s tick,
#                    no health checks
# Its own lock and ownership directory (BALLAST_RUN_DIR), so the services
# the other suites left stay foreign to it. Prints PASS:/FAIL:/BENCH: lines.
B=/bin/ballast
P=/bin/ipvs_probe
T=/tmp/daemon
SOCK=$T/d.sock
mkdir -p $T/run $T/state $T/www
export BALLAST_RUN_DIR=$T/run
# curl and jq (tests/vm/mkinitramfs.sh)
export PATH=/usr/local/bin:$PATH

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; }
check() { # check NAME COND [WHY]
	if eval "$2"; then pass "$1"; else fail "$1" "${3:-$2}"; fi
}

api() { curl -s -m 10 --unix-socket $SOCK "http://d$1"; }
status() { api /api/v1/status | jq -r ".data$1"; }
# ops_total [OP]: the daemon's applied operations (of kind OP), all results
ops_total() {
	api /metrics | awk -v op="${1:-}" '/^ballast_reconcile_ops_total\{/ &&
		(op == "" || index($0, "op=\"" op "\"")) { s += $2 } END { print s + 0 }'
}
# wait_for SECONDS CMD...: until CMD succeeds, polling every 100 ms
wait_for() {
	n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
answers() { curl -sf -m 2 --unix-socket $SOCK http://d/health -o /dev/null; }
is() { [ "$(status "$1")" = "$2" ]; }
start_daemon() { # start_daemon CONFIG SECONDS
	$B apply --daemon -c "$1" --socket $SOCK --state-dir $T/state \
		--cleanup-on-exit >$T/daemon.log 2>&1 &
	DPID=$!
	wait_for "$2" answers
}
stop_daemon() {
	kill $DPID 2>/dev/null
	wait $DPID 2>/dev/null
}
# real_w VIP REAL: the real's weight in ipvsadm -Ln
real_w() { ipvsadm -Ln -t "$1" | awk -v r="$2" '$2 == r { print $4 }'; }
w_is() { [ "$(real_w "$1" "$2")" = "$3" ]; }

health_edit() {
	VIP=192.0.2.200:80
	for i in 1 2 3; do
		ip addr add 10.0.7.$i/32 dev lo
		busybox httpd -f -p 10.0.7.$i:80 -h $T/www &
		eval "H$i=\$!"
	done
	cat >$T/h.yaml <<-EOF
	version: 1
	dataplane: {driver: ipvs}
	daemon: {tick: 1s, metrics_listen: null}
	health: {type: tcp, interval: 500ms, fast_interval: 200ms, timeout: 200ms, rise: 1, fall: 2}
	pools:
	  p:
	    backends:
	      - {address: 10.0.7.1, weight: 10}
	      - {address: 10.0.7.2, weight: 20}
	      - {address: 10.0.7.3, weight: 30}
	services:
	  - {name: web, address: 192.0.2.200, port: 80, pool: p, scheduler: wrr}
	EOF
	if ! start_daemon $T/h.yaml 20; then
		fail daemon-ipvs-starts "$(tail -1 $T/daemon.log) / curl: $(curl -sS -m 2 --unix-socket $SOCK http://d/health 2>&1) / $(ls -l $SOCK 2>&1)"
		kill $H1 $H2 $H3
		return
	fi
	pass daemon-ipvs-starts
	check daemon-ipvs-reals-up 'wait_for 20 is .counts.reals_up 3' \
		"$(status .counts)"
	check daemon-ipvs-programmed 'wait_for 10 w_is $VIP 10.0.7.3:80 30 &&
		wait_for 10 is .pending false' "$(ipvsadm -Ln -t $VIP 2>&1)"
	ipvsadm -Ln -t $VIP >$T/before
	ops0=$(ops_total)
	edit0=$(ops_total edit-real)
	scoped0=$(status .passes.scoped)
	kill $H2
	wait $H2 2>/dev/null
	check daemon-ipvs-health-weight-0 'wait_for 10 w_is $VIP 10.0.7.2:80 0' \
		"$(ipvsadm -Ln -t $VIP)"
	ipvsadm -Ln -t $VIP >$T/after
	# the one line that may differ: 10.0.7.2's weight 20 -> 0
	sed '/10\.0\.7\.2:80/s/ 20 / 0  /' $T/before | awk '{ $1 = $1; print }' >$T/want
	awk '{ $1 = $1; print }' $T/after >$T/got
	check daemon-ipvs-other-reals-untouched 'cmp -s $T/want $T/got' \
		"$(diff $T/want $T/got | tr '\n' ' ')"
	ops1=$(ops_total)
	edit1=$(ops_total edit-real)
	check "daemon-ipvs-one-edit (ops $ops0 -> $ops1, edit-real $edit0 -> $edit1)" \
		'[ $((ops1 - ops0)) = 1 ] && [ $((edit1 - edit0)) = 1 ]'
	check daemon-ipvs-by-a-scoped-pass '[ "$(status .passes.scoped)" -gt "$scoped0" ]'
	stop_daemon
	check daemon-ipvs-cleanup-on-exit '! ipvsadm -Ln -t $VIP >/dev/null 2>&1'
	kill $H1 $H3
	for i in 1 2 3; do ip addr del 10.0.7.$i/32 dev lo; done
}

idle_cpu() {
	NSVC=${NSVC:-1000}
	NREAL=${NREAL:-100}
	IDLE_S=${IDLE_S:-30}
	$P gen $NSVC $NREAL $T/big.rules $T/big.ipvsadm $T/big.yaml
	printf 'daemon: {tick: 1s, metrics_listen: null}\nhealth: {type: none}\n' \
		>>$T/big.yaml
	t0=$($P now)
	if ! start_daemon $T/big.yaml 120; then
		echo "FAIL: bench-daemon-starts: $(tail -3 $T/daemon.log)"
		return
	fi
	if ! wait_for 400 is .pending false; then
		echo "FAIL: bench-daemon-converges: $(status .last_pass)"
		stop_daemon
		return
	fi
	t1=$($P now)
	echo "BENCH: daemon start to first converged pass ($NSVC x $NREAL): $((t1 - t0)) ms"
	[ "$(ipvsadm -Sn | grep -c '^-a')" = $((NSVC * NREAL)) ] &&
		echo "PASS: bench-daemon-table-programmed" ||
		echo "FAIL: bench-daemon-table-programmed: $(ipvsadm -Sn | grep -c '^-a') reals"
	slices0=$(status .passes.slice)
	# /proc/PID/stat fields 14 and 15: utime and stime in USER_HZ (100)
	c0=$(awk '{ print $14 + $15 }' /proc/$DPID/stat)
	w0=$($P now)
	sleep "$IDLE_S" # the measurement window, not synchronisation
	c1=$(awk '{ print $14 + $15 }' /proc/$DPID/stat)
	w1=$($P now)
	slices1=$(status .passes.slice)
	awk -v c=$((c1 - c0)) -v ms=$((w1 - w0)) -v s=$((slices1 - slices0)) \
		-v cov="$(status .passes.cover_ticks)" 'BEGIN {
		printf "BENCH: daemon idle CPU over %.1f s at a 1 s tick: %.1f %% of a core (%d slice passes, cover_ticks %s)\n",
			ms / 1000, 100 * c * 10 / ms, s, cov }'
	echo "BENCH: daemon RSS: $(($(awk '/^VmRSS/ { print $2 }' /proc/$DPID/status) / 1024)) MiB"
	kill -KILL $DPID # the VM powers off next: no cleanup of 100,000 reals
	wait $DPID 2>/dev/null
}

case "$1" in
test) health_edit ;;
bench) idle_cpu ;;
esac
