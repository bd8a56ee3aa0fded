#!/usr/bin/env bash
# blackout probe --http against a real nginx (HTTP, HTTPS with HTTP/2 and a
# self-signed certificate made here) and against hostile servers, on loopback.
# No name is ever resolved: URLs carry addresses, or --resolve gives one.
. "$TOP/tests/lib.sh"
. "$TOP/tests/servers.sh"

d=$(tmpdir)
start_nginx "$d/nginx" || { fail "nginx starts" "see $d/nginx/logs"; finish; }
H="http://127.0.0.1:$NGINX_PORT"
S="https://www.kp.test:$NGINX_TLS_PORT"
CA="$d/nginx/cert.pem"

probe --http "$H/"
expect_eq "plain http is ok" "$(field ok)/$rc" "true/0"
expect_eq "status is 200" "$(field detail.status)" 200
expect_eq "HTTP/1.1 over plain http" "$(field detail.http_version)" 1.1
expect_eq "body bytes counted" "$(field detail.body_bytes)" 22
expect_eq "no tls time for plain http" "$(field detail.times_ms.tls)" null
total=$(field detail.times_ms.total); rtt=$(field rtt_ms)
expect_eq "rtt is the total time" "$rtt" "$total"
python3 -c "import sys; t=$total; c=$(field detail.times_ms.connect); sys.exit(0 if 0 < c <= t else 1)" &&
	ok "phase times are positive and within the total" || fail "phase times are positive and within the total" "$out"

probe --http "$H/missing"
expect_eq "404 is http-status" "$(field error)/$rc" "http-status/1"
expect_eq "404 message" "$(field message)" "status 404, expected 2xx or 3xx"

probe --http "$H/small" --expect-status 200
expect_eq "expected status matches" "$(field ok)" true
probe --http "$H/small" --expect-status 204
expect_eq "unexpected 200" "$(field error)/$(field message)" "http-status/status 200, expected 204"

probe --http "$H/" --expect-body 'kp +lab$'
expect_eq "body matches the regex" "$(field ok)" true
probe --http "$H/" --expect-body '^goodbye'
expect_eq "body does not match" "$(field error)/$rc" "http-body/1"

probe --http "$H/redirect"
expect_eq "a 302 is an answer without --redirects" "$(field ok)/$(field detail.status)" "true/302"
probe --http "$H/redirect" --redirects 3 --expect-status 200
expect_eq "redirect followed" "$(field ok)/$(field detail.redirects)" "true/1"
probe --http "$H/loop" --redirects 3
expect_eq "redirect loop ends" "$(field error)" "protocol-error"

# HTTPS: connect to 127.0.0.1, send www.kp.test as Host and SNI
probe --http "$S/" --resolve 127.0.0.1 --cacert "$CA"
expect_eq "https with the test's CA is ok" "$(field ok)/$rc" "true/0"
expect_eq "certificate verified" "$(field detail.tls.verified)/$(field detail.tls.verify_result)" "true/ok"
expect_eq "HTTP/2 negotiated over TLS" "$(field detail.http_version)" 2
expect_eq "connect_to reported" "$(field detail.connect_to)" 127.0.0.1
case $(field detail.tls.subject) in *www.kp.test*) ok "certificate subject" ;; *) fail "certificate subject" "$out" ;; esac
days=$(field detail.tls.days_left)
python3 -c "import sys; sys.exit(0 if 29 < $days <= 30.01 else 1)" &&
	ok "certificate expiry in 30 days" || fail "certificate expiry in 30 days" "days_left=$days"
want_exp=$(date -u -d "$(openssl x509 -in "$CA" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
expect_eq "certificate expiry date" "$(field detail.tls.expires)" "$want_exp"
tls_ms=$(field detail.times_ms.tls)
python3 -c "import sys; sys.exit(0 if $tls_ms > 0 else 1)" && ok "tls handshake timed" || fail "tls handshake timed" "$tls_ms"

probe --http "$S/" --resolve 127.0.0.1
expect_eq "self-signed without its CA is a tls-error" "$(field error)/$rc" "tls-error/1"
case $(field detail.tls.verify_result) in *self-signed*) ok "verify result names the problem" ;;
*) fail "verify result names the problem" "$out" ;; esac

probe --http "$S/" --resolve 127.0.0.1 --insecure
expect_eq "--insecure reports but passes" "$(field ok)/$(field detail.tls.verified)" "true/false"

probe --http "https://mail.kp.test:$NGINX_TLS_PORT/" --resolve 127.0.0.1 --cacert "$CA"
expect_eq "certificate for another name is a tls-error" "$(field error)" "tls-error"

probe --http "$S/small" --resolve 127.0.0.1 --cacert "$CA" --http1.1
expect_eq "--http1.1 forces HTTP/1.1" "$(field ok)/$(field detail.http_version)" "true/1.1"
probe --http "$S/small" --resolve 127.0.0.1 --cacert "$CA" --http2
expect_eq "--http2 over TLS" "$(field ok)/$(field detail.http_version)" "true/2"
probe --http "$H/small" --http2
expect_eq "--http2 on a server without h2c fails" "$(field ok)/$rc" "false/1"

if have_v6_loopback; then
	probe --http "http://www.kp.test:$NGINX_PORT/small" --resolve ::1
	expect_eq "--resolve to an IPv6 address" "$(field ok)/$(field detail.connect_to)" "true/::1"
	probe --http "http://[::1]:$NGINX_PORT/small"
	expect_eq "IPv6 literal URL" "$(field ok)" true
else
	skip "--resolve to an IPv6 address" "no ::1 here"
fi

# several probes in one run
n=$("$BLACKOUT" probe --http "$H/small" --count 40 --concurrency 8 --json | grep -c '"ok":true')
expect_eq "--count 40 --concurrency 8: 40 ok lines" "$n" 40
sum=$("$BLACKOUT" probe --http "$H/small" --count 50 --concurrency 10 --summary --json)
expect_eq "--summary counts" "$(printf '%s\n' "$sum" | jfield probes)/$(printf '%s\n' "$sum" | jfield ok)" "50/50"

# refused: a closed port, then a stopped server
closed=$(free_port)
probe --http "http://127.0.0.1:$closed/"
expect_eq "closed port is refused" "$(field error)/$rc" "refused/1"
expect_eq "no rtt without an answer" "$(field rtt_ms)" null

# hostile servers: each ends as a precise failure, in bounded time and memory
hostile() { # NAME MODE EXPECTED_ERROR MESSAGE_GLOB ARGS...
	local name=$1 mode=$2
	start_hostile "$mode" "$d/hostile" || { fail "$name" "hostile $mode did not start"; return; }
	shift 2
	expect_failure "$name" "$1" "$2" 8 --http "http://127.0.0.1:$HOSTILE_PORT/" "${@:3}"
}
hostile "endless body" http-endless-body too-large "body longer than 1048576 bytes"
expect_eq "endless body: read up to the cap" "$(field detail.body_bytes)" 1048576
hostile "endless body, small cap" http-endless-body too-large "body longer than 4096 bytes" --max-body 4096
hostile "dripping body" http-drip timeout "timed out reading the body, after * bytes" --timeout 2500
expect_eq "dripping body: status seen" "$(field detail.status)" 200
hostile "endless header" http-endless-header too-large "*header*"
hostile "silent server" silent timeout "timed out waiting for the response" --timeout 1500

stop_server nginx "$d/nginx"
probe --http "$H/"
expect_eq "stopped server is refused" "$(field error)/$rc" "refused/1"

# bad input: exit 2 with a message naming the problem
expect_usage "ftp URL refused" "*only http:// and https://*" --http ftp://127.0.0.1/
expect_usage "malformed URL" "*URL*" --http 'http://[::1/'
expect_usage "bad regex" "*body pattern*" --http "$H/" --expect-body '(unclosed'
expect_usage "bad --resolve" "*not an IP address*" --http "$H/" --resolve www.kp.test
expect_usage "bad --expect-status" "*--expect-status*" --http "$H/" --expect-status 42
expect_usage "two probe kinds" "*exactly one of*" --http "$H/" --smtp 127.0.0.1
expect_usage "unknown option" "*unknown*" --http "$H/" --frobnicate
finish
