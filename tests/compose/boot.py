#!/usr/bin/env python3
"""Boots the Kafka services of docker-compose.yml without Docker.

The configuration is the one `docker-compose config` resolves from the
file (the real compose tool: any error or warning it prints fails). Each
apache/kafka service's environment becomes broker properties the way the
image's `utility render-properties` does it (docker/resources in Apache
Kafka's sources):
  - every variable starting with KAFKA_ becomes a property, except the
    image's own excludes (KAFKA_OPTS, KAFKA_HEAP_OPT, KAFKA_LOG4J_OPTS...);
  - the name loses KAFKA_, then each single '_' between two other
    characters becomes '.', '___' becomes '-', '__' becomes '_', and the
    whole is lower-cased (KAFKA_LOG_DIRS -> log.dirs);
  - CLUSTER_ID (default 5L6g3nShT-eMCtK--X86sw) is not a property: the
    storage is formatted with it;
  - with no KAFKA_ variable at all the image falls back to its own
    server.properties, which this harness refuses (not what the file
    means to run).
The only change made: service host names and `localhost` become
127.0.0.1, every port of a service (listeners, published ports, quorum
voters) becomes a free port on 127.0.0.1, and log.dirs moves into the
state folder. Each change is printed. Then the nodes start from Kafka's
jars (tests/kafka/kafka.sh's cache, Java 17), 512 MB of heap each, and
the boot passes only when every node has registered as a broker, a new
topic takes a message (auto-created
with the default replication factor) and a consumer group reads it back
(the offsets topic, with its replication factor).

Usage:
  boot.py config [-f FILE] [--profile P]      print the properties
                                              (both also take
                                              --project-directory DIR, as
                                              docker-compose does)
  boot.py start [-f FILE] [--profile P] DIR   boot; prints the bootstrap
                                              servers (host listeners)
  boot.py stop DIR                            stop every node, remove DIR
  boot.py kill DIR SERVICE                    SIGKILL one node, wait until
                                              it is gone
  boot.py stop-node DIR SERVICE               SIGTERM one node (SIGCONT
                                              first, for a paused one), wait;
                                              SIGKILL after 30 s, then exit 1
  boot.py pause DIR SERVICE                   SIGSTOP one node (frozen: its
                                              sockets stay open, nothing
                                              answers)
  boot.py resume DIR SERVICE                  SIGCONT it
  boot.py restart-node DIR SERVICE            start a stopped or killed node
                                              again on its data and ports;
                                              prints its bootstrap address
                                              once it is a registered broker
  boot.py service DIR NODE_ID                 print the service whose
                                              node.id is NODE_ID (a
                                              partition leader's, say)
SERVICE is a service name of the file (kafka, kafka-1, ...). The profile
is "default" (the services without a profile) or "three".
State (ports, pids, logs) lives in DIR/state.json and DIR/<service>/.
Environment: COMPOSE_BOOT_TIMEOUT (seconds for the nodes to register,
default 120), COMPOSE_CHECK_TIMEOUT (seconds for the topic and group
check, default 60), JAVA (default java).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
KAFKA_SH = os.path.join(ROOT, "tests", "kafka", "kafka.sh")
LOG4J = os.path.join(ROOT, "tests", "kafka", "log4j2.properties")
TOOLS_LOG4J = os.path.join(ROOT, "tests", "kafka", "tools-log4j2.properties")
JAVA = os.environ.get("JAVA", "java")

# The image's kafka-propertiesSpec.json: KAFKA_ variables it does not turn
# into properties (KAFKA_HEAP_OPT is spelt so there).
EXCLUDES = {
    "KAFKA_VERSION", "KAFKA_HEAP_OPT", "KAFKA_LOG4J_OPTS", "KAFKA_OPTS",
    "KAFKA_JMX_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_GC_LOG_OPTS",
    "KAFKA_LOG4J_ROOT_LOGLEVEL", "KAFKA_LOG4J_LOGGERS",
    "KAFKA_TOOLS_LOG4J_LOGLEVEL",
}
IMAGE_DEFAULT_CLUSTER_ID = "5L6g3nShT-eMCtK--X86sw"


class BootError(Exception):
    pass


def say(msg):
    print("boot: " + msg, file=sys.stderr, flush=True)


def convert_key(name):
    """The image's ConvertKey: non-overlapping 'x_y' -> 'x.y', then
    '___' -> '-', '__' -> '_', lower case."""
    single = re.sub(r"[^_]_[^_]", lambda m: m.group(0).replace("_", "."), name)
    return single.replace("___", "-").replace("__", "_").lower()


def image_properties(env):
    """Environment of an apache/kafka service -> (properties, cluster id)."""
    props = {}
    for key, value in env.items():
        if key.startswith("KAFKA") and key not in EXCLUDES:
            # The image's prefix is "KAFKA" and it drops len("KAFKA")+1.
            props[convert_key(key[len("KAFKA") + 1:])] = str(value)
    if not props:
        raise BootError("no KAFKA_ variable: the image would run its own "
                        "default server.properties, not this file's")
    return props, str(env.get("CLUSTER_ID") or IMAGE_DEFAULT_CLUSTER_ID)


def compose_config(path, profile, project_dir=None):
    """Runs the real compose tool; returns the resolved configuration."""
    cmd = ["docker-compose", "-f", path]
    if project_dir:
        cmd += ["--project-directory", project_dir]
    if profile and profile != "default":
        cmd += ["--profile", profile]
    cmd.append("config")
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise BootError("docker-compose is not installed (scripts/deps.sh test)")
    if p.returncode != 0 or p.stderr.strip():
        raise BootError("%s failed (status %d): %s" %
                        (" ".join(cmd), p.returncode, p.stderr.strip()))
    return yaml.safe_load(p.stdout)


def kafka_services(cfg, profile):
    out = {}
    for name, svc in sorted(cfg.get("services", {}).items()):
        if not str(svc.get("image", "")).startswith("apache/kafka:"):
            continue
        profiles = svc.get("profiles") or []
        if (profile == "default" and not profiles) or profile in profiles:
            out[name] = svc
    if not out:
        raise BootError("no apache/kafka service in profile %s" % profile)
    return out


def free_port(taken):
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port not in taken:
            taken.add(port)
            return port


class PortMap:
    """(service, container port) -> free 127.0.0.1 port; host names."""

    def __init__(self, services):
        self.hosts = {}
        self.ports = {}
        self.published = {}
        self.taken = set()
        for name, svc in services.items():
            self.hosts[name] = name
            self.hosts[svc.get("hostname", name)] = name
            for p in svc.get("ports") or []:
                if isinstance(p, dict):
                    pub, target = p.get("published"), p.get("target")
                else:
                    parts = str(p).split(":")
                    pub, target = parts[-2], parts[-1]
                self.published[int(pub)] = (name, int(target))

    def port(self, service, port):
        key = (service, int(port))
        if key not in self.ports:
            self.ports[key] = free_port(self.taken)
        return self.ports[key]

    def address(self, service, host, port):
        """host:port as seen from SERVICE's container -> 127.0.0.1 port."""
        if host in ("", "0.0.0.0", "localhost", "127.0.0.1"):
            if host == "localhost" and int(port) in self.published and \
                    service is None:
                return self.port(*self.published[int(port)])
            if host == "localhost" and service is None:
                raise BootError("localhost:%s is no published port" % port)
            return self.port(service, port)
        if host not in self.hosts:
            raise BootError("unknown host %r (no service of this profile)" % host)
        return self.port(self.hosts[host], port)


def rewrite(service, props, pm, datadir):
    """The only changes: addresses and log.dirs. Returns the list of them."""
    changes = []
    out = dict(props)

    def listener_list(key, advertised):
        items = []
        for item in props[key].split(","):
            m = re.fullmatch(r"\s*([A-Za-z0-9_]+)://([^:]*):(\d+)\s*", item)
            if not m:
                raise BootError("%s: bad entry %r in %s" % (service, item, key))
            name, host, port = m.groups()
            if advertised and host == "localhost":
                new = pm.address(None, host, port)  # a published port
            elif host in ("", "0.0.0.0", "localhost", "127.0.0.1"):
                new = pm.port(service, port)  # this container's own port
            else:
                new = pm.address(None, host, port)  # a service host name
            items.append("%s://127.0.0.1:%d" % (name, new))
        return ",".join(items)

    if "listeners" in props:
        out["listeners"] = listener_list("listeners", False)
    if "advertised.listeners" in props:
        out["advertised.listeners"] = listener_list("advertised.listeners", True)
    if "controller.quorum.voters" in props:
        voters = []
        for item in props["controller.quorum.voters"].split(","):
            m = re.fullmatch(r"\s*(\d+)@([^:]+):(\d+)\s*", item)
            if not m:
                raise BootError("%s: bad voter %r" % (service, item))
            voters.append("%s@127.0.0.1:%d" % (m.group(1),
                                               pm.address(None, m.group(2), m.group(3))))
        out["controller.quorum.voters"] = ",".join(voters)
    if "log.dirs" in props:
        out["log.dirs"] = datadir
    for k in sorted(out):
        if out[k] != props.get(k):
            changes.append("%s: %s=%s -> %s" % (service, k, props.get(k), out[k]))
    return out, changes


def host_listener(service, props, rewritten, pm):
    """The listener a client on the host uses: advertised as localhost:P
    with P published. Returns 127.0.0.1:port."""
    for item in props.get("advertised.listeners", "").split(","):
        m = re.fullmatch(r"\s*([A-Za-z0-9_]+)://localhost:(\d+)\s*", item)
        if m and int(m.group(2)) in pm.published and \
                pm.published[int(m.group(2))][0] == service:
            return "127.0.0.1:%d" % pm.address(None, "localhost", m.group(2))
    raise BootError("%s advertises no listener on a published localhost port"
                    % service)


def kafka_lib():
    p = subprocess.run([KAFKA_SH, "lib"], capture_output=True, text=True)
    if p.returncode != 0:
        raise BootError("kafka.sh lib failed: " + p.stderr.strip())
    return p.stdout.strip()


def plan(path, profile, state_dir, project_dir=None):
    cfg = compose_config(path, profile, project_dir)
    services = kafka_services(cfg, profile)
    pm = PortMap(services)
    nodes = {}
    for name, svc in services.items():
        props, cluster_id = image_properties(svc.get("environment") or {})
        ndir = os.path.join(state_dir, name)
        new, changes = rewrite(name, props, pm, os.path.join(ndir, "data"))
        nodes[name] = {"props": new, "original": props, "changes": changes,
                       "cluster_id": cluster_id, "dir": ndir,
                       "bootstrap": host_listener(name, props, new, pm)}
    # Internal addresses other services use (kafka:29092 -> 127.0.0.1:P).
    internal = {}
    for (svc, port), local in pm.ports.items():
        for host, s in pm.hosts.items():
            if s == svc:
                internal["%s:%d" % (host, port)] = "127.0.0.1:%d" % local
    return nodes, internal


def write_props(node):
    os.makedirs(node["dir"], exist_ok=True)
    path = os.path.join(node["dir"], "server.properties")
    with open(path, "w") as f:
        for k in sorted(node["props"]):
            f.write("%s=%s\n" % (k, node["props"][k]))
    return path


def launch(lib, node):
    ndir = node["dir"]
    props = os.path.join(ndir, "server.properties")
    out = open(os.path.join(ndir, "stdout.log"), "ab")
    p = subprocess.Popen(
        [JAVA, "-Xmx512m", "-Xms512m", "-XX:+UseSerialGC",
         "-Dlog4j2.configurationFile=" + LOG4J, "-Dkafka.logs.dir=" + ndir,
         "-cp", lib + "/*", "kafka.Kafka", props],
        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    out.close()
    return p.pid


def format_storage(lib, node):
    props = os.path.join(node["dir"], "server.properties")
    log = os.path.join(node["dir"], "format.log")
    with open(log, "w") as f:
        p = subprocess.run(
            [JAVA, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
             "-Dlog4j2.configurationFile=" + TOOLS_LOG4J, "-cp", lib + "/*",
             "kafka.tools.StorageTool", "format", "--ignore-formatted",
             "-t", node["cluster_id"], "-c", props],
            stdout=f, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise BootError("formatting %s's storage failed:\n%s" %
                        (node["dir"], open(log).read()[-2000:]))


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def metadata(bootstrap):
    try:
        p = subprocess.run(["kcat", "-b", bootstrap, "-L", "-J", "-m", "5"],
                           capture_output=True, text=True, timeout=15)
    except subprocess.TimeoutExpired:
        return None
    if p.returncode != 0:
        return None
    try:
        return json.loads(p.stdout)
    except ValueError:
        return None


def tail(path, n=25):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no %s)\n" % path


def wait_registered(state, timeout):
    nodes = state["nodes"]
    want = sorted(int(n["props"]["node.id"]) for n in nodes.values()
                  if "broker" in n["props"].get("process.roles", ""))
    deadline = time.time() + timeout
    while True:
        for name, n in nodes.items():
            if not alive(n["pid"]):
                raise BootError("%s exited while starting; its log (%s):\n%s" %
                                (name, n["dir"], tail(os.path.join(n["dir"], "server.log"))
                                 + tail(os.path.join(n["dir"], "stdout.log"), 10)))
        ok = True
        for name, n in nodes.items():
            md = metadata(n["bootstrap"])
            ids = sorted(b["id"] for b in (md or {}).get("brokers", []))
            if ids != want:
                ok = False
                last = (name, ids)
                break
        if ok:
            return
        if time.time() > deadline:
            msg = "after %ds %s sees brokers %s, not %s (a quorum that cannot " \
                  "form, or a node that cannot register)" % (timeout, last[0], last[1], want)
            for name, n in nodes.items():
                msg += "\n--- %s: %s/server.log\n%s" % (name, n["dir"],
                                                        tail(os.path.join(n["dir"], "server.log"), 8))
            raise BootError(msg)
        time.sleep(0.5)


def smoke(state, timeout=None):
    """A topic auto-created with the default replication factor takes a
    message; a group reads it back (the offsets topic is created with its
    replication factor). A factor the cluster cannot meet fails here."""
    if timeout is None:
        timeout = int(os.environ.get("COMPOSE_CHECK_TIMEOUT", "60"))
    boot = ",".join(n["bootstrap"] for n in state["nodes"].values())
    topic = "compose-boot-%d" % int(time.time() * 1000)
    deadline = time.time() + timeout
    while True:
        p = subprocess.run(["kcat", "-b", boot, "-P", "-t", topic,
                            "-X", "message.timeout.ms=10000"],
                           input="compose boot check\n", capture_output=True,
                           text=True, timeout=40)
        if p.returncode == 0 and "ERROR" not in p.stderr:
            break
        if time.time() > deadline:
            raise BootError("producing to a new topic %s failed (default "
                            "replication factor above the brokers?): %s" %
                            (topic, p.stderr.strip()[-1500:]))
        time.sleep(1)
    try:
        p = subprocess.run(["kcat", "-b", boot, "-G", "boot-" + topic, topic,
                            "-o", "beginning", "-c", "1", "-e", "-q",
                            "-X", "topic.auto.offset.reset=earliest"],
                           capture_output=True, text=True, timeout=timeout)
        got = p.stdout
    except subprocess.TimeoutExpired as e:
        got = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
    if "compose boot check" not in got:
        raise BootError("a consumer group could not read %s back within %ds "
                        "(offsets topic replication factor above the "
                        "brokers?)" % (topic, timeout))


def save(state_dir, state):
    with open(os.path.join(state_dir, "state.json"), "w") as f:
        json.dump(state, f, indent=1)


def load(state_dir):
    try:
        with open(os.path.join(state_dir, "state.json")) as f:
            return json.load(f)
    except OSError as e:
        raise BootError("no booted cluster in %s: %s" % (state_dir, e))


def signal_node(pid, sig):
    try:
        os.kill(pid, sig)
        return True
    except OSError:
        return False


def terminate(pid, grace=30):
    """SIGCONT (a paused node cannot act on SIGTERM), SIGTERM, then
    SIGKILL after GRACE seconds. Returns False when SIGKILL was needed."""
    signal_node(pid, signal.SIGCONT)
    if not signal_node(pid, signal.SIGTERM):
        return True
    return reap(pid, grace)


def reap(pid, grace):
    """Waits up to GRACE seconds for PID to exit, then SIGKILLs it.
    Returns False when SIGKILL was needed."""
    deadline = time.time() + grace
    while alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    if not alive(pid):
        return True
    signal_node(pid, signal.SIGKILL)
    while alive(pid):
        time.sleep(0.05)
    return False


def cmd_start(path, profile, state_dir, project_dir=None):
    if os.path.exists(os.path.join(state_dir, "state.json")):
        raise BootError("%s already holds a cluster (boot.py stop it)" % state_dir)
    os.makedirs(state_dir, exist_ok=True)
    state_dir = os.path.abspath(state_dir)
    t0 = time.time()
    nodes, internal = plan(path, profile, state_dir, project_dir)
    say("%s, profile %s: %d node(s); the only changes to the compose "
        "configuration:" % (path, profile, len(nodes)))
    for n in nodes.values():
        for c in n["changes"]:
            say("  " + c)
    lib = kafka_lib()
    state = {"file": os.path.abspath(path), "profile": profile, "lib": lib,
             "project_dir": os.path.abspath(project_dir) if project_dir else None,
             "nodes": nodes, "internal": internal}
    for n in nodes.values():
        write_props(n)
        format_storage(lib, n)
    try:
        for n in nodes.values():
            n["pid"] = launch(lib, n)
        save(state_dir, state)
        timeout = int(os.environ.get("COMPOSE_BOOT_TIMEOUT", "120"))
        wait_registered(state, timeout)
        smoke(state)
    except BaseException:
        for n in nodes.values():
            if n.get("pid"):
                terminate(n["pid"], 10)
        say("boot failed; the nodes are stopped, their logs kept in %s" % state_dir)
        try:
            os.unlink(os.path.join(state_dir, "state.json"))
        except OSError:
            pass
        raise
    say("booted in %.1fs" % (time.time() - t0))
    print(",".join(n["bootstrap"] for n in nodes.values()))


# Seconds a node still running gets once most of the controller quorum's
# voters have exited. Its broker's controlled shutdown cannot finish
# without an active controller (Kafka waits up to five minutes for one);
# a Raft leader that is stopping waits about 5 s for voters to hear its
# resignation and then exits by itself, which this leaves room for.
QUORUMLESS_GRACE = 10


def cmd_stop(state_dir):
    """Every node at once: a node stopping alone waits for the others to
    take its partitions. A node still running once most of the quorum's
    voters have exited may be waiting for a controller that can no longer
    be elected: it is killed after QUORUMLESS_GRACE seconds more, any
    other after 30 s in all. A node that needs SIGKILL keeps the logs."""
    state = load(state_dir)
    nodes = {name: n for name, n in state["nodes"].items() if n.get("pid")}
    voters = [name for name, n in nodes.items()
              if "controller" in n["props"].get("process.roles", "")]
    for n in nodes.values():
        signal_node(n["pid"], signal.SIGCONT)
        signal_node(n["pid"], signal.SIGTERM)
    t0 = time.time()
    deadline = t0 + 30
    quorumless = False
    while time.time() < deadline:
        running = [name for name, n in nodes.items() if alive(n["pid"])]
        if not running:
            break
        if (not quorumless and voters and
                2 * sum(name in running for name in voters) <= len(voters)):
            quorumless = True
            deadline = min(deadline, time.time() + QUORUMLESS_GRACE)
        time.sleep(0.1)
    killed = [name for name, n in nodes.items() if not reap(n["pid"], 0)]
    if not killed:
        shutil.rmtree(state_dir, ignore_errors=True)
        return 0
    for n in state["nodes"].values():
        shutil.rmtree(os.path.join(n["dir"], "data"), ignore_errors=True)
    os.unlink(os.path.join(state_dir, "state.json"))
    if quorumless:
        say("%s still ran %.0f s after SIGTERM, without a controller quorum "
            "(most voters had exited), and was killed; the logs are kept in %s"
            % (", ".join(killed), time.time() - t0, state_dir))
    else:
        say("%s ignored SIGTERM for 30 s and was killed; the logs are kept in %s"
            % (", ".join(killed), state_dir))
    return 1


def node_of(state, name):
    if name not in state["nodes"]:
        raise BootError("no node %s (have: %s)" % (name, ", ".join(state["nodes"])))
    return state["nodes"][name]


def cmd_signal(state_dir, name, sig):
    """kill (SIGKILL, waits until the node is gone), stop-node (SIGTERM,
    waits; 1 when SIGKILL was needed), pause (SIGSTOP), resume (SIGCONT)."""
    state = load(state_dir)
    n = node_of(state, name)
    if not alive(n["pid"]):
        raise BootError("%s is not running" % name)
    if sig == signal.SIGTERM:
        if not terminate(n["pid"]):
            say("%s ignored SIGTERM for 30 s and was killed; its log: %s/server.log"
                % (name, n["dir"]))
            return 1
    elif sig == signal.SIGKILL:
        signal_node(n["pid"], signal.SIGKILL)
        while alive(n["pid"]):
            time.sleep(0.05)
    else:
        signal_node(n["pid"], sig)
    return 0


def cmd_restart(state_dir, name):
    """Starts the node again on its data and ports; returns once it
    answers metadata with itself among the brokers."""
    state = load(state_dir)
    n = node_of(state, name)
    if alive(n["pid"]):
        raise BootError("%s is running (pid %d)" % (name, n["pid"]))
    n["pid"] = launch(state["lib"], n)
    save(state_dir, state)
    me = int(n["props"]["node.id"])
    deadline = time.time() + int(os.environ.get("COMPOSE_BOOT_TIMEOUT", "120"))
    while True:
        md = metadata(n["bootstrap"])
        if md and me in [b["id"] for b in md.get("brokers", [])]:
            break
        if not alive(n["pid"]):
            raise BootError("%s exited while restarting; its log: %s/server.log:\n%s"
                            % (name, n["dir"], tail(os.path.join(n["dir"], "server.log"))))
        if time.time() > deadline:
            raise BootError("%s did not register again within %ds; its log: %s/server.log"
                            % (name, int(os.environ.get("COMPOSE_BOOT_TIMEOUT", "120")), n["dir"]))
        time.sleep(0.5)
    print(n["bootstrap"])


def cmd_service(state_dir, node_id):
    state = load(state_dir)
    for name, n in state["nodes"].items():
        if n["props"].get("node.id") == node_id:
            print(name)
            return
    raise BootError("no node with node.id %s in %s" % (node_id, state_dir))


SIGNALS = {"kill": signal.SIGKILL, "stop-node": signal.SIGTERM,
           "pause": signal.SIGSTOP, "resume": signal.SIGCONT}


def main(argv):
    args = argv[1:]
    path = os.path.join(ROOT, "docker-compose.yml")
    profile = "default"
    project_dir = None
    rest = []
    i = 0
    while i < len(args):
        if args[i] == "-f" and i + 1 < len(args):
            path = args[i + 1]
            i += 2
        elif args[i] == "--project-directory" and i + 1 < len(args):
            project_dir = args[i + 1]
            i += 2
        elif args[i] == "--profile" and i + 1 < len(args):
            profile = args[i + 1]
            i += 2
        else:
            rest.append(args[i])
            i += 1
    if not rest:
        print(__doc__, file=sys.stderr)
        return 64
    cmd, rest = rest[0], rest[1:]
    try:
        if cmd == "config" and not rest:
            nodes, _ = plan(path, profile, "STATE", project_dir)
            for name, n in nodes.items():
                print("# %s (cluster id %s)" % (name, n["cluster_id"]))
                for k in sorted(n["original"]):
                    print("%s=%s" % (k, n["original"][k]))
        elif cmd == "start" and len(rest) == 1:
            cmd_start(path, profile, rest[0], project_dir)
        elif cmd == "stop" and len(rest) == 1:
            return cmd_stop(rest[0])
        elif cmd in SIGNALS and len(rest) == 2:
            return cmd_signal(rest[0], rest[1], SIGNALS[cmd])
        elif cmd == "restart-node" and len(rest) == 2:
            cmd_restart(rest[0], rest[1])
        elif cmd == "service" and len(rest) == 2:
            cmd_service(rest[0], rest[1])
        else:
            print(__doc__, file=sys.stderr)
            return 64
    except BootError as e:
        say(str(e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
