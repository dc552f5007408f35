#!/usr/bin/env python3
"""Tests of the launcher (tools/lucidity), one case per promise README's "A local
cluster" makes. Cases named vm.* run the real lunatic VM (--vm) and the test
apps in --wasm-dir; the others run tests/cli/fake_lunatic.py as the VM, which
is enough for the launcher's own logic and lets faults be picked.

  cli_test.py CASE [--vm LUNATIC --wasm-dir DIR] [--lucidity tools/lucidity]

Every case checks that no process the launcher started (the whole tree, read
from /proc) is left when it is done. Exits 0 when the case passes.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from lucidity_cluster import LineReader  # noqa: E402
from lucidity_proc import identity, sockets  # noqa: E402

FAKE = os.path.join(HERE, "fake_lunatic.py")
LIMIT = 50 * 1024 * 1024  # lunatic's control refuses larger module uploads
CASES = {}


def case(fn):
    CASES[fn.__name__.replace("vm_", "vm.")] = fn
    return fn


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def wait_for(stream, text, timeout=30):
    """Reads a process's output (a binary pipe) until a line holds text."""
    seen = []
    try:
        for line in LineReader(stream).lines(time.time() + timeout):
            seen.append(line)
            if text in line:
                return
    except TimeoutError:
        pass
    raise Failed("no %r in the output: %r" % (text, "".join(seen)))


class T:
    """One case's world: a private TMPDIR (where the launcher keeps logs), state
    folder and fake-VM folder, and the environment the launcher runs in."""

    def __init__(self, a, vm):
        self.a = a
        self.dir = tempfile.mkdtemp(prefix="lucidity-cli-test-")
        self.tmp = os.path.join(self.dir, "tmp")
        self.fake = os.path.join(self.dir, "fake")
        self.state = os.path.join(self.dir, "state")
        for d in (self.tmp, self.fake):
            os.mkdir(d)
        self.env = dict(os.environ, TMPDIR=self.tmp, FAKE_LUNATIC_DIR=self.fake,
                        LUNATIC=a.vm if vm else FAKE)
        self.env.pop("FAKE_LUNATIC", None)
        self.env.pop("FAKE_LUNATIC_APP", None)
        self.procs = set()  # (pid, start) of every process seen in a launcher's tree

    def wasm(self, name):
        return os.path.join(self.a.wasm_dir, name)

    def module(self, name, body=b"LUCIDITY_EXIT_MARKER", size=None):
        """A file the launcher's up-front checks see as a lucidity app."""
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(b"\0asm\1\0\0\0" + body)
            if size:
                f.truncate(size)
        return path

    def launch(self, *args, text=False, **env):
        e = dict(self.env, **env)
        return subprocess.Popen([sys.executable, self.a.lucidity, "--state", self.state] + list(args),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=text, env=e,
                                start_new_session=True)

    def run(self, *args, timeout=60, **env):
        p = self.launch(*args, text=True, **env)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.note_tree(p.pid)
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            raise Failed("lucidity %s hung (no exit within %ss)" % (" ".join(args), timeout))
        sys.stdout.write("$ lucidity %s -> %d\n%s%s" % (" ".join(args), p.returncode, out, err))
        return p.returncode, out, err

    def note_tree(self, pid):
        """Remembers pid's descendants (read from /proc) for the final check."""
        children = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open("/proc/%s/stat" % entry) as f:
                        stat = f.read()
                except OSError:
                    continue
                ppid = int(stat[stat.rindex(")") + 2:].split()[1])
                children.setdefault(ppid, []).append(int(entry))
        found, todo = [], list(children.get(pid, []))
        while todo:
            p = todo.pop()
            found.append(p)
            todo += children.get(p, [])
        for p in found:
            ident = identity(p)
            if ident:
                self.procs.add((p, ident["start"]))
        return found

    def started(self):
        """pids the fake VM recorded (every process it ran as)."""
        try:
            with open(os.path.join(self.fake, "pids")) as f:
                return [int(x) for x in f.read().split()]
        except FileNotFoundError:
            return []

    def alive(self):
        """Processes of the launcher's trees and of the fake VM still running."""
        left = []
        for pid, start in self.procs:
            ident = identity(pid)
            if ident and ident["start"] == start:
                left.append("%d %s" % (pid, " ".join(ident["cmdline"])))
        for pid in self.started():
            ident = identity(pid)
            if ident and any("fake_lunatic" in arg for arg in ident["cmdline"]):
                left.append("%d %s" % (pid, " ".join(ident["cmdline"])))
        return sorted(set(left))

    def check_all_gone(self, within=10):
        deadline = time.time() + within
        while self.alive() and time.time() < deadline:
            time.sleep(0.05)
        left = self.kill_left()
        check(not left, "processes left behind: %s" % "; ".join(left))

    def kill_left(self):
        """SIGKILLs what is still alive (not to leave it to the next test); returns it."""
        left = self.alive()
        for entry in left:
            try:
                os.kill(int(entry.split()[0]), signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left

    def log_dirs(self):
        return sorted(d for d in os.listdir(self.tmp) if d.startswith("lucidity-cluster-"))

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# -- 1. `lucidity run` notices a failed app node and exits non-zero, saying why ----------

def expect_app_failure(t, app, why):
    rc, out, err = t.run("run", "--nodes", "1", "--timeout", "60", app)
    check(rc == 1, "exit status %d, expected 1 (124 means the launcher waited for its timeout)"
          % rc)
    check(why in err, "no %r in stderr" % why)


@case
def app_error(t):
    """The app node logs that lunatic cannot run the module (missing, refused upload)."""
    t.env["FAKE_LUNATIC_APP"] = "error"
    expect_app_failure(t, t.module("app.wasm"), "lunatic could not run it: Module")


@case
def vm_app_error(t):
    """A module lunatic cannot instantiate (it imports env.missing)."""
    expect_app_failure(t, bad_import_module(t), "lunatic could not run it: unknown import")


def bad_import_module(t):
    """The smallest app the up-front checks accept that imports a function no
    lunatic host has: _start, an import of env.missing, the runtime's name in
    a custom section."""
    def leb(n):
        out = bytearray()
        while True:
            out.append((n & 0x7F) | (0x80 if n >> 7 else 0))
            n >>= 7
            if not n:
                return bytes(out)

    def section(kind, payload):
        return bytes([kind]) + leb(len(payload)) + payload

    def name(text):
        return leb(len(text)) + text

    body = b"".join([
        section(1, leb(1) + b"\x60\x00\x00"),                               # type () -> ()
        section(2, leb(1) + name(b"env") + name(b"missing") + b"\x00\x00"),  # import func 0
        section(3, leb(1) + leb(0)),                                         # func 1: type 0
        section(7, leb(1) + name(b"_start") + b"\x00" + leb(1)),             # export _start
        section(10, leb(1) + leb(2) + b"\x00\x0b"),                          # empty body
        section(0, name(b"lucidity") + b"LUCIDITY_EXIT_MARKER")])
    return t.module("bad_import.wasm", body=body)


@case
def app_node_exits(t):
    """The app node exits without the app's exit status."""
    t.env["FAKE_LUNATIC_APP"] = "crash"
    expect_app_failure(t, t.module("app.wasm"), "the app node exited with status 101")


@case
def app_trap(t):
    t.env["FAKE_LUNATIC_APP"] = "trap"
    expect_app_failure(t, t.module("app.wasm"), "its main process trapped")


@case
def vm_app_trap(t):
    """A real app whose main calls abort()."""
    t.env["LUCIDITY_TEST_EXIT"] = "abort"
    expect_app_failure(t, t.wasm("tests/runtime/exit_app.wasm"), "its main process trapped")


def expect_refused(t, app, why):
    rc, out, err = t.run("run", "--nodes", "1", "--timeout", "60", app)
    check(rc == 2, "exit status %d, expected 2" % rc)
    check(why in err, "no %r in stderr" % why)
    check(not t.started() and not t.log_dirs(), "a cluster was started for %s" % app)


@case
def bad_module(t):
    expect_refused(t, os.path.join(t.dir, "missing.wasm"), "no such file")
    expect_refused(t, t.dir, "not a readable file")
    expect_refused(t, FAKE, "not a WebAssembly module")
    expect_refused(t, t.module("plain.wasm", body=b"plain"), "does not link the lucidity runtime")
    expect_refused(t, t.module("big.wasm", size=LIMIT + 1), "modules up to 50 MiB")


@case
def module_limit(t):
    """A module of exactly the control node's limit is run."""
    rc, out, err = t.run("run", "--nodes", "1", "--timeout", "60",
                         t.module("big.wasm", size=LIMIT))
    check(rc == 0 and "fake app" in out, "a module of 50 MiB was not run")


@case
def vm_bad_module(t):
    expect_refused(t, t.wasm("tests/runtime/plain_wasi.wasm"), "does not link the lucidity runtime")
    expect_refused(t, os.path.join(t.dir, "missing.wasm"), "no such file")
    expect_refused(t, t.a.vm, "not a WebAssembly module")


# -- 2. the launcher's children die with it ---------------------------------------------

def kill_launcher(t, app, sig, **env):
    p = t.launch("run", "--nodes", "2", app, **env)
    wait_for(p.stdout, "app waiting")
    tree = t.note_tree(p.pid)
    check(len(tree) >= 4, "expected control + 2 nodes + the app node, found %s" % tree)
    os.kill(p.pid, sig)
    rc = p.wait(timeout=30)
    err = p.stderr.read().decode(errors="replace")
    sys.stdout.write("launcher exit status %d\n%s" % (rc, err))
    t.check_all_gone()
    return rc


@case
def sigkill(t):
    kill_launcher(t, t.module("app.wasm"), signal.SIGKILL, FAKE_LUNATIC_APP="wait")


@case
def sighup(t):
    rc = kill_launcher(t, t.module("app.wasm"), signal.SIGHUP, FAKE_LUNATIC_APP="wait")
    check(rc == 128 + signal.SIGHUP, "exit status %d after SIGHUP" % rc)


@case
def vm_sigkill(t):
    kill_launcher(t, t.wasm("tests/runtime/exit_app.wasm"), signal.SIGKILL,
                  LUCIDITY_TEST_EXIT="wait")


@case
def vm_sighup(t):
    rc = kill_launcher(t, t.wasm("tests/runtime/exit_app.wasm"), signal.SIGHUP,
                       LUCIDITY_TEST_EXIT="wait")
    check(rc == 128 + signal.SIGHUP, "exit status %d after SIGHUP" % rc)


@case
def entrypoint_sighup(t):
    """deploy/entrypoint-worker.sh turns SIGHUP (a closed terminal) into a Ctrl-C for its node."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The keys as a platform delivers secrets (fly): contents in variables.
    secret = "s3cret-of-the-cluster-0123456789"
    env = dict(t.env, LUCIDITY_LUNATIC=FAKE, LUCIDITY_CONTROL_URL="http://127.0.0.1:1/",
               LUCIDITY_NODE_ADDR="127.0.0.1:%d" % port, TMPDIR=t.tmp,
               LUCIDITY_CLUSTER_CA_PEM="-----BEGIN CERTIFICATE-----\nfake\n",
               LUCIDITY_CLUSTER_CA_KEY_PEM="-----BEGIN PRIVATE KEY-----\nfake\n",
               LUNATIC_CLUSTER_SECRET=secret)
    p = subprocess.Popen(["sh", os.path.join(ROOT, "deploy", "entrypoint-worker.sh")],
                         stderr=subprocess.PIPE, env=env, start_new_session=True)
    wait_for(p.stderr, "Registration successful")
    nodes = t.note_tree(p.pid)
    check(len(nodes) == 1, "the entrypoint did not start one node")
    # The worker's lunatic gets them as 0600 files in a private folder, and
    # neither the contents nor the CA key in its environment.
    node_env = environ(nodes[0])
    check(not any(k in node_env for k in ("LUCIDITY_CLUSTER_CA_PEM", "LUCIDITY_CLUSTER_CA_KEY_PEM",
                                          "LUNATIC_CLUSTER_SECRET", "LUNATIC_CLUSTER_CA_KEY")),
          "the node's environment holds key contents or the CA key: %r" % sorted(node_env))
    secret_file = node_env.get("LUNATIC_CLUSTER_SECRET_FILE", "")
    keys = os.path.dirname(secret_file)
    with open(secret_file) as f:
        check(f.read().strip() == secret, "the secret file does not hold the secret")
    check(os.stat(keys).st_mode & 0o777 == 0o700 and os.stat(secret_file).st_mode & 0o777 == 0o600
          and sorted(os.listdir(keys)) == ["ca.pem", "secret"],
          "the key folder %s is not private or holds the CA key" % keys)
    os.kill(p.pid, signal.SIGHUP)
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        raise Failed("the entrypoint did not end after SIGHUP")
    check(rc == 0, "entrypoint exit status %d: the node did not end on the forwarded Ctrl-C" % rc)
    check(not os.path.exists(keys), "the entrypoint left its key folder %s" % keys)
    t.check_all_gone()


# -- 3. `cluster status` / `down` verify each recorded process before trusting it -------

def write_state(t, procs):
    import json
    os.makedirs(t.state, exist_ok=True)
    with open(os.path.join(t.state, "cluster.json"), "w") as f:
        json.dump({"control": "http://127.0.0.1:1/", "lunatic": FAKE, "logs": t.tmp,
                   "procs": procs}, f)


@case
def stale_state(t):
    """The recorded pids now belong to an unrelated process (pid reuse)."""
    other = subprocess.Popen(["sleep", "120"], start_new_session=True)
    try:
        ident = identity(other.pid)
        write_state(t, [
            # an old state file: no identity recorded
            {"role": "control", "pid": other.pid, "log": "x"},
            # the identity of the process that had this pid before
            {"role": "node", "pid": other.pid, "start": ident["start"] - 1,
             "args": ["120"], "log": "x"}])
        rc, out, err = t.run("cluster", "status")
        check(rc == 1, "status exit %d with no process up" % rc)
        check("unverified (recorded without its identity; pid %d left alone)" % other.pid in out
              and "gone (pid %d is now another process)" % other.pid in out,
              "status took the pid for ours")
        rc, out, err = t.run("cluster", "down")
        check(rc == 0, "down failed")
        check(other.poll() is None, "cluster down signalled an unrelated process")
        check(not os.path.exists(os.path.join(t.state, "cluster.json")), "state file kept")
    finally:
        other.kill()
        other.wait()


@case
def state_lock(t):
    """Another lucidity command holds the state: fail in one line, bounded."""
    import fcntl
    write_state(t, [])
    with open(os.path.join(t.state, "cluster.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rc, out, err = t.run("cluster", "down")
    check(rc == 2 and "in use by another lucidity command" in err,
          "cluster down did not report the held lock")
    check(os.path.exists(os.path.join(t.state, "cluster.json")), "state changed while locked")


@case
def cluster_lifecycle(t):
    rc, out, err = t.run("cluster", "up", "--nodes", "2")
    check(rc == 0 and "cluster up" in out, "cluster up failed")
    rc, out, err = t.run("cluster", "status")
    check(rc == 0 and out.count(" up") == 3, "status does not show 3 processes up")
    rc, out, err = t.run("cluster", "run", "--timeout", "60", t.module("app.wasm"),
                         FAKE_LUNATIC_APP="exit:0")
    check(rc == 0 and "fake app" in out, "cluster run failed")
    rc, out, err = t.run("cluster", "down")
    check(rc == 0 and out.strip() == "cluster down", "cluster down failed")
    t.check_all_gone()
    check(not t.log_dirs(), "a healthy cluster's logs were kept: %s" % t.log_dirs())


# -- 3b. every cluster gets fresh keys, private, given as paths in the environment ------

def environ(pid):
    with open("/proc/%d/environ" % pid, "rb") as f:
        return dict(kv.split("=", 1) for kv in f.read().decode().split("\0") if "=" in kv)


def check_private(keys):
    check(os.stat(keys).st_mode & 0o777 == 0o700, "%s is not mode 0700" % keys)
    for name in ("ca.pem", "ca.key", "secret"):
        mode = os.stat(os.path.join(keys, name)).st_mode & 0o777
        check(mode == 0o600, "%s/%s has mode %o, not 0600" % (keys, name, mode))
    with open(os.path.join(keys, "secret")) as f:
        return f.read().strip()


def check_keys_env(keys, secret, role, pid):
    env = environ(pid)
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        cmdline = f.read().decode()
    check(env.get("LUNATIC_CLUSTER_CA") == os.path.join(keys, "ca.pem")
          and env.get("LUNATIC_CLUSTER_SECRET_FILE") == os.path.join(keys, "secret"),
          "%s (pid %d) lacks the cluster's CA or secret file" % (role, pid))
    has_key = env.get("LUNATIC_CLUSTER_CA_KEY") == os.path.join(keys, "ca.key")
    check(has_key == (role == "control"), "%s (pid %d) %s the CA key"
          % (role, pid, "has" if has_key else "lacks"))
    check(secret not in cmdline and all(secret not in v for v in env.values())
          and "LUNATIC_CLUSTER_SECRET" not in env,
          "the secret itself is in %s's command line or environment" % role)


@case
def cluster_keys(t):
    first = None
    for _ in range(2):  # two clusters in a row: each with its own keys
        rc, out, err = t.run("cluster", "up", "--nodes", "2",
                             LUNATIC_CLUSTER_SECRET="from-the-callers-env-0123456789")
        check(rc == 0, "cluster up failed")
        keys = os.path.join(t.state, "keys")
        with open(os.path.join(t.state, "cluster.json")) as f:
            st = json.load(f)
        check(st.get("keys") == keys, "the state does not record the keys folder")
        secret = check_private(keys)
        check(secret != first, "a second cluster got the first one's secret")
        first = secret
        for p in st["procs"]:
            check_keys_env(keys, secret, p["role"], p["pid"])
        app = t.launch("cluster", "run", "--timeout", "60", t.module("app.wasm"),
                       FAKE_LUNATIC_APP="wait")
        wait_for(app.stdout, "app waiting")
        app_pid = next(pid for pid in t.note_tree(app.pid)
                       if "--wasm" in open("/proc/%d/cmdline" % pid).read())
        check_keys_env(keys, secret, "app", app_pid)
        os.kill(app.pid, signal.SIGTERM)
        app.wait(timeout=30)
        rc, out, err = t.run("cluster", "down")
        check(rc == 0 and not os.path.exists(keys), "cluster down left the keys in %s" % keys)
    # `run` makes its own, in its log folder, and removes them however it ends.
    p = t.launch("run", "--nodes", "1", t.module("app.wasm"), FAKE_LUNATIC_APP="wait")
    wait_for(p.stdout, "app waiting")
    keys = [k for k in (os.path.join(t.tmp, d, "keys") for d in t.log_dirs()) if os.path.isdir(k)]
    check(len(keys) == 1, "no keys folder in the run's log folder: %r" % keys)
    secret = check_private(keys[0])
    for pid in t.note_tree(p.pid):
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")
        if b"control" in argv:
            check_keys_env(keys[0], secret, "control", pid)
        elif b"node" in argv:
            check_keys_env(keys[0], secret, "node", pid)
    os.kill(p.pid, signal.SIGTERM)
    p.wait(timeout=30)
    check(not os.path.exists(keys[0]), "the run left its keys in %s" % keys[0])


def unmetered(t):
    """The modes of the processes the fake VM ran with LUNATIC_NO_FUEL=1, sorted."""
    try:
        with open(os.path.join(t.fake, "no-fuel")) as f:
            return sorted(line.split()[0] for line in f)
    except FileNotFoundError:
        return []


@case
def no_fuel(t):
    """--no-fuel runs every node of the cluster unmetered, the app node of a later
    `cluster run` included; without it nothing is; the deploy entrypoints take
    LUCIDITY_NO_FUEL=0/1 and refuse anything else."""
    t.env.pop("LUNATIC_NO_FUEL", None)
    rc, out, err = t.run("run", "--nodes", "2", "--timeout", "60", t.module("app.wasm"))
    check(rc == 0 and unmetered(t) == [], "metered run: %s unmetered" % unmetered(t))
    rc, out, err = t.run("run", "--no-fuel", "--nodes", "2", "--timeout", "60", t.module("app.wasm"))
    check(rc == 0 and "fake app" in out, "run --no-fuel failed: %s" % err)
    check(unmetered(t) == ["app", "control", "node", "node"], "unmetered: %s" % unmetered(t))
    os.remove(os.path.join(t.fake, "no-fuel"))
    rc, out, err = t.run("cluster", "up", "--no-fuel", "--nodes", "1")
    check(rc == 0 and "unmetered" in out, "cluster up --no-fuel: %r" % out)
    rc, out, err = t.run("cluster", "status")
    check(rc == 0 and "unmetered" in out, "status does not say unmetered: %r" % out)
    rc, out, err = t.run("cluster", "run", "--timeout", "60", t.module("app.wasm"))
    check(rc == 0 and unmetered(t) == ["app", "control", "node"], "unmetered: %s" % unmetered(t))
    rc, out, err = t.run("cluster", "down")
    check(rc == 0, "cluster down failed")
    env = dict(t.env, LUCIDITY_LUNATIC=FAKE, LUCIDITY_CONTROL_URL="http://127.0.0.1:1/",
               LUCIDITY_NODE_ADDR="127.0.0.1:1", LUCIDITY_NO_FUEL="yes", TMPDIR=t.tmp,
               LUCIDITY_CLUSTER_CA_PEM="-----BEGIN CERTIFICATE-----\nfake\n",
               LUNATIC_CLUSTER_SECRET="s3cret-of-the-cluster-0123456789")
    p = subprocess.run(["sh", os.path.join(ROOT, "deploy", "entrypoint-worker.sh")],
                       capture_output=True, text=True, env=env, timeout=30)
    check(p.returncode == 2 and "LUCIDITY_NO_FUEL must be 0 or 1" in p.stderr,
          "entrypoint took LUCIDITY_NO_FUEL=yes: %d %r" % (p.returncode, p.stderr))
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env.update(LUCIDITY_NO_FUEL="1", LUCIDITY_NODE_ADDR="127.0.0.1:%d" % port)
    p = subprocess.Popen(["sh", os.path.join(ROOT, "deploy", "entrypoint-worker.sh")],
                         stderr=subprocess.PIPE, env=env, start_new_session=True)
    wait_for(p.stderr, "Registration successful")
    os.kill(p.pid, signal.SIGTERM)
    check(p.wait(timeout=30) == 0, "the entrypoint's node did not end on SIGTERM")
    check(unmetered(t) == ["app", "control", "node", "node"], "entrypoint node: %s" % unmetered(t))
    t.check_all_gone()


# -- 4. a failed `cluster up` cleans up and says why in one line --------------------------

@case
def up_fails(t):
    rc, out, err = t.run("cluster", "up", "--nodes", "2", "--start-timeout", "1",
                         FAKE_LUNATIC="node-silent")
    check(rc == 1, "exit status %d" % rc)
    check(len(err.strip().splitlines()) <= 2 and "Traceback" not in err,
          "not a one-line report: %r" % err)
    check("did not start within 1s" in err, "no reason given")
    check(not os.path.exists(os.path.join(t.state, "cluster.json")), "state file written")
    check(len(t.started()) >= 2, "the fake VM did not run")
    t.check_all_gone(within=1)
    kept = t.log_dirs()
    check(len(kept) == 1 and kept[0] in err, "the failed run's logs are not named")


@case
def up_killed(t):
    """`cluster up` SIGKILLed while a node starts: `cluster down` still stops what it started."""
    import json
    p = t.launch("cluster", "up", "--nodes", "1", FAKE_LUNATIC="node-silent")
    deadline = time.time() + 30
    recorded = []
    while len(recorded) < 2 and time.time() < deadline:
        time.sleep(0.05)
        try:
            with open(os.path.join(t.state, "cluster.json")) as f:
                recorded = json.load(f)["procs"]
        except (FileNotFoundError, ValueError):
            pass
    check(len(recorded) == 2, "control and a node were not recorded as they started")
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    rc, out, err = t.run("cluster", "down")
    check(rc == 0, "cluster down failed")
    t.check_all_gone()


# -- 6. ports taken between the check and the bind; log folders -------------------------

@case
def port_taken(t):
    rc, out, err = t.run("run", "--nodes", "2", "--timeout", "60", t.module("app.wasm"),
                         FAKE_LUNATIC="control-port-taken-once,node-port-taken-once")
    check(rc == 0 and "fake app" in out, "the run did not survive taken ports")
    with open(os.path.join(t.fake, "control-attempts")) as f:
        check(f.read() == "2", "control was not retried once")
    with open(os.path.join(t.fake, "node-attempts")) as f:
        check(f.read() == "4", "the taken node port was not retried once")
    t.check_all_gone(within=1)


@case
def logs_kept(t):
    rc, out, err = t.run("run", "--nodes", "1", "--timeout", "60", t.module("app.wasm"))
    check(rc == 0 and not t.log_dirs(), "a good run's logs were kept: %s" % t.log_dirs())
    rc, out, err = t.run("run", "--nodes", "1", "--timeout", "60", t.module("app.wasm"),
                         FAKE_LUNATIC_APP="exit:3")
    kept = t.log_dirs()
    check(rc == 3 and len(kept) == 1, "a failed run's logs were not kept")
    check("logs kept in %s" % os.path.join(t.tmp, kept[0]) in err, "the kept folder is not named")
    check(any(n.startswith("app-") for n in os.listdir(os.path.join(t.tmp, kept[0]))),
          "no app node log in the kept folder")


# -- 5. a loopback cluster listens on loopback only -------------------------------------

@case
def vm_loopback_only(t):
    p = t.launch("run", "--nodes", "2", t.wasm("tests/runtime/exit_app.wasm"),
                 LUCIDITY_TEST_EXIT="wait")
    try:
        wait_for(p.stdout, "app waiting")
        socks = [(pid,) + s for pid in t.note_tree(p.pid) for s in sockets(pid)]
    finally:
        os.kill(p.pid, signal.SIGTERM)
        p.wait(timeout=30)
    for s in socks:
        print("pid %d %s %s:%d" % s[:4])
    udp = [s for s in socks if s[1].startswith("udp")]
    check(len(udp) >= 4 and any(s[1] == "tcp" and s[4] for s in socks),
          "expected the control's TCP port and UDP sockets of 3 nodes")
    wild = [s for s in socks if s[2] not in ("127.0.0.1", "::1")]
    check(not wild, "sockets not on loopback: %s" % wild)
    t.check_all_gone()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--vm", help="the real lunatic VM (vm.* cases)")
    ap.add_argument("--wasm-dir", help="the wasm build folder (vm.* cases)")
    ap.add_argument("--lucidity", default=os.path.join(ROOT, "tools", "lucidity"))
    a = ap.parse_args()
    if a.case.startswith("vm.") and not (a.vm and a.wasm_dir):
        ap.error("%s needs --vm and --wasm-dir" % a.case)
    t = T(a, vm=a.case.startswith("vm."))
    try:
        CASES[a.case](t)
        t.check_all_gone()
    except Failed as e:
        print("FAIL %s: %s" % (a.case, e))
        t.kill_left()
        return 1
    finally:
        t.close()
    print("ok %s" % a.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
