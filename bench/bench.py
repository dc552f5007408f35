#!/usr/bin/env python3
"""Runs every lucidity benchmark and reports medians and ratios to raw-lunatic
baselines measured in the same run. Called by bench/run.sh after the build;
prints a table and writes bench/results/latest.json.

Figures come from programs that print "BENCH <name> <ns per op> <ops>" per
batch (lucbench.wasm locally and as the app node of a loopback cluster,
pb_bench natively); jobc is timed from here.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
from lucidity_cluster import Cluster  # noqa: E402

BENCH_RE = re.compile(r"^BENCH (\S+) ([0-9.]+) (\d+)")


def parse(lines, samples, failures, info):
    for line in lines:
        m = BENCH_RE.match(line)
        if m:
            samples.setdefault(m.group(1), []).append(float(m.group(2)))
        elif line.startswith("BENCHFAIL"):
            failures.append(line.strip())
        elif line.startswith("BENCHINFO"):
            _, k, v = line.split(None, 2)
            info[k] = v.strip()


def machine(lunatic):
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            cpu = m.group(1) if m else cpu
    except OSError:
        pass
    ver = subprocess.run([lunatic, "--version"], capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": cpu, "lunatic": ver, "kernel": platform.release(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def run_local(a, samples, failures, info):
    out = subprocess.run([a.lunatic, "run", a.wasm, "local", str(a.reps), str(a.calls),
                          str(a.items)], capture_output=True, text=True, timeout=1800)
    parse(out.stdout.splitlines(), samples, failures, info)
    if "BENCHDONE" not in out.stdout:
        failures.append("local: lucbench did not finish (exit %d): %s"
                        % (out.returncode, out.stderr.strip()[-500:]))


def run_remote(a, samples, failures, info):
    env = dict(os.environ, LUCBENCH_MODE="remote", LUCBENCH_REPS=str(a.remote_reps),
               LUCBENCH_CALLS=str(a.remote_calls), LUCBENCH_FANOUT=str(a.remote_items),
               LUCBENCH_NODES="2", RUST_LOG="info")
    cluster = Cluster(nodes=2, lunatic=a.lunatic, env=env)
    lines, done = [], False
    try:
        with cluster:
            cluster.run_app(a.wasm)
            for line in cluster.app_lines(time.time() + a.remote_timeout):
                lines.append(line)
                if a.verbose:
                    sys.stderr.write("remote: " + line)
                if line.startswith("BENCHDONE"):
                    done = True
                    break
    except TimeoutError:
        failures.append("remote: timed out after %ds; last lines: %s"
                        % (a.remote_timeout, " | ".join(l.strip() for l in lines[-3:])))
    parse(lines, samples, failures, info)
    if not done and not any(f.startswith("remote:") for f in failures):
        failures.append("remote: app ended without BENCHDONE; last lines: %s"
                        % " | ".join(l.strip() for l in lines[-3:]))
    left = cluster.leftovers()
    if left:
        failures.append("remote: processes left behind: %s" % ", ".join(left))


def run_native(a, samples, failures, info):
    out = subprocess.run([a.pb_bench, str(a.reps), str(a.pb_ops)], capture_output=True,
                         text=True, timeout=600)
    parse(out.stdout.splitlines(), samples, failures, info)


def job_file(path, decls):
    """A .job file of `decls` declarations: half messages (five fields, an array, an
    embedded message), half jobs over them with options."""
    msgs = max(1, decls // 2)
    with open(path, "w") as f:
        for i in range(msgs):
            inner = "inner: Msg%d; " % (i - 1) if i % 50 else ""  # chains of 50 levels
            f.write("message Msg%d { a: u32; b: f64; s: string; tags: [string]; %s}\n" % (i, inner))
        for i in range(decls - msgs):
            f.write("job run%d(m: Msg%d, n: u64, name: string) -> Msg%d { timeout = %ds; retries = 1; }\n"
                    % (i, i % msgs, (i + 1) % msgs, 1 + i % 60))


def jobc_once(cmd):
    """(seconds, max RSS KiB or None, error) of one jobc run under GNU time -v."""
    gnu_time = "/usr/bin/time"
    timed = [gnu_time, "-v"] + cmd if os.path.exists(gnu_time) else cmd
    t0 = time.perf_counter()
    r = subprocess.run(timed, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    err = "exit %d: %s" % (r.returncode, r.stderr.strip()[:300]) if r.returncode else None
    return dt, (int(m.group(1)) if m else None), err


def run_jobc(a, samples, failures, info):
    """jobc on generated files of 250, 500, 10,000 and 100,000 declarations (median of
    5, 5, 3 and a.jobs_reps runs), writing all outputs, and --check on the largest:
    time and peak RSS. Messages nest in a chain, so the largest file also exercises
    the descriptor widths and the nesting check."""
    tmp = tempfile.mkdtemp(prefix="lucbench-jobc-")
    try:
        out = os.path.join(tmp, "out")
        os.makedirs(out)
        sizes = [(250, 5), (500, 5), (10000, 3), (a.jobs, a.jobs_reps)]
        for decls, reps in sizes:
            src = os.path.join(tmp, "d%d.job" % decls)
            job_file(src, decls)
            info["jobc_%d_input_bytes" % decls] = str(os.path.getsize(src))
            for mode in ("", "--check") if decls == a.jobs else ("",):
                key = "jobc_%d%s" % (decls, "_check" if mode else "")
                for _ in range(reps):
                    dt, rss, err = jobc_once([a.jobc] + ([mode] if mode else ["-o", out]) + [src])
                    if err:
                        failures.append("jobc %d declarations: %s" % (decls, err))
                        break
                    samples.setdefault(key, []).append(dt * 1e9)
                    if rss:
                        info[key + "_max_rss_kib"] = str(max(rss, int(info.get(key + "_max_rss_kib", 0))))
                shutil.rmtree(out, ignore_errors=True)
                os.makedirs(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def med(samples, name):
    v = samples.get(name)
    return statistics.median(v) if v else None


def table(samples, info, failures, calls):
    """Rows: (figure, value, unit, baseline value, ratio, note)."""
    rows = []

    def us(name, base, label, note=""):
        v, b = med(samples, name), med(samples, base) if base else None
        rows.append((label, "%.1f" % (v / 1e3) if v else "n/a", "us/call",
                     "%.1f" % (b / 1e3) if b else "-", "%.2f" % (v / b) if v and b else "-", note))

    def per_s(name, base, label, note="", unit="items/s"):
        v, b = med(samples, name), med(samples, base)
        rows.append((label, "%.0f" % (1e9 / v) if v else "n/a", unit,
                     "%.0f" % (1e9 / b) if b else "-", "%.2f" % (v / b) if v and b else "-", note))

    us("luc_call", "raw_call+config", "1 square_local round trip (lucidity_call)",
       "raw spawns with its own config, as lucidity does")
    us("luc_async", "raw_async", "2a start+await, 16 in flight")
    per_s("luc_fanout", "raw_fanout", "2b local fanout 10,000 items, window 64")
    per_s("luc_fanout_wide", "luc_fanout", "2c local fanout 10,000 items, window 1,000,000",
          "vs 2b: per-completion cost must not grow with the window")
    us("luc_remote_call", "raw_remote_call", "3a remote round trip (2 workers)")
    per_s("luc_remote_fanout", "raw_remote_fanout", "3b remote fanout 2,000 items, window 64")
    per_s("luc_remote_fanout_256", "luc_remote_fanout", "3b' remote fanout 2,000 items, window 256",
          "vs 3b: what a deeper pipeline per node adds")
    per_s("luc_remote_fanout_pool", "luc_remote_fanout", "3e pooled remote fanout, pool 32, window 64",
          "vs 3b: each node's pool workers serve its items")
    us("luc_remote_call", "raw_remote_rr", "3a' remote round trip vs running process",
       "raw = round trip to an already-running process on a worker (engine floor)")
    us("luc_pyth_fanout", "raw_remote_call", "3c 7-item remote fanout, jobs call jobs",
       "the seed's pythagorean; us per fanout; raw = one raw remote spawn + reply")
    def ns(name, base, label, note=""):
        v, b = med(samples, name), med(samples, base) if base else None
        rows.append((label, "%.0f" % v if v else "n/a", "ns/op", "%.0f" % b if b else "-",
                     "%.2f" % (v / b) if v and b else "-", note))

    def rate(name, base, label, note=""):
        per_s(name, base, label, note, unit="calls/s")

    rate("luc_pool_call", "raw_rr", "7a pooled square_local round trip, pool 1",
         "raw = round trip to an already-running process")
    rate("luc_pool_call", "luc_call", "7b pooled vs per-call process round trip",
         "raw column = figure 1 (lucidity_call, a process per call)")
    pw = info.get("pool_fanout_workers", "?")
    rate("luc_pool_fanout", "raw_rr_fan", "7c pooled local fanout, pool %s" % pw,
         "raw = %s running processes, one request in flight each" % pw)
    rate("luc_pool_fanout", "luc_fanout", "7d pooled vs per-call-process local fanout",
         "raw column = figure 2b")

    wbytes = info.get("wasm_message_bytes", "?")
    ns("msg1k_luc", "msg1k_stream", "4w message write+read, %s B Polyline (wasm)" % wbytes,
       "raw = the pre-issue-14 path: callback streams, one host call per nanopb write")
    ns("msg1k_raw", "msg1k_luc", "  4w floor: the encoded bytes, one write_data + one read_data",
       "vs 4w: what host calls still cost")
    ns("msg1k_encode_mem", "msg1k_luc", "  4w nanopb encode into memory alone (wasm)", "vs 4w")
    ns("msg1k_decode_mem", "msg1k_luc", "  4w nanopb decode from memory + release (wasm)", "vs 4w")
    for name in ("pb_encode", "pb_decode", "pb_get_encoded_size"):
        v = med(samples, name)
        rows.append(("4 nanopb %s, %s B Polyline (native)" % (name[3:], info.get("pb_message_bytes", "?")),
                     "%.0f" % v if v else "n/a", "ns/op", "-", "-", ""))
    def jobc_key(k):
        parts = k[5:].split("_")
        return int(parts[0]), len(parts)
    for name in sorted((k for k in samples if k.startswith("jobc_")), key=jobc_key):
        decls, check = jobc_key(name)[0], name.endswith("_check")
        v = med(samples, name)
        rows.append(("5 jobc%s, %d declarations (%s B input)" % (" --check" if check else "", decls,
                                                               info.get("jobc_%d_input_bytes" % decls, "?")),
                     "%.2f" % (v / 1e9), "s", "-", "-", "median of %d; max RSS %s KiB"
                     % (len(samples[name]), info.get(name + "_max_rss_kib", "?"))))
    # 6: bench/mandelbrot.py (run by run.sh after this script) prints its own table
    # where the local round-trip gap comes from: raw plus one lucidity ingredient at a time
    us("raw_call", "raw_call+config", "  profile: raw_call, inherited config (-1)")
    for name in ("raw_call+link", "raw_call+nanopb", "raw_call+config+link+nanopb"):
        us(name, "raw_call", "  profile: %s" % name)
    for name, label in (("config_only", "create+4 setters+drop config"),
                        ("msg_write_nanopb", "message write, nanopb sized + callback"),
                        ("msg_write_raw", "message write, one write_data")):
        v = med(samples, name)
        rows.append(("  profile: " + label, "%.0f" % v if v else "n/a", "ns/op", "-", "-", ""))
    return rows


def render(rows, mach):
    out = ["machine: %s; nproc %s; %s; kernel %s; %s"
           % (mach["cpu"], mach["nproc"], mach["lunatic"], mach["kernel"], mach["date"]), ""]
    head = ("figure", "lucidity", "unit", "raw", "ratio", "note")
    w = [max(len(str(r[i])) for r in rows + [head]) for i in range(6)]
    fmt = "| " + " | ".join("%%-%ds" % x for x in w) + " |"
    out.append(fmt % head)
    out.append("|" + "|".join("-" * (x + 2) for x in w) + "|")
    out += [fmt % r for r in rows]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasm", required=True)
    ap.add_argument("--pb-bench", dest="pb_bench", required=True)
    ap.add_argument("--jobc", required=True)
    ap.add_argument("--lunatic", default=os.path.join(ROOT, ".deps", "bin", "lunatic"))
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--items", type=int, default=10000)
    ap.add_argument("--remote-reps", dest="remote_reps", type=int, default=5)
    ap.add_argument("--remote-calls", dest="remote_calls", type=int, default=30)
    ap.add_argument("--remote-items", dest="remote_items", type=int, default=2000)
    ap.add_argument("--remote-timeout", dest="remote_timeout", type=int, default=900)
    ap.add_argument("--pb-ops", dest="pb_ops", type=int, default=20000)
    ap.add_argument("--jobs", type=int, default=100000, help="declarations in the largest jobc input")
    ap.add_argument("--jobs-reps", dest="jobs_reps", type=int, default=1)
    ap.add_argument("--only", default="local,remote,native,jobc")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "latest.json"))
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()

    samples, failures, info = {}, [], {}
    mach = machine(a.lunatic)
    steps = {"local": run_local, "remote": run_remote, "native": run_native, "jobc": run_jobc}
    unknown = [s for s in a.only.split(",") if s not in steps]
    if unknown:
        sys.stderr.write("bench.py: --only %s: no such step (steps: %s)\n"
                         % (",".join(unknown), ",".join(steps)))
        return 2
    for step in a.only.split(","):
        t0 = time.time()
        sys.stderr.write("bench: %s...\n" % step)
        steps[step](a, samples, failures, info)
        sys.stderr.write("bench: %s done in %.0fs\n" % (step, time.time() - t0))
    rows = table(samples, info, failures, a.calls)
    print(render(rows, mach))
    for f in failures:
        print("FAILURE: " + f)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({"machine": mach, "info": info, "failures": failures,
                   "medians_ns": {k: statistics.median(v) for k, v in samples.items()},
                   "samples_ns": samples,
                   "table": [dict(zip(("figure", "lucidity", "unit", "raw", "ratio", "note"), r))
                             for r in rows]}, f, indent=1)
    print("\nwrote %s" % os.path.relpath(a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
