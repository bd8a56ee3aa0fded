#!/usr/bin/env bash
# capture_icmp.sh - regenerates the real-packet seeds of tests/fuzz/corpus/icmp/
# (root): builds the probe test lab (tests/integration/probe_lab.sh), records
# what raw ICMP sockets in the monitor namespace receive while blackout probes
# the lab's targets, and writes each packet as a seed: one mode byte (bit 0
# IPv6, bit 1 IPv4 header first, bit 2 bare echo parser; see fuzz_icmp.c),
# then the bytes as the socket delivered them. Usage: tests/fuzz/capture_icmp.sh
set -u
cd "$(dirname "$0")/../.."
export TOP=$PWD BLACKOUT=$PWD/build/blackout
. tests/lib.sh
. tests/integration/probe_lab.sh
lab_up || { echo "cannot build the lab (root?)" >&2; exit 1; }
out=tests/fuzz/corpus/icmp
mkdir -p "$out"
mon timeout 20 python3 - "$out" <<'PY' &
import os, select, socket, sys, time
out = sys.argv[1]
s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
seen = set()
end = time.time() + 8
open(os.path.join(out, ".ready"), "w").close()
while time.time() < end:
    r, _, _ = select.select([s4, s6], [], [], 0.2)
    for s in r:
        data = s.recv(2048)
        v6 = s is s6
        off = 0 if v6 else (data[0] & 15) * 4
        inner_proto = data[off + 8 + 6] if v6 and len(data) > off + 16 else (data[off + 8 + 9] if len(data) > off + 18 else 0)
        kind = (data[off], data[off + 1], inner_proto, v6)
        if kind in seen or (v6 and data[0] in (133, 134, 135, 136, 143)):
            continue  # one of each type; no neighbour discovery / MLD
        seen.add(kind)
        mode = 1 if v6 else 2
        name = "real-%s-type%d-code%d-proto%d" % ("v6" if v6 else "v4", kind[0], kind[1], kind[2])
        open(os.path.join(out, name), "wb").write(bytes([mode]) + data)
        if kind[0] in (3, 1, 11) and kind[2] in (1, 58):  # an error: also its quoted echo, as a ping socket's error queue gives it
            inner = data[8:] if v6 else data[(data[0] & 15) * 4 + 8:]
            ihl = 40 if v6 else (inner[0] & 15) * 4
            open(os.path.join(out, name + "-quote"), "wb").write(bytes([4 | (1 if v6 else 0)]) + inner[ihl:])
PY
wait_for 5 test -e "$out/.ready"
rm -f "$out/.ready"
mon "$BLACKOUT" probe --icmp --timeout 500 --retries 0 203.0.113.1 203.0.113.2 203.0.113.3 203.0.113.6 \
	203.0.113.230 2001:db8:2::1 2001:db8:2::2 2001:db8:2::3 2001:db8:2::6 >/dev/null
mon "$BLACKOUT" probe --tcp "$LAB_PORT" --timeout 500 --retries 0 203.0.113.4 2001:db8:2::4 >/dev/null
wait
# built seeds for what the lab does not send: an RFC 792 minimal quote (8
# bytes, no token), a quoted UDP probe behind an IPv6 hop-by-hop header, and
# a truncated inner header
python3 - "$out" <<'PY'
import os, sys
out = sys.argv[1]
def ip4(proto, src, dst, body, ttl=64):
    tot = 20 + len(body)
    return bytes([0x45, 0, tot >> 8, tot & 255, 0, 0, 0, 0, ttl, proto, 0, 0]) + bytes(src) + bytes(dst) + body
def ip6(nxt, src, dst, body, hops=64):
    return bytes([0x60, 0, 0, 0, len(body) >> 8, len(body) & 255, nxt, hops]) + bytes(src) + bytes(dst) + body
mon, tgt, rtr = [198, 51, 100, 1], [203, 0, 113, 9], [198, 51, 100, 2]
echo = bytes([8, 0, 0, 0, 0xab, 0xcd, 0, 1])
seeds = {
    "built-v4-minimal-quote": bytes([2]) + ip4(1, rtr, mon, bytes([11, 0, 0, 0, 0, 0, 0, 0]) + ip4(1, mon, tgt, echo, 1)),
    "built-v4-quote-cut": bytes([2]) + ip4(1, rtr, mon, bytes([3, 1, 0, 0, 0, 0, 0, 0]) + ip4(1, mon, tgt, echo)[:14]),
    "built-v6-hbh-udp": bytes([1]) + bytes([3, 0, 0, 0, 0, 0, 0, 0]) + ip6(0, [0x20, 1, 0xd, 0xb8] + [0] * 11 + [1],
        [0x20, 1, 0xd, 0xb8, 0, 2] + [0] * 9 + [9], bytes([17, 0, 0, 0, 0, 0, 0, 0, 0x82, 0x9a, 0x82, 0x9b, 0, 8, 0, 0]), 1),
}
for name, data in seeds.items():
    open(os.path.join(out, name), "wb").write(data)
PY
ls -l "$out"
