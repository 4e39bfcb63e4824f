#!/usr/bin/env python3
"""Stands in for systemd's side of sd_notify(3) in devbroker_consumer_notify.sh.

Binds a Unix datagram socket at SOCKET (what NOTIFY_SOCKET names) and
appends one line per datagram to OUT, flushed at once:

    <monotonic seconds> <assigned> <message, newlines as '|'>

where <assigned> is 1 when LOG (the daemon's stderr) already holds a
"partitions assigned" record at the moment the datagram arrives, so the
test can tell that READY=1 came after the consumer joined, not before.
Exits on SIGTERM or after 120 s.

Usage: notify_listener.py SOCKET OUT LOG
"""
import os
import signal
import socket
import sys
import time

sock_path, out_path, log_path = sys.argv[1:4]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
s.settimeout(0.5)
end = time.monotonic() + 120
with open(out_path, "a") as out:
    while time.monotonic() < end:
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        try:
            with open(log_path) as f:
                assigned = int("partitions assigned" in f.read())
        except OSError:
            assigned = 0
        msg = data.decode("utf-8", "replace").rstrip("\n").replace("\n", "|")
        out.write("%.3f %d %s\n" % (time.monotonic(), assigned, msg))
        out.flush()
os.unlink(sock_path)
