#!/usr/bin/env bash
# Huge and slow clients against a running `blackout watch`'s API (loopback
# only): a 1 MB URL, 1 MB of headers, a 1 MB body (POST, and GET with a body),
# a slowloris client trickling header bytes, and 100 idle connections from
# one address. Each gets an error or is closed within a bounded time (the
# API's limits: http.idle_timeout and http.request_timeout set to 3 s here,
# 16 connections per address, 32 KiB per request head); meanwhile other API
# requests are answered, probes keep being sent and stored, and the watcher's
# VmRSS stays bounded. The RSS figures are printed on stderr.
. "$TOP/tests/lib.sh"
. "$TOP/tests/servers.sh"
. "$TOP/tests/watcher.sh"
d=$(tmpdir)
H="python3 $TOP/tests/integration/http_hostile.py"
api_port=$(free_port)
watch_start "$d" "{listen: 127.0.0.1:$api_port, idle_timeout: 3s, request_timeout: 3s, max_connections: 64, max_per_ip: 16}" || finish
sleep 1
rss0=$(rss_kb)
T=127.0.0.1:$api_port

# the abusers come from 127.0.0.2, the well-behaved client from 127.0.0.1
for mode in huge-url huge-headers huge-body get-body; do
	out=$($H "$mode" "$T" --bind 127.0.0.2 --timeout 20 2>&1); rc=$?
	case $mode in
	huge-url) want="414" ;; huge-headers) want="431" ;; huge-body) want="405" ;; get-body) want="413" ;;
	esac
	secs=$(echo "$out" | awk '{ print $(NF-1) }')
	case $out in
	*" $want "*) ok "$mode: HTTP $want ($out)" ;;
	*closed*) [ "$rc" = 0 ] && ok "$mode: connection closed ($out)" || fail "$mode" "$out" ;;
	*) fail "$mode: HTTP $want or closed" "$out" ;;
	esac
done

# slowloris and 100 idle connections at the same time, while we ask the API
$H slowloris "$T" --bind 127.0.0.2 --timeout 30 >"$d/slow.out" 2>&1 &
SLOW=$!
$H idle "$T" --bind 127.0.0.3 --count 100 --timeout 30 >"$d/idle.out" 2>&1 &
IDLE=$!
at_exit "kill $SLOW $IDLE"
sleep 1
answered=0
for i in 1 2 3 4 5; do
	curl -sf --max-time 5 "$API/api/v1/entities" >/dev/null && answered=$((answered + 1))
	sleep 0.3
done
expect_eq "the API answers other clients during slowloris and 100 idle connections" "$answered" 5
grows probes_sent && ok "probes are sent during the abuse" || fail "probes during the abuse" "$(probes_sent)"

wait "$SLOW"; rc=$?
out=$(cat "$d/slow.out")
secs=$(echo "$out" | awk '{ print $(NF-1) }')
if [ "$rc" = 0 ] && awk -v s="${secs:-999}" 'BEGIN { exit !(s >= 2.5 && s <= 15) }'; then
	ok "slowloris (a header byte every 0.5 s) is cut off after $secs s (request_timeout 3 s)"
else fail "slowloris cut off" "rc $rc: $out"; fi
grep -q "http: closed the connection of 127.0.0.2:[0-9]*: no complete request within 3 s" "$d/watch.log" &&
	ok "slowloris: the log names the client" || fail "slowloris log line" "$(grep http "$d/watch.log" | tail -3)"
wait "$IDLE"; rc=$?
out=$(cat "$d/idle.out")
case $out in *"100 connections, 84 refused at once, 16 held"*) ok "idle: 16 per address held, 84 refused at once" ;;
	*) fail "idle: per-address limit" "$out" ;; esac
secs=$(echo "$out" | awk '/all .* closed after/ { print $(NF-1) }')
if [ "$rc" = 0 ] && awk -v s="${secs:-999}" 'BEGIN { exit !(s <= 15) }'; then
	ok "idle: all closed after $secs s (idle_timeout 3 s)"
else fail "idle connections closed" "rc $rc: $out"; fi

rss1=$(rss_kb)
echo "VmRSS before the abusive clients: $rss0 kB, after: $rss1 kB" >&2
[ -n "$rss0" ] && [ -n "$rss1" ] && [ "$rss1" -le $((rss0 + 8192)) ] &&
	ok "memory bounded: VmRSS $rss0 kB -> $rss1 kB (< +8 MB)" || fail "memory bounded" "VmRSS $rss0 -> $rss1 kB"
curl -sf --max-time 5 "$API/api/v1/entities" >/dev/null && ok "the API answers after the abuse" || fail "API after the abuse" ""
grows probes_sent && ok "probes are still sent after the abuse" || fail "probes after the abuse" "$(probes_sent)"
grows obs_stored && ok "observations are still stored after the abuse" || fail "stored after the abuse" "$(obs_stored)"
kill -TERM "$WPID" && wait "$WPID" && ok "watcher stops cleanly (exit 0)" || fail "watcher stops cleanly" "$(tail -3 "$d/watch.log")"
finish
