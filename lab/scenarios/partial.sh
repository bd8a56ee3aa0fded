# lab/scenarios/partial.sh - one web server down; routers, routes and the other servers fine
#
# start: the web site LAB_PARTIAL_SITE (default airkoryo) goes off the
# network: its addresses leave the web server, so the border router answers
# "host unreachable" for it (after ARP/ND give up) and its HTTP fails. Every
# other site, DNS, mail, routers and routes stay up. stop: addresses back.

LAB_PARTIAL_SITE=${LAB_PARTIAL_SITE:-airkoryo}

partial_start() {
	[ -n "$(site_var "$LAB_PARTIAL_SITE" HOST)" ] ||
		die "LAB_PARTIAL_SITE='$LAB_PARTIAL_SITE': expected one of $WEB_SITES"
	mark inject cause=partial site="$(site_var "$LAB_PARTIAL_SITE" HOST)"
	web_site_addrs "$LAB_PARTIAL_SITE" del && mark server-off
}

partial_stop() {
	mark_recover
	web_site_addrs "$LAB_PARTIAL_SITE" add 2>/dev/null
	mark server-on
	restored
}
