# tests/lab/scorecard.sh - one scenario through `blackout lab run`, scored.
#
# Sourced by tests/lab/test_score_NAME.sh after setting SCENARIO_NAME. Runs
# `blackout lab run NAME` on its own lab (t<pid>) and turns its scorecard row
# into an ok / not ok line; the row also goes to tests/out/scorecard.NAME.txt
# (tests/run prints every row after the lab suite). On failure the run's
# files (truth log, watcher log, events) go to stderr.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lab/labtest.sh"
lab_test_init
out=$TOP/tests/out/scorecard.$SCENARIO_NAME.txt
rm -f "$out"
run_dir=$LAB_TEST_DIR/run
"$BLACKOUT" lab run --dir "$run_dir" "$SCENARIO_NAME" >"$LAB_TEST_DIR/card.txt" 2>"$LAB_TEST_DIR/run.log"
rc=$?
row=$(sed -n 2p "$LAB_TEST_DIR/card.txt")
cp "$LAB_TEST_DIR/card.txt" "$out"
echo "# $(head -n 1 "$LAB_TEST_DIR/card.txt")"
echo "# $row"
case $row in
"$SCENARIO_NAME "*" pass") [ "$rc" = 0 ] && ok "scorecard $SCENARIO_NAME: ${row%pass}" ||
	fail "scorecard $SCENARIO_NAME" "row passes but lab run exited $rc" ;;
"$SCENARIO_NAME "*) fail "scorecard $SCENARIO_NAME" "$row" ;;
*) fail "scorecard $SCENARIO_NAME" "no scorecard row (lab run exited $rc): $(tail -n 5 "$LAB_TEST_DIR/run.log" | tr '\n' '|')" ;;
esac
check "lab $LAB left nothing behind" test -z "$(leftovers)"
if [ "$T_FAILED" != 0 ]; then
	for f in "$LAB_TEST_DIR/run.log" "$run_dir/$SCENARIO_NAME"/{truth.log,watch.log,events.json,scenario.log}; do
		[ -r "$f" ] && { echo "--- $f"; tail -n 100 "$f"; } >&2
	done
fi
finish
