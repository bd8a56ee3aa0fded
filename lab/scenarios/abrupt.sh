# lab/scenarios/abrupt.sh - power cut: every country process killed, every country link down at once
#
# start: in one go, every interface of the country's namespaces (border
# router, DNS, web, mail) goes down and every process in them is killed
# (SIGKILL): routes go within BIRD's reaction to the lost link
# (bgp-withdrawn, observed). stop: links up, routes and daemons back, as
# after power returns.

abrupt_start() {
	local n pids=""
	mark inject cause=abrupt
	for n in $LAB_COUNTRY_NODES; do
		country_links "$n" down
	done
	for n in $LAB_COUNTRY_NODES; do
		pids="$pids $(ip netns pids "$(nsname "$n")")"
	done
	# shellcheck disable=SC2086
	kill -9 $pids 2>/dev/null
	for n in $LAB_COUNTRY_NODES; do kill_node "$n"; done
	mark power-off
	observe bgp-withdrawn 30 route_gone
}

# country_links NODE up|down: every interface of the node but loopback.
country_links() {
	local dev
	for dev in $(ipn "$1" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1); do
		[ "$dev" = lo ] && continue
		echo "link set dev $dev $2"
	done | ipn "$1" -batch - 2>/dev/null
}

abrupt_stop() {
	local n
	mark_recover
	for n in $LAB_COUNTRY_NODES; do country_links "$n" up; done
	for n in $LAB_COUNTRY_NODES; do set_routes "$n"; done
	# Start only what is not running (stop may be called twice).
	[ -n "$(ip netns pids "$(nsname bdr)")" ] || start_bird bdr
	[ -n "$(ip netns pids "$(nsname ns)")" ] || start_nsd
	[ -n "$(ip netns pids "$(nsname web)")" ] || start_nginx web
	[ -n "$(ip netns pids "$(nsname mail)")" ] || start_smtp
	mark power-on
	observe bgp-restored 30 route_back
	restored
}
