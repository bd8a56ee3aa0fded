#!/usr/bin/env bash
# noise: ~5 % random loss and RTT jitter into the country, nothing down,
# and it ends by itself after LAB_NOISE_SECONDS.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lab/labtest.sh"
lab_test_init
export LAB_NOISE_SECONDS=45 # the scenario's default is 70; 45 is enough to measure
lab_test_up

read -r _ rtt0 < <(mon ping -n -q -c 20 -i 0.05 198.51.100.20 | awk -F/ '/^rtt/ { print 0, $6 }')
if "$SCENARIO" noise start >"$LAB_TEST_DIR/start.log" 2>&1; then ok "start"; else fail "start" "exit $?"; fi
out=$(mon ping -n -q -c 600 -i 0.05 -W 2 198.51.100.22)
loss=$(awk '/packet loss/ { for (i = 1; i <= NF; i++) if ($i ~ /%$/) { sub("%", "", $i); print $i } }' <<<"$out")
mdev=$(awk -F/ '/^rtt/ { print $7 + 0 }' <<<"$out")
check "loss about 5 % ($loss % of 600)" in_range "$loss" 1.5 10
check "RTT jitters (mdev $mdev ms, was $rtt0 ms)" awk -v m="$mdev" 'BEGIN { exit !(m > 2) }'
read -r lc _ < <(ping_stats 203.0.113.18 100 0.05)
expect_eq "control host: no loss" "$lc" 0
check "routes stay" country_route_present
# Every service answers within a few tries.
for t in "http_ok naenara.com.kp 198.51.100.20" "dns_ok 198.51.100.10" "smtp_ok 198.51.100.30"; do
	check "answers through the noise: ${t%% *}" wait_for 10 $t
done
check "ends by itself (no stop called)" wait_stage noise "recover by=watchdog" 60
check "restored by itself" wait_stage noise restored 60
expect_eq "no flood left" "$(ip netns pids "$LAB-atk")" ""
check "no loss rule left" bash -c "! ip netns exec $LAB-up nft list tables | grep -q sc_noise"
read -r l _ < <(ping_stats 198.51.100.22 200 0.02)
expect_eq "after the noise: no loss" "$l" 0
lab_test_finish
