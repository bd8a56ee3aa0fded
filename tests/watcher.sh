# tests/watcher.sh - for tests that abuse a running `blackout watch` (source it
# after lib.sh and servers.sh): a watcher probing one TCP listener every second,
# and what shows it is still well: probes sent (/metrics), observations stored,
# its VmRSS.
#
# watch_start DIR HTTP_MAP [EXTRA_YAML]: writes DIR/watch.yaml (the TCP target,
# http: HTTP_MAP, then EXTRA_YAML), starts the watcher (log DIR/watch.log, store
# DIR/w.db) and waits until it stores observations. Sets WPID, API, db.
watch_start() {
	local dir=$1 http=$2 extra=${3:-} port
	port=$(free_port)
	start_listener 127.0.0.1 "$port" || { fail "tcp listener" "not up"; return 1; }
	db=$dir/w.db
	API="http://$(echo "$http" | sed -n 's/.*listen: *\([0-9.:]*\).*/\1/p')"
	cat >"$dir/watch.yaml" <<YAML
defaults: {interval: 1s, timeout: 400ms, retries: 1}
store: {flush_interval: 500ms}
http: $http
$extra
entities:
  - name: lab
    kind: group
    targets:
      - {name: w, role: web, address: 127.0.0.1, probes: [{type: tcp, port: $port}]}
YAML
	check "test config is valid" "$BLACKOUT" check-config "$dir/watch.yaml"
	"$BLACKOUT" watch -c "$dir/watch.yaml" --db "$db" 2>"$dir/watch.log" &
	WPID=$!
	at_exit "kill $WPID"
	export API db
	wait_for 30 bash -c "[ \$(obs_stored) -ge 5 ]" ||
		{ fail "watch starts and stores" "$(tail -5 "$dir/watch.log")"; return 1; }
}
probes_sent() { curl -sf --max-time 5 "$API/metrics" | awk '/^blackout_probes_sent_total/ { s += $2 } END { print s + 0 }'; }
obs_stored() { sqlite3 "file:$db?mode=ro" "SELECT count(*) FROM obs" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$WPID/status"; }
# grows FUNC: FUNC's number increases within 15 s
grows() { local a; a=$("$1"); wait_for 15 bash -c "[ \$($1) -gt $a ]"; }
export -f probes_sent obs_stored
