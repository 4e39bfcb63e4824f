#!/usr/bin/env python3
"""Negative tests of the compose boot: a deliberately broken copy of
docker-compose.yml (one text edit, still a valid compose file that
`docker-compose config` accepts) must fail `boot.py start`, for the
reason the case names. What a user would hit at `docker compose up`.

Usage: broken.py CASE COMPOSE_FILE
Cases:
  missing      the default node without KAFKA_CONTROLLER_LISTENER_NAMES
  misspelt     KAFKA_OFFSETS_TOPIC_REPLICATON_FACTOR (typo): Kafka
               ignores the unknown name and keeps its default, 3
               replicas, which one node cannot meet
  replication  the default node with default.replication.factor 3
  quorum       the default node's quorum names a second voter that no
               service runs
  deadlock     the producer service waits for a healthy consumer, which is
               healthy only once the producer has created its topic: the
               boot passes, running the toolkit services (toolkit.py) fails

Usage: broken.py CASE COMPOSE_FILE BUILD_DIR   (for deadlock)
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

CASES = {
    # (old text, new text, what the failure must say)
    "missing": ('      KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER"\n'
                '      KAFKA_INTER_BROKER_LISTENER_NAME: "PLAINTEXT"\n'
                '      KAFKA_LOG_DIRS: "/var/lib/kafka/data"\n'
                '      # One node',
                '      KAFKA_INTER_BROKER_LISTENER_NAME: "PLAINTEXT"\n'
                '      KAFKA_LOG_DIRS: "/var/lib/kafka/data"\n'
                '      # One node',
                "controller.listener.names"),
    "misspelt": ('      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1"\n',
                 '      KAFKA_OFFSETS_TOPIC_REPLICATON_FACTOR: "1"\n',
                 "offsets topic replication factor"),
    "replication": ('      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0"\n'
                    '      KAFKA_NUM_PARTITIONS: "3"\n'
                    '      KAFKA_AUTO_CREATE_TOPICS_ENABLE: "true"\n'
                    '    volumes:\n      - kafka-data:',
                    '      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0"\n'
                    '      KAFKA_NUM_PARTITIONS: "3"\n'
                    '      KAFKA_AUTO_CREATE_TOPICS_ENABLE: "true"\n'
                    '      KAFKA_DEFAULT_REPLICATION_FACTOR: "3"\n'
                    '    volumes:\n      - kafka-data:',
                    "replication factor"),
    "deadlock": ('      consumer:\n        condition: service_started\n',
                 '      consumer:\n        condition: service_healthy\n',
                 "never answered 200 within"),
    "quorum": ('KAFKA_CONTROLLER_QUORUM_VOTERS: "1@kafka:9093"',
               'KAFKA_CONTROLLER_QUORUM_VOTERS: "1@kafka:9093,2@kafka:9094"',
               "quorum that cannot form"),
}


def toolkit_case(path, tmp, build, reason):
    """The boot must pass; the toolkit services must then fail."""
    boot = [sys.executable, os.path.join(HERE, "boot.py")]
    state = os.path.join(tmp, "state")
    # Bind mounts (./packaging/..., ./samples) from the project, not the copy.
    p = subprocess.run(boot + ["-f", path, "--project-directory", ROOT, "start", state],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        print("FAIL: deadlock: the boot itself failed")
        return 1
    try:
        p = subprocess.run([sys.executable, os.path.join(HERE, "toolkit.py"), state, build],
                           capture_output=True, text=True)
    finally:
        subprocess.run(boot + ["stop", state])
    sys.stderr.write(p.stderr)
    if p.returncode == 0:
        print("FAIL: deadlock: the toolkit services ran")
        return 1
    if reason not in p.stderr:
        print("FAIL: deadlock: toolkit.py failed, but not saying %r" % reason)
        return 1
    print("ok: deadlock: toolkit.py failed saying %r" % reason)
    return 0


def main(argv):
    if len(argv) not in (3, 4) or argv[1] not in CASES or \
            (argv[1] == "deadlock") != (len(argv) == 4):
        print(__doc__, file=sys.stderr)
        return 64
    old, new, reason = CASES[argv[1]]
    text = open(argv[2]).read()
    if text.count(old) != 1:
        print("broken.py: the text to break (%r) is not once in %s; update "
              "the case" % (old, argv[2]), file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="compose-broken-") as tmp:
        path = os.path.join(tmp, "docker-compose.yml")
        with open(path, "w") as f:
            f.write(text.replace(old, new))
        if argv[1] == "deadlock":
            return toolkit_case(path, tmp, os.path.abspath(argv[3]), reason)
        env = dict(os.environ)
        # Shorter waits: these boots are meant to fail, and the machine is
        # shared. A slow machine can only make them fail later, not pass.
        env.setdefault("COMPOSE_BOOT_TIMEOUT", "30")
        env.setdefault("COMPOSE_CHECK_TIMEOUT", "30")
        p = subprocess.run([sys.executable, os.path.join(HERE, "boot.py"),
                            "-f", path, "start", os.path.join(tmp, "state")],
                           capture_output=True, text=True, env=env)
        sys.stderr.write(p.stderr)
        if p.returncode == 0:
            subprocess.run([sys.executable, os.path.join(HERE, "boot.py"),
                            "stop", os.path.join(tmp, "state")])
            print("FAIL: %s: the broken file booted" % argv[1])
            return 1
        if "docker-compose" in p.stderr and "failed (status" in p.stderr:
            print("FAIL: %s: the compose tool refused the copy, the boot "
                  "was never tried" % argv[1])
            return 1
        if reason not in p.stderr:
            print("FAIL: %s: the boot failed, but not saying %r" % (argv[1], reason))
            return 1
    print("ok: %s: the boot failed saying %r" % (argv[1], reason))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
