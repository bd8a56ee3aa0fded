#!/usr/bin/env bash
# `blackout mrt` against Debian's `bgpdump -m` on every archive in tests/data/mrt,
# line for line. The only differences allowed are the documented ones
# (docs/mrt.md), each counted exactly by mrt_compare.py; the 2000-era file
# bgpdump cannot read is compared with bgpdump's output on the same file
# rewritten as standard records by an independent script.
. "$TOP/tests/lib.sh"
D=$TOP/tests/data/mrt
H=$TOP/tests/integration
T=$(tmpdir)
if ! command -v bgpdump >/dev/null; then
	skip "mrt vs bgpdump" "bgpdump is not installed (scripts/deps)"
	finish
fi

# file                                     exit  masked legacy-W  warning (grep -E, "" = none)
while read -r f want_rc n_masked n_legacy warning; do
	[ -z "$f" ] && continue
	bgpdump -m "$D/$f" >"$T/want" 2>/dev/null
	"$BLACKOUT" mrt "$D/$f" >"$T/got" 2>"$T/err"
	rc=$?
	expect_eq "mrt $f: exit status" "$rc" "$want_rc"
	if out=$(python3 "$H/mrt_compare.py" "$T/want" "$T/got" "$n_masked" "$n_legacy"); then
		ok "mrt $f matches bgpdump -m ($out)"
	else
		fail "mrt $f matches bgpdump -m" "$out"
	fi
	if [ "$warning" = '""' ]; then
		if grep -q "warning" "$T/err"; then fail "mrt $f: no warning" "$(head -3 "$T/err")"; else ok "mrt $f: no warning"; fi
	elif grep -Eq "$warning" "$T/err"; then
		ok "mrt $f: warning names file and offset"
	else
		fail "mrt $f: warning names file and offset" "stderr: $(head -3 "$T/err")"
	fi
done <<'LIST'
bview.20020722.2337.gz                      0 0 0  ""
bview.64k_stream_overflow.gz                0 0 0  ""
bview.ipv4_unicast_add_path.gz              0 0 0  ""
openbgpd_rib_table-v2.mrt                   0 0 0  ""
bird-mrtdump_bgp.mrt                        0 0 0  ""
rrc00.updates.19990903.1041.gz              0 0 25 ""
rrc01.updates.20001104.0124.gz              0 0 0  ""
rrc15.updates.20100227.1600.gz              0 0 0  ""
updates.20020722.2238.gz                    0 0 0  ""
updates.20160811.1600.gz                    0 0 0  ""
updates.et-header.2015.gz                   0 0 0  ""
updates.long_withdrawal.gz                  0 0 0  ""
updates.nlri_mask_trailing_bits.gz          1 1 0  updates.nlri_mask_trailing_bits.gz:\ offset\ 87:.*prefix\ /11
ris.bview.20140112.1600_3samples.bz2        1 0 0  ris.bview.20140112.1600_3samples.bz2:\ offset\ 118:.*without\ a\ PEER_INDEX_TABLE
routeviews.rib.20080501.0644_firstMB.bz2    1 0 0  routeviews.rib.20080501.0644_firstMB.bz2:\ offset\ 9876131:\ truncated\ TABLE_DUMP\ record
routeviews6.rib6.20151101.0600_firstMB.bz2  1 0 0  routeviews6.rib6.20151101.0600_firstMB.bz2:\ offset\ 12131168:\ truncated\ TABLE_DUMP_V2\ record
LIST

# The RIPE RIS 2000 bview: bgpdump prints one line and stops; blackout reads
# every batched entry. Check all of them against bgpdump on standard records.
f=rrc00.bview.20000111.0032.gz
"$BLACKOUT" mrt "$D/$f" >"$T/got" 2>"$T/err"
expect_eq "mrt $f: exit status (a note, no damage)" "$?" 0
bgpdump -m "$D/$f" 2>/dev/null >"$T/want1"
expect_eq "mrt $f: bgpdump's only line is our first" "$(head -1 "$T/got")" "$(cat "$T/want1")"
python3 "$H/mrt_split_td1.py" "$D/$f" "$T/split.mrt"
bgpdump -m "$T/split.mrt" >"$T/want" 2>/dev/null
if out=$(python3 "$H/mrt_compare.py" "$T/want" "$T/got" 0 0); then
	ok "mrt $f matches bgpdump on the rewritten records ($out)"
else
	fail "mrt $f matches bgpdump on the rewritten records" "$out"
fi
expect_eq "mrt $f: entries" "$(wc -l <"$T/got")" 452018
grep -q "offset 0: TABLE_DUMP records batch several entries" "$T/err" &&
	ok "mrt $f: note about the batched records" || fail "mrt $f: note" "$(cat "$T/err")"

# Several files in one call: the outputs one after the other.
"$BLACKOUT" mrt "$D/updates.20020722.2238.gz" "$D/bird-mrtdump_bgp.mrt" >"$T/two"
cat <("$BLACKOUT" mrt "$D/updates.20020722.2238.gz") <("$BLACKOUT" mrt "$D/bird-mrtdump_bgp.mrt") >"$T/two.want"
check "mrt: several files in one call" cmp -s "$T/two" "$T/two.want"
# stdin
"$BLACKOUT" mrt - <"$D/updates.20160811.1600.gz" >"$T/stdin"
"$BLACKOUT" mrt "$D/updates.20160811.1600.gz" >"$T/file"
check "mrt: reads stdin (gzip detected by content)" cmp -s "$T/stdin" "$T/file"

# JSON: one valid object per text line, same prefixes in the same order.
for f in updates.20160811.1600.gz bview.ipv4_unicast_add_path.gz rrc00.updates.19990903.1041.gz \
	routeviews6.rib6.20151101.0600_firstMB.bz2; do
	"$BLACKOUT" mrt "$D/$f" 2>/dev/null >"$T/txt"
	"$BLACKOUT" mrt --json "$D/$f" 2>/dev/null >"$T/json"
	if out=$(python3 - "$T/txt" "$T/json" <<'PY'
import json, sys
txt = open(sys.argv[1]).read().splitlines()
js = [json.loads(l) for l in open(sys.argv[2])]
assert len(txt) == len(js), (len(txt), len(js))
kinds = {"rib": "B", "announce": "A", "withdraw": "W", "state": "STATE"}
for t, j in zip(txt, js):
    f = t.split("|")
    assert kinds[j["entry"]] == f[2], (t, j)
    assert str(j["peer_as"]) == f[4], (t, j)
    if j["entry"] != "state":
        assert j["prefix"].split("/")[1] == f[5].split("/")[1], (t, j)
    if j["entry"] in ("rib", "announce"):
        assert j["as_path"] in (f[7 if j["path_id"] is not None else 6], None), (t, j)
print(len(js))
PY
	); then ok "mrt --json $f: $out objects agree with the text lines"; else fail "mrt --json $f" "$out"; fi
done

# --count: every route decoded, nothing printed; the count is bgpdump's route lines.
for f in updates.20160811.1600.gz bview.ipv4_unicast_add_path.gz; do
	want=$(bgpdump -m "$D/$f" 2>/dev/null | grep -vc '|STATE|')
	expect_eq "mrt --count $f: routes as bgpdump's route lines" "$("$BLACKOUT" mrt --count "$D/$f" | sed 's/.*routes //')" "$want"
done

# Usage and unreadable input.
"$BLACKOUT" mrt >/dev/null 2>&1
expect_eq "mrt: no file is exit 2" "$?" 2
"$BLACKOUT" mrt --frob "$D/bird-mrtdump_bgp.mrt" >/dev/null 2>&1
expect_eq "mrt: unknown option is exit 2" "$?" 2
err=$("$BLACKOUT" mrt "$T/does-not-exist" 2>&1 >/dev/null)
expect_eq "mrt: missing file is exit 2" "$?" 2
case "$err" in *"$T/does-not-exist"*) ok "mrt: missing file is named" ;; *) fail "mrt: missing file is named" "$err" ;; esac
err=$("$BLACKOUT" mrt "$D/SOURCES.md" 2>&1 >/dev/null)
expect_eq "mrt: a text file is exit 2" "$?" 2
case "$err" in *"SOURCES.md: no MRT record found"*) ok "mrt: not MRT is said" ;; *) fail "mrt: not MRT is said" "$err" ;; esac
finish
