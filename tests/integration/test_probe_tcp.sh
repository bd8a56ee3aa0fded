#!/usr/bin/env bash
# `blackout probe --tcp` on loopback against our own listener: open, refused,
# port lists and ranges, IPv6.
. "$TOP/tests/lib.sh"
d=$(tmpdir)
port=$(free_port)
timeout 120 python3 -c '
import socket, sys, time
p = int(sys.argv[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", p)); s.listen(128)
s6 = socket.socket(socket.AF_INET6); s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s6.bind(("::1", p)); s6.listen(128)
time.sleep(120)' "$port" &
at_exit "kill $! 2>/dev/null"
wait_for 10 bash -c "ss -Hltn 'sport = :$port' | grep -q ." || fail "listener" "did not start"
# a port nobody listens on: bound by us so no one else takes it meanwhile
closed=$(free_port)
[ "$closed" = "$port" ] && closed=$((port + 1))

out=$("$BLACKOUT" probe --tcp "$port" 127.0.0.1 2>"$d/err")
expect_eq "open port exits 0" "$?" 0
expect_eq "open port is ok" "$(awk '{print $1, $2}' <<<"$out")" "127.0.0.1:$port ok"
out=$("$BLACKOUT" probe --tcp "$port,$closed" 127.0.0.1 ::1 2>/dev/null)
expect_eq "a closed port exits 1" "$?" 1
expect_eq "closed port is refused" "$(awk -v t="127.0.0.1:$closed" '$1 == t {print $2}' <<<"$out")" refused
expect_eq "IPv6 open" "$(awk -v t="[::1]:$port" '$1 == t {print $2}' <<<"$out")" ok
expect_eq "IPv6 refused" "$(awk -v t="[::1]:$closed" '$1 == t {print $2}' <<<"$out")" refused
j=$("$BLACKOUT" probe --tcp "$closed" --json 127.0.0.1 2>/dev/null)
case "$j" in '{"target":"127.0.0.1","probe":"tcp","ok":false,"rtt_ms":'*',"error":"refused",'*'"detail":{"port":'"$closed"'}}') ok "json refused" ;;
*) fail "json refused" "$j" ;; esac

# a range: 1,000 ports on 127.0.0.2 (only loopback), each once
"$BLACKOUT" probe --tcp 20000-20999 --rate 0 127.0.0.2 >"$d/range" 2>/dev/null
expect_eq "range: one line per port" "$(awk '{print $1}' "$d/range" | sort -u | wc -l)" 1000
expect_eq "range: every port answered (open or refused)" \
	"$(awk '$2 != "ok" && $2 != "refused"' "$d/range" | wc -l)" 0
finish
