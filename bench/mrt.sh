#!/usr/bin/env bash
# bench/mrt.sh - how fast blackout reads MRT archives, beside Debian's bgpdump,
# in the same run. Writes docs/bench/mrt.md.
#
# Inputs are decompressed first (so the codec does not dominate): the largest
# shared RIB dump (bview.20020722.2337, TABLE_DUMP, 6.9 MB), the same 8 times
# over (55 MB), and an update file (updates.et-header.2015, BGP4MP_ET, 13.5 MB).
#   decode: `blackout mrt --count` (every record, attribute and prefix decoded,
#           nothing printed); goal >= 500 MB/s on one core;
#   text:   `blackout mrt FILE` vs `bgpdump -m FILE`, both to /dev/null; goal
#           >= 15x bgpdump; the outputs are checked identical first.
# Runs are interleaved (blackout, bgpdump, blackout, ...), RUNS of each (default
# 7); the table gives medians of wall time and of CPU time (user + system).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RUNS=${RUNS:-7}
BIN=$PWD/$BUILD/blackout
[ -x "$BIN" ] || { echo "bench/mrt.sh: build first (make)" >&2; exit 2; }
command -v bgpdump >/dev/null || { echo "bench/mrt.sh: bgpdump is not installed" >&2; exit 2; }
T=$(mktemp -d /tmp/blackout-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
zcat tests/data/mrt/bview.20020722.2337.gz >"$T/bview.mrt"
for _ in 1 2 3 4 5 6 7 8; do cat "$T/bview.mrt"; done >"$T/bview8.mrt"
zcat tests/data/mrt/updates.et-header.2015.gz >"$T/updates.mrt"

# identical output first (bgpdump's log line goes to syslog/stderr, not stdout)
for f in bview updates; do
	"$BIN" mrt "$T/$f.mrt" >"$T/$f.blackout.txt"
	bgpdump -m "$T/$f.mrt" >"$T/$f.bgpdump.txt" 2>/dev/null
	if cmp -s "$T/$f.blackout.txt" "$T/$f.bgpdump.txt"; then
		echo "$f: identical output ($(wc -l <"$T/$f.bgpdump.txt") lines)"
	else
		echo "$f: OUTPUT DIFFERS from bgpdump" >&2
		exit 1
	fi
done
LINES_BVIEW=$(wc -l <"$T/bview.bgpdump.txt")
LINES_UPD=$(wc -l <"$T/updates.bgpdump.txt")

mkdir -p docs/bench
python3 - "$BIN" "$T" "$RUNS" "$LINES_BVIEW" "$LINES_UPD" <<'PY'
import os, resource, statistics, subprocess, sys, time
bin_, T, runs, lines_bview, lines_upd = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
size = {f: os.path.getsize(f"{T}/{f}.mrt") for f in ("bview", "bview8", "updates")}
cases = [  # (id, file, argv)
    ("decode bview8", "bview8", [bin_, "mrt", "--count", f"{T}/bview8.mrt"]),
    ("decode updates", "updates", [bin_, "mrt", "--count", f"{T}/updates.mrt"]),
    ("text bview blackout", "bview", [bin_, "mrt", f"{T}/bview.mrt"]),
    ("text bview bgpdump", "bview", ["bgpdump", "-m", f"{T}/bview.mrt"]),
    ("text updates blackout", "updates", [bin_, "mrt", f"{T}/updates.mrt"]),
    ("text updates bgpdump", "updates", ["bgpdump", "-m", f"{T}/updates.mrt"]),
]
wall = {c[0]: [] for c in cases}
cpu = {c[0]: [] for c in cases}
devnull = open(os.devnull, "w")
load0 = open("/proc/loadavg").read().split()[0]
for r in range(runs):
    for name, _, argv in cases:  # interleaved: every command once per round
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=devnull, stderr=subprocess.DEVNULL, check=True)
        wall[name].append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
load1 = open("/proc/loadavg").read().split()[0]
nproc = os.cpu_count()
med = {n: statistics.median(v) for n, v in wall.items()}
medc = {n: statistics.median(v) for n, v in cpu.items()}
mbs = lambda f, s: size[f] / 1e6 / s if s > 0 else float("inf")
fmt = lambda s: f"{s * 1000:.0f} ms" if s >= 0.01 else f"{s * 1000:.1f} ms"
rows = []
for n, f, _ in cases:
    rows.append((n, f, med[n], medc[n]))
out = []
out.append("## MRT reading (`blackout mrt`) vs Debian bgpdump 1.6.2")
out.append("")
out.append(f"Same machine, same run, {runs} interleaved runs of each command, medians; inputs decompressed")
out.append(f"first: `bview` = bview.20020722.2337 (TABLE_DUMP RIB, {size['bview']/1e6:.1f} MB, {lines_bview} entries),")
out.append(f"`bview8` = the same 8 times over ({size['bview8']/1e6:.1f} MB), `updates` = updates.et-header.2015")
out.append(f"(BGP4MP_ET, {size['updates']/1e6:.1f} MB, {lines_upd} lines). MB = 10^6 bytes of MRT input; CPU = user + system.")
out.append("Text outputs were checked identical to bgpdump's before timing.")
out.append("")
out.append("| what | input | wall (median) | MB/s wall | CPU (median) | MB/s CPU |")
out.append("| --- | --- | ---: | ---: | ---: | ---: |")
for n, f, w, c in rows:
    out.append(f"| {n} | {f} | {fmt(w)} | {mbs(f, w):.0f} | {fmt(c)} | {mbs(f, c):.0f} |")
out.append("")
for kind in ("bview", "updates"):
    b, d = f"text {kind} blackout", f"text {kind} bgpdump"
    out.append(f"- text, {kind}: blackout is **{med[d] / med[b]:.1f}x** faster than `bgpdump -m` in wall time "
               f"({medc[d] / max(medc[b], 1e-9):.1f}x in CPU time), identical lines.")
out.append(f"- full decode without printing: **{mbs('bview8', med['decode bview8']):.0f} MB/s** wall "
           f"({mbs('bview8', medc['decode bview8']):.0f} MB/s CPU) on the RIB dump, "
           f"{mbs('updates', med['decode updates']):.0f} MB/s wall on the updates, one core.")
out.append("")
out.append(f"The machine ({nproc} cores) is shared with other builds and tests (load average {load0} at the")
out.append(f"start, {load1} at the end), so wall times carry that contention and CPU times say what one core")
out.append("does; the ratios come from the same interleaved run. Reproduce: `bench/run mrt` (or")
out.append("`RUNS=11 bench/mrt.sh`).")
open("docs/bench/mrt.md", "w").write("\n".join(out) + "\n")
print("\n".join(out))
PY
