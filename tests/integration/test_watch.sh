#!/usr/bin/env bash
# blackout watch end to end, against real servers on loopback started here:
# nginx (web, http probe), NSD (dns), aiosmtpd (mail), ICMP to 127.0.0.x and a
# TCP control target that stays up; rounds of 1 s. nginx is stopped mid-run:
# one event for the entity, layers = web, starting a few rounds after the stop
# and ending a few rounds after the restart; events/report/status/API/metrics
# show it. Then an event that is open when watch stops is still open (same id,
# same key) after a restart of watch, and closes when nginx comes back.
# Margins are counted in rounds and generous: the machine is loaded.
. "$TOP/tests/lib.sh"
. "$TOP/tests/servers.sh"

# ---- no config, bad config: exit 2, never probes ----
err=$("$BLACKOUT" watch 2>&1 >/dev/null); rc=$?
expect_eq "watch without a config exits 2" "$rc" 2
case $err in *check-config*examples/*"blackout watchlist kp"*) ok "watch without a config says how to start" ;;
*) fail "watch without a config says how to start" "$err" ;; esac
d=$(tmpdir)
printf 'entities:\n  - name: x\n    kind: planet\n' >"$d/bad.yaml"
err=$("$BLACKOUT" watch -c "$d/bad.yaml" --db "$d/bad.db" 2>&1 >/dev/null); rc=$?
expect_eq "watch with a bad config exits 2" "$rc" 2
case $err in *"$d/bad.yaml:3:"[0-9]*": "*) ok "bad config error names file:line:col" ;;
*) fail "bad config error names file:line:col" "$err" ;; esac
[ ! -e "$d/bad.db" ] && ok "bad config: no store created" || fail "bad config: no store created" "$d/bad.db exists"

# ---- servers ----
start_nginx "$d/nginx" || { fail "nginx starts" "see $d/nginx/logs"; finish; }
start_nsd "$d/nsd" || { fail "nsd starts" ""; finish; }
start_smtp "$d/smtp" || { fail "aiosmtpd starts" ""; finish; }
ctl_port=$(free_port)
start_listener 127.0.0.3 "$ctl_port" || { fail "control listener" "not up"; finish; }
api_port=$(free_port)
db=$d/watch.db
cat >"$d/watch.yaml" <<YAML
defaults: {interval: 1s, timeout: 400ms, retries: 1}
store: {path: $d/unused.db, flush_interval: 500ms}
http: {listen: 127.0.0.1:$api_port}
entities:
  - name: lab
    kind: group
    description: "servers started by test_watch"
    targets:
      - name: lab-router
        role: router
        address: 127.0.0.2
        probes: [icmp]
      - name: lab-web
        role: web
        address: 127.0.0.1
        probes:
          - {type: http, url: "http://www.kp.test:$NGINX_PORT/"}
      - name: lab-dns
        role: dns
        address: 127.0.0.1
        probes:
          - {type: dns, port: $NSD_PORT, qname: kp., qtype: SOA}
      - name: lab-mail
        role: mail
        address: 127.0.0.1
        probes:
          - {type: smtp, port: $SMTP_PORT}
controls:
  - name: lab-control
    address: 127.0.0.3
    probes: [icmp, {type: tcp, port: $ctl_port}]
YAML
check "test config is valid" "$BLACKOUT" check-config "$d/watch.yaml"

API="http://127.0.0.1:$api_port"
WPID=
start_watch() { # LOG
	"$BLACKOUT" watch -c "$d/watch.yaml" --db "$db" 2>"$1" &
	WPID=$!
	at_exit "kill $WPID"
	wait_for 30 curl -sf "$API/api/v1/entities"
}
stop_watch() { # exit status of watch (99: took over 20 s)
	kill -TERM "$WPID"
	local t=$SECONDS rc
	wait "$WPID"
	rc=$?
	[ $((SECONDS - t)) -le 20 ] || rc=99
	return $rc
}
restart_nginx() { nginx -p "$d/nginx" -c "$d/nginx/nginx.conf" -e "$d/nginx/logs/error.log" &&
	wait_for 10 port_open 127.0.0.1 "$NGINX_PORT"; }
now() { date +%s; }
# py EXPR: evaluates EXPR with j = the JSON on stdin; a bool is the exit status, else printed
py() { python3 -c '
import json, sys
j = json.load(sys.stdin)
v = eval(sys.argv[1])
if isinstance(v, bool): sys.exit(0 if v else 1)
print(v)' "$1"; }
# iso2unix: an ISO 8601 UTC time from stdin as Unix seconds
iso2unix() { python3 -c 'import sys, datetime as d; print(int(d.datetime.fromisoformat(sys.stdin.read().strip().replace("Z", "+00:00")).timestamp()))'; }
min_sent() { curl -sf "$API/api/v1/targets" | py "min(t['sent'] for t in j['data'])"; }
sent_at_least() { local n; n=$(min_sent) && [ "$n" -ge "$1" ]; }
all_up() { curl -sf "$API/api/v1/targets" | py "all(t['state'] == 'up' for t in j['data'])"; }
events_json() { "$BLACKOUT" events --db "$db" --json; }
# events_are EXPR: the stored events satisfy EXPR (j = the list)
events_are() { events_json | py "$1" >/dev/null; }

if start_watch "$d/watch1.log"; then ok "watch serves the API"; else
	fail "watch serves the API" "$(tail -5 "$d/watch1.log")"; finish; fi
grep -q "1 entity, 5 targets, 6 probes; db $db" "$d/watch1.log" &&
	ok "watch says what it watches and where it stores" || fail "watch start line" "$(head -3 "$d/watch1.log")"
grep -q "API and dashboard on http://127.0.0.1:$api_port/" "$d/watch1.log" &&
	ok "watch says where the API listens" || fail "watch says where the API listens" "$(head -3 "$d/watch1.log")"

# baseline: every target up, and 10 rounds each
if wait_for 60 all_up && wait_for 60 sent_at_least 10; then ok "baseline: every target up for 10 rounds"; else
	fail "baseline: every target up" "$(curl -s "$API/api/v1/targets")"; finish; fi
expect_eq "no event while everything answers" "$(events_json)" "[]"

# ---- outage 1: nginx stops, comes back ----
t_stop=$(now)
stop_server nginx "$d/nginx"
if wait_for 60 events_are "len(j) == 1 and j[0]['open']"; then ok "an event opens after nginx stops"; else
	fail "an event opens after nginx stops" "$(events_json) $(tail -5 "$d/watch1.log")"; finish; fi
ev=$(events_json)
echo "$ev" | py "j[0]['entity'] == 'lab' and j[0]['layers_failed'] == ['web']" &&
	ok "the event is the entity's, layers = web" || fail "event entity and layers" "$ev"
start=$(echo "$ev" | py "j[0]['start']" | iso2unix)
if [ "$start" -ge $((t_stop - 2)) ] && [ "$start" -le $((t_stop + 8)) ]; then
	ok "event start within a few rounds after the stop ($((start - t_stop)) s)"
else fail "event start within a few rounds after the stop" "start $start, stop $t_stop"; fi

# the API and /metrics while it is open
curl -sf "$API/api/v1/events" | py "j['data'][0]['open'] and j['data'][0]['entity'] == 'lab'" &&
	ok "API /api/v1/events lists the open event" || fail "API /api/v1/events" "$(curl -s "$API/api/v1/events")"
curl -sf "$API/metrics" >"$d/metrics.txt"
if out=$(promtool check metrics <"$d/metrics.txt" 2>&1); then ok "/metrics passes promtool check metrics"; else
	fail "/metrics passes promtool" "$out"; fi
grep -q '^blackout_' "$d/metrics.txt" && ok "/metrics has blackout_ series" || fail "/metrics has blackout_ series" "$(head -5 "$d/metrics.txt")"
grep -q '^blackout_probe_rounds_skipped_total 0$' "$d/metrics.txt" && grep -q '^blackout_probes_pending [0-9]' "$d/metrics.txt" &&
	ok "/metrics: no round skipped, probes pending counted" || fail "/metrics: rounds skipped, pending" "$(grep -E 'skipped|pending' "$d/metrics.txt")"
eid=$(echo "$ev" | py "j[0]['id']")
curl -sf "$API/api/v1/events/$eid" | grep -q '"web' && ok "API event timeline names web" ||
	fail "API event timeline" "$(curl -s "$API/api/v1/events/$eid")"
curl -sf "$API/api/v1/signals/lab?maxPoints=50" | grep -q '"layer":"web"' && ok "API signals have the web layer" ||
	fail "API signals" "$(curl -s "$API/api/v1/signals/lab" | head -c 400)"
curl -sf "$API/api/v1/observations/lab-web?limit=3" | py "len(j['data']) == 3" &&
	ok "API observations of a target" || fail "API observations" "$(curl -s "$API/api/v1/observations/lab-web?limit=3" | head -c 400)"

t_back=$(now)
restart_nginx || { fail "nginx restarts" ""; finish; }
if wait_for 90 events_are "len(j) == 1 and not j[0]['open'] and j[0]['end'] is not None"; then
	ok "the event closes after nginx is back"; else fail "the event closes after nginx is back" "$(events_json)"; finish; fi
end=$(events_json | py "j[0]['end']" | iso2unix)
if [ "$end" -ge $((t_back - 2)) ] && [ "$end" -le $((t_back + 10)) ]; then
	ok "event end within a few rounds after the restart ($((end - t_back)) s)"
else fail "event end within a few rounds after the restart" "end $end, restart $t_back"; fi

rep=$("$BLACKOUT" report "$eid" --db "$db")
case $rep in *"timeline (UTC):"*"web down"*"web back"*"cause: "*) ok "report prints a timeline naming web" ;;
*) fail "report prints a timeline naming web" "$rep" ;; esac
"$BLACKOUT" report "$eid" --db "$db" --json | py "len(j['timeline']) >= 2 and j['layers_failed'] == ['web']" &&
	ok "report --json has the timeline" || fail "report --json" "$("$BLACKOUT" report "$eid" --db "$db" --json)"
st=$("$BLACKOUT" status --db "$db")
missing=
for t in lab-router lab-web lab-dns lab-mail lab-control; do
	printf '%s\n' "$st" | grep -Eq "^ +$t +[a-z]+ +up +[0-9T:-]+Z +ok " || missing="$missing $t"
done
[ -z "$missing" ] && ok "status shows every target up with its last outcome" || fail "status shows every target" "missing:$missing in: $st"
"$BLACKOUT" status --db "$db" --json | py "sorted(l['layer'] for l in j['entities'][0]['layers']) == ['dns','mail','router','web'] and len(j['controls']) == 1" &&
	ok "status --json: layers and controls" || fail "status --json" "$("$BLACKOUT" status --db "$db" --json)"

# ---- outage 2 spans a restart of watch ----
stop_server nginx "$d/nginx"
wait_for 60 events_are "len(j) == 2 and j[1]['open']" && ok "a second event opens" ||
	{ fail "a second event opens" "$(events_json)"; finish; }
open_row() { sqlite3 "file:$db?mode=ro" "SELECT id || ' ' || key FROM events WHERE end_us IS NULL OR end_us = 0"; }
key_before=$(open_row)
if stop_watch; then ok "watch stops on SIGTERM with exit 0"; else fail "watch stops on SIGTERM" "rc $?"; fi
events_are "j[1]['open']" && ok "the event is stored open at stop" || fail "event open at stop" "$(events_json)"
start_watch "$d/watch2.log" || { fail "watch restarts" "$(tail -5 "$d/watch2.log")"; finish; }
grep -q "replayed" "$d/watch2.log" && ok "watch replays history at start" || fail "watch replays history" "$(cat "$d/watch2.log")"
wait_for 60 sent_at_least 5 || fail "probing after the restart" "$(curl -s "$API/api/v1/targets")"
key_after=$(open_row)
if [ -n "$key_before" ] && [ "$key_before" = "$key_after" ]; then
	ok "the open event stays open across a restart, same id and key ($key_after)"; else
	fail "open event across a restart" "before '$key_before' after '$key_after'; $(events_json)"; fi
events_are "len(j) == 2 and not j[0]['open']" && ok "history kept across a restart" || fail "history kept" "$(events_json)"
restart_nginx || { fail "nginx restarts (2)" ""; finish; }
wait_for 90 events_are "len(j) == 2 and not j[1]['open']" && ok "the event closes after nginx is back (after the restart)" ||
	fail "restored event closes" "$(events_json)"
if stop_watch; then ok "watch stops again with exit 0"; else fail "watch stops again" "rc $?"; fi

# ---- replay re-finds the events from the stored observations ----
out=$("$BLACKOUT" replay --db "$db" -c "$d/watch.yaml" --json 2>/dev/null)
db_keys=$(sqlite3 "file:$db?mode=ro" "SELECT key FROM events ORDER BY id" | tr '\n' ' ')
rp_keys=$(echo "$out" | python3 -c 'import json, sys; print(" ".join(e["key"] for e in json.load(sys.stdin)) + " ")')
expect_eq "replay finds the watcher's events again (same keys)" "$rp_keys" "$db_keys"

# a store that cannot be opened: a clear error and exit 1 (this crashed in watch_free once)
err=$("$BLACKOUT" watch -c "$d/watch.yaml" --db "$d/no-such-dir/w.db" --duration 5 2>&1 >/dev/null); rc=$?
expect_eq "a store in a missing directory: exit 1, no crash" "$rc" 1
case $err in *"$d/no-such-dir/w.db"*"unable to open database file"*) ok "the store error names the file" ;;
	*) fail "the store error names the file" "$err" ;; esac
finish
