#!/usr/bin/env bash
# partial: one web server down, everything else (other sites, DNS, mail,
# routers, routes) fine.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lab/labtest.sh"
lab_test_init
lab_test_up

if "$SCENARIO" partial start >"$LAB_TEST_DIR/start.log" 2>&1; then ok "start"; else fail "start" "exit $?"; fi
check "airkoryo.com.kp down (v4)" bash -c "! ip netns exec $LAB-mon curl -s --max-time 3 --resolve airkoryo.com.kp:80:198.51.100.21 http://airkoryo.com.kp/ >/dev/null"
check "airkoryo.com.kp down (v6)" bash -c "! ip netns exec $LAB-mon curl -s --max-time 3 --resolve 'airkoryo.com.kp:80:[2001:db8:100:1::21]' http://airkoryo.com.kp/ >/dev/null"
read -r l _ < <(ping_stats 198.51.100.21 4 0.3)
expect_eq "its address does not answer ping" "$l" 100
for s in naenara.com.kp@198.51.100.20 kcna.kp@198.51.100.22 mfa.gov.kp@198.51.100.23 rodong.rep.kp@198.51.100.24; do
	check "other site $s answers" http_ok "${s%@*}" "${s#*@}"
done
check "DNS answers" dns_ok 198.51.100.10
check "mail answers" smtp_ok 198.51.100.30
read -r l _ < <(ping_stats 203.0.113.10 5 0.1)
expect_eq "border router answers" "$l" 0
check "routes stay" country_route_present
if "$SCENARIO" partial stop >"$LAB_TEST_DIR/stop.log" 2>&1; then ok "stop"; else fail "stop" "exit $?"; fi
check "after recovery: airkoryo.com.kp answers" http_ok airkoryo.com.kp 2001:db8:100:1::21
check "after recovery: everything answers" "$LABCTL" check
lab_test_finish
