#!/usr/bin/env bash
# The lab comes up ready, refuses a second up, lives only in its own
# namespaces, and `down` leaves nothing behind.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lab/labtest.sh"
lab_test_init

root_links() { ip -o link show | awk -F': ' '{print $2}' | sort; }
root_lab_addrs() { ip -o addr show | grep -E '198\.51\.100\.|203\.0\.113\.|2001:db8:' || true; }
links_before=$(root_links)

lab_test_up
check "every readiness check passes" "$LABCTL" check

got=$(ip netns list | awk '{print $1}' | grep "^$LAB-" | sort | tr '\n' ' ')
expect_eq "one namespace per node" "$got" "$LAB-atk $LAB-bdr $LAB-ctl $LAB-mail $LAB-mon $LAB-ns $LAB-up $LAB-web "
expect_eq "nothing attached to the root namespace" "$(root_links)" "$links_before"
expect_eq "no lab address in the root namespace" "$(root_lab_addrs)" ""
defaults=""
for n in mon up bdr ns web mail ctl atk; do
	defaults+=$(ip -n "$LAB-$n" route show default; ip -n "$LAB-$n" -6 route show default)
done
expect_eq "no default route in any lab namespace" "$defaults" ""
expect_eq "monitor has no address outside the lab ranges" \
	"$(mon ip -o addr show | awk '{print $4}' | grep -vE '^(127\.|::1|fe80:|203\.0\.113\.|2001:db8:)' || true)" ""
check "border router sysctls (forwarding, no DAD, keep v6 addrs)" bash -c "
	ip netns exec $LAB-bdr sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding \
		net.ipv6.conf.all.keep_addr_on_down net.ipv4.icmp_ratelimit | tr '\n' ' ' | grep -qx '1 1 1 0 '"
check "border link shaped (htb + pfifo)" bash -c "
	ip netns exec $LAB-up tc qdisc show dev bdr | grep -q 'qdisc htb 1:' &&
	ip netns exec $LAB-up tc qdisc show dev bdr | grep -q 'qdisc pfifo 10:.*limit 100p'"
check "upstream has the country's routes" country_route_present
check "BGP border session Established" bash -c "'$LABCTL' birdc up show protocols border | grep -q Established"
check "a kp. name resolves at the lab nameserver" bash -c \
	"ip netns exec $LAB-mon dig +short @198.51.100.10 www.kcna.kp A | grep -qx 198.51.100.22"
check "MX of naenara.com.kp is the lab mail server" bash -c \
	"ip netns exec $LAB-mon dig +short @2001:db8:100:1::11 naenara.com.kp MX | grep -qx '10 mail.naenara.com.kp.'"
check "mail accepted over SMTP (swaks)" smtp_ok 198.51.100.30

# A second up is refused and does not disturb the running lab.
out=$("$LABCTL" up 2>&1)
rc=$?
expect_eq "second up refused (exit 1)" "$rc" 1
check "refusal says the lab exists" grep -q "already exists" <<<"$out"
check "lab still ready after the refused up" "$LABCTL" check

json=$("$LABCTL" status --json)
check "status --json is valid JSON" python3 -c 'import json,sys; json.loads(sys.stdin.read())' <<<"$json"
expect_eq "status --json: 22 targets" "$(python3 -c '
import json,sys; d=json.loads(sys.stdin.read()); print(len(d["targets"]))' <<<"$json")" 22
expect_eq "status --json: every check ok" "$(python3 -c '
import json,sys; d=json.loads(sys.stdin.read()); print(all(c["ok"] for c in d["checks"]))' <<<"$json")" True
expect_eq "targets: roles" "$("$LABCTL" targets | awk '{print $1}' | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}')" \
	"control=2 dns=4 mail=2 router=4 web=10 "

inodes=$(lab_netns_inodes)
if "$LABCTL" down >/dev/null 2>&1; then ok "down"; else fail "down" "exit $?"; fi
expect_eq "nothing left after down" "$(leftovers "$inodes")" ""
check "down again is a no-op" "$LABCTL" down

# With the stand-in BIRD collector on a non-standard port: the collector
# learns the country's prefixes (and the outside ones) from the upstream.
if LAB_COLLECTOR=bird LAB_COLLECTOR_PORT=1179 "$LABCTL" up >"$LAB_TEST_DIR/up2.log" 2>&1; then
	ok "up with the stand-in collector on port 1179"
	r=$("$LABCTL" birdc mon show route)
	check "collector learned 198.51.100.0/24 (origin AS64510)" grep -q '^198\.51\.100\.0/24 .*AS64510i' <<<"$r"
	check "collector learned 2001:db8:100::/48" grep -q '^2001:db8:100::/48 .*AS64510i' <<<"$r"
	check "collector session on port 1179" bash -c "ip netns exec $LAB-mon ss -tn state established | grep -q ':1179 '"
	inodes=$(lab_netns_inodes)
	"$LABCTL" down >/dev/null 2>&1
	expect_eq "nothing left after the second down" "$(leftovers "$inodes")" ""
else
	fail "up with the stand-in collector" "$(tail -n 5 "$LAB_TEST_DIR/up2.log" | tr '\n' '|')"
fi
lab_test_finish
