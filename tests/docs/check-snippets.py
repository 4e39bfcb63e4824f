#!/usr/bin/env python3
"""Run every code snippet of the documentation (docs/development.md,
"Code snippets", defines the convention):

  ```sh           run in order, the document's snippets as one bash script
                  (set -e -o pipefail), in a work folder of the document
                  that links the source tree's folders (samples/,
                  schemas/, ...) and build/, against $EVENTS_BROKERS, with
                  the installed tools first on PATH; must exit 0.
  ```sh skip=WHY  not run (Docker, the test command itself, ...); the
                  reason is required and printed.
  ```c [FILE.c]   written to FILE.c (or snippet-N.c); a file with a main()
                  is compiled against the installed libevents with
                  warnings as errors and run under valgrind (no error, no
                  definite or indirect leak); one without is compiled only
                  (a plugin: -shared -fPIC).
  ```json         parsed: one document, or one per line (NDJSON).
  ```text, ```console, ```cmake, ```http   not run.

In a man page's scdoc source every ``` literal block is a sh snippet.

Usage: check-snippets.py SOURCE_DIR PREFIX WORK_DIR FILE...
"""
import json
import os
import re
import shlex
import subprocess
import sys

SOURCE, PREFIX, WORK = sys.argv[1:4]
FILES = sys.argv[4:]
NOT_RUN = {"text", "console", "cmake", "http"}
TIMEOUT = 180

FENCE = re.compile(r"^(\s*)```(.*)$")


def blocks(path):
    """(line, lang, info, body) for each fenced block of @path."""
    scd = path.endswith(".scd")
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, info = m.group(1), m.group(2).strip()
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            line = lines[i]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            i += 1
        if i >= len(lines):
            raise SystemExit(f"{path}:{start}: a fence that never closes")
        i += 1
        words = info.split(None, 1)
        lang = words[0] if words else ""
        rest = words[1] if len(words) > 1 else ""
        if scd and not lang:
            lang = "sh"
        yield start, lang, rest, "\n".join(body) + "\n"


def run(cmd, cwd, env, what, stdin=subprocess.DEVNULL):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdin=stdin, timeout=TIMEOUT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0:
        raise RuntimeError(f"{what}: exit status {p.returncode}\n{out[-3000:]}")
    return out


def workdir(doc):
    name = os.path.relpath(doc, SOURCE).replace("/", "_")
    d = os.path.join(WORK, name)
    os.makedirs(d, exist_ok=True)
    # The folders the examples name, as seen from the root of the tree.
    for sub in ("samples", "schemas", "examples", "scripts", "bench", "tests", "man", "docs"):
        link = os.path.join(d, sub)
        if not os.path.lexists(link):
            os.symlink(os.path.join(SOURCE, sub), link)
    if not os.path.lexists(os.path.join(d, "build")):
        os.symlink(os.environ["EVENTS_BUILD_DIR"], os.path.join(d, "build"))
    return d


def pkg_flags(env):
    out = subprocess.run(["pkg-config", "--cflags", "--libs", "events"], env=env,
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    return shlex.split(out)


def check_c(where, info, body, cwd, env, n):
    names = [w for w in info.split() if w.endswith(".c")]
    name = names[0] if names else f"snippet-{n}.c"
    src = os.path.join(cwd, name)
    with open(src, "w", encoding="utf-8") as f:
        f.write(body)
    flags = ["-Wall", "-Wextra", "-Werror", "-g"]
    libdir = os.environ.get("EVENTS_DOCS_LIBDIR", os.path.join(PREFIX, "lib"))
    if re.search(r"\bmain\s*\(", body):
        exe = os.path.join(cwd, name[:-2])
        run(["cc", *flags, "-o", exe, src, *pkg_flags(env), f"-Wl,-rpath,{libdir}"],
            cwd, env, f"{where}: compile")
        run(["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=definite,indirect",
             "--error-exitcode=99", exe], cwd, env, f"{where}: run under valgrind")
        return "run"
    run(["cc", *flags, "-shared", "-fPIC", "-o", os.path.join(cwd, name[:-2] + ".so"), src,
         *pkg_flags(env)], cwd, env, f"{where}: compile")
    return "compiled"


def check_json(where, body):
    try:
        json.loads(body)
    except ValueError:
        for k, line in enumerate(body.split("\n")):
            if line.strip():
                try:
                    json.loads(line)
                except ValueError as e:
                    raise RuntimeError(f"{where}+{k + 1}: not JSON: {e}")
    return "parsed"


def check_yaml(where, body):
    try:
        import yaml
        yaml.safe_load(body)
    except ImportError:
        raise RuntimeError(f"{where}: python3-yaml is needed to parse YAML snippets")
    except yaml.YAMLError as e:
        raise RuntimeError(f"{where}: not YAML: {e}")
    return "parsed"


def check_python(where, body):
    try:
        compile(body, where, "exec")
    except SyntaxError as e:
        raise RuntimeError(f"{where}+{e.lineno}: not Python: {e.msg}")
    return "parsed"


def run_shell(doc_rel, parts, cwd, env):
    """Run a document's sh snippets in order, as one bash script, so that a
    variable or a background job of one snippet is there in the next, as
    for a reader typing them into one shell. Everything it leaves running
    is killed with its process group."""
    script = ["set -e -o pipefail"]
    for where, body in parts:
        script.append(f"echo '@@ {where}' >&2")
        script.append(body)
    p = subprocess.Popen(["bash", "-c", "\n".join(script)], cwd=cwd, env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=TIMEOUT * 2)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        out, _ = p.communicate()
        p.returncode = "timeout"
    finally:
        try:
            os.killpg(p.pid, 15)
        except ProcessLookupError:
            pass
    out = out.decode("utf-8", "replace")
    if p.returncode != 0:
        last = re.findall(r"^@@ (.*)$", out, re.M)
        raise RuntimeError(f"{last[-1] if last else doc_rel}: the snippet failed "
                           f"(exit status {p.returncode}); its output:\n{out[-3000:]}")


def main():
    env = dict(os.environ)
    counts = {"run": 0, "compiled": 0, "parsed": 0, "not run": 0, "skipped": 0}
    skipped, failures = [], []
    for doc in FILES:
        cwd = workdir(doc)
        rel = os.path.relpath(doc, SOURCE)
        shell = []
        try:
            found = list(blocks(doc))
        except SystemExit as e:
            failures.append(str(e))
            continue
        for n, (line, lang, info, body) in enumerate(found):
            where = f"{rel}:{line}"
            try:
                if lang == "sh":
                    m = re.match(r"skip=(.+)", info)
                    if m:
                        skipped.append(f"{where}: {m.group(1)}")
                        counts["skipped"] += 1
                        continue
                    if info:
                        raise RuntimeError(f"{where}: unknown sh info '{info}' (only skip=WHY)")
                    shell.append((where, body))
                elif lang == "c":
                    counts[check_c(where, info, body, cwd, env, n)] += 1
                elif lang == "json":
                    counts[check_json(where, body)] += 1
                elif lang == "yaml":
                    counts[check_yaml(where, body)] += 1
                elif lang == "python":
                    counts[check_python(where, body)] += 1
                elif lang in NOT_RUN:
                    counts["not run"] += 1
                else:
                    raise RuntimeError(f"{where}: fence language '{lang}' has no rule "
                                       "(sh, c, json, yaml, python, or text/console/cmake/http)")
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                failures.append(str(e))
                print(f"FAIL {e}", file=sys.stderr)
        if shell:
            try:
                run_shell(rel, shell, cwd, env)
                counts["run"] += len(shell)
            except RuntimeError as e:
                failures.append(str(e))
                print(f"FAIL {e}", file=sys.stderr)
        print(f"{rel}: {len(found)} snippets")
    for s in skipped:
        print(f"skipped {s}")
    print("snippets: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    if counts["run"] == 0:
        failures.append("no snippet ran at all")
    if failures:
        print(f"{len(failures)} snippet(s) failed", file=sys.stderr)
        return 1
    return 0


sys.exit(main())
