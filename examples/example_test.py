"""Shared by the examples' test drivers (examples/*/check.py): the common
arguments, and running the example's wasm as the app node of a loopback cluster
with tests/smoke/run_in_cluster.py (which also checks that no process is left).
A driver prints "FAIL ..." and exits 1 on a mismatch."""
import argparse
import subprocess
import sys


def arg_parser(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--runner", required=True, help="tests/smoke/run_in_cluster.py")
    ap.add_argument("--lunatic", required=True)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--wasm", required=True)
    return ap


def run_app(a, pass_re, env=()):
    """Runs the app; returns its output (the runner's exit status must be 0)."""
    cmd = [sys.executable, a.runner, "--lunatic", a.lunatic, "--nodes", str(a.nodes),
           "--pass", pass_re, "--timeout", "60"]
    for kv in env:
        cmd += ["--env", kv]
    proc = subprocess.run(cmd + [a.wasm], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        fail("the app did not pass (run_in_cluster exit %d)" % proc.returncode)
    return proc.stdout


def fail(why):
    print("FAIL %s" % why)
    sys.exit(1)
