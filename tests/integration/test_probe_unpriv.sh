#!/usr/bin/env bash
# The unprivileged ICMP ("ping") socket path: blackout run as nobody, with
# no CAP_NET_RAW. Without ping_group_range it must say how to allow it (exit
# 2, nothing sent); in a namespace whose ping_group_range allows it, echo
# replies and ICMP errors (read from the socket's error queue) come back as
# with a raw socket. Root only (setpriv, namespaces).
. "$TOP/tests/lib.sh"
. "$TOP/tests/integration/probe_lab.sh"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	skip "probe unprivileged" "needs root (to drop to nobody) and setpriv"
	finish
fi
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if ! nobody test -x "$BLACKOUT"; then
	skip "probe unprivileged" "nobody cannot run $BLACKOUT (folder permissions)"
	finish
fi

# root namespace: what does ping_group_range say? (nothing is sent either way
# unless the socket opens; the target is loopback)
read -r lo hi </proc/sys/net/ipv4/ping_group_range
if [ "$lo" -le 65534 ] && [ 65534 -le "$hi" ]; then
	skip "no ICMP socket: clear message" "this host lets gid 65534 open ping sockets"
else
	err=$(nobody "$BLACKOUT" probe --icmp 127.0.0.1 2>&1 >/dev/null)
	expect_eq "no ICMP socket: exit 2" "$?" 2
	case "$err" in
	*"cannot open an ICMP socket for IPv4"*"CAP_NET_RAW"*"ping_group_range"*"sysctl -w net.ipv4.ping_group_range="*)
		ok "no ICMP socket: message says how to allow it" ;;
	*) fail "no ICMP socket: message says how to allow it" "$err" ;;
	esac
fi

if ! lab_up; then
	skip "probe unprivileged in a namespace" "could not build the namespaces"
	finish
fi
mon sysctl -qw net.ipv4.ping_group_range="0 2147483647"
err=$(mon setpriv --reuid=65534 --regid=65534 --clear-groups "$BLACKOUT" probe --icmp --socket raw 203.0.113.1 2>&1 >/dev/null)
expect_eq "as nobody, --socket raw is refused (exit 2)" "$?" 2
case "$err" in *"CAP_NET_RAW"*) ok "as nobody, raw refused with the reason" ;; *) fail "as nobody, raw refused with the reason" "$err" ;; esac

out=$(mon setpriv --reuid=65534 --regid=65534 --clear-groups "$BLACKOUT" probe --icmp --timeout 800 --retries 1 \
	203.0.113.1 203.0.113.2 203.0.113.3 203.0.113.5 203.0.113.6 203.0.113.230 \
	2001:db8:2::1 2001:db8:2::2 2001:db8:2::3 2001:db8:2::6 2>&1)
expect_eq "as nobody: some down exits 1" "$?" 1
expect_outcomes "dgram" "$out" <<'EOF2'
203.0.113.1 ok
203.0.113.2 host-unreachable
203.0.113.3 admin-prohibited
203.0.113.5 timeout
203.0.113.6 net-unreachable
203.0.113.230 ttl-exceeded
2001:db8:2::1 ok
2001:db8:2::2 host-unreachable
2001:db8:2::3 admin-prohibited
2001:db8:2::6 net-unreachable
EOF2
# many at once through the ping socket: 200 echo requests to the alive host
n=$(for i in $(seq 200); do echo 203.0.113.1; done |
	mon setpriv --reuid=65534 --regid=65534 --clear-groups "$BLACKOUT" probe --icmp -f - 2>/dev/null |
	awk '$2 == "ok"' | wc -l)
expect_eq "as nobody: 200 probes of one host, all matched" "$n" 200
finish
