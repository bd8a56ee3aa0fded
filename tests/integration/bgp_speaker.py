#!/usr/bin/env python3
"""bgp_speaker.py - a small, deliberately misbehaving BGP speaker for tests.

Connects from --bind to --connect (loopback only), then, by --mode:
  stranger   just waits: prints what the collector sends before it closes
             ("NOTIFICATION 6/5", then "closed")
  malformed  does the OPEN/KEEPALIVE exchange, sends one good UPDATE, then the
             UPDATE named by --bad (origin: ORIGIN value 7; aspath: an AS_PATH
             segment of type 9) and prints the NOTIFICATION it gets back and
             "closed" when the collector drops the session
  good       does the exchange, sends one good UPDATE, keeps the session up
             (KEEPALIVEs) for --hold-for seconds, then closes
Every line it prints is for the test to check. Exit 0 when the exchange went
as described, 1 otherwise. Bounded in time (--timeout)."""
import argparse
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(typ, body=b""):
    return MARKER + struct.pack(">HB", 19 + len(body), typ) + body


def open_msg(asn, router_id, hold):
    caps = b"\x41\x04" + struct.pack(">I", asn)            # 4-byte ASN
    caps += b"\x01\x04\x00\x01\x00\x01"                     # MP IPv4 unicast
    params = b"\x02" + bytes([len(caps)]) + caps
    rid = socket.inet_aton(router_id)
    return msg(1, struct.pack(">BHH", 4, asn if asn < 65536 else 23456, hold) + rid +
               bytes([len(params)]) + params)


def update(prefix, plen, origin=0, segtype=2, asn=65004):
    path = bytes([segtype, 1]) + struct.pack(">I", asn)
    attrs = b"\x40\x01\x01" + bytes([origin])
    attrs += b"\x40\x02" + bytes([len(path)]) + path
    attrs += b"\x40\x03\x04" + socket.inet_aton("198.51.100.4")
    nlri = bytes([plen]) + socket.inet_aton(prefix)[:(plen + 7) // 8]
    return msg(2, b"\x00\x00" + struct.pack(">H", len(attrs)) + attrs + nlri)


def read_msg(sock):
    """Returns (type, body), or None when the connection is closed."""
    head = b""
    while len(head) < 19:
        chunk = sock.recv(19 - len(head))
        if not chunk:
            return None
        head += chunk
    length, typ = struct.unpack(">HB", head[16:19])
    body = b""
    while len(body) < length - 19:
        chunk = sock.recv(length - 19 - len(body))
        if not chunk:
            return None
        body += chunk
    return typ, body


def show(m):
    if m is None:
        print("closed", flush=True)
    elif m[0] == 3:
        print(f"NOTIFICATION {m[1][0]}/{m[1][1]}", flush=True)
    else:
        print(f"message type {m[0]}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--connect", required=True)
    ap.add_argument("--asn", type=int, default=65004)
    ap.add_argument("--router-id", default="198.51.100.4")
    ap.add_argument("--mode", choices=["stranger", "malformed", "good"], required=True)
    ap.add_argument("--bad", choices=["origin", "aspath"], default="origin")
    ap.add_argument("--hold-for", type=float, default=2.0)
    ap.add_argument("--timeout", type=float, default=20.0)
    a = ap.parse_args()
    host, port = a.connect.rsplit(":", 1)
    if not (host.startswith("127.") or a.bind.startswith("127.")):
        sys.exit("loopback only")
    s = socket.socket()
    s.settimeout(a.timeout)
    s.bind((a.bind, 0))
    s.connect((host, int(port)))
    if a.mode == "stranger":
        while True:
            m = read_msg(s)
            show(m)
            if m is None:
                return 0
    s.sendall(open_msg(a.asn, a.router_id, 9))
    m = read_msg(s)
    if m is None or m[0] != 1:
        show(m)
        return 1
    print("OPEN received", flush=True)
    s.sendall(msg(4))
    m = read_msg(s)
    if m is None or m[0] != 4:
        show(m)
        return 1
    print("established", flush=True)
    s.sendall(update("198.51.100.0", 24))
    if a.mode == "good":
        end = time.time() + a.hold_for
        while time.time() < end:
            time.sleep(0.5)
            s.sendall(msg(4))
        s.close()
        print("done", flush=True)
        return 0
    if a.bad == "origin":
        s.sendall(update("198.51.100.0", 25, origin=7))
    else:
        s.sendall(update("198.51.100.128", 25, segtype=9))
    got_notification = False
    while True:
        m = read_msg(s)
        if m is not None and m[0] == 4:
            continue  # a keepalive may come first
        show(m)
        if m is None:
            return 0 if got_notification else 1
        got_notification = m[0] == 3


if __name__ == "__main__":
    sys.exit(main())
