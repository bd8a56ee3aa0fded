#!/usr/bin/env bash
# routing: the prefixes are withdrawn while the equipment lives: probes get
# "net unreachable" from the upstream, the border router's upstream-facing
# address still answers, the BGP session stays up.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lab/labtest.sh"
lab_test_init
lab_test_up

if "$SCENARIO" routing start >"$LAB_TEST_DIR/start.log" 2>&1; then ok "start"; else fail "start" "exit $?"; fi
check "routes withdrawn on the upstream (birdc)" country_route_absent
check "IPv4 probe: net unreachable from the upstream" bash -c \
	"ip netns exec $LAB-mon ping -n -c 2 -i 0.5 -W 1 198.51.100.22 | grep -q 'From 203.0.113.1 .*Net Unreachable'"
check "IPv6 probe: no route, from the upstream" bash -c \
	"ip netns exec $LAB-mon ping -6 -n -c 2 -i 0.5 -W 1 2001:db8:100:1::22 | grep -q 'From 2001:db8:200:1::1 .*No route'"
read -r l _ < <(ping_stats 203.0.113.10 10 0.1)
expect_eq "border router's upstream-facing address answers" "$l" 0
check "BGP session still Established" bash -c "'$LABCTL' birdc up show protocols border | grep -q Established"
check "servers alive inside the country (web from the border router)" \
	ip netns exec "$LAB-bdr" curl -s -o /dev/null --max-time 2 http://198.51.100.22/
check "withdrawal observed right after the withdraw" in_range "$(gap routing withdraw bgp-withdrawn)" 0 3
if "$SCENARIO" routing stop >"$LAB_TEST_DIR/stop.log" 2>&1; then ok "stop"; else fail "stop" "exit $?"; fi
check "after recovery: routes back" country_route_present
check "after recovery: everything answers" "$LABCTL" check
lab_test_finish
