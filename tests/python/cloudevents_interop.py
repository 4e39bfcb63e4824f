"""CloudEvents interop with the CloudEvents Python SDK (its kafka module)
and confluent-kafka, for tests/integration/kafka_cloudevents.sh.

  produce BROKERS TOPIC MODE N EXPECT [--invalid K]
      N CloudEvents made with the SDK (to_binary / to_structured), types
      ce.user.created and ce.user.deleted in turn, data {"user_id": i,
      "seq": "MODE-i"}, partitionkey the user id; plus K of type
      ce.user.created whose data lacks user_id (they fail the test's
      schema). Appends "seq<TAB>id<TAB>type<TAB>source" per valid event to
      EXPECT.

  consume BROKERS TOPIC MODE N SOURCE INPUT
      Reads N messages from the start of TOPIC, turns each into a
      CloudEvent with the SDK (from_binary / from_structured), and checks
      it against the events-producer input lines in INPUT (NDJSON
      envelopes with data.seq): specversion, type, source, time (equal to
      the input's timestamp), data, a unique id, and the message key as
      partitionkey. Exits non-zero, saying what differs, otherwise.
"""
import datetime
import json
import sys
import time
import uuid

from cloudevents.http import CloudEvent
from cloudevents.kafka import (KafkaMessage, from_binary, from_structured,
                               to_binary, to_structured)
from confluent_kafka import Consumer, Producer

SOURCE = "/sdk/interop-test"


def fail(msg):
    print("cloudevents_interop: " + msg, file=sys.stderr)
    sys.exit(1)


def produce(brokers, topic, mode, n, expect, invalid):
    conv = to_binary if mode == "binary" else to_structured
    p = Producer({"bootstrap.servers": brokers, "acks": "all"})
    errors = []

    def report(err, _msg):
        if err is not None:
            errors.append(str(err))

    rows = []
    events = []
    for i in range(n):
        typ = "ce.user.created" if i % 2 == 0 else "ce.user.deleted"
        seq = "%s-%d" % (mode, i)
        ev = CloudEvent({"type": typ, "source": SOURCE,
                         "datacontenttype": "application/json",
                         "partitionkey": str(i % 7)},
                        {"user_id": i % 7, "seq": seq})
        rows.append("%s\t%s\t%s\t%s" % (seq, ev["id"], typ, SOURCE))
        events.append(ev)
    for i in range(invalid):
        events.append(CloudEvent({"type": "ce.user.created",
                                  "source": SOURCE,
                                  "datacontenttype": "application/json"},
                                 {"seq": "%s-invalid-%d" % (mode, i)}))
    for ev in events:
        m = conv(ev)
        p.produce(topic, value=m.value, key=m.key,
                  headers=list(m.headers.items()), on_delivery=report)
    left = p.flush(30)
    if left or errors:
        fail("produce: %d undelivered, errors %s" % (left, errors[:3]))
    with open(expect, "a") as f:
        for r in rows:
            f.write(r + "\n")


def text(v):
    """from_binary gives the key as bytes, from_structured the member."""
    return v.decode() if isinstance(v, bytes) else v


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def consume(brokers, topic, mode, n, source, input_path):
    conv = from_binary if mode == "binary" else from_structured
    want = {}
    for line in open(input_path):
        if line.strip():
            env = json.loads(line)
            want[env["data"]["seq"]] = env
    c = Consumer({"bootstrap.servers": brokers,
                  "group.id": "ce-interop-%s" % uuid.uuid4(),
                  "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe([topic])
    got = []
    deadline = time.time() + 60
    while len(got) < n and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            fail("consume: %s" % m.error())
        got.append(m)
    c.close()
    if len(got) != n:
        fail("consume: read %d of %d messages" % (len(got), n))
    ids = set()
    for m in got:
        km = KafkaMessage(dict(m.headers() or []), m.key(), m.value())
        ev = conv(km)
        data = ev.data
        if isinstance(data, (bytes, str)):
            data = json.loads(data)
        seq = data.get("seq")
        if seq not in want:
            fail("unknown event %r" % (data,))
        env = want.pop(seq)
        checks = [
            ("specversion", ev["specversion"], "1.0"),
            ("type", ev["type"], env["event_type"]),
            ("source", ev["source"], source),
            ("data", data, env["data"]),
            ("time", parse_time(ev["time"]), parse_time(env["timestamp"])),
            ("partitionkey", text(ev.get("partitionkey")),
             str(env["data"]["user_id"])),
            ("key", m.key(), str(env["data"]["user_id"]).encode()),
        ]
        for name, a, b in checks:
            if a != b:
                fail("%s %s: %r, expected %r" % (seq, name, a, b))
        if len(ev["id"]) != 36 or ev["id"] in ids:
            fail("%s id %r: not a new UUID" % (seq, ev["id"]))
        ids.add(ev["id"])
        # The binding's structured content type is in the header; the
        # SDK's from_structured() lets the header override the member, so
        # the member is checked in the value itself.
        if mode == "structured":
            ct = km.headers.get("content-type")
            member = json.loads(m.value()).get("datacontenttype")
            if ct != b"application/cloudevents+json" or \
                    member != "application/json":
                fail("%s content-type %r, datacontenttype %r"
                     % (seq, ct, member))
        elif km.headers.get("content-type") != b"application/json":
            fail("%s content-type %r" % (seq, km.headers.get("content-type")))
    if want:
        fail("not read: %s" % sorted(want)[:5])


def main():
    a = sys.argv[1:]
    if len(a) >= 6 and a[0] == "produce":
        invalid = int(a[7]) if len(a) == 8 and a[6] == "--invalid" else 0
        produce(a[1], a[2], a[3], int(a[4]), a[5], invalid)
    elif len(a) == 7 and a[0] == "consume":
        consume(a[1], a[2], a[3], int(a[4]), a[5], a[6])
    else:
        fail("usage: see the module's docstring")


if __name__ == "__main__":
    main()
