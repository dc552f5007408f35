#!/usr/bin/env python3
"""A stand-in for the lunatic VM, for tests of the launcher's own logic
(tools/lucidity). It speaks the parts of lunatic 0.13.2's CLI the launcher
uses, and logs as lunatic does (on stderr):

  control --bind-socket IP:PORT        listens on IP:PORT (TCP) until SIGINT
  node URL --bind-socket IP:PORT [--wasm APP]
        logs "Registration successful, node id N", binds IP:PORT (UDP) and
        stays up until SIGINT; with --wasm it also plays the app.

FAKE_LUNATIC_DIR (required) is a folder for its bookkeeping: every process
appends its pid to `pids`, and numbered attempts use counters there.
FAKE_LUNATIC (comma-separated) picks faults:
  control-port-taken-once  the first control fails as lunatic does on a taken port
  node-port-taken-once     the first node registers, then exits 0 without binding
                           (what lunatic does when its port is taken)
  node-silent              nodes never register
Every process that has LUNATIC_NO_FUEL=1 in its environment (an unmetered
node) appends "MODE pid" (control/node/app) to `no-fuel` in FAKE_LUNATIC_DIR.
FAKE_LUNATIC_APP picks what the app does:
  exit:N   prints "fake app", then the exit marker line with status N (default exit:0)
  trap     logs "Process 1 failed" (lunatic's words for a trapping main)
  error    logs "Error running wasm: ..." (lunatic's words for a module it cannot run)
  wait     prints "app waiting" and nothing more
  crash    the node exits with status 101 (as a panicking lunatic does)
"""
import fcntl
import os
import signal
import socket
import sys
import time


def bump(name):
    """Increments the counter `name` in FAKE_LUNATIC_DIR; returns its new value."""
    path = os.path.join(os.environ["FAKE_LUNATIC_DIR"], name)
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        n = int(f.read() or 0) + 1
        f.seek(0)
        f.truncate()
        f.write(str(n))
    return n


def log(text):
    sys.stderr.write("[fake] %s\n" % text)
    sys.stderr.flush()


def addr(args):
    host, port = args[args.index("--bind-socket") + 1].rsplit(":", 1)
    return host, int(port)


def serve_forever():
    while True:
        time.sleep(3600)


def control(args, faults):
    if "control-port-taken-once" in faults and bump("control-attempts") == 1:
        log("Error: Address already in use (os error 98)")
        sys.exit(1)
    s = socket.socket()
    s.bind(addr(args))
    s.listen()
    log("Register URL: http://%s:%d/" % addr(args))
    serve_forever()


def app(behaviour):
    kind, _, arg = behaviour.partition(":")
    if kind == "exit":
        print("fake app")
        print("\n%s %s" % (os.environ["LUCIDITY_EXIT_MARKER"], arg or "0"), flush=True)
    elif kind == "trap":
        log("WARN  lunatic_process] Process 1 failed, notifying: 0 links")
    elif kind == "error":
        log("ERROR lunatic::mode::node] Error running wasm: Module 'app.wasm' not found")
    elif kind == "wait":
        print("app waiting", flush=True)
    elif kind == "crash":
        sys.exit(101)


def node(args, faults):
    if "node-silent" in faults:
        serve_forever()
    log("Registration successful, node id %d" % bump("node-ids"))
    if "node-port-taken-once" in faults and bump("node-attempts") == 1:
        sys.exit(0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(addr(args))
    if "--wasm" in args:
        app(os.environ.get("FAKE_LUNATIC_APP", "exit:0"))
    serve_forever()


def main():
    # Ctrl-C ends it, as it ends lunatic, also when started with SIGINT ignored
    # (a background job of a non-interactive shell, as in deploy/).
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    with open(os.path.join(os.environ["FAKE_LUNATIC_DIR"], "pids"), "a") as f:
        f.write("%d\n" % os.getpid())
    faults = os.environ.get("FAKE_LUNATIC", "").split(",")
    mode, args = sys.argv[1], sys.argv[2:]
    if os.environ.get("LUNATIC_NO_FUEL") == "1":
        with open(os.path.join(os.environ["FAKE_LUNATIC_DIR"], "no-fuel"), "a") as f:
            f.write("%s %d\n" % ("app" if "--wasm" in args else mode, os.getpid()))
    {"control": control, "node": node}[mode](args, faults)


if __name__ == "__main__":
    main()
