#!/usr/bin/env bash
# kill -9 of blackout watch while it writes heavily: 300 ICMP targets on
# 127.0.1.0/24-127.0.2.x and 100 TCP targets on a listener, every 1 s (about
# 400 observations a second), store flush interval 1 s (the default). An entity
# "shop" has a web target on a TCP listener the test stops first, so an event
# is open. The watcher is then killed with SIGKILL 4 times at a random moment
# and restarted; after each kill:
#   - the database opens and PRAGMA integrity_check says ok;
#   - the newest stored observation is at most 2.0 s older than the kill.
#     Why 2.0 s: the flusher commits the queue every flush interval (1 s); a
#     kill loses the queue and the batch being written, i.e. at most one flush
#     interval plus the duration of that flush. Observations are stamped when
#     sent and every probe here answers (or is refused) within milliseconds on
#     loopback, and 400 targets spread over the second, so the newest committed
#     observation is about the start of the last committed flush. 1 s is given
#     to the flush and to loop lag on a loaded 2-core machine. The gaps
#     measured are printed in the test names.
#   - the restarted watcher probes again (observations newer than the restart),
#   - the open event is still the only open event, same id and key.
. "$TOP/tests/lib.sh"
. "$TOP/tests/servers.sh"

d=$(tmpdir)
mass_port=$(free_port)
start_listener 127.0.0.3 "$mass_port" || { fail "mass listener" "not up"; finish; }
shop_port=$(free_port)
start_listener 127.0.0.4 "$shop_port" || { fail "shop listener" "not up"; finish; }
shop_pid=$LISTENER_PID
api_port=$(free_port)
db=$d/crash.db
python3 - "$d/crash.yaml" "$mass_port" "$shop_port" "$api_port" <<'PY'
import sys
path, mass, shop, api = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
o = ["defaults: {interval: 1s, timeout: 500ms, retries: 0}",
     "store: {flush_interval: 1s}",
     "http: {listen: 127.0.0.1:%s}" % api,
     "entities:",
     "  - name: mass", "    kind: group", "    targets:"]
for i in range(300):
    o.append("      - {name: icmp-%d, role: router, address: 127.0.%d.%d, probes: [icmp]}" % (i, 1 + i // 250, 1 + i % 250))
for i in range(100):
    o.append("      - {name: tcp-%d, role: web, address: 127.0.0.3, probes: [{type: tcp, port: %s}]}" % (i, mass))
o += ["  - name: shop", "    kind: group", "    targets:",
      "      - {name: shop-router, role: router, address: 127.0.0.4, probes: [icmp]}",
      "      - {name: shop-web, role: web, address: 127.0.0.4, probes: [{type: tcp, port: %s}]}" % shop]
open(path, "w").write("\n".join(o) + "\n")
PY
check "test config is valid" "$BLACKOUT" check-config "$d/crash.yaml"

q() { sqlite3 "file:$db?mode=ro" "$1" 2>/dev/null; }
now_us() { date +%s%6N; }
newer_than() { local n; n=$(q "SELECT count(*) FROM obs WHERE time_us > $1") && [ "${n:-0}" -ge 400 ]; }
open_event() { q "SELECT id || ' ' || key FROM events WHERE end_us IS NULL OR end_us = 0"; }
WPID=
start_watch() { # LOG; returns once 400 observations newer than the start are stored
	local t0; t0=$(now_us)
	"$BLACKOUT" watch -c "$d/crash.yaml" --db "$db" 2>"$1" &
	WPID=$!
	at_exit "kill -9 $WPID"
	wait_for 60 newer_than "$t0"
}

start_watch "$d/w0.log" || { fail "watch starts and stores observations" "$(tail -5 "$d/w0.log")"; finish; }
ok "watch stores observations of 402 targets"
kill "$shop_pid"
if wait_for 60 sh -c "[ -n \"\$(sqlite3 'file:$db?mode=ro' 'SELECT id FROM events WHERE end_us IS NULL OR end_us = 0' 2>/dev/null)\" ]"; then
	ok "an event opens when the shop's web listener stops"; else
	fail "an event opens" "$(q 'SELECT * FROM events')"; finish; fi
ev=$(open_event)
expect_eq "one open event" "$(echo "$ev" | wc -l)" 1
case $ev in *" shop/"[0-9]*) ok "the open event is the shop's ($ev)" ;; *) fail "the open event is the shop's" "$ev" ;; esac

gaps=""
for i in 1 2 3 4; do
	# let it write for 2 to 4 s, killing at a random point of the flush cycle
	sleep "$((2 + RANDOM % 2)).$((RANDOM % 10))"
	t_kill=$(now_us)
	kill -9 "$WPID"
	wait "$WPID" 2>/dev/null
	expect_eq "kill $i: integrity_check ok" "$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)" ok
	last=$(q "SELECT max(time_us) FROM obs")
	gap=$((t_kill - ${last:-0}))
	gaps="$gaps $((gap / 1000))"
	if [ "$gap" -le 2000000 ]; then ok "kill $i: newest observation $((gap / 1000)) ms before the kill (<= 2000)"; else
		fail "kill $i: newest observation within 2 s of the kill" "gap $((gap / 1000)) ms"; fi
	expect_eq "kill $i: the open event is still open, same id and key" "$(open_event)" "$ev"
	t_restart=$(now_us)
	if start_watch "$d/w$i.log"; then ok "kill $i: the restarted watcher probes again"; else
		fail "kill $i: restart probes" "$(tail -5 "$d/w$i.log")"; finish; fi
	expect_eq "kill $i: after the restart the same event is open" "$(open_event)" "$ev"
done
echo "# gaps between the kill and the newest stored observation (ms):$gaps" >&2
kill -TERM "$WPID"
wait "$WPID"
expect_eq "a clean stop after the kills exits 0" "$?" 0
expect_eq "integrity_check after the clean stop" "$(sqlite3 "$db" 'PRAGMA integrity_check')" ok
expect_eq "the event is still open after the clean stop" "$(open_event)" "$ev"
finish
