# tests/lab/labtest.sh - helpers for the lab tests; source after tests/lib.sh.
#
# Each test runs its own lab, named t<pid> (namespaces t<pid>-NODE), so it
# collides with no other lab, and takes it down at exit. Every probe of a lab
# address runs inside the lab's monitor namespace (mon ...).
#
#   lab_test_init          root + packages, or skip; LAB, LAB_TRUTH; down at exit
#   lab_test_up            lab up (fails and finishes the test if it cannot)
#   lab_test_finish [FILE...]  finish; after a failure, the truth log, the
#                          scenario logs and FILEs go to stderr (tests/out/)
#   mon CMD...             CMD inside the monitor namespace
#   wait_stage S STAGE N   until truth has "S stage=STAGE" (N seconds)
#   stage_epoch S STAGE    that line's time, seconds since the epoch (float)
#   ping_stats ADDR COUNT INTERVAL   prints "LOSS_PERCENT AVG_RTT_MS" from mon
#                          (100 and - when ping could not send at all)
#   country_route_present  the upstream BIRD has the country's IPv4 and IPv6 routes
#   leftovers              prints anything of this lab that still exists
LABCTL=$TOP/lab/lab
SCENARIO=$TOP/lab/scenario

lab_test_init() {
	local p
	if [ "$(id -u)" != 0 ]; then
		skip "$(basename "$0" .sh)" "needs root"
		exit 0
	fi
	for p in bird birdc nsd nginx dig curl swaks nft tc; do
		if ! command -v "$p" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$p" ]; then
			skip "$(basename "$0" .sh)" "missing $p (run scripts/deps)"
			exit 0
		fi
	done
	/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || {
		skip "$(basename "$0" .sh)" "missing python3-aiosmtpd (run scripts/deps)"
		exit 0
	}
	export LAB="t$$"
	unset LAB_RUN LAB_COLLECTOR LAB_COLLECTOR_PORT
	# Made here, not with $(tmpdir): at_exit inside a command substitution
	# runs in a subshell and would be lost (the folder would stay).
	LAB_TEST_DIR=$(mktemp -d /tmp/blackout-labtest.XXXXXX)
	at_exit "rm -rf '$LAB_TEST_DIR'"
	export LAB_TRUTH=$LAB_TEST_DIR/truth.log
	at_exit "'$LABCTL' down"
	# tests/run's timeout sends TERM: still take the lab down.
	trap 'exit 143' TERM INT
}

lab_test_up() {
	if "$LABCTL" up >"$LAB_TEST_DIR/up.log" 2>&1; then
		ok "lab up"
	else
		fail "lab up" "$(tail -n 20 "$LAB_TEST_DIR/up.log" | tr '\n' '|')"
		lab_test_finish
	fi
}

lab_test_finish() {
	local f
	if [ "$T_FAILED" != 0 ]; then
		for f in "$LAB_TRUTH" "$LAB_TEST_DIR"/*.log "$@"; do
			[ -r "$f" ] && { echo "--- $f"; tail -n 200 "$f"; } >&2
		done
	fi
	finish
}

mon() { ip netns exec "$LAB-mon" "$@"; }

wait_stage() { wait_for "$3" grep -q " $1 stage=$2\( \|$\)" "$LAB_TRUTH"; }
stage_epoch() {
	local ts
	ts=$(grep " $1 stage=$2\( \|$\)" "$LAB_TRUTH" | head -n 1 | cut -d' ' -f1)
	[ -n "$ts" ] || return 1
	date -u -d "$ts" +%s.%N
}
# before S A B: stage A happened before stage B.
before() {
	local a b
	a=$(stage_epoch "$1" "$2") && b=$(stage_epoch "$1" "$3") &&
		awk -v a="$a" -v b="$b" 'BEGIN { exit !(a < b) }'
}
# gap S A B: seconds from stage A to stage B.
gap() {
	awk -v a="$(stage_epoch "$1" "$2")" -v b="$(stage_epoch "$1" "$3")" 'BEGIN { printf "%.2f", b - a }'
}
# in_range X LO HI: LO <= X <= HI (floats).
in_range() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }

ping_stats() {
	mon ping -n -q -c "$2" -i "$3" -W 2 "$1" 2>&1 | awk '
		/packet loss/ { for (i = 1; i <= NF; i++) if ($i ~ /%$/) { loss = $i; sub("%", "", loss) } }
		/^rtt/ { split($4, r, "/"); avg = r[2] }
		END { if (loss == "") loss = 100  # no statistics: ping could not even send
			printf "%d %s\n", loss + 0.5, (avg == "" ? "-" : avg) }'
}

country_route_present() {
	local r
	r=$("$LABCTL" birdc up show route 2>/dev/null)
	grep -q '^198\.51\.100\.0/24' <<<"$r" && grep -q '^2001:db8:100::/48' <<<"$r"
}
country_route_absent() {
	local r
	r=$("$LABCTL" birdc up show route 2>/dev/null) || return 1
	! grep -q '^198\.51\.100\.0/24' <<<"$r" && ! grep -q '^2001:db8:100::/48' <<<"$r"
}

# http_ok HOST ADDR / dns_ok SERVER / smtp_ok ADDR: the service answers,
# asked from the monitor namespace with the standard tools.
http_ok() {
	local a=$2
	[[ $a == *:* ]] && a="[$a]"
	[ "$(mon curl -s -o /dev/null -w '%{http_code}' --max-time 3 --resolve "$1:80:$a" "http://$1/")" = 200 ]
}
dns_ok() { mon dig +time=2 +tries=1 +norec @"$1" naenara.com.kp A | grep -q 'status: NOERROR'; }
smtp_ok() {
	mon swaks --server "$1" --port 25 --timeout 4 --from lab@star-co.net.kp \
		--to info@naenara.com.kp --helo monitor.lab >/dev/null 2>&1
}

# lab_netns_inodes: the inode of each of this lab's namespaces.
lab_netns_inodes() {
	local n
	for n in mon up bdr ns web mail ctl atk; do
		[ -e "/run/netns/$LAB-$n" ] && stat -L -c %i "/run/netns/$LAB-$n"
	done
}
# leftovers [INODES]: namespaces, run dir, processes of this lab still there
# (processes: in one of the given namespaces, or naming the run dir).
leftovers() {
	local inodes=${1:-} p ino
	ip netns list | awk '{print $1}' | grep "^$LAB-" | sed 's/^/namespace /'
	[ -e "/run/blackout-lab/$LAB" ] && echo "run dir /run/blackout-lab/$LAB"
	for p in /proc/[0-9]*; do
		ino=$(stat -L -c %i "$p/ns/net" 2>/dev/null) || continue
		if [ -n "$inodes" ] && grep -qx "$ino" <<<"$inodes"; then
			echo "process ${p#/proc/} $(cat "$p/comm" 2>/dev/null) in a lab namespace"
		elif [[ "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)" == *"/run/blackout-lab/$LAB/"* ]]; then
			echo "process ${p#/proc/} $(cat "$p/comm" 2>/dev/null) names the run dir"
		fi
	done
}
