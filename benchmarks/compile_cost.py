#!/usr/bin/python3
"""Compile cost of offloadkit's public headers, each beside the dependencies it needs, in one run.

For every public header H (backends excluded: they have their own dependencies) this script finds
the outside headers H pulls in (every `#include <...>` reached through offloadkit's own quoted
includes), writes two translation units -- `#include <H>` and the list of those outside headers --
and compiles both with `-fsyntax-only`, alternating, `--repeats` times. The figure is the CPU time
(user + system of the compiler, from getrusage) of the best repeat; the ratio H / deps is what
issue 14 sets goals on (umbrella <= 1.5x, each module header <= 1.2x).

Run (from the repository root; about 4 minutes on two cores at --repeats 3):

    /usr/bin/python3 benchmarks/compile_cost.py               # every header, g++
    /usr/bin/python3 benchmarks/compile_cost.py --cxx clang++-14 --only offloadkit.hpp

Before/after in one run: `--baseline DIR` takes the `include` directory of another checkout (e.g.
`git worktree add /tmp/base <commit>` or `git archive <commit> include | tar -x -C /tmp/base`)
and measures its headers too, each beside its own dependencies, alternating with the current ones.
"""

import argparse
import os
import pathlib
import re
import resource
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
INCLUDE = ROOT / "include"
ANGLE = re.compile(r'^\s*#\s*include\s*<([^>]+)>', re.M)
QUOTE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def outside_includes(header, seen=None, found=None, include=INCLUDE):
    """The `<...>` includes reached from `header` through quoted (in-repository) includes."""
    seen = set() if seen is None else seen
    found = [] if found is None else found
    header = header.resolve()
    if header in seen:
        return found
    seen.add(header)
    text = header.read_text()
    for name in ANGLE.findall(text):
        if name.startswith("offloadkit/"):
            outside_includes(include / name, seen, found, include)
        elif name not in found:
            found.append(name)
    for name in QUOTE.findall(text):
        outside_includes(header.parent / name, seen, found, include)
    return found


def cpu_seconds(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cxx", default="g++-12" if shutil_which("g++-12") else "g++")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", action="append", default=[],
                    help="header path under include/offloadkit (repeatable); default: all")
    ap.add_argument("--flags", default="-std=c++20 -O0",
                    help="extra compiler flags (default: %(default)s)")
    ap.add_argument("--baseline", type=pathlib.Path,
                    help="the include directory of another checkout, measured in the same run")
    args = ap.parse_args()
    if args.repeats < 1:
        print("compile_cost: --repeats must be >= 1, got %d" % args.repeats, file=sys.stderr)
        sys.exit(2)

    base = INCLUDE / "offloadkit"
    headers = sorted(p for p in base.rglob("*.hpp")
                     if "backends" not in p.parts and "detail" not in p.parts)
    if args.only:
        wanted = [base / o for o in args.only]
        missing = [o for o, w in zip(args.only, wanted) if not w.is_file()]
        if missing:
            print("compile_cost: --only names no header: %s" % ", ".join(missing), file=sys.stderr)
            sys.exit(2)
        headers = wanted

    eigen = "/usr/include/eigen3"
    base_cmd = [args.cxx] + args.flags.split() + ["-fsyntax-only", "-I", eigen]
    trees = [("", INCLUDE)]
    if args.baseline is not None:
        if not (args.baseline / "offloadkit" / "offloadkit.hpp").is_file():
            print("compile_cost: --baseline %s has no offloadkit/offloadkit.hpp" % args.baseline,
                  file=sys.stderr)
            sys.exit(2)
        trees.insert(0, ("baseline ", args.baseline.resolve()))
    print("compiler: %s; flags: %s -fsyntax-only; best of %d, CPU seconds"
          % (args.cxx, args.flags, args.repeats))
    head = "  ".join("%8s %8s %7s" % ("header", "deps", "ratio") for _ in trees)
    print("%-36s %s%s" % ("header", head, "   (baseline, then current)" if len(trees) > 1 else ""))
    worst = {}
    with tempfile.TemporaryDirectory() as tmp:
        for h in headers:
            rel = h.relative_to(INCLUDE).as_posix()
            row = []
            for k, (_, inc) in enumerate(trees):
                hh = inc / rel
                if not hh.is_file():
                    row.append(None)
                    continue
                deps = outside_includes(hh, include=inc)
                tu_h = os.path.join(tmp, "h%d.cpp" % k)
                tu_d = os.path.join(tmp, "d%d.cpp" % k)
                with open(tu_h, "w") as f:
                    f.write("#include <%s>\n" % rel)
                with open(tu_d, "w") as f:
                    f.write("".join("#include <%s>\n" % d for d in deps))
                row.append((inc, tu_h, tu_d, [], []))
            for _ in range(args.repeats):
                for cell in row:
                    if cell is not None:
                        inc, tu_h, tu_d, th, td = cell
                        cmd = base_cmd + ["-I", str(inc)]
                        th.append(cpu_seconds(cmd + [tu_h]))
                        td.append(cpu_seconds(cmd + [tu_d]))
            out = []
            for cell in row:
                if cell is None:
                    out.append("%8s %8s %7s" % ("-", "-", "-"))
                    continue
                bh, bd = min(cell[3]), min(cell[4])
                ratio = bh / bd if bd > 0 else float("inf")
                out.append("%8.2f %8.2f %6.2fx" % (bh, bd, ratio))
            worst[rel] = ratio  # the current tree's ratio (last column)
            print("%-36s %s" % (rel[len("offloadkit/"):], "  ".join(out)), flush=True)
    umbrella = worst.get("offloadkit/offloadkit.hpp")
    modules = {k: v for k, v in worst.items() if k != "offloadkit/offloadkit.hpp"}
    if umbrella is not None:
        print("umbrella: %.2fx its dependencies (goal <= 1.5x)" % umbrella)
    if modules:
        k = max(modules, key=modules.get)
        print("worst module header: %s %.2fx its dependencies (goal <= 1.2x)" % (k, modules[k]))


def shutil_which(name):
    import shutil
    return shutil.which(name)


if __name__ == "__main__":
    main()
