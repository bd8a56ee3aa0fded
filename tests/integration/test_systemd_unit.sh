#!/usr/bin/env bash
# dist/blackout.service: systemd-analyze verify (offline; this machine runs no
# systemd) accepts it without a word, on a copy whose ExecStart points at the
# built binary (verify checks that the binary exists). verify only warns, exit
# 0, on an unknown or malformed directive, so any output is a failure; two
# broken copies show that the check catches both kinds. The sandboxing
# directives the issue asks for are all there, and the ExecStart options are
# ones blackout watch knows.
. "$TOP/tests/lib.sh"

unit=$TOP/dist/blackout.service
command -v systemd-analyze >/dev/null || { fail "systemd-analyze" "not installed (scripts/deps installs systemd)"; finish; }
[ -f "$unit" ] || { fail "dist/blackout.service exists" ""; finish; }
d=$(tmpdir)
# verify reads the unit by its name: keep blackout.service
sed "s|^ExecStart=/usr/local/bin/blackout |ExecStart=$BLACKOUT |" "$unit" >"$d/blackout.service"
expect_eq "the copy runs the built binary" "$(grep -c "^ExecStart=$BLACKOUT watch " "$d/blackout.service")" 1
verify() { (cd "$1" && systemd-analyze verify --man=no "$1/blackout.service" 2>&1); }
out=$(verify "$d"); rc=$?
if [ "$rc" = 0 ] && [ -z "$out" ]; then ok "systemd-analyze verify: no error, no warning"; else
	fail "systemd-analyze verify" "rc $rc: $out"; fi

# the check can fail: an unknown key, a bad value, a missing binary
mkdir "$d/typo" "$d/bad" "$d/nobin"
sed 's|^ProtectHome=yes|ProtectHome=yes\nProtectEverything=yes|' "$d/blackout.service" >"$d/typo/blackout.service"
out=$(verify "$d/typo")
case $out in *"Unknown key"*ProtectEverything*) ok "verify reports an unknown directive" ;; *) fail "verify reports an unknown directive" "$out" ;; esac
sed 's|^ProtectSystem=strict|ProtectSystem=stricter|' "$d/blackout.service" >"$d/bad/blackout.service"
out=$(verify "$d/bad")
[ -n "$out" ] && ok "verify reports a malformed value" || fail "verify reports a malformed value" "no output"
sed "s|^ExecStart=$BLACKOUT |ExecStart=$d/nobin/blackout |" "$d/blackout.service" >"$d/nobin/blackout.service"
verify "$d/nobin" >/dev/null && fail "verify refuses a missing binary" "exit 0" || ok "verify refuses a missing binary"

# the sandbox the issue asks for
missing=
for want in "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" "NoNewPrivileges=yes" \
	"CapabilityBoundingSet=CAP_NET_RAW CAP_NET_BIND_SERVICE" "AmbientCapabilities=CAP_NET_RAW CAP_NET_BIND_SERVICE" \
	"DynamicUser=yes" "StateDirectory=blackout" "RestrictAddressFamilies=AF_INET AF_INET6 AF_NETLINK AF_UNIX" \
	"SystemCallFilter=@system-service" "SystemCallFilter=~@privileged"; do
	grep -qx "$want" "$unit" || missing="$missing [$want]"
done
[ -z "$missing" ] && ok "the unit has the sandboxing directives" || fail "sandboxing directives" "missing:$missing"
grep -Eq '^(User|Group)=root$' "$unit" && fail "the unit never runs as root" "User/Group=root" || ok "the unit never runs as root"

# ExecStart's options are known to blackout watch: only the config is missing here
args=$(sed -n 's|^ExecStart=/usr/local/bin/blackout ||p' "$unit")
set -- $args
shift # "watch"
out=$("$BLACKOUT" watch "$@" 2>&1 >/dev/null); rc=$?
case $out in *"unknown option"*) fail "ExecStart options are known" "$out" ;;
*/etc/blackout/blackout.yaml*) ok "ExecStart options are known (fails only on the missing config)" ;;
*) fail "ExecStart options are known" "rc $rc: $out" ;; esac
finish
