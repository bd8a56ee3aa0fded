# lab/scenarios/vantage-local.sh - the monitor's own uplink is cut: a monitor event, no outage
#
# start: the monitor's only link (to the upstream) goes down: every target,
# the control host included, stops answering, and the collector's BGP
# session drops, while the country is perfectly fine. stop: link up.

vantage_local_start() {
	mark inject cause=vantage-local
	ipn mon link set dev up down && mark uplink-down
}

vantage_local_stop() {
	mark_recover
	ipn mon link set dev up up
	set_routes mon
	mark uplink-up
	restored
}
