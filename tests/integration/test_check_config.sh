#!/usr/bin/env bash
# blackout check-config and blackout watchlist, as a user runs them.
# Nothing here sends a packet: these commands only read files.
. "$TOP/tests/lib.sh"
d=$(tmpdir)

# every example passes, with a one-line summary
for f in "$TOP"/examples/*.yaml; do
	out=$("$BLACKOUT" check-config "$f" 2>&1); rc=$?
	expect_eq "check-config $(basename "$f") exits 0" "$rc" 0
	case "$out" in
	"$f: ok: "*" entit"*", "*" target"*" ("*" control"*"), "*" probe"*) ok "check-config $(basename "$f") summary" ;;
	*) fail "check-config $(basename "$f") summary" "$out" ;;
	esac
done

# the complete example in docs/config.md
awk '/<!-- example:complete -->/{f=1; next} f && /^```yaml/{g=1; next} g && /^```/{exit} g' \
	"$TOP/docs/config.md" >"$d/doc-example.yaml"
out=$("$BLACKOUT" check-config "$d/doc-example.yaml" 2>&1); rc=$?
expect_eq "the complete example in docs/config.md passes check-config" "$rc" 0
[ "$rc" = 0 ] || echo "# $out"
case "$out" in *"ok: 2 entities, 6 targets (1 control), 9 probes"*) ok "docs example summary: ${out#*: }" ;;
*) fail "docs example summary" "$out" ;; esac

# a file with several mistakes: every one reported as FILE:LINE:COL: message, exit 2
cat >"$d/bad.yaml" <<'YAML'
vantage: {id: 1, nmae: x}
defaults:
  interval: 30
entities:
  - name: lab
    kind: contry
    targets:
      - name: www
        role: web
        address: 198.51.100.300
        probes: [icmpp]
YAML
err=$("$BLACKOUT" check-config "$d/bad.yaml" 2>&1 >/dev/null); rc=$?
expect_eq "check-config on errors exits 2" "$rc" 2
want="$d/bad.yaml:1:18: unknown key 'nmae' in vantage (did you mean 'name'?)
$d/bad.yaml:3:13: expected a duration like 30s, 500ms or 1h30m (units us ms s m h d w), got '30'
$d/bad.yaml:6:11: unknown entity kind 'contry' (did you mean 'country'? expected country, as, prefix or group)
$d/bad.yaml:10:18: expected an IPv4 or IPv6 address like 198.51.100.1 or 2001:db8::1, got '198.51.100.300'
$d/bad.yaml:11:18: unknown probe type 'icmpp' (did you mean 'icmp'? expected icmp, tcp, http, dns, smtp or trace)
$d/bad.yaml: 5 errors"
expect_eq "check-config prints every error with its position" "$err" "$want"

"$BLACKOUT" check-config "$d/missing.yaml" >/dev/null 2>"$d/e"; rc=$?
expect_eq "a missing file exits 2" "$rc" 2
grep -q "$d/missing.yaml: cannot open: No such file or directory" "$d/e" && ok "a missing file is named" ||
	fail "a missing file is named" "$(cat "$d/e")"
"$BLACKOUT" check-config >/dev/null 2>&1; expect_eq "no file is a usage error" "$?" 2
"$BLACKOUT" check-config --frob x >/dev/null 2>&1; expect_eq "an unknown option is a usage error" "$?" 2

# --print writes a config that checks again and prints the same
"$BLACKOUT" check-config --print "$TOP/examples/lab.yaml" >"$d/lab1.yaml"
"$BLACKOUT" check-config --print "$d/lab1.yaml" >"$d/lab2.yaml"; rc=$?
expect_eq "check-config --print output checks" "$rc" 0
cmp -s "$d/lab1.yaml" "$d/lab2.yaml" && ok "check-config --print is stable" || fail "check-config --print is stable" "differs"

# the built-in watchlists
list=$("$BLACKOUT" watchlist); rc=$?
expect_eq "watchlist lists, exit 0" "$rc" 0
case "$list" in kp*"North Korea"*) ok "watchlist lists kp" ;; *) fail "watchlist lists kp" "$list" ;; esac
"$BLACKOUT" watchlist kp >"$d/kp.yaml"; rc=$?
expect_eq "watchlist kp exits 0" "$rc" 0
cmp -s "$d/kp.yaml" "$TOP/src/config/watchlist_kp.yaml" && ok "watchlist kp prints the shipped file, comments and all" ||
	fail "watchlist kp prints the shipped file" "differs"
out=$("$BLACKOUT" check-config "$d/kp.yaml"); rc=$?
expect_eq "the printed kp watchlist passes check-config" "$rc" 0
case "$out" in *": ok: 1 entity, "*) ok "kp summary: $out" ;; *) fail "kp summary" "$out" ;; esac
"$BLACKOUT" watchlist kp --resolved >"$d/kp-resolved.yaml"
"$BLACKOUT" check-config --print "$d/kp-resolved.yaml" >"$d/kp-again.yaml"; rc=$?
expect_eq "the resolved kp watchlist passes check-config" "$rc" 0
cmp -s "$d/kp-resolved.yaml" "$d/kp-again.yaml" && ok "kp round trip through YAML is stable" ||
	fail "kp round trip" "differs"
grep -q "address: 175.45.176.15" "$d/kp-resolved.yaml" && ok "kp holds ns1.kptc.kp" || fail "kp holds ns1.kptc.kp" ""
"$BLACKOUT" watchlist narnia >/dev/null 2>"$d/e"; rc=$?
expect_eq "an unknown watchlist exits 2" "$rc" 2
grep -q "no built-in watchlist 'narnia'" "$d/e" && ok "an unknown watchlist is named" || fail "unknown watchlist" "$(cat "$d/e")"
finish
