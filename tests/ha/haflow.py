#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Traffic for the HA lab: an echo service whose every answer needs the load
balancer's path at that moment (the client's bytes go through the VIP, the
echo comes back by DSR), so a failover shows as a stall or a reset.

  serve NAME ADDR...            on a backend: TCP 7000 on every ADDR; each
                                connection gets "NAME\\n", then its bytes
                                echoed
  flow ADDR PORT STATUS SECS [AFTER]
                                on the client: one connection; 64 bytes every
                                10 ms; every 50 ms (and at the end) STATUS
                                gets one line "NAME SENT ECHOED STATE
                                SENT_AT_MARK ECHOED_AT_MARK GAP_MS SPORT"
                                where STATE
                                is ok, reset, eof or error and GAP_MS the
                                longest wait between two echoes since the
                                mark. SIGUSR1 sets the mark (the failover);
                                SIGTERM, SECS, or AFTER seconds after the
                                mark end it.
"""
import os
import selectors
import signal
import socket
import sys
import threading
import time

MSG = b"m" * 64


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(name, addrs):
    hello = (name + "\n").encode()

    def echo(conn):
        try:
            conn.sendall(hello)
            while True:
                d = conn.recv(65536)
                if not d:
                    break
                conn.sendall(d)
        except OSError:
            pass
        finally:
            conn.close()

    def accept(ls):
        while True:
            c, _ = ls.accept()
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=echo, args=(c,), daemon=True).start()

    threads = []
    for a in addrs:
        ls = socket.socket(family(a), socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a, 7000))
        ls.listen(64)
        t = threading.Thread(target=accept, args=(ls,), daemon=True)
        t.start()
        threads.append(t)
    print("ready", flush=True)
    for t in threads:
        t.join()


def attempt(st, op):
    """op() on the non-blocking socket; None when it would block. A reset or
    another error ends the connection: st["state"] says which."""
    try:
        return op()
    except BlockingIOError:
        return None
    except ConnectionResetError:
        st["state"] = "reset"
    except OSError:
        st["state"] = "error"
    return None


def flow(addr, port, status, secs, after):
    st = {"name": "?", "sent": 0, "echoed": 0, "state": "ok",
          "sent_mark": 0, "echoed_mark": 0, "gap": 0.0,
          "last": time.monotonic(), "mark": 0, "sport": 0}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))

    def mark(*_):
        st["mark"] = time.monotonic()
        st["sent_mark"], st["echoed_mark"] = st["sent"], st["echoed"]
        st["gap"] = 0.0

    signal.signal(signal.SIGUSR1, mark)

    def write():
        tmp = status + ".tmp"
        with open(tmp, "w") as f:
            f.write("%s %d %d %s %d %d %d %d\n" % (
                st["name"], st["sent"], st["echoed"], st["state"],
                st["sent_mark"], st["echoed_mark"], int(st["gap"] * 1000),
                st["sport"]))
        os.rename(tmp, status)

    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(3)
    buf = b""
    try:
        s.connect((addr, port))
        st["sport"] = s.getsockname()[1]
        while b"\n" not in buf:
            d = s.recv(4096)
            if not d:
                raise OSError("eof before the name")
            buf += d
    except OSError:
        st["state"] = "error"
        write()
        return 1
    st["name"], buf = buf.split(b"\n", 1)[0].decode(), b""
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ)
    now = time.monotonic()
    end = now + secs
    next_send = now
    next_write = now
    st["last"] = now
    while not stop and st["state"] == "ok" and time.monotonic() < end:
        now = time.monotonic()
        if after and st["mark"] and now >= st["mark"] + after:
            break
        if now >= next_send:
            next_send += 0.01
            n = attempt(st, lambda: s.send(MSG))
            if st["state"] != "ok":
                break
            st["sent"] += n or 0
        timeout = max(0.0, min(next_send, next_write) - time.monotonic())
        for _ in sel.select(timeout):
            d = attempt(st, lambda: s.recv(65536))
            if st["state"] != "ok":
                break
            if d is None:
                continue
            if not d:
                st["state"] = "eof"
                break
            t = time.monotonic()
            st["gap"] = max(st["gap"], t - st["last"])
            st["last"] = t
            st["echoed"] += len(d)
        now = time.monotonic()
        if now >= next_write:
            next_write = now + 0.05
            # a stall still going on counts too
            st["gap"] = max(st["gap"], now - st["last"])
            write()
    write()
    s.close()
    return 0


def main(argv):
    if len(argv) >= 4 and argv[1] == "serve":
        serve(argv[2], argv[3:])
    elif len(argv) in (6, 7) and argv[1] == "flow":
        return flow(argv[2], int(argv[3]), argv[4], float(argv[5]),
                    float(argv[6]) if len(argv) == 7 else 0)
    else:
        sys.stderr.write(__doc__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
