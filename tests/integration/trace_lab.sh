# trace_lab.sh - namespaces for the traceroute tests; source it (after tests/lib.sh).
#
# Chain (hop addresses are the routers' own source for errors sent to MON):
#   MON m0 198.51.100.1/30 2001:db8:1::1 -- R1 198.51.100.2 2001:db8:1::2      (hop 1)
#   R1 203.0.113.1/30 2001:db8:2::1      -- R2 203.0.113.2 2001:db8:2::2      (hop 2)
#   R2 203.0.113.5/30 2001:db8:3::1      -- R3 203.0.113.6 2001:db8:3::2
#   R3 lo 203.0.113.100, 2001:db8:ff::1: the destination                     (hop 3)
#   203.0.113.200, 2001:db8:ee::1: R2 routes them to R3, which has no route:
#   net-unreachable from R3 (hop 3: 203.0.113.6, 2001:db8:3::2)
#   IPv4 "no route" errors are paced per source address by a token bucket
#   (a burst of 5, then 1/s; a global knob) that every other ICMP error R3
#   sends to that source also drains when icmp_ratelimit is 0. So MON reaches
#   203.0.113.192/26 from its own source, 198.51.100.129, used for nothing else.
# Paris lab (per-flow multipath in P1, fib_multipath_hash_policy=1):
#   PMON 198.51.100.9 -- P1 .10 --+-- A1 .14 -- A2 .18 --+-- P4 lo 203.0.113.150, 2001:db8:fe::1
#                                 +-- B1 .26 -- B2 .30 --+
# chain_up builds the chain, paris_up the Paris lab (each returns non-zero on
# failure). Namespaces are $P-NAME (P=bo-trace-$$ unless set), deleted at exit.
# Every router answers ICMP without rate limits where the namespace allows it.
# Probes run inside MON/PMON only (in_ns / mon), towards lab addresses only.
P=${P:-bo-trace-$$}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
ns_add() { # NAME...: namespaces with lo up, forwarding, no ICMP rate limits
	local n
	for n in "$@"; do
		ip netns add "$P-$n" || return 1
		at_exit "ip netns del $P-$n"
		ip netns exec "$P-$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.keep_addr_on_down=1 \
			net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
			net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 \
			net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 || return 1
		ip netns exec "$P-$n" sysctl -qw net.ipv4.icmp_msgs_per_sec=100000 \
			net.ipv4.icmp_msgs_burst=10000 2>/dev/null
		ip -n "$P-$n" link set lo up
	done
}
# link A IFA ADDR4/LEN ADDR6/64 B IFB ADDR4/LEN ADDR6/64
link() {
	ip -n "$P-$1" link add "$2" type veth peer name "$6" netns "$P-$5" || return 1
	ip -n "$P-$1" addr add "$3" dev "$2"
	ip -n "$P-$1" addr add "$4" dev "$2" nodad
	ip -n "$P-$5" addr add "$7" dev "$6"
	ip -n "$P-$5" addr add "$8" dev "$6" nodad
	ip -n "$P-$1" link set "$2" up
	ip -n "$P-$5" link set "$6" up
}
r() { local n=$1; shift; ip -n "$P-$n" route add "$@"; }
r6() { local n=$1; shift; ip -n "$P-$n" -6 route add "$@"; }
in_ns() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }
mon() { in_ns mon "$@"; }

chain_up() {
	ns_add mon r1 r2 r3 || return 1
	link mon m0 198.51.100.1/30 2001:db8:1::1/64 r1 a0 198.51.100.2/30 2001:db8:1::2/64 || return 1
	link r1 b0 203.0.113.1/30 2001:db8:2::1/64 r2 a0 203.0.113.2/30 2001:db8:2::2/64 || return 1
	link r2 b0 203.0.113.5/30 2001:db8:3::1/64 r3 a0 203.0.113.6/30 2001:db8:3::2/64 || return 1
	ip -n "$P-r3" addr add 203.0.113.100/32 dev lo
	ip -n "$P-r3" addr add 2001:db8:ff::1/128 dev lo
	ip -n "$P-mon" addr add 198.51.100.129/32 dev lo
	r mon 203.0.113.192/26 via 198.51.100.2 src 198.51.100.129 &&
		r r1 198.51.100.128/25 via 198.51.100.1 &&
		r mon 203.0.113.0/24 via 198.51.100.2 && r6 mon 2001:db8::/32 via 2001:db8:1::2 &&
		r r1 203.0.113.0/24 via 203.0.113.2 && r6 r1 2001:db8::/32 via 2001:db8:2::2 &&
		r r2 198.51.100.0/24 via 203.0.113.1 && r6 r2 2001:db8:1::/64 via 2001:db8:2::1 &&
		r r2 203.0.113.100/32 via 203.0.113.6 && r6 r2 2001:db8:ff::/48 via 2001:db8:3::2 &&
		r r2 203.0.113.128/25 via 203.0.113.6 && r6 r2 2001:db8:ee::/48 via 2001:db8:3::2 &&
		r r3 198.51.100.0/24 via 203.0.113.5 && r3_back6 || return 1
	# neighbours resolved before anything is timed
	wait_for 10 mon ping -c1 -W1 203.0.113.100 && wait_for 10 mon ping -6 -c1 -W1 2001:db8:ff::1
}
# listen_r3 PORT: a TCP listener on the destination (both families), for SYN-ACKs
listen_r3() {
	in_ns r3 timeout 120 "$PY" -c '
import socket, sys, time
port = int(sys.argv[1])
s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s4.bind(("203.0.113.100", port)); s4.listen(64)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); s6.bind(("2001:db8:ff::1", port)); s6.listen(64)
time.sleep(120)' "$1" &
	at_exit "kill $! 2>/dev/null"
	wait_for 10 r3_listening "$1"
}
r3_listening() { [ "$(in_ns r3 ss -Hltn "sport = :$1" | wc -l)" -ge 2 ]; }
r3_back6() { r6 r3 2001:db8:1::/64 via 2001:db8:3::1 && r6 r3 2001:db8:2::/64 via 2001:db8:3::1; }

paris_up() {
	ns_add pmon p1 a1 a2 b1 b2 p4 || return 1
	link pmon m0 198.51.100.9/30 2001:db8:21::1/64 p1 a0 198.51.100.10/30 2001:db8:21::2/64 &&
		link p1 ba 198.51.100.13/30 2001:db8:22::1/64 a1 a0 198.51.100.14/30 2001:db8:22::2/64 &&
		link a1 b0 198.51.100.17/30 2001:db8:23::1/64 a2 a0 198.51.100.18/30 2001:db8:23::2/64 &&
		link a2 b0 198.51.100.21/30 2001:db8:24::1/64 p4 ia 198.51.100.22/30 2001:db8:24::2/64 &&
		link p1 bb 198.51.100.25/30 2001:db8:25::1/64 b1 a0 198.51.100.26/30 2001:db8:25::2/64 &&
		link b1 b0 198.51.100.29/30 2001:db8:26::1/64 b2 a0 198.51.100.30/30 2001:db8:26::2/64 &&
		link b2 b0 198.51.100.33/30 2001:db8:27::1/64 p4 ib 198.51.100.34/30 2001:db8:27::2/64 || return 1
	ip -n "$P-p4" addr add 203.0.113.150/32 dev lo
	ip -n "$P-p4" addr add 2001:db8:fe::1/128 dev lo
	in_ns p1 sysctl -qw net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1 || return 1
	# a fixed hash seed: which port goes which way is the same every run
	in_ns p1 sysctl -qw net.ipv4.fib_multipath_hash_seed=12345 2>/dev/null
	r pmon 203.0.113.0/24 via 198.51.100.10 && r6 pmon 2001:db8::/32 via 2001:db8:21::2 &&
		r p1 203.0.113.150/32 nexthop via 198.51.100.14 nexthop via 198.51.100.26 &&
		r6 p1 2001:db8:fe::/48 nexthop via 2001:db8:22::2 dev ba nexthop via 2001:db8:25::2 dev bb &&
		r a1 203.0.113.150/32 via 198.51.100.18 && r6 a1 2001:db8:fe::/48 via 2001:db8:23::2 &&
		r a1 default via 198.51.100.13 && r6 a1 default via 2001:db8:22::1 &&
		r a2 203.0.113.150/32 via 198.51.100.22 && r6 a2 2001:db8:fe::/48 via 2001:db8:24::2 &&
		r a2 default via 198.51.100.17 && r6 a2 default via 2001:db8:23::1 &&
		r b1 203.0.113.150/32 via 198.51.100.30 && r6 b1 2001:db8:fe::/48 via 2001:db8:26::2 &&
		r b1 default via 198.51.100.25 && r6 b1 default via 2001:db8:25::1 &&
		r b2 203.0.113.150/32 via 198.51.100.34 && r6 b2 2001:db8:fe::/48 via 2001:db8:27::2 &&
		r b2 default via 198.51.100.29 && r6 b2 default via 2001:db8:26::1 &&
		r p4 default via 198.51.100.21 && r6 p4 default via 2001:db8:24::1 || return 1
	wait_for 10 in_ns pmon ping -c1 -W1 203.0.113.150 && wait_for 10 in_ns pmon ping -6 -c1 -W1 2001:db8:fe::1
}
