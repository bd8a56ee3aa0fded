#!/usr/bin/env bash
# The HTTP API and /metrics over the real server (libmicrohttpd on the uv loop),
# with curl: 200s with the right shapes, 400s naming the parameter, 401/403/404/405,
# the token, the refusal to listen off loopback without one, limits against huge
# and slow clients, and `promtool check metrics`.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib_serve.sh"
d=$(tmpdir)
start_fixture "$d" || { fail "fixture starts" "see above"; finish; }
U=$FX_URL

# status CODE NAME PATH [CURL ARGS...]: the status code, and saves the body to $d/body
status() {
	local want=$1 name=$2 path=$3; shift 3
	local got
	got=$(curl -sS -o "$d/body" -w '%{http_code}' --max-time 20 "$@" "$U$path")
	expect_eq "$name" "$got" "$want"
}
body_has() { # NAME TEXT
	if grep -qF -- "$2" "$d/body"; then ok "$1"; else fail "$1" "body lacks '$2': $(head -c 300 "$d/body")"; fi
}
json_ok() { # NAME: the body parses as JSON
	if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$d/body" 2>/dev/null; then ok "$1"; else fail "$1" "not JSON: $(head -c 200 "$d/body")"; fi
}

status 200 "entities 200" /api/v1/entities; json_ok "entities is JSON"; body_has "entities lists lab" '"id":"lab"'
status 200 "targets 200" "/api/v1/targets?entity=lab"; json_ok "targets is JSON"; body_has "targets carry state" '"state":"down"'
status 200 "signals 200" "/api/v1/signals/lab?maxPoints=50"; json_ok "signals is JSON"
n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["data"][0]; m=max(len(x["values"]) for x in s); print(len(s), 25 < m <= 50, s[0]["nativeStep"])' "$d/body")
expect_eq "signals: 13 series (4 layers x 3 + bgp), 26 to 50 points, native step 60" "$n" "13 True 60"
from=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%SZ); until=$(date -u +%s)
status 200 "signals with ISO from and Unix until" "/api/v1/signals/lab?from=$from&until=$until&maxPoints=10"
body_has "signals echo the window" "\"from\":\"$from\""
status 200 "events 200" /api/v1/events; json_ok "events is JSON"; body_has "events carry cause" '"cause":"cascade"'
status 200 "event 1 200" /api/v1/events/1; body_has "event has its timeline" '"timeline":[{'
status 200 "bgp 200" /api/v1/bgp; body_has "bgp visibility" '"visibility":0.75'
status 200 "observations 200" "/api/v1/observations/www2?limit=5"; json_ok "observations are JSON"
body_has "observations escape remote text" '"detail":"<b>no</b> answer \"quoted\""'
status 200 "HEAD is served" /api/v1/entities -I

status 400 "bad maxPoints is 400" "/api/v1/signals/lab?maxPoints=0"; body_has "400 names maxPoints" "parameter 'maxPoints'"
status 400 "bad time is 400" "/api/v1/events?since=last%20tuesday"; body_has "400 names since" "parameter 'since': expected a time"
status 400 "unknown parameter is 400" "/api/v1/bgp?x=1"; body_has "400 names the unknown parameter" "unknown parameter 'x'"
status 400 "from after until is 400" "/api/v1/observations/r1?from=2030-01-01&until=2029-01-01"
status 400 "bad event id is 400" "/api/v1/events/one"
status 404 "unknown entity is 404" "/api/v1/signals/nowhere"; body_has "404 names it" "no entity 'nowhere'"
status 404 "unknown target is 404" "/api/v1/observations/nothing"
status 404 "unknown event is 404" "/api/v1/events/999"
status 404 "unknown path is 404" "/api/v1/frobnicate"
status 405 "POST is 405" /api/v1/entities -X POST
status 403 "foreign Host header is 403 without a token" /api/v1/entities -H 'Host: attacker.example'
status 200 "dashboard page" /; body_has "dashboard is HTML" '<script src="/assets/app.js"'
status 200 "vendored uPlot served" /assets/vendor/uPlot.iife.min.js
status 404 "no path escape from assets" "/assets/..%2F..%2Fetc%2Fpasswd"

# /metrics
status 200 "metrics 200" /metrics
ct=$(curl -sS -o /dev/null -w '%{content_type}' "$U/metrics")
expect_eq "metrics content type" "$ct" "text/plain; version=0.0.4; charset=utf-8"
if out=$(promtool check metrics <"$d/body" 2>&1); then ok "promtool check metrics passes"; else fail "promtool check metrics passes" "$out"; fi
body_has "metrics escape hostile labels" 'address="<script>alert(1)</script>\"\\"'
body_has "engine counters" 'blackout_probes_sent_total 123456'
body_has "open events by cause" 'blackout_events_open{cause="cascade"} 0'

# limits: a header bigger than the per-connection memory limit is refused, the server lives on
big=$(head -c 40000 /dev/zero | tr '\0' a)
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 20 -H "X-Big: $big" "$U/api/v1/entities" 2>/dev/null)
case "$code" in 4??) ok "huge header refused ($code)" ;; *) fail "huge header refused" "status $code" ;; esac
status 200 "server answers after a huge request" /api/v1/entities
status 413 "a request body is refused" /api/v1/entities -H 'Content-Length: 5' --data-binary 'xxxxx' -X GET
# slow clients: 10 connections that send half a request and stall do not stop others
# (16 per address is the limit; past it connections are refused, see below)
slow_clients() { # COUNT SECONDS
python3 - "$FX_PORT" "$1" "$2" >"$d/slow.out" 2>&1 <<'PY' &
import socket, sys, time
socks = []
for i in range(int(sys.argv[2])):
    try:  # past the limit the server closes at once; keep the others open
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        s.sendall(b"GET /api/v1/entities HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        socks.append(s)
    except OSError:
        pass
print("ready", len(socks), flush=True)
end = time.time() + float(sys.argv[3])
while time.time() < end:  # trickle a header byte now and then: never idle, never done
    time.sleep(1)
    for s in socks:
        try:
            s.sendall(b"X")
        except OSError:
            pass
PY
slow=$!
# wait until every connection is open (a loaded machine may take a while)
wait_for 20 grep -q '^ready' "$d/slow.out"
}
slow_clients 10 30
# they hold their connections for 30 s; an answer within 8 s shows they do not block the loop
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 8 "$U/api/v1/entities" 2>/dev/null)
expect_eq "answers while 10 slow clients trickle their requests" "$code" 200
kill $slow; wait $slow 2>/dev/null
slow_clients 40 30
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 20 "$U/api/v1/entities" 2>/dev/null)
expect_eq "past the per-address connection limit, new connections are refused" "$code" "000"
kill $slow; wait $slow 2>/dev/null
wait_for 20 curl -sf -o /dev/null "$U/api/v1/entities"
status 200 "the server answers again once the slow clients are gone" /api/v1/entities

# token: required when configured, compared exactly
stop_fixture
start_fixture "$d" --token 's3cr3t-t0ken'
U=$FX_URL
status 401 "no token is 401" /api/v1/entities
status 401 "wrong token is 401" /api/v1/entities -H 'Authorization: Bearer s3cr3t-t0ke'
status 401 "metrics need the token too" /metrics
status 200 "right token is 200" /api/v1/entities -H 'Authorization: Bearer s3cr3t-t0ken'
status 200 "the page itself is public (it asks for the token)" /
stop_fixture

# IPv6 loopback
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
	mkdir -p "$d/v6"
	cp "$FX_FILE" "$d/v6/fixture"
	start_fixture "$d/v6" --address ::1
	code=$(curl -sg -o /dev/null -w '%{http_code}' --max-time 20 "http://[::1]:$FX_PORT/api/v1/bgp")
	expect_eq "listens on ::1" "$code" 200
	stop_fixture
else
	skip "listens on ::1" "no IPv6 loopback here"
fi

# off loopback: refused without a token (nothing is bound)
err=$("$FIXTURE_BIN" --fixture "$FX_FILE" --address 0.0.0.0 --port 0 2>&1); rc=$?
expect_eq "non-loopback without token exits 2" "$rc" 2
case "$err" in *"is not loopback: refusing to serve the API there without an access token"*) ok "non-loopback refusal says why" ;;
*) fail "non-loopback refusal says why" "$err" ;; esac
err=$("$FIXTURE_BIN" --fixture "$FX_FILE" --address 'not-an-address' 2>&1); rc=$?
expect_eq "bad listen address exits 2" "$rc" 2
case "$err" in *"expected a literal IPv4 or IPv6 address"*) ok "bad address message" ;; *) fail "bad address message" "$err" ;; esac
finish
