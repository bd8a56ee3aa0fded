#!/usr/bin/env bash
# `blackout bgp visibility` on archives: North Korea's prefixes in the real
# 2015 file (checked against bgpdump's own reading of it), and a RIB dump
# followed by updates, written here, where the prefix is withdrawn by every
# peer and comes back. Nothing is ever sent anywhere: archives only.
. "$TOP/tests/lib.sh"
D=$TOP/tests/data/mrt
T=$(tmpdir)
F=$D/updates.et-header.2015.gz

"$BLACKOUT" bgp visibility --prefix 175.45.176.0/22 --origin 131279 --bin 60 "$F" >"$T/nk.csv" 2>"$T/err"
expect_eq "visibility NK: exit 0" "$?" 0
expect_eq "visibility NK: header" "$(head -1 "$T/nk.csv")" "time,prefix,event,peers_seeing,peers_up,fraction,min_seeing,max_seeing"
# the first announcement of 175.45.176.0/22's /24s, as bgpdump reads the file
first=$(bgpdump -m "$F" 2>/dev/null | grep -E '\|A\|[^|]*\|[^|]*\|175\.45\.17[6-9]\.0/24\|' | head -1 | cut -d'|' -f2)
want=$(python3 -c "import datetime,sys; t=float(sys.argv[1]); print(datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % int(round(t % 1 * 1000 - 0.5)))" "$first")
got=$(grep ',visible,' "$T/nk.csv")
expect_eq "visibility NK: seen by the one peer when bgpdump shows the first /24 ($first)" "$got" "$want,175.45.176.0/22,visible,1,1,1.0000,1,1"
expect_eq "visibility NK: never withdrawn in this file" "$(grep -c ',withdrawn,' "$T/nk.csv")" 0
expect_eq "visibility NK: last bin sees it" "$(tail -1 "$T/nk.csv")" "2015-10-23T02:01:00Z,175.45.176.0/22,bin,1,1,1.0000,0,1"
# another origin: nobody sees it
"$BLACKOUT" bgp visibility --prefix 175.45.176.0/22 --origin AS4837 --bin 60 "$F" >"$T/other.csv"
expect_eq "visibility NK with origin AS4837: never seen" "$(grep -c ',visible,\|,bin,1,' "$T/other.csv")" 0
# JSON
"$BLACKOUT" bgp visibility --json --prefix 175.45.176.0/22 --bin 30 "$F" >"$T/nk.json"
if python3 -c "
import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
v=[r for r in rows if r['event']=='visible']
assert len(v)==1 and v[0]['peers_seeing']==1 and v[0]['fraction']==1.0, v
assert all(set(r)=={'time','unix','prefix','event','peers_seeing','peers_up','fraction','min_seeing','max_seeing'} for r in rows)
" "$T/nk.json"; then ok "visibility --json: rows parse, one visible change"; else fail "visibility --json" "$(head -3 "$T/nk.json")"; fi

# A RIB dump (3 peers, 2 of them see 203.0.113.0/24 from AS64511), then
# updates: both withdraw it (withdrawn by all), one announces it again (back),
# a third peer that only ever sent a keepalive is counted in the updates-only run.
python3 - "$T" <<'PY'
import struct, sys
T = sys.argv[1]
def hdr(t, typ, sub, body, usec=None):
    if usec is not None:
        return struct.pack(">IHHII", t, typ, sub, len(body) + 4, usec) + body
    return struct.pack(">IHHI", t, typ, sub, len(body)) + body
peers = [("198.51.100.1", 64501), ("198.51.100.2", 64502), ("198.51.100.3", 64503)]
ip = lambda s: bytes(int(x) for x in s.split("."))
idx = ip("198.51.100.254") + b"\0\0" + struct.pack(">H", len(peers))
for a, asn in peers:
    idx += b"\x02" + ip(a) + ip(a) + struct.pack(">I", asn)
def attrs(path):
    p = b"\x02" + bytes([len(path)]) + b"".join(struct.pack(">I", x) for x in path)
    return b"\x40\x01\x01\x00" + b"\x40\x02" + bytes([len(p)]) + p + b"\x40\x03\x04" + ip("198.51.100.9")
def rib(seq, prefix, plen, entries):
    body = struct.pack(">IB", seq, plen) + prefix + struct.pack(">H", len(entries))
    for i, path in entries:
        a = attrs(path)
        body += struct.pack(">HIH", i, 1700000000, len(a)) + a
    return body
t0 = 1700000000
rib_file = hdr(t0, 13, 1, idx)
rib_file += hdr(t0, 13, 2, rib(0, ip("203.0.113.0")[:3], 24, [(0, [64501, 64511]), (1, [64502, 64511])]))
rib_file += hdr(t0, 13, 2, rib(1, ip("192.0.2.0")[:3], 24, [(2, [64503, 64999])]))
open(T + "/rib.mrt", "wb").write(rib_file)
def bgp4mp(t, usec, peer, asn, msg):
    body = struct.pack(">IIHH", asn, 65000, 0, 1) + ip(peer) + ip("198.51.100.254") + msg
    return hdr(t, 17, 4, body, usec)
def update(withdrawn=b"", attr=b"", nlri=b""):
    body = struct.pack(">H", len(withdrawn)) + withdrawn + struct.pack(">H", len(attr)) + attr + nlri
    return b"\xff" * 16 + struct.pack(">HB", 19 + len(body), 2) + body
keepalive = b"\xff" * 16 + struct.pack(">HB", 19, 4)
nlri = b"\x18" + ip("203.0.113.0")[:3]
upd = bgp4mp(t0 + 100, 250000, "198.51.100.1", 64501, update(withdrawn=nlri))
upd += bgp4mp(t0 + 130, 500000, "198.51.100.2", 64502, update(withdrawn=nlri))
upd += bgp4mp(t0 + 140, 0, "198.51.100.3", 64503, keepalive)
upd += bgp4mp(t0 + 250, 0, "198.51.100.2", 64502, update(attr=attrs([64502, 64511]), nlri=nlri))
open(T + "/updates.mrt", "wb").write(upd)
PY
"$BLACKOUT" bgp visibility --prefix 203.0.113.0/24 --origin 64511 --bin 60 "$T/rib.mrt" "$T/updates.mrt" >"$T/r.csv"
expect_eq "visibility RIB+updates: exit 0" "$?" 0
cat >"$T/r.want" <<'CSV'
time,prefix,event,peers_seeing,peers_up,fraction,min_seeing,max_seeing
2023-11-14T22:13:20.000Z,203.0.113.0/24,visible,1,1,1.0000,1,1
2023-11-14T22:13:00Z,203.0.113.0/24,bin,2,3,0.6667,0,2
2023-11-14T22:14:00Z,203.0.113.0/24,bin,2,3,0.6667,2,2
2023-11-14T22:15:30.500Z,203.0.113.0/24,withdrawn,0,3,0.0000,0,0
2023-11-14T22:15:00Z,203.0.113.0/24,bin,0,3,0.0000,0,2
2023-11-14T22:16:00Z,203.0.113.0/24,bin,0,3,0.0000,0,0
2023-11-14T22:17:30.000Z,203.0.113.0/24,visible,1,3,0.3333,1,1
2023-11-14T22:17:00Z,203.0.113.0/24,bin,1,3,0.3333,0,1
CSV
if diff -u "$T/r.want" "$T/r.csv" >"$T/diff"; then
	ok "visibility RIB+updates: peers from the RIB, withdrawn by all, back"
else
	fail "visibility RIB+updates" "$(cat "$T/diff")"
fi
# updates only: the peers are those seen in the updates (3, the last by keepalive)
"$BLACKOUT" bgp visibility --prefix 203.0.113.0/24 --bin 600 "$T/updates.mrt" >"$T/u.csv"
expect_eq "visibility updates only: peers seen in the updates" "$(tail -1 "$T/u.csv")" \
	"2023-11-14T22:10:00Z,203.0.113.0/24,bin,1,3,0.3333,0,1"

"$BLACKOUT" bgp visibility "$F" >/dev/null 2>&1
expect_eq "visibility without --prefix: exit 2" "$?" 2
"$BLACKOUT" bgp visibility --prefix 10.0.0.0/33 "$F" >/dev/null 2>&1
expect_eq "visibility with a bad prefix: exit 2" "$?" 2
"$BLACKOUT" bgp visibility --prefix 10.0.0.0/8 --bin 0 "$F" >/dev/null 2>&1
expect_eq "visibility with --bin 0: exit 2" "$?" 2
"$BLACKOUT" bgp frob >/dev/null 2>&1
expect_eq "bgp with an unknown subcommand: exit 2" "$?" 2
finish
