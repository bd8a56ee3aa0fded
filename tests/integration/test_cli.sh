#!/usr/bin/env bash
# The command line itself: help, version, unknown commands.
. "$TOP/tests/lib.sh"
out=$("$BLACKOUT" --help); rc=$?
expect_eq "help exits 0" "$rc" 0
case "$out" in *"commands:"*) ok "help lists commands" ;; *) fail "help lists commands" "$out" ;; esac
"$BLACKOUT" >/dev/null 2>&1; expect_eq "no command exits 2" "$?" 2
err=$("$BLACKOUT" frobnicate 2>&1 >/dev/null); rc=$?
expect_eq "unknown command exits 2" "$rc" 2
case "$err" in *"unknown command 'frobnicate'"*) ok "unknown command is named" ;; *) fail "unknown command is named" "$err" ;; esac
v=$("$BLACKOUT" version)
case "$v" in "blackout "*) ok "version" ;; *) fail "version" "$v" ;; esac
finish
