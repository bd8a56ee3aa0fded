#!/usr/bin/env bash
# `lab down` cleans up whatever a crash left: `lab up` killed with SIGKILL
# at several points; an interrupted up (SIGINT, as Ctrl-C) tears itself
# down; after all that a fresh up works.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lab/labtest.sh"
lab_test_init

# up_then_kill SIGNAL WHAT CMD...: starts `lab up` (with SIGINT at its default
# disposition, as in a terminal), waits until CMD succeeds, sends SIGNAL.
# Prints the inodes of the lab's namespaces at that moment.
up_then_kill() {
	local sig=$1 what=$2 pid
	shift 2
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$LABCTL" up >>"$LAB_TEST_DIR/up.log" 2>&1 &
	pid=$!
	if ! wait_for 30 "$@"; then
		fail "$what: reached the crash point" "$* never true"
	fi
	lab_netns_inodes
	kill "-$sig" "$pid"
	wait "$pid" 2>/dev/null
}

# Crash points: namespaces being made; links made; BIRD started; NSD started.
crash_points=(
	"namespaces made|test -e /run/netns/$LAB-web"
	"links made|ip -n $LAB-bdr link show dev lan"
	"BIRD running|test -S /run/blackout-lab/$LAB/up/bird.ctl"
	"daemons running|test -s /run/blackout-lab/$LAB/mail/smtp6.pid"
)
for cp in "${crash_points[@]}"; do
	what=${cp%%|*} cmd=${cp#*|}
	inodes=$(up_then_kill KILL "kill -9 when $what" bash -c "$cmd")
	out=$("$LABCTL" up 2>&1)
	rc=$?
	expect_eq "kill -9 when $what: a new up is refused" "$rc" 1
	"$LABCTL" down >/dev/null 2>&1
	check "kill -9 when $what: down succeeds" test $? = 0
	expect_eq "kill -9 when $what: nothing left after down" "$(leftovers "$inodes")" ""
done

# Ctrl-C (SIGINT) during up: the up tears down what it built by itself.
inodes=$(up_then_kill INT "SIGINT" test -S "/run/blackout-lab/$LAB/bdr/bird.ctl")
wait_for 20 bash -c "[ -z \"\$(ip netns list | grep '^$LAB-')\" ] && [ ! -e /run/blackout-lab/$LAB ]"
expect_eq "SIGINT during up: nothing left, without a down" "$(leftovers "$inodes")" ""

# And the same for a clean, complete lab killed without down: processes and
# namespaces of a finished up, then down.
lab_test_up
check "fresh up after the crashes is ready" "$LABCTL" check
inodes=$(lab_netns_inodes)
"$LABCTL" down >/dev/null 2>&1
expect_eq "nothing left after the final down" "$(leftovers "$inodes")" ""
lab_test_finish
