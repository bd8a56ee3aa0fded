#!/usr/bin/env bash
# `blackout watch` runs trace probes and discover_routers, through the chain of
# routers in namespaces made here (trace_lab.sh):
#   MON -- R1 198.51.100.2 -- R2 203.0.113.2 -- R3 (203.0.113.6), lo 203.0.113.100
# - entity "far" (prefix 203.0.113.100/32, discover_routers: true): the
#   traceroute toward it at start finds R2 (the last hop before the prefix)
#   and 203.0.113.100 (inside); both become router targets probed by ICMP;
# - target "cut" (203.0.113.200, a trace probe): R3 has no route to it, so
#   every round's trace stops at hop 3 with net-unreachable from 203.0.113.6.
# Root only; skipped otherwise. Probes run inside MON only.
. "$TOP/tests/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v nft >/dev/null; then
	skip "watch trace" "needs root, ip and nft"
	finish
fi
. "$TOP/tests/integration/trace_lab.sh"
if ! chain_up; then
	fail "trace lab" "could not build the namespaces"
	finish
fi
d=$(tmpdir)
cat >"$d/w.yaml" <<'EOF2'
defaults: {interval: 2s, timeout: 500ms, retries: 1}
http: {enabled: false}
entities:
  - name: far
    kind: prefix
    prefixes: [203.0.113.100/32]
    discover_routers: true
  - name: path
    kind: group
    targets:
      - {name: cut, role: router, address: 203.0.113.200, probes: [{type: trace, max_hops: 6}]}
EOF2
check "config is valid" "$BLACKOUT" check-config "$d/w.yaml"
mon "$BLACKOUT" watch -c "$d/w.yaml" --db "$d/w.db" --duration 9 >"$d/out" 2>"$d/log"
expect_eq "watch exits 0" "$?" 0
q() { sqlite3 "file:$d/w.db?mode=ro" "$1" 2>&1; }
expect_eq "two routers discovered, in the far entity" \
	"$(q "SELECT t.name FROM targets t JOIN entities e ON e.id = t.entity_id WHERE e.name = 'far' ORDER BY t.name")" \
	"far-hop-203.0.113.100
far-hop-203.0.113.2"
case $(cat "$d/log") in
*"far: discovered router 203.0.113.2: hop 2 toward 203.0.113.100, the last hop before them"*"far: discovered router 203.0.113.100: hop 3 toward 203.0.113.100, inside the prefixes"*)
	ok "the log says which trace found them at which hop" ;;
*) fail "the log says which trace found them at which hop" "$(grep -i discover "$d/log")" ;;
esac
n=$(q "SELECT count(*) FROM obs o JOIN targets t ON t.id = o.target_id WHERE t.name LIKE 'far-hop-%' AND o.kind = 0 AND o.outcome = 0")
if [ "${n:-0}" -ge 6 ]; then ok "the discovered routers are probed and answer ($n ICMP observations ok)"; else
	fail "the discovered routers are probed and answer" "$n; $(tail -5 "$d/log")"; fi
rows=$(q "SELECT o.outcome, o.detail FROM obs o JOIN targets t ON t.id = o.target_id WHERE t.name = 'cut' AND o.kind = 5")
n=$(grep -c . <<<"$rows")
if [ "$n" -ge 3 ]; then ok "the trace probe runs every round ($n traces in 9 s at 2 s)"; else
	fail "the trace probe runs every round" "$rows; $(tail -5 "$d/log")"; fi
if [ -n "$rows" ] && ! grep -qv '^4|' <<<"$rows"; then ok "every trace says net-unreachable"; else
	fail "every trace says net-unreachable" "$(cut -c1-200 <<<"$rows")"; fi
case $rows in
*'"stop_ttl":3'*'"stop_addr":"203.0.113.6"'*) ok "the trace's detail says where the path stops (hop 3, R3)" ;;
*) fail "the trace's detail says where the path stops (hop 3, R3)" "$(head -1 <<<"$rows" | cut -c1-400)" ;;
esac
finish
