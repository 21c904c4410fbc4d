#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Daemon figures for Docs/BENCHMARKS.md (make bench-daemon):
#  1. idle CPU and RSS with SERVICES x BACKENDS reals on the fake at a 1 s tick
#  2. health transition -> dataplane write (median of 100, from the daemon's
#     own log timestamps)
#  3. config file change -> dataplane programmed (large config)
#  4. API latency of /api/v1/status and /metrics at that size
# BENCH_IDLE_S (default 60), SERVICES (1000), BACKENDS (100); BENCH_SCALE=0
# runs only the health figure.
set -u
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ballast-dbench.XXXXXX)
PIDS=()
. tests/lib/result.sh
. tests/daemon/lib.sh

IDLE_S=${BENCH_IDLE_S:-60}
SERVICES=${SERVICES:-1000}
BACKENDS=${BACKENDS:-100}
HZ=$(getconf CLK_TCK)

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "n/a"}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# ---- 1. idle CPU and RSS at scale ----------------------------------------------
if [[ ${BENCH_SCALE:-1} == 1 ]]; then
python3 tests/bench/gen_config.py --services "$SERVICES" --backends "$BACKENDS" \
	--driver fake |
	sed '/^health:/,/^pools:/{/^pools:/!d}' |
	sed "s|^  driver: fake|  driver: fake\n  fake: {state_file: $TMP/big.json}\ndaemon: {tick: 1s, metrics_listen: null}\nhealth: {type: none}|" \
		>"$TMP/big.yaml"
t0=$(now_ms)
start_daemon big "$TMP/big.yaml" || { echo "daemon did not start"; tail "$TMP/big.log"; exit 1; }
wait_for 600000 status_is big .pending false
t1=$(now_ms)
echo "start to first converged pass ($((SERVICES * BACKENDS)) reals): $((t1 - t0)) ms"
c0=$(cpu_ticks "$PID_big")
sleep "$IDLE_S" # the measurement window itself, not synchronisation
c1=$(cpu_ticks "$PID_big")
awk -v d=$((c1 - c0)) -v hz="$HZ" -v s="$IDLE_S" \
	'BEGIN {printf "idle CPU over %d s at a 1 s tick: %.2f %% of a core\n", s, 100 * d / hz / s}'
echo "RSS: $(($(rss_kb "$PID_big") / 1024)) MiB"
echo "cover bound: $(status big .passes.cover_ticks) ticks"

# ---- 4. API latency at that size ------------------------------------------------
for p in /api/v1/status /metrics; do
	for _ in $(seq 1 20); do
		curl -s -o /dev/null -w '%{time_total}\n' --unix-socket "$TMP/big.sock" "http://d$p"
	done | awk '{printf "%.1f\n", $1 * 1000}' | median >"$TMP/lat"
	size=$(curl -s --unix-socket "$TMP/big.sock" "http://d$p" | wc -c)
	echo "GET $p: median $(cat "$TMP/lat") ms of 20 ($size bytes)"
done

# ---- 3. config change -> programmed (large config) ------------------------------
for i in 1 2 3 4 5; do
	sed "s|^services:|services:\n  - {name: extra-$i, address: 198.19.0.$i, port: 80, pool: pool-0}|" \
		"$TMP/big.yaml" >"$TMP/big.yaml.new"
	t0=$(now_ms)
	mv "$TMP/big.yaml.new" "$TMP/big.yaml"
	wait_for 120000 n_reals_is "$TMP/big.json" "198.19.0.$i" "$BACKENDS"
	echo $(($(now_ms) - t0))
done | median >"$TMP/reload"
echo "config change to dataplane programmed: median $(cat "$TMP/reload") ms of 5 (includes the 200 ms debounce)"
stop_daemon big
fi

# ---- 2. health transition -> dataplane write ------------------------------------
start_srv t "$SRV" -p "$PORT" -a 127.0.0.1 -m tcp
start_srv u "$SRV" -p "$PORT" -a 127.0.0.2 -m tcp
cat >"$TMP/hc.yaml" <<EOF
version: 1
dataplane: {driver: fake, fake: {state_file: $TMP/hc.json}}
daemon: {tick: 1h, metrics_listen: null}
health: {type: tcp, interval: 100ms, fast_interval: 50ms, timeout: 50ms, rise: 1, fall: 1}
pools:
  p: {backends: [127.0.0.1:$PORT, 127.0.0.2:$PORT]}
services:
  - {name: s, address: 192.0.2.1, port: 80, pool: p}
EOF
start_daemon hc "$TMP/hc.yaml" # not a terminal: JSON lines
wait_for 5000 status_is hc .counts.reals_up 2
for i in $(seq 1 50); do
	ctl t "mode refuse"
	wait_for 3000 weight_is "$TMP/hc.json" 192.0.2.1 127.0.0.1 0
	ctl t "mode tcp"
	wait_for 3000 weight_is "$TMP/hc.json" 192.0.2.1 127.0.0.1 100
done
stop_daemon hc
# Pair each health line with the next reconcile line; log times are ms.
# The pass's own duration (read, plan, the fake's write with its fsyncs) is
# in its log line: what precedes it is the daemon's reaction time.
jq -r 'select(.subsystem == "health" or (.subsystem == "reconcile" and (.fields.ops // 0) > 0))
	| [.subsystem, .time, (.fields.duration_ms // 0)] | @tsv' "$TMP/hc.log" |
	python3 -c '
import sys, datetime
t = None
for line in sys.stdin:
    sub, ts, dur = line.split("\t")
    ms = datetime.datetime.strptime(ts.strip(), "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000
    if sub == "health":
        t = ms
    elif t is not None:
        print("%.0f %.2f" % (ms - t, float(dur))); t = None
' >"$TMP/hc.lat"
echo "health transition to dataplane written: median $(cut -d" " -f1 "$TMP/hc.lat" | median) ms of $(wc -l <"$TMP/hc.lat"), of which the pass (read, plan, write): median $(cut -d" " -f2 "$TMP/hc.lat" | median) ms (log timestamps, 1 ms resolution)"
