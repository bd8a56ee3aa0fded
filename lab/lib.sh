# lab/lib.sh - the lab's building blocks; sourced by lab/lab and lab/scenario.
#
# The lab is an emulated country built from network namespaces named
# ${LAB}-NODE (see lab/lab.env for nodes and addresses, lab/README.md for the
# picture). Every process the lab starts lives inside one of its namespaces,
# so `ip netns pids` finds all of them: that is how `lab down` leaves nothing
# behind, whatever state a crash left. Files live under $LAB_RUN only.
#
# Settings (environment; `lab up` records them in $LAB_RUN/settings and later
# commands on the same lab use the recorded values):
#   LAB                 lab name, namespace prefix (default bol; [a-z][a-z0-9]{0,7})
#   LAB_RUN             run dir (default /run/blackout-lab/$LAB)
#   LAB_TRUTH           ground-truth log (default $LAB_RUN/truth.log)
#   LAB_COLLECTOR_PORT  port of the collector in the monitor namespace (179)
#   LAB_COLLECTOR       none | bird: "bird" runs a stand-in BIRD collector in
#                       the monitor namespace (until blackout's own exists)
#   LAB_BORDER_RATE     border link capacity, htb rate (2mbit)
#   LAB_BORDER_QUEUE    border link queue, pfifo packets (100)
#   LAB_READY_TIMEOUT   seconds `up` waits for BGP and every service (40)

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=${LAB:-bol}
if ! [[ "$LAB" =~ ^[a-z][a-z0-9]{0,7}$ ]]; then
	echo "lab: LAB='$LAB' is not a valid lab name (expected [a-z][a-z0-9]{0,7})" >&2
	exit 2
fi
# shellcheck source=lab/lab.env
. "$LAB_DIR/lab.env"
LAB_RUN=${LAB_RUN:-/run/blackout-lab/$LAB}
if [ -r "$LAB_RUN/settings" ]; then
	# shellcheck disable=SC1091
	. "$LAB_RUN/settings"
fi
LAB_TRUTH=${LAB_TRUTH:-$LAB_RUN/truth.log}
LAB_COLLECTOR_PORT=${LAB_COLLECTOR_PORT:-179}
LAB_COLLECTOR=${LAB_COLLECTOR:-none}
LAB_BORDER_RATE=${LAB_BORDER_RATE:-2mbit}
LAB_BORDER_QUEUE=${LAB_BORDER_QUEUE:-100}
LAB_READY_TIMEOUT=${LAB_READY_TIMEOUT:-40}

BIRD=/usr/sbin/bird
BIRDC=/usr/sbin/birdc
NSD=/usr/sbin/nsd
NGINX=/usr/sbin/nginx
PY=/usr/bin/python3 # Debian's: the one that sees python3-aiosmtpd

# ---------------------------------------------------------------- basics

say() { printf 'lab %s: %s\n' "$LAB" "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}
nsname() { echo "$LAB-$1"; }
in_ns() {
	local node=$1
	shift
	ip netns exec "$LAB-$node" "$@"
}
ipn() {
	local node=$1
	shift
	ip -n "$LAB-$node" "$@"
}
ns_exists() { [ -e "/run/netns/$LAB-$1" ]; }
addr_of() { echo "${1%/*}"; } # 203.0.113.2/30 -> 203.0.113.2
is_node() { [[ " $LAB_NODES " == *" $1 "* ]]; }
lab_exists() {
	local n
	[ -e "$LAB_RUN" ] && return 0
	for n in $LAB_NODES; do ns_exists "$n" && return 0; done
	return 1
}
# now_iso: the wall clock as ISO 8601 UTC with milliseconds.
now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
# truth SCENARIO WORDS...: appends one timestamped ground-truth line.
truth() {
	local line
	line="$(now_iso) $*"
	echo "$line" >>"$LAB_TRUTH"
	say "truth: $line"
}

# ---------------------------------------------------------------- build

# make_node NODE: the namespace with the lab's sysctls and loopback up.
make_node() {
	local node=$1
	ip netns add "$LAB-$node" || return 1
	in_ns "$node" sysctl -q -w \
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1 \
		net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 \
		net.ipv4.ping_group_range="0 2147483647" >/dev/null || return 1
	case $node in
	up | bdr)
		in_ns "$node" sysctl -q -w net.ipv4.ip_forward=1 \
			net.ipv6.conf.all.forwarding=1 >/dev/null || return 1
		;;
	esac
	ipn "$node" link set lo up
}

# veth NODE_A IF_A NODE_B IF_B: a link between two namespaces, both ends up.
veth() {
	ipn "$1" link add name "$2" type veth peer name "$4" netns "$LAB-$3" || return 1
	ipn "$1" link set dev "$2" up && ipn "$3" link set dev "$4" up
}

# addrs NODE IF ADDR/LEN...: adds addresses (IPv6 without DAD).
addrs() {
	local node=$1 dev=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ipn "$node" -6 addr add "$a" dev "$dev" nodad || return 1 ;;
		*) ipn "$node" addr add "$a" dev "$dev" || return 1 ;;
		esac
	done
}

make_links() {
	veth mon up up mon && addrs mon up "$MON_UP4" "$MON_UP6" && addrs up mon "$UP_MON4" "$UP_MON6" &&
		veth up bdr bdr up && addrs up bdr "$UP_BDR4" "$UP_BDR6" && addrs bdr up "$BDR_UP4" "$BDR_UP6" &&
		veth up ctl ctl up && addrs up ctl "$UP_CTL4" "$UP_CTL6" && addrs ctl up "$CTL_UP4" "$CTL_UP6" &&
		veth up atk atk up && addrs up atk "$UP_ATK4" "$UP_ATK6" && addrs atk up "$ATK_UP4" "$ATK_UP6" &&
		make_lan
}

# make_lan: the country's server LAN, a bridge on the border router.
make_lan() {
	local s
	ipn bdr link add name lan type bridge mcast_snooping 0 || return 1
	ipn bdr link set dev lan up || return 1
	addrs bdr lan "$BDR_LAN4" "$BDR_LAN6" || return 1
	for s in ns web mail; do
		veth bdr "$s" "$s" lan && ipn bdr link set dev "$s" master lan || return 1
	done
	addrs ns lan "$NS1_ADDR4/$LAN_PLEN4" "$NS1_ADDR6/$LAN_PLEN6" \
		"$NS2_ADDR4/$LAN_PLEN4" "$NS2_ADDR6/$LAN_PLEN6" || return 1
	for s in $WEB_SITES; do
		web_site_addrs "$s" add || return 1
	done
	addrs mail lan "$MAIL_ADDR4/$LAN_PLEN4" "$MAIL_ADDR6/$LAN_PLEN6"
}

# web_site_addrs SITE add|del: one web site's addresses on the web server.
web_site_addrs() {
	local a4 a6
	a4=$(site_var "$1" ADDR4) a6=$(site_var "$1" ADDR6)
	ipn web addr "$2" "$a4/$LAN_PLEN4" dev lan || return 1
	if [ "$2" = add ]; then
		ipn web -6 addr add "$a6/$LAN_PLEN6" dev lan nodad
	else
		ipn web -6 addr del "$a6/$LAN_PLEN6" dev lan
	fi
}
site_var() { local v="WEB_$1_$2"; echo "${!v}"; }

# set_routes NODE: the node's static routes (idempotent; links going down
# delete routes through them, so recovery calls this again). No default
# routes anywhere: only the lab's own prefixes. The upstream learns the
# country over BGP; the border router's way out is a BIRD static route.
set_routes() {
	local node=$1 gw4 gw6
	case $node in
	mon) gw4=$(addr_of "$UP_MON4") gw6=$(addr_of "$UP_MON6") ;;
	ctl) gw4=$(addr_of "$UP_CTL4") gw6=$(addr_of "$UP_CTL6") ;;
	atk) gw4=$(addr_of "$UP_ATK4") gw6=$(addr_of "$UP_ATK6") ;;
	ns | web | mail) gw4=$(addr_of "$BDR_LAN4") gw6=$(addr_of "$BDR_LAN6") ;;
	bdr)
		# Unused country addresses (the flood sink among them) go nowhere.
		ipn bdr route replace blackhole "$COUNTRY_PREFIX4" &&
			ipn bdr -6 route replace blackhole "$COUNTRY_PREFIX6"
		return
		;;
	*) return 0 ;;
	esac
	ipn "$node" route replace "$COUNTRY_PREFIX4" via "$gw4" &&
		ipn "$node" route replace "$OUTSIDE_PREFIX4" via "$gw4" &&
		ipn "$node" -6 route replace "$COUNTRY_PREFIX6" via "$gw6" &&
		ipn "$node" -6 route replace "$OUTSIDE_PREFIX6" via "$gw6"
}

# shape_border: the border link's capacity, both directions: an htb class
# at LAB_BORDER_RATE with a pfifo leaf of LAB_BORDER_QUEUE packets, which
# all traffic shares, except BGP: like a real router's control-plane
# priority, tcp/179 gets its own small class that is served first (nft sets
# its skb priority to 1:20, which htb takes as the class), so a flood
# raises RTT and loss for everything else but does not by itself drop the
# session (the cascade scenario drops it deliberately).
shape_border() {
	shape_dev up bdr && shape_dev bdr up
}
shape_dev() {
	local node=$1 dev=$2 rate=$LAB_BORDER_RATE
	in_ns "$node" tc qdisc replace dev "$dev" root handle 1: htb default 10 &&
		in_ns "$node" tc class replace dev "$dev" parent 1: classid 1:1 htb rate "$rate" ceil "$rate" &&
		in_ns "$node" tc class replace dev "$dev" parent 1:1 classid 1:10 htb \
			rate "$rate" ceil "$rate" prio 1 &&
		in_ns "$node" tc qdisc replace dev "$dev" parent 1:10 handle 10: pfifo limit "$LAB_BORDER_QUEUE" &&
		in_ns "$node" tc class replace dev "$dev" parent 1:1 classid 1:20 htb \
			rate 64kbit ceil "$rate" prio 0 quantum 1514 &&
		in_ns "$node" tc qdisc replace dev "$dev" parent 1:20 handle 20: pfifo limit 50 &&
		printf '%s\n' 'table inet lab {' \
			'	chain output { type filter hook output priority 0;' \
			"		oifname \"$dev\" tcp dport 179 meta priority set 1:20" \
			"		oifname \"$dev\" tcp sport 179 meta priority set 1:20" '	}' '}' |
		in_ns "$node" nft -f -
}

# ---------------------------------------------------------------- configs

bird_common() { # ROUTER_ID NODE
	cat <<EOF
# generated by lab/lib.sh for lab $LAB
router id $1;
log "$LAB_RUN/$2/bird.log" { info, remote, warning, error, auth, fatal, bug };
timeformat protocol iso long;
protocol device { scan time 5; }
template bgp lab {
	hold time 6;
	keepalive time 2;
	connect delay time 1;
	connect retry time 2;
	# After a failure (hold timer expired) retry at once, not after BIRD's
	# default 60 s: the session is back about a second after the link heals.
	error wait time 1, 4;
	error forget time 10;
}
EOF
}

# conf_bird_up: the upstream/exchange router. Learns the country from the
# border router, announces its own outside prefixes, and feeds everything it
# has to the collector in the monitor namespace.
conf_bird_up() {
	bird_common "$(addr_of "$UP_MON4")" up
	cat <<EOF
protocol kernel kernel4 { ipv4 { import none; export where source = RTS_BGP; }; }
protocol kernel kernel6 { ipv6 { import none; export where source = RTS_BGP; }; }
protocol static outside4 { ipv4; route $OUTSIDE_PREFIX4 unreachable; }
protocol static outside6 { ipv6; route $OUTSIDE_PREFIX6 unreachable; }
protocol bgp border from lab {
	description "the country's border router";
	local $(addr_of "$UP_BDR4") as $UPSTREAM_ASN;
	neighbor $(addr_of "$BDR_UP4") as $COUNTRY_ASN;
	ipv4 { import where net ~ [ $COUNTRY_PREFIX4+ ]; export where proto = "outside4"; };
	ipv6 { import where net ~ [ $COUNTRY_PREFIX6+ ]; export where proto = "outside6";
		next hop address $(addr_of "$UP_BDR6"); };
}
protocol bgp collector from lab {
	description "the collector in the monitor namespace";
	local $(addr_of "$UP_MON4") as $UPSTREAM_ASN;
	neighbor $(addr_of "$MON_UP4") port $LAB_COLLECTOR_PORT as $COLLECTOR_ASN;
	ipv4 { import none; export all; };
	ipv6 { import none; export all; next hop address $(addr_of "$UP_MON6"); };
}
EOF
}

# conf_bird_bdr: the country's border router. Originates the country's
# prefixes (protocols country4/country6: the routing scenario disables them)
# and reaches the outside through a static route to the upstream.
conf_bird_bdr() {
	bird_common "$(addr_of "$BDR_UP4")" bdr
	cat <<EOF
protocol kernel kernel4 { ipv4 { import none; export where proto = "out4"; }; }
protocol kernel kernel6 { ipv6 { import none; export where proto = "out6"; }; }
protocol static country4 { ipv4; route $COUNTRY_PREFIX4 blackhole; }
protocol static country6 { ipv6; route $COUNTRY_PREFIX6 blackhole; }
protocol static out4 { ipv4; route $OUTSIDE_PREFIX4 via $(addr_of "$UP_BDR4"); }
protocol static out6 { ipv6; route $OUTSIDE_PREFIX6 via $(addr_of "$UP_BDR6"); }
protocol bgp upstream from lab {
	description "the upstream/exchange router";
	local $(addr_of "$BDR_UP4") as $COUNTRY_ASN;
	neighbor $(addr_of "$UP_BDR4") as $UPSTREAM_ASN;
	ipv4 { import all; export where proto = "country4"; };
	ipv6 { import all; export where proto = "country6";
		next hop address $(addr_of "$BDR_UP6"); };
}
EOF
}

# conf_bird_mon: a stand-in collector (LAB_COLLECTOR=bird): passive, learns
# everything the upstream sends, touches no kernel table.
conf_bird_mon() {
	bird_common "$(addr_of "$MON_UP4")" mon
	cat <<EOF
protocol bgp upstream from lab {
	description "stand-in collector";
	local $(addr_of "$MON_UP4") port $LAB_COLLECTOR_PORT as $COLLECTOR_ASN;
	neighbor $(addr_of "$UP_MON4") as $UPSTREAM_ASN;
	passive on;
	ipv4 { import all; export none; };
	ipv6 { import all; export none; };
}
EOF
}

# conf_zone: the lab's kp. zone (names mirror the real ones, addresses are
# the lab's).
conf_zone() {
	local s host
	cat <<EOF
\$ORIGIN $DNS_ZONE.
\$TTL 60
@ IN SOA $NS1_NAME. hostmaster.$NS1_NAME. 2026010101 60 30 600 60
@ IN NS $NS1_NAME.
@ IN NS $NS2_NAME.
$NS1_NAME. IN A $NS1_ADDR4
$NS1_NAME. IN AAAA $NS1_ADDR6
$NS2_NAME. IN A $NS2_ADDR4
$NS2_NAME. IN AAAA $NS2_ADDR6
$MAIL_NAME. IN A $MAIL_ADDR4
$MAIL_NAME. IN AAAA $MAIL_ADDR6
EOF
	for host in $MAIL_ALIASES; do
		printf '%s. IN A %s\n%s. IN AAAA %s\n' "$host" "$MAIL_ADDR4" "$host" "$MAIL_ADDR6"
	done
	for s in $WEB_SITES; do
		host=$(site_var "$s" HOST)
		printf '%s. IN A %s\n%s. IN AAAA %s\nwww.%s. IN CNAME %s.\n' \
			"$host" "$(site_var "$s" ADDR4)" "$host" "$(site_var "$s" ADDR6)" "$host" "$host"
	done
	local i=0 d mx
	set -- "$MAIL_NAME" $MAIL_ALIASES
	for d in $MAIL_DOMAINS; do
		i=$((i + 1))
		mx=${!i:-$MAIL_NAME}
		printf '%s. IN MX 10 %s.\n' "$d" "$mx"
	done
}

conf_nsd() {
	local d=$LAB_RUN/ns a
	cat <<EOF
# generated by lab/lib.sh for lab $LAB
server:
	username: ""
	chroot: ""
	zonesdir: "$d"
	pidfile: "$d/nsd.pid"
	database: ""
	zonelistfile: "$d/zone.list"
	xfrdfile: "$d/xfrd.state"
	xfrdir: "$d"
	logfile: "$d/nsd.log"
	server-count: 1
	verbosity: 1
	hide-version: yes
	port: 53
EOF
	for a in "$NS1_ADDR4" "$NS1_ADDR6" "$NS2_ADDR4" "$NS2_ADDR6"; do
		printf '\tip-address: %s\n' "$a"
	done
	cat <<EOF
remote-control:
	control-enable: no
zone:
	name: "$DNS_ZONE"
	zonefile: "$d/$DNS_ZONE.zone"
EOF
}

# conf_nginx NODE: nginx with its own pid, logs and temp paths; one server
# block per web site (web) or one plain page (ctl, the control host).
conf_nginx() {
	local node=$1 d=$LAB_RUN/$1 s t
	cat <<EOF
# generated by lab/lib.sh for lab $LAB
daemon on;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 256; }
http {
	access_log off;
	default_type text/html;
EOF
	for t in client_body proxy fastcgi uwsgi scgi; do
		printf '\t%s_temp_path %s/tmp/%s;\n' "$t" "$d" "$t"
	done
	if [ "$node" = ctl ]; then
		server_block control "$(addr_of "$CTL_UP4")" "$(addr_of "$CTL_UP6")" control
	else
		for s in $WEB_SITES; do
			server_block "$(site_var "$s" HOST)" "$(site_var "$s" ADDR4)" \
				"$(site_var "$s" ADDR6)" "$s"
		done
	fi
	echo "}"
}
server_block() { # HOST ADDR4 ADDR6 TITLE
	cat <<EOF
	server {
		listen $2:80;
		listen [$3]:80;
		server_name $1 www.$1;
		location / { return 200 "<html><title>$4</title><body>$4 (blackout lab)</body></html>\n"; }
	}
EOF
}

write_configs() {
	local n
	for n in $LAB_NODES; do mkdir -p "$LAB_RUN/$n" || return 1; done
	mkdir -p "$LAB_RUN/web/tmp" "$LAB_RUN/ctl/tmp" || return 1
	conf_bird_up >"$LAB_RUN/up/bird.conf" &&
		conf_bird_bdr >"$LAB_RUN/bdr/bird.conf" &&
		conf_bird_mon >"$LAB_RUN/mon/bird.conf" &&
		conf_zone >"$LAB_RUN/ns/$DNS_ZONE.zone" &&
		conf_nsd >"$LAB_RUN/ns/nsd.conf" &&
		conf_nginx web >"$LAB_RUN/web/nginx.conf" &&
		conf_nginx ctl >"$LAB_RUN/ctl/nginx.conf"
}

# ---------------------------------------------------------------- daemons

start_bird() { # NODE
	local d=$LAB_RUN/$1
	in_ns "$1" "$BIRD" -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid"
}
# birdc_node NODE ARGS...: birdc on that node's BIRD.
birdc_node() {
	local node=$1
	shift
	"$BIRDC" -s "$LAB_RUN/$node/bird.ctl" "$@"
}
start_nsd() { in_ns ns "$NSD" -c "$LAB_RUN/ns/nsd.conf"; }
start_nginx() { # NODE
	local d=$LAB_RUN/$1
	in_ns "$1" "$NGINX" -p "$d" -c "$d/nginx.conf" -e "$d/error.log"
}
# start_smtp: aiosmtpd on the mail server's IPv4 and IPv6 addresses.
start_smtp() {
	local a fam d=$LAB_RUN/mail
	for fam in 4 6; do
		a=MAIL_ADDR$fam
		ip netns exec "$LAB-mail" setsid "$PY" -m aiosmtpd -n -l "${!a}:25" \
			</dev/null >>"$d/smtp$fam.log" 2>&1 &
		echo $! >"$d/smtp$fam.pid"
		disown
	done
}
# start_country: every daemon of the country (border BIRD, DNS, web, mail).
start_country() {
	start_bird bdr && start_nsd && start_nginx web && start_smtp
}
start_daemons() {
	start_bird up && start_nginx ctl && start_country || return 1
	if [ "$LAB_COLLECTOR" = bird ]; then start_bird mon; fi
}
# kill_node NODE: SIGKILL to every process in the node's namespace; waits
# until they are gone (up to 5 s).
kill_node() {
	local node=$1 pids i
	ns_exists "$node" || return 0
	for i in $(seq 50); do
		pids=$(ip netns pids "$LAB-$node" 2>/dev/null)
		[ -z "$pids" ] && return 0
		kill -9 $pids 2>/dev/null
		sleep 0.1
	done
	say "processes still in $LAB-$node: $pids"
	return 1
}
# ---------------------------------------------------------------- checks

# The checks that say the lab works, run from inside the monitor namespace.
# Each prints nothing and exits 0 when the thing answers.
chk_ping() { in_ns mon ping -n -q -c 1 -W 1 "$1" >/dev/null 2>&1; }
chk_dns() { # SERVER: the zone's SOA, authoritative
	in_ns mon dig +time=1 +tries=1 +norec @"$1" "$DNS_ZONE." SOA 2>/dev/null | grep -q 'flags:.* aa'
}
chk_http() { # HOST ADDR
	local a=$2
	[[ $a == *:* ]] && a="[$a]"
	[ "$(in_ns mon curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		--resolve "$1:80:$a" "http://$1/" 2>/dev/null)" = 200 ]
}
chk_smtp() { # ADDR: the 220 banner
	in_ns mon timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/25" && read -r -t 2 line <&3 && [[ $line == 220* ]]' _ "$1" 2>/dev/null
}
chk_route() { # PREFIX: present in the upstream's kernel table
	local fam=-4
	[[ $1 == *:* ]] && fam=-6
	[ -n "$(ipn up "$fam" route show "$1" 2>/dev/null)" ]
}
chk_bgp() { # NODE PROTOCOL: session Established
	birdc_node "$1" show protocols "$2" 2>/dev/null | grep -q Established
}

# all_checks: "NAME CMD ARGS..." lines, one per check of a healthy lab.
all_checks() {
	local s h a
	echo "bgp:up-border chk_bgp up border"
	[ "$LAB_COLLECTOR" = bird ] && echo "bgp:up-collector chk_bgp up collector"
	echo "route:$COUNTRY_PREFIX4 chk_route $COUNTRY_PREFIX4"
	echo "route:$COUNTRY_PREFIX6 chk_route $COUNTRY_PREFIX6"
	for a in "$UP_MON4" "$UP_MON6" "$BDR_UP4" "$BDR_UP6" "$BDR_LAN4" "$BDR_LAN6" "$CTL_UP4" "$CTL_UP6"; do
		echo "ping:$(addr_of "$a") chk_ping $(addr_of "$a")"
	done
	for a in "$NS1_ADDR4" "$NS1_ADDR6" "$NS2_ADDR4" "$NS2_ADDR6"; do
		echo "dns:$a chk_dns $a"
	done
	for s in $WEB_SITES; do
		h=$(site_var "$s" HOST)
		for a in "$(site_var "$s" ADDR4)" "$(site_var "$s" ADDR6)"; do
			echo "http:$h@$a chk_http $h $a"
		done
	done
	echo "http:control chk_http control $(addr_of "$CTL_UP4")"
	echo "smtp:$MAIL_ADDR4 chk_smtp $MAIL_ADDR4"
	echo "smtp:$MAIL_ADDR6 chk_smtp $MAIL_ADDR6"
}

# run_checks: runs every check in parallel; prints "ok NAME" / "FAIL NAME"
# lines in order; returns 0 when all pass.
run_checks() {
	local dir name cmd i=0 n rc=0
	dir=$(mktemp -d /tmp/blackout-lab-checks.XXXXXX) || return 1
	while read -r name cmd; do
		i=$((i + 1))
		echo "$name" >"$dir/$i.name"
		# shellcheck disable=SC2086
		($cmd && echo ok >"$dir/$i.res" || echo FAIL >"$dir/$i.res") &
	done < <(all_checks)
	wait
	for ((n = 1; n <= i; n++)); do
		echo "$(cat "$dir/$n.res" 2>/dev/null || echo FAIL) $(cat "$dir/$n.name")"
		[ "$(cat "$dir/$n.res" 2>/dev/null)" = ok ] || rc=1
	done
	rm -rf "$dir"
	return $rc
}

# wait_ready [SECONDS]: until every check passes; prints what still fails.
wait_ready() {
	local deadline=$((SECONDS + ${1:-$LAB_READY_TIMEOUT})) out
	while :; do
		out=$(run_checks) && return 0
		if [ $SECONDS -ge $deadline ]; then
			say "not ready after ${1:-$LAB_READY_TIMEOUT} s; failing:"
			grep '^FAIL' <<<"$out" | sed 's/^/  /' >&2
			return 1
		fi
		sleep 0.3
	done
}

# wait_until SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

# ---------------------------------------------------------------- up/down

lab_up() {
	local n t0=$SECONDS
	lab_exists && die "lab '$LAB' already exists (run dir $LAB_RUN or namespaces $LAB-*); run 'lab down' first"
	# mkdir is the lock: of two concurrent `up`s, one fails here. (Twice,
	# as another lab's `down` may remove the empty parent in between.)
	mkdir -p "$(dirname "$LAB_RUN")" && mkdir "$LAB_RUN" 2>/dev/null ||
		{ [ ! -e "$LAB_RUN" ] && mkdir -p "$(dirname "$LAB_RUN")" && mkdir "$LAB_RUN"; } ||
		die "lab '$LAB' is being built or already up ($LAB_RUN exists)"
	trap 'say "interrupted; tearing down"; lab_down; exit 130' INT TERM HUP
	save_settings
	say "building namespaces and links"
	for n in $LAB_NODES; do make_node "$n" || lab_up_failed "namespace $n"; done
	make_links || lab_up_failed "links"
	for n in $LAB_NODES; do set_routes "$n" || lab_up_failed "routes of $n"; done
	shape_border || lab_up_failed "shaping the border link"
	write_configs || lab_up_failed "configs"
	say "starting daemons"
	start_daemons || lab_up_failed "daemons"
	say "waiting for BGP and every service (checked from $LAB-mon)"
	wait_ready || lab_up_failed "readiness"
	trap - INT TERM HUP
	say "up and ready in $((SECONDS - t0)) s (run dir $LAB_RUN)"
}
lab_up_failed() {
	say "error: $1 failed"
	if [ -n "${LAB_KEEP_FAILED:-}" ]; then
		say "LAB_KEEP_FAILED set: leaving the lab as it is for inspection"
	else
		lab_down
	fi
	exit 1
}
save_settings() {
	local v
	for v in LAB_TRUTH LAB_COLLECTOR_PORT LAB_COLLECTOR LAB_BORDER_RATE LAB_BORDER_QUEUE; do
		printf '%s=%q\n' "$v" "${!v}"
	done >"$LAB_RUN/settings"
}

# lab_down: from any state, idempotent: kill every process in the lab's
# namespaces, delete the namespaces, remove the run dir.
lab_down() {
	local n rc=0
	for n in $LAB_NODES; do kill_node "$n" || rc=1; done
	for n in $LAB_NODES; do
		if ns_exists "$n"; then ip netns del "$LAB-$n" || rc=1; fi
	done
	rm -rf "$LAB_RUN" || rc=1
	# The default parent, when no other lab uses it.
	[ "$LAB_RUN" = "/run/blackout-lab/$LAB" ] && rmdir /run/blackout-lab 2>/dev/null
	return $rc
}
