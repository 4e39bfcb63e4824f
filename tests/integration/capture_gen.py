#!/usr/bin/env python3
"""Write N mixed capture records (events-consumer --capture's format) to
stdout: text and binary (non-UTF-8) keys and values, null keys, tombstones,
empty values, duplicate and null headers, and distinct timestamps, spread
over P partitions. Deterministic for a given N, P and --t0 MS (the first
timestamp, ms since the epoch; tests against Kafka pass a recent one, as
the broker deletes messages older than retention.ms at its next retention
check)."""
import base64
import json
import random
import sys


def b(raw):
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(raw).decode()}


def main():
    n, parts = int(sys.argv[1]), int(sys.argv[2])
    rnd = random.Random(16)
    t0 = 1767225600000  # 2026-01-01T00:00:00Z
    if "--t0" in sys.argv:
        t0 = int(sys.argv[sys.argv.index("--t0") + 1])
    for i in range(n):
        kind = i % 7
        key = None if kind == 1 else (f"key-{i % 97}".encode() if kind != 4
                                      else bytes(rnd.randrange(256) for _ in range(8)))
        if kind == 2:
            value = None  # a tombstone
        elif kind == 3:
            value = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 64)))
        elif kind == 5:
            value = b""
        else:
            value = json.dumps({"event_type": f"t.{i % 5}", "data": {"i": i, "s": "é\n\u2603"}}).encode()
        headers = []
        if kind != 6:
            headers = [["h", b(b"one")], ["h", b(b"two")], ["bin", b(b"\xff\x00\xfe")]]
            if kind == 0:
                headers.append(["nullv", None])
        print(json.dumps({"topic": "gen", "partition": i % parts, "offset": i // parts,
                          "timestamp": t0 + i * 7, "timestamp_type": "create",
                          "key": None if key is None else b(key),
                          "value": None if value is None else b(value),
                          "headers": headers}, ensure_ascii=False))


main()
