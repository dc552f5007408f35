#!/usr/bin/env python3
"""A lucidity cluster across 4 "hosts" made of Linux network namespaces, for
fault tests that loopback cannot do (a host's link going down).

  netns_cluster.py --case spread build/wasm/tests/netns/netns_app.wasm

Layout (all names start with luc-<random>-, nothing is added to the root
namespace): namespace `br` holds a bridge; hosts h0..h3 each have one veth
(eth0, 10.231.X.(i+1)/24) whose peer vh<i> is a bridge port in `br`. There is no
default route, so no packet can leave our namespaces. h0 runs
deploy/entrypoint-control.sh (control + the app node), h1..h3 run
deploy/entrypoint-worker.sh. The app's output lines drive faults:

  lucidity-test: cut node N       ip link set vh<host of N> down (bridge side)
  lucidity-test: restore node N   ... up
  lucidity-test: kill control     SIGKILL the `lunatic control` process in h0
  lucidity-test: intrude          from host hx (case admission: a fifth namespace
                                  on the bridge, without the cluster's keys) try
                                  to join: HTTP registration without and with a
                                  wrong secret, a lunatic node with a wrong
                                  secret, and lucidity-quic-probe with a
                                  certificate from lunatic's built-in CA against
                                  h1's worker (next to one from the cluster CA,
                                  which must be accepted); any success fails it

The cluster has its own CA and join secret (lucidity_keys, in the log
folder): h0's entrypoint gets them as files (LUNATIC_CLUSTER_*), the workers'
as contents (LUCIDITY_CLUSTER_CA_PEM, LUNATIC_CLUSTER_SECRET), as fly secrets
deliver them, so both ways through deploy/common.sh are used.

It passes when the app prints "ok CASE" and no FAIL line, within --timeout.
Teardown (finally + atexit + SIGINT/SIGTERM handlers) stops the entrypoints
with SIGTERM (they forward Ctrl-C to lunatic), SIGKILLs every process still in
our namespaces, deletes the namespaces, and then checks nothing is left.
Exits 77 (skipped) when network namespaces cannot be created (not root, no
iproute2, no CAP_SYS_ADMIN).
"""
import argparse
import atexit
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import lucidity_keys  # noqa: E402
from lucidity_cluster import LineReader  # noqa: E402
HOSTS = 4
CONTROL_PORT, NODE_PORT = 3030, 3031
SKIP = 77


def sh(*args, check=True):
    r = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), r.stderr.strip()))
    return r


def skip_reason():
    """Why network namespaces cannot be used here, or None."""
    if not shutil.which("ip"):
        return "iproute2 (ip) not found"
    if os.geteuid() != 0:
        return "needs root (ip netns)"
    probe = "luc-probe-%06x" % random.getrandbits(24)
    r = sh("ip", "netns", "add", probe, check=False)
    if r.returncode != 0:
        return "ip netns add failed: %s" % r.stderr.strip()
    sh("ip", "netns", "del", probe, check=False)
    return None


class NetnsCluster:
    def __init__(self, lunatic, app, env, intruder=False, probe=None):
        self.prefix = "luc-%06x-" % random.getrandbits(24)
        self.subnet = "10.231.%d" % random.randint(1, 254)
        self.br = self.prefix + "br"
        self.hosts = [self.prefix + "h%d" % i for i in range(HOSTS)]
        # One more host on the bridge that runs nothing of the cluster.
        self.intruder = self.prefix + "hx" if intruder else None
        self.probe = probe
        self.lunatic, self.app, self.env = lunatic, app, env
        self.dir = tempfile.mkdtemp(prefix="lucidity-netns-")
        self.procs = []  # (name, Popen, log)
        self.made = []  # namespaces created
        self.reader = None
        self.stopped = False
        self.keys = None

    def addr(self, i):
        return "%s.%d" % (self.subnet, i + 1)

    # -- network -----------------------------------------------------------------
    def build_network(self):
        hosts = self.hosts + ([self.intruder] if self.intruder else [])
        for ns in [self.br] + hosts:
            sh("ip", "netns", "add", ns)
            self.made.append(ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", self.br, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.br, "link", "set", "br0", "up")
        for i, ns in enumerate(hosts):
            # created inside `br` with its peer moved straight into the host: the
            # root namespace never sees either end.
            sh("ip", "-n", self.br, "link", "add", "vh%d" % i, "type", "veth",
               "peer", "name", "eth0", "netns", ns)
            sh("ip", "-n", self.br, "link", "set", "vh%d" % i, "master", "br0", "up")
            sh("ip", "-n", ns, "addr", "add", self.addr(i) + "/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")

    def set_link(self, host, up):
        sh("ip", "-n", self.br, "link", "set", "vh%d" % host, "up" if up else "down")

    # -- processes ------------------------------------------------------------------
    def _spawn(self, name, ns, script, env, capture=False):
        log_path = os.path.join(self.dir, name + ".log")
        log = open(log_path, "wb")
        e = {k: v for k, v in self.env.items() if k not in lucidity_keys.ALL_ENV}
        e.update(env, LUCIDITY_LUNATIC=self.lunatic, RUST_LOG="info")
        p = subprocess.Popen(
            ["ip", "netns", "exec", ns, "sh", os.path.join(ROOT, "deploy", script)],
            stdout=subprocess.PIPE if capture else log, stderr=log,
            stdin=subprocess.DEVNULL, env=e, start_new_session=True)
        log.close()
        self.procs.append((name, p, log_path))
        return p

    def start(self):
        self.build_network()
        keys = self.keys = lucidity_keys.make(os.path.join(self.dir, "keys"))
        with open(os.path.join(keys, lucidity_keys.CA_CERT)) as f:
            self.worker_keys = {"LUCIDITY_CLUSTER_CA_PEM": f.read(),
                                lucidity_keys.ENV_SECRET: lucidity_keys.read_secret(keys)}
        url = "http://%s:%d/" % (self.addr(0), CONTROL_PORT)
        app = self._spawn("h0-control-app", self.hosts[0], "entrypoint-control.sh", dict(
            lucidity_keys.env(keys, {}, control=True),
            LUCIDITY_CONTROL_BIND="%s:%d" % (self.addr(0), CONTROL_PORT),
            LUCIDITY_NODE_ADDR="%s:%d" % (self.addr(0), NODE_PORT),
            LUCIDITY_APP=self.app), capture=True)
        self._wait_listen(app, CONTROL_PORT, 10)
        # One node at a time, each after the previous one registered: a stock
        # lunatic 0.13.2 control marks node <registration id> stopped when a node
        # starts, so concurrent registrations can drop a live node from every
        # node list (fixed by vm/patches; deploy/README.md). It also fixes the
        # node ids: the app node is 1.
        self._node_id(0)
        self.node_host = {}  # lunatic node id -> host index
        for i in range(1, HOSTS):
            self._spawn("h%d-worker" % i, self.hosts[i], "entrypoint-worker.sh", dict(
                self.worker_keys, LUCIDITY_CONTROL_URL=url,
                LUCIDITY_NODE_ADDR="%s:%d" % (self.addr(i), NODE_PORT)))
            self.node_host[self._node_id(i)] = i
        print("netns: hosts %s (%s.1-%d), worker node ids %s" % (
            ", ".join(self.hosts), self.subnet, HOSTS,
            {n: "h%d" % h for n, h in self.node_host.items()}), flush=True)
        self.reader = LineReader(app.stdout)

    def _wait_listen(self, proc, port, timeout):
        """Waits until a process in proc's namespace listens on TCP port."""
        pat = re.compile(r"^\s*\d+: [0-9A-F]+:%04X [0-9A-F]+:[0-9A-F]+ 0A" % port, re.M)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("control entrypoint exited; log %s" % self.procs[0][2])
            try:
                with open("/proc/%d/net/tcp" % proc.pid) as f:
                    if pat.search(f.read()):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise TimeoutError("control does not listen")

    def _node_id(self, host, timeout=20):
        name, proc, path = self.procs[host]
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(path, errors="replace") as f:
                m = re.search(r"Registration successful, node id (\d+)", f.read())
            if m:
                return int(m.group(1))
            if proc.poll() is not None:
                raise RuntimeError("%s exited; log %s" % (name, path))
            time.sleep(0.05)
        raise TimeoutError("%s did not register; log %s" % (name, path))

    def app_lines(self, deadline):
        return self.reader.lines(deadline)

    def ns_pids(self, ns):
        r = sh("ip", "netns", "pids", ns, check=False)
        return [int(p) for p in r.stdout.split()]

    def kill_control(self):
        for pid in self.ns_pids(self.hosts[0]):
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if len(argv) > 1 and argv[1] == b"control":
                os.kill(pid, signal.SIGKILL)
                return pid
        raise RuntimeError("no lunatic control process in %s" % self.hosts[0])

    # -- an intruder: host hx, without the cluster's keys ---------------------------------
    def _in_hx(self, name, args, env, timeout=40):
        """Runs args in hx to its end: (exit status, output)."""
        log_path = os.path.join(self.dir, name + ".log")
        with open(log_path, "wb") as log:
            p = subprocess.Popen(["ip", "netns", "exec", self.intruder] + args, stdout=log,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                 start_new_session=True)
        self.procs.append((name, p, log_path))
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        with open(log_path, errors="replace") as f:
            out = f.read()
        lines = out.strip().splitlines() or [""]
        said = next((x for x in lines if x.startswith("Error")), lines[-1])  # lunatic's error line
        print("netns: hx %s -> %s: %s" % (name, p.returncode, said), flush=True)
        return p.returncode, out

    def intrude(self):
        """Returns what got in (empty: everything was refused)."""
        got_in = []
        hx = self.addr(HOSTS)
        url = "http://%s:%d/" % (self.addr(0), CONTROL_PORT)
        env = {k: v for k, v in self.env.items() if k not in lucidity_keys.ALL_ENV}
        env["RUST_LOG"] = "info"
        register = ("import json, sys, urllib.request, urllib.error, uuid\n"
                    "h = {'content-type': 'application/json'}\n"
                    "if len(sys.argv) > 2: h['x-lunatic-cluster-secret'] = sys.argv[2]\n"
                    "b = json.dumps({'node_name': str(uuid.uuid4()), 'csr_pem': 'x'}).encode()\n"
                    "try:\n"
                    "    print(urllib.request.urlopen(urllib.request.Request(sys.argv[1], b, h), timeout=10).status)\n"
                    "except urllib.error.HTTPError as e:\n"
                    "    print(e.code)\n")
        for what, extra in (("no secret", []), ("a wrong secret", ["w" * 64])):
            rc, out = self._in_hx("register-" + what.split()[-2], [sys.executable, "-c", register, url]
                                  + extra, env)
            if out.strip() != "401":
                got_in.append("registration with %s: %s" % (what, out.strip()))
        wrong = os.path.join(self.dir, "wrong-secret")
        with open(wrong, "w") as f:
            f.write("v" * 64)
        rc, out = self._in_hx("node-wrong-secret", [self.lunatic, "node", url, "--bind-socket",
                                                    "%s:%d" % (hx, NODE_PORT)],
                              dict(env, LUNATIC_CLUSTER_SECRET_FILE=wrong))
        if "Registration successful" in out or rc == 0:
            got_in.append("a lunatic node with a wrong secret (status %s)" % rc)
        # QUIC to h1's worker: the probe trusts the cluster CA, so a refusal is the worker's.
        with open(self.procs[1][2], errors="replace") as f:
            name = re.search(r"Generate CSR for node name (\S+)", f.read()).group(1)
        ca = os.path.join(self.keys, lucidity_keys.CA_CERT)
        worker = "%s:%d" % (self.addr(1), NODE_PORT)
        for cert, want in (("ca:%s:%s" % (ca, os.path.join(self.keys, lucidity_keys.CA_KEY)), 0),
                           ("builtin", 1)):
            rc, out = self._in_hx("probe-" + cert.split(":")[0], [self.probe, "connect", worker, name,
                                                                  "ca:" + ca, cert], env)
            if rc != want:
                got_in.append("QUIC with a %s certificate: %s" % (
                    "built-in-CA" if want else "cluster-CA (expected accepted)", out.strip()))
        return got_in

    # -- teardown ----------------------------------------------------------------------
    def stop(self):
        if self.stopped:
            return
        self.stopped = True
        for _, p, _ in self.procs:  # the entrypoints turn this into Ctrl-C for lunatic
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.time() + 3
        for _, p, _ in self.procs:
            try:
                p.wait(timeout=max(0.01, deadline - time.time()))
            except subprocess.TimeoutExpired:
                pass
        for ns in self.made:  # whatever is still running in our namespaces
            for pid in self.ns_pids(ns):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for _, p, _ in self.procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
        if self.keys:
            shutil.rmtree(self.keys, ignore_errors=True)
        for ns in self.made:
            for _ in range(50):  # a just-killed process may hold it for a moment
                if sh("ip", "netns", "del", ns, check=False).returncode == 0:
                    break
                time.sleep(0.1)

    def leftovers(self, wait=3.0):
        """Our namespaces and process groups that still exist (a killed process
        whose parent died is reaped by init, which may take a moment)."""
        deadline = time.time() + wait
        while True:
            left = [ns for ns in sh("ip", "netns", "list").stdout.split()
                    if ns.startswith(self.prefix)]
            for name, p, _ in self.procs:
                try:
                    os.killpg(p.pid, 0)
                    left.append("%s (pgid %d)" % (name, p.pid))
                except ProcessLookupError:
                    pass
            if not left or time.time() > deadline:
                return left
            time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", required=True)
    ap.add_argument("--timeout", type=float, default=45)
    ap.add_argument("--lunatic", default=os.path.join(ROOT, ".deps", "bin", "lunatic"))
    ap.add_argument("--probe", default=os.path.join(ROOT, ".deps", "bin", "lucidity-quic-probe"))
    ap.add_argument("app")
    a = ap.parse_args()

    why = skip_reason()
    if why:
        print("netns: skipped: %s" % why)
        return SKIP

    env = dict(os.environ, LUCIDITY_TEST_CASE=a.case)
    c = NetnsCluster(os.path.abspath(a.lunatic), os.path.abspath(a.app), env,
                     intruder=a.case == "admission", probe=os.path.abspath(a.probe))
    atexit.register(c.stop)

    def on_signal(signum, frame):
        c.stop()
        sys.exit(128 + signum)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)

    ok = failed = False
    t0 = time.time()
    try:
        c.start()
        marks = {}
        for line in c.app_lines(time.time() + a.timeout):
            sys.stdout.write(line)
            sys.stdout.flush()
            m = re.search(r"lucidity-test: (cut|restore) node (\d+)", line)
            if m:
                host = c.node_host[int(m.group(2))]
                c.set_link(host, m.group(1) == "restore")
                marks[m.group(1)] = time.time()
                print("netns: link of h%d (node %s) %s" % (
                    host, m.group(2), "up" if m.group(1) == "restore" else "down"), flush=True)
            if "lucidity-test: kill control" in line:
                print("netns: SIGKILLed control (pid %d) in h0" % c.kill_control(), flush=True)
            if "lucidity-test: intrude" in line:
                got_in = c.intrude()
                if got_in:
                    print("netns: FAIL the intruder got in: %s" % "; ".join(got_in), flush=True)
                    failed = True
                    break
                print("netns: the intruder on hx was refused everywhere", flush=True)
            if re.search(r"\bFAIL\b", line):
                failed = True
                break
            if re.search(r"^ok %s$" % re.escape(a.case), line.strip()):
                ok = True
                break
    except (TimeoutError, RuntimeError) as e:
        print("netns: FAIL %s" % e)
    finally:
        took = time.time() - t0
        c.stop()
    left = c.leftovers()
    if left:
        print("netns: FAIL left behind: %s" % ", ".join(left))
        return 1
    print("netns: %.1f s; all %d entrypoints stopped, namespaces %s* deleted; logs in %s" % (
        took, len(c.procs), c.prefix, c.dir))
    return 0 if ok and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
