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
d=$(tmpdir)
H="python3 $TOP/tests/integration/http_hostile.py"
tcp_port=$(free_port)
start_listener 127.0.0.1 "$tcp_port" || { fail "tcp listener" "not up"; finish; }
api_port=$(free_port)
db=$d/w.db
cat >"$d/watch.yaml" <<YAML
defaults: {interval: 1s, timeout: 400ms, retries: 1}
store: {flush_interval: 500ms}
http: {listen: 127.0.0.1:$api_port, idle_timeout: 3s, request_timeout: 3s, max_connections: 64, max_per_ip: 16}
entities:
  - name: lab
    kind: group
    targets:
      - {name: w, role: web, address: 127.0.0.1, probes: [{type: tcp, port: $tcp_port}]}
YAML
check "test config is valid" "$BLACKOUT" check-config "$d/watch.yaml"
"$BLACKOUT" watch -c "$d/watch.yaml" --db "$db" 2>"$d/watch.log" &
WPID=$!
at_exit "kill $WPID"
API="http://127.0.0.1:$api_port"
sent() { curl -sf --max-time 5 "$API/metrics" | awk '/^blackout_probes_sent_total/ { s += $2 } END { print s + 0 }'; }
stored() { sqlite3 "file:$db?mode=ro" "SELECT count(*) FROM obs" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$WPID/status"; }
moving() { local a; a=$("$1"); wait_for 15 bash -c "[ \$($1) -gt $a ]"; }
export -f sent stored; export API db
wait_for 30 bash -c "[ \$(stored) -ge 5 ]" || { fail "watch starts and stores" "$(tail -5 "$d/watch.log")"; finish; }
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
moving sent && ok "probes are sent during the abuse" || fail "probes during the abuse" "$(sent)"

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
moving sent && ok "probes are still sent after the abuse" || fail "probes after the abuse" "$(sent)"
moving stored && ok "observations are still stored after the abuse" || fail "stored after the abuse" "$(stored)"
kill -TERM "$WPID" && wait "$WPID" && ok "watcher stops cleanly (exit 0)" || fail "watcher stops cleanly" "$(tail -3 "$d/watch.log")"
finish
