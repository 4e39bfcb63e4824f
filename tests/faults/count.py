#!/usr/bin/env python3
"""Count the outcome of one fault scenario and print its table row.

  count.py NAME --sent FILE [--receipts FILE] [--topic FILE]
           [--handled FILE...] [--dlq FILE] [--max-dup N]
           [--whole-lines FILE] [--note TEXT]

--sent: the NDJSON the producer read (or the events put in the topic);
--receipts: events-producer --receipts (acknowledged = "delivered");
--topic: the message values found in the topic, one a line;
--handled: the consumer's file handler output(s);
--dlq: the message values found in the dead-letter topic;
--whole-lines: every line of FILE must be a whole JSON object.
Lost: acknowledged (else sent) events found nowhere they should be: in the
topic, and for a consumer in its output or its DLQ. Duplicated: copies in
the topic beyond the first. Exits 1 when a limit is broken.
"""
import argparse
import collections
import json
import sys


def ident(line):
    try:
        return json.loads(line)["data"]["id"]
    except (ValueError, KeyError, TypeError):
        return None


def ids(path):
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(ident(line))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("--sent", required=True)
    ap.add_argument("--receipts")
    ap.add_argument("--topic")
    ap.add_argument("--handled", action="append", default=[])
    ap.add_argument("--dlq")
    ap.add_argument("--max-dup", type=int, default=-1)
    ap.add_argument("--min-dlq", type=int, default=0)
    ap.add_argument("--whole-lines")
    ap.add_argument("--note", default="")
    a = ap.parse_args()

    sent = ids(a.sent)
    acked = sent
    if a.receipts:
        with open(a.receipts) as f:
            ok = {json.loads(l)["line"] for l in f if '"delivered"' in l}
        acked = [i for n, i in enumerate(sent, 1) if n in ok]
    bad = []
    row = {"sent": len(sent)}
    if a.receipts:
        row["acked"] = len(acked)
    want = set(acked)
    if a.topic:
        found = [i for i in ids(a.topic) if i in set(sent)]
        c = collections.Counter(found)
        row["found"] = len(c)
        row["lost"] = len(want - set(c))
        row["dup"] = sum(n - 1 for n in c.values())
    if a.handled:
        handled = []
        for h in a.handled:
            handled += ids(h)
        dlq = set(ids(a.dlq)) if a.dlq else set()
        c = collections.Counter(i for i in handled if i is not None)
        row["handled"] = len(c)
        row["multi"] = sum(1 for n in c.values() if n > 1)
        row["dlq"] = len(dlq)
        lost_c = len(want - set(c) - dlq)
        row["lost"] = row.get("lost", 0) + lost_c
        if len(dlq) < a.min_dlq:
            bad.append("%d in the DLQ, expected at least %d" % (len(dlq), a.min_dlq))
        both = set(c) & dlq
        if both:
            bad.append("%d events both handled and dead-lettered" % len(both))
    if a.whole_lines:
        with open(a.whole_lines, "rb") as f:
            data = f.read()
        if data and not data.endswith(b"\n"):
            bad.append("%s ends in a partial line" % a.whole_lines)
        for k, line in enumerate(data.split(b"\n")[:-1], 1):
            if ident(line.decode(errors="replace")) is None:
                bad.append("%s:%d is not a whole event" % (a.whole_lines, k))
                break
    if row.get("lost", 0):
        bad.append("%d lost" % row["lost"])
    if a.max_dup >= 0 and row.get("dup", 0) > a.max_dup:
        bad.append("%d duplicated, at most %d allowed" % (row["dup"], a.max_dup))
    cells = [a.name] + [str(row.get(k, "-")) for k in
                        ("sent", "acked", "found", "lost", "dup", "handled",
                         "multi", "dlq")]
    cells.append("FAIL: " + "; ".join(bad) if bad else "ok")
    if a.note:
        cells[-1] += " (" + a.note + ")"
    print("| " + " | ".join(cells) + " |")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
