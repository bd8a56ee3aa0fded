# tests/lib.sh - helpers for shell tests; source it.
#
# ok NAME / fail NAME WHY / skip NAME WHY print the lines tests/run counts.
# check NAME CMD... passes when CMD exits 0. finish exits 1 if anything failed.
# tmpdir makes a folder removed at exit; free_port picks an unused TCP port on
# loopback. Traffic from tests goes to loopback or to lab namespaces only.
set -u
T_FAILED=0
BLACKOUT=${BLACKOUT:-$TOP/build/blackout}
ok() { echo "ok - $1"; }
fail() { echo "not ok - $1: ${2:-}"; T_FAILED=1; }
skip() { echo "skip - $1: ${2:-}"; }
check() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else fail "$name" "command failed: $*"; fi
}
# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "got '$2', want '$3'"; fi
}
T_CLEANUP=()
at_exit() { T_CLEANUP+=("$*"); }
t_cleanup() {
	local i
	for ((i = ${#T_CLEANUP[@]} - 1; i >= 0; i--)); do eval "${T_CLEANUP[$i]}" >/dev/null 2>&1 || true; done
}
trap t_cleanup EXIT
# One folder per test program, made when this file is sourced (so in the test's
# own shell, not in a $(...) subshell) and removed at exit with all tmpdirs in it.
T_ROOT=$(mktemp -d /tmp/blackout-test.XXXXXX)
chmod 755 "$T_ROOT"
at_exit "rm -rf '$T_ROOT'"
tmpdir() {
	local d
	d=$(mktemp -d "$T_ROOT/d.XXXXXX")
	chmod 755 "$d"
	echo "$d"
}
free_port() {
	python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}
# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}
finish() { exit $T_FAILED; }
