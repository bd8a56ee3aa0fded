#!/usr/bin/env bash
# The store on a full disk and on a read-only file system, for real: a small
# tmpfs in a private mount namespace (root only; skipped otherwise).
# A writer keeps queueing observations (tests/helpers/store_writer); when the
# disk fills, flushes fail with a clear error and the data waits in memory;
# when space returns, everything is written and the file is intact.
. "$TOP/tests/lib.sh"
W="$TOP/${BUILD:-build}/helpers/store_writer"
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	skip "store on a full disk" "needs root and unshare -m (a private tmpfs)"
	finish
fi
# our own folder, removed from this shell (tmpdir's at_exit runs in a subshell and is lost)
d=$(mktemp -d /tmp/bo-cfgstore-faults.XXXXXX)
at_exit "rm -rf '$d'"
mkdir "$d/mnt"
cat >"$d/inner.sh" <<'INNER'
set -u
d=$1 W=$2
mount -t tmpfs -o size=16m tmpfs "$d/mnt" || exit 10
"$W" --db "$d/mnt/s.db" --rate 3000 --seconds 120 --interval 200 >"$d/out" 2>"$d/err" &
pid=$!
trap 'kill "$pid" 2>/dev/null' EXIT
wait_lines() { # PATTERN COUNT SECONDS: until the writer printed COUNT such lines
	local end=$((SECONDS + $3)) n
	while :; do
		n=$(grep -c -- "$1" "$d/out" 2>/dev/null)
		[ "${n:-0}" -ge "$2" ] && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}
wait_lines '^flush rc=0 ' 3 30 || { echo "no flush"; exit 11; }
# fill the disk
dd if=/dev/zero of="$d/mnt/fill" bs=64k 2>/dev/null
wait_lines '^flush rc=-4 .*full' 3 30 || { echo "no disk-full error"; exit 12; }
kill -0 "$pid" || { echo "writer died"; exit 13; }
grep '^flush rc=-4' "$d/out" | tail -n 1 >"$d/full_line"
# space comes back
rm -f "$d/mnt/fill"
n_ok=$(grep -c '^flush rc=0 ' "$d/out")
wait_lines '^flush rc=0 queued=' $((n_ok + 3)) 30 || { echo "no recovery"; exit 14; }
kill -TERM "$pid"
wait "$pid"
echo "writer_rc=$?" >"$d/rc"
python3 - "$d/mnt/s.db" >"$d/db" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(c.execute("pragma integrity_check").fetchone()[0], c.execute("select count(*) from obs").fetchone()[0],
      c.execute("select count(*), max(rtt_ms) from obs").fetchone()[1])
PY
# the file system goes read-only (nothing has it open now)
mount -o remount,ro "$d/mnt" || exit 15
"$W" --db "$d/mnt/s.db" --seconds 1 >"$d/out_ro" 2>"$d/err_ro"
echo "ro_rc=$?" >>"$d/rc"
umount "$d/mnt"
INNER
timeout 180 unshare -m bash "$d/inner.sh" "$d" "$W"
rc=$?
expect_eq "disk-full scenario ran to the end" "$rc" 0
if [ "$rc" != 0 ]; then tail -n 5 "$d/out" "$d/err" 2>/dev/null | sed 's/^/# /'; finish; fi
full=$(cat "$d/full_line")
case "$full" in
*"cannot write $d/mnt/s.db: database or disk is full (is the disk full?)"*) ok "a full disk is a clear error" ;;
*) fail "a full disk is a clear error" "$full" ;;
esac
grep -q 'writer_rc=0' "$d/rc" && ok "writes resumed: the last flush succeeded" || fail "writes resumed" "$(cat "$d/rc")"
read -r integrity rows maxseq <"$d/db"
expect_eq "the file is intact after the full disk" "$integrity" ok
done_line=$(grep '^done ' "$d/out")
gen=$(sed -n 's/.*generated=\([0-9]*\).*/\1/p' <<<"$done_line")
written=$(sed -n 's/.* written=\([0-9]*\).*/\1/p' <<<"$done_line")
dropped=$(sed -n 's/.*dropped=\([0-9]*\).*/\1/p' <<<"$done_line")
expect_eq "nothing was dropped (the queue held it)" "$dropped" 0
expect_eq "every observation generated is in the file" "$rows" "$gen"
expect_eq "the writer counted the same" "$written" "$gen"
expect_eq "in order, no holes" "${maxseq%.0}" "$gen"
grep -q 'ro_rc=2' "$d/rc" && ok "a read-only file system: the writer refuses to start" ||
	fail "read-only file system" "$(cat "$d/rc")"
grep -q 'is read-only (file permissions or a read-only file system)' "$d/err_ro" &&
	ok "a read-only file system is a clear error" || fail "read-only message" "$(cat "$d/err_ro")"
cp "$d/out" "$TOP/tests/out/store_faults.writer.log" 2>/dev/null
finish
