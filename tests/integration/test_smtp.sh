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
	start_hostile "$2" "$d/hostile" || { fail "$1" "hostile $2 did not start"; return; }
	expect_failure "$1" "$3" "$4" 6 --smtp "127.0.0.1:$HOSTILE_PORT" --timeout 1500
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

expect_usage "bad address" "*not ADDR*PORT*" --smtp mail.kp.test
expect_usage "bad HELO name" "*--helo*" --smtp 127.0.0.1 --helo "two words"
expect_usage "bad timeout" "*--timeout*" --smtp 127.0.0.1 --timeout 0
finish
