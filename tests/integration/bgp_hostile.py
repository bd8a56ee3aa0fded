#!/usr/bin/env python3
"""bgp_hostile.py - a configured BGP peer that misbehaves, for the watcher's tests.

Connects from --bind to --connect (loopback only) --repeat times, and by --mode:
  garbage      sends 4096 random bytes (no BGP marker) at once
  long-length  after the OPEN/KEEPALIVE exchange, a header whose length field
               says 65535 (more than the 4096 a session without extended
               messages allows), followed by 8 KiB of that "message"
  huge-update  after the exchange, UPDATEs of exactly 4096 bytes, the largest
               allowed, with an absurd but well-formed attribute set: an
               AS_PATH of three 255-AS segments, 100 COMMUNITIES and an
               unknown optional transitive attribute filling the rest; then
               a KEEPALIVE and a clean close (the session should survive)
  absurd       after the exchange, a 4096-byte UPDATE whose attributes claim
               more bytes than the message holds
  stall        after the exchange (hold time 0 offered, so no hold timer),
               the first 100 bytes of an UPDATE, then nothing: waits for the
               collector to drop the session
  stall-open   sends the first 20 bytes of an OPEN, then nothing
For each connection it prints what the collector answered ("NOTIFICATION c/s",
"closed", "survived") and, for the stall modes, "after N.N s". Exit 0 when
every connection ended the way the mode expects (the collector sent a
NOTIFICATION and closed, or for huge-update: no NOTIFICATION at all), else 1.
Bounded in time (--timeout per connection)."""
import argparse
import random
import socket
import struct
import sys
import time

from bgp_speaker import msg, open_msg, read_msg, show


def attr(flags, typ, body):
    if len(body) > 255:
        return bytes([flags | 0x10, typ]) + struct.pack(">H", len(body)) + body
    return bytes([flags, typ, len(body)]) + body


def huge_update(total=4096):
    """An UPDATE of exactly `total` bytes, well-formed, with absurd attributes."""
    attrs = attr(0x40, 1, b"\x00")                                    # ORIGIN IGP
    segs = b"".join(bytes([2, 255]) + b"".join(struct.pack(">I", 65002 + i * 255 + k)
                                                for k in range(255)) for i in range(3))
    attrs += attr(0x40, 2, segs)                                      # AS_PATH, 765 ASes
    attrs += attr(0x40, 3, socket.inet_aton("198.51.100.2"))          # NEXT_HOP
    attrs += attr(0xC0, 8, b"".join(struct.pack(">HH", 65002, i) for i in range(100)))
    nlri = bytes([24]) + socket.inet_aton("203.0.113.0")[:3]
    fixed = 19 + 2 + 2 + len(attrs) + len(nlri)
    pad = total - fixed - 4                                           # 4: flags, type, 2-byte length
    attrs += attr(0xC0, 200, bytes(random.randrange(256) for _ in range(pad)))
    m = msg(2, b"\x00\x00" + struct.pack(">H", len(attrs)) + attrs + nlri)
    assert len(m) == total, len(m)
    return m


def absurd_update(total=4096):
    """4096 bytes whose last attribute claims 60000 bytes."""
    attrs = attr(0x40, 1, b"\x00")
    body_room = total - 19 - 4 - len(attrs) - 4
    attrs += bytes([0xD0, 201]) + struct.pack(">H", 60000) + b"\xaa" * body_room
    m = msg(2, b"\x00\x00" + struct.pack(">H", len(attrs)) + attrs)
    assert len(m) == total, len(m)
    return m


def establish(s, asn, hold):
    s.sendall(open_msg(asn, "198.51.100.%d" % (asn % 250 + 1), hold))
    m = read_msg(s)
    if m is None or m[0] != 1:
        show(m)
        return False
    s.sendall(msg(4))
    m = read_msg(s)
    if m is None or m[0] != 4:
        show(m)
        return False
    return True


def until_closed(s):
    """Reads until the collector closes; True if a NOTIFICATION came first."""
    notified = False
    while True:
        m = read_msg(s)
        if m is not None and m[0] == 4:
            continue
        show(m)
        if m is None:
            return notified
        notified = notified or m[0] == 3


def one(a, host, port, n):
    s = socket.socket()
    s.settimeout(a.timeout)
    s.bind((a.bind, 0))
    s.connect((host, port))
    try:
        if a.mode == "garbage":
            s.sendall(random.Random(n).randbytes(4096))
            return until_closed(s)
        if a.mode == "stall-open":
            s.sendall(open_msg(a.asn, "198.51.100.9", 90)[:20])
            t0 = time.monotonic()
            r = until_closed(s)
            print("after %.1f s" % (time.monotonic() - t0), flush=True)
            return r
        if not establish(s, a.asn, 0 if a.mode == "stall" else 90):
            return False
        if a.mode == "long-length":
            s.sendall(b"\xff" * 16 + struct.pack(">HB", 65535, 2) + b"\x00" * 8192)
            return until_closed(s)
        if a.mode == "absurd":
            s.sendall(absurd_update())
            return until_closed(s)
        if a.mode == "stall":
            s.sendall(huge_update()[:100])
            t0 = time.monotonic()
            r = until_closed(s)
            print("after %.1f s" % (time.monotonic() - t0), flush=True)
            return r
        # huge-update: the session must survive a burst of maximal UPDATEs
        m = huge_update()
        for _ in range(a.updates):
            s.sendall(m)
        s.sendall(msg(4))
        s.settimeout(1.0)
        try:
            got = read_msg(s)
        except socket.timeout:
            got = "survived"
        if got == "survived" or (got is not None and got[0] == 4):
            print("survived", flush=True)
            s.sendall(msg(3, b"\x06\x02"))  # Cease / administrative shutdown
            return True
        show(got)
        return False
    except (ConnectionResetError, BrokenPipeError):
        print("closed (reset)", flush=True)
        return a.mode != "huge-update"
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--connect", required=True)
    ap.add_argument("--asn", type=int, required=True)
    ap.add_argument("--mode", required=True, choices=["garbage", "long-length", "huge-update",
                                                      "absurd", "stall", "stall-open"])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--updates", type=int, default=100, help="huge-update: UPDATEs per session")
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()
    host, port = a.connect.rsplit(":", 1)
    if not (host.startswith("127.") and a.bind.startswith("127.")):
        sys.exit("loopback only")
    good = 0
    for n in range(a.repeat):
        try:
            good += bool(one(a, host, int(port), n))
        except socket.timeout:
            print("timeout: the collector neither answered nor closed", flush=True)
    print("%d/%d as expected" % (good, a.repeat), flush=True)
    return 0 if good == a.repeat else 1


if __name__ == "__main__":
    sys.exit(main())
