#!/usr/bin/env bash
# tests/fuzz/capture_corpus.sh - captures the seed corpora of fuzz_dns and
# fuzz_smtp from real servers on loopback (NSD and aiosmtpd, started as the
# integration tests start them) and from the hostile test servers.
# Run from the repository root after `make`; rewrites tests/fuzz/corpus/{dns,smtp}/*.
set -u
TOP=$PWD
. tests/lib.sh
. tests/servers.sh
d=$(tmpdir)
start_nsd "$d/nsd" || exit 1
start_smtp "$d/smtp" tls || exit 1
out=tests/fuzz/corpus
mkdir -p "$out/dns" "$out/smtp"

# DNS: raw answers, as the probe sends its queries (EDNS 1232, RD clear)
for q in "kp. SOA" "kp. NS" "kp. MX" "www.kp. A" "www.kp. AAAA" "big.kp. A" \
	"nothere.kp. A" "example.org. A" "broken.kp. SOA"; do
	set -- $q
	for tr in udp tcp; do
		/usr/bin/python3 - "$NSD_PORT" "$1" "$2" "$tr" "$out/dns/nsd-${1%.}-$2-$tr" <<'PY'
import socket, struct, sys
port, name, qtype, tr, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
types = {"A": 1, "NS": 2, "SOA": 6, "MX": 15, "AAAA": 28}
qname = b"".join(bytes([len(l)]) + l.encode() for l in name.rstrip(".").split(".")) + b"\0"
opt = b"\0" + struct.pack(">HHIH", 41, 1232, 0, 0)
msg = struct.pack(">HHHHHH", 0x4b50, 0, 1, 0, 0, 1) + qname + struct.pack(">HH", types[qtype], 1) + opt
if tr == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    s.sendto(msg, ("127.0.0.1", port)); ans = s.recv(65535)
else:
    s = socket.create_connection(("127.0.0.1", port), 2)
    s.sendall(struct.pack(">H", len(msg)) + msg)
    buf = b""
    while len(buf) < 2 or len(buf) < 2 + struct.unpack(">H", buf[:2])[0]:
        chunk = s.recv(65535)
        if not chunk: break
        buf += chunk
    ans = buf[2:]
open(path, "wb").write(ans)
PY
	done
done
# the hostile DNS answers
for m in dns-loop dns-wrong-id dns-truncated; do
	start_hostile "$m" "$d/h" || exit 1
	/usr/bin/python3 - "$HOSTILE_PORT" "$out/dns/hostile-$m" <<'PY'
import socket, struct, sys
msg = struct.pack(">HHHHHH", 0x4b50, 0, 1, 0, 0, 0) + b"\3www\2kp\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(msg, ("127.0.0.1", int(sys.argv[1]))); open(sys.argv[2], "wb").write(s.recv(65535))
PY
done

# SMTP: what aiosmtpd says to banner, EHLO and QUIT (chunk-size byte first)
/usr/bin/python3 - "$SMTP_PORT" "$out/smtp" <<'PY'
import socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), 2)
def read_reply():
    buf = b""
    while True:
        buf += s.recv(4096)
        lines = buf.split(b"\r\n")
        if len(lines) > 1 and any(len(l) >= 4 and l[3:4] == b" " for l in lines[:-1]):
            return buf
banner = read_reply()
s.sendall(b"EHLO monitor.blackout.test\r\n"); ehlo = read_reply()
s.sendall(b"QUIT\r\n"); quit = read_reply()
for name, data in (("aiosmtpd-banner", banner), ("aiosmtpd-ehlo", ehlo), ("aiosmtpd-quit", quit),
                   ("aiosmtpd-session", banner + ehlo + quit)):
    open(f"{out}/{name}", "wb").write(bytes([255]) + data)
open(f"{out}/aiosmtpd-session-split3", "wb").write(bytes([2]) + banner + ehlo + quit)
PY
for m in smtp-554 smtp-421 smtp-bad-ehlo smtp-endless-banner; do
	start_hostile "$m" "$d/h" || exit 1
	/usr/bin/python3 - "$HOSTILE_PORT" "$out/smtp/hostile-$m" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2); s.settimeout(1)
data = b""
try:
    data += s.recv(4096)
    s.sendall(b"EHLO x\r\n")
    while len(data) < 3000:
        c = s.recv(4096)
        if not c: break
        data += c
except socket.timeout:
    pass
open(sys.argv[2], "wb").write(bytes([7]) + data[:3000])
PY
done
ls -l "$out/dns" "$out/smtp"
