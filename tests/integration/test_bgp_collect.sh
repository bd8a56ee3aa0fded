#!/usr/bin/env bash
# The live collector against a real BIRD 2 on loopback: session up, routes
# announced and withdrawn (live visibility rows), a stranger refused, malformed
# UPDATEs answered with NOTIFICATION while the collector goes on, hold-timer
# expiry (BIRD stopped with SIGSTOP), reconnection, the peer stopping, a BIRD the
# collector connects to itself, and the MRT file read back by Debian's bgpdump.
# Addresses: collector 127.0.0.1, BIRDs 127.0.0.2 and 127.0.0.3, the test
# speaker 127.0.0.4, a stranger 127.0.0.9; ports picked free.
. "$TOP/tests/lib.sh"
H=$TOP/tests/integration
T=$(tmpdir)
for tool in bird birdc bgpdump python3; do
	if ! command -v $tool >/dev/null; then
		skip "bgp collect" "$tool is not installed (scripts/deps)"
		finish
	fi
done
P1=$(free_port)
P2=$(free_port)
P3=$(free_port)

bird_conf() { # NAME ADDR PORT ASN EXTRA...
	local name=$1 addr=$2 port=$3 asn=$4
	shift 4
	cat >"$T/$name.conf" <<EOF
log "$T/$name.log" all;
router id $addr;
protocol device {}
protocol static s4 { ipv4; route 203.0.113.0/24 blackhole; route 175.45.176.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:1::/48 blackhole; }
protocol bgp c1 {
  local $addr port $port as $asn;
  neighbor 127.0.0.1 port $P1 as 65001;
  multihop;
  hold time 6; keepalive time 2; connect delay time 1; connect retry time 2;
  error wait time 1,4; error forget time 10;
  $*
  ipv4 { import none; export all; $ADDPATH };
  ipv6 { import none; export all; next hop address 2001:db8::2; $ADDPATH };
}
EOF
}
start_bird() { # NAME
	bird -c "$T/$1.conf" -s "$T/$1.sock" -P "$T/$1.pid" && at_exit "kill \$(cat '$T/$1.pid') 2>/dev/null; kill -CONT \$(cat '$T/$1.pid') 2>/dev/null"
}
established() { birdc -s "$T/$1.sock" show protocols c1 | grep -q Established; }
logged() { grep -q "$1" "$T/collector.err"; }
count() { grep -c "$1" "$T/collector.err"; }
row() { grep -q "$1" "$T/vis.csv"; }

ADDPATH="" bird_conf bird2 127.0.0.2 "$P2" 65002
ADDPATH="add paths tx;" bird_conf bird3 127.0.0.3 "$P3" 65003 "passive on;"
"$BLACKOUT" bgp collect --listen "127.0.0.1:$P1" --asn 65001 --router-id 198.51.100.1 \
	--peer 127.0.0.2,65002 --peer 127.0.0.4,65004 --peer "127.0.0.3,65003,$P3" \
	--hold 9 --connect-retry 1 --notify-refused --addpath --mrt "$T/c.mrt" \
	--prefix 203.0.113.0/24 --prefix 2001:db8::/32 --bin 2 >"$T/vis.csv" 2>"$T/collector.err" &
CPID=$!
at_exit "kill $CPID 2>/dev/null"
wait_for 10 logged "listening on 127.0.0.1 port $P1" && ok "collector listens" || fail "collector listens" "$(cat "$T/collector.err")"

# session up, routes announced
start_bird bird2
if wait_for 30 logged "127.0.0.2 AS65002: OpenConfirm -> Established" && wait_for 10 established bird2; then
	ok "BIRD session up (both sides Established)"
else
	fail "BIRD session up" "$(tail -5 "$T/collector.err")"
fi
wait_for 15 row ",203.0.113.0/24,visible,1,1," && ok "announced IPv4 prefix seen live" || fail "announced IPv4 prefix seen live" "$(cat "$T/vis.csv")"
wait_for 15 row ",2001:db8::/32,visible,1,1," && ok "announced IPv6 prefix seen live (MP_REACH)" || fail "IPv6 prefix seen" "$(cat "$T/vis.csv")"
wait_for 10 row ",203.0.113.0/24,bin,1,1,1.0000," && ok "bin rows while the prefix is seen" || fail "bin rows" "$(cat "$T/vis.csv")"

# withdraw and announce again
birdc -s "$T/bird2.sock" disable s4 >/dev/null
wait_for 15 row ",203.0.113.0/24,withdrawn,0,1," && ok "withdrawal: withdrawn by every peer" || fail "withdrawal" "$(cat "$T/vis.csv")"
birdc -s "$T/bird2.sock" enable s4 >/dev/null
wait_for 15 bash -c "[ \$(grep -c ',203.0.113.0/24,visible,' '$T/vis.csv') -ge 2 ]" && ok "announced again: visible again" || fail "announced again" "$(cat "$T/vis.csv")"

# a stranger is refused with Cease / Connection Rejected and not recorded
out=$(timeout 20 python3 "$H/bgp_speaker.py" --bind 127.0.0.9 --connect "127.0.0.1:$P1" --mode stranger 2>&1)
expect_eq "stranger refused: NOTIFICATION 6/5, then closed" "$(echo $out)" "NOTIFICATION 6/5 closed"
wait_for 5 logged "refused a connection from 127.0.0.9: not a configured peer" && ok "stranger refusal logged" || fail "stranger logged" "$(tail -3 "$T/collector.err")"

# malformed UPDATEs: NOTIFICATION with the RFC code, session reset, the rest goes on
out=$(timeout 30 python3 "$H/bgp_speaker.py" --bind 127.0.0.4 --connect "127.0.0.1:$P1" --mode malformed --bad origin 2>&1)
expect_eq "malformed ORIGIN: NOTIFICATION 3/6 (Invalid ORIGIN), then closed" "$(echo $out)" "OPEN received established NOTIFICATION 3/6 closed"
wait_for 5 logged "127.0.0.4 AS65004: Established -> Idle: malformed UPDATE" && ok "malformed UPDATE logged with the reason" || fail "malformed logged" "$(tail -3 "$T/collector.err")"
out=$(timeout 30 python3 "$H/bgp_speaker.py" --bind 127.0.0.4 --connect "127.0.0.1:$P1" --mode malformed --bad aspath 2>&1)
expect_eq "malformed AS_PATH, same peer again: NOTIFICATION 3/11" "$(echo $out)" "OPEN received established NOTIFICATION 3/11 closed"
check "BIRD session still up after the malformed UPDATEs" established bird2
out=$(timeout 30 python3 "$H/bgp_speaker.py" --bind 127.0.0.4 --connect "127.0.0.1:$P1" --mode good --hold-for 1 2>&1)
expect_eq "the same peer comes back with a good session" "$(echo $out)" "OPEN received established done"

# hold timer: BIRD frozen, its keepalives stop; the collector drops the session
n0=$(count "127.0.0.2 AS65002: OpenConfirm -> Established")
kill -STOP "$(cat "$T/bird2.pid")"
if wait_for 30 logged "127.0.0.2 AS65002: Established -> Idle: hold timer expired"; then
	ok "hold timer expiry (BIRD stopped with SIGSTOP)"
else
	fail "hold timer expiry" "$(tail -3 "$T/collector.err")"
fi
wait_for 5 bash -c "grep -q ',203.0.113.0/24,.*,0,0,' '$T/vis.csv'" && ok "visibility: the lost session is no peer" || fail "peer down in visibility" "$(tail -4 "$T/vis.csv")"
kill -CONT "$(cat "$T/bird2.pid")"
if wait_for 40 bash -c "[ \$(grep -c '127.0.0.2 AS65002: OpenConfirm -> Established' '$T/collector.err') -gt $n0 ]"; then
	ok "BIRD reconnects after the hold timer expiry"
else
	fail "reconnect" "$(tail -5 "$T/collector.err")"
fi

# the collector opens the session to a passive BIRD itself
start_bird bird3
wait_for 30 logged "127.0.0.3 AS65003: Connect -> OpenSent: connected, OPEN sent" && wait_for 20 established bird3 &&
	ok "active session to a passive BIRD" || fail "active session" "$(grep 127.0.0.3 "$T/collector.err" | tail -5)"
logged "127.0.0.3 AS65003: OpenSent -> OpenConfirm: .*add-path" && ok "add-path negotiated with the BIRD that sends it" || fail "add-path negotiated" "$(grep 127.0.0.3 "$T/collector.err" | tail -3)"
logged "127.0.0.2 AS65002: OpenSent -> OpenConfirm: .*add-path" && fail "no add-path with the BIRD that does not send it" "" || ok "no add-path with the BIRD that does not send it"
wait_for 10 row ",203.0.113.0/24,bin,2,2," && ok "two peers see the prefix" || fail "two peers" "$(tail -4 "$T/vis.csv")"

# the peer stops: NOTIFICATION Cease received
birdc -s "$T/bird2.sock" disable c1 >/dev/null
wait_for 15 logged "127.0.0.2 AS65002: Established -> Idle: NOTIFICATION received: 6/" && ok "peer stop: Cease received" || fail "peer stop" "$(tail -3 "$T/collector.err")"

# stop: Cease to BIRD, MRT flushed, exit 0
kill -TERM "$CPID"
wait "$CPID"
expect_eq "collector exits 0 on SIGTERM" "$?" 0
wait_for 10 bash -c "grep -q 'Received: Administrative shutdown' '$T/bird3.log'" && ok "BIRD got Cease / administrative shutdown" || fail "BIRD got Cease" "$(tail -3 "$T/bird3.log")"

# the MRT file: bgpdump reads it; the same lines as `blackout mrt`
bgpdump -m "$T/c.mrt" >"$T/bgpdump.txt" 2>/dev/null
"$BLACKOUT" mrt "$T/c.mrt" >"$T/mine.txt" 2>"$T/mine.err"
rc=$?
grep -q '^BGP4MP_ET|[0-9.]*|A|127.0.0.2|65002|203.0.113.0/24|65002|IGP|127.0.0.2|' "$T/bgpdump.txt" && ok "bgpdump reads the MRT file: announcement" || fail "bgpdump: announcement" "$(head "$T/bgpdump.txt")"
grep -q '^BGP4MP_ET|[0-9.]*|A|127.0.0.2|65002|2001:db8:1::/48|65002|IGP|2001:db8::2|' "$T/bgpdump.txt" && ok "bgpdump reads the MRT file: IPv6 announcement" || fail "bgpdump: IPv6" ""
grep -q '^BGP4MP_ET|[0-9.]*|W|127.0.0.2|65002|203.0.113.0/24$' "$T/bgpdump.txt" && ok "bgpdump reads the MRT file: withdrawal" || fail "bgpdump: withdrawal" ""
grep -q '^BGP4MP_ET|[0-9.]*|STATE|127.0.0.2|65002|5|6$' "$T/bgpdump.txt" && grep -q '^BGP4MP_ET|[0-9.]*|STATE|127.0.0.2|65002|6|1$' "$T/bgpdump.txt" &&
	ok "bgpdump reads the MRT file: state changes" || fail "bgpdump: states" ""
grep -q '|A|127.0.0.4|65004|198.51.100.0/25|65004|INCOMPLETE|' "$T/bgpdump.txt" && ok "the malformed UPDATE is in the file as received" || fail "malformed recorded" ""
grep -Eq '^BGP4MP_ET_AP\|[0-9.]*\|A\|127.0.0.3\|65003\|2001:db8:1::/48\|[0-9]+\|65003\|IGP\|' "$T/bgpdump.txt" &&
	grep -Eq '^BGP4MP_ET_AP\|[0-9.]*\|A\|127.0.0.3\|65003\|203.0.113.0/24\|[0-9]+\|65003\|IGP\|' "$T/bgpdump.txt" &&
	ok "add-path UPDATEs recorded as MESSAGE_AS4_ADDPATH, path ids read by bgpdump" || fail "add-path in the MRT file" "$(grep 127.0.0.3 "$T/bgpdump.txt" | head -3)"
if out=$(python3 "$H/mrt_compare.py" "$T/bgpdump.txt" "$T/mine.txt" 0 0); then ok "blackout mrt reads the file as bgpdump does ($out)"; else fail "blackout mrt vs bgpdump on the collector's file" "$out"; fi
# the two malformed UPDATEs are flagged when read back
expect_eq "blackout mrt on the file: exit 1 (the malformed UPDATEs)" "$rc" 1
expect_eq "blackout mrt on the file: two damage warnings" "$(grep -c 'warning' "$T/mine.err")" 2
finish
