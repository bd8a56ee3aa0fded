#!/usr/bin/env bash
# blackout watch --user: started as root, it opens the raw ICMP sockets, the
# API port and the store, gives the store's files to the user, then runs as
# that user with no capability (or only CAP_NET_RAW with --keep-net-raw).
# A system user is created for the test and removed at exit. Checked from
# outside: /proc/PID/status (Uid, Gid, Groups, CapEff, CapPrm, CapBnd), that
# ICMP, TCP and HTTP probes still store "ok" observations made after the drop,
# and who owns the database files. Needs root (skips otherwise).
. "$TOP/tests/lib.sh"
. "$TOP/tests/servers.sh"

if [ "$(id -u)" != 0 ]; then skip "watch --user" "needs root"; finish; fi

# ---- refused before anything starts ----
d=$(tmpdir)
printf 'entities:\n  - name: x\n    kind: group\n    targets:\n      - {name: t, role: router, address: 127.0.0.2, probes: [icmp]}\n' >"$d/min.yaml"
err=$("$BLACKOUT" watch -c "$d/min.yaml" --db "$d/no.db" --user bo-no-such-user-$$ 2>&1 >/dev/null); rc=$?
expect_eq "--user with an unknown user exits 2" "$rc" 2
case $err in *"no user 'bo-no-such-user-$$'"*) ok "unknown user is named" ;; *) fail "unknown user is named" "$err" ;; esac
err=$("$BLACKOUT" watch -c "$d/min.yaml" --db "$d/no.db" --user root 2>&1 >/dev/null); rc=$?
expect_eq "--user root is refused (exit 2)" "$rc" 2
err=$("$BLACKOUT" watch -c "$d/min.yaml" --db "$d/no.db" --keep-net-raw 2>&1 >/dev/null); rc=$?
expect_eq "--keep-net-raw without --user exits 2" "$rc" 2
[ ! -e "$d/no.db" ] && ok "refused runs create no store" || fail "refused runs create no store" "$d/no.db exists"

# ---- the user ----
user=bo-rob-$$
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user" ||
	{ fail "useradd $user" ""; finish; }
at_exit "userdel '$user'"
uid=$(id -u "$user"); gid=$(id -g "$user")

# ---- servers: nginx (http), a TCP listener (tcp), 127.0.0.2 (icmp) ----
start_nginx "$d/nginx" || { fail "nginx starts" "see $d/nginx/logs"; finish; }
at_exit "stop_server nginx '$d/nginx'"
tcp_port=$(free_port)
start_listener 127.0.0.3 "$tcp_port" || { fail "tcp listener" "not up"; finish; }
api_port=$(free_port)
dbdir=$d/db # not there yet: blackout creates it for the user
db=$dbdir/watch.db
cat >"$d/watch.yaml" <<YAML
defaults: {interval: 1s, timeout: 400ms, retries: 1}
store: {path: $d/unused.db, flush_interval: 500ms}
http: {listen: 127.0.0.1:$api_port}
entities:
  - name: lab
    kind: group
    targets:
      - {name: r-icmp, role: router, address: 127.0.0.2, probes: [icmp]}
      - {name: w-tcp, role: web, address: 127.0.0.3, probes: [{type: tcp, port: $tcp_port}]}
      - name: w-http
        role: web
        address: 127.0.0.1
        probes: [{type: http, url: "http://www.kp.test:$NGINX_PORT/"}]
YAML
check "test config is valid" "$BLACKOUT" check-config "$d/watch.yaml"
API="http://127.0.0.1:$api_port"
min_sent() { curl -sf "$API/api/v1/targets" | python3 -c 'import json,sys; print(min(t["sent"] for t in json.load(sys.stdin)["data"]))'; }
sent_at_least() { local n; n=$(min_sent) && [ "$n" -ge "$1" ]; }
# status_field PID KEY: the fields after "KEY:" in /proc/PID/status, space-separated
status_field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }
ok_count() { # KIND: stored ok observations of that probe kind (0 icmp, 1 tcp, 2 http)
	sqlite3 "file:$db?mode=ro" "SELECT count(*) FROM obs WHERE kind = $1 AND outcome = 0"; }

WPID=
run_watch() { # LOG ARGS...
	local log=$1; shift
	"$BLACKOUT" watch -c "$d/watch.yaml" --db "$db" "$@" 2>"$log" &
	WPID=$!
	at_exit "kill $WPID"
	wait_for 30 sent_at_least 3
}
stop_watch() { kill -TERM "$WPID"; wait "$WPID"; }

# ---- an existing directory the user cannot write: refused before anything is created ----
mkdir "$d/rootdir" && chmod 755 "$d/rootdir"
err=$("$BLACKOUT" watch -c "$d/watch.yaml" --db "$d/rootdir/w.db" --user "$user" --duration 5 2>&1 >/dev/null); rc=$?
[ "$rc" != 0 ] && ok "a database directory $user cannot write is refused (exit $rc)" || fail "unwritable directory refused" "exit 0"
case $err in *"database directory $d/rootdir is not writable by $user"*) ok "the refusal names the directory and the user" ;;
	*) fail "the refusal names the directory and the user" "$err" ;; esac
[ -z "$(ls -A "$d/rootdir")" ] && ok "nothing created in the refused directory" || fail "nothing created in the refused directory" "$(ls "$d/rootdir")"
expect_eq "the refused directory is left as it was" "$(stat -c %U:%a "$d/rootdir")" "root:755"

# ---- run 1: --user, no capability kept ----
if run_watch "$d/w1.log" --user "$user"; then ok "watch --user probes (3 rounds)"; else
	fail "watch --user probes" "$(tail -5 "$d/w1.log")"; finish; fi
expect_eq "Uid: real, effective, saved, fs = the user" "$(status_field "$WPID" Uid)" "$uid $uid $uid $uid"
expect_eq "Gid: all four = the user's group" "$(status_field "$WPID" Gid)" "$gid $gid $gid $gid"
expect_eq "Groups: only the user's group" "$(status_field "$WPID" Groups | tr -d ' \t')" "$gid"
expect_eq "CapEff empty" "$(status_field "$WPID" CapEff)" 0000000000000000
expect_eq "CapPrm empty" "$(status_field "$WPID" CapPrm)" 0000000000000000
expect_eq "CapBnd empty (cannot regain a capability by exec)" "$(status_field "$WPID" CapBnd)" 0000000000000000
expect_eq "NoNewPrivs set" "$(status_field "$WPID" NoNewPrivs)" 1
grep -q "running as $user (uid $uid, gid $gid), no capabilities" "$d/w1.log" &&
	ok "watch says it runs as the user" || fail "watch says it runs as the user" "$(cat "$d/w1.log")"
# probes made after the drop (probing starts only after it) are stored as ok
wait_for 30 sh -c "[ \$(sqlite3 'file:$db?mode=ro' 'SELECT count(DISTINCT kind) FROM obs WHERE outcome = 0 AND kind IN (0,1,2)') = 3 ]"
for k in "0 ICMP" "1 TCP" "2 HTTP"; do
	set -- $k
	n=$(ok_count "$1")
	[ "${n:-0}" -ge 1 ] && ok "$2 probes store ok observations as $user ($n)" || fail "$2 observations as $user" "count '$n'"
done
expect_eq "the database directory blackout created belongs to $user" "$(stat -c %U:%a "$dbdir" 2>&1)" "$user:750"
for f in "$db" "$db-wal" "$db-shm"; do
	expect_eq "${f##*/} owned by $user" "$(stat -c %U:%G "$f" 2>&1)" "$user:$(id -gn "$user")"
done
runuser -u "$user" -- sh -c "test -w '$db' && test -w '$db-wal' && test -w '$db-shm'" &&
	ok "the user can write the database files" || fail "the user can write the database files" "$(ls -l "$dbdir")"
if stop_watch; then ok "watch --user stops on SIGTERM with exit 0"; else fail "watch --user stops" "rc $?; $(tail -3 "$d/w1.log")"; fi
# SQLite removes the -wal at the last close: only possible if $user can write the directory
[ ! -e "$db-wal" ] && ok "the -wal file is removed at a clean stop as $user" || fail "-wal removed at the stop" "$(ls -l "$dbdir")"
expect_eq "integrity_check after the run as $user" "$(sqlite3 "$db" 'PRAGMA integrity_check')" ok

# ---- run 2: --keep-net-raw keeps CAP_NET_RAW and nothing else; restart on the user's db ----
n_icmp=$(ok_count 0)
if run_watch "$d/w2.log" --user "$user" --keep-net-raw; then ok "watch --user --keep-net-raw probes"; else
	fail "watch --user --keep-net-raw probes" "$(tail -5 "$d/w2.log")"; finish; fi
expect_eq "CapEff = CAP_NET_RAW only" "$(status_field "$WPID" CapEff)" 0000000000002000
expect_eq "CapPrm = CAP_NET_RAW only" "$(status_field "$WPID" CapPrm)" 0000000000002000
expect_eq "CapBnd = CAP_NET_RAW only" "$(status_field "$WPID" CapBnd)" 0000000000002000
expect_eq "Uid still the user's with --keep-net-raw" "$(status_field "$WPID" Uid)" "$uid $uid $uid $uid"
wait_for 20 sh -c "[ \$(sqlite3 'file:$db?mode=ro' 'SELECT count(*) FROM obs WHERE kind = 0 AND outcome = 0') -gt $n_icmp ]" &&
	ok "ICMP keeps answering after a restart as $user" || fail "ICMP after the restart" "$(ok_count 0) <= $n_icmp"
if stop_watch; then ok "watch --keep-net-raw stops with exit 0"; else fail "watch --keep-net-raw stops" "rc $?"; fi
finish
