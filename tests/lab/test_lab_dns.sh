#!/usr/bin/env bash
# dns: nameservers stopped (dig: refused) or filtered (dig: timeout) while
# the web answers by address; the watchdog ends a scenario by itself.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lab/labtest.sh"
lab_test_init
lab_test_up

dig_out() { mon dig +time=1 +tries=1 @"$1" kp. SOA 2>&1; }
if "$SCENARIO" dns start >"$LAB_TEST_DIR/start.log" 2>&1; then ok "stop mode: start"; else fail "stop mode: start" "exit $?"; fi
check "stop mode: dig refused (v4)" grep -q 'connection refused' <<<"$(dig_out 198.51.100.10)"
check "stop mode: dig refused (v6, ns2)" grep -q 'connection refused' <<<"$(dig_out 2001:db8:100:1::11)"
check "stop mode: web answers by address" http_ok naenara.com.kp 198.51.100.20
check "stop mode: mail answers" smtp_ok 198.51.100.30
check "stop mode: routes stay" country_route_present
if "$SCENARIO" dns stop >"$LAB_TEST_DIR/stop.log" 2>&1; then ok "stop mode: stop"; else fail "stop mode: stop" "exit $?"; fi
check "stop mode: DNS answers again" dns_ok 198.51.100.11

export LAB_DNS_MODE=drop
"$SCENARIO" dns start >"$LAB_TEST_DIR/start2.log" 2>&1
check "drop mode: dig times out" grep -q 'timed out' <<<"$(dig_out 198.51.100.10)"
check "drop mode: web answers by address" http_ok kcna.kp 2001:db8:100:1::22
"$SCENARIO" dns stop >"$LAB_TEST_DIR/stop2.log" 2>&1
check "drop mode: DNS answers again" dns_ok 198.51.100.10

# One scenario at a time; and a scenario left running stops by itself.
LAB_MAX=4 "$SCENARIO" dns start >"$LAB_TEST_DIR/start3.log" 2>&1
check "a second scenario is refused while one is active" bash -c "! '$SCENARIO' partial start"
check "bounded: the watchdog recovers by itself" wait_stage dns "recover by=watchdog" 20
check "bounded: restored without a stop" wait_for 30 grep -q 'dns stage=restored' "$LAB_TRUTH"
check "bounded: DNS answers again" wait_for 10 dns_ok 198.51.100.10
check "bounded: the watchdog is gone when done" wait_for 15 bash -c "[ -z \"\$(ip netns pids $LAB-mon)\" ]"
check "bounded: no scenario active" test ! -e "/run/blackout-lab/$LAB/scenario.active"
lab_test_finish
