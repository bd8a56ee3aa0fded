#!/usr/bin/env bash
# examples/lab.yaml matches the lab: every target of `lab/lab targets` (role
# and address) and nothing else, the BGP collector and peer of lab/lab.env.
# Reads files only; sends nothing.
. "$TOP/tests/lib.sh"
d=$(tmpdir)
cfg=$TOP/examples/lab.yaml

check "examples/lab.yaml passes check-config" "$BLACKOUT" check-config "$cfg"
"$BLACKOUT" check-config --print "$cfg" >"$d/print.yaml" 2>&1 || fail "check-config --print" "$(head -3 "$d/print.yaml")"

# ROLE ADDR per target as blackout reads them (controls have no role key).
awk '
	/^controls:/ { sect = "control" } /^entities:/ { sect = "entity" }
	/^  - name: |^- name: / { role = (sect == "control" ? "control" : "") }
	/^ *role: / { role = $2 }
	/^ *address: / { print role, $2 }' "$d/print.yaml" | sort >"$d/config.txt"
"$TOP/lab/lab" targets | awk '{ print $1, $4 }' | sort >"$d/lab.txt"
if diff -u "$d/lab.txt" "$d/config.txt" >"$d/diff"; then
	ok "targets match lab/lab targets ($(wc -l <"$d/lab.txt") role/address pairs)"
else
	fail "targets match lab/lab targets" "$(tr '\n' '|' <"$d/diff")"
fi

# BGP: collector address and AS, the upstream peer, from lab/lab.env.
env_get() { (. "$TOP/lab/lab.env" && eval "echo \${$1}"); }
mon4=$(env_get MON_UP4) peer4=$(env_get UP_MON4)
expect_eq "collector listens on the monitor's uplink" \
	"$(awk '/^  listen: / && b { print $2; exit } /^bgp:/ { b = 1 }' "$d/print.yaml")" "\"${mon4%/*}:179\""
expect_eq "collector AS is COLLECTOR_ASN" "$(awk '/^  local_as: / { print $2 }' "$d/print.yaml")" "$(env_get COLLECTOR_ASN)"
expect_eq "peer is the upstream (address, AS)" \
	"$(grep -o 'address: [^,]*, as: [0-9]*' "$d/print.yaml")" "address: ${peer4%/*}, as: $(env_get UPSTREAM_ASN)"
expect_eq "entity prefixes are the country's" "$(awk '/^  prefixes: / { print $2, $3 }' "$d/print.yaml")" \
	"[$(env_get COUNTRY_PREFIX4), '$(env_get COUNTRY_PREFIX6)']"
expect_eq "origin AS is COUNTRY_ASN" "$(awk '/^  origin_as: / { print $2 }' "$d/print.yaml")" "[$(env_get COUNTRY_ASN)]"
finish
