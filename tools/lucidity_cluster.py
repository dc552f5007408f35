"""A local lunatic cluster on loopback: one control node, N worker nodes and an
optional app node (`lunatic node --wasm APP`), for development and tests.

Every process is started in its own session (process group) and is stopped by
`Cluster.stop()`, which the context manager calls also when the body raises
and which is registered with atexit and for SIGINT/SIGTERM, so nothing is left
behind. `Cluster.leftovers()` lists any started process still alive.
"""
import atexit
import re
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import tempfile


def free_port(kind=socket.SOCK_STREAM):
    """A free port on 127.0.0.1 for the given socket kind (TCP for control, UDP for QUIC)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_lunatic():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("LUNATIC", os.path.join(here, "..", ".deps", "bin", "lunatic"))


class LineReader:
    """Reads a process's output in a thread; lines() yields it line by line."""

    def __init__(self, stream):
        self._queue = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream):
        for raw in iter(stream.readline, b""):
            self._queue.put(raw.decode(errors="replace"))
        self._queue.put(None)

    def lines(self, deadline):
        """Yields lines until the stream closes; TimeoutError at the deadline."""
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("app did not finish in time")
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                return
            yield line


class Cluster:
    def __init__(self, nodes=2, lunatic=None, host="127.0.0.1", env=None, detach=False,
                 worker_cpus=None):
        self.nodes = nodes
        self.lunatic = lunatic or default_lunatic()
        self.host = host
        self.env = dict(os.environ if env is None else env)
        # lunatic logs registration (and node ids) at info level, on stderr.
        self.env.setdefault("RUST_LOG", "info")
        self.dir = tempfile.mkdtemp(prefix="lucidity-cluster-")
        self.procs = []  # (name, Popen, log path)
        self.detach = detach  # leave the cluster running when this program ends
        self.worker_cpus = worker_cpus  # optional: pin worker i to CPU worker_cpus[i] (taskset)
        self.control_url = None
        self.app = None
        self._reader = None

    # -- starting ---------------------------------------------------------------
    def _spawn(self, name, args, capture=False, cpu=None):
        """Starts lunatic in its own process group; stderr (lunatic's log) goes to
        a file, stdout too unless captured (the app's output)."""
        path = os.path.join(self.dir, "%s-%d.log" % (name, len(self.procs)))
        log = open(path, "wb")
        pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
        p = subprocess.Popen(
            pin + [self.lunatic] + args,
            stdout=subprocess.PIPE if capture else log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            env=self.env,
            start_new_session=True,
        )
        log.close()
        self.procs.append((name, p, path))
        return p

    def node_id(self, proc, timeout=20):
        """The node id lunatic gave this node process (read from its log)."""
        path = next(path for _, p, path in self.procs if p is proc)
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(path, errors="replace") as f:
                m = re.search(r"Registration successful, node id (\d+)", f.read())
            if m:
                return int(m.group(1))
            if proc.poll() is not None:
                raise RuntimeError("node exited with %s; log: %s" % (proc.returncode, path))
            time.sleep(0.05)
        raise TimeoutError("node did not register within %ss; log: %s" % (timeout, path))

    def _stop_on_exit(self):
        atexit.register(self.stop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            if threading.current_thread() is threading.main_thread():
                signal.signal(sig, self._on_signal)

    def start(self):
        if not self.detach:
            self._stop_on_exit()
        port = free_port()
        self.control_url = "http://%s:%d/" % (self.host, port)
        self._spawn("control", ["control", "--bind-socket", "%s:%d" % (self.host, port)])
        self._wait_tcp(port, 10)
        cpus = self.worker_cpus or [None] * self.nodes
        self.workers = [self.start_node(cpu=cpus[i]) for i in range(self.nodes)]
        self.worker_ids = [self.node_id(p) for p in self.workers]
        return self

    def attach(self, control_url):
        """Uses a running cluster's control node; stop() stops only what we start."""
        self._stop_on_exit()
        self.control_url = control_url
        return self

    def start_node(self, wasm=None, capture=False, cpu=None):
        args = ["node", self.control_url, "--bind-socket",
                "%s:%d" % (self.host, free_port(socket.SOCK_DGRAM))]
        if wasm:
            args += ["--wasm", wasm]
        return self._spawn("node" if not wasm else "app", args, capture, cpu)

    def _wait_tcp(self, port, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                socket.create_connection((self.host, port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("control node did not listen on port %d" % port)

    # -- the app ------------------------------------------------------------------
    def run_app(self, wasm):
        """Starts the app node; its output lines are read with app_lines()."""
        self.app = self.start_node(wasm, capture=True)
        self._reader = LineReader(self.app.stdout)
        return self.app

    def app_lines(self, deadline):
        """Yields the app node's output lines until it closes or the deadline passes."""
        return self._reader.lines(deadline)

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

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
        return False
