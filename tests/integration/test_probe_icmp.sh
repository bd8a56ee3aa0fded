#!/usr/bin/env bash
# `blackout probe --icmp` on loopback: the issue's example (127.0.0.1 ::1
# 127.0.0.0/16: all 65,538 answer), text and JSON forms, names, files.
. "$TOP/tests/lib.sh"
d=$(tmpdir)
if ! "$BLACKOUT" probe --icmp 127.0.0.1 >/dev/null 2>"$d/perm"; then
	skip "probe icmp" "no ICMP socket here: $(cat "$d/perm")"
	finish
fi

"$BLACKOUT" probe --icmp --rate 0 127.0.0.1 ::1 127.0.0.0/16 >"$d/out" 2>"$d/err"
expect_eq "127.0.0.1 ::1 127.0.0.0/16 exits 0" "$?" 0
expect_eq "one line per target" "$(wc -l <"$d/out")" 65538
expect_eq "every line ok" "$(awk '$2 != "ok"' "$d/out" | wc -l)" 0
# 127.0.0.1 was asked for twice (alone and in the /16): probed twice
expect_eq "every address, each as often as asked" "$(awk '{print $1}' "$d/out" | sort | uniq -c | awk '{print $1}' | sort | uniq -c | tr -s ' ' | xargs)" "65536 1 1 2"
expect_eq "::1 answered" "$(awk '$1 == "::1" {print $2}' "$d/out")" ok
expect_eq "127.0.255.255 answered" "$(awk '$1 == "127.0.255.255" {print $2}' "$d/out")" ok
case "$(cat "$d/err")" in
"65538 targets, 65538 sent, 65538 answered, 0 lost, "*" s, "*" probes/s") ok "summary line on stderr" ;;
*) fail "summary line on stderr" "$(cat "$d/err")" ;;
esac
expect_eq "rtt column is a number in ms" "$(awk '$3 !~ /^[0-9]+\.[0-9]+$/ || $4 != "ms"' "$d/out" | wc -l)" 0

# JSON, one object per line, the issue's shape
"$BLACKOUT" probe --icmp --json 127.0.0.1 >"$d/json" 2>/dev/null
python3 - "$d/json" <<'PY' && ok "json shape" || fail "json shape" "$(cat "$d/json")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o["target"] == "127.0.0.1" and o["probe"] == "icmp" and o["ok"] is True, o
assert isinstance(o["rtt_ms"], float) and o["rtt_ms"] >= 0 and o["error"] is None, o
PY

# a hostname, resolved without blocking (localhost only)
out=$("$BLACKOUT" probe --icmp --json localhost 2>/dev/null)
rc=$?
expect_eq "localhost exits 0" "$rc" 0
case "$out" in *'"target":"localhost"'*'"ok":true'*'"detail":{"addr":"'*) ok "localhost resolved, address in detail" ;;
*) fail "localhost resolved, address in detail" "$out" ;; esac

# targets from a file and from stdin, with comments
printf '# loopback\n127.0.0.1\n\n127.0.0.8/30  # four\n' >"$d/t.txt"
expect_eq "-f FILE" "$("$BLACKOUT" probe --icmp -f "$d/t.txt" 2>/dev/null | awk '$2 == "ok"' | wc -l)" 5
expect_eq "-f - (stdin)" "$(printf '127.0.0.3\n::1\n' | "$BLACKOUT" probe --icmp -f - 2>/dev/null | awk '$2 == "ok"' | wc -l)" 2

# the window and the rate do not lose anything
"$BLACKOUT" probe --icmp --window 7 --rate 5000 127.0.0.0/22 >"$d/w" 2>/dev/null
expect_eq "window 7, rate 5000: 1024 answered" "$(awk '$2 == "ok"' "$d/w" | wc -l)" 1024
finish
