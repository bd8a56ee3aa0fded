#!/usr/bin/env bash
# abrupt: every layer of the country fails at once, with no RTT rise
# before; the routes vanish with it; the control host stays up; recovery
# brings everything back.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lab/labtest.sh"
lab_test_init
lab_test_up

read -r _ rtt0 < <(ping_stats 198.51.100.20 10 0.1)
check "before: RTT low ($rtt0 ms)" awk -v r="$rtt0" 'BEGIN { exit !(r != "-" && r < 5) }'
if "$SCENARIO" abrupt start >"$LAB_TEST_DIR/start.log" 2>&1; then ok "start"; else fail "start" "exit $?"; fi
sleep 0.3
check "routes gone from the upstream (birdc)" country_route_absent
read -r l1 _ < <(ping_stats 203.0.113.10 5 0.2)
expect_eq "border router's upstream address silent" "$l1" 100
read -r l2 _ < <(ping_stats 198.51.100.1 5 0.2)
expect_eq "border router's LAN address silent" "$l2" 100
check "DNS fails" bash -c "! ip netns exec $LAB-mon dig +time=1 +tries=1 @198.51.100.10 kp. SOA | grep -q NOERROR"
check "web fails" bash -c "! ip netns exec $LAB-mon curl -s --max-time 2 http://198.51.100.20/ >/dev/null"
check "mail fails" bash -c "! ip netns exec $LAB-mon swaks --server 198.51.100.30 --timeout 2 --to a@naenara.com.kp --quit-after CONNECT >/dev/null 2>&1"
check "control host still answers" http_ok control 203.0.113.18
for n in bdr ns web mail; do
	expect_eq "no process left in $n" "$(ip netns pids "$LAB-$n")" ""
done
check "the country's interfaces are down" bash -c "ip -n $LAB-bdr -o link show dev up | grep -q 'state DOWN'"
spread=$(gap abrupt inject bgp-withdrawn)
check "routes went with the power ($spread s after inject)" in_range "$spread" 0 2
if "$SCENARIO" abrupt stop >"$LAB_TEST_DIR/stop.log" 2>&1; then ok "stop"; else fail "stop" "exit $?"; fi
check "after recovery: routes back" country_route_present
check "after recovery: everything answers" "$LABCTL" check
lab_test_finish
