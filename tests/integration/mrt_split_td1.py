#!/usr/bin/env python3
"""mrt_split_td1.py IN.gz OUT

Rewrites the RIPE RIS 2000-era TABLE_DUMP file, whose records batch several
entries after one view/sequence header and declare lengths 4 bytes short, as
standard RFC 6396 records (one entry each, correct length), so that Debian's
bgpdump can read it whole. Written independently of blackout's reader, to check
that reader's output on the original file."""
import gzip
import struct
import sys

data = gzip.open(sys.argv[1]).read()
out = bytearray()
off = 0
while off + 12 <= len(data):
    t, typ, sub, length = struct.unpack(">IHHI", data[off:off + 12])
    assert typ == 12 and sub == 1, (off, typ, sub)
    body = data[off + 12:off + 12 + length + 4]
    view_seq, p = body[:4], 4
    while p < len(body):
        alen = struct.unpack(">H", body[p + 16:p + 18])[0]
        entry = body[p:p + 18 + alen]
        p += 18 + alen
        rec = view_seq + entry
        out += struct.pack(">IHHI", t, typ, sub, len(rec)) + rec
    assert p == len(body), off
    off += 12 + length + 4
assert off == len(data)
open(sys.argv[2], "wb").write(out)
