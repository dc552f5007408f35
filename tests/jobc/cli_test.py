#!/usr/bin/env python3
"""jobc's command line: exit codes, --version, --emit, --check, -o, depfile,
and that unchanged outputs are not rewritten (their mtime stays)."""
import os, shutil, subprocess, sys, tempfile, time

jobc, job, nanopb, runtime = sys.argv[1:5]
failures = []

def check(name, cond):
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failures.append(name)

def run(*args, cwd=None):
    return subprocess.run([jobc, *args], cwd=cwd, capture_output=True, text=True, timeout=60)

with tempfile.TemporaryDirectory() as d:
    r = run("--version")
    check("--version prints 'jobc 0.1.0'", r.returncode == 0 and r.stdout.strip() == "jobc 0.1.0")
    check("--help exits 0 with usage", run("--help").returncode == 0)
    check("no input is a usage error (2)", run().returncode == 2)
    check("unknown option is a usage error (2)", run("--frobnicate", job).returncode == 2)
    check("bad --emit is a usage error (2)", run("--emit=java", job).returncode == 2)
    check("missing input is an I/O error (2)", run(os.path.join(d, "nope.job")).returncode == 2)

    src = os.path.join(d, "square.job")
    shutil.copy(job, src)
    out = os.path.join(d, "out")
    os.mkdir(out)
    check("--check writes nothing", run("--check", "-o", out, src).returncode == 0 and not os.listdir(out))
    r = run("--emit=proto", "-o", out, src)
    check("--emit=proto writes only the .proto", r.returncode == 0 and os.listdir(out) == ["square.proto"])
    dep = os.path.join(d, "square.d")
    r = run("-o", out, "-M", dep, src)
    check("default emits .job.h .job.c .proto",
          r.returncode == 0 and sorted(os.listdir(out)) == ["square.job.c", "square.job.h", "square.proto"])
    text = open(dep).read()
    check("depfile lists outputs: input",
          text == f"{out}/square.job.h {out}/square.job.c {out}/square.proto: {src}\n")
    h = os.path.join(out, "square.job.h")
    old = os.stat(h).st_mtime_ns
    time.sleep(0.05)
    run("-o", out, src)
    check("unchanged output keeps its mtime", os.stat(h).st_mtime_ns == old)

    run_dir = os.path.join(d, "cwd")
    os.mkdir(run_dir)
    check("default output dir is the current dir",
          run(src, cwd=run_dir).returncode == 0 and "square.job.h" in os.listdir(run_dir))

    bad = os.path.join(d, "bad.job")
    open(bad, "w").write("job f(a: nope);\n")
    out2 = os.path.join(d, "out2")
    os.mkdir(out2)
    r = run("-o", out2, src, bad)
    check("an error in any input exits 1 and writes nothing",
          r.returncode == 1 and not os.listdir(out2) and "bad.job:1:10: error: unknown type 'nope'" in r.stderr)

    # --- --strict (issue 16 §3): a warning per implicitly numbered message or job ---------
    strict = os.path.join(d, "strict.job")
    open(strict, "w").write("message M { a: u32; }\nmessage N { b: u32 = 1; }\njob f(x: u32 = 1);\njob g(y: u32);\n")
    o = os.path.join(d, "o-strict")
    os.mkdir(o)
    r = run("--strict", "-o", o, strict)
    warned = [l for l in r.stderr.splitlines() if ": warning: " in l]
    check("--strict warns once per implicitly numbered message or job, exit 0, outputs written",
          r.returncode == 0 and len(warned) == 2 and "strict.job:1:13: warning: the fields of 'M'" in warned[0]
          and "strict.job:4:7: warning: the parameters of 'g'" in warned[1] and len(os.listdir(o)) == 3)
    check("without --strict: no warning", run("--check", strict).stderr == "")

    # --- hostile input (issue 11 §6) ----------------------------------------------------
    wide = os.path.join(d, "wide.job")
    open(wide, "wb").write(b"message m { " + b"\x01" * 100000 + b" }\n")
    r = subprocess.run([jobc, "--check", wide], capture_output=True, timeout=60)
    err = r.stderr.decode("latin-1")
    check("100 KB of bad bytes on one line: exit 1, stderr stays small (clipped echo, error limit)",
          r.returncode == 1 and len(r.stderr) < 20000)
    check("the error limit ends with one 'too many errors' line",
          err.count("too many errors (the limit is 20)") == 1 and err.count(": error: unexpected byte") == 20)
    r = subprocess.run([jobc, "--check", "--error-limit=3", wide], capture_output=True, timeout=60)
    check("--error-limit=3 shows three", r.stderr.decode("latin-1").count(": error: unexpected byte") == 3)
    check("echoed lines are clipped around the column with '...'",
          all(len(l) <= 130 for l in err.splitlines()) and "..." in err)
    nul = os.path.join(d, "nul.job")
    open(nul, "wb").write(b"job a(x: u32) -> u32;\njob b(\x00: u32);\njob a(y: u32);\n")
    r = subprocess.run([jobc, "--check", nul], capture_output=True, timeout=60)
    check("a NUL byte does not cut off later diagnostics",
          b"\x00" not in r.stderr and b"nul.job:2:7: error: unexpected byte 0x00" in r.stderr and
          b"nul.job:3:5: error: redefinition of 'a'" in r.stderr)
    r = run("--check", "/dev/zero")
    check("/dev/zero: a clear error, exit 2, at once", r.returncode == 2 and "not a regular file" in r.stderr)
    huge = os.path.join(d, "huge.job")
    with open(huge, "wb") as f:
        f.truncate(64 * 1024 * 1024 + 1)
    r = run("--check", huge)
    check("an input over 64 MiB: a clear error, exit 2", r.returncode == 2 and "larger than 64 MiB" in r.stderr)

    # --- outputs (issue 11 §7) -------------------------------------------------------------
    def fresh(name):
        p = os.path.join(d, name)
        os.mkdir(p)
        return p
    a, b = fresh("a"), fresh("b")
    shutil.copy(job, os.path.join(a, "x.job"))
    shutil.copy(job, os.path.join(b, "x.job"))
    o = fresh("o-same")
    r = run("-o", o, os.path.join(a, "x.job"), os.path.join(b, "x.job"))
    check("two inputs with one base name: exit 2, nothing written",
          r.returncode == 2 and "would both write" in r.stderr and not os.listdir(o))
    o = fresh("o-atomic")
    blocker = os.path.join(o, "square.job.c")
    os.mkdir(blocker)  # the .job.c cannot be written: a directory is in the way
    r = run("-o", o, src)
    check("a run is all or nothing: .job.h not written when .job.c fails, no temporary left",
          r.returncode == 2 and sorted(os.listdir(o)) == ["square.job.c"])
    for name, ok in (("1x.job", True), ("has space.job", True), ('quote".job', False),
                     ("back\\slash.job", False), ("my.square.job", True), ("l" * 246 + ".job", True)):
        p = os.path.join(fresh("n%d" % len(os.listdir(d))), name)
        shutil.copy(job, p)
        o = os.path.dirname(p)
        r = run("-o", o, "-M", os.path.join(o, "deps.d"), p)
        if not ok:
            check(f"file name {name!r}: rejected with a reason, nothing written",
                  r.returncode == 2 and "rename the file" in r.stderr and sorted(os.listdir(o)) == [name])
            continue
        base = name[:-4]
        outs = [os.path.join(o, base + ext) for ext in (".job.h", ".job.c", ".proto")]
        built = r.returncode == 0 and all(os.path.exists(x) for x in outs) and subprocess.run(
            ["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-DLUCIDITY_DESCRIPTORS_ONLY",
             "-DPB_ENABLE_MALLOC=1", "-DPB_FIELD_32BIT=1", "-I" + nanopb, "-I" + runtime, outs[1]],
            capture_output=True).returncode == 0
        check(f"file name {name!r}: outputs written and the .job.c compiles", built)
        listed = run("--print-outputs", "-o", o, p).stdout.splitlines()
        check(f"file name {name!r}: --print-outputs names exactly those outputs", listed == outs)
        if " " in name:
            dep = open(os.path.join(o, "deps.d")).read()
            check("depfile escapes spaces", "has\\ space.job.h" in dep and "has\\ space.job:" not in dep
                  and dep.endswith("has\\ space.job\n"))

print("cli: ok" if not failures else f"cli: {len(failures)} failed")
sys.exit(1 if failures else 0)
