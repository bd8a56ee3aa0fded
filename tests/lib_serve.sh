# tests/lib_serve.sh - starts tests/helpers/serve_fixture for the interface
# tests; source after tests/lib.sh.
#
# The fixture runs the real HTTP server, metrics and alerter over data from a
# fixture file. It stands in for the watcher only until the store is plugged in.
FIXTURE_BIN="$TOP/${BUILD:-build}/helpers/serve_fixture"

# start_fixture DIR [ARGS...]: copies the cascade fixture into DIR, starts the
# server on a free loopback port; sets FX_PID, FX_PORT, FX_URL, FX_FILE.
start_fixture() {
	local dir=$1; shift
	FX_FILE="$dir/fixture"
	[ -f "$FX_FILE" ] || cp "$TOP/tests/data/serve/cascade.fixture" "$FX_FILE"
	rm -f "$dir/port"
	"$FIXTURE_BIN" --fixture "$FX_FILE" --port 0 --port-file "$dir/port" "$@" \
		>>"$dir/fixture.out" 2>>"$dir/fixture.err" &
	FX_PID=$!
	at_exit "kill $FX_PID"
	if ! wait_for 20 test -s "$dir/port"; then
		echo "serve_fixture did not start:" >&2
		cat "$dir/fixture.err" >&2
		return 1
	fi
	FX_PORT=$(cat "$dir/port")
	FX_URL="http://127.0.0.1:$FX_PORT"
}

# stop_fixture: SIGTERM and wait for the exit; returns its status.
stop_fixture() {
	kill -TERM "$FX_PID" 2>/dev/null
	wait "$FX_PID"
}
