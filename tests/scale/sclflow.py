#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Traffic and watchers for the scale-out lab (tests/scale/scllab.sh); the
backends run tests/ha/haflow.py's echo servers (TCP 7000, "NAME\\n" first).

  hold ADDR PORT N STATUS SECS  on the client: N long-lived connections in
                                one process; each sends 16 bytes every 100 ms
                                and checks they come back. Every 100 ms
                                STATUS gets "ready CONNECTED" and one line per
                                connection "INDEX NAME SENT ECHOED STATE
                                WAIT_MS MAXWAIT_MS" (STATE ok, reset, eof,
                                error, mismatch; WAIT_MS how long the oldest
                                unanswered message has waited, MAXWAIT_MS the
                                longest wait so far). SIGUSR1 resets MAXWAIT.
                                Ends on SIGTERM or after SECS.
  routes PREFIX OUT             in the router: subscribe to IPv4 route events
                                and append "USEC NEXTHOPS" to OUT whenever the
                                route to PREFIX (a.b.c.d/32) changes (USEC:
                                wall clock when read; 0 next hops: deleted);
                                prints "ready" once subscribed
"""
import os
import selectors
import signal
import socket
import struct
import sys
import time

MSG = b"0123456789abcdef"


def hold(addr, port, n, status, secs):
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    reset_max = []
    signal.signal(signal.SIGUSR1, lambda *a: reset_max.append(1))
    sel = selectors.DefaultSelector()
    conns = []
    connected = 0
    for i in range(n):
        c = {"i": i, "name": "?", "sent": 0, "echoed": 0, "state": "ok",
             "buf": b"", "pending": [], "maxwait": 0.0, "s": None}
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(3)
        try:
            s.connect((addr, port))
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, c)
            c["s"] = s
            connected += 1
        except OSError:
            c["state"] = "error"
            s.close()
        conns.append(c)
    end = time.monotonic() + secs
    next_send = 0.0
    next_write = 0.0

    def close(c, state):
        if c["state"] == "ok":
            c["state"] = state
        if c["s"] is not None:
            sel.unregister(c["s"])
            c["s"].close()
            c["s"] = None

    while not stop and time.monotonic() < end:
        for key, _ in sel.select(0.02):
            c = key.data
            try:
                d = key.fileobj.recv(65536)
            except ConnectionResetError:
                close(c, "reset")
                continue
            except BlockingIOError:
                continue
            except OSError:
                close(c, "error")
                continue
            if not d:
                close(c, "eof")
                continue
            c["buf"] += d
            if c["name"] == "?":
                if b"\n" not in c["buf"]:
                    continue
                line, c["buf"] = c["buf"].split(b"\n", 1)
                c["name"] = line.decode(errors="replace")
            while len(c["buf"]) >= len(MSG) and c["pending"]:
                if c["buf"][:len(MSG)] != MSG:
                    close(c, "mismatch")
                    break
                c["buf"] = c["buf"][len(MSG):]
                t = c["pending"].pop(0)
                c["maxwait"] = max(c["maxwait"], time.monotonic() - t)
                c["echoed"] += 1
        now = time.monotonic()
        if reset_max:
            reset_max.clear()
            for c in conns:
                c["maxwait"] = 0.0
        if now >= next_send:
            next_send = now + 0.1
            for c in conns:
                if c["s"] is None:
                    continue
                try:
                    # 16 bytes always fit in the send buffer; a failed send
                    # is the connection's end.
                    c["s"].send(MSG)
                    c["pending"].append(now)
                    c["sent"] += 1
                except BlockingIOError:
                    pass
                except ConnectionResetError:
                    close(c, "reset")
                except OSError:
                    close(c, "error")
        if now >= next_write:
            next_write = now + 0.1
            tmp = status + ".tmp"
            with open(tmp, "w") as f:
                f.write("ready %d\n" % connected)
                for c in conns:
                    wait = now - c["pending"][0] if c["pending"] else 0.0
                    f.write("%d %s %d %d %s %d %d\n" % (
                        c["i"], c["name"], c["sent"], c["echoed"],
                        c["state"], int(wait * 1000),
                        int(max(c["maxwait"], wait) * 1000)))
            os.rename(tmp, status)


RTMGRP_IPV4_ROUTE = 0x40
RTM_NEWROUTE, RTM_DELROUTE = 24, 25
RTA_DST, RTA_GATEWAY, RTA_MULTIPATH = 1, 5, 9


def nexthops(attrs):
    """Next hops of one route message's attributes."""
    mp = attrs.get(RTA_MULTIPATH)
    if mp is None:
        return 1
    n, off = 0, 0
    while off + 8 <= len(mp):
        rtnh_len = struct.unpack_from("H", mp, off)[0]
        if rtnh_len < 8:
            break
        n += 1
        off += (rtnh_len + 3) & ~3
    return n


def routes(prefix, out):
    dst, plen = prefix.split("/")
    want = socket.inet_aton(dst)
    plen = int(plen)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((0, RTMGRP_IPV4_ROUTE))
    print("ready", flush=True)
    with open(out, "a") as f:
        while True:
            data = s.recv(1 << 16)
            usec = int(time.time() * 1e6)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype = struct.unpack_from("IH", data, off)
                if mlen < 16:
                    break
                body = data[off + 16:off + mlen]
                off += (mlen + 3) & ~3
                if mtype not in (RTM_NEWROUTE, RTM_DELROUTE) or len(body) < 12:
                    continue
                fam, dlen = body[0], body[1]
                if fam != socket.AF_INET or dlen != plen:
                    continue
                attrs, a = {}, 12
                while a + 4 <= len(body):
                    alen, atype = struct.unpack_from("HH", body, a)
                    if alen < 4:
                        break
                    attrs[atype & 0x3fff] = body[a + 4:a + alen]
                    a += (alen + 3) & ~3
                if attrs.get(RTA_DST) != want:
                    continue
                n = nexthops(attrs) if mtype == RTM_NEWROUTE else 0
                f.write("%d %d\n" % (usec, n))
                f.flush()


def main(argv):
    if len(argv) == 7 and argv[1] == "hold":
        hold(argv[2], int(argv[3]), int(argv[4]), argv[5], float(argv[6]))
    elif len(argv) == 4 and argv[1] == "routes":
        routes(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
