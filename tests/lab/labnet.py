#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Traffic for the lab: backend servers and the client's measurements.

  serve NAME ADDR...            on a backend: HTTP on TCP 80 (the body is
                                NAME), a byte stream on TCP 9000 (NAME, then
                                1 KiB every 20 ms), a UDP echo of NAME on 53,
                                each bound to every ADDR (so UDP replies leave
                                from the address asked: the VIP in DSR)
  spread tcp|udp ADDR PORT N [BASE]
                                on the client: N new connections (a new
                                source port each: BASE, BASE + 1, ... when
                                given, else the kernel's), print "NAME COUNT"
                                lines ("error COUNT" for failures)
  hold ADDR PORT N STATUS SECS  on the client: N long-lived stream
                                connections; every 100 ms STATUS gets one line
                                per connection: "INDEX NAME BYTES STATE
                                IDLE_MS" (STATE ok, reset, eof, error); ends
                                on SIGTERM or after SECS
"""
import os
import selectors
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(name, addrs):
    body = (name + "\n").encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    def stream(conn):
        try:
            conn.sendall(body)
            chunk = b"x" * 1024
            while True:
                conn.sendall(chunk)
                time.sleep(0.02)
        except OSError:
            pass
        finally:
            conn.close()

    def stream_accept(ls):
        while True:
            c, _ = ls.accept()
            threading.Thread(target=stream, args=(c,), daemon=True).start()

    sel = selectors.DefaultSelector()
    for a in addrs:
        fam = family(a)
        Server.address_family = fam
        srv = Server((a, 80), Handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a, 9000))
        ls.listen(512)
        threading.Thread(target=stream_accept, args=(ls,), daemon=True).start()
        us = socket.socket(fam, socket.SOCK_DGRAM)
        us.bind((a, 53))
        sel.register(us, selectors.EVENT_READ)
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            try:
                _, peer = key.fileobj.recvfrom(2048)
                key.fileobj.sendto(body, peer)
            except OSError:
                pass


def bind_src(s, addr, sport):
    if sport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::" if ":" in addr else "0.0.0.0", sport))


def one_tcp(addr, port, sport):
    with socket.socket(family(addr), socket.SOCK_STREAM) as s:
        s.settimeout(2)
        bind_src(s, addr, sport)
        s.connect((addr, port))
        s.sendall(b"GET / HTTP/1.0\r\nHost: lab\r\n\r\n")
        data = b""
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
        return data.split(b"\r\n\r\n", 1)[1].decode().strip()


def one_udp(addr, port, sport):
    with socket.socket(family(addr), socket.SOCK_DGRAM) as s:
        s.settimeout(1)
        bind_src(s, addr, sport)
        s.connect((addr, port))
        for _ in range(3):  # a datagram may meet an unresolved neighbour
            s.send(b"who")
            try:
                return s.recv(2048).decode().strip()
            except socket.timeout:
                continue
        raise OSError("no answer")


def spread(proto, addr, port, n, base):
    counts = {}
    one = one_tcp if proto == "tcp" else one_udp
    for i in range(n):
        try:
            k = one(addr, port, base + i if base else 0)
        except (OSError, IndexError):
            k = "error"
        counts[k] = counts.get(k, 0) + 1
    for k in sorted(counts):
        print(k, counts[k])


def hold(addr, port, n, status, secs):
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(n):
        s = socket.socket(family(addr), socket.SOCK_STREAM)
        s.settimeout(3)
        c = {"i": i, "name": "?", "bytes": 0, "state": "ok",
             "last": time.monotonic(), "buf": b""}
        try:
            s.connect((addr, port))
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, c)
        except OSError:
            c["state"] = "error"
        conns.append(c)
    end = time.monotonic() + secs
    next_write = 0
    while not stop and time.monotonic() < end:
        for key, _ in sel.select(0.05):
            c = key.data
            try:
                d = key.fileobj.recv(65536)
            except ConnectionResetError:
                d, c["state"] = None, "reset"
            except OSError:
                d, c["state"] = None, "error"
            if d == b"" and c["state"] == "ok":
                c["state"] = "eof"
            if not d:
                sel.unregister(key.fileobj)
                key.fileobj.close()
                continue
            c["last"] = time.monotonic()
            c["bytes"] += len(d)
            if c["name"] == "?":
                c["buf"] += d
                if b"\n" in c["buf"]:
                    c["name"] = c["buf"].split(b"\n")[0].decode()
                    c["buf"] = b""
        now = time.monotonic()
        if now >= next_write:
            next_write = now + 0.1
            tmp = status + ".tmp"
            with open(tmp, "w") as f:
                for c in conns:
                    f.write("%d %s %d %s %d\n" % (
                        c["i"], c["name"], c["bytes"], c["state"],
                        int((now - c["last"]) * 1000)))
            os.rename(tmp, status)


def main(argv):
    if len(argv) >= 3 and argv[1] == "serve":
        serve(argv[2], argv[3:])
    elif len(argv) in (6, 7) and argv[1] == "spread":
        spread(argv[2], argv[3], int(argv[4]), int(argv[5]),
               int(argv[6]) if len(argv) == 7 else 0)
    elif len(argv) == 7 and argv[1] == "hold":
        hold(argv[2], int(argv[3]), int(argv[4]), argv[5], float(argv[6]))
    else:
        sys.stderr.write(__doc__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
