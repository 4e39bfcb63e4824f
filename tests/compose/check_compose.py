#!/usr/bin/env python3
"""Checks docker-compose.yml without Docker (none runs here).

It parses the file and checks what would otherwise only fail at `docker
compose up`: the image is apache/kafka at the version the tests run
(tests/kafka/pom.xml); the default service is one KRaft node published on
localhost:9092; the "three" profile holds three nodes of one cluster; and
each node's environment is a complete configuration (the image drops its
defaults as soon as one KAFKA_* variable is set), with consistent
listeners, quorum and replication factors, and a healthcheck that asks a
listener the node has. The toolkit's services (consumer, producer) are
built from the Dockerfile, reach the single node on its listener for
containers, and the consumer's healthcheck asks its own /health port.

Usage: check_compose.py docker-compose.yml pom.xml
"""
import json
import os
import re
import shlex
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


def mounts(name, svc, base):
    """Checks a service's volumes; returns {container path: host path} of
    its bind mounts (./... on the host), whose host side must exist."""
    out = {}
    for v in svc.get("volumes", []):
        parts = str(v).split(":")
        if parts[0].startswith((".", "/")):
            host = os.path.normpath(os.path.join(base, parts[0]))
            check(os.path.exists(host), "service %s mounts %s, which does not exist" % (name, parts[0]))
            check(len(parts) >= 2 and parts[1].startswith("/"), "service %s: bad mount %r" % (name, v))
            if len(parts) >= 2:
                out[parts[1]] = host
    return out


def host_path(path, binds):
    """The host file behind a container path, through the bind mounts."""
    for cont, host in binds.items():
        if path == cont or path.startswith(cont.rstrip("/") + "/"):
            return os.path.join(host, os.path.relpath(path, cont)) if path != cont else host
    return None


def check_toolkit(services, base):
    """The consumer and the one-shot producer, built from the Dockerfile."""
    kafka_env = services.get("kafka", {}).get("environment", {}) or {}
    docker_addr = [("%s:%d" % (h, p)) for l, (h, p) in
                   listeners(str(kafka_env.get("KAFKA_ADVERTISED_LISTENERS", ""))).items() if h == "kafka"]
    cons = services.get("consumer", {})
    prod = services.get("producer", {})
    build = cons.get("build")
    ctx = build if isinstance(build, str) else (build or {}).get("context")
    dockerfile = "Dockerfile" if isinstance(build, str) else (build or {}).get("dockerfile", "Dockerfile")
    if check(ctx is not None, "service consumer: no build (it is built from the Dockerfile)"):
        check(os.path.isfile(os.path.join(base, ctx, dockerfile)),
              "service consumer: %s/%s does not exist" % (ctx, dockerfile))
    image = cons.get("image")
    check(prod.get("build") == build,
          "service producer must have the consumer's build too (else compose pulls %s)" % image)
    check(image is not None and prod.get("image") == image,
          "service producer must use the image the consumer builds (%r), not %r" % (image, prod.get("image")))
    for name, svc, prog in (("consumer", cons, "events-consumer"), ("producer", prod, "events-producer")):
        cmd = svc.get("command")
        if not check(isinstance(cmd, list) and cmd[:1] == [prog], "service %s: command must be a list starting with %s" % (name, prog)):
            continue
        for c in cmd:
            check(isinstance(c, str), "service %s: command item %r should be a string" % (name, c))
        env = svc.get("environment") or {}
        check(env.get("EVENTS_BROKERS") in docker_addr,
              "service %s: EVENTS_BROKERS=%r, expected the kafka listener for containers %s" % (name, env.get("EVENTS_BROKERS"), docker_addr))
        dep = (svc.get("depends_on") or {})
        check(isinstance(dep, dict) and dep and (dep.get("kafka") or {}).get("condition") == "service_healthy",
              "service %s: depends_on must wait for a healthy kafka" % name)
        check(svc.get("profiles") == ["toolkit"],
              "service %s must be in profile toolkit only (a plain `docker compose up` starts the broker alone)" % name)
    check("kafka" in (cons.get("depends_on") or {}), "service consumer must wait for kafka")
    # Not for a healthy consumer: its /health wants partitions assigned,
    # and the topic only exists once the producer has written to it (the
    # consumer's subscription does not create it): a deadlock that
    # tests/compose/toolkit.py hit.
    check(((prod.get("depends_on") or {}).get("consumer") or {}).get("condition") == "service_started",
          "service producer must wait for the consumer to start (service_started, not service_healthy: the consumer is healthy only once the producer has created the topic)")
    check(str(prod.get("restart")) == "no", "service producer is one-shot: restart must be \"no\"")

    # The consumer: routes file mounted, --http ADDR:PORT reachable from
    # outside the container, published, and asked by the healthcheck.
    cmd = cons.get("command") or []
    binds = mounts("consumer", cons, base)
    opt = {cmd[i]: cmd[i + 1] for i in range(len(cmd) - 1) if cmd[i].startswith("-")}
    routes = host_path(opt.get("-r", ""), binds)
    if check(routes is not None, "service consumer: the routes file %r is not in a mounted folder" % opt.get("-r")):
        try:
            with open(routes) as f:
                check("routes" in json.load(f), "service consumer: %s has no routes" % routes)
        except (OSError, ValueError) as e:
            failures.append("service consumer: routes file %s: %s" % (routes, e))
    for o in ("-g", "-t"):
        check(o in opt, "service consumer: no %s" % o)
    m = re.fullmatch(r"0\.0\.0\.0:(\d+)", opt.get("--http", ""))
    port = None
    if check(m is not None, "service consumer: --http must listen on 0.0.0.0:PORT (a container's 127.0.0.1 is its own), not %r" % opt.get("--http")):
        port = int(m.group(1))
        check(any(re.fullmatch(r"\d+:%d" % port, str(p)) for p in cons.get("ports", [])),
              "service consumer: --http port %d is not published" % port)
    hc = cons.get("healthcheck")
    if check(isinstance(hc, dict), "service consumer: no healthcheck"):
        test = hc.get("test")
        check(isinstance(test, list) and test[:1] in (["CMD"], ["CMD-SHELL"]),
              "service consumer: healthcheck test must be a CMD or CMD-SHELL list")
        text = " ".join(test[1:]) if isinstance(test, list) else ""
        check("/health" in text, "service consumer: the healthcheck does not ask /health")
        check(port is not None and re.search(r"127\.0\.0\.1[:/]%d\b" % port, text or "") is not None,
              "service consumer: the healthcheck does not ask the --http port")
        check(re.search(r"\b200\b", text) is not None, "service consumer: the healthcheck does not require status 200")
        for key in ("interval", "timeout", "retries", "start_period"):
            check(key in hc, "service consumer: healthcheck has no %s" % key)

    # The producer sends the samples, through a mount of samples/.
    pbinds = mounts("producer", prod, base)
    files = [a for a in (prod.get("command") or [])[1:] if a.startswith("/")]
    check(len(files) >= 1, "service producer: no input file")
    for a in files:
        h = host_path(a, pbinds)
        check(h is not None and os.path.isfile(h), "service producer: %s is not a mounted file" % a)
        check(h is None or os.path.dirname(h) == os.path.join(base, "samples"),
              "service producer: %s is not from samples/" % a)


def main():
    compose_path, pom_path = sys.argv[1], sys.argv[2]
    with open(compose_path) as f:
        doc = yaml.safe_load(f)
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    version = ET.parse(pom_path).getroot().find("m:properties/m:kafka.version", ns).text
    image = "apache/kafka:%s" % version

    services = doc.get("services", {})
    check(set(services) == {"kafka", "kafka-1", "kafka-2", "kafka-3", "consumer", "producer"},
          "services are %s, expected kafka, kafka-1..3, consumer and producer" % sorted(services))
    check_toolkit(services, os.path.dirname(os.path.abspath(compose_path)))
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
            if vol.startswith((".", "/")):
                continue  # a bind mount: checked by mounts()
            check(vol in volumes, "service %s uses volume %s, which is not declared" % (name, vol))

    if failures:
        for msg in failures:
            print("FAIL: %s: %s" % (compose_path, msg))
        return 1
    print("ok: %s: %d services, image %s" % (compose_path, len(services), image))
    return 0


if __name__ == "__main__":
    sys.exit(main())
