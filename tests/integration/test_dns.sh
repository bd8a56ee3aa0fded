#!/usr/bin/env bash
# blackout probe --dns against a real NSD serving a lab zone (kp.) made here,
# and against hostile DNS servers, on loopback.
. "$TOP/tests/lib.sh"
. "$TOP/tests/servers.sh"

d=$(tmpdir)
start_nsd "$d/nsd" || { fail "nsd starts" "$(cat "$d/nsd/logs/nsd.log" 2>/dev/null)"; finish; }
NS="127.0.0.1:$NSD_PORT"

probe --dns kp --type SOA --server "$NS"
expect_eq "SOA kp. is ok" "$(field ok)/$rc" "true/0"
expect_eq "SOA serial" "$(field detail.serial)" 2022011401
expect_eq "authoritative answer" "$(field detail.aa)/$(field detail.rcode)" "true/NOERROR"
expect_eq "one SOA record" "$(field detail.answers)/$(field detail.matching)" "1/1"
expect_eq "over UDP, first try" "$(field detail.transport)/$(field detail.tries)" "udp/1"
expect_eq "target is the absolute name" "$(field target)" "kp."
case $(field rtt_ms) in null | "") fail "latency measured" "$out" ;; *) ok "latency measured" ;; esac

probe --dns kp. --type NS --server "$NS"
expect_eq "two NS records" "$(field detail.matching)" 2
probe --dns www.kp --type A --server "$NS"
expect_eq "A record" "$(field detail.records.0.data)" 175.45.176.71
probe --dns WWW.Kp --type AAAA --server "$NS"
expect_eq "AAAA record, name case ignored" "$(field ok)/$(field detail.records.0.data)" "true/2001:db8::71"
probe --dns kp --type MX --server "$NS"
expect_eq "MX record" "$(field detail.records.0.data)" "10 mail.kp."
probe --dns mail.kp --type MX --server "$NS"
expect_eq "no data is still an answer" "$(field ok)/$(field detail.answers)/$(field detail.serial)" "true/0/2022011401"

probe --dns big.kp --type A --server "$NS"
expect_eq "truncated over UDP: TCP fallback" "$(field ok)/$(field detail.transport)/$(field detail.tries)" "true/tcp/2"
expect_eq "all 120 records over TCP" "$(field detail.matching)" 120
probe --dns big.kp --type A --server "$NS" --no-edns
expect_eq "TCP fallback without EDNS" "$(field ok)/$(field detail.transport)" "true/tcp"
probe --dns kp --type SOA --server "$NS" --tcp
expect_eq "--tcp asks over TCP" "$(field ok)/$(field detail.transport)/$(field detail.tries)" "true/tcp/1"

if port_open ::1 "$NSD_PORT" || dig +norec +time=1 +tries=1 @::1 -p "$NSD_PORT" kp. SOA >/dev/null 2>&1; then
	probe --dns kp --server "[::1]:$NSD_PORT"
	expect_eq "IPv6 server" "$(field ok)/$(field detail.server)" "true/[::1]:$NSD_PORT"
else
	skip "IPv6 server" "no ::1 here"
fi

probe --dns nothere.kp --type A --server "$NS"
expect_eq "nxdomain" "$(field error)/$rc/$(field detail.rcode)" "dns-nxdomain/1/NXDOMAIN"
probe --dns example.org --type A --server "$NS"
expect_eq "a zone it does not serve: refused" "$(field error)/$(field detail.rcode)" "dns-refused/REFUSED"
probe --dns broken.kp --type SOA --server "$NS"
expect_eq "a zone that did not load: servfail" "$(field error)/$(field detail.rcode)" "dns-servfail/SERVFAIL"

n=$("$BLACKOUT" probe --dns kp --server "$NS" --count 200 --concurrency 20 --json | grep -c '"ok":true')
expect_eq "--count 200 --concurrency 20: 200 ok lines" "$n" 200

# hostile servers: precise outcomes, bounded time
hostile() { # NAME MODE WANT_ERROR MESSAGE_GLOB
	start_hostile "$2" "$d/hostile" || { fail "$1" "hostile $2 did not start"; return; }
	expect_failure "$1" "$3" "$4" 6 --dns www.kp --type A --server "127.0.0.1:$HOSTILE_PORT" \
		--timeout 1500
}
hostile "compression loop" dns-loop bad-reply "malformed answer*compression pointer*"
expect_eq "compression loop: answers counted" "$(field detail.bad_answers)" 2
hostile "wrong ID" dns-wrong-id bad-reply "answer ID 0x* does not match the query's 0x*"
hostile "truncated packet" dns-truncated bad-reply "truncated answer of * bytes*"
hostile "silent server" dns-silent timeout "no answer within 1500 ms over udp"
expect_eq "silent server: retried once" "$(field detail.tries)" 2

# nothing listening: ICMP port unreachable comes back at once
closed=$(free_port)
t0=$SECONDS
probe --dns kp --server "127.0.0.1:$closed" --timeout 5000
expect_eq "closed port: port-unreachable" "$(field error)/$rc" "port-unreachable/1"
[ $((SECONDS - t0)) -le 2 ] && ok "closed port: fast" || fail "closed port: fast" "$((SECONDS - t0))s"
probe --dns kp --server "127.0.0.1:$closed" --tcp
expect_eq "closed port over TCP: refused" "$(field error)" refused

stop_server nsd "$d/nsd"
probe --dns kp --server "$NS" --timeout 3000
expect_eq "stopped server: port-unreachable" "$(field error)" port-unreachable

expect_usage "no --server" "*--server*required*" --dns kp
expect_usage "bad server" "*not ADDR*" --dns kp --server ns1.kp
expect_usage "bad type" "*not a DNS record type*" --dns kp --type BOGUS --server "$NS"
expect_usage "bad name" "*not a domain name*" --dns "$(printf 'a%.0s' $(seq 1 70)).kp" --server "$NS"
expect_usage "bad port" "*not ADDR*" --dns kp --server 127.0.0.1:99999
finish
