#!/usr/bin/env bash
# capture_trace.sh - regenerates the traceroute seeds of tests/fuzz/corpus/icmp/
# (root): builds the traceroute lab (tests/integration/trace_lab.sh), records
# what raw ICMP and TCP sockets in the monitor namespace receive while
# blackout traces the lab over ICMP, UDP and TCP, IPv4 and IPv6, and writes
# one seed per kind of packet: a mode byte (see fuzz_icmp.c: bit 0 IPv6, bit 1
# IPv4 header first, bit 3 TCP segment), then the bytes as the socket gave them.
# Usage: tests/fuzz/capture_trace.sh
set -u
cd "$(dirname "$0")/../.."
export TOP=$PWD BLACKOUT=$PWD/build/blackout
. tests/lib.sh
. tests/integration/trace_lab.sh
chain_up || { echo "cannot build the lab (root?)" >&2; exit 1; }
out=tests/fuzz/corpus/icmp
mon timeout 30 "$PY" - "$out" <<'PY' &
import os, select, socket, sys, time
out = sys.argv[1]
socks = {
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP): ("v4", 2),
    socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6): ("v6", 1),
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP): ("v4-tcp", 8 | 2),
    socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_TCP): ("v6-tcp", 8 | 1),
}
seen = set()
open(os.path.join(out, ".ready"), "w").close()
end = time.time() + 25
while time.time() < end and not os.path.exists(os.path.join(out, ".stop")):
    r, _, _ = select.select(list(socks), [], [], 0.2)
    for s in r:
        data = s.recv(2048)
        fam, mode = socks[s]
        off = (data[0] & 15) * 4 if fam.startswith("v4") else 0
        if fam.endswith("tcp"):
            flags = data[off + 13]
            if flags & 0x12 != 0x12 and flags & 0x14 != 0x14:
                continue  # SYN-ACK and RST+ACK only
            name = "trace-%s-flags%02x" % (fam, flags)
        else:
            t, c = data[off], data[off + 1]
            if t in (133, 134, 135, 136, 143, 8, 128):
                continue  # neighbour discovery, MLD, our own echo requests
            inner = data[off + 8:]
            proto = (inner[6] if fam == "v6" else inner[9]) if len(inner) > 10 else 0
            name = "trace-%s-type%d-code%d-proto%d" % (fam, t, c, proto)
            if t in (0, 129):
                name = "trace-%s-echo-reply" % fam  # the "proto" would be our payload
        if name in seen:
            continue
        seen.add(name)
        open(os.path.join(out, name), "wb").write(bytes([mode]) + data)
PY
cap=$!
wait_for 10 test -e "$out/.ready"
listen_r3 8080 || { echo "no listener" >&2; exit 1; }
mon "$BLACKOUT" probe --trace --proto tcp --port 8080 203.0.113.100 >/dev/null 2>&1
mon "$BLACKOUT" probe --trace --proto tcp --port 8080 2001:db8:ff::1 >/dev/null 2>&1
for proto in icmp udp tcp; do
	for dst in 203.0.113.100 2001:db8:ff::1 203.0.113.200 2001:db8:ee::1; do
		mon "$BLACKOUT" probe --trace --proto "$proto" --timeout 500 "$dst" >/dev/null 2>&1
	done
done
touch "$out/.stop"
wait $cap
rm -f "$out/.ready" "$out/.stop"
ls -l "$out"/trace-*
