#!/usr/bin/env python3
"""Runs a wasm app as the app node of a fresh loopback cluster (control + N
worker nodes) and checks its output: exits 0 when a line matches --pass and no
line matches --fail, within --timeout seconds. Checks that every process the
cluster started is gone afterwards.

  run_in_cluster.py --nodes 2 --pass 'dist smoke: ok' app.wasm

A line "lucidity-test: kill node N" from the app makes it SIGKILL worker node N
(node-loss tests).
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from lucidity_cluster import Cluster  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--pass", dest="pass_re", required=True)
    ap.add_argument("--fail", dest="fail_re", default=r"\bFAIL\b")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--lunatic")
    ap.add_argument("--env", action="append", default=[], help="K=V for every node")
    ap.add_argument("wasm")
    a = ap.parse_args()

    ok = False
    failed = False
    env = dict(os.environ)
    env.update(kv.split("=", 1) for kv in a.env)
    cluster = Cluster(nodes=a.nodes, lunatic=a.lunatic, env=env)
    try:
        with cluster:
            cluster.run_app(a.wasm)
            for line in cluster.app_lines(time.time() + a.timeout):
                sys.stdout.write(line)
                sys.stdout.flush()
                kill = re.search(r"lucidity-test: kill node (\d+)", line)
                if kill:
                    cluster.kill_node(int(kill.group(1)))
                    print("run_in_cluster: SIGKILLed node %s" % kill.group(1))
                if re.search(a.fail_re, line):
                    failed = True
                    break
                if re.search(a.pass_re, line):
                    ok = True
                    break
    except TimeoutError as e:
        print("run_in_cluster: %s" % e)
    left = cluster.leftovers()
    kept = cluster.finish(ok and not failed and not left)
    if kept:
        print("run_in_cluster: logs kept in %s" % kept)
    if left:
        print("run_in_cluster: FAIL processes left behind: %s" % ", ".join(left))
        return 1
    print("run_in_cluster: all %d started processes stopped" % len(cluster.procs))
    return 0 if ok and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
