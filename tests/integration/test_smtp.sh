#!/usr/bin/env bash
# blackout probe --smtp against a real SMTP server (Debian's aiosmtpd, with
# and without STARTTLS) and against hostile ones, on loopback.
. "$TOP/tests/lib.sh"
. "$TOP/tests/servers.sh"

d=$(tmpdir)
if ! $SERVERS_PY -c 'import aiosmtpd' 2>/dev/null; then
	fail "aiosmtpd available" "python3-aiosmtpd is missing (scripts/deps)"
	finish
fi
start_smtp "$d/smtp" || { fail "aiosmtpd starts" "$(cat "$d/smtp/smtp.log")"; finish; }
PLAIN_PORT=$SMTP_PORT
start_smtp "$d/smtps" tls || { fail "aiosmtpd with TLS starts" "$(cat "$d/smtps/smtp.log")"; finish; }
TLS_PORT=$SMTP_PORT
start_smtp "$d/smtp2" || { fail "aiosmtpd starts" "$(cat "$d/smtp2/smtp.log")"; finish; }
STOP_PORT=$SMTP_PORT

probe() { out=$("$BLACKOUT" probe --json "$@" 2>"$d/stderr"); rc=$?; }
field() { printf '%s\n' "$out" | jfield "$1"; }

probe --smtp "127.0.0.1:$PLAIN_PORT"
expect_eq "aiosmtpd greets: ok" "$(field ok)/$rc" "true/0"
case $(field detail.banner) in "220 "*) ok "banner's first line" ;; *) fail "banner's first line" "$out" ;; esac
expect_eq "EHLO answered" "$(field detail.ehlo_code)" 250
expect_eq "no STARTTLS without a certificate" "$(field detail.starttls)" false
expect_eq "QUIT answered 221" "$(field detail.quit_ok)/$(field detail.phase)" "true/done"
case $(field detail.extensions) in *8BITMIME*) ok "extensions listed" ;; *) fail "extensions listed" "$out" ;; esac
probe --smtp "127.0.0.1:$TLS_PORT" --helo monitor.blackout.test
expect_eq "STARTTLS offered" "$(field ok)/$(field detail.starttls)" "true/true"

n=$("$BLACKOUT" probe --smtp "127.0.0.1:$PLAIN_PORT" --count 30 --concurrency 6 --json | grep -c '"ok":true')
expect_eq "--count 30 --concurrency 6: 30 ok lines" "$n" 30

hostile() { # NAME MODE WANT_ERROR MESSAGE_GLOB
	local name=$1 mode=$2 want=$3 glob=$4
	start_hostile "$mode" "$d/hostile" || { fail "$name" "hostile $mode did not start"; return; }
	local t0=$SECONDS
	out=$(/usr/bin/time -f '%M' -o "$d/rss" "$BLACKOUT" probe --json \
		--smtp "127.0.0.1:$HOSTILE_PORT" --timeout 1500 2>"$d/stderr")
	rc=$?
	local took=$((SECONDS - t0)) rss
	rss=$(tail -n 1 "$d/rss")
	expect_eq "$name: outcome" "$(field error)/$rc" "$want/1"
	# shellcheck disable=SC2254
	case $(field message) in $glob) ok "$name: message" ;; *) fail "$name: message" "$(field message)" ;; esac
	[ "$took" -le 6 ] && ok "$name: bounded time (${took}s)" || fail "$name: bounded time" "${took}s"
	[ "$rss" -lt 65536 ] && ok "$name: bounded memory (${rss} KB)" || fail "$name: bounded memory" "${rss} KB"
}
hostile "554 banner" smtp-554 smtp-rejected "554 5.7.1 mail.kp.test: no SMTP service here"
expect_eq "554 banner kept" "$(field detail.banner)" "554 5.7.1 mail.kp.test: no SMTP service here"
hostile "421 banner" smtp-421 smtp-tempfail "421 4.3.2 *"
hostile "endless banner" smtp-endless-banner too-large "banner: byte 1001: reply line longer than 1000 bytes"
hostile "silent server" silent timeout "no answer within 1500 ms during banner"
hostile "garbage EHLO reply" smtp-bad-ehlo protocol-error "ehlo: byte *: expected a reply code*"

closed=$(free_port)
probe --smtp "127.0.0.1:$closed"
expect_eq "closed port is refused" "$(field error)/$(field detail.phase)" "refused/connect"
probe --smtp "127.0.0.1:$STOP_PORT"
expect_eq "second server up before the stop" "$(field ok)" true
stop_server smtp "$d/smtp2"
probe --smtp "127.0.0.1:$STOP_PORT" --timeout 2000
expect_eq "stopped server is refused" "$(field error)" refused

bad() { # NAME GLOB ARGS...
	local name=$1 glob=$2 err
	shift 2
	err=$("$BLACKOUT" probe "$@" 2>&1 >/dev/null); rc=$?
	# shellcheck disable=SC2254
	case $err in $glob) expect_eq "$name" "$rc" 2 ;; *) fail "$name" "rc=$rc: $err" ;; esac
}
bad "bad address" "*not ADDR*PORT*" --smtp mail.kp.test
bad "bad HELO name" "*--helo*" --smtp 127.0.0.1 --helo "two words"
bad "bad timeout" "*--timeout*" --smtp 127.0.0.1 --timeout 0
finish
