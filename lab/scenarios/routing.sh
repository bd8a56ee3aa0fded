# lab/scenarios/routing.sh - BGP withdrawal first, while the country's equipment stays alive
#
# start: the border router stops originating the country's prefixes
# (`birdc disable country4 country6`); the BGP session stays up, so the
# upstream withdraws the routes (bgp-withdrawn, observed) and answers probes
# into the country with "net unreachable", while the border router's
# upstream-facing address and every server stay up. stop: announced again.

routing_start() {
	mark inject cause=routing
	birdc_node bdr disable country4 >/dev/null && birdc_node bdr disable country6 >/dev/null &&
		mark withdraw
	observe bgp-withdrawn 30 route_gone
}

routing_stop() {
	mark_recover
	birdc_node bdr enable country4 >/dev/null
	birdc_node bdr enable country6 >/dev/null
	mark announce
	observe bgp-restored 30 route_back
	restored
}
