#!/usr/bin/env bash
# Bad usage and bad input: exit 2, a message naming the argument, file line
# or option, and nothing probed.
. "$TOP/tests/lib.sh"
d=$(tmpdir)
# expect_usage NAME WANT-IN-MESSAGE ARGS...
expect_usage() {
	local name=$1 want=$2; shift 2
	local err rc
	err=$("$BLACKOUT" probe "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" != 2 ]; then fail "$name" "exit $rc, want 2 ($err)"; return; fi
	case "$err" in *"$want"*) ok "$name" ;; *) fail "$name" "message '$err' does not say '$want'" ;; esac
}
expect_usage "no probe kind" "--icmp, --tcp PORTS, --http, --dns, --smtp or --trace" 127.0.0.1
expect_usage "no targets" "no targets" --icmp
expect_usage "bad address" "argument 2: '127.0.0.300' is not an IP address" --icmp 127.0.0.1 127.0.0.300
expect_usage "bad prefix" "argument 1: '127.0.0.0/40' is not a valid CIDR prefix" --icmp 127.0.0.0/40
expect_usage "bad ports" "--tcp: 'x' (at byte 3 of '22,x')" --tcp 22,x 127.0.0.1
expect_usage "port 0" "is not a port" --tcp 0 127.0.0.1
expect_usage "bad timeout" "--timeout: 'soon' is not a number" --icmp --timeout soon 127.0.0.1
expect_usage "timeout 0" "--timeout: 0 is out of range" --icmp --timeout 0 127.0.0.1
expect_usage "retries too many" "--retries: 300 is out of range" --icmp --retries 300 127.0.0.1
expect_usage "unknown option" "unknown option" --icmp --frobnicate 127.0.0.1
expect_usage "both kinds" "once" --icmp --tcp 80 127.0.0.1
expect_usage "bad socket kind" "--socket: 'magic'" --icmp --socket magic 127.0.0.1
expect_usage "expansion over the default max" "argument 1 ('10.0.0.0/7') expands to more targets than --max-targets 16777216" \
	--icmp 10.0.0.0/7
expect_usage "expansion over --max-targets" "argument 2 ('127.0.0.0/24')" --icmp --max-targets 300 127.0.0.0/25 127.0.0.0/24
expect_usage "ports x addresses over max" "(addresses x ports)" --tcp 1-1000 --max-targets 1999 127.0.0.1 127.0.0.2
expect_usage "IPv6 /64 is too many" "2001:db8::/64" --icmp 2001:db8::/64
printf '127.0.0.1\n# fine\n127.0.0.2\n127.0.0.1:80\n' >"$d/bad.txt"
expect_usage "bad file line" "$d/bad.txt:4: '127.0.0.1:80' is not an IP address" --icmp -f "$d/bad.txt"
printf '127.0.0.1 127.0.0.2\n' >"$d/two.txt"
expect_usage "two on a line" "$d/two.txt:1: one target per line" --icmp -f "$d/two.txt"
printf '127.0.0.0/8\n' >"$d/big.txt"
expect_usage "file line over max" "$d/big.txt:1 ('127.0.0.0/8') expands" --icmp --max-targets 1000 -f "$d/big.txt"
expect_usage "unreadable file" "cannot read target file $d/nope.txt: No such file" --icmp -f "$d/nope.txt"
expect_usage "stdin line" "(stdin):2:" --icmp -f - < <(printf '127.0.0.1\nnot an address\n')
out=$("$BLACKOUT" probe --help); rc=$?
expect_eq "--help exits 0" "$rc" 0
case "$out" in *"--max-targets N"*) ok "--help lists options" ;; *) fail "--help lists options" "$out" ;; esac
# an unresolvable name is a failed target (exit 1), not bad input
out=$("$BLACKOUT" probe --icmp --json no-such-host.invalid 127.0.0.1 2>/dev/null); rc=$?
if "$BLACKOUT" probe --icmp 127.0.0.1 >/dev/null 2>&1; then
	expect_eq "unresolvable name exits 1" "$rc" 1
	case "$out" in *'"target":"no-such-host.invalid"'*'"error":"resolve-error"'*) ok "resolve-error line" ;;
	*) fail "resolve-error line" "$out" ;; esac
else
	skip "unresolvable name exits 1" "no ICMP socket here"
fi
finish
