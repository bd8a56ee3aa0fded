#!/usr/bin/env bash
# blackout lab: finds the lab scripts and hands over to them; usage errors.
# Nothing here builds a lab or sends a packet (that is tests/lab/).
. "$TOP/tests/lib.sh"
d=$(tmpdir)

"$BLACKOUT" lab --help >"$d/help" 2>&1
expect_eq "lab --help exits 0" "$?" 0
check "lab --help names run" grep -q 'run SCENARIO' "$d/help"
expect_eq "lab targets = lab/lab targets" "$("$BLACKOUT" lab targets)" "$("$TOP/lab/lab" targets)"
BLACKOUT_LAB_DIR="$TOP/lab" "$BLACKOUT" lab targets >"$d/t" 2>&1
expect_eq "BLACKOUT_LAB_DIR is used" "$(wc -l <"$d/t")" "$("$TOP/lab/lab" targets | wc -l)"
BLACKOUT_LAB_DIR="$d" "$BLACKOUT" lab targets >"$d/o" 2>&1
expect_eq "BLACKOUT_LAB_DIR without scripts: exit 1" "$?" 1
check "... and says why" grep -q "has no executable 'lab' script" "$d/o"
"$BLACKOUT" lab frobnicate >"$d/o" 2>&1
expect_eq "unknown lab command: exit 2" "$?" 2
"$BLACKOUT" lab >"$d/o" 2>&1
expect_eq "no lab command: exit 2" "$?" 2
"$BLACKOUT" lab run nosuch >"$d/o" 2>&1
expect_eq "lab run of an unknown scenario: exit 2" "$?" 2
check "... names the scenarios" grep -q 'have: cascade abrupt' "$d/o"
"$BLACKOUT" lab run --baseline x cascade >"$d/o" 2>&1
expect_eq "lab run --baseline x: exit 2" "$?" 2
"$BLACKOUT" lab run >"$d/o" 2>&1
expect_eq "lab run with no scenario: exit 2" "$?" 2
"$BLACKOUT" lab scenario list >"$d/o" 2>&1
check "lab scenario list lists noise" grep -q '^noise ' "$d/o"
finish
