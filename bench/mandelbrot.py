#!/usr/bin/env python3
"""CPU-bound fanout: the Mandelbrot example's tiles over 1 and over 2 worker
nodes of a loopback cluster, metered (lunatic's default: fuel on) and
unmetered (--no-fuel, our VM patch), against the native build of the same
tile code rendering the whole image in one process, all measured in this run.

  bench/mandelbrot.py [--iters 20000] [--reps 3]

Each worker node is pinned to a CPU of its own (taskset), so "1 node" is one
core and "2 nodes" two cores: a lunatic node runs its processes on every core
it may use, so without pinning one node alone already fills a 2-core machine.
The native baseline is one process on one core.

Prints a table (median ms, speed-up 1 -> 2 nodes, cost against native) and
writes bench/results/mandelbrot.json. It also gives the CPU seconds the
worker nodes used for the render (from /proc, the module's compile included)
against the native process's: per-core cost that other load on the machine
skews less than wall time (the load average is printed with the table). Checks that every render's checksum
equals the native one (a wrong image is not a fast image).
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from lucidity_cluster import Cluster  # noqa: E402

APP = os.path.join(ROOT, "build", "wasm", "examples", "mandelbrot", "mandelbrot.wasm")
NATIVE = os.path.join(ROOT, "build", "mandelbrot_reference")


def children_cpu_s():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def proc_cpu_s(pid):
    """CPU seconds (user + system) a live process has used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def native(iters):
    t0, c0 = time.perf_counter(), children_cpu_s()
    out = subprocess.run(["taskset", "-c", "0", NATIVE, str(iters)], check=True,
                         capture_output=True, text=True).stdout
    ms = (time.perf_counter() - t0) * 1000
    return ms, children_cpu_s() - c0, re.search(r"fnv1a64: (\w+)", out).group(1)


def distributed(workers, iters, no_fuel):
    """One render on a fresh cluster; the app times its own fanout."""
    # The app writes under the node's preopened ".": run it in a scratch folder.
    here = os.getcwd()
    scratch = tempfile.mkdtemp(prefix="lucidity-mandelbrot-")
    os.chdir(scratch)
    env = dict(os.environ, MANDELBROT_MAX_ITER=str(iters), MANDELBROT_OUT="bench.png",
               MANDELBROT_RENDERS="2")
    try:
        return render(workers, env, no_fuel)
    finally:
        os.chdir(here)
        subprocess.run(["rm", "-rf", scratch], check=False)


def render(workers, env, no_fuel):
    """Two renders on one cluster: the first (cold: each node compiles the module
    on its first spawn) and the second (warm). For each: (ms the app reports for
    its fanout, CPU s the worker nodes used, the busiest worker's share of that
    CPU); and the image's checksum."""
    ms, snaps, checksum = [], [], None
    with Cluster(nodes=workers, env=env, worker_cpus=list(range(workers)), no_fuel=no_fuel) as c:
        snaps.append([proc_cpu_s(p.pid) for p in c.workers])
        c.run_app(APP)
        for line in c.app_lines(time.time() + 600):
            m = re.search(r"rendered in (\d+) ms", line)
            if m:
                ms.append(float(m.group(1)))
                snaps.append([proc_cpu_s(p.pid) for p in c.workers])
            m = re.search(r"fnv1a64: (\w+)", line)
            if m:
                checksum = m.group(1)
                break
            if "FAIL" in line:
                raise RuntimeError(line.strip())
    if len(ms) != 2:
        raise RuntimeError("the app reported %d renders, not 2" % len(ms))
    out = []
    for i in range(2):
        each = [b - a for a, b in zip(snaps[i], snaps[i + 1])]
        cpu = sum(each)
        out.append((ms[i], cpu, max(each) / cpu if cpu else 1.0))
    return out, checksum


FIGURES = [  # (key, workers, no_fuel, table label)
    ("1 node", 1, False, "metered: fanout over 1 worker node (1 core)"),
    ("2 nodes", 2, False, "metered: fanout over 2 worker nodes (1 core each)"),
    ("1 node unmetered", 1, True, "unmetered (--no-fuel): fanout over 1 worker node (1 core)"),
    ("2 nodes unmetered", 2, True, "unmetered (--no-fuel): fanout over 2 worker nodes (1 core each)"),
]
# The same fanouts at max_iter 1: what a render costs besides the tile code
# (the worker compiling the module on its first spawn, 64 spawns, messages).
FIXED = [("1 node, max_iter 1", 1, False), ("1 node unmetered, max_iter 1", 1, True)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iters", type=int, default=20000)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    keys = ["native"] + [f[0] for f in FIGURES] + [f[0] for f in FIXED]
    runs = {k: [] for k in keys}
    cpus = {k: [] for k in keys}
    shares = {k: [] for k in keys}
    warm = {k: [] for k in keys}     # the second render of the same cluster
    warm_cpu = {k: [] for k in keys}
    warm_share = {k: [] for k in keys}
    load0 = os.getloadavg()[0]
    want = None
    _, _, want1 = native(1)
    for _ in range(a.reps):  # interleaved, so drift hits each figure alike
        ms, cpu, want = native(a.iters)
        runs["native"].append(ms)
        cpus["native"].append(cpu)
        todo = [(k, w, nf, a.iters, want) for k, w, nf, _ in FIGURES]
        todo += [(k, w, nf, 1, want1) for k, w, nf in FIXED]
        for key, workers, no_fuel, iters, checksum in todo:
            (cold, again), got = distributed(workers, iters, no_fuel)
            ms, cpu, share = cold
            shares[key].append(share)
            warm[key].append(again[0])
            warm_cpu[key].append(again[1])
            warm_share[key].append(again[2])
            if got != checksum:
                sys.exit("mandelbrot bench: %s rendered checksum %s, native %s" % (key, got, checksum))
            runs[key].append(ms)
            cpus[key].append(cpu)
    med = {k: statistics.median(v) for k, v in runs.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    speedup = med["1 node"] / med["2 nodes"]
    speedup_unmetered = med["1 node unmetered"] / med["2 nodes unmetered"]
    print("Mandelbrot 512x384, 64 tiles, max_iter %d (median of %d); load average %.1f -> %.1f"
          % (a.iters, a.reps, load0, os.getloadavg()[0]))
    print("| figure | median ms | ratio to native | CPU s (workers) | CPU ratio to native |")
    print("|---|---:|---:|---:|---:|")
    print("| native, one process on 1 core (baseline) | %.0f | 1.00 | %.2f | 1.00 |"
          % (med["native"], cpu["native"]))
    for key, _, _, label in FIGURES:
        print("| %s | %.0f | %.2f | %.2f | %.2f |" % (label, med[key], med[key] / med["native"],
                                                     cpu[key], cpu[key] / cpu["native"]))
    for key, _, _ in FIXED:
        print("| fixed cost: %s | %.0f | | %.2f | |" % (key, med[key], cpu[key]))
    for key, fixed in (("1 node", FIXED[0][0]), ("1 node unmetered", FIXED[1][0])):
        print("| %s net of its fixed cost (derived) | %.0f | %.2f | %.2f | %.2f |"
              % (key, med[key] - med[fixed], (med[key] - med[fixed]) / med["native"],
                 cpu[key] - cpu[fixed], (cpu[key] - cpu[fixed]) / cpu["native"]))
    print("| metered speed-up 1 -> 2 nodes | | %.2fx | | |" % speedup)
    print("| unmetered speed-up 1 -> 2 nodes | | %.2fx | | |" % speedup_unmetered)
    # Each node compiles the module once, in parallel: the same fixed cost on 1 and 2 nodes.
    for key, fixed, label in (("", FIXED[0][0], "metered"), (" unmetered", FIXED[1][0], "unmetered")):
        one, two = med["1 node" + key] - med[fixed], med["2 nodes" + key] - med[fixed]
        print("| %s speed-up 1 -> 2 nodes net of the fixed cost (derived) | | %.2fx | | |"
              % (label, one / two if two > 0 else float("nan")))
    print("| unmetered vs metered, 1 node | | %.2fx faster | | |"
          % (med["1 node"] / med["1 node unmetered"]))
    # How evenly the fanout spread the work: the busiest worker's share of the
    # workers' CPU bounds the speed-up at 1/share, whatever else runs on the machine.
    for key in ("2 nodes", "2 nodes unmetered"):
        sh = statistics.median(shares[key])
        print("| %s: busiest worker's share of the CPU | | %.3f (speed-up bound %.2fx) | | |"
              % (key, sh, 1 / sh))
    # Warm: the second render on the same cluster, every node's module compiled:
    # what a long-lived cluster gives each fanout.
    wmed = {k: statistics.median(v) for k, v in warm.items() if v}
    wcpu = {k: statistics.median(v) for k, v in warm_cpu.items() if v}
    print()
    print("Second render on the same cluster (warm: the module compiled on every node)")
    print("| figure | median ms | ratio to native | CPU s (workers) | CPU ratio to native |")
    print("|---|---:|---:|---:|---:|")
    for key, _, _, label in FIGURES:
        print("| %s | %.0f | %.2f | %.2f | %.2f |" % (label, wmed[key], wmed[key] / med["native"],
                                                     wcpu[key], wcpu[key] / cpu["native"]))
    for key, label in (("", "metered"), (" unmetered", "unmetered")):
        print("| %s speed-up 1 -> 2 nodes, warm | | %.2fx | | |"
              % (label, wmed["1 node" + key] / wmed["2 nodes" + key]))
    for key in ("2 nodes", "2 nodes unmetered"):
        sh = statistics.median(warm_share[key])
        print("| %s, warm: busiest worker's share of the CPU | | %.3f (speed-up bound %.2fx) | | |"
              % (key, sh, 1 / sh))
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "mandelbrot.json"), "w") as f:
        json.dump({"iters": a.iters, "samples_ms": runs, "medians_ms": med,
                   "samples_cpu_s": cpus, "medians_cpu_s": cpu, "speedup": speedup,
                   "warm_samples_ms": warm, "warm_samples_cpu_s": warm_cpu,
                   "speedup_unmetered": speedup_unmetered, "nproc": os.cpu_count(),
                   "loadavg": [load0, os.getloadavg()[0]]}, f, indent=2)


if __name__ == "__main__":
    main()
