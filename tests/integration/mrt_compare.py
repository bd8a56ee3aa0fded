#!/usr/bin/env python3
"""mrt_compare.py WANT GOT MASKED LEGACY_W

Compares `bgpdump -m` output (WANT) with `blackout mrt` output (GOT) line by
line. Lines must be identical except for the two documented bgpdump faults
(docs/mrt.md), each allowed an exact number of times:
  MASKED    lines where bgpdump keeps bits beyond the prefix length and
            blackout shows the prefix masked (RFC 4271 4.3);
  LEGACY_W  legacy `BGP|...|W|` lines where bgpdump prints the peer address
            in place of the withdrawn prefix.
Prints a one-line summary; exits 1 on any other difference."""
import ipaddress
import sys


def network(prefix, strict):
    try:
        return ipaddress.ip_network(prefix, strict=strict)
    except ValueError:
        return None


def main():
    want = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
    got = open(sys.argv[2], encoding="utf-8", errors="replace").read().splitlines()
    expect_masked, expect_legacy = int(sys.argv[3]), int(sys.argv[4])
    if len(want) != len(got):
        print(f"line count differs: bgpdump {len(want)}, blackout {len(got)}")
        return 1
    n_masked = n_legacy = 0
    for i, (a, b) in enumerate(zip(want, got), 1):
        if a == b:
            continue
        fa, fb = a.split("|"), b.split("|")
        same_elsewhere = len(fa) == len(fb) and len(fa) > 5 and all(
            x == y for k, (x, y) in enumerate(zip(fa, fb)) if k != 5)
        if same_elsewhere and fa[2] in ("A", "W", "B"):
            pa, pb = fa[5], fb[5]
            # bgpdump kept host bits (not a network strictly), blackout shows
            # the same network masked
            if network(pa, False) is not None and network(pa, True) is None and \
                    network(pb, True) is not None and network(pa, False) == network(pb, True):
                n_masked += 1
                continue
            if fa[0] == "BGP" and fa[2] == "W" and "/" in pa and \
                    pa.split("/")[0] == fa[3] and pa.split("/")[1] == pb.split("/")[1]:
                n_legacy += 1
                continue
        print(f"line {i} differs:\n  bgpdump:  {a}\n  blackout: {b}")
        return 1
    if (n_masked, n_legacy) != (expect_masked, expect_legacy):
        print(f"documented differences: {n_masked} masked prefixes (expected {expect_masked}), "
              f"{n_legacy} legacy withdrawals (expected {expect_legacy})")
        return 1
    print(f"{len(got)} lines, {n_masked} masked prefixes, {n_legacy} legacy withdrawals")
    return 0


if __name__ == "__main__":
    sys.exit(main())
