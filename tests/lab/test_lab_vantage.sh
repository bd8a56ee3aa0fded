#!/usr/bin/env bash
# vantage-local: the monitor's own uplink is cut: the control host fails
# too, while the country itself is fine (seen from the control host).
. "$TOP/tests/lib.sh"
. "$TOP/tests/lab/labtest.sh"
lab_test_init
LAB_COLLECTOR=bird lab_test_up

if "$SCENARIO" vantage-local start >"$LAB_TEST_DIR/start.log" 2>&1; then ok "start"; else fail "start" "exit $?"; fi
read -r l _ < <(ping_stats 203.0.113.18 3 0.3)
expect_eq "control host unreachable from the monitor" "$l" 100
check "country web unreachable from the monitor" bash -c "! ip netns exec $LAB-mon curl -s --max-time 2 http://198.51.100.20/ >/dev/null"
check "the country is fine: web from the control host" \
	ip netns exec "$LAB-ctl" curl -s -o /dev/null --max-time 2 http://198.51.100.20/
check "the country is fine: DNS from the control host" bash -c \
	"ip netns exec $LAB-ctl dig +time=2 +tries=1 @198.51.100.10 kp. SOA | grep -q NOERROR"
check "routes stay on the upstream" country_route_present
check "the collector session drops (hold timer)" wait_for 15 bash -c \
	"! '$LABCTL' birdc up show protocols collector | grep -q Established"
if "$SCENARIO" vantage-local stop >"$LAB_TEST_DIR/stop.log" 2>&1; then ok "stop"; else fail "stop" "exit $?"; fi
check "after recovery: everything answers (collector session too)" "$LABCTL" check
lab_test_finish
