#!/usr/bin/env bash
# Alerts through blackout watch itself: a web target (a TCP listener on
# loopback) goes away and comes back; a webhook receiver (python http.server on
# loopback) and an exec hook must each get the outage ("open") and the
# restoration ("close") for the same stored event, in that order, with the
# event's cause and the Slack-style text line. A second webhook configured with
# on: [close], text: false and extra headers gets only the close, without text,
# with the headers. /metrics counts each hook's alerts (queued, delivered,
# failed: a third webhook points at a closed port). Rounds of 1 s; margins in rounds.
# The watcher's log is kept in tests/out/watch_alerts.watch.log; it must not
# show a queued store record refused (a row pointing at a row not yet stored).
. "$TOP/tests/lib.sh"
. "$TOP/tests/servers.sh"
d=$(tmpdir)
rx_port=$(free_port)
python3 "$TOP/tests/webhook_receiver.py" "$rx_port" "$d/webhook.jsonl" 2>"$d/receiver.log" &
RX_PID=$!
at_exit "kill $RX_PID"
rx2_port=$(free_port)
python3 "$TOP/tests/webhook_receiver.py" "$rx2_port" "$d/closes.jsonl" "$d/closes.headers" 2>"$d/receiver2.log" &
RX2_PID=$!
at_exit "kill $RX2_PID"
dead_port=$(free_port) # nothing listens there
wait_for 20 port_open 127.0.0.1 "$rx_port" || { fail "webhook receiver starts" ""; finish; }
wait_for 20 port_open 127.0.0.1 "$rx2_port" || { fail "second webhook receiver starts" ""; finish; }
cat >"$d/hook.sh" <<EOF
#!/bin/sh
tr '\n' ' ' >>"$d/exec.jsonl"
echo >>"$d/exec.jsonl"
EOF
chmod +x "$d/hook.sh"

web_port=$(free_port)
ctl_port=$(free_port)
start_listener 127.0.0.3 "$ctl_port" || { fail "control listener" "not up"; finish; }
start_listener 127.0.0.4 "$web_port" || { fail "web listener" "not up"; finish; }
WEB_PID=$LISTENER_PID
api_port=$(free_port)
cat >"$d/watch.yaml" <<YAML
defaults: {interval: 1s, timeout: 400ms, retries: 1}
store: {flush_interval: 500ms}
http: {listen: 127.0.0.1:$api_port}
alerts:
  - {name: rx, type: webhook, url: "http://127.0.0.1:$rx_port/hook", timeout: 2s}
  - {name: ex, type: exec, command: ["$d/hook.sh"], timeout: 5s}
  - name: closes
    type: webhook
    url: "http://127.0.0.1:$rx2_port/closes"
    on: [close]
    text: false
    headers: {Authorization: "Bearer t0k3n", X-Blackout-Test: "yes"}
  - {name: dead, type: webhook, url: "http://127.0.0.1:$dead_port/", on: [open], timeout: 1s}
entities:
  - name: shop
    kind: group
    targets:
      - name: shop-web
        role: web
        address: 127.0.0.4
        probes: [{type: tcp, port: $web_port}]
      - name: shop-host
        role: host
        address: 127.0.0.5
        probes: [icmp]
controls:
  - name: ctl
    address: 127.0.0.3
    probes: [{type: tcp, port: $ctl_port}]
YAML
check "test config is valid" "$BLACKOUT" check-config "$d/watch.yaml"
"$BLACKOUT" watch -v -c "$d/watch.yaml" --db "$d/w.db" 2>"$d/watch.log" &
WPID=$!
at_exit "kill $WPID"
wait_for 30 curl -sf "http://127.0.0.1:$api_port/api/v1/entities" || { fail "watch starts" "$(tail -5 "$d/watch.log")"; finish; }
sleep 12 # a baseline of about 12 rounds (targets established, k known)

metric() { # SERIES (name{labels} as exported): its value, or "none"
	curl -sf "http://127.0.0.1:$api_port/metrics" | awk -v s="$1" '$1 == s {print $2; f=1} END {if (!f) print "none"}'
}
curl -sf "http://127.0.0.1:$api_port/metrics" >"$d/metrics0.txt"
if out=$(promtool check metrics <"$d/metrics0.txt" 2>&1); then ok "/metrics with alert series passes promtool check metrics"; else
	fail "/metrics with alert series passes promtool" "$out"; fi
expect_eq "before the outage: nothing queued for the webhook" "$(metric 'blackout_alerts_queued_total{sink="webhook:rx"}')" 0
expect_eq "before the outage: nothing delivered to the exec hook" \
	"$(metric 'blackout_alert_deliveries_total{sink="exec:ex",result="ok"}')" 0
expect_eq "before the outage: nothing pending for the dead webhook" "$(metric 'blackout_alerts_pending{sink="webhook:dead"}')" 0

has() { [ -f "$1" ] && grep -q "\"kind\":\"$2\"" "$1"; } # FILE KIND
kill "$WEB_PID"
if wait_for 40 has "$d/webhook.jsonl" open; then
	ok "the outage reaches the webhook"
else
	fail "the outage reaches the webhook" "$(tail -5 "$d/watch.log")"
fi
start_listener 127.0.0.4 "$web_port" || fail "web listener restarts" ""
# the event closes after the detector's close hold (10 rounds) once the web is back
if wait_for 60 has "$d/webhook.jsonl" close && wait_for 20 has "$d/exec.jsonl" close; then
	ok "the restoration reaches the webhook and the exec hook"
else
	fail "the restoration reaches the webhook and the exec hook" "$(tail -5 "$d/watch.log")"
fi
# the second webhook: on: [close], text: false, extra headers
if wait_for 20 has "$d/closes.jsonl" close; then ok "on: [close] webhook gets the restoration"; else
	fail "on: [close] webhook gets the restoration" "$(tail -5 "$d/watch.log")"; fi
got=$(python3 - "$d/closes.jsonl" "$d/closes.headers" <<'PY'
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
heads = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
print(" ".join(a["kind"] for a in alerts),
      "text" if any("text" in a for a in alerts) else "notext",
      all(h.get("Authorization") == "Bearer t0k3n" and h.get("X-Blackout-Test") == "yes"
          and h.get("Content-Type") == "application/json" for h in heads) and len(heads) == len(alerts))
PY
)
expect_eq "on: [close], text: false: only the close, no text field, the configured headers" "$got" "close notext True"
# /metrics counts what each hook got (the webhook may also have had updates)
n_rx=$(grep -c . "$d/webhook.jsonl")
wait_for 20 test "$(metric 'blackout_alert_deliveries_total{sink="webhook:closes",result="ok"}')" = 1
expect_eq "metrics: alerts queued for the webhook = alerts it received" \
	"$(metric 'blackout_alerts_queued_total{sink="webhook:rx"}')" "$n_rx"
expect_eq "metrics: deliveries ok to the webhook = alerts it received" \
	"$(metric 'blackout_alert_deliveries_total{sink="webhook:rx",result="ok"}')" "$n_rx"
expect_eq "metrics: nothing pending for the webhook" "$(metric 'blackout_alerts_pending{sink="webhook:rx"}')" 0
expect_eq "metrics: one alert queued for the on: [close] webhook" \
	"$(metric 'blackout_alerts_queued_total{sink="webhook:closes"}')" 1
expect_eq "metrics: the dead webhook's open is pending" "$(metric 'blackout_alerts_pending{sink="webhook:dead"}')" 1
f=$(metric 'blackout_alert_deliveries_total{sink="webhook:dead",result="failed"}')
case $f in [1-9]*) ok "metrics: failed deliveries to the dead webhook counted ($f)" ;;
*) fail "metrics: failed deliveries to the dead webhook counted" "got '$f'" ;; esac
curl -sf "http://127.0.0.1:$api_port/metrics" >"$d/metrics1.txt"
if out=$(promtool check metrics <"$d/metrics1.txt" 2>&1); then ok "/metrics after the alerts passes promtool"; else
	fail "/metrics after the alerts passes promtool" "$out"; fi
kill -TERM "$WPID"; wait "$WPID"
expect_eq "watch exits 0 on SIGTERM" "$?" 0
cp "$d/watch.log" "$TOP/tests/out/watch_alerts.watch.log" 2>/dev/null
if grep -q 'refused and skipped' "$d/watch.log"; then
	fail "the store refuses no queued record" "$(grep -m3 'refused and skipped' "$d/watch.log")"
else
	ok "the store refuses no queued record"
fi

summary() { # FILE: kind:event id:cause:text, in order
	python3 - "$1" <<'PY'
import json, sys
rows = []
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    a = json.loads(line)
    ok_text = isinstance(a.get("text"), str) and a["text"].startswith("blackout: ")
    rows.append("%s:%s:%s:%s" % (a["kind"], a["event"]["id"], a["event"]["cause"], "text" if ok_text else "notext"))
print(" ".join(rows))
PY
}
ids=$(sqlite3 "$d/w.db" "select id||':'||cause from events" 2>/dev/null)
n=$(echo "$ids" | grep -c .)
expect_eq "one stored event" "$n" 1
for f in webhook exec; do
	got=$(summary "$d/$f.jsonl")
	first=$(echo "$got" | awk '{print $1}')
	last=$(echo "$got" | awk '{print $NF}')
	case $first in "open:${ids}:text") ok "$f: first alert is the outage of the stored event ($first)" ;;
	*) fail "$f: first alert is the outage of the stored event" "got '$got', stored '$ids'" ;; esac
	case $last in "close:${ids}:text") ok "$f: last alert is its restoration ($last)" ;;
	*) fail "$f: last alert is its restoration" "got '$got', stored '$ids'" ;; esac
done
finish
