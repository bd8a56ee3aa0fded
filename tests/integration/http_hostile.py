#!/usr/bin/env python3
"""http_hostile.py - HTTP clients that abuse the watcher's API, for tests.

  http_hostile.py MODE HOST:PORT [--bind ADDR] [--count N] [--timeout S]

Loopback only. Modes, each printing one line "MODE: RESULT after N.N s":
  huge-url      GET with a 1 MB path; RESULT is the status line, or "closed"
  huge-headers  a valid request line, then 1 MB of headers
  huge-body     POST with Content-Length 1000000 and 1 MB of body
  get-body      GET with Content-Length 1000000 and 1 MB of body
  slowloris     a request line, then one header byte every 0.5 s, never the
                blank line; RESULT "closed" when the server gives up
  idle          opens --count connections and sends nothing; prints how many
                the server closed at once ("refused"), then waits until all
                are closed and prints "all N closed after S s" (or "open")
Exit 0 when the server answered with an error status or closed the
connection within --timeout, 1 if it was still waiting (or answered 200)."""
import argparse
import select
import socket
import sys
import time

MB = 1 << 20


def status_or_closed(s, deadline):
    """The status line of the answer, or "closed"/"timeout"."""
    data = b""
    while time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            break
        try:
            chunk = s.recv(4096)
        except (ConnectionResetError, OSError):
            return "closed" if not data else data.split(b"\r\n")[0].decode(errors="replace")
        if not chunk:
            return "closed" if not data else data.split(b"\r\n")[0].decode(errors="replace")
        data += chunk
        if b"\r\n" in data:
            return data.split(b"\r\n")[0].decode(errors="replace")
    return "timeout"


def send_all(s, data, deadline):
    """Sends what the server takes; stops when it closes or the deadline passes."""
    view = memoryview(data)
    while view and time.monotonic() < deadline:
        _, w, _ = select.select([], [s], [], 0.2)
        if not w:
            continue
        try:
            n = s.send(view[:65536])
        except (BrokenPipeError, ConnectionResetError):
            return False
        view = view[n:]
    return True


def connect(a, host, port):
    s = socket.socket()
    s.bind((a.bind, 0))
    s.connect((host, port))
    s.setblocking(False)
    return s


def one(a, host, port):
    t0 = time.monotonic()
    deadline = t0 + a.timeout
    s = connect(a, host, port)
    hosthdr = b"Host: 127.0.0.1\r\n"
    if a.mode == "huge-url":
        send_all(s, b"GET /" + b"a" * MB + b" HTTP/1.1\r\n" + hosthdr + b"\r\n", deadline)
    elif a.mode == "huge-headers":
        hdrs = b"".join(b"X-Junk-%d: %s\r\n" % (i, b"b" * 1000) for i in range(MB // 1000))
        send_all(s, b"GET /api/v1/entities HTTP/1.1\r\n" + hosthdr + hdrs + b"\r\n", deadline)
    elif a.mode in ("huge-body", "get-body"):
        verb = b"POST" if a.mode == "huge-body" else b"GET"
        send_all(s, verb + b" /api/v1/entities HTTP/1.1\r\n" + hosthdr +
                 b"Content-Length: 1000000\r\n\r\n" + b"z" * 1000000, deadline)
    elif a.mode == "slowloris":
        send_all(s, b"GET /api/v1/entities HTTP/1.1\r\n" + hosthdr, deadline)
        trickle = b"X-Slow: " + b"s" * 10000
        for byte in trickle:
            if time.monotonic() > deadline:
                break
            r, _, _ = select.select([s], [], [], 0.5)
            if r:
                break  # the server answered or closed
            try:
                s.send(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                break
    res = status_or_closed(s, deadline)
    s.close()
    took = time.monotonic() - t0
    print("%s: %s after %.1f s" % (a.mode, res, took), flush=True)
    return res != "timeout" and " 200 " not in res


def idle(a, host, port):
    t0 = time.monotonic()
    socks = []
    for _ in range(a.count):
        try:
            socks.append(connect(a, host, port))
        except OSError:
            pass
    time.sleep(0.5)
    open_ = []
    for s in socks:
        r, _, _ = select.select([s], [], [], 0)
        gone = False
        if r:
            try:
                gone = s.recv(1) == b""
            except OSError:
                gone = True
        (s.close() if gone else open_.append(s))
    print("idle: %d connections, %d refused at once, %d held" %
          (len(socks), len(socks) - len(open_), len(open_)), flush=True)
    deadline = t0 + a.timeout
    while open_ and time.monotonic() < deadline:
        r, _, _ = select.select(open_, [], [], 0.5)
        for s in r:
            try:
                data = s.recv(1)
            except OSError:
                data = b""
            if data == b"":
                s.close()
                open_.remove(s)
    took = time.monotonic() - t0
    if open_:
        print("idle: %d still open after %.1f s" % (len(open_), took), flush=True)
        return False
    print("idle: all %d closed after %.1f s" % (len(socks), took), flush=True)
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["huge-url", "huge-headers", "huge-body", "get-body",
                                     "slowloris", "idle"])
    ap.add_argument("target")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()
    host, port = a.target.rsplit(":", 1)
    if not (host.startswith("127.") and a.bind.startswith("127.")):
        sys.exit("loopback only")
    good = idle(a, host, int(port)) if a.mode == "idle" else one(a, host, int(port))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
