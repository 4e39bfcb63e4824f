#!/usr/bin/env python3
"""Write N dead-letter records (events-consumer --capture's format, with
the events.* headers consumer_dlq.c adds) whose events.topic is TARGET;
with --expect, write instead what kcat -f '%k|%h|%T|%s\\n' must read from
TARGET after a redrive (events.* headers gone; the timestamp of the
events.timestamp header, which even records carry, 2 ms after the
envelope's, else the envelope's).
--t0 MS: the first event's time, in ms since the epoch (a whole second).
Tests against Kafka pass a recent time: the broker deletes messages whose
timestamps are older than the topic's retention.ms (7 days by default) at
its next retention check, so old fixed timestamps lose messages at random."""
import json
import sys
import time


def main():
    n, target, expect = int(sys.argv[1]), sys.argv[2], "--expect" in sys.argv
    t0 = 1767225600000  # 2026-01-01T00:00:00Z
    if "--t0" in sys.argv:
        t0 = int(sys.argv[sys.argv.index("--t0") + 1])
    for i in range(n):
        etype = f"t.{i % 3}"
        ts = t0 + i * 11
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts // 1000)) + f".{ts % 1000:03d}000Z"
        value = json.dumps({"event_type": etype, "data": {"i": i}, "timestamp": stamp})
        key = f"k{i % 13}"
        code = "ERR_HANDLER" if i % 2 else "ERR_VALIDATION"  # as the DLQ writes them
        keep = [["event_type", etype], ["trace", f"tr-{i}"]]
        # The original Kafka timestamp, kept by the dead-letter write: not
        # the envelope's, so that a test sees which one the redrive used.
        orig = ts + 2 if i % 2 == 0 else None
        if expect:
            h = ",".join(f"{k}={v}" for k, v in keep)
            print(f"{key}|{h}|{ts if orig is None else orig}|{value}")
            continue
        headers = keep + [["events.error", "boom"], ["events.error.code", code],
                          ["events.topic", target], ["events.partition", "0"],
                          ["events.offset", str(i)], ["events.event_type", etype]]
        if orig is not None:
            headers += [["events.timestamp", str(orig)], ["events.timestamp_type", "create"]]
        print(json.dumps({"topic": "dlq", "partition": 0, "offset": i,
                          "timestamp": ts + 5000, "timestamp_type": "create",
                          "key": key, "value": value, "headers": headers}))


main()
