# probe_lab.sh - a two-namespace network for the probe tests; source it.
#
#   MON (the monitor: blackout runs here)          RTR (router + target hosts)
#   m0 198.51.100.1/24  2001:db8:1::1/64  <-veth->  r0 198.51.100.2/24  2001:db8:1::2/64
#   203.0.113.0/24, 2001:db8:2::/48 via RTR         lo: 203.0.113.1-6, 2001:db8:2::1-6
#
# In RTR, what each target does (nft rules and routes):
#   203.0.113.1   2001:db8:2::1     alive: answers ping; TCP $LAB_PORT open (listener), +1 closed
#   203.0.113.2   2001:db8:2::2     reject: host-unreachable (v6: addr-unreachable)
#   203.0.113.3   2001:db8:2::3     reject: admin-prohibited
#   203.0.113.4   2001:db8:2::4     TCP reject: port-unreachable (ping still answers)
#   203.0.113.5   2001:db8:2::5     dropped: timeout
#   203.0.113.6   2001:db8:2::6     reject: net-unreachable (v6: no-route)
#   203.0.113.64/26  2001:db8:2:64::/64   route "unreachable": host-unreachable (v6: no route)
#   203.0.113.128/26 2001:db8:2:128::/64  route "prohibit": admin-prohibited
#   203.0.113.192/27                      no route in RTR: net-unreachable
#   203.0.113.224/27                      routed back to MON: a loop, ttl-exceeded
# Errors from routes (unreachable, prohibit, no route) come from the kernel's
# ip_error(), limited to about one per second per source by a global knob that
# a namespace cannot change; tests probe those with spaced retries.
# Names: bo-probe-$$-mon / -rtr, deleted at exit. Needs root. Only documentation
# addresses; nothing is attached to the root namespace.
LAB_MON=bo-probe-$$-mon
LAB_RTR=bo-probe-$$-rtr
LAB_PORT=8080
lab_up() {
	[ "$(id -u)" = 0 ] || return 1
	at_exit "ip netns del $LAB_MON; ip netns del $LAB_RTR"
	ip netns add "$LAB_MON" && ip netns add "$LAB_RTR" || return 1
	local ns
	for ns in "$LAB_MON" "$LAB_RTR"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
			net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 net.ipv4.ip_forward=1 \
			net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.send_redirects=0 \
			net.ipv4.conf.default.send_redirects=0 || return 1
		ip -n "$ns" link set lo up
	done
	ip -n "$LAB_MON" link add m0 type veth peer name r0 netns "$LAB_RTR" || return 1
	ip -n "$LAB_MON" addr add 198.51.100.1/24 dev m0
	ip -n "$LAB_MON" addr add 2001:db8:1::1/64 dev m0 nodad
	ip -n "$LAB_RTR" addr add 198.51.100.2/24 dev r0
	ip -n "$LAB_RTR" addr add 2001:db8:1::2/64 dev r0 nodad
	# the ttl loop brings our own packets back to MON: accept them, to forward them again
	ip netns exec "$LAB_MON" sysctl -qw net.ipv4.conf.all.accept_local=1 net.ipv4.conf.m0.accept_local=1
	ip -n "$LAB_MON" link set m0 up
	ip -n "$LAB_RTR" link set r0 up
	ip -n "$LAB_MON" route add 203.0.113.0/24 via 198.51.100.2
	ip -n "$LAB_MON" -6 route add 2001:db8:2::/48 via 2001:db8:1::2
	local i
	for i in 1 2 3 4 5 6; do
		ip -n "$LAB_RTR" addr add 203.0.113.$i/32 dev lo
		ip -n "$LAB_RTR" addr add 2001:db8:2::$i/128 dev lo
	done
	ip -n "$LAB_RTR" route add unreachable 203.0.113.64/26
	ip -n "$LAB_RTR" route add prohibit 203.0.113.128/26
	ip -n "$LAB_RTR" route add 203.0.113.224/27 via 198.51.100.1
	ip -n "$LAB_RTR" -6 route add unreachable 2001:db8:2:64::/64
	ip -n "$LAB_RTR" -6 route add prohibit 2001:db8:2:128::/64
	ip netns exec "$LAB_RTR" nft -f - <<NFT || return 1
table inet probe_lab {
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr 203.0.113.2 reject with icmp type host-unreachable
		ip6 daddr 2001:db8:2::2 reject with icmpv6 type addr-unreachable
		ip daddr 203.0.113.3 reject with icmp type admin-prohibited
		ip6 daddr 2001:db8:2::3 reject with icmpv6 type admin-prohibited
		ip daddr 203.0.113.4 tcp dport $LAB_PORT reject with icmp type port-unreachable
		ip6 daddr 2001:db8:2::4 tcp dport $LAB_PORT reject with icmpv6 type port-unreachable
		ip daddr 203.0.113.5 drop
		ip6 daddr 2001:db8:2::5 drop
		ip daddr 203.0.113.6 reject with icmp type net-unreachable
		ip6 daddr 2001:db8:2::6 reject with icmpv6 type no-route
	}
}
NFT
	# a TCP listener on the alive host, both families
	ip netns exec "$LAB_RTR" timeout 300 python3 -c '
import socket, sys, time
port = int(sys.argv[1])
s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s4.bind(("203.0.113.1", port)); s4.listen(64)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); s6.bind(("2001:db8:2::1", port)); s6.listen(64)
time.sleep(300)' "$LAB_PORT" &
	at_exit "kill $! 2>/dev/null"
	wait_for 10 lab_listening || return 1
	# neighbours resolved both ways before any test counts RTTs or retries
	wait_for 10 mon ping -c1 -W1 203.0.113.1 && wait_for 10 mon ping -6 -c1 -W1 2001:db8:2::1
}
lab_listening() {
	[ "$(ip netns exec "$LAB_RTR" ss -Hltn "sport = :$LAB_PORT" | wc -l)" -ge 2 ]
}
# mon CMD...: runs CMD inside the monitor namespace.
mon() { ip netns exec "$LAB_MON" "$@"; }
# outcome_of OUTPUT TARGET: the outcome column of TARGET's line in text output.
outcome_of() { awk -v t="$2" '$1 == t { print $2 }' <<<"$1"; }
# expect_outcomes LABEL OUTPUT < "TARGET OUTCOME" lines: one check per line.
expect_outcomes() {
	local label=$1 out=$2 target want
	while read -r target want; do
		expect_eq "$label $target is $want" "$(outcome_of "$out" "$target")" "$want"
	done
}
