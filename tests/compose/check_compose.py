#!/usr/bin/env python3
"""Checks docker-compose.yml without Docker (none runs here).

It parses the file and checks what would otherwise only fail at `docker
compose up`: the image is apache/kafka at the version the tests run
(tests/kafka/pom.xml); the default service is one KRaft node published on
localhost:9092; the "three" profile holds three nodes of one cluster; and
each node's environment is a complete configuration (the image drops its
defaults as soon as one KAFKA_* variable is set), with consistent
listeners, quorum and replication factors, and a healthcheck that asks a
listener the node has.

Usage: check_compose.py docker-compose.yml pom.xml
"""
import re
import sys
import xml.etree.ElementTree as ET

import yaml

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def listeners(value):
    """'NAME://host:port,...' -> {NAME: (host, port)}"""
    out = {}
    for item in value.split(","):
        m = re.fullmatch(r"([A-Z_]+)://([^:]*):(\d+)", item.strip())
        if not m:
            failures.append("bad listener %r" % item)
            continue
        out[m.group(1)] = (m.group(2), int(m.group(3)))
    return out


REQUIRED = [
    "CLUSTER_ID",
    "KAFKA_NODE_ID",
    "KAFKA_PROCESS_ROLES",
    "KAFKA_CONTROLLER_QUORUM_VOTERS",
    "KAFKA_LISTENERS",
    "KAFKA_ADVERTISED_LISTENERS",
    "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
    "KAFKA_CONTROLLER_LISTENER_NAMES",
    "KAFKA_INTER_BROKER_LISTENER_NAME",
    "KAFKA_LOG_DIRS",
    "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
    "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
    "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
    "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR",
    "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR",
    "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS",
]


def check_node(name, svc, nodes, image):
    """Checks one Kafka node; nodes is the number of nodes in its cluster.
    Returns (cluster id, node id, quorum, host ports)."""
    where = "service %s" % name
    check(svc.get("image") == image, "%s: image %r, expected %r" % (where, svc.get("image"), image))
    env = svc.get("environment")
    if not check(isinstance(env, dict), "%s: environment must be a mapping" % where):
        return None
    for key in REQUIRED:
        check(key in env, "%s: %s is missing (the image then has no default for it)" % (where, key))
    for key, value in env.items():
        check(isinstance(value, str), "%s: %s should be a quoted string, not %r" % (where, key, value))
    env = {k: str(v) for k, v in env.items()}

    check(re.fullmatch(r"[A-Za-z0-9_-]{22}", env.get("CLUSTER_ID", "")) is not None,
          "%s: CLUSTER_ID is not a base64 UUID of 22 characters" % where)
    check(set(env.get("KAFKA_PROCESS_ROLES", "").split(",")) == {"broker", "controller"},
          "%s: KAFKA_PROCESS_ROLES must be broker,controller (KRaft, combined)" % where)

    lst = listeners(env.get("KAFKA_LISTENERS", ""))
    adv = listeners(env.get("KAFKA_ADVERTISED_LISTENERS", ""))
    pmap = dict(p.split(":", 1) for p in env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "").split(",") if ":" in p)
    ctrl = env.get("KAFKA_CONTROLLER_LISTENER_NAMES", "")
    inter = env.get("KAFKA_INTER_BROKER_LISTENER_NAME", "")
    for lname in lst:
        check(lname in pmap, "%s: listener %s has no security protocol" % (where, lname))
    check(ctrl in lst, "%s: controller listener %s is not in KAFKA_LISTENERS" % (where, ctrl))
    check(ctrl not in adv, "%s: the controller listener must not be advertised" % where)
    check(inter in adv, "%s: inter-broker listener %s is not advertised" % (where, inter))
    for lname, (_, port) in adv.items():
        check(lname in lst and lst[lname][1] == port,
              "%s: advertised %s:%d is not a listener of the node" % (where, lname, port))

    node_id = int(env.get("KAFKA_NODE_ID", "0"))
    voters = {}
    for v in env.get("KAFKA_CONTROLLER_QUORUM_VOTERS", "").split(","):
        m = re.fullmatch(r"(\d+)@([a-z0-9-]+):(\d+)", v)
        if check(m is not None, "%s: bad quorum voter %r" % (where, v)):
            voters[int(m.group(1))] = (m.group(2), int(m.group(3)))
    check(len(voters) == nodes, "%s: %d quorum voters, expected %d" % (where, len(voters), nodes))
    me = voters.get(node_id)
    if check(me is not None, "%s: node %d is not a voter of its own quorum" % (where, node_id)):
        check(me[0] == svc.get("hostname", name) and ctrl in lst and me[1] == lst[ctrl][1],
              "%s: its voter entry %s:%d is not its controller listener" % (where, me[0], me[1]))

    for key in ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR"):
        check(env.get(key) == str(nodes), "%s: %s=%s, expected %d (one per node)" % (where, key, env.get(key), nodes))
    for key in ("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR"):
        check(1 <= int(env.get(key, "0")) <= nodes, "%s: %s must be 1..%d" % (where, key, nodes))
    check(env.get("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS") == "0",
          "%s: KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS should be 0" % where)

    # Published ports: "HOST:CONTAINER", each a listener advertised as
    # localhost:HOST, so that a client on the host can follow the metadata.
    host_ports = []
    ports = svc.get("ports", [])
    check(len(ports) >= 1, "%s: no published port" % where)
    for p in ports:
        m = re.fullmatch(r"(\d+):(\d+)", str(p))
        if not check(m is not None, "%s: port %r should be a quoted \"HOST:CONTAINER\"" % (where, p)):
            continue
        host, cont = int(m.group(1)), int(m.group(2))
        host_ports.append(host)
        check(any(h == "localhost" and port == host and lst.get(l, (None, -1))[1] == cont
                  for l, (h, port) in adv.items()),
              "%s: published port %d is not a listener advertised as localhost:%d" % (where, host, host))
        check(cont != lst.get(ctrl, (None, -1))[1], "%s: the controller port is published" % where)

    hc = svc.get("healthcheck")
    if check(isinstance(hc, dict), "%s: no healthcheck" % where):
        test = hc.get("test")
        check(isinstance(test, list) and test[:1] in (["CMD"], ["CMD-SHELL"]),
              "%s: healthcheck test must be a CMD or CMD-SHELL list" % where)
        text = " ".join(test[1:]) if isinstance(test, list) else ""
        m = re.search(r"--bootstrap-server\s+localhost:(\d+)", text)
        if check(m is not None, "%s: the healthcheck does not ask a broker" % where):
            check(any(port == int(m.group(1)) for l, (_, port) in lst.items() if l != ctrl),
                  "%s: the healthcheck asks port %s, which is no broker listener" % (where, m.group(1)))
        check(text.startswith("/opt/kafka/bin/"), "%s: the healthcheck should use the image's /opt/kafka/bin tools" % where)
        for key in ("interval", "timeout", "retries", "start_period"):
            check(key in hc, "%s: healthcheck has no %s" % (where, key))
    return env.get("CLUSTER_ID"), node_id, env.get("KAFKA_CONTROLLER_QUORUM_VOTERS"), host_ports


def main():
    compose_path, pom_path = sys.argv[1], sys.argv[2]
    with open(compose_path) as f:
        doc = yaml.safe_load(f)
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    version = ET.parse(pom_path).getroot().find("m:properties/m:kafka.version", ns).text
    image = "apache/kafka:%s" % version

    services = doc.get("services", {})
    check(set(services) == {"kafka", "kafka-1", "kafka-2", "kafka-3"},
          "services are %s, expected kafka and kafka-1..3" % sorted(services))
    all_ports = []

    single = services.get("kafka", {})
    check("profiles" not in single, "service kafka must run without a profile (docker compose up)")
    res = check_node("kafka", single, 1, image)
    if res:
        all_ports += res[3]
        check(9092 in res[3], "service kafka is not published on localhost:9092")

    cluster_ids, node_ids, quorums = set(), set(), set()
    for name in ("kafka-1", "kafka-2", "kafka-3"):
        svc = services.get(name, {})
        check(svc.get("profiles") == ["three"], "service %s must be in profile three only" % name)
        res = check_node(name, svc, 3, image)
        if res:
            cluster_ids.add(res[0])
            node_ids.add(res[1])
            quorums.add(res[2])
            all_ports += res[3]
    check(len(cluster_ids) == 1, "the three nodes have different CLUSTER_IDs")
    check(node_ids == {1, 2, 3}, "the three nodes' ids are %s, expected 1, 2, 3" % sorted(node_ids))
    check(len(quorums) == 1, "the three nodes disagree on the quorum voters")
    check(len(all_ports) == len(set(all_ports)), "two services publish the same host port: %s" % all_ports)

    volumes = doc.get("volumes", {}) or {}
    for name, svc in services.items():
        for v in svc.get("volumes", []):
            vol = str(v).split(":", 1)[0]
            check(vol in volumes, "service %s uses volume %s, which is not declared" % (name, vol))

    if failures:
        for msg in failures:
            print("FAIL: %s: %s" % (compose_path, msg))
        return 1
    print("ok: %s: %d services, image %s" % (compose_path, len(services), image))
    return 0


if __name__ == "__main__":
    sys.exit(main())
