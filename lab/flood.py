#!/usr/bin/python3
"""lab/flood.py - a paced UDP flood for the lab's attacker namespace.

Sends UDP datagrams to one lab address at a fixed rate (bits per second,
counting IP and UDP headers) for a bounded time, then stops. With --vary it
picks a new random rate in [LOW, HIGH] every SLOT seconds (cross traffic that
makes the border queue, and so the RTT, jitter). Run it inside a lab
namespace only (lab/scenario does, under `timeout`).

  flood.py --to ADDR --rate 4M --seconds 30 [--port 9] [--size 1000]
  flood.py --to ADDR --vary 0.2M:2.6M:0.2 --seconds 70

Rates take k/M/G suffixes (powers of ten). Prints one summary line at the end.
"""
import argparse
import random
import socket
import sys
import time

SUFFIX = {"": 1, "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "g": 1e9, "G": 1e9}


def parse_rate(text):
    """'4M' -> 4e6 bits/s; raises ValueError naming what was expected."""
    t = text.strip()
    for end in ("bit", "bps"):
        if t.endswith(end):
            t = t[: -len(end)]
    unit = t[-1:] if t[-1:] in SUFFIX and not t[-1:].isdigit() else ""
    num = t[: len(t) - len(unit)]
    value = float(num) * SUFFIX[unit]
    if value <= 0:
        raise ValueError(f"rate must be positive: {text!r}")
    return value


def parse_args(argv):
    p = argparse.ArgumentParser(description="paced, bounded UDP flood (lab only)")
    p.add_argument("--to", required=True, help="destination address (a lab address)")
    p.add_argument("--port", type=int, default=9)
    p.add_argument("--size", type=int, default=1000, help="IP packet size in bytes")
    p.add_argument("--rate", help="bits per second, e.g. 4M")
    p.add_argument("--vary", help="LOW:HIGH:SLOT - random rate per slot")
    p.add_argument("--seconds", type=float, required=True, help="stop after this long")
    a = p.parse_args(argv)
    if (a.rate is None) == (a.vary is None):
        p.error("give exactly one of --rate and --vary")
    if not 0 < a.seconds <= 3600:
        p.error("--seconds must be in (0, 3600]")
    try:
        if a.rate:
            a.low = a.high = parse_rate(a.rate)
            a.slot = a.seconds
        else:
            low, high, slot = a.vary.split(":")
            a.low, a.high, a.slot = parse_rate(low), parse_rate(high), float(slot)
            if a.low > a.high or a.slot <= 0:
                raise ValueError(f"--vary {a.vary!r}: expected LOW<=HIGH and SLOT>0")
    except ValueError as e:
        p.error(str(e))
    return a


def main(argv):
    a = parse_args(argv)
    fam = socket.AF_INET6 if ":" in a.to else socket.AF_INET
    header = 48 if fam == socket.AF_INET6 else 28
    payload = b"\0" * max(0, a.size - header)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setblocking(False)
    start = time.monotonic()
    end = start + a.seconds
    sent = errors = 0
    bits = 0.0
    next_send = start
    slot_end = start
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if now >= slot_end:
            rate = random.uniform(a.low, a.high)
            interval = a.size * 8 / rate
            slot_end = now + a.slot
            next_send = max(next_send, now)
        if now < next_send:
            time.sleep(min(next_send - now, end - now))
            continue
        try:
            s.sendto(payload, (a.to, a.port))
            sent += 1
            bits += a.size * 8
        except (BlockingIOError, OSError):
            errors += 1  # queue full or unreachable: a flood does not care
        next_send += interval
    took = time.monotonic() - start
    print(f"flood: {sent} packets to {a.to} in {took:.1f} s "
          f"({bits / took / 1e6:.2f} Mbit/s), {errors} send errors", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
