#!/usr/bin/env python3
"""jobc's command line: exit codes, --version, --emit, --check, -o, depfile,
and that unchanged outputs are not rewritten (their mtime stays)."""
import os, shutil, subprocess, sys, tempfile, time

jobc, job = sys.argv[1], sys.argv[2]
failures = []

def check(name, cond):
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failures.append(name)

def run(*args, cwd=None):
    return subprocess.run([jobc, *args], cwd=cwd, capture_output=True, text=True)

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

print("cli: ok" if not failures else f"cli: {len(failures)} failed")
sys.exit(1 if failures else 0)
