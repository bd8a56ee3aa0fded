#!/usr/bin/env bash
# The dashboard in a real headless Chromium (Debian's), driven by playwright-core:
# loads with no console errors, plots render with data, events are shaded,
# hostile names stay text, a new event appears after the fixture adds one, the
# event page tells the timeline. Screenshots: tests/out/dashboard-*.png.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib_serve.sh"
if ! "$TOP/tests/dashboard/install" >/dev/null; then
	fail "playwright-core installed" "tests/dashboard/install failed (npm registry unreachable?)"
	finish
fi
[ -x /usr/bin/chromium ] || { fail "chromium present" "/usr/bin/chromium missing (scripts/deps)"; finish; }
d=$(tmpdir)
start_fixture "$d" || { fail "fixture starts" "see above"; finish; }
mkdir -p "$TOP/tests/out"
rm -f "$TOP"/tests/out/dashboard-*.png
BASE_URL=$FX_URL OUT_DIR="$TOP/tests/out" FIXTURE="$FX_FILE" FIXTURE_PID=$FX_PID \
	USER_DATA_DIR="$d/chromium-profile" timeout 240 node "$TOP/tests/dashboard/dashboard.mjs"
rc=$?
[ "$rc" = 0 ] || T_FAILED=1
for f in dashboard-overview.png dashboard-event.png; do
	if [ -s "$TOP/tests/out/$f" ]; then ok "screenshot $f kept"; else fail "screenshot $f kept" "missing"; fi
done
finish
