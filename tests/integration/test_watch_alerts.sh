#!/usr/bin/env bash
# Alerts through blackout watch itself: a web target (a TCP listener on
# loopback) goes away and comes back; a webhook receiver (python http.server on
# loopback) and an exec hook must each get the outage ("open") and the
# restoration ("close") for the same stored event, in that order, with the
# event's cause and the Slack-style text line. Rounds of 1 s; margins in rounds.
# The watcher's log is kept in tests/out/watch_alerts.watch.log; it must not
# show a queued store record refused (a row pointing at a row not yet stored).
. "$TOP/tests/lib.sh"
. "$TOP/tests/servers.sh"
d=$(tmpdir)
rx_port=$(free_port)
python3 "$TOP/tests/webhook_receiver.py" "$rx_port" "$d/webhook.jsonl" 2>"$d/receiver.log" &
RX_PID=$!
at_exit "kill $RX_PID"
wait_for 20 port_open 127.0.0.1 "$rx_port" || { fail "webhook receiver starts" ""; finish; }
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
