#!/usr/bin/env bash
# `blackout probe --trace` through routers in network namespaces made here.
#
# The lab (a chain of routers, and a Paris lab with two equal-cost paths) is
# described in trace_lab.sh. Root only; skipped otherwise.
. "$TOP/tests/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v nft >/dev/null; then
	skip "trace" "needs root, ip and nft"
	finish
fi
. "$TOP/tests/integration/trace_lab.sh"

if ! chain_up; then
	fail "trace lab" "could not build the namespaces"
	finish
fi

# hops JSON: "TTL ADDR OUTCOME PREFIX FROM" per hop (ADDR "-" when silent;
# PREFIX "-" when not watched; FROM the distinct answerers, comma-separated)
hops() {
	"$PY" -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    r = json.loads(line)
    d = r["detail"]
    print("result", r["error"] or "ok", "reached" if d["reached"] else "not-reached", d["stop_ttl"], d["stop_addr"], ",".join(d["key_routers"]) or "-")
    for h in d["hops"]:
        froms = sorted(set(a for a in h.get("from", [h["addr"]]) if a))
        print(h["ttl"], h["addr"] or "-", h["outcome"], h.get("prefix", "-"), ",".join(froms) or "-", len(h["rtt_ms"]))
'
}
T=(--timeout 1500 --attempts 3)

# 1. every variant reaches the destination, hops in order, over IPv4 and IPv6
for proto in icmp udp tcp; do
	out=$(mon "$BLACKOUT" probe --trace --proto "$proto" "${T[@]}" --json 203.0.113.100 2>&1)
	rc=$?
	expect_eq "$proto v4: exit 0 when the destination answers" "$rc" 0
	expect_eq "$proto v4: hops" "$(hops <<<"$out")" "result ok reached 3 203.0.113.100 -
1 198.51.100.2 ttl-exceeded - 198.51.100.2 3
2 203.0.113.2 ttl-exceeded - 203.0.113.2 3
3 203.0.113.100 ok - 203.0.113.100 3"
	out=$(mon "$BLACKOUT" probe --trace --proto "$proto" "${T[@]}" --json 2001:db8:ff::1 2>&1)
	expect_eq "$proto v6: exit 0" "$?" 0
	expect_eq "$proto v6: hops" "$(hops <<<"$out")" "result ok reached 3 2001:db8:ff::1 -
1 2001:db8:1::2 ttl-exceeded - 2001:db8:1::2 3
2 2001:db8:2::2 ttl-exceeded - 2001:db8:2::2 3
3 2001:db8:ff::1 ok - 2001:db8:ff::1 3"
done

# TCP to an open port: the SYN-ACK is the destination's answer (above: RST)
if listen_r3 8080; then
	for dst in 203.0.113.100 2001:db8:ff::1; do
		out=$(mon "$BLACKOUT" probe --trace --proto tcp --port 8080 "${T[@]}" --json "$dst" 2>&1)
		case "$(hops <<<"$out")" in
		"result ok reached 3 $dst -"*"3 $dst ok - $dst 3") ok "tcp syn-ack $dst" ;;
		*) fail "tcp syn-ack $dst" "$out" ;;
		esac
	done
else
	fail "tcp syn-ack" "no listener in R3"
fi

# --interval paces the sends: hop 3's only probe leaves 2 intervals after the first
t0=$(date +%s%N)
out=$(mon "$BLACKOUT" probe --trace --attempts 1 --interval 300 --json 203.0.113.100 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
case "$out" in *'"reached":true'*) ok "interval: reached" ;; *) fail "interval: reached" "$out" ;; esac
if [ "$ms" -ge 600 ]; then ok "interval: sends paced ($ms ms >= 600)"; else fail "interval: sends paced" "$ms ms < 600"; fi

# 2. text output: one line per hop, like traceroute, then the result line
out=$(mon "$BLACKOUT" probe --trace --proto udp "${T[@]}" --prefix 203.0.113.0/30 203.0.113.100 2>&1)
hop_lines=$(grep -cE '^ ?[0-9]+  ' <<<"$out")
expect_eq "text: one line per hop" "$hop_lines" 3
case "$out" in
"trace to 203.0.113.100, udp port 33434 from 198.51.100.1, 30 hops max, 3 probes per hop"*) ok "text: header" ;;
*) fail "text: header" "$out" ;;
esac
check "text: hop 2 marked as watched" grep -qE '^ 2  203\.0\.113\.2  [0-9.]+ ms  [0-9.]+ ms  [0-9.]+ ms  \[watched 203\.0\.113\.0/30\]$' <<<"$out"
check "text: hop 1 not marked" grep -qE '^ 1  198\.51\.100\.2  [0-9.]+ ms  [0-9.]+ ms  [0-9.]+ ms$' <<<"$out"
check "text: hop 3 not marked" grep -qE '^ 3  203\.0\.113\.100( +[0-9.]+ ms){3}$' <<<"$out"
check "text: result line" grep -qE '^203\.0\.113\.100 +ok +[0-9.]+ ms  reached in 3 hops$' <<<"$out"

# 3. --prefix marks the hops inside it; key routers exclude the destination
out=$(mon "$BLACKOUT" probe --trace --proto tcp "${T[@]}" --json --prefix 203.0.113.0/24 \
	--prefix 192.0.2.0/24 203.0.113.100 2>&1)
expect_eq "prefix v4: hops 2, 3 inside" "$(hops <<<"$out")" "result ok reached 3 203.0.113.100 203.0.113.2
1 198.51.100.2 ttl-exceeded - 198.51.100.2 3
2 203.0.113.2 ttl-exceeded 203.0.113.0/24 203.0.113.2 3
3 203.0.113.100 ok 203.0.113.0/24 203.0.113.100 3"
out=$(mon "$BLACKOUT" probe --trace --proto icmp "${T[@]}" --json --prefix 2001:db8:2::/64 2001:db8:ff::1 2>&1)
expect_eq "prefix v6: hop 2 inside" "$(hops <<<"$out")" "result ok reached 3 2001:db8:ff::1 2001:db8:2::2
1 2001:db8:1::2 ttl-exceeded - 2001:db8:1::2 3
2 2001:db8:2::2 ttl-exceeded 2001:db8:2::/64 2001:db8:2::2 3
3 2001:db8:ff::1 ok - 2001:db8:ff::1 3"

# 4. a silent hop: R2 drops the time-exceeded it sends; the trace goes on
in_ns r2 nft -f - <<'NFT'
table inet bo_trace {
	chain out {
		type filter hook output priority 0; policy accept;
		icmp type time-exceeded drop
		icmpv6 type time-exceeded drop
	}
}
NFT
for proto in icmp udp tcp; do
	out=$(mon "$BLACKOUT" probe --trace --proto "$proto" --timeout 800 --json 203.0.113.100 2>&1)
	expect_eq "silent hop $proto v4" "$(hops <<<"$out")" "result ok reached 3 203.0.113.100 -
1 198.51.100.2 ttl-exceeded - 198.51.100.2 3
2 - timeout - - 3
3 203.0.113.100 ok - 203.0.113.100 3"
done
out=$(mon "$BLACKOUT" probe --trace --proto udp --timeout 800 2001:db8:ff::1 2>&1)
check "silent hop v6 text: * * *" grep -qE '^ 2  \* \* \*$' <<<"$out"
check "silent hop v6 text: reached" grep -qE '^ 3  2001:db8:ff::1( +[0-9.]+ ms){3}$' <<<"$out"
# silent from hop 2 on (R2 and R3 drop): --gap 2 gives up after hops 2 and 3
in_ns r3 nft -f - <<'NFT'
table inet bo_trace {
	chain in {
		type filter hook input priority 0; policy accept;
		ip daddr 203.0.113.100 drop
	}
}
NFT
out=$(mon "$BLACKOUT" probe --trace --proto icmp --timeout 500 --gap 2 --json 203.0.113.100 2>&1)
rc=$?
expect_eq "gap limit: exit 1" "$rc" 1
expect_eq "gap limit: stops 2 silent hops past hop 1" "$(hops <<<"$out")" "result timeout not-reached 1 198.51.100.2 -
1 198.51.100.2 ttl-exceeded - 198.51.100.2 3
2 - timeout - - 3
3 - timeout - - 3"
in_ns r2 nft delete table inet bo_trace
in_ns r3 nft delete table inet bo_trace

# 5. behind a missing route: the path stops at R3 with net-unreachable.
# (IPv4's route errors are limited to a burst of 5 then 1/s per source by a
# global knob: one run, from a source used for nothing else (trace_lab.sh);
# the first TTL to reach R3 uses three of them)
out=$(mon "$BLACKOUT" probe --trace --proto udp "${T[@]}" --json 203.0.113.200 2>&1)
rc=$?
expect_eq "missing route v4: exit 1" "$rc" 1
check "missing route v4: from its own source" grep -q '"src":"198.51.100.129"' <<<"$out"
expect_eq "missing route v4: stops at R3" "$(hops <<<"$out")" "result net-unreachable not-reached 3 203.0.113.6 -
1 198.51.100.2 ttl-exceeded - 198.51.100.2 3
2 203.0.113.2 ttl-exceeded - 203.0.113.2 3
3 203.0.113.6 net-unreachable - 203.0.113.6 3"
out=$(mon "$BLACKOUT" probe --trace --proto tcp "${T[@]}" 2001:db8:ee::1 2>&1)
check "missing route v6 text: !N from R3" grep -qE '^ 3  2001:db8:3::2  [0-9.]+ ms !N  [0-9.]+ ms !N  [0-9.]+ ms !N$' <<<"$out"
check "missing route v6: result line" grep -qE '^2001:db8:ee::1 +net-unreachable +- ms  the path stops at hop 3 \(2001:db8:3::2\): net-unreachable$' <<<"$out"

# no route from the monitor itself: a result (exit 1), not a usage error
out=$(mon "$BLACKOUT" probe --trace --json 198.51.100.77 2>&1)
expect_eq "no local route: exit 1" "$?" 1
case "$out" in
*'"error":"net-unreachable","message":"no route to 198.51.100.77 from this host: Network is unreachable"'*'"src":null'*'"hops":[]'*)
	ok "no local route: net-unreachable, no hops" ;;
*) fail "no local route: net-unreachable, no hops" "$out" ;;
esac

# 6. bad input and no permission: exit 2 with a clear message, nothing sent
err=$(mon "$BLACKOUT" probe --trace --proto sctp 203.0.113.100 2>&1)
expect_eq "bad --proto: exit 2" "$?" 2
case "$err" in *"--proto: 'sctp' is not icmp, udp or tcp"*) ok "bad --proto: message" ;; *) fail "bad --proto: message" "$err" ;; esac
err=$(mon "$BLACKOUT" probe --trace --prefix 203.0.113.0/33 203.0.113.100 2>&1)
expect_eq "bad --prefix: exit 2" "$?" 2
err=$(mon "$BLACKOUT" probe --trace 2>&1)
expect_eq "no target: exit 2" "$?" 2
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$BLACKOUT"; then
	err=$(mon setpriv --reuid=65534 --regid=65534 --clear-groups "$BLACKOUT" probe --trace 203.0.113.100 2>&1)
	expect_eq "no raw sockets: exit 2" "$?" 2
	case "$err" in
	*"traceroute needs a raw ICMP socket for IPv4, which needs root or CAP_NET_RAW"*"setcap cap_net_raw+ep"*)
		ok "no raw sockets: message says how to allow it" ;;
	*) fail "no raw sockets: message says how to allow it" "$err" ;;
	esac
else
	skip "no raw sockets" "cannot run $BLACKOUT as nobody"
fi

# 7. Paris: one flow per trace. Two equal-cost paths with per-flow hashing
# in P1; every probe of one trace must take one of them, while different
# flows (source ports) must use both (or the check below proves nothing).
# paris_check LABEL DST BRANCH_A BRANCH_B NEED_BOTH JSON-lines: every trace reached,
# all attempts of hops 2 and 3 from one branch (A: "h2 h3" or B)
paris_check() {
	"$PY" - "$@" <<'PY'
import json, sys
label, dst, a, b, need_both = sys.argv[1:6]
branches = {tuple(a.split()): "a", tuple(b.split()): "b"}
used, bad, n = set(), [], 0
for line in open(sys.argv[6]):
    if not line.startswith("{"):
        continue
    n += 1
    d = json.loads(line)["detail"]
    h = {x["ttl"]: x for x in d["hops"]}
    froms = lambda t: set(f for f in h[t].get("from", [h[t]["addr"]]) if f) if t in h else set()
    f2, f3 = froms(2), froms(3)
    if not d["reached"] or len(f2) != 1 or len(f3) != 1:
        bad.append("sport %s: hop 2 %s, hop 3 %s, reached %s" % (d.get("sport"), sorted(f2), sorted(f3), d["reached"]))
        continue
    key = (f2.pop(), f3.pop())
    if key not in branches:
        bad.append("sport %s: hops 2-3 %s cross the branches" % (d.get("sport"), key))
        continue
    used.add(branches[key])
if n == 0 or bad:
    print("not ok - %s: %d traces; %s" % (label, n, "; ".join(bad[:4])))
elif need_both == "yes" and len(used) < 2:
    print("not ok - %s: all %d flows took branch %s: the multipath is not per flow here" % (label, n, used))
else:
    print("ok - %s: %d traces, each on one path (branches used: %s)" % (label, n, ",".join(sorted(used))))
PY
}
if ! paris_up; then
	fail "paris lab" "could not build the namespaces"
	finish
fi
tmp=$(tmpdir)
for fam in 4 6; do
	if [ $fam = 4 ]; then dst=203.0.113.150 A="198.51.100.14 198.51.100.18" B="198.51.100.26 198.51.100.30"
	else dst=2001:db8:fe::1 A="2001:db8:22::2 2001:db8:23::2" B="2001:db8:25::2 2001:db8:26::2"; fi
	for proto in udp tcp icmp; do
		: >"$tmp/p"
		for i in $(seq 0 15); do
			in_ns pmon "$BLACKOUT" probe --trace --proto "$proto" --sport $((33000 + 7 * i)) \
				--timeout 1500 --json "$dst" >>"$tmp/p" 2>&1
		done
		# Linux hashes ICMP without its identifier: every ICMP flow takes one branch
		both=yes
		[ $proto = icmp ] && both=no
		paris_check "paris $proto v$fam" "$dst" "$A" "$B" "$both" "$tmp/p"
	done
done

# 8. on the wire: every probe of a trace has the same flow fields (addresses,
# protocol, traffic class, IPv6 flow label, ports / ICMP type+code+checksum+id)
# and differs only in TTL and identifier. Captured in P1, on the link from PMON.
for fam in 4 6; do
	[ $fam = 4 ] && dst=203.0.113.150 || dst=2001:db8:fe::1
	for proto in icmp udp tcp; do
		in_ns p1 timeout 20 "$PY" - "$fam" "$proto" "$tmp/wire" <<'PY' &
import socket, struct, sys, time, os
fam, proto, out = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind(("a0", 0))
s.settimeout(0.2)
open(out + ".ready", "w").close()
pnum = {"icmp": 1 if fam == "4" else 58, "udp": 17, "tcp": 6}[proto]
flows, ttls, ids, end = set(), [], set(), time.time() + 15
while time.time() < end and not os.path.exists(out + ".stop"):
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    et = struct.unpack("!H", f[12:14])[0]
    ip = f[14:]
    if fam == "4" and et == 0x0800 and ip[9] == pnum and ip[12:16] == bytes([198, 51, 100, 9]):
        l4 = ip[(ip[0] & 15) * 4:]
        hdr = (ip[1], ip[9], ip[12:20])
        ttl = ip[8]
    elif fam == "6" and et == 0x86dd and ip[6] == pnum and ip[8:24] == socket.inet_pton(socket.AF_INET6, "2001:db8:21::1"):
        l4 = ip[40:]
        hdr = (ip[0:4], ip[6], ip[8:40])  # version, traffic class, flow label; next header; addresses
        ttl = ip[7]
    else:
        continue
    if proto == "icmp" and l4[0] not in (8, 128):
        continue
    if proto == "tcp" and l4[13] != 2:
        continue  # our SYNs only, not the kernel's resets
    flow_len = 4 if proto == "tcp" else 6
    ident = l4[4:8] if proto == "tcp" else l4[6:8]
    flows.add((hdr, l4[:flow_len]))
    ttls.append(ttl)
    ids.add(ident)
with open(out, "w") as o:
    o.write("%d %d %d %d\n" % (len(ttls), len(flows), len(set(ttls)), len(ids)))
PY
		cap=$!
		wait_for 10 test -e "$tmp/wire.ready"
		in_ns pmon "$BLACKOUT" probe --trace --proto "$proto" --json "$dst" >/dev/null 2>&1
		touch "$tmp/wire.stop"
		wait $cap
		read -r npk nflows nttl nids <"$tmp/wire" 2>/dev/null || npk=0
		# 4 hops x 3 attempts seen (>= 9: probes past the destination may be cancelled unsent)
		if [ "${npk:-0}" -ge 9 ] && [ "$nflows" = 1 ] && [ "$nttl" -ge 3 ] && [ "$nids" = "$npk" ]; then
			ok "wire $proto v$fam: $npk probes, one flow, $nttl TTLs, distinct identifiers"
		else
			fail "wire $proto v$fam" "$npk probes, $nflows flows, $nttl TTLs, $nids identifiers"
		fi
		rm -f "$tmp/wire" "$tmp/wire.ready" "$tmp/wire.stop"
	done
done
finish
