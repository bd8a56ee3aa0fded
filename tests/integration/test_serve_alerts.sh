#!/usr/bin/env bash
# Alerts from the real alerter (libcurl multi and uv_spawn on the uv loop) to a
# local webhook receiver (python3 http.server on loopback) and an exec hook:
# open and close both arrive, in order, with a Slack-compatible "text"; an
# unreachable webhook is retried with growing delays and delivered once it comes
# up; an alert still pending when the fixture stops is delivered after a restart
# from the file-backed outbox.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib_serve.sh"
d=$(tmpdir)
start_receiver() { # PORT FILE: sets RX_PID
	python3 "$TOP/tests/webhook_receiver.py" "$1" "$2" >>"$d/receiver.log" 2>&1 &
	RX_PID=$!
	at_exit "kill $RX_PID"
	wait_for 20 python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$1"
}
cat >"$d/hook.sh" <<EOF
#!/bin/sh
cat >>"$d/exec.jsonl"
echo >>"$d/exec.jsonl"
EOF
chmod +x "$d/hook.sh"
has_lines() { [ -f "$1" ] && [ "$(grep -c . "$1")" -ge "$2" ]; } # FILE N
# kinds FILE: the "kind" of each alert in FILE, space-separated; checks each is JSON with a text
kinds() {
	python3 - "$1" <<'PY'
import json, sys
out = []
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    a = json.loads(line)
    assert isinstance(a["text"], str) and a["text"].startswith("blackout: ")
    out.append("%s:%d" % (a["kind"], a["event"]["id"]))
print(" ".join(out))
PY
}
metric() { # SERIES (name{labels} as exported): its value on the fixture's /metrics, or "none"
	curl -sf "$FX_URL/metrics" | awk -v s="$1" '$1 == s {print $2; f=1} END {if (!f) print "none"}'
}
add_event() { # ID: an open abrupt event
	printf 'event %s lab abrupt 0.9 0.8 -20 open every layer failed in one round\n' "$1" >>"$FX_FILE"
	kill -USR1 "$FX_PID"
}
close_event() { # ID
	sed -i "s/^event $1 \(.*\) -20 open /event $1 \1 -20 -1 /" "$FX_FILE"
	kill -USR1 "$FX_PID"
}

# --- open and close reach the webhook and the exec hook
rport=$(free_port)
start_receiver "$rport" "$d/hook.jsonl" || { fail "receiver starts" "$(cat "$d/receiver.log")"; finish; }
mkdir -p "$d/a"
start_fixture "$d/a" --outbox "$d/a/outbox" --webhook "http://127.0.0.1:$rport/hook" --exec "$d/hook.sh" \
	--backoff-ms 200 --dashboard-url "http://127.0.0.1:9" || { fail "fixture starts" ""; finish; }
add_event 2
if wait_for 30 has_lines "$d/hook.jsonl" 1; then ok "webhook gets the open alert"; else fail "webhook gets the open alert" "$(tail -3 "$d/a/fixture.err")"; fi
if wait_for 30 has_lines "$d/exec.jsonl" 1; then ok "exec hook gets the open alert"; else fail "exec hook gets the open alert" "$(tail -3 "$d/a/fixture.err")"; fi
close_event 2
wait_for 30 has_lines "$d/hook.jsonl" 2
wait_for 30 has_lines "$d/exec.jsonl" 2
expect_eq "webhook: open then close (restoration), as JSON with text" "$(kinds "$d/hook.jsonl")" "open:2 close:2"
expect_eq "exec hook: the same event JSON on stdin" "$(kinds "$d/exec.jsonl")" "open:2 close:2"
if grep -q '"text":"blackout: RESTORED: lab is back since' "$d/hook.jsonl"; then ok "close alert says it is restored"; else fail "close alert text" "$(tail -1 "$d/hook.jsonl")"; fi
if grep -q 'http://127.0.0.1:9/#/event/2' "$d/hook.jsonl"; then ok "alert links to the event page"; else fail "alert links to the event page" ""; fi
m="$(metric 'blackout_alerts_queued_total{sink="webhook:hook1"}') $(metric 'blackout_alert_deliveries_total{sink="webhook:hook1",result="ok"}')"
m="$m $(metric 'blackout_alert_deliveries_total{sink="exec:run1",result="ok"}') $(metric 'blackout_alerts_pending{sink="exec:run1"}')"
expect_eq "metrics: queued, delivered (webhook, exec), pending" "$m" "2 2 2 0"
stop_fixture
expect_eq "the fixture stops cleanly" "$?" 0
pending=$(awk '$1=="E"{e[$2]=1} $1=="S"{delete e[$2]} END{print length(e)}' "$d/a/outbox")
expect_eq "outbox: every alert marked sent" "$pending" 0
kill "$RX_PID"; wait "$RX_PID" 2>/dev/null

# --- an unreachable webhook is retried with backoff, delivered when it comes up
dport=$(free_port)
mkdir -p "$d/b"
cp "$TOP/tests/data/serve/cascade.fixture" "$d/b/fixture"
start_fixture "$d/b" --outbox "$d/b/outbox" --webhook "http://127.0.0.1:$dport/hook" --backoff-ms 300 || { fail "fixture starts" ""; finish; }
add_event 3
if wait_for 30 grep -q "failed (attempt 3)" "$d/b/fixture.err"; then ok "unreachable webhook: attempts fail and are retried"; else
	fail "unreachable webhook retried" "$(tail -3 "$d/b/fixture.err")"; fi
delays=$(grep -o 'next try in [0-9.]* s' "$d/b/fixture.err" | awk '{print $4}' | head -3 | tr '\n' ' ')
expect_eq "retry delays double (exponential backoff, seconds)" "$delays" "0.3 0.6 1.2 "
f=$(metric 'blackout_alert_deliveries_total{sink="webhook:hook1",result="failed"}')
case $f in [3-9] | [1-9][0-9]*) ok "metrics: failed attempts counted ($f)" ;; *) fail "metrics: failed attempts counted" "got '$f'" ;; esac
expect_eq "metrics: the alert is pending" "$(metric 'blackout_alerts_pending{sink="webhook:hook1"}')" 1
start_receiver "$dport" "$d/late.jsonl"
if wait_for 30 has_lines "$d/late.jsonl" 1; then ok "delivered once the webhook comes up"; else fail "delivered once the webhook comes up" "$(tail -3 "$d/b/fixture.err")"; fi
expect_eq "the late alert is the open of event 3" "$(kinds "$d/late.jsonl")" "open:3"
stop_fixture
kill "$RX_PID"; wait "$RX_PID" 2>/dev/null

# --- a pending alert survives a restart (file-backed outbox)
mkdir -p "$d/c"
cp "$TOP/tests/data/serve/cascade.fixture" "$d/c/fixture"
start_fixture "$d/c" --outbox "$d/c/outbox" --webhook "http://127.0.0.1:$dport/hook" --backoff-ms 200 || { fail "fixture starts" ""; finish; }
add_event 4
wait_for 30 grep -q "failed (attempt 1)" "$d/c/fixture.err"
stop_fixture
pending=$(awk '$1=="E"{e[$2]=1} $1=="S"{delete e[$2]} END{print length(e)}' "$d/c/outbox")
expect_eq "after the stop, the alert is pending in the outbox" "$pending" 1
start_receiver "$dport" "$d/restart.jsonl"
start_fixture "$d/c" --outbox "$d/c/outbox" --webhook "http://127.0.0.1:$dport/hook" --backoff-ms 200
if wait_for 30 has_lines "$d/restart.jsonl" 1; then ok "pending alert delivered after the restart"; else fail "pending alert delivered after the restart" "$(tail -3 "$d/c/fixture.err")"; fi
expect_eq "it is the open of event 4" "$(kinds "$d/restart.jsonl")" "open:4"
if grep -q "1 alert(s) still to deliver" "$d/c/fixture.err"; then ok "restart reports the pending alert"; else fail "restart reports the pending alert" ""; fi
stop_fixture
pending=$(awk '$1=="E"{e[$2]=1} $1=="S"{delete e[$2]} END{print length(e)}' "$d/c/outbox")
expect_eq "outbox empty after delivery" "$pending" 0
finish
