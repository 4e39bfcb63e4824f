#!/usr/bin/env python3
"""tests/fuzz/seeds.py - write the seed corpus of one fuzz target.

    seeds.py NAME OUTDIR

NAME is envelope, producer_line, schema_compile or differential. Seeds come
from tests/data (envelopes, schema cases), samples/, the shipped and strict
schemas, the benchmark's mixed workload (bench/producer/gen_mixed.py) and the
JSON-Schema-Test-Suite ($EVENTS_JSTS_DIR, default
/usr/share/json-schema-test-suite; skipped when absent). One file per seed.
"""
import glob
import hashlib
import json
import os
import subprocess
import sys

src = os.environ.get("EVENTS_SOURCE_DIR",
                     os.path.dirname(os.path.dirname(os.path.dirname(
                         os.path.abspath(__file__)))))
jsts = os.environ.get("EVENTS_JSTS_DIR") or "/usr/share/json-schema-test-suite"


def put(out, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def envelopes():
    for d in ("good", "bad"):
        for p in sorted(glob.glob(os.path.join(src, "tests/data/envelope", d, "*.json"))):
            with open(p, "rb") as f:
                yield f.read()
    for p in glob.glob(os.path.join(src, "samples", "*.ndjson")):
        with open(p, "rb") as f:
            for line in f:
                yield line.rstrip(b"\n")
    mixed = subprocess.run(
        [sys.executable, os.path.join(src, "bench/producer/gen_mixed.py"),
         "-n", "300"], check=True, capture_output=True).stdout
    for line in mixed.splitlines():
        yield line


def schema_docs():
    for d in ("schemas", "examples/schemas-strict"):
        for p in sorted(glob.glob(os.path.join(src, d, "*.json"))):
            with open(p, "rb") as f:
                yield json.load(f), []
    for p in sorted(glob.glob(os.path.join(jsts, "tests/draft7/*.json"))):
        with open(p) as f:
            for group in json.load(f):
                yield group["schema"], [t["data"] for t in group["tests"]]
    p = os.path.join(src, "tests/data/schema/cases.json")
    if os.path.exists(p):
        with open(p) as f:
            cases = json.load(f)
        for group in cases:
            yield group["schema"], [t["data"] for t in group["tests"]]


def main():
    name, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    if name == "envelope":
        for e in envelopes():
            put(out, e)
    elif name == "producer_line":
        batch = []
        for e in envelopes():
            put(out, e)
            batch.append(e)
            if len(batch) == 8:  # a few lines in one input: layouts repeat
                put(out, b"\n".join(batch))
                batch = []
    elif name == "schema_compile":
        for schema, _ in schema_docs():
            put(out, json.dumps(schema))
    elif name == "differential":
        events = []
        for e in envelopes():
            try:
                ev = json.loads(e)
            except ValueError:
                continue  # the bad envelopes
            if isinstance(ev, dict) and isinstance(ev.get("data"), dict):
                events.append(ev["data"])
        for schema, data in schema_docs():
            if not data:  # an event schema: its own events
                data = events[:40]
            put(out, json.dumps([schema] + data))
    else:
        sys.exit("seeds.py: unknown target " + name)


if __name__ == "__main__":
    main()
