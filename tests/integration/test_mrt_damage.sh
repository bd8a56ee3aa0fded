#!/usr/bin/env bash
# Damaged archives: real files truncated at many offsets (plain and
# compressed), a record length corrupted both ways, garbage inserted between
# records and at the start, and random bytes. Every run must end (no hang), exit
# 1 (2 when nothing is MRT), name the file and the offset, and print the
# undamaged records exactly as from the intact file.
. "$TOP/tests/lib.sh"
D=$TOP/tests/data/mrt
T=$(tmpdir)
run() { timeout 60 "$BLACKOUT" mrt "$@"; }

# record starts of a decompressed file, as "offset length" lines
records() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 0
while off + 12 <= len(d):
    length = struct.unpack(">I", d[off + 8:off + 12])[0]
    print(off, 12 + length)
    off += 12 + length
PY
}

# is_prefix A B: the lines of A are the first lines of B
is_prefix() { head -n "$(wc -l <"$1")" "$2" | cmp -s - "$1"; }

for f in updates.20020722.2238.gz bview.ipv4_unicast_add_path.gz rrc00.updates.19990903.1041.gz \
	updates.20160811.1600.gz bview.20020722.2337.gz; do
	raw=$T/${f%.gz}.mrt
	zcat "$D/$f" >"$raw"
	run "$raw" >"$T/full" 2>/dev/null
	records "$raw" >"$T/recs"
	n=$(wc -l <"$T/recs")
	size=$(stat -c %s "$raw")

	# truncated inside a header and inside a body, at records spread over the file
	for k in 1 3 7 $((n / 3)) $((n / 2)) $((n - 2)); do
		read -r start len < <(sed -n "$((k + 1))p" "$T/recs")
		for cut in $((start + 5)) $((start + 12 + (len - 12) / 2)); do
			head -c "$cut" "$raw" >"$T/cut"
			run "$T/cut" >"$T/got" 2>"$T/err"
			rc=$?
			# the first records may print nothing (OPEN, PEER_INDEX_TABLE)
			if [ $rc = 1 ] && grep -q "$T/cut: offset $start: truncated" "$T/err" && is_prefix "$T/got" "$T/full" &&
				{ [ "$k" -lt 7 ] || [ "$(wc -l <"$T/got")" -gt 0 ]; }; then
				ok "$f cut at $cut: exit 1, offset $start named, output a prefix of the whole"
			else
				fail "$f cut at $cut" "exit $rc, $(head -2 "$T/err")"
			fi
		done
	done

	# the compressed file cut short
	csize=$(stat -c %s "$D/$f")
	for cut in $((csize / 4)) $((csize / 2)) $((csize - 9)); do
		head -c "$cut" "$D/$f" >"$T/cut.gz"
		run "$T/cut.gz" >"$T/got" 2>"$T/err"
		rc=$?
		if [ $rc = 1 ] && grep -Eq "$T/cut.gz: offset [0-9]+: " "$T/err" && is_prefix "$T/got" "$T/full"; then
			ok "$f compressed, cut at $cut of $csize: exit 1, warning, output a prefix"
		else
			fail "$f compressed, cut at $cut" "exit $rc, $(head -2 "$T/err")"
		fi
	done

	# a record in the middle declares 1000 bytes more, or 9 fewer
	read -r start len < <(sed -n "$((n / 2 + 1))p" "$T/recs")
	read -r next _ < <(sed -n "$((n / 2 + 2))p" "$T/recs")
	head -c "$start" "$raw" >"$T/before"
	tail -c +"$((next + 1))" "$raw" >"$T/after"
	run "$T/before" >"$T/lines.before" 2>/dev/null
	run "$T/after" >"$T/lines.after" 2>/dev/null
	for delta in 1000 -9; do
		python3 - "$raw" "$T/bad" "$start" "$delta" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
at, delta = int(sys.argv[3]), int(sys.argv[4])
length = struct.unpack(">I", d[at + 8:at + 12])[0]
d[at + 8:at + 12] = struct.pack(">I", length + delta)
open(sys.argv[2], "wb").write(d)
PY
		run "$T/bad" >"$T/got" 2>"$T/err"
		rc=$?
		if [ $rc = 1 ] && grep -Eq "$T/bad: offset [0-9]+: " "$T/err" && is_prefix "$T/lines.before" "$T/got" &&
			tail -n "$(wc -l <"$T/lines.after")" "$T/got" | cmp -s - "$T/lines.after"; then
			ok "$f length of the record at $start changed by $delta: exit 1, the records around intact"
		else
			fail "$f length changed by $delta" "exit $rc, $(head -3 "$T/err")"
		fi
		if [ "$delta" = 1000 ]; then
			check "$f length +1000: the record is cut where the next starts, nothing lost" cmp -s "$T/got" "$T/full"
		fi
	done

	# garbage between two records, and before the first
	read -r start _ < <(sed -n "$((n / 3 + 1))p" "$T/recs")
	{ head -c "$start" "$raw"; head -c 100 /dev/urandom; tail -c +"$((start + 1))" "$raw"; } >"$T/garbage"
	run "$T/garbage" >"$T/got" 2>"$T/err"
	rc=$?
	if [ $rc = 1 ] && grep -q "$T/garbage: offset $start: no valid MRT record header" "$T/err" && cmp -s "$T/got" "$T/full"; then
		ok "$f 100 bytes of garbage at $start: skipped, offset named, every record printed"
	else
		fail "$f garbage at $start" "exit $rc, $(head -2 "$T/err")"
	fi
	{ printf 'garbage before the first record\n'; cat "$raw"; } >"$T/garbage0"
	run "$T/garbage0" >"$T/got" 2>"$T/err"
	rc=$?
	if [ $rc = 1 ] && grep -q "offset 0: no valid MRT record header; 32 bytes skipped" "$T/err" && cmp -s "$T/got" "$T/full"; then
		ok "$f garbage before the first record: skipped"
	else
		fail "$f garbage before the first record" "exit $rc, $(head -2 "$T/err")"
	fi
	rm -f "$raw"
done

# random bytes: ends, no record, exit 2; random bytes after a gzip header too
head -c 200000 /dev/urandom >"$T/random"
run "$T/random" >/dev/null 2>"$T/err"
rc=$?
expect_eq "random bytes: exit 2 (no MRT record)" "$rc" 2
{ printf '\037\213\010\000\000\000\000\000\000\003'; head -c 5000 /dev/urandom; } >"$T/random.gz"
run "$T/random.gz" >/dev/null 2>"$T/err"
rc=$?
if [ $rc = 2 ] && grep -q "corrupt gzip data" "$T/err"; then ok "corrupt gzip: exit 2, said"; else fail "corrupt gzip" "exit $rc $(cat "$T/err")"; fi
finish
