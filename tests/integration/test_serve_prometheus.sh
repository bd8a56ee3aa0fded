#!/usr/bin/env bash
# A real Prometheus (Debian's) scrapes /metrics of the real server every second,
# then a query through Prometheus' HTTP API returns blackout_* series with the
# values the server exported. Prometheus runs with its own config, storage and
# port in a temporary folder, on loopback only, and is stopped at exit.
. "$TOP/tests/lib.sh"
. "$TOP/tests/lib_serve.sh"
command -v prometheus >/dev/null || { fail "prometheus present" "missing (scripts/deps)"; finish; }
d=$(tmpdir)
start_fixture "$d" --token 'prom-token' || { fail "fixture starts" "see above"; finish; }
pport=$(free_port)
printf '%s' 'prom-token' >"$d/token"
cat >"$d/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: blackout
    authorization:
      credentials_file: $d/token
    static_configs:
      - targets: ['127.0.0.1:$FX_PORT']
EOF
if out=$(promtool check config "$d/prometheus.yml" 2>&1); then ok "prometheus config valid"; else fail "prometheus config valid" "$out"; fi
prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/tsdb" \
	--web.listen-address="127.0.0.1:$pport" --log.level=warn >"$d/prom.log" 2>&1 &
ppid=$!
at_exit "kill $ppid; wait $ppid"
P="http://127.0.0.1:$pport"
if wait_for 60 curl -sf "$P/-/ready"; then ok "prometheus ready"; else fail "prometheus ready" "$(tail -5 "$d/prom.log")"; finish; fi

query() { curl -sf --max-time 10 --data-urlencode "query=$1" "$P/api/v1/query"; }
has_value() { # QUERY VALUE: the first result's value is VALUE
	query "$1" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; sys.exit(0 if r and r[0]["value"][1]==sys.argv[1] else 1)' "$2"
}
first() { # QUERY PYTHON-EXPR-ON-r: prints it, or "none"
	query "$1" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(eval(sys.argv[1]) if r else "none")' "$2"
}
if wait_for 60 has_value 'up{job="blackout"}' 1; then ok "prometheus scrapes the watcher with its token (up == 1)"; else
	fail "prometheus scrapes the watcher" "$(curl -s "$P/api/v1/targets" | head -c 600)"; fi
if wait_for 30 has_value 'blackout_probes_sent_total' 123456; then ok "blackout_probes_sent_total queried back: 123456"; else
	fail "blackout_probes_sent_total queried back" "$(query blackout_probes_sent_total)"; fi
if wait_for 30 has_value 'blackout_target_up{target="www2"}' 0; then ok "blackout_target_up{target=www2} queried back: 0"; else
	fail "blackout_target_up queried back" "$(query 'blackout_target_up{target="www2"}')"; fi
expect_eq "every target is a series" "$(first 'count(blackout_target_up)' 'r[0]["value"][1]')" 8
expect_eq "escaped label value reads back exactly" \
	"$(first 'blackout_target_up{entity="evil"}' 'r[0]["metric"]["address"]')" '<script>alert(1)</script>"\'
expect_eq "layer signal queried back" "$(first 'blackout_layer_up_ratio{entity="lab",layer="bgp"}' 'r[0]["value"][1]')" 1
h=$(curl -sf "$P/api/v1/targets" | python3 -c 'import json,sys; t=json.load(sys.stdin)["data"]["activeTargets"][0]; print(t["health"], t["lastError"] or "-")')
expect_eq "target healthy, no scrape error" "$h" "up -"
finish
