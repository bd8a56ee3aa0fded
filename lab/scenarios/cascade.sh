# lab/scenarios/cascade.sh - flood over the shaped border link, services then routers fail, BGP last
#
# The January-2022 shape. A flood from the attacker over the border link is
# raised in steps of LAB_CASCADE_STEP seconds (default 6):
#   flood-1        1.05 x the border rate: the queue fills slowly, RTT
#                  rises (tens to hundreds of ms) with little or no loss
#   flood-2        2 x: the queue is full: RTT ~0.4 s, about half of the
#                  packets into the country lost
#   flood-3        4 x, and the servers hang (their service ports drop
#                  packets): DNS, web and mail time out
#   routers-down   the border router's control plane stops answering
#                  (everything addressed to it is dropped, BGP excepted)
#   bgp-drop       tcp/179 dropped on the border router: the session dies on
#                  the hold timer (6 s) and the prefixes are withdrawn;
#                  bgp-withdrawn (observed) is when the upstream lost them
# Recovery (stop): flood stopped and router and BGP drops lifted (network),
# the session comes back (bgp-restored, observed), then mail and DNS
# (mail), one step later the web (web): mail is back before the web.
# Deterministic: each step is caused, not left to how busy the machine is.

LAB_CASCADE_STEP=${LAB_CASCADE_STEP:-6}

cascade_start() {
	local step=$LAB_CASCADE_STEP
	mark inject cause=cascade
	flood --to "$SINK_ADDR4" --rate "$(times 1.05)" && mark flood-1 rate="$(times 1.05)"
	sleep "$step"
	flood --to "$SINK_ADDR4" --rate "$(times 2)" && mark flood-2 rate="$(times 2)"
	sleep "$step"
	flood --to "$SINK_ADDR4" --rate "$(times 4)" && mark flood-3 rate="$(times 4)"
	services_hang && mark services-down
	sleep "$step"
	nft_on bdr sc_cascade_rtr '
	chain input { type filter hook input priority 0; policy drop;
		tcp dport 179 accept; tcp sport 179 accept; iifname "lo" accept; }' &&
		mark routers-down
	sleep "$step"
	nft_on bdr sc_cascade_bgp '
	chain input { type filter hook input priority -10; tcp dport 179 drop; tcp sport 179 drop; }
	chain output { type filter hook output priority -10; tcp dport 179 drop; tcp sport 179 drop; }' &&
		mark bgp-drop
	observe bgp-withdrawn 30 route_gone
}

# services_hang: the servers stop answering on their service ports (the
# packets are dropped: clients time out); the hosts still answer ping.
services_hang() {
	nft_on ns sc_cascade 'chain input { type filter hook input priority 0; udp dport 53 drop; tcp dport 53 drop; }' &&
		nft_on web sc_cascade 'chain input { type filter hook input priority 0; tcp dport 80 drop; }' &&
		nft_on mail sc_cascade 'chain input { type filter hook input priority 0; tcp dport 25 drop; }'
}

cascade_stop() {
	mark_recover
	flood_stop
	nft_off bdr sc_cascade_bgp
	nft_off bdr sc_cascade_rtr
	mark network
	observe bgp-restored 30 route_back
	nft_off mail sc_cascade
	nft_off ns sc_cascade
	mark mail
	sleep "$LAB_CASCADE_STEP"
	nft_off web sc_cascade
	mark web
	restored
}
