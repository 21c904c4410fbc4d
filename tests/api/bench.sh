#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The control API framework's own cost per request: tests/api/api_testsrv
# over its unix socket, one keep-alive connection, N requests per endpoint
# (default 2000); prints the median and 99th percentile.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/wait.sh

B=${BUILD:-build}
N=${1:-2000}
TMP=$(mktemp -d /tmp/ballast-api-bench.XXXXXX)
"$B/tests/api/api_testsrv" --socket "$TMP/s" >"$TMP/out" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
wait_for 5000 grep -q '^ready' "$TMP/out" || { echo "bench-api: server did not start" >&2; exit 1; }

python3 - "$TMP/s" "$N" <<'PY'
import http.client, socket, sys, time

class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(self.path)

path, n = sys.argv[1], int(sys.argv[2])
c = UnixHTTP(path)
for url in ["/health", "/api/v1/services/web", "/metrics"]:
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        c.request("GET", url)
        r = c.getresponse()
        r.read()
        assert r.status == 200, (url, r.status)
        ts.append(time.perf_counter() - t0)
    ts.sort()
    print("bench-api: GET %-22s median %4.0f us  p99 %5.0f us  (%d requests)"
          % (url, ts[n // 2] * 1e6, ts[n * 99 // 100] * 1e6, n))
PY
