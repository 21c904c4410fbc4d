#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A stand-in for the daemon's control API (Docs/API.md) on a unix socket.

Answers the client commands with fixed data in the contract's shapes and
appends every request it gets to LOG as one JSON object per line
({"method", "path", "body", "last_event_id"}) for the test to check.
Prints "ready" on stdout once it listens.

    fake_daemon.py SOCKET LOG
"""
import http.server
import json
import os
import signal
import socketserver
import sys
import urllib.parse

SOCK, LOG = sys.argv[1], sys.argv[2]

REAL = {"address": "10.0.1.1", "port": 80, "pool": "web", "weight": 100,
        "effective_weight": 50, "programmed_weight": 50, "health": "up",
        "admin": "none", "since": "2026-12-06T20:00:00Z",
        "history": [{"time": "2026-12-06T20:00:00Z", "from": "unknown",
                     "to": "up", "cause": "3 probes passed"}],
        "overrides": [], "packets": 1200, "bytes": 96000}
REAL6 = dict(REAL, address="2001:db8::2", port=8080, health="down",
             effective_weight=0, programmed_weight=None, history=[],
             overrides=[{"id": 7, "kind": "drain"}], packets=0, bytes=0)
WEB = {"name": "web", "address": "192.0.2.10", "port": 80, "protocol": "tcp",
       "fwmark": None, "scheduler": "wrr", "forwarding": "nat", "pool": "web",
       "packets": 1200, "bytes": 96000, "reals": [REAL, REAL6]}
DNS = dict(WEB, name="dns", address="192.0.2.53", port=53, protocol="udp",
           pool="dns", reals=[])
NODE = {"node": "lb1", "state": "serving", "drain_until": None,
        "route_protocol": 200, "route_table": 254, "min_healthy": 2,
        "drain_wait_ms": 30000, "last_error": None,
        "vips": [{"address": "192.0.2.10", "announced": True,
                  "reason": "2/2 reals up, in sync"},
                 {"address": "192.0.2.53", "announced": False,
                  "reason": "0/0 reals up < min_healthy 2 (service dns)"}]}
STATUS = {"version": "test", "config": {"path": "/etc/ballast/ballast.yaml",
          "generation": 4, "sha256": "ab" * 32, "loaded_at": "2026-12-06T20:00:00Z"},
          "dataplane": {"driver": "fake"},
          "last_pass": {"time": "2026-12-06T20:01:00Z", "kind": "scoped",
                        "result": "ok", "duration_ms": 3, "ops_applied": 1,
                        "ops_failed": 0},
          "counts": {"services": 2, "reals": 4, "reals_up": 3, "reals_down": 1,
                     "reals_unknown": 0, "overrides": 1},
          "drift_total": 2, "refusals_total": 0, "last_refusal": None,
          "pending": False, "ha": {"mode": "bgp", "state": "n/a"},
          "bgp": NODE,
          "reload": {"last_result": "ok", "last_error": None,
                     "time": "2026-12-06T20:00:00Z"}}
OVERRIDE = {"id": 7, "service": "web", "real": "[2001:db8::2]:8080",
            "kind": "drain", "value": None, "created": "2026-12-06T20:02:00Z",
            "expires": None, "by": "uid 0 pid 42"}
SERVICES = {"web": WEB, "dns": DNS}
REALS = {"10.0.1.1:80", "[2001:db8::2]:8080"}
EVENTS = [
    (1, "health", {"time": "2026-12-06T20:03:00Z", "service": "web",
                   "real": "10.0.1.1:80", "from": "up", "to": "down"}),
    (2, "override", {"time": "2026-12-06T20:04:00Z",
                     "message": "drain set on web [2001:db8::2]:8080"}),
]


class Handler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.0: a response ends when the connection closes (event streams).
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def ok(self, data):
        self.reply(200, {"success": True, "data": data})

    def error(self, status, code, message):
        self.reply(status, {"success": False,
                            "error": {"code": code, "message": message}})

    def record(self, body):
        with open(LOG, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path,
                                "body": body,
                                "last_event_id": self.headers.get("Last-Event-ID")}) + "\n")

    def events(self):
        last = int(self.headers.get("Last-Event-ID") or 0)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        # One event per connection, so every second event needs the client
        # to reconnect and resume after the last id it saw.
        for eid, kind, data in EVENTS:
            if eid > last:
                self.wfile.write((": keep-alive\n\nid: %d\nevent: %s\ndata: %s\n\n"
                                  % (eid, kind, json.dumps(data))).encode())
                break

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self.record(raw.decode(errors="replace"))
            return self.error(400, "INVALID_REQUEST", "malformed JSON")
        self.record(body)
        url = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in url.path.split("/")[1:]]
        m = self.command
        if url.path == "/api/v1/status" and m == "GET":
            return self.ok(STATUS)
        if url.path == "/api/v1/services" and m == "GET":
            return self.ok([WEB, DNS])
        if url.path == "/api/v1/overrides" and m == "GET":
            return self.ok([OVERRIDE])
        if url.path == "/api/v1/events" and m == "GET":
            return self.events()
        if url.path == "/api/v1/node" and m == "GET":
            return self.ok(NODE)
        if url.path == "/api/v1/node/drain" and m == "POST":
            return self.ok(dict(NODE, state="draining",
                                drain_until="2026-12-06T20:05:00Z",
                                vips=[dict(v, announced=False,
                                           reason="node draining")
                                      for v in NODE["vips"]]))
        if url.path == "/api/v1/node/undrain" and m == "POST":
            return self.ok(NODE)
        if url.path == "/api/v1/flow" and m == "GET":
            q = urllib.parse.parse_qs(url.query)
            return self.ok({"service": "web", "real": "10.0.1.1:80",
                            "how": "unknown",
                            "explanation": "fake: %s -> %s %s" %
                            (q["src"][0], q["dst"][0], q["proto"][0])})
        if parts[:3] == ["api", "v1", "services"] and len(parts) == 4 and m == "GET":
            if parts[3] not in SERVICES:
                return self.error(404, "NOT_FOUND",
                                  "service '%s' is not configured" % parts[3])
            return self.ok(SERVICES[parts[3]])
        if (parts[:3] == ["api", "v1", "services"] and len(parts) == 7
                and parts[4] == "reals"):
            svc, real, kind = parts[3], parts[5], parts[6]
            if svc not in SERVICES:
                return self.error(404, "NOT_FOUND",
                                  "service '%s' is not configured" % svc)
            if real not in REALS:
                return self.error(404, "NOT_FOUND",
                                  "service '%s' has no real %s" % (svc, real))
            ov = dict(OVERRIDE, service=svc, real=real, kind=kind)
            if kind == "weight" and body:
                ov["value"] = body.get("weight")
            if kind == "health" and body:
                ov["value"] = body.get("state")
            if body and (body.get("for") or body.get("timeout")):
                ov["expires"] = "2026-12-06T21:00:00Z"
            if m == "DELETE":
                return self.ok({"removed": ov})
            if kind == "drain" and real == "10.0.1.1:80" and svc == "dns":
                return self.error(409, "ALREADY_EXISTS", "already drained")
            return self.ok(ov)
        return self.error(404, "NOT_FOUND", "no route %s %s" % (m, url.path))

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        sock, _ = super().get_request()
        return sock, ("local", 0)  # BaseHTTPRequestHandler wants a pair


if os.path.exists(SOCK):
    os.unlink(SOCK)
srv = Server(SOCK, Handler)
# SIGTERM ends serve_forever through SystemExit, so the socket is removed.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("ready", flush=True)
try:
    srv.serve_forever()
finally:
    os.unlink(SOCK)
