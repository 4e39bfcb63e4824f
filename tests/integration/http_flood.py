#!/usr/bin/env python3
"""Probe /livez while many idle connections are held open (issue 15).

Usage: http_flood.py PORT [IDLE] [PROBES]

Opens IDLE connections to 127.0.0.1:PORT that send nothing, then makes
PROBES sequential GET /livez requests on new connections, each timed from
connect to the end of the answer. Checks that the server accepted them (its
process_open_fds on /metrics) and that they were still open at the end (so the probes really met the flood), prints the
figures, and exits 1 unless at least 99% of the probes got a 200 within
100 ms. Loopback only; every step has a deadline, so it stops by itself.
"""
import resource
import selectors
import socket
import sys
import time

port = int(sys.argv[1])
idle_n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
probes = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
LIMIT_S = 0.100
TARGET = 0.99


def fail(msg):
    print("FAIL: http_flood: " + msg, file=sys.stderr)
    sys.exit(1)


soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
need = idle_n + 256
if soft < need:
    if hard != resource.RLIM_INFINITY and hard < need:
        fail("the open file limit (hard %d) is below %d" % (hard, need))
    resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))

# 1. The flood: non-blocking connects, all completed within 30 s.
sel = selectors.DefaultSelector()
idle = []
pending = 0
deadline = time.monotonic() + 30
for _ in range(idle_n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    err = s.connect_ex(("127.0.0.1", port))
    if err not in (0, 115):  # EINPROGRESS
        fail("connect: errno %d after %d connections" % (err, len(idle)))
    idle.append(s)
    sel.register(s, selectors.EVENT_WRITE)
    pending += 1
    # Drain completions as we go, so the listen backlog never overflows.
    for key, _ in sel.select(timeout=0):
        sel.unregister(key.fileobj)
        pending -= 1
while pending:
    if time.monotonic() > deadline:
        fail("%d of %d connections never completed" % (pending, idle_n))
    for key, _ in sel.select(timeout=1):
        sel.unregister(key.fileobj)
        pending -= 1
bad = sum(1 for s in idle if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
if bad:
    fail("%d idle connections failed" % bad)
flood_s = time.monotonic() - (deadline - 30)


def server_fds():
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        buf = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
    for line in buf.decode("utf-8", "replace").splitlines():
        if line.startswith("process_open_fds "):
            return int(float(line.split()[1]))
    fail("no process_open_fds in /metrics")


# The server has accepted the flood (not left it in the listen backlog)
# when its own open descriptors count it.
accept_deadline = time.monotonic() + 10
while server_fds() < idle_n:
    if time.monotonic() > accept_deadline:
        fail("the server holds %d descriptors, fewer than the %d idle connections"
             % (server_fds(), idle_n))
    time.sleep(0.1)

# 2. The probes.
req = b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
times = []
codes = {}
for _ in range(probes):
    t0 = time.monotonic()
    code = "timeout"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            s.sendall(req)
            buf = b""
            while True:
                d = s.recv(4096)
                if not d:
                    break
                buf += d
            code = buf[9:12].decode("ascii", "replace") if buf.startswith(b"HTTP/1.") else "garbled"
    except OSError as e:
        code = type(e).__name__
    dt = time.monotonic() - t0
    codes[code] = codes.get(code, 0) + 1
    times.append(dt if code == "200" else float("inf"))

# 3. Were the idle connections still held open? A closed one reads EOF.
still_open = 0
for s in idle:
    try:
        if s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b"":
            still_open += 1
    except BlockingIOError:
        still_open += 1
    except OSError:
        pass
    s.close()

times.sort()
ok = sum(1 for t in times if t <= LIMIT_S)
frac = ok / len(times)
finite = [t for t in times if t != float("inf")]
p = lambda q: finite[min(len(finite) - 1, int(q * len(finite)))] * 1000 if finite else float("nan")
print("http_flood: %d idle connections (opened in %.1f s, %d still open at the end); "
      "%d probes of /livez: %.2f%% answered 200 within %d ms; p50 %.2f ms, p99 %.2f ms, "
      "max %.2f ms; answers %s"
      % (idle_n, flood_s, still_open, probes, 100 * frac, LIMIT_S * 1000, p(0.5), p(0.99),
         finite[-1] * 1000 if finite else float("nan"), codes))
if still_open < idle_n * TARGET:
    fail("only %d of %d idle connections were still open: the probes did not meet the flood"
         % (still_open, idle_n))
if frac < TARGET:
    fail("%.2f%% of probes within %d ms, below %.0f%%" % (100 * frac, LIMIT_S * 1000, 100 * TARGET))
