#!/usr/bin/env python3
"""Checks the Dockerfile without Docker (none runs here).

What `docker build` would otherwise be the first to notice, and what the
image promises (docs/packaging.md):
  - multi-stage: a named build stage, then a final stage, every one FROM
    debian:bookworm-slim (Debian 12, the release the toolkit targets);
  - the final stage takes the build stage's output (COPY --from=NAME) and
    installs no compiler;
  - it runs as a non-root user (a USER that is not root or 0, after the
    last RUN, which runs as root), and EXPOSEs the consumer's --http port
    of docker-compose.yml;
  - every script the build runs (scripts/*.sh) exists, is executable, and
    is run by the CI command too (.ci/run -> scripts/test.sh), so CI
    exercises the image's build steps; `deps.sh MODE` must name a mode
    deps.sh knows (CI's mode, test, installs a superset of each);
  - .dockerignore keeps build folders and .git out of the context.

Usage: check_dockerfile.py SOURCE_DIR
"""
import os
import re
import shlex
import sys

import yaml

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def instructions(text):
    """[(INSTRUCTION, argument text)], continuation lines joined."""
    out, cur = [], ""
    for line in text.splitlines():
        s = line.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        if s.startswith("#"):
            continue  # a comment inside a continued instruction
        cur += " " + s[:-1] if s.endswith("\\") else " " + s
        if not s.endswith("\\"):
            word, _, rest = cur.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
            cur = ""
    return out


def main():
    src = sys.argv[1]
    path = os.path.join(src, "Dockerfile")
    with open(path) as f:
        ins = instructions(f.read())
    stages = []  # [name or None, [(instr, arg)]]
    for word, arg in ins:
        if word == "FROM":
            m = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", arg, re.I)
            check(m is not None, "bad FROM %r" % arg)
            image = m.group(1) if m else arg
            check(image == "debian:bookworm-slim", "FROM %s: every stage must be debian:bookworm-slim" % image)
            stages.append([m.group(2) if m else None, []])
        elif check(stages, "%s before the first FROM" % word):
            stages[-1][1].append((word, arg))
    if not check(len(stages) >= 2, "%d stage(s): the image must be multi-stage" % len(stages)):
        return report(path)
    names = [s[0] for s in stages[:-1]]
    check(all(names), "every stage but the last must be named (FROM ... AS NAME)")
    final = stages[-1][1]
    froms = [re.search(r"--from=(\S+)", a).group(1) for w, a in final if w == "COPY" and "--from=" in a]
    check(any(f in names for f in froms), "the final stage copies nothing from a build stage (COPY --from=NAME)")
    for w, a in final:
        if w == "RUN":
            check(not re.search(r"\b(build-essential|gcc|cmake|-dev)\b", a),
                  "the final stage installs build tools: %s" % a)

    users = [(i, a) for i, (w, a) in enumerate(final) if w == "USER"]
    runs = [i for i, (w, _) in enumerate(final) if w == "RUN"]
    if check(users, "the final stage sets no USER: the tools would run as root"):
        i, user = users[-1]
        name = user.split(":")[0]
        check(name not in ("root", "0"), "the final USER is %s" % user)
        check(not runs or i > max(runs), "USER must come after the last RUN")
        if name.isdigit():
            check(any(w == "RUN" and "--uid %s" % name in a for w, a in final),
                  "USER %s: no RUN creates that uid" % name)

    with open(os.path.join(src, "docker-compose.yml")) as f:
        compose = yaml.safe_load(f)
    cmd = compose.get("services", {}).get("consumer", {}).get("command") or []
    http = next((cmd[i + 1] for i in range(len(cmd) - 1) if cmd[i] == "--http"), "")
    exposed = [a.split("/")[0] for w, a in final if w == "EXPOSE"]
    check(http.rpartition(":")[2] in " ".join(exposed).split(),
          "EXPOSE %s does not include the consumer's --http port (%s in docker-compose.yml)" % (exposed, http))

    # The scripts the build runs, and CI's command.
    with open(os.path.join(src, "scripts", "test.sh")) as f:
        ci = "".join(l for l in f if not l.lstrip().startswith("#"))
    with open(os.path.join(src, ".ci", "run")) as f:
        check("scripts/test.sh" in f.read(), ".ci/run does not run scripts/test.sh")
    called = 0
    for stage in stages[:-1]:
        for w, a in stage[1]:
            if w != "RUN":
                continue
            for part in re.split(r"&&|;|\|\|", a):
                words = shlex.split(part)
                if not words or not words[0].startswith("scripts/"):
                    continue
                called += 1
                script = os.path.join(src, words[0])
                if not check(os.path.isfile(script) and os.access(script, os.X_OK),
                             "RUN %s: not an executable file" % words[0]):
                    continue
                base = os.path.basename(words[0])
                check(re.search(r"(\$root/|\./)?scripts/%s\b" % re.escape(base), ci) is not None,
                      "RUN %s: CI (scripts/test.sh) does not run %s" % (words[0], base))
                if base == "deps.sh" and len(words) > 1:
                    with open(script) as f:
                        text = f.read()
                    check(re.search(r'"\$what" = %s\b' % re.escape(words[1]), text) is not None,
                          "RUN scripts/deps.sh %s: deps.sh knows no such mode" % words[1])
    check(called >= 2, "the build stage runs %d of the project's scripts; expected deps.sh and the build" % called)

    try:
        with open(os.path.join(src, ".dockerignore")) as f:
            ignored = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        check(".git" in ignored, ".dockerignore does not exclude .git")
        check(any(i.startswith("build") for i in ignored), ".dockerignore does not exclude the build folders")
    except OSError:
        failures.append("no .dockerignore: the build context would hold build folders and .git")
    return report(path, len(stages))


def report(path, n=0):
    if failures:
        for msg in failures:
            print("FAIL: %s: %s" % (path, msg))
        return 1
    print("ok: %s: %d stages, non-root, build steps run by CI" % (path, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
