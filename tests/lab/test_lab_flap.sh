#!/usr/bin/env bash
# flap: the border link goes down and up LAB_FLAP_COUNT times; seen from the
# monitor as that many short loss bursts, each about LAB_FLAP_DOWN long,
# with no loss in between; in the default (cut) mode the routes never leave.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lab/labtest.sh"
lab_test_init
export LAB_FLAP_COUNT=4 LAB_FLAP_DOWN=1.5 LAB_FLAP_UP=4
lab_test_up

# A probe every 0.1 s from the monitor until the flapping is over (bounded).
# (ip netns exec execs timeout: $! is timeout's pid, which passes TERM on.)
ip netns exec "$LAB-mon" timeout 120 ping -n -O -i 0.1 -W 1 198.51.100.20 >"$LAB_TEST_DIR/ping.txt" 2>&1 &
ping_pid=$!
(
	while kill -0 $ping_pid 2>/dev/null; do
		[ -n "$(ip -n "$LAB-up" route show 198.51.100.0/24)" ] || echo gone
		sleep 0.2
	done
) >"$LAB_TEST_DIR/routes.txt" &
watch_pid=$!
sleep 1
if "$SCENARIO" flap start >"$LAB_TEST_DIR/start.log" 2>&1; then ok "start"; else fail "start" "exit $?"; fi
sleep 1
kill -TERM $ping_pid
wait $ping_pid $watch_pid

# Loss bursts: runs of >= 3 consecutive unanswered probes (0.3 s).
bursts=$(awk '
	/bytes from/ { for (i = 1; i <= NF; i++) if ($i ~ /^icmp_seq=/) { split($i, a, "="); got[a[2]] = 1 } }
	/no answer yet|Unreachable/ { for (i = 1; i <= NF; i++) if ($i ~ /^icmp_seq=/) { split($i, a, "="); sent[a[2]] = 1 } }
	/icmp_seq=/ { for (i = 1; i <= NF; i++) if ($i ~ /^icmp_seq=/) { split($i, a, "="); if (a[2] > max) max = a[2] } }
	END {
		run = 0; n = 0; longest = 0; stray = 0
		for (s = 1; s <= max; s++) {
			if (!(s in got)) { run++ } else { if (run >= 3) { n++; if (run > longest) longest = run } else stray += run; run = 0 }
		}
		if (run >= 3) { n++; if (run > longest) longest = run }
		printf "%d %d %d\n", n, longest, stray
	}' "$LAB_TEST_DIR/ping.txt")
read -r n longest stray <<<"$bursts"
expect_eq "one loss burst per flap" "$n" "$LAB_FLAP_COUNT"
check "each burst about as long as a down ($longest probes of 0.1 s)" in_range "$longest" 8 30
check "no loss between the flaps ($stray stray losses)" test "$stray" -le 3
expect_eq "routes never left the upstream (cut mode)" "$(cat "$LAB_TEST_DIR/routes.txt")" ""
expect_eq "truth: one down line per flap" "$(grep -c ' flap stage=down ' "$LAB_TRUTH")" "$LAB_FLAP_COUNT"
check "truth: recover after the last up" before flap "up n=$LAB_FLAP_COUNT" recover
if "$SCENARIO" flap stop >"$LAB_TEST_DIR/stop.log" 2>&1; then ok "stop"; else fail "stop" "exit $?"; fi
check "after the flaps: everything answers" "$LABCTL" check
lab_test_finish "$LAB_TEST_DIR/ping.txt"
