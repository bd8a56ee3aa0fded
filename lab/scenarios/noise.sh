# lab/scenarios/noise.sh - LAB_NOISE_SECONDS (70) of 5 % random loss and RTT jitter: no event
#
# start: the upstream drops LAB_NOISE_LOSS % (default 5) of the packets it
# forwards into the country, at random (nft numgen), and the attacker sends
# cross traffic whose rate changes at random every 0.2 s between 0.1 and 1.3
# x the border rate, so the border queue (and the RTT) jitters without
# overflowing. Nothing should be declared down. start returns at once; the
# noise stops by itself after LAB_NOISE_SECONDS (the watchdog runs stop),
# or earlier with stop. `run` holds it for LAB_NOISE_SECONDS.

LAB_NOISE_SECONDS=${LAB_NOISE_SECONDS:-70}
LAB_NOISE_LOSS=${LAB_NOISE_LOSS:-5}

noise_start() {
	mark inject cause=none loss="$LAB_NOISE_LOSS%" seconds="$LAB_NOISE_SECONDS"
	nft_on up sc_noise "chain f { type filter hook forward priority 0;
		oifname \"bdr\" numgen random mod 100 < $LAB_NOISE_LOSS drop; }" && mark loss-on
	flood --to "$SINK_ADDR4" --vary "$(times 0.1):$(times 1.3):0.2" && mark jitter-on
}
noise_bound() { echo "$LAB_NOISE_SECONDS"; }
noise_hold() { echo "$LAB_NOISE_SECONDS"; }

noise_stop() {
	mark_recover
	flood_stop
	nft_off up sc_noise
	restored
}
