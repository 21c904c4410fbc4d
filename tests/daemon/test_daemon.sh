#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The daemon end to end on the fake dataplane, with real health targets on
# loopback: health drives weights (down, slow start back up), reloads good
# and bad, drift repair, coalescing, the blast-radius guard, overrides
# across a restart and their expiry, SIGTERM and --cleanup-on-exit.
set -u
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d /tmp/ballast-daemon.XXXXXX)
PIDS=()
. tests/lib/result.sh
. tests/daemon/lib.sh

ST=$TMP/state.json
CFG=$TMP/lb.yaml
INTERVAL=200 TIMEOUT=100 FALL=2

# config EXTRA_SERVICE_YAML: the main fixture (two reals with TCP checks).
config() {
	cat <<EOF2
version: 1
dataplane:
  driver: fake
  fake: {state_file: $ST}
daemon:
  tick: 1s
  metrics_listen: null
health:
  type: tcp
  interval: ${INTERVAL}ms
  fast_interval: 100ms
  timeout: ${TIMEOUT}ms
  rise: 2
  fall: $FALL
  slow_start: 2s
pools:
  web:
    backends:
      - {address: 127.0.0.1, port: $PORT, weight: 100}
      - {address: 127.0.0.2, port: $PORT, weight: 100}
services:
  - name: web
    address: 192.0.2.10
    port: 80
    pool: web
$1
EOF2
}

start_srv s1 "$SRV" -p "$PORT" -a 127.0.0.1 -m tcp || { t_fail "target server"; t_done daemon; exit 1; }
start_srv s2 "$SRV" -p "$PORT" -a 127.0.0.2 -m tcp
config "" >"$CFG"
if ! start_daemon d "$CFG"; then
	t_fail "daemon starts" "$(tail -5 "$TMP/d.log")"
	t_done daemon
	exit 1
fi
t_pass "daemon starts and answers on its socket"
check "socket is mode 0600" '[[ $(stat -c %a "$TMP/d.sock") == 600 ]]'
check "first pass programs the fake dataplane" \
	'wait_for 3000 weight_is "$ST" 192.0.2.10 127.0.0.2 100'
check "both targets come up" 'wait_for 5000 status_is d .counts.reals_up 2'
# the probe duration histogram: tcp probes observed, +Inf bucket = count
api d /metrics >"$TMP/probe-metrics.txt"
pc=$(awk '/^ballast_probe_duration_seconds_count\{type="tcp"\}/ {print $2}' "$TMP/probe-metrics.txt")
pinf=$(awk '/^ballast_probe_duration_seconds_bucket\{type="tcp",le="\+Inf"\}/ {print $2}' "$TMP/probe-metrics.txt")
check "metrics: probe duration histogram counts tcp probes ($pc)" \
	'[[ $pc =~ ^[0-9]+$ ]] && ((pc >= 2)) && [[ $pinf == "$pc" ]]'
check "metrics: no http probes observed" \
	'grep -q "^ballast_probe_duration_seconds_count{type=\"http\"} 0$" "$TMP/probe-metrics.txt"'
if command -v promtool >/dev/null; then
	check "metrics with probe histogram: promtool check metrics" \
		'promtool check metrics <"$TMP/probe-metrics.txt" >/dev/null 2>&1'
fi
# ... through their slow start
wait_for 5000 weight_is "$ST" 192.0.2.10 127.0.0.1 100
wait_for 5000 weight_is "$ST" 192.0.2.10 127.0.0.2 100

# ---- health drives weights ---------------------------------------------------
ctl s2 "mode refuse"
t0=$(now_ms)
wait_for 5000 weight_is "$ST" 192.0.2.10 127.0.0.2 0
t1=$(now_ms)
# fall x interval + timeout + one pass, plus scheduling slack on a busy CI box
bound=$((FALL * INTERVAL + TIMEOUT + 300))
check "server stopped: weight 0 within ${bound} ms ($((t1 - t0)) ms)" \
	'weight_is "$ST" 192.0.2.10 127.0.0.2 0 && ((t1 - t0 <= bound))'
check "the other real keeps its weight" 'weight_is "$ST" 192.0.2.10 127.0.0.1 100'
check "status counts the real down" 'status_is d .counts.reals_down 1'
ctl s2 "mode tcp"
seen="" trace=""
end=$(($(now_ms) + 6000))
while (($(now_ms) < end)); do
	w=$(weight "$ST" 192.0.2.10 127.0.0.2)
	trace="$trace $w"
	[[ $w =~ ^[0-9]+$ ]] && ((w > 0 && w < 100)) && seen="$seen $w"
	[[ $w == 100 ]] && break
	sleep 0.02
done
check "back up: slow start ramps (seen:${seen:- none})" '[[ -n $seen ]]' "trace:$trace"
check "back up: full weight after the ramp" 'weight_is "$ST" 192.0.2.10 127.0.0.2 100'

# ---- drift ------------------------------------------------------------------
drift0=$(status d .drift_total)
# Another writer changes a weight behind the daemon's back (taking the lock).
sed 's/weight: 100}/weight: 7}/' "$CFG" >"$TMP/other.yaml"
out=$("$BALLAST" apply -c "$TMP/other.yaml" --wait=5s 2>&1)
# (the daemon may repair it before we look: what apply changed is the proof)
check "drift injected by another apply" '[[ $out == *"weight 100 → 7"* ]]' "$out"
# One service: every tick's slice covers it (bound: cover_ticks ticks).
check "drift repaired within the tick bound" \
	'wait_for 3000 weight_is "$ST" 192.0.2.10 127.0.0.1 100'
check "drift counted in status" 'wait_for 2000 status_ge d .drift_total $((drift0 + 1))'
check "drift counted in metrics" \
	'api d /metrics | grep -Eq "^ballast_reconcile_drift_total [1-9]"'
check "drift is an event naming the object" \
	'api d /api/v1/events -H "Last-Event-ID: 0" -m 1 | grep -q "event: drift"'

# ---- reload -----------------------------------------------------------------
gen=$(status d .config.generation)
config "  - {name: dns, address: 192.0.2.53, port: 53, protocol: udp, pool: web}" | replace "$CFG"
check "good file: reloaded on change (inotify, rename)" \
	'wait_for 3000 status_is d .config.generation $((gen + 1))'
check "good file: new service programmed" 'wait_for 3000 n_reals_is "$ST" 192.0.2.53 2'
check "good file: reload reported ok" 'status_is d .reload.last_result ok'
printf 'version: 1\ndataplane: {driver: fake}\nservices: [{name: x, pool: nope}]\n' | replace "$CFG"
check "bad file: reported in status" 'wait_for 3000 status_is d .reload.last_result error'
check "bad file: every error named with file:line" \
	'[[ $(status d .reload.last_error) == *lb.yaml:*:*"\n"* || $(status d .reload.last_error | wc -l) -ge 2 ]]'
check "bad file: the old generation keeps running" \
	'status_is d .config.generation $((gen + 1)) && n_reals_is "$ST" 192.0.2.53 2'
check "bad file: a reload event" \
	'api d /api/v1/events -H "Last-Event-ID: 0" -m 1 | grep -q "\"result\": *\"error\""'
config "" >"$CFG.tmp" && cp "$CFG.tmp" "$CFG.sighup" # not watched by name
cat "$CFG.sighup" >"$CFG.new" && mv "$CFG.new" "$CFG"
kill -HUP "$PID_d"
check "SIGHUP or change: good again, dns removed" \
	'wait_for 3000 status_is d .config.generation $((gen + 2)) && wait_for 3000 n_reals_is "$ST" 192.0.2.53 ""'

# ---- blast-radius guard -----------------------------------------------------
cat >"$TMP/guard.yaml" <<EOF2
version: 1
dataplane: {driver: fake, fake: {state_file: $TMP/guard.json}}
daemon: {tick: 1s, metrics_listen: null}
health: {type: none}
pools:
  p:
    backends: [10.9.0.1:80, 10.9.0.2:80, 10.9.0.3:80, 10.9.0.4:80]
services:
  - {name: g, address: 192.0.2.77, port: 80, pool: p}
EOF2
start_daemon g "$TMP/guard.yaml"
wait_for 3000 n_reals_is "$TMP/guard.json" 192.0.2.77 4
sed 's/, 10.9.0.2:80, 10.9.0.3:80, 10.9.0.4:80//' "$TMP/guard.yaml" | replace "$TMP/guard.yaml"
check "guard: removing 3 of 4 reals is refused" 'wait_for 3000 status_ge g .refusals_total 1'
check "guard: refusal reported in status" '[[ $(status g .last_refusal) != null ]]'
check "guard: refusal counted in metrics" \
	'api g /metrics | grep -Eq "^ballast_reconcile_refusals_total [1-9]"'
check "guard: refusal is an event" \
	'api g /api/v1/events -H "Last-Event-ID: 0" -m 1 | grep -q "event: refusal"'
check "guard: the dataplane keeps its reals" 'n_reals_is "$TMP/guard.json" 192.0.2.77 4'
sed 's/health: {type: none}/health: {type: none}\ndaemon2: x/; s/daemon: {tick: 1s, metrics_listen: null}/daemon: {tick: 1s, metrics_listen: null, allow_mass_removal: true}/; /daemon2/d' \
	"$TMP/guard.yaml" | replace "$TMP/guard.yaml"
check "guard: allow_mass_removal in the config lets it through" \
	'wait_for 3000 n_reals_is "$TMP/guard.json" 192.0.2.77 1'
stop_daemon g

# ---- coalescing -------------------------------------------------------------
start_srv many "$SRV" -p "$PORT" -r 127.0.1.1 100 -m tcp
{
	echo "version: 1"
	echo "dataplane: {driver: fake, fake: {state_file: $TMP/many.json}}"
	echo "daemon: {tick: 1h, metrics_listen: null}"
	echo "health: {type: tcp, interval: 200ms, fast_interval: 100ms, timeout: 100ms, rise: 1, fall: 1}"
	echo "pools:"
	echo "  m:"
	echo "    backends:"
	for i in $(seq 1 100); do echo "      - 127.0.1.$i:$PORT"; done
	echo "  fb: {backends: [10.8.0.1:80]}"
	echo "services:"
	echo "  - {name: m, address: 192.0.2.99, port: 80, pool: m}"
} >"$TMP/many.yaml"
start_daemon c "$TMP/many.yaml"
wait_for 5000 status_is c .counts.reals_up 100
wait_for 3000 status_is c .pending false
p0=$(status c .passes.scoped)
h0=$(api c /metrics | awk '/^ballast_health_transitions_total/ {print $2}')
ctl many "mode refuse"
wait_for 5000 status_is c .counts.reals_down 100
wait_for 3000 status_is c .pending false
p1=$(status c .passes.scoped)
h1=$(api c /metrics | awk '/^ballast_health_transitions_total/ {print $2}')
# Probes are spread over the interval, so the transitions arrive over about
# 200 ms; those of one loop round share a pass.
check "100 transitions ($((h1 - h0))) coalesce into fewer passes ($((p1 - p0)))" \
	'((h1 - h0 == 100 && p1 - p0 >= 1 && p1 - p0 <= 50))'
stop_daemon c

# ---- overrides across a restart, and expiry ---------------------------------
R=/api/v1/services/web/reals/127.0.0.1:$PORT
api d "$R/weight" -X PUT -d '{"weight": 5, "for": "1h"}' >/dev/null
check "override: weight 5 programmed" 'wait_for 2000 weight_is "$ST" 192.0.2.10 127.0.0.1 5'
api d "/api/v1/services/web/reals/127.0.0.2:$PORT/disable" -X POST -d '{"for": "1s"}' >/dev/null
check "override: disable programmed" 'wait_for 2000 weight_is "$ST" 192.0.2.10 127.0.0.2 0'
check "override: visible in status" 'status_is d .counts.overrides 2'
check "override: visible in metrics" \
	'api d /metrics | grep -q "^ballast_override{service=\"web\",real=\"127.0.0.1:$PORT\",kind=\"weight\"}"'
check "override: disable for 1s expires, weight restored" \
	'wait_for 4000 weight_is "$ST" 192.0.2.10 127.0.0.2 100 && status_is d .counts.overrides 1'
stop_daemon d
check "SIGTERM: the daemon exits" 'dead $PID_d'
check "SIGTERM: the socket file is removed" '[[ ! -e $TMP/d.sock ]]'
check "SIGTERM: the dataplane is left as it is" 'weight_is "$ST" 192.0.2.10 127.0.0.1 5'
check "overrides are kept in the state dir" \
	'jq -e ".overrides | length == 1" "$TMP/d.state/overrides.json" >/dev/null'
start_daemon d "$CFG"
check "override survives a restart" \
	'[[ $(api d /api/v1/overrides | jq -r ".data[0].kind + \" \" + (.data[0].value|tostring)") == "weight 5" ]]'
# The targets start unknown again (then slow start): the override holds.
check "restart: the override still sets the weight" \
	'wait_for 5000 weight_is "$ST" 192.0.2.10 127.0.0.1 5'
api d "$R/weight" -X DELETE >/dev/null
check "override deleted: configured weight back" 'wait_for 2000 weight_is "$ST" 192.0.2.10 127.0.0.1 100'

# ---- cleanup on exit --------------------------------------------------------
stop_daemon d
start_daemon d "$CFG" --cleanup-on-exit
stop_daemon d
check "--cleanup-on-exit removes what Ballast programmed" \
	'[[ $(jq ".services | length" "$ST") == 0 ]]'

# ---- systemd: Type=notify readiness, watchdog and stop ----------------------
python3 - "$TMP/notify.sock" "$TMP/notify.log" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
end = time.time() + 30
with open(sys.argv[2], "a", buffering=1) as log:
    while time.time() < end:
        try:
            log.write(s.recv(4096).decode().replace("\n", " ") + "\n")
        except socket.timeout:
            pass
PY
PIDS+=($!)
wait_for 3000 test -S "$TMP/notify.sock"
NOTIFY_SOCKET=$TMP/notify.sock WATCHDOG_USEC=400000 start_daemon n "$CFG"
check "systemd: READY=1 once the first pass ran" \
	'wait_for 5000 grep -q "READY=1" "$TMP/notify.log"'
pings_ge() { [[ $(grep -c "WATCHDOG=1" "$TMP/notify.log") -ge $1 ]]; }
check "systemd: the watchdog is pinged from the loop" 'wait_for 3000 pings_ge 2'
kill -HUP "$PID_n"
check "systemd: RELOADING=1 then READY=1 on SIGHUP" \
	'wait_for 3000 grep -q "RELOADING=1" "$TMP/notify.log"'
stop_daemon n
check "systemd: STOPPING=1 on SIGTERM" 'grep -q "STOPPING=1" "$TMP/notify.log"'

t_done daemon
