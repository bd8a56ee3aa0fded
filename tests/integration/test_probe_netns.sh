#!/usr/bin/env bash
# ICMP error outcomes of `blackout probe`, from a monitor namespace towards a
# router namespace that rejects, drops, has unreachable/prohibit routes, or
# loops (see probe_lab.sh). Root only; skipped otherwise.
. "$TOP/tests/lib.sh"
. "$TOP/tests/integration/probe_lab.sh"
if ! lab_up; then
	skip "probe netns" "needs root and network namespaces"
	finish
fi

# ICMP, raw socket (root), both families
out=$(mon "$BLACKOUT" probe --icmp --timeout 1000 --retries 1 \
	203.0.113.1 203.0.113.2 203.0.113.3 203.0.113.4 203.0.113.5 203.0.113.6 203.0.113.230 \
	2001:db8:2::1 2001:db8:2::2 2001:db8:2::3 2001:db8:2::5 2001:db8:2::6 \
	2001:db8:2:64::1 2001:db8:2:128::1 2>/tmp/bo-probe-$$.err)
rc=$?
expect_eq "icmp: some targets down exits 1" "$rc" 1
expect_outcomes "icmp" "$out" <<'EOF2'
203.0.113.1 ok
203.0.113.2 host-unreachable
203.0.113.3 admin-prohibited
203.0.113.4 ok
203.0.113.5 timeout
203.0.113.6 net-unreachable
203.0.113.230 ttl-exceeded
2001:db8:2::1 ok
2001:db8:2::2 host-unreachable
2001:db8:2::3 admin-prohibited
2001:db8:2::5 timeout
2001:db8:2::6 net-unreachable
2001:db8:2:64::1 net-unreachable
2001:db8:2:128::1 admin-prohibited
EOF2
case "$(cat /tmp/bo-probe-$$.err)" in
*"14 targets, 16 sent, 3 answered, 11 lost"*) ok "icmp summary counts (the two dropped retried once)" ;;
*) fail "icmp summary counts" "$(cat /tmp/bo-probe-$$.err)" ;;
esac
rm -f /tmp/bo-probe-$$.err
# errors from routes in RTR: rate-limited by the kernel (see probe_lab.sh), so
# retried every 1.2 s until each got its turn
out=$(mon "$BLACKOUT" probe --icmp --timeout 1200 --retries 6 \
	203.0.113.70 203.0.113.130 203.0.113.200 2001:db8:2:64::1 2001:db8:2:128::1 2>/dev/null)
expect_outcomes "icmp (route)" "$out" <<'EOF2'
203.0.113.70 host-unreachable
203.0.113.130 admin-prohibited
203.0.113.200 net-unreachable
2001:db8:2:64::1 net-unreachable
2001:db8:2:128::1 admin-prohibited
EOF2
out=$(mon "$BLACKOUT" probe --icmp --timeout 300 --retries 2 203.0.113.5 203.0.113.1 2>&1 >/dev/null)
case "$out" in *"2 targets, 4 sent, 1 answered, 1 lost"*) ok "icmp lost probe retried before timeout" ;;
*) fail "icmp lost probe retried before timeout" "$out" ;; esac

# JSON: who sent the error is in detail.from
j=$(mon "$BLACKOUT" probe --icmp --json 203.0.113.70 2>/dev/null)
case "$j" in
*'"target":"203.0.113.70","probe":"icmp","ok":false,'*'"error":"host-unreachable"'*'"from":"198.51.100.2"'*)
	ok "json names the router that answered" ;;
*) fail "json names the router that answered" "$j" ;;
esac

# TCP: open, refused, ICMP port unreachable, other ICMP errors, timeout
P=$LAB_PORT
out=$(mon "$BLACKOUT" probe --tcp "$P,$((P + 1))" --timeout 1000 --retries 0 \
	203.0.113.1 203.0.113.2 203.0.113.3 203.0.113.4 203.0.113.5 203.0.113.6 \
	2001:db8:2::1 2001:db8:2::4 2001:db8:2::3 2>/dev/null)
expect_eq "tcp: some down exits 1" "$?" 1
expect_outcomes "tcp" "$out" <<EOF2
203.0.113.1:$P ok
203.0.113.1:$((P + 1)) refused
203.0.113.2:$P host-unreachable
203.0.113.3:$P admin-prohibited
203.0.113.4:$P port-unreachable
203.0.113.4:$((P + 1)) refused
203.0.113.5:$P timeout
203.0.113.6:$P net-unreachable
[2001:db8:2::1]:$P ok
[2001:db8:2::1]:$((P + 1)) refused
[2001:db8:2::4]:$P port-unreachable
[2001:db8:2::3]:$P admin-prohibited
EOF2
out=$(mon "$BLACKOUT" probe --tcp "$P" --timeout 1200 --retries 6 203.0.113.70 203.0.113.130 2>/dev/null)
expect_eq "tcp 203.0.113.70 (route) is host-unreachable" "$(outcome_of "$out" "203.0.113.70:$P")" host-unreachable
expect_eq "tcp 203.0.113.130 (route) is admin-prohibited" "$(outcome_of "$out" "203.0.113.130:$P")" admin-prohibited
# HTTP, SMTP and DNS: the kernel says ENETUNREACH both for an upstream router's
# ICMP "network unreachable" and for a monitor with no route of its own; only
# the first is evidence about the target (docs/outcomes.md). From the monitor
# namespace (it has a route) to 203.0.113.6, whose router answers net-unreachable:
out=$(mon "$BLACKOUT" probe --http "http://203.0.113.6:$P/" --timeout 3000 2>/dev/null)
expect_eq "http: an upstream's net-unreachable stays net-unreachable" "$(outcome_of "$out" "http://203.0.113.6:$P/")" net-unreachable
out=$(mon "$BLACKOUT" probe --smtp "203.0.113.6:$P" --timeout 3000 2>/dev/null)
expect_eq "smtp: an upstream's net-unreachable stays net-unreachable" "$(outcome_of "$out" "203.0.113.6:$P")" net-unreachable
# A namespace of our own with only loopback: no route anywhere, nothing is sent.
out=$(unshare -n sh -c 'ip link set lo up
"$0" probe --http http://198.51.100.1/ --timeout 2000
"$0" probe --http "http://[2001:db8::1]/" --timeout 2000
"$0" probe --smtp 198.51.100.1 --timeout 2000
"$0" probe --dns kp. --server 198.51.100.1 --timeout 2000' "$BLACKOUT" 2>/dev/null)
expect_outcomes "no route on this host:" "$out" <<'EOF2'
http://198.51.100.1/ local-error
http://[2001:db8::1]/ local-error
198.51.100.1:25 local-error
EOF2
case $out in
*"no route from this monitor"*) ok "http says the route is missing here" ;;
*) fail "http says the route is missing here" "$out" ;;
esac
dns_line=$(grep -v "^http\|:25 " <<<"$out")
case $dns_line in
*local-error*) ok "dns: no route on this host is local-error" ;;
*) fail "dns: no route on this host is local-error" "$dns_line" ;;
esac
finish
