"""oracle.py - what must hold for one schema, step by step.

jobc rejects (exit 1): every diagnostic it prints has the form `file:line:col: error:`
(or `note:`), and nothing is written; a `strict` schema (ordinary names, moderate sizes,
valid by README) must not be rejected at all.
jobc accepts (exit 0): the .proto passes protoc; the .job.c compiles with
-Wall -Wextra -Werror as gnu11 and c11 natively and for wasm32-wasi; a user's program
(impl.c: libc headers, the header, every job implemented) compiles and links for wasm32
with the runtime; values round-trip nanopb -> Google protobuf -> nanopb for every case.
Each failure is (step, detail); `classify` turns it into a failure class.
"""
import json
import os
import re
import subprocess

import driver
import schema as sch

FLAGS = ["-Wall", "-Wextra", "-Werror"]
DEFS = ["-DPB_ENABLE_MALLOC=1", "-DPB_FIELD_32BIT=1"]
DIAG = re.compile(r"^[^:\n]+:\d+:\d+: (error|note): \S")


class Config:
    def __init__(self, jobc, cc, wasm_cc, protoc, pb_python, nanopb, runtime_include,
                 wasm_libs, native_nanopb_objs, timeout=120):
        self.jobc, self.cc, self.wasm_cc, self.protoc = jobc, cc, wasm_cc, protoc
        self.pb_python, self.nanopb, self.runtime_include = pb_python, nanopb, runtime_include
        self.wasm_libs, self.native_nanopb_objs, self.timeout = wasm_libs, native_nanopb_objs, timeout


def run(cmd, cwd, timeout, **kw):
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout, **kw)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", "", f"timed out after {timeout}s"


CARET = re.compile(r"^(   )?[ \t]*\^~*$")


def malformed_diagnostics(stderr):
    """The lines of jobc's stderr that look like a location but are no diagnostic. A
    diagnostic is its `file:line:col: error|note: ` line, then (when jobc can show it)
    the source line and a caret line: the source line is quoted input, whatever it
    looks like (clipped to a window, it may start with `...a:0`)."""
    lines, bad, i = stderr.splitlines(), [], 0
    while i < len(lines):
        ln = lines[i]
        if DIAG.match(ln):
            i += 3 if i + 2 < len(lines) and CARET.match(lines[i + 2]) else 1
            continue
        if ln and not ln.startswith(" ") and re.match(r"^\S+:\d", ln[:300]):
            bad.append(ln)
        i += 1
    return bad


def first_error(text, n=3):
    lines = [ln for ln in text.splitlines() if "error" in ln or "undefined" in ln]
    return "\n".join((lines or text.splitlines() or [""])[:n])


def check_schema(cfg, s, work, base="s", seed=0, mutate=None, dense=False, focus=None):
    """Runs every step for schema s in directory work; returns (outcome, failures, stderr).
    mutate(outdir), if given, edits jobc's outputs first (selftest.py: the oracle must see it).
    focus, a failure class, runs only the steps that class needs (shrink.py)."""
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, "out")
    os.makedirs(out, exist_ok=True)
    job = base + ".job"
    with open(os.path.join(work, job), "wb") as f:
        f.write(s.raw if s.raw is not None else sch.render(s).encode())
    # an imported file (issue 18): jobc reads it through the import, then gets run on it
    # alone for its own outputs, as lucidity_add_jobs does; both files' outputs must build
    dep = s.imported["file"] if s.imported and s.raw is None else None
    bases = [base] + ([dep] if dep else [])
    if dep:
        with open(os.path.join(work, dep + ".job"), "w") as f:
            f.write(sch.render_import(s))
    with open(os.path.join(work, "schema.json"), "w") as f:
        json.dump(sch.to_json(s), f)
    fails = []
    rc, so, se = run([cfg.jobc, "-o", "out", job], work, cfg.timeout)
    if rc == 1:
        bad = malformed_diagnostics(se)
        if not se.startswith(tuple(b + ".job:" for b in bases)) or not DIAG.match(se) or bad:
            fails.append(("jobc-diagnostic", "malformed diagnostic: " + (bad or se.splitlines() or [""])[0][:300]))
        if os.listdir(out):
            fails.append(("jobc-partial-output", "rejected but wrote " + ", ".join(sorted(os.listdir(out)))))
        if s.strict:
            fails.append(("jobc-rejects-valid", first_error(se, 1)[:400]))
        return "rejected", fails, se
    if rc != 0:
        fails.append(("jobc-exit", f"exit status {rc}: {se[-400:]}"))
        return "crashed", fails, se
    if s.must_reject:
        return "accepted", [("jobc-accepts-invalid", "an invalid schema (README) was accepted")], se
    # A replayed file this reader cannot model (newer syntax: enums, optional, imports)
    # still gets protoc and the four compiles; the user program and the round trip need
    # the model and are left out for it.
    if dep:  # accepted through the import: accepted alone too
        rc, so, de = run([cfg.jobc, "-o", "out", dep + ".job"], work, cfg.timeout)
        if rc != 0:
            return "accepted", [("jobc-rejects-imported", f"exit {rc}: {first_error(de, 1)[:400]}")], se
    hdr = base + ".job.h"
    if mutate:
        mutate(out)
    for b in bases:
        for f in (b + ".job.h", b + ".job.c", b + ".proto"):
            if not os.path.exists(os.path.join(out, f)):
                fails.append(("jobc-output", f"exit 0 but no {f}"))
    if fails:
        return "accepted", fails, se

    inc = ["-I", "out", "-I", cfg.runtime_include, "-I", cfg.nanopb] + DEFS
    # protoc: the .proto is valid, and gives the python module for the round trip
    only = focus_steps(focus)
    rc, so, pe = run([cfg.protoc, "-I", "out", "--python_out=out", *(b + ".proto" for b in bases)],
                     work, cfg.timeout) if "protoc" in only else (0, "", "")
    proto_ok = rc == 0
    if not proto_ok:
        fails.append(("protoc", first_error(pe) or pe[:300]))
    # the generated C: native gnu11 (object), native c11, wasm32 gnu11 and c11
    wasm = [cfg.wasm_cc, "--target=wasm32-wasi", "--sysroot=/usr"]
    steps = []
    for b in bases:
        src, o = os.path.join("out", b + ".job.c"), "" if b == base else "_" + b
        # -O2 as CMake's RelWithDebInfo builds it: some warnings need the optimizer
        steps += [("c-native-gnu11", [cfg.cc, "-std=gnu11", "-O2", *FLAGS, *inc, "-c", src, "-o", f"native{o}.o"]),
                  ("c-native-c11", [cfg.cc, "-std=c11", *FLAGS, *inc, "-fsyntax-only", src]),
                  ("c-wasm32-gnu11", [*wasm, "-std=gnu11", "-O2", *FLAGS, *inc, "-c", src, "-o", f"wasm{o}.o"]),
                  ("c-wasm32-c11", [*wasm, "-std=c11", *FLAGS, *inc, "-fsyntax-only", src])]
    c_fails = []  # one failure for all four compiles: the first one's error, and which failed
    for name, cmd in steps:
        if name[2:] not in only:
            continue
        rc, so, ce = run(cmd, work, cfg.timeout)
        if rc != 0:
            c_fails.append((name, first_error(ce) or str(rc)))
    c_ok = not c_fails
    if c_fails:
        which = " ".join(n[2:] for n, _ in c_fails)
        fails.append((f"C compile [{which}]", f"[{which}] {c_fails[0][1]}"))
    if s.unreadable:
        return "accepted", fails, se
    # a user's wasm32 program: libc headers + the job header, every job implemented
    with open(os.path.join(work, "impl.c"), "w") as f:
        f.write(driver.impl_c(s, hdr))
    if c_ok and "user" in only:
        rc, so, ce = run([*wasm, "-std=gnu11", *FLAGS, *inc, "-c", "impl.c", "-o", "impl.o"], work, cfg.timeout)
        if rc != 0:
            fails.append(("c-wasm32-user-program", first_error(ce)))
        else:
            objs = ["wasm.o"] + [f"wasm_{b}.o" for b in bases[1:]]
            rc, so, ce = run([*wasm, *objs, "impl.o", "-o", "prog.wasm", *cfg.wasm_libs,
                              "-Wl,--wrap=exit"], work, cfg.timeout)
            if rc != 0:
                fails.append(("link-wasm32", first_error(ce)))
    if not (proto_ok and c_ok) or "roundtrip" not in only:
        return "accepted", fails, se
    fails += roundtrip(cfg, s, work, bases, inc, seed, dense)
    return "accepted", fails, se


def roundtrip(cfg, s, work, bases, inc, seed, dense):
    base = bases[0]
    cases = driver.pick_cases(s, seed, dense)
    if not cases:
        return []
    with open(os.path.join(work, "driver.c"), "w") as f:
        f.write(driver.driver_c(s, base + ".job.h", cases))
    with open(os.path.join(work, "spec.json"), "w") as f:
        json.dump(driver.spec_json(s, cases), f)
    srcs = [os.path.join("out", b + ".job.c") for b in bases]
    rc, so, ce = run([cfg.cc, "-std=gnu11", "-O0", "-g0", *inc, "-DLUCIDITY_DESCRIPTORS_ONLY",
                      "driver.c", *srcs, *cfg.native_nanopb_objs, "-o", "driver"], work, cfg.timeout)
    if rc != 0:
        return [("c-native-user-program", first_error(ce))]  # the driver: libc headers + the header
    rt = os.path.join(work, "rt")
    os.makedirs(rt, exist_ok=True)
    rc, so, ce = run(["./driver", "encode", "rt"], work, cfg.timeout)
    if rc != 0:
        return [("nanopb-encode", (ce or str(rc))[:300])]
    here = os.path.dirname(os.path.abspath(__file__))
    rc, so, pe = run([cfg.pb_python, os.path.join(here, "pb_roundtrip.py"), rt, os.path.join(work, "out"),
                      ",".join(b + "_pb2" for b in bases),
                      os.path.join(work, "spec.json")], work, cfg.timeout)
    fails = []
    if rc != 0:
        fails.append(("roundtrip-protobuf-reads", (so + pe).strip()[:600]))
    for suffix in ("py1", "py0"):
        if not all(os.path.exists(os.path.join(rt, f"{i}.{suffix}")) for i in range(len(cases))):
            continue
        rc, so, ce = run(["./driver", "reencode", "rt", suffix], work, cfg.timeout)
        if rc != 0:
            fails.append(("roundtrip-nanopb-decodes", ce.strip()[:300] or str(rc)))
            continue
        for i, (name, _) in enumerate(cases):
            with open(os.path.join(rt, f"{i}.nb"), "rb") as f:
                a = f.read()
            with open(os.path.join(rt, f"{i}.{suffix}.nb"), "rb") as f:
                b = f.read()
            if a != b:
                what = "protobuf re-serialized" if suffix == "py1" else "protobuf built from the values"
                fails.append(("roundtrip-bytes", f"case {i} ({name}): nanopb -> {what} -> nanopb "
                              f"changes the encoding ({len(a)} -> {len(b)} bytes)"))
                break
    return fails


ALL_STEPS = {"protoc", "native-gnu11", "native-c11", "wasm32-gnu11", "wasm32-c11", "user", "roundtrip"}


def focus_steps(focus):
    """The steps a failure class needs (all of them when focus is None)."""
    if focus is None:
        return ALL_STEPS
    if focus.startswith("protoc"):
        return {"protoc"}
    m = re.match(r"C compile \[([^\]]*)\]", focus)
    if m:
        return set(m.group(1).split())
    if focus.startswith(("c-wasm32-user-program", "link-wasm32")):
        return {"wasm32-gnu11", "user"}
    return ALL_STEPS


# --- failure classes -------------------------------------------------------------------

def classify(step, detail):
    """A stable class for a failure: the step plus the gist of its first error message
    (quoted names and numbers replaced, so that `log` and `malloc` are one class)."""
    d = detail.splitlines()[0] if detail else ""
    d = re.sub(r"^\[[^\]]*\] ", "", d)              # [which compiles failed]
    d = re.sub(r"^[^ ]*?:\d+:\d+: ", "", d)            # file:line:col:
    d = re.sub(r"^[^ ]*?:\d+: ", "", d)
    m = re.search(r"FIELDINFO_DOES_NOT_FIT_width\d", d)
    if m:
        return f"{step}: nanopb {m.group(0)} (descriptor width too small)"
    if "incomplete type" in d:
        return f"{step}: field has incomplete type (message emitted after its use)"
    d = re.sub(r"'[^']*'|\"[^\"]*\"|‘[^’]*’", "'X'", d)
    d = re.sub(r"\b\d+\b", "N", d)
    return f"{step}: {d.strip()[:160]}"
