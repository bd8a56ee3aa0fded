# lab/scenarios/dns.sh - the nameservers stop; hosts still answer by address
#
# start: NSD (both nameserver addresses) is killed; queries get ICMP port
# unreachable (dig: "connection refused"). With LAB_DNS_MODE=drop the DNS
# ports are filtered instead and queries time out. Web, mail and routers
# are untouched. stop: NSD started again (or the filter lifted).

LAB_DNS_MODE=${LAB_DNS_MODE:-stop}

dns_start() {
	mark inject cause=dns mode="$LAB_DNS_MODE"
	case $LAB_DNS_MODE in
	stop) kill_node ns && mark nameservers-stopped ;;
	drop)
		nft_on ns sc_dns 'chain input { type filter hook input priority 0; udp dport 53 drop; tcp dport 53 drop; }' &&
			mark nameservers-filtered
		;;
	*) die "LAB_DNS_MODE='$LAB_DNS_MODE': expected stop or drop" ;;
	esac
}

dns_stop() {
	mark_recover
	nft_off ns sc_dns
	[ -n "$(ip netns pids "$(nsname ns)")" ] || start_nsd
	mark nameservers-started
	restored
}
