"""A local lunatic cluster on loopback: one control node, N worker nodes and an
optional app node (`lunatic node --wasm APP`), for development and tests.

Every process is started in its own session (process group) and is stopped by
`Cluster.stop()`, which the context manager calls also when the body raises
and which is registered with atexit and for SIGINT/SIGTERM/SIGHUP. Unless the
cluster is detached (`lucidity cluster up`), every process also gets SIGKILL
from the kernel when the launcher dies in a way no handler sees (SIGKILL, a
crash). `Cluster.leftovers()` lists any started process still alive.

Every cluster is admission-controlled (docs/cluster.md, "Security"): its own
CA and join secret (lucidity_keys), fresh per cluster unless given, in a
private folder; the control node gets the CA key, nodes the CA certificate
and the secret, all as paths in their environment.

A process counts as started once it holds its port (checked in /proc, so a
port another program took between our free-port check and the bind is not
mistaken for ours); a bind failure retries on a new port.
"""
import atexit
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import lucidity_keys
from lucidity_proc import die_with_parent, holds_port

PORT_TRIES = 5
ADDR_IN_USE = re.compile(r"Address already in use|os error 98")
REGISTERED = re.compile(r"Registration successful, node id (\d+)")
# What an app node logs when its app cannot run or its main process dies (the
# main process is the first of the node's environment: lunatic process id 1),
# and how we say it. lunatic keeps the node running after either.
APP_FAILURES = [
    (re.compile(r"Error running wasm: (.*)"), "lunatic could not run it: %s"),
    (re.compile(r"Process 1 failed"), "its main process trapped (abort(), a wasm trap, out of fuel)"),
    (re.compile(r"Process 1 was killed"), "its main process was killed"),
]


def free_port(kind=socket.SOCK_STREAM):
    """A free port on 127.0.0.1 for the given socket kind (TCP for control, UDP for QUIC).
    Another program may take it before lunatic binds it: callers retry."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_lunatic():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("LUNATIC", os.path.join(here, "..", ".deps", "bin", "lunatic"))


class AppFailed(Exception):
    """The app node logged that its app cannot run or that its main process died."""


class LineReader:
    """Reads a process's output in a thread; lines() yields it line by line.
    watch_log() also copies the process's log stream to a file and ends lines()
    with AppFailed when a log line matches a failure pattern."""

    GRACE = 0.3  # s: output still in the pipe when the failure is logged

    def __init__(self, stream):
        self._queue = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream):
        for raw in iter(stream.readline, b""):
            self._queue.put(raw.decode(errors="replace"))
        self._queue.put(None)

    def watch_log(self, stream, path, failures):
        """failures: [(regex, message with %s for the regex's groups)]."""
        threading.Thread(target=self._pump_log, args=(stream, path, failures), daemon=True).start()

    def _pump_log(self, stream, path, failures):
        with open(path, "ab") as log:
            for raw in iter(stream.readline, b""):
                log.write(raw)
                log.flush()
                for pattern, message in failures:
                    m = pattern.search(raw.decode(errors="replace"))
                    if m:
                        self._queue.put(AppFailed(message % m.groups()))

    def lines(self, deadline):
        """Yields lines until the stream closes; TimeoutError at the deadline."""
        failure = None
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("app did not finish in time")
            try:
                item = self._queue.get(timeout=min(left, self.GRACE) if failure else left)
            except queue.Empty:
                if failure:
                    raise failure
                continue
            if isinstance(item, AppFailed):
                failure = failure or item
            elif item is None:
                if failure:
                    raise failure
                return
            else:
                yield item


class Cluster:
    def __init__(self, nodes=2, lunatic=None, host="127.0.0.1", env=None, detach=False,
                 worker_cpus=None, start_timeout=20, keys=None, no_fuel=False):
        self.nodes = nodes
        self.lunatic = lunatic or default_lunatic()
        self.host = host
        self.env = dict(os.environ if env is None else env)
        # Unmetered nodes (our VM patch, docs/vm.md): jobs run at near-native
        # speed and a job with a fuel limit is refused (LUCIDITY_ENOFUEL).
        # Set for every node, the app node included, so the whole cluster
        # runs one way; an inherited LUNATIC_NO_FUEL=1 has the same effect.
        if no_fuel:
            self.env["LUNATIC_NO_FUEL"] = "1"
        # lunatic logs registration (and node ids) at info level, on stderr.
        self.env.setdefault("RUST_LOG", "info")
        self.dir = tempfile.mkdtemp(prefix="lucidity-cluster-")
        self.procs = []  # (name, Popen, log path)
        self.detach = detach  # leave the cluster running when this program ends
        self.worker_cpus = worker_cpus  # optional: pin worker i to CPU worker_cpus[i] (taskset)
        self.start_timeout = start_timeout  # s for a node to register / control to listen
        self.control_url = None
        # The folder of the cluster's CA and secret (lucidity_keys); start()
        # makes fresh ones in our log folder unless given (`cluster up` keeps
        # its own in the state folder).
        self.keys = keys
        self._own_keys = False  # made by start(): removed by stop()
        self.app = None
        self.workers = []
        self.worker_ids = []
        self.on_spawn = None  # called after each process is started (and recorded)
        self._reader = None

    @property
    def no_fuel(self):
        """Whether the nodes run unmetered (LUNATIC_NO_FUEL=1 in their environment)."""
        return self.env.get("LUNATIC_NO_FUEL") == "1"

    # -- starting ---------------------------------------------------------------
    def _spawn(self, name, args, capture=False, cpu=None):
        """Starts lunatic in its own process group; stderr (lunatic's log) goes to
        a file, stdout too unless captured (the app's output; its log is then
        piped through watch_log)."""
        path = os.path.join(self.dir, "%s-%d.log" % (name, len(self.procs)))
        log = open(path, "wb")
        pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
        p = subprocess.Popen(
            pin + [self.lunatic] + args,
            stdout=subprocess.PIPE if capture else log,
            stderr=subprocess.PIPE if capture else log,
            stdin=subprocess.DEVNULL,
            env=lucidity_keys.env(self.keys, self.env, control=name == "control"),
            start_new_session=True,
            # The kernel's parent-death signal follows the forking thread: we
            # spawn from the thread that runs the cluster.
            preexec_fn=None if self.detach else die_with_parent(),
        )
        log.close()
        self.procs.append((name, p, path))
        if self.on_spawn:
            self.on_spawn()
        return p

    def vm_args(self, proc):
        """The arguments a started process got after the lunatic program."""
        return proc.args[proc.args.index(self.lunatic) + 1:]

    def _log(self, proc):
        return next(path for _, p, path in self.procs if p is proc)

    def _read_log(self, proc):
        with open(self._log(proc), errors="replace") as f:
            return f.read()

    def _wait_ready(self, proc, what, ready, port_taken):
        """Waits until ready(log text) holds. False when the process exited and
        port_taken(log text, exit status) says another program had taken its port
        (the process is forgotten; the caller retries); raises when it exited
        otherwise or took longer than start_timeout."""
        deadline = time.time() + self.start_timeout
        while time.time() < deadline:
            if ready(self._read_log(proc)):
                return True
            if proc.poll() is not None:
                if port_taken(self._read_log(proc), proc.returncode):
                    self.procs = [e for e in self.procs if e[1] is not proc]
                    return False
                raise RuntimeError("%s exited with status %s; log: %s"
                                   % (what, proc.returncode, self._log(proc)))
            time.sleep(0.05)
        raise TimeoutError("%s did not start within %gs; log: %s"
                           % (what, self.start_timeout, self._log(proc)))

    def _stop_on_exit(self):
        atexit.register(self.stop)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            if threading.current_thread() is threading.main_thread():
                signal.signal(sig, self._on_signal)

    def start(self):
        if not self.detach:
            self._stop_on_exit()
        if self.keys is None:
            self.keys = lucidity_keys.make(os.path.join(self.dir, "keys"))
            self._own_keys = True
        for _ in range(PORT_TRIES):
            port = free_port()
            p = self._spawn("control", ["control", "--bind-socket", "%s:%d" % (self.host, port)])
            # lunatic control fails with "Address already in use (os error 98)".
            if self._wait_ready(p, "the control node", lambda _: holds_port(p.pid, "tcp", port),
                                lambda log, _: ADDR_IN_USE.search(log)):
                break
        else:
            raise RuntimeError("the control node found no free port in %d tries" % PORT_TRIES)
        self.control_url = "http://%s:%d/" % (self.host, port)
        cpus = self.worker_cpus or [None] * self.nodes
        self.workers = [self.start_node(cpu=cpus[i]) for i in range(self.nodes)]
        self.worker_ids = [self.node_id(p) for p in self.workers]
        return self

    def attach(self, control_url, keys):
        """Uses a running cluster's control node (keys: the folder of its CA and
        secret); stop() stops only what we start."""
        lucidity_keys.check(keys)
        self._stop_on_exit()
        self.control_url = control_url
        self.keys = keys
        return self

    def start_node(self, wasm=None, capture=False, cpu=None):
        """Starts a node and waits until it registered and holds its QUIC port."""
        what = "the app node" if wasm else "a worker node"
        for _ in range(PORT_TRIES):
            port = free_port(socket.SOCK_DGRAM)
            args = ["node", self.control_url, "--bind-socket", "%s:%d" % (self.host, port)]
            p = self._spawn("app" if wasm else "node", args + (["--wasm", wasm] if wasm else []),
                            capture, cpu)
            if capture:
                self._reader = LineReader(p.stdout)
                self._reader.watch_log(p.stderr, self._log(p), APP_FAILURES)
            # A node registers first and binds its port after; when that bind
            # fails it deregisters and exits with 0 without a word.
            if self._wait_ready(p, what, lambda log: REGISTERED.search(log)
                                and holds_port(p.pid, "udp", port),
                                lambda log, rc: ADDR_IN_USE.search(log)
                                or (rc == 0 and REGISTERED.search(log))):
                return p
        raise RuntimeError("%s found no free port in %d tries" % (what, PORT_TRIES))

    def node_id(self, proc):
        """The node id lunatic gave this (started) node process, from its log."""
        return int(REGISTERED.search(self._read_log(proc)).group(1))

    # -- the app ------------------------------------------------------------------
    def run_app(self, wasm):
        """Starts the app node; its output lines are read with app_lines()."""
        self.app = self.start_node(wasm, capture=True)
        return self.app

    def app_lines(self, deadline):
        """Yields the app node's output lines until it closes or the deadline passes;
        AppFailed when its log says the app cannot run or its main process died."""
        return self._reader.lines(deadline)

    def app_log(self):
        return self._log(self.app)

    # -- stopping -------------------------------------------------------------------
    def _on_signal(self, signum, frame):
        self.stop()
        sys.exit(128 + signum)

    def kill_node(self, node_id, sig=signal.SIGKILL):
        """Sends sig (default SIGKILL) to the worker node with this lunatic node id."""
        proc = self.workers[self.worker_ids.index(node_id)]
        os.killpg(proc.pid, sig)
        proc.wait()

    def stop(self):
        # Ctrl-C first: a node then deregisters from control; SIGKILL what stays.
        for _, p, _ in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
        deadline = time.time() + 3
        for _, p, _ in self.procs:
            try:
                p.wait(timeout=max(0.01, deadline - time.time()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        # Keys made for this cluster go with it, whatever its caller does next.
        if self._own_keys:
            shutil.rmtree(self.keys, ignore_errors=True)

    def leftovers(self):
        """Started processes (or members of their groups) still alive."""
        alive = []
        for name, p, _ in self.procs:
            try:
                os.killpg(p.pid, 0)
                alive.append("%s (pgid %d)" % (name, p.pid))
            except ProcessLookupError:
                pass
            except PermissionError:
                alive.append("%s (pgid %d)" % (name, p.pid))
        return alive

    def finish(self, ok):
        """After stop(): removes the log folder of a run that went well; returns
        the folder kept for one that failed (without the keys: stop() removed
        them), or None."""
        if ok:
            shutil.rmtree(self.dir, ignore_errors=True)
            return None
        return self.dir

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
        return False
