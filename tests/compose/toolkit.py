#!/usr/bin/env python3
"""Runs the toolkit's own compose services (profile "toolkit") against a
booted default node (boot.py start DIR), as `docker compose --profile
toolkit up` would, but from the build tree:
  - the consumer service's command line, with its environment
    (EVENTS_BROKERS) and the files its volumes mount: the image's paths
    become the build's (events-consumer -> BUILD/consumer/events-consumer,
    a bind mount's target -> its source, a named volume -> a temporary
    folder, the image's WORKDIR -> the events-data volume's folder), the
    broker's service address -> the booted node's, the published HTTP port
    -> a free one;
  - the producer service's one-shot send of samples/ (its command line,
    status 0), started as its depends_on says (a healthy consumer, or a
    started one);
  - the consumer's healthcheck URL (GET /health on the port the check
    asks) must answer 200;
  - the consumer then handles every sample (the user.* events reach its
    file handler, every event its log handlers) and stops with status 0 on
    SIGTERM.
Every substitution is printed.
Usage: toolkit.py BOOT_STATE_DIR BUILD_DIR
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def say(msg):
    print("toolkit: " + msg, file=sys.stderr, flush=True)


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def image_workdir():
    workdir = "/"
    for line in open(os.path.join(ROOT, "Dockerfile")):
        m = re.match(r"\s*WORKDIR\s+(\S+)", line)
        if m:
            workdir = m.group(1)
    return workdir


class Substitutions:
    def __init__(self, build, internal, volumes_root):
        self.build = build
        self.internal = internal
        self.volumes_root = volumes_root
        self.mounts = {}

    def mount(self, spec):
        parts = spec.split(":")
        source, target = parts[0], parts[1]
        if not source.startswith("/"):
            source = os.path.join(self.volumes_root, source)
            os.makedirs(source, exist_ok=True)
        self.mounts[target] = source
        say("volume %s -> %s" % (spec, source))

    def path(self, arg):
        for target, source in sorted(self.mounts.items(), key=lambda kv: -len(kv[0])):
            if arg == target or arg.startswith(target + "/"):
                new = source + arg[len(target):]
                say("argument %s -> %s" % (arg, new))
                return new
        return arg

    def program(self, name):
        sub = {"events-consumer": "consumer/events-consumer",
               "events-producer": "producer/events-producer"}
        if name not in sub:
            fail("unknown program %r in the compose command" % name)
        new = os.path.join(self.build, sub[name])
        say("program %s -> %s" % (name, new))
        return new

    def brokers(self, value):
        out = []
        for addr in value.split(","):
            if addr not in self.internal:
                fail("EVENTS_BROKERS names %s, which no booted node listens "
                     "on (have %s)" % (addr, ", ".join(sorted(self.internal))))
            out.append(self.internal[addr])
        new = ",".join(out)
        say("EVENTS_BROKERS=%s -> %s" % (value, new))
        return new


def service_env(svc, subs):
    env = dict(os.environ)
    env.pop("EVENTS_BROKERS", None)
    for k, v in (svc.get("environment") or {}).items():
        env[k] = subs.brokers(str(v)) if k == "EVENTS_BROKERS" else str(v)
    return env


def health_url(svc, ports):
    """The URL the consumer's healthcheck asks, on the moved port."""
    test = " ".join(svc["healthcheck"]["test"])
    m = re.search(r"/dev/tcp/127\.0\.0\.1/(\d+)", test)
    p = re.search(r"GET (/\S*) HTTP", test)
    if not (m and p and "' 200 '" in test):
        fail("the consumer's healthcheck is not a GET on /dev/tcp/127.0.0.1/PORT "
             "expecting 200: %s" % test)
    port = int(m.group(1))
    if port not in ports:
        fail("the healthcheck asks port %d, which the service does not publish" % port)
    return "http://127.0.0.1:%d%s" % (ports[port], p.group(1))


def get_status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return None


def wait_healthy(url, proc, logname, when, timeout=60):
    deadline = time.time() + timeout
    while get_status(url) != 200:
        if proc.poll() is not None:
            fail("%s, the consumer exited with status %d; its log:\n%s"
                 % (when, proc.returncode, open(logname).read()[-3000:]))
        if time.time() > deadline:
            fail("%s, the consumer's healthcheck %s never answered 200 within "
                 "%ds (last: %s); its log:\n%s" % (when, url, timeout, get_status(url),
                                                  open(logname).read()[-3000:]))
        time.sleep(0.5)
    say("healthcheck %s: 200 %s" % (url, when))


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 64
    state = json.load(open(os.path.join(argv[1], "state.json")))
    build = os.path.abspath(argv[2])
    cmd = ["docker-compose", "-f", state["file"], "--profile", "toolkit", "config"]
    if state.get("project_dir"):
        cmd[3:3] = ["--project-directory", state["project_dir"]]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0 or p.stderr.strip():
        fail("docker-compose --profile toolkit config: " + p.stderr)
    services = yaml.safe_load(p.stdout)["services"]
    consumer, producer = services["consumer"], services["producer"]
    work = tempfile.mkdtemp(prefix="compose-toolkit-")
    consumer_proc = None
    try:
        subs = Substitutions(build, state["internal"], work)
        for v in consumer.get("volumes") or []:
            subs.mount(v if isinstance(v, str) else "%s:%s" % (v["source"], v["target"]))
        workdir = subs.path(image_workdir())
        say("working directory (the image's WORKDIR) -> %s" % workdir)
        ports = {}
        for pspec in consumer.get("ports") or []:
            target = int(pspec["target"] if isinstance(pspec, dict) else str(pspec).split(":")[-1])
            ports[target] = free_port()
            say("published port %d -> 127.0.0.1:%d" % (target, ports[target]))
        argv_c = list(consumer["command"])
        argv_c[0] = subs.program(argv_c[0])
        for i, a in enumerate(argv_c[1:], 1):
            if argv_c[i - 1] == "--http":
                m = re.fullmatch(r"[^:]*:(\d+)", a)
                if not m or int(m.group(1)) not in ports:
                    fail("--http %s: not a published port" % a)
                argv_c[i] = "127.0.0.1:%d" % ports[int(m.group(1))]
                say("--http %s -> %s" % (a, argv_c[i]))
            else:
                argv_c[i] = subs.path(a)
        url = health_url(consumer, ports)
        say("healthcheck URL: %s" % url)
        log = open(os.path.join(work, "consumer.log"), "w")
        consumer_proc = subprocess.Popen(argv_c, cwd=workdir, env=service_env(consumer, subs),
                                         stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        # The producer starts as its depends_on says: once the consumer
        # runs (service_started), or once its healthcheck passes
        # (service_healthy; failing here when it never does, as compose
        # would wait forever).
        cond = ((producer.get("depends_on") or {}).get("consumer") or {}).get("condition")
        if cond == "service_healthy":
            wait_healthy(url, consumer_proc, log.name, "before the producer starts "
                         "(the producer depends on a healthy consumer)")
        else:
            deadline = time.time() + 30
            while get_status(url) is None:
                if consumer_proc.poll() is not None or time.time() > deadline:
                    fail("the consumer did not start serving %s; its log:\n%s"
                         % (url, open(log.name).read()[-3000:]))
                time.sleep(0.2)
            say("consumer started (depends_on condition %s); %s answers %s"
                % (cond, url, get_status(url)))

        # The producer's volumes, then its one-shot command.
        psubs = Substitutions(build, state["internal"], work)
        for v in producer.get("volumes") or []:
            psubs.mount(v if isinstance(v, str) else "%s:%s" % (v["source"], v["target"]))
        argv_p = [psubs.program(producer["command"][0])] + \
            [psubs.path(a) for a in producer["command"][1:]]
        r = subprocess.run(argv_p, cwd=subs.path(image_workdir()),
                           env=service_env(producer, psubs), capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            fail("the producer's one-shot send exited %d: %s" % (r.returncode, r.stderr[-2000:]))
        say("producer: %s: status 0" % " ".join(argv_p))

        samples = [a for a in argv_p if a.endswith(".ndjson")]
        events = [json.loads(l) for s in samples for l in open(s) if l.strip()]
        users = sum(1 for e in events if str(e.get("event_type", "")).startswith("user."))
        if not events or not users:
            fail("the producer sent no user.* sample: nothing to check")
        out = os.path.join(workdir, "users.ndjson")
        deadline = time.time() + 60
        n = 0
        while time.time() < deadline:
            try:
                n = sum(1 for _ in open(out))
            except OSError:
                n = 0
            if n >= users:
                break
            time.sleep(0.5)
        if n != users:
            fail("%s holds %d lines, not the %d user.* samples; consumer log:\n%s"
                 % (out, n, users, open(log.name).read()[-3000:]))
        say("the consumer's file handler wrote the %d user.* events of %d samples" % (n, len(events)))
        wait_healthy(url, consumer_proc, log.name, "after the samples")
        consumer_proc.send_signal(signal.SIGTERM)
        rc = consumer_proc.wait(timeout=60)
        consumer_proc = None
        if rc != 0:
            fail("the consumer exited %d on SIGTERM" % rc)
        print("ok: the toolkit services ran against the booted default node")
        return 0
    finally:
        if consumer_proc is not None:
            consumer_proc.kill()
            consumer_proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
