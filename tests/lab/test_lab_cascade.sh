#!/usr/bin/env bash
# cascade: RTT rises, then loss, then services time out, then the border
# router stops answering, then (and only then) the prefixes are withdrawn;
# recovery brings mail back before the web. Measured from the monitor.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lab/labtest.sh"
lab_test_init
export LAB_CASCADE_STEP=8 # room to measure inside each stage
lab_test_up

read -r loss0 rtt0 < <(ping_stats 198.51.100.20 20 0.1)
expect_eq "baseline: no loss" "$loss0" 0

"$SCENARIO" cascade start >"$LAB_TEST_DIR/start.log" 2>&1 &
start_pid=$!

# flood-1: RTT well above the baseline, few packets lost.
wait_stage cascade flood-1 20 || fail "flood-1 reached" "no stage line"
sleep 3
read -r loss1 rtt1 < <(ping_stats 198.51.100.20 15 0.2)
check "flood-1: RTT rose (baseline $rtt0 ms, now $rtt1 ms)" \
	awk -v a="$rtt0" -v b="$rtt1" 'BEGIN { exit !(b != "-" && b > 10 && b > 20 * a) }'
check "flood-1: loss still low ($loss1 %)" test "$loss1" -le 25

# flood-2: heavy loss, RTT at the queue's limit (~0.4 s at 2 Mbit/s).
wait_stage cascade flood-2 20 || fail "flood-2 reached" "no stage line"
sleep 1
read -r loss2 rtt2 < <(ping_stats 198.51.100.20 40 0.1)
check "flood-2: loss high ($loss2 %)" test "$loss2" -ge 25
check "flood-2: RTT near the queue limit ($rtt2 ms)" awk -v b="$rtt2" 'BEGIN { exit !(b != "-" && b > 150) }'
check "flood-2: loss rose over flood-1 ($loss1 -> $loss2 %)" test "$loss2" -gt "$loss1"

# flood-3 + services-down: DNS, web and mail time out.
wait_stage cascade services-down 20 || fail "services-down reached" "no stage line"
check "services-down: DNS times out" bash -c "! ip netns exec $LAB-mon dig +time=2 +tries=1 @198.51.100.10 kp. SOA | grep -q NOERROR"
check "services-down: web times out" bash -c "! ip netns exec $LAB-mon curl -s --max-time 3 http://198.51.100.22/ >/dev/null"
check "services-down: mail times out" bash -c "! ip netns exec $LAB-mon swaks --server 198.51.100.30 --timeout 3 --to a@naenara.com.kp --quit-after CONNECT >/dev/null 2>&1"

# routers-down: the border router's own addresses are silent, the routes
# are still there (BGP withdrawal comes last).
wait_stage cascade routers-down 20 || fail "routers-down reached" "no stage line"
sleep 0.5
read -r lossr _ < <(ping_stats 203.0.113.10 10 0.2)
expect_eq "routers-down: border router's upstream address silent" "$lossr" 100
check "routers-down: routes still announced" country_route_present

# bgp-drop: the session dies on the hold timer, the routes go; probes now
# get "net unreachable" from the upstream.
wait_stage cascade bgp-withdrawn 40 || fail "bgp-withdrawn reached" "no stage line"
check "bgp-withdrawn: routes gone from the upstream (birdc)" country_route_absent
check "bgp-withdrawn: net unreachable from the upstream" bash -c \
	"ip netns exec $LAB-mon ping -n -c 3 -i 0.3 -W 1 198.51.100.20 | grep -q 'From 203.0.113.1 .*Net Unreachable'"
wait "$start_pid"
expect_eq "start exits 0" "$?" 0
withdraw=$(gap cascade bgp-drop bgp-withdrawn)
check "withdrawal within the hold time after the drop ($withdraw s)" in_range "$withdraw" 2 12
order="inject flood-1 flood-2 flood-3 services-down routers-down bgp-drop bgp-withdrawn"
times=$(for s in $order; do stage_epoch cascade "$s" || echo missing; done)
expect_eq "stages in order: $order" "$(sort -g <<<"$times")" "$times"

# Recovery: network, then mail (and DNS), then the web.
"$SCENARIO" cascade stop >"$LAB_TEST_DIR/stop.log" 2>&1 &
stop_pid=$!
wait_stage cascade mail 40 || fail "recovery: mail stage reached" "no stage line"
check "recovery: routes back before mail" before cascade bgp-restored mail
check "recovery: mail answers (swaks)" smtp_ok 198.51.100.30
check "recovery: the web still does not" bash -c "! ip netns exec $LAB-mon curl -s --max-time 2 http://198.51.100.22/ >/dev/null"
wait_stage cascade restored 60 || fail "recovery: restored" "no stage line"
wait "$stop_pid"
expect_eq "stop exits 0" "$?" 0
check "recovery: web answers" http_ok kcna.kp 198.51.100.22
check "recovery: everything answers" "$LABCTL" check
check "recovery: mail before web" before cascade mail web
check "recovery: no flood left" test -z "$(ip netns pids "$LAB-atk")"
lab_test_finish
