#!/usr/bin/env python3
"""bench/producer/gen_mixed.py - a mixed, realistic workload for the producer.

    gen_mixed.py [-n N] [--seed S] [--type TYPE] [--users U] [--keyed]

Writes N NDJSON envelopes (default 20,000) to stdout, the same bytes for the
same arguments (a fixed seed, default 17):

- all seven shipped event types in the proportions of a user service: many
  logins and logouts, fewer updates, few sign-ups, verifications, password
  changes and deletions (--type keeps one type only);
- emails, IPv4 and IPv6 addresses, UUIDs and URIs (referrers);
- a share of users created by an administrator (signup_source "admin" and
  created_by), which triggers the if/then of examples/schemas-strict/'s
  user.created, and deletions and password changes by an administrator;
- U distinct users (default 100,000), drawn at random;
- optional fields present or not, in the order applications write them,
  some lines with a timestamp (with and without a zone) and some without;
  no two consecutive lines have the same layout (the same keys in the same
  order with the same event type).

Every event is valid against schemas/ and against
examples/schemas-strict/, so that both sets can be measured on it.
"""
import argparse
import json
import random
import sys

TYPES = [  # (event type, share in percent)
    ("user.login", 38),
    ("user.logout", 26),
    ("user.updated", 14),
    ("user.created", 8),
    ("user.email_verified", 6),
    ("user.password_changed", 5),
    ("user.deleted", 3),
]

FIRST = ["Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara",
         "Dennis", "Frances", "Edsger", "Radia", "Niklaus", "Zoë", "José",
         "Søren", "Chloé", "Łukasz", "Ana María", "Mei", "Yuki"]
LAST = ["Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson",
        "Liskov", "Ritchie", "Allen", "Dijkstra", "Perlman", "Wirth",
        "Müller", "García", "Kierkegaard", "Dubois", "Nowak", "López",
        "Chen", "Tanaka"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "corp.example",
           "example.co.uk", "students.example.edu"]
PLANS = ["free", "pro", "team", "enterprise"]
LOCALES = ["en", "en-GB", "en-US", "fr", "de-DE", "es-ES", "ja", "pt-BR"]
COUNTRIES = ["US", "GB", "FR", "DE", "ES", "JP", "BR", "IN", "CA", "NL"]
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/119.0.0.0 Safari/537.36",
    "okhttp/4.12.0",
    "MyApp/3.4.1 (iPhone; iOS 17.1; Scale/3.00)",
]
REFERRERS = ["https://www.example.com/pricing", "https://news.example.org/",
             "https://www.example.com/blog/2026/launch?utm_source=mail",
             "https://search.example.net/search?q=events+toolkit",
             "android-app://com.example.app/"]


class Gen:
    def __init__(self, seed, users):
        self.r = random.Random(seed)
        self.users = users
        self.t = 1795000000.0  # 2026-11-18

    def uid(self):
        return 100000 + self.r.randrange(self.users)

    def admin(self):
        return 1 + self.r.randrange(50)

    def name(self, uid):
        return f"{FIRST[uid % len(FIRST)]} {LAST[(uid // 7) % len(LAST)]}"

    def email(self, uid):
        first = FIRST[uid % len(FIRST)].split()[0].lower()
        first = first.encode("ascii", "ignore").decode() or "user"
        return f"{first}.{uid}@{DOMAINS[uid % len(DOMAINS)]}"

    def ip(self):
        r = self.r
        if r.random() < 0.3:
            return "2001:db8:%x:%x::%x" % (r.randrange(65536),
                                          r.randrange(65536),
                                          r.randrange(1, 65536))
        return "%d.%d.%d.%d" % (r.choice([198, 203, 192, 10, 172]),
                                r.randrange(256), r.randrange(256),
                                r.randrange(1, 255))

    def uuid(self):
        b = self.r.getrandbits(128)
        h = "%032x" % b
        h = h[:12] + "4" + h[13:16] + "89ab"[b & 3] + h[17:]
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def maybe(self, p):
        return self.r.random() < p

    def data(self, etype):
        r, u = self.r, self.uid()
        d = {"user_id": u}
        if etype == "user.login":
            if self.maybe(0.5):
                d["session_id"] = self.uuid()
            d["ip"] = self.ip()
            if self.maybe(0.8):
                d["user_agent"] = r.choice(AGENTS)
            d["method"] = r.choice(["password", "password", "sso", "oauth",
                                    "magic_link", "passkey"])
            if self.maybe(0.4):
                d["mfa"] = self.maybe(0.5)
            if self.maybe(0.6):
                d["country"] = r.choice(COUNTRIES)
            if self.maybe(0.1):
                d["x_experiment"] = r.choice(["a", "b", "control"])
        elif etype == "user.logout":
            if self.maybe(0.7):
                d["session_id"] = self.uuid()
            if self.maybe(0.6):
                d["reason"] = r.choice(["user", "timeout", "admin",
                                        "password_changed"])
            if self.maybe(0.5):
                d["session_seconds"] = r.randrange(5, 86400)
        elif etype == "user.updated":
            ch = {}
            for k in r.sample(["name", "plan", "locale", "marketing_opt_in"],
                              r.randrange(1, 4)):
                ch[k] = {"name": self.name(u + r.randrange(3)),
                         "plan": r.choice(PLANS),
                         "locale": r.choice(LOCALES),
                         "marketing_opt_in": self.maybe(0.5)}[k]
            d["changes"] = ch
            if self.maybe(0.2):
                d["updated_by"] = self.admin()
        elif etype == "user.created":
            d["email"] = self.email(u)
            if self.maybe(0.8):
                d["name"] = self.name(u)
            d["plan"] = r.choice(PLANS)
            if self.maybe(0.6):
                d["locale"] = r.choice(LOCALES)
            src = r.choice(["web", "web", "ios", "android", "api", "import",
                            "admin", "admin"])
            d["signup_source"] = src
            if src == "web" and self.maybe(0.5):
                d["referrer"] = r.choice(REFERRERS)
            if self.maybe(0.5):
                d["marketing_opt_in"] = self.maybe(0.3)
            if src == "admin":
                d["created_by"] = self.admin()
        elif etype == "user.email_verified":
            d["email"] = self.email(u + 1)
            if self.maybe(0.3):
                d["previous_email"] = self.email(u)
            if self.maybe(0.7):
                d["method"] = r.choice(["link", "code"])
        elif etype == "user.password_changed":
            d["reason"] = r.choice(["user_request", "reset", "expired",
                                    "admin", "breach"])
            if self.maybe(0.7):
                d["ip"] = self.ip()
            if d["reason"] == "admin":
                d["changed_by"] = self.admin()
            if self.maybe(0.5):
                d["sessions_revoked"] = r.randrange(0, 6)
        elif etype == "user.deleted":
            d["reason"] = r.choice(["user_request", "admin", "fraud",
                                    "inactivity", "gdpr_erasure"])
            if self.maybe(0.6):
                d["hard_delete"] = self.maybe(0.5)
            if d["reason"] in ("admin", "fraud"):
                d["deleted_by"] = self.admin()
            if self.maybe(0.2):
                d["comment"] = "requested by support ticket #%d" % r.randrange(
                    10000, 99999)
        return d

    def stamp(self, ev):
        self.t += self.r.random() * 0.01
        kind = self.r.random()
        if kind < 0.4:
            return  # the producer stamps it
        us = int(self.t * 1e6)
        sec, frac = divmod(us, 1000000)
        import time
        base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        if kind < 0.8:
            ev["timestamp"] = "%s.%06dZ" % (base, frac)
        else:  # Python's datetime.utcnow().isoformat(): no zone
            ev["timestamp"] = "%s.%06d" % (base, frac)


def layout(line):
    """The keys in order and the event type: what makes a line's layout."""
    def keys(v):
        if isinstance(v, dict):
            return tuple((k, keys(x)) for k, x in v.items())
        return type(v).__name__
    ev = json.loads(line)
    return (ev["event_type"], keys(ev))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--type", choices=[t for t, _ in TYPES])
    ap.add_argument("--users", type=int, default=100000)
    ap.add_argument("--keyed", action="store_true",
                    help="write KEY<TAB>LINE (the user id), for kcat -K")
    a = ap.parse_args()
    g = Gen(a.seed, a.users)
    types = [t for t, _ in TYPES]
    weights = [w for _, w in TYPES]
    out = sys.stdout
    prev = None
    for _ in range(a.n):
        for _attempt in range(100):
            etype = a.type or g.r.choices(types, weights)[0]
            ev = {"event_type": etype, "data": g.data(etype)}
            g.stamp(ev)
            if g.maybe(0.3):  # some senders put the type last
                ev = {"data": ev["data"], **{k: v for k, v in ev.items()
                                             if k != "data"}}
            line = json.dumps(ev, ensure_ascii=False, separators=(",", ":"))
            lay = layout(line)
            if lay != prev:
                break
        else:
            sys.exit("gen_mixed.py: no new layout after 100 tries")
        prev = lay
        if a.keyed:
            out.write("%d\t" % ev["data"]["user_id"])
        out.write(line + "\n")


if __name__ == "__main__":
    main()
