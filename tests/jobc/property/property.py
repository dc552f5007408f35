#!/usr/bin/env python3
"""property.py - property test of jobc: every .job it accepts builds and round-trips.

  property.py --count N --seed S [--jobs 2] [--jobc PATH] [--keep DIR] [--knownbad]
  property.py --replay FILE [...]          check given files (kept failures, a fuzz corpus)
  property.py --issue-cases                the issue's cases (issue_cases.py): a to-do list
  property.py --self-test ...              first prove the oracle notices wire mismatches

Schema i of a run comes from seed (S, i) alone, so `--seed S --only I` reproduces it.
Each failing schema is kept in DIR/<name>/ (s.job, schema.json, out/, why.txt) and
printed as `FAIL <dir>/s.job: <step>: <reason>`; the summary groups failures into
classes with counts. --shrink reduces one example per class to a minimal .job.
Exit status: 0 when nothing failed, 1 otherwise, 2 on usage/setup errors.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, HERE)

import oracle  # noqa: E402
import schema as sch  # noqa: E402
import shrink  # noqa: E402


def schema_seed(seed, i):
    return seed * 1_000_003 + i


def find_pb_python(explicit):
    cands = [explicit] if explicit else [sys.executable, "/usr/bin/python3", "python3"]
    for c in cands:
        if c and shutil.which(c) and subprocess.run(
                [c, "-c", "import google.protobuf"], capture_output=True).returncode == 0:
            return c
    return None


def setup(args, work):
    root = os.path.abspath(args.root or ROOT)
    build = args.build or os.path.join(root, "build")
    nanopb = args.nanopb or os.path.join(root, ".deps", "nanopb-0.4.7")
    jobc = args.jobc or os.path.join(build, "compiler", "jobc")
    wasm_libs = [os.path.join(build, "wasm", "runtime", "liblucidity.a"),
                 os.path.join(build, "wasm", "liblucidity_nanopb.a")]
    pb_python = find_pb_python(args.python)
    problems = []
    for what, path in [("jobc", jobc), ("nanopb sources", os.path.join(nanopb, "pb_decode.c"))] + \
            [("wasm32 runtime library", p) for p in wasm_libs]:
        if not os.path.exists(path):
            problems.append(f"{what} not found: {path}")
    for tool in (args.cc, args.wasm_cc, args.protoc):
        if not shutil.which(tool):
            problems.append(f"{tool} not found on PATH")
    if not pb_python:
        problems.append("no Python with google.protobuf (apt-get install python3-protobuf)")
    if problems:
        for p in problems:
            print("property: " + p, file=sys.stderr)
        sys.exit(2)
    # nanopb for the native driver, built once per run with the runtime's settings
    objs = []
    nwork = os.path.join(work, "_nanopb")
    os.makedirs(nwork, exist_ok=True)
    for src in ("pb_common.c", "pb_encode.c", "pb_decode.c"):
        obj = os.path.join(nwork, src[:-2] + ".o")
        subprocess.run([args.cc, "-O1", "-c", *oracle.DEFS, "-I", nanopb, os.path.join(nanopb, src),
                        "-o", obj], check=True)
        objs.append(obj)
    return oracle.Config(jobc=os.path.abspath(jobc), cc=args.cc, wasm_cc=args.wasm_cc,
                         protoc=args.protoc, pb_python=pb_python, nanopb=os.path.abspath(nanopb),
                         runtime_include=os.path.join(root, "runtime", "include"),
                         wasm_libs=[os.path.abspath(p) for p in wasm_libs],
                         native_nanopb_objs=objs, timeout=args.timeout)


class Result:
    def __init__(self, name, outcome, fails, s, job_text):
        self.name, self.outcome, self.fails, self.schema, self.job_text = name, outcome, fails, s, job_text


def check_one(cfg, name, make, work, keep, seed):
    d = os.path.join(work, name)
    try:
        s = make()  # made here, in the worker: a long run never holds all its schemas at once
        outcome, fails, _ = oracle.check_schema(cfg, s, d, seed=seed)
    except Exception as e:  # noqa: BLE001 - a bug of this test: report it, go on with the others
        return Result(name, "error", [("property-test-error", f"{type(e).__name__}: {e}")], None, "")
    text = sch.render(s)
    if fails and keep:
        dest = os.path.join(keep, name)
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(d, dest, ignore=shutil.ignore_patterns("*.o", "driver", "*.wasm", "rt", "*_pb2.py"))
        with open(os.path.join(dest, "why.txt"), "w") as f:
            for step, detail in fails:
                f.write(f"{step}: {detail}\n")
    elif keep:  # a schema that passes now: drop what an earlier run kept of it
        shutil.rmtree(os.path.join(keep, name), ignore_errors=True)
    shutil.rmtree(d, ignore_errors=True)
    # a long run holds 10,000 results: keep the schema only where a failure may be shrunk
    return Result(name, outcome, fails, s if fails else None, text if fails else "")


def replay_name(path):
    base = os.path.basename(path)
    base = base[:-4] if base.endswith(".job") else base
    return re.sub(r"[^A-Za-z0-9_.-]", "_", os.path.basename(os.path.dirname(os.path.abspath(path)))
                  + "-" + base)[:100]


def replayed(path, strict):
    """A schema for a given file: its bytes as they are, and its model when it reads as a .job
    (any file works, e.g. a libFuzzer corpus: what jobc accepts must pass the same oracle)."""
    with open(path, "rb") as f:
        raw = f.read()
    try:  # latin-1: any byte may be in a comment; the tokens themselves are ASCII
        s = sch.parse(raw.decode("latin-1"), strict=strict)
    except (ValueError, IndexError) as e:
        s = sch.Schema()
        s.strict = strict
        s.unreadable = f"{type(e).__name__}: {e}"[:200]
    s.raw = raw
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", type=int, action="append", help="only schema I of the seed (repeatable)")
    ap.add_argument("--jobs", "-j", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--root", help="the lucidity checkout whose jobc, runtime headers and wasm32 "
                    "libraries to use (default: this one); e.g. --root /work/main")
    ap.add_argument("--jobc", help="the jobc to test (default: BUILD/compiler/jobc)")
    ap.add_argument("--build", help="the build directory (default: ROOT/build)")
    ap.add_argument("--nanopb", help="nanopb sources (default: ROOT/.deps/nanopb-0.4.7)")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--wasm-cc", default="clang-19")
    ap.add_argument("--protoc", default="protoc")
    ap.add_argument("--python", help="a Python with google.protobuf (default: found)")
    ap.add_argument("--keep", help="folder for failing schemas (default: BUILD/jobc-property-failures)")
    ap.add_argument("--knownbad", action="store_true",
                    help="every schema includes the issue's known-bad shapes (widths, names, depth)")
    ap.add_argument("--shape", action="append", default=[], choices=sch.Generator.SHAPES,
                    help="every schema gets this shape (repeatable)")
    ap.add_argument("--issue-cases", action="store_true", help="run the issue's cases (issue_cases.py)")
    ap.add_argument("--replay", nargs="+", metavar="FILE.job", help="check these .job files")
    ap.add_argument("--strict", action="store_true", help="with --replay: the files must be accepted")
    ap.add_argument("--self-test", action="store_true",
                    help="first check that the oracle notices wire mismatches (selftest.py)")
    ap.add_argument("--shrink", action="store_true", help="reduce one example per failure class")
    ap.add_argument("--shrink-budget", type=int, default=60, help="oracle runs per class when shrinking")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per step")
    ap.add_argument("--report", help="write a JSON summary here")
    ap.add_argument("--quiet", "-q", action="store_true")
    args = ap.parse_args()

    keep = args.keep or os.path.join(args.build or os.path.join(args.root or ROOT, "build"),
                                     "jobc-property-failures")
    os.makedirs(keep, exist_ok=True)
    work = tempfile.mkdtemp(prefix="jobc-property-")
    t0 = time.time()
    try:
        cfg = setup(args, work)
        if args.self_test:
            import selftest
            problems = selftest.run(cfg, work)
            for p in problems:
                print("FAIL self-test: " + p, flush=True)
            if problems:
                return 1
            print(f"self-test: ok (the oracle notices {len(selftest.MUTANTS)} of {len(selftest.MUTANTS)} "
                  "wire mismatches)", flush=True)
        todo = []  # (name, a function making the schema, value seed)
        if args.replay:
            for p in args.replay:
                todo.append((replay_name(p), lambda p=p: replayed(p, args.strict), 0))
        elif args.issue_cases:
            import issue_cases
            for name, text, expect in issue_cases.CASES:
                s = sch.parse(text, strict=expect == "accept")
                s.must_reject = expect == "reject"
                todo.append((name, lambda s=s: s, 0))
        else:
            idx = args.only or range(args.count)
            for i in idx:
                seed = schema_seed(args.seed, i)
                todo.append((f"seed{args.seed}-{i}{'-knownbad' if args.knownbad else ''}",
                             lambda seed=seed: sch.Generator(seed, knownbad=args.knownbad,
                                                             shapes=args.shape).generate(),
                             seed))
        results = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            futs = [ex.submit(check_one, cfg, n, s, work, keep, vs) for n, s, vs in todo]
            for fut in concurrent.futures.as_completed(futs):
                r = fut.result()
                results.append(r)
                for step, detail in r.fails:
                    print(f"FAIL {os.path.join(keep, r.name, 's.job')}: {step}: "
                          f"{detail.splitlines()[0] if detail else ''}", flush=True)
                if not r.fails and not args.quiet:
                    print(f"ok   {r.name} ({r.outcome})", flush=True)
        summary = summarize(results, keep)
        if args.shrink and summary["classes"]:
            shrink.shrink_classes(cfg, summary, results, work, keep, args)
        print_summary(summary, time.time() - t0)
        if args.report:
            with open(args.report, "w") as f:
                json.dump(summary, f, indent=1)
        return 1 if summary["failed"] else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def summarize(results, keep):
    classes = {}
    for r in results:
        seen = set()
        for step, detail in r.fails:
            c = oracle.classify(step, detail)
            if c in seen:
                continue
            seen.add(c)
            e = classes.setdefault(c, {"count": 0, "examples": [], "smallest": None, "size": None})
            e["count"] += 1
            if len(e["examples"]) < 3:
                e["examples"].append(f"{r.name}: {detail.splitlines()[0][:200] if detail else ''}")
            if e["size"] is None or len(r.job_text) < e["size"]:
                e["size"], e["smallest"] = len(r.job_text), os.path.join(keep, r.name, "s.job")
    return {"schemas": len(results),
            "accepted": sum(r.outcome == "accepted" for r in results),
            "rejected": sum(r.outcome == "rejected" for r in results),
            "failed": sum(bool(r.fails) for r in results),
            "classes": dict(sorted(classes.items(), key=lambda kv: -kv[1]["count"]))}


def print_summary(s, secs):
    print(f"\nproperty: {s['schemas']} schemas in {secs:.0f} s: {s['accepted']} accepted, "
          f"{s['rejected']} rejected with a diagnostic, {s['failed']} failed")
    for c, e in s["classes"].items():
        print(f"  {e['count']:5d}  {c}")
        print(f"         smallest: {e['smallest']}" + (f"  minimal: {e['minimal']}" if e.get("minimal") else ""))
        for ex in e["examples"][:2]:
            print(f"         e.g. {ex}")
    print("property: " + ("ok" if not s["failed"] else f"{s['failed']} schemas failed"))


if __name__ == "__main__":
    sys.exit(main())
