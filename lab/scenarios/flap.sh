# lab/scenarios/flap.sh - the border link goes down and up several times, each outage short
#
# start: LAB_FLAP_COUNT times (default 4) the border link goes down for
# LAB_FLAP_DOWN seconds (default 1.5) and up for LAB_FLAP_UP seconds
# (default 5); stages down n=I / up n=I. Each down is meant to be shorter
# than the watcher's confirmation window: expected at most one event,
# marked flapping, never one per drop. LAB_FLAP_MODE says how the link goes
# down:
#   cut   (default) at the data layer: everything crossing it is dropped in
#         both directions, like a dead fibre behind a media converter; the
#         interfaces and BGP are not told, so the session survives drops
#         shorter than its hold time (6 s) and the routes stay;
#   link  the upstream's interface goes down: BIRD drops the session at once
#         and the routes flap too (back a second or two after the link).
# start returns after the last up (stage=recover); stop checks everything.

LAB_FLAP_MODE=${LAB_FLAP_MODE:-cut}
LAB_FLAP_COUNT=${LAB_FLAP_COUNT:-4}
LAB_FLAP_DOWN=${LAB_FLAP_DOWN:-1.5}
LAB_FLAP_UP=${LAB_FLAP_UP:-5}

flap_start() {
	local i
	case $LAB_FLAP_MODE in cut | link) ;; *) die "LAB_FLAP_MODE='$LAB_FLAP_MODE': expected cut or link" ;; esac
	mark inject cause=flap mode="$LAB_FLAP_MODE" count="$LAB_FLAP_COUNT" down="$LAB_FLAP_DOWN" up="$LAB_FLAP_UP"
	for ((i = 1; i <= LAB_FLAP_COUNT; i++)); do
		border_cut on && mark down n=$i
		sleep "$LAB_FLAP_DOWN"
		border_cut off && mark up n=$i
		[ $i -lt "$LAB_FLAP_COUNT" ] && sleep "$LAB_FLAP_UP"
	done
	mark recover
}

# border_cut on|off: the border link down or up again (see LAB_FLAP_MODE).
border_cut() {
	if [ "$LAB_FLAP_MODE" = link ]; then
		if [ "$1" = on ]; then ipn up link set dev bdr down; else ipn up link set dev bdr up; fi
	elif [ "$1" = on ]; then
		nft_on up sc_flap 'chain c { type filter hook prerouting priority -300; iifname "bdr" drop; }
		chain o { type filter hook output priority -300; oifname "bdr" drop; }' &&
			nft_on bdr sc_flap 'chain c { type filter hook prerouting priority -300; iifname "up" drop; }
		chain o { type filter hook output priority -300; oifname "up" drop; }'
	else
		nft_off up sc_flap
		nft_off bdr sc_flap
	fi
}

flap_stop() {
	border_cut off
	restored
}
