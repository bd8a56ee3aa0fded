# tests/servers.sh - real servers on loopback for the probe tests and benchmarks;
# source it after tests/lib.sh.
#
# Each start_* function runs one server in a folder of its own (config, pid
# file, logs), on a port picked with free_port, waits until it answers, and
# registers its stop with at_exit. They set variables for the caller:
#   start_nginx DIR        NGINX_PORT (http, on ::1 too when it exists), NGINX_TLS_PORT (https + HTTP/2),
#                          NGINX_WORKERS worker processes (default 1),
#                          DIR/cert.pem: a self-signed certificate for www.kp.test
#   start_nsd DIR          NSD_PORT: NSD authoritative for the lab zone kp.
#                          (SOA serial 2022011401, NS, MX, A/AAAA, big.kp. with
#                          120 A records, and broken.kp., a zone that fails to load)
#   start_smtp DIR [tls]   SMTP_PORT: aiosmtpd (with STARTTLS when "tls")
#   start_hostile MODE DIR HOSTILE_PORT: build/helpers/hostile MODE
#   start_listener ADDR PORT  LISTENER_PID: a TCP listener that accepts and closes
#                          (a port that is up, for tcp probes; kill it to take it down)
# stop_server NAME DIR stops one of them early (nginx, nsd, smtp).
# jfield PATH reads one JSON object on stdin and prints the value at PATH
# ("detail.tls.verified"; booleans as true/false, null as null).

SERVERS_PY=/usr/bin/python3 # Debian's, which sees python3-aiosmtpd

jfield() {
	python3 -c '
import json, sys
v = json.loads(sys.stdin.readline())
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k) if isinstance(v, dict) else None
print(json.dumps(v) if isinstance(v, (bool, type(None), list, dict)) else v)
' "$1"
}

have_v6_loopback() { grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; }

port_open() { (echo >"/dev/tcp/$1/$2") 2>/dev/null; }

make_cert() { # DIR NAME
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/key.pem" -out "$1/cert.pem" \
		-days 30 -subj "/CN=$2" -addext "subjectAltName=DNS:$2" >/dev/null 2>&1
}

start_nginx() {
	local d=$1
	mkdir -p "$d/logs" "$d/tmp" "$d/www"
	NGINX_PORT=$(free_port)
	NGINX_TLS_PORT=$(free_port)
	make_cert "$d" www.kp.test || return 1
	echo "hello from the kp lab" >"$d/www/index.html"
	local v6=""
	if have_v6_loopback; then v6="listen [::1]:$NGINX_PORT;"; fi
	chmod -R a+rX "$d"
	cat >"$d/nginx.conf" <<EOF
worker_processes ${NGINX_WORKERS:-1};
pid $d/nginx.pid;
error_log $d/logs/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $d/tmp; proxy_temp_path $d/tmp; fastcgi_temp_path $d/tmp;
	uwsgi_temp_path $d/tmp; scgi_temp_path $d/tmp;
	keepalive_requests 100000;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		$v6
		root $d/www;
		location = /redirect { return 302 /index.html; }
		location = /loop { return 302 /loop; }
		location = /missing { return 404; }
		location = /small { return 200 "ok\n"; }
	}
	server {
		listen 127.0.0.1:$NGINX_TLS_PORT ssl http2;
		server_name www.kp.test;
		ssl_certificate $d/cert.pem;
		ssl_certificate_key $d/key.pem;
		root $d/www;
		location = /small { return 200 "ok\n"; }
	}
}
EOF
	nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" || return 1
	at_exit "stop_server nginx '$d'"
	wait_for 10 port_open 127.0.0.1 "$NGINX_PORT" && wait_for 10 port_open 127.0.0.1 "$NGINX_TLS_PORT"
}

start_nsd() {
	local d=$1 i
	mkdir -p "$d/logs"
	NSD_PORT=$(free_port)
	{
		cat <<'EOF'
$ORIGIN kp.
$TTL 3600
@       IN SOA ns1.kp. hostmaster.kp. 2022011401 3600 900 604800 300
@       IN NS  ns1.kp.
@       IN NS  ns2.kp.
@       IN MX  10 mail.kp.
ns1     IN A   175.45.176.15
ns2     IN A   175.45.176.16
mail    IN A   175.45.176.72
www     IN A   175.45.176.71
www     IN AAAA 2001:db8::71
EOF
		for i in $(seq 1 120); do echo "big     IN A   10.0.$((i / 250)).$((i % 250))"; done
	} >"$d/kp.zone"
	echo 'this is not a zone file' >"$d/broken.zone"
	cat >"$d/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1@$NSD_PORT
	ip-address: ::1@$NSD_PORT
	port: $NSD_PORT
	username: ""
	chroot: ""
	zonesdir: "$d"
	pidfile: "$d/nsd.pid"
	logfile: "$d/logs/nsd.log"
	database: ""
	zonelistfile: "$d/zone.list"
	xfrdfile: "$d/xfrd.state"
	xfrdir: "$d"
	server-count: 1
	verbosity: 1
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: "kp."
	zonefile: "$d/kp.zone"
zone:
	name: "broken.kp."
	zonefile: "$d/broken.zone"
EOF
	nsd -c "$d/nsd.conf" || return 1
	at_exit "stop_server nsd '$d'"
	wait_for 10 dig +norec +time=1 +tries=1 @127.0.0.1 -p "$NSD_PORT" kp. SOA
}

start_smtp() {
	local d=$1 tls=${2:-}
	mkdir -p "$d"
	SMTP_PORT=$(free_port)
	local args=(-n -l "127.0.0.1:$SMTP_PORT")
	if [ "$tls" = tls ]; then
		make_cert "$d" mail.kp.test || return 1
		args+=(--tlscert "$d/cert.pem" --tlskey "$d/key.pem" --no-requiretls)
	fi
	$SERVERS_PY -m aiosmtpd "${args[@]}" >"$d/smtp.log" 2>&1 &
	echo $! >"$d/smtp.pid"
	at_exit "stop_server smtp '$d'"
	wait_for 20 port_open 127.0.0.1 "$SMTP_PORT"
}

start_listener() {
	python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(512)
while True: s.accept()[0].close()' "$1" "$2" &
	LISTENER_PID=$!
	at_exit "kill $LISTENER_PID"
	wait_for 10 port_open "$1" "$2"
}

start_hostile() {
	local mode=$1 d=$2
	mkdir -p "$d"
	rm -f "$d/$mode.port"
	"$TOP/${BUILD:-build}/helpers/hostile" "$mode" "$d/$mode.port" 2>"$d/$mode.log" &
	local pid=$!
	at_exit "kill $pid"
	wait_for 10 test -s "$d/$mode.port" || return 1
	HOSTILE_PORT=$(cat "$d/$mode.port")
}

stop_server() { # NAME DIR
	local pidf pid
	case $1 in
	nginx) pidf=$2/nginx.pid ;;
	nsd) pidf=$2/nsd.pid ;;
	smtp) pidf=$2/smtp.pid ;;
	esac
	[ -s "$pidf" ] || return 0
	pid=$(cat "$pidf")
	kill "$pid" 2>/dev/null || return 0
	# wait until it is gone, so a test of "stopped server" sees it stopped
	local i
	for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$pidf"
}

# ---- running probes and checking them (sets $out and $rc) ----

# probe ARGS...: one `blackout probe --json ARGS`; its line in $out, status in $rc.
probe() { out=$("$BLACKOUT" probe --json "$@" 2>/dev/null); rc=$?; }
# field PATH: a value of $out (see jfield).
field() { printf '%s\n' "$out" | jfield "$1"; }

# expect_usage NAME GLOB ARGS...: `blackout probe ARGS` must exit 2 with an
# error message matching GLOB.
expect_usage() {
	local name=$1 glob=$2 err
	shift 2
	err=$("$BLACKOUT" probe "$@" 2>&1 >/dev/null); rc=$?
	# shellcheck disable=SC2254
	case $err in $glob) expect_eq "$name" "$rc" 2 ;; *) fail "$name" "rc=$rc: $err" ;; esac
}

# expect_failure NAME ERROR GLOB MAX_SECONDS ARGS...: `blackout probe --json
# ARGS` must fail (exit 1) with outcome ERROR and a message matching GLOB,
# within MAX_SECONDS and 64 MB of memory (maximum RSS).
expect_failure() {
	local name=$1 want=$2 glob=$3 max=$4 t0=$SECONDS took rss rssf
	shift 4
	rssf=$(mktemp)
	out=$(/usr/bin/time -f '%M' -o "$rssf" "$BLACKOUT" probe --json "$@" 2>/dev/null)
	rc=$?
	took=$((SECONDS - t0))
	rss=$(tail -n 1 "$rssf")
	rm -f "$rssf"
	expect_eq "$name: outcome" "$(field error)/$rc" "$want/1"
	# shellcheck disable=SC2254
	case $(field message) in $glob) ok "$name: message" ;; *) fail "$name: message" "$(field message)" ;; esac
	[ "$took" -le "$max" ] && ok "$name: bounded time (${took}s)" || fail "$name: bounded time" "${took}s"
	[ "$rss" -lt 65536 ] && ok "$name: bounded memory (${rss} KB)" || fail "$name: bounded memory" "${rss} KB"
}
