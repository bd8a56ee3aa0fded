#!/usr/bin/env bash
# Hostile BGP peers against a running `blackout watch` (loopback only). The
# watcher's collector listens on 127.0.0.1:PORT with three configured peers
# (127.0.0.1, .2, .3) and probes a TCP listener every second. Then:
#   - 127.0.0.1 sends garbage (no BGP marker), 50 times;
#   - 127.0.0.1 sends a header with length 65535 after the OPEN exchange, 20 times;
#   - 127.0.0.2 sends 4096-byte UPDATEs (the maximum) with an absurd but valid
#     attribute set, 20 sessions of 100, which must be accepted;
#   - 127.0.0.2 sends an UPDATE whose attributes claim more than the message holds;
#   - 127.0.0.3 (hold time 0: no hold timer) stops 100 bytes into an UPDATE,
#     and another connection stops 20 bytes into its OPEN: both must be dropped
#     after bgp.message_timeout (3 s here), not after 240 s or never;
#   - 127.0.0.9, not a configured peer, is refused.
# Each is dropped with a NOTIFICATION and a log line naming the peer and the
# fault; the watcher's VmRSS stays bounded; probes keep being sent and stored
# during and after. The RSS figures are printed on stderr.
. "$TOP/tests/lib.sh"
. "$TOP/tests/servers.sh"
. "$TOP/tests/watcher.sh"
d=$(tmpdir)
H="python3 $TOP/tests/integration/bgp_hostile.py"
bgp_port=$(free_port)
watch_start "$d" "{listen: 127.0.0.1:$(free_port)}" "bgp:
  listen: 127.0.0.1:$bgp_port
  local_as: 65000
  router_id: 198.51.100.100
  hold_time: 90s
  message_timeout: 3s
  prefixes: [203.0.113.0/24]
  peers:
    - {name: junk, address: 127.0.0.1, as: 65001}
    - {name: big, address: 127.0.0.2, as: 65002}
    - {name: stall, address: 127.0.0.3, as: 65003}" || finish
wait_for 10 port_open 127.0.0.1 "$bgp_port" || { fail "collector listens" "$(tail -5 "$d/watch.log")"; finish; }
sleep 2
rss0=$(rss_kb)
B="--connect 127.0.0.1:$bgp_port"

# ---- a stalled peer, while the others attack: it must be dropped after ~3 s ----
$H --bind 127.0.0.3 $B --asn 65003 --mode stall --timeout 60 >"$d/stall.out" 2>&1 &
STALL=$!
at_exit "kill $STALL"

out=$($H --bind 127.0.0.1 $B --asn 65001 --mode garbage --repeat 50 2>&1)
case $out in *"50/50 as expected"*) ok "garbage: 50 connections each get NOTIFICATION and are closed" ;;
	*) fail "garbage" "$(echo "$out" | tail -3)" ;; esac
case $out in *"NOTIFICATION 1/1"*) ok "garbage: Connection Not Synchronized (1/1)" ;; *) fail "garbage: 1/1" "$(echo "$out" | head -3)" ;; esac
grep -q "bgp: peer 127.0.0.1 AS65001: OpenSent -> Idle (bad message header: .*NOTIFICATION 1/1 sent)" "$d/watch.log" &&
	ok "garbage: the log names the peer and the fault" || fail "garbage log line" "$(grep 127.0.0.1 "$d/watch.log" | tail -2)"

out=$($H --bind 127.0.0.1 $B --asn 65001 --mode long-length --repeat 20 2>&1)
case $out in *"20/20 as expected"*"") ok "length 65535: 20 sessions dropped" ;; *) fail "length 65535" "$(echo "$out" | tail -3)" ;; esac
case $out in *"NOTIFICATION 1/2"*) ok "length 65535: Bad Message Length (1/2)" ;; *) fail "length 65535: 1/2" "$(echo "$out" | head -3)" ;; esac
grep -q "bgp: peer 127.0.0.1 AS65001: Established -> Idle (bad message header: .*NOTIFICATION 1/2 sent)" "$d/watch.log" &&
	ok "length 65535: the log names the peer and the fault" || fail "length 65535 log line" "$(grep 'AS65001' "$d/watch.log" | tail -2)"

grows probes_sent && ok "probes are sent during the attacks" || fail "probes during the attacks" "$(probes_sent)"

out=$($H --bind 127.0.0.2 $B --asn 65002 --mode huge-update --repeat 20 --updates 100 2>&1)
case $out in *"20/20 as expected"*) ok "2000 UPDATEs of 4096 bytes with 765-AS paths are accepted" ;;
	*) fail "huge UPDATEs" "$(echo "$out" | tail -3)" ;; esac
out=$($H --bind 127.0.0.2 $B --asn 65002 --mode absurd --repeat 5 2>&1)
case $out in *"5/5 as expected"*) ok "an attribute longer than its UPDATE: dropped" ;; *) fail "absurd attribute" "$(echo "$out" | tail -3)" ;; esac
grep -q "bgp: peer 127.0.0.2 AS65002: Established -> Idle (malformed UPDATE at byte [0-9]*: .*; NOTIFICATION 3/" "$d/watch.log" &&
	ok "absurd attribute: the log names the peer and the byte" || fail "absurd log line" "$(grep 'AS65002' "$d/watch.log" | tail -2)"

out=$($H --bind 127.0.0.9 $B --asn 65009 --mode garbage 2>&1)
case $out in *"closed"*) ok "an unconfigured peer is closed" ;; *) fail "unconfigured peer" "$out" ;; esac
grep -q "BGP: refused a connection from 127.0.0.9: not a configured peer" "$d/watch.log" &&
	ok "unconfigured peer: logged by address" || fail "unconfigured peer log" "$(tail -3 "$d/watch.log")"
# a stranger reconnecting in a loop does not flood the log: one line a minute
$H --bind 127.0.0.9 $B --asn 65009 --mode garbage --repeat 30 >/dev/null 2>&1
n=$(grep -c "BGP: refused a connection from 127.0.0.9" "$d/watch.log")
expect_eq "31 refused connections within a minute: one log line" "$n" 1

wait "$STALL"; rc=$?
out=$(cat "$d/stall.out")
secs=$(echo "$out" | awk '/^after/ { print $2 }')
if [ "$rc" = 0 ] && awk -v s="${secs:-999}" 'BEGIN { exit !(s >= 2.5 && s <= 20) }'; then
	ok "stopped mid-UPDATE with hold time 0: dropped after $secs s (message_timeout 3 s)"
else fail "stalled peer dropped" "rc $rc: $out"; fi
case $out in *"NOTIFICATION 4/0"*) ok "stalled peer: Hold Timer Expired (4/0)" ;; *) fail "stalled peer: 4/0" "$out" ;; esac
grep -q "bgp: peer 127.0.0.3 AS65003: Established -> Idle (stopped mid-message: 100 bytes of a message" "$d/watch.log" &&
	ok "stalled peer: the log says where it stopped" || fail "stalled peer log" "$(grep AS65003 "$d/watch.log" | tail -2)"
out=$($H --bind 127.0.0.3 $B --asn 65003 --mode stall-open --timeout 60 2>&1)
secs=$(echo "$out" | awk '/^after/ { print $2 }')
case $out in *"1/1 as expected"*) ok "stopped mid-OPEN: dropped after $secs s, not after the 240 s OPEN hold time" ;;
	*) fail "stalled OPEN" "$out" ;; esac

rss1=$(rss_kb)
echo "VmRSS before the hostile peers: $rss0 kB, after: $rss1 kB" >&2
[ -n "$rss0" ] && [ -n "$rss1" ] && [ "$rss1" -le $((rss0 + 8192)) ] &&
	ok "memory bounded: VmRSS $rss0 kB -> $rss1 kB (< +8 MB)" || fail "memory bounded" "VmRSS $rss0 -> $rss1 kB"
grows probes_sent && ok "probes are still sent after the attacks" || fail "probes after the attacks" "$(probes_sent)"
grows obs_stored && ok "observations are still stored after the attacks" || fail "stored after the attacks" "$(obs_stored)"
kill -0 "$WPID" && kill -TERM "$WPID" && wait "$WPID" && ok "watcher stops cleanly (exit 0)" || fail "watcher stops cleanly" "$(tail -3 "$d/watch.log")"
finish
