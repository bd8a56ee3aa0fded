#!/usr/bin/python3
"""lab/score.py - one scorecard row: blackout's events against the lab's truth log.

  lab/score.py --header
  lab/score.py --scenario NAME --truth FILE (--db FILE | --events FILE) --round S --timeout S
               [--entity kp-lab] [--json]

--db is the watcher's store: events are read from it (SQLite, read-only)
with their exact times (start_us, end_us) and the detector's flapping flag;
`blackout events --json` rounds times to the second, too coarse for margins
of 2.3 s, and has no flapping flag. --events FILE (that JSON) is the fallback. Prints one row
(scenario, true cause, verdict, event start minus injection, event end minus
restoration, in seconds and rounds, pass/fail and why) and exits 0 (pass),
1 (fail) or 2 (bad input). The rules (lab/README.md, "Scoring"):

  margin = 2 rounds + the probe timeout. Event times are backdated by the
  detector (start: the first failed probe of the confirming window; end: the
  first success of the last layer's confirming run), so the confirmation (k
  failures) and the close hold (10 rounds) delay when an event is announced
  or closed, not the times scored here; lab/run waits them out before it
  reads the events.

  slack = the probe timeout x retries: a probe's result is dated at its
  first attempt, and its retries run up to that much later, so a round
  begun just before a change can show it.

  start: inject - slack <= start <= fail + margin, where fail is the stage from which
         the outage is certain (services-down for the cascade, whose flood
         stages may or may not cause failures yet; the injection otherwise;
         flap: the last drop).
  end:   recover - slack <= end <= restored + margin (restored: the lab's own checks
         all pass again, observed by lab/scenario).
  cause: noise: no event at all; vantage-local: a monitor event
         (vantage-local) and no event of the entity; flap: at most one event
         of the entity, marked flapping, and no monitor event; otherwise
         exactly one event of the entity, with the true cause, and no monitor
         event. Every event is closed.
"""
import argparse
import datetime
import json
import sys

# Stage from which the outage is certain: the start must follow it within the margin.
FAIL_STAGE = {"cascade": "services-down"}
COLS = "%-14s %-14s %-26s %-18s %-18s %s"


def parse_time(v):
    """ISO 8601 UTC (with or without fraction, Z), seconds or microseconds -> seconds."""
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return v / 1e6 if v > 1e12 else float(v)
    s = str(v).strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    return datetime.datetime.fromisoformat(s).timestamp()


def read_truth(path, scenario):
    """{stage: [times]} for the scenario's lines."""
    stages = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) < 3 or w[1] != scenario or not w[2].startswith("stage="):
                continue
            stage = w[2][len("stage="):]
            d = dict(x.split("=", 1) for x in w[3:] if "=" in x)
            stages.setdefault(stage, []).append((parse_time(w[0]), d))
    return stages


def read_events(path):
    with open(path) as f:
        doc = json.load(f)
    if isinstance(doc, dict):
        doc = doc.get("events", [])
    if not isinstance(doc, list):
        raise ValueError("expected a list of events")
    return doc


def read_db(path):
    """Events from the store, in the shape of the API's JSON plus exact times."""
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    out = []
    for eid, ent, cause, start, end, evidence in con.execute(
            "SELECT e.id, n.name, e.cause, e.start_us, e.end_us, e.evidence FROM events e "
            "LEFT JOIN entities n ON n.id = e.entity_id ORDER BY e.start_us"):
        try:
            ev = json.loads(evidence) if evidence else {}
        except ValueError:
            ev = {}
        out.append({"id": eid, "entity": ent if ent is not None else "monitor", "cause": cause, "start": start / 1e6,
                    "end": end / 1e6 if end else None, "flapping": bool(ev.get("flapping")),
                    "summary": ev.get("summary", "")})
    con.close()
    return out


def entity_of(e):
    v = e.get("entity")
    if isinstance(v, dict):
        v = v.get("name")
    return v if v is not None else e.get("entity_name")


def lag(t, ref, rnd):
    if t is None or ref is None:
        return "-"
    d = t - ref
    return "%+.1fs %+.1fr" % (d, d / rnd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--header", action="store_true")
    ap.add_argument("--scenario")
    ap.add_argument("--truth")
    ap.add_argument("--events")
    ap.add_argument("--db")
    ap.add_argument("--round", type=float)
    ap.add_argument("--timeout", type=float)
    ap.add_argument("--retries", type=int, default=0)
    ap.add_argument("--entity", default="kp-lab")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.header:
        print(COLS % ("scenario", "true cause", "verdict", "start-inject", "end-restored", "result"))
        return 0
    if not (a.scenario and a.truth and (a.events or a.db) and a.round and a.timeout is not None):
        ap.error("--scenario, --truth, --db (or --events), --round and --timeout are required")
    try:
        st = read_truth(a.truth, a.scenario)
        events = read_db(a.db) if a.db else read_events(a.events)
    except (OSError, ValueError, KeyError, ImportError, __import__("sqlite3").Error) as e:
        print("lab/score.py: %s" % e, file=sys.stderr)
        return 2

    margin = 2 * a.round + a.timeout
    slack = a.timeout * a.retries
    why = []
    first = lambda s: st[s][0][0] if s in st else None
    last = lambda s: st[s][-1][0] if s in st else None
    inject, recover, restored = first("inject"), last("recover"), last("restored")
    truth_cause = st["inject"][0][1].get("cause", "?") if "inject" in st else "?"
    for s, t in (("inject", inject), ("recover", recover), ("restored", restored)):
        if t is None:
            why.append("no stage=%s in the truth log" % s)

    # The event scored is the one starting nearest the injection; others are extra.
    near = lambda e: abs((parse_time(e.get("start")) or 0) - (inject or 0))
    ours = sorted((e for e in events if entity_of(e) == a.entity), key=near)
    monitor = sorted((e for e in events if entity_of(e) == "monitor"), key=near)
    other = [e for e in events if entity_of(e) not in (a.entity, "monitor")]
    if other:
        why.append("events of unexpected entities: %s" % sorted({str(entity_of(e)) for e in other}))

    if a.scenario == "noise" or truth_cause == "none":
        scored = None
        if ours or monitor:
            why.append("false event(s): %d of %s, %d of the monitor" % (len(ours), a.entity, len(monitor)))
    elif truth_cause == "vantage-local":
        scored = monitor[0] if monitor else None
        if ours:
            why.append("%d outage event(s) of %s declared from a monitor cut" % (len(ours), a.entity))
        if len(monitor) != 1:
            why.append("%d monitor events, expected 1" % len(monitor))
        elif monitor[0].get("cause") != "vantage-local":
            why.append("monitor event cause %s" % monitor[0].get("cause"))
    elif truth_cause == "flap":
        scored = ours[0] if ours else None
        if len(ours) > 1:
            why.append("%d events, expected at most 1" % len(ours))
        if scored is not None and not scored.get("flapping"):
            why.append("event not marked flapping")
        if monitor:
            why.append("%d false monitor event(s)" % len(monitor))
    else:
        scored = ours[0] if ours else None
        if len(ours) != 1:
            why.append("%d events of %s, expected 1" % (len(ours), a.entity))
        elif scored.get("cause") != truth_cause:
            why.append("cause %s, expected %s" % (scored.get("cause"), truth_cause))
        if monitor:
            why.append("%d false monitor event(s)" % len(monitor))

    for e in ours + monitor:
        if e.get("end") is None:
            why.append("event %s still open" % e.get("id", "?"))

    start = end = None
    if scored is not None:
        start, end = parse_time(scored.get("start")), parse_time(scored.get("end"))
        fail = last("down") if a.scenario == "flap" else first(FAIL_STAGE.get(a.scenario, "inject"))
        if inject is not None and start is not None and start < inject - slack:
            why.append("starts %.1fs before the injection" % (inject - start))
        if fail is not None and start is not None and start > fail + margin:
            why.append("starts %.1fs after %s (margin %.1fs)" %
                       (start - fail, FAIL_STAGE.get(a.scenario, "the injection"), margin))
        if end is not None and recover is not None and end < recover - slack:
            why.append("ends %.1fs before the recovery began" % (recover - end))
        if end is not None and restored is not None and end > restored + margin:
            why.append("ends %.1fs after the restoration (margin %.1fs)" % (end - restored, margin))

    if scored is None:
        verdict = "no event"
    else:
        verdict = str(scored.get("cause"))
        if entity_of(scored) == "monitor":
            verdict += " (monitor)"
        if scored.get("flapping"):
            verdict += " flapping"
    n = len(ours) + len(monitor) + len(other)
    if n > 1:
        verdict += " [%d events]" % n
    result = "pass" if not why else "FAIL: " + "; ".join(why)
    print(COLS % (a.scenario, truth_cause, verdict, lag(start, inject, a.round), lag(end, restored, a.round), result))
    if a.json:
        print(json.dumps({"scenario": a.scenario, "cause": truth_cause, "verdict": verdict,
                          "start_minus_inject": None if start is None or inject is None else start - inject,
                          "end_minus_restored": None if end is None or restored is None else end - restored,
                          "round": a.round, "margin": margin, "pass": not why, "why": why}))
    return 0 if not why else 1


if __name__ == "__main__":
    sys.exit(main())
