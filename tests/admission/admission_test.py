#!/usr/bin/env python3
"""Cluster admission on the real VM, on loopback (docs/cluster.md, "Security"):
one case per promise. Each case starts a cluster with tools/lucidity_cluster.py
(fresh CA and join secret, as `lucidity run` does) and plays the intruder with
plain HTTP requests and lucidity-quic-probe (vm/quic_probe.rs), with a positive
control each time, so a refusal is known to be about the secret or the CA.

  admission_test.py CASE --vm LUNATIC --probe PROBE --wasm-dir DIR

Exits 0 and prints "ok CASE" when the case passes; checks that no process it
started is left.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import lucidity_keys  # noqa: E402
from lucidity_cluster import Cluster, free_port  # noqa: E402
import socket  # noqa: E402

SECRET_HEADER = "x-lunatic-cluster-secret"
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def http(method, url, body=None, headers=None):
    """(status, body bytes) of one request; never raises on an HTTP error status."""
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    h = dict(headers or {})
    if isinstance(body, (dict, list)):
        h["content-type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class World:
    def __init__(self, a):
        self.a = a
        self.dir = tempfile.mkdtemp(prefix="lucidity-admission-")
        self.cluster = None
        self.extra = []  # (name, Popen) started by the case itself

    def start(self, nodes):
        self.cluster = Cluster(nodes=nodes, lunatic=self.a.vm).start()
        return self.cluster

    @property
    def keys(self):
        return self.cluster.keys

    def secret(self):
        return lucidity_keys.read_secret(self.keys)

    def url(self, path=""):
        return self.cluster.control_url + path

    def csr(self):
        """A certificate request (EC P-256) made by openssl, as any node could."""
        key, csr = os.path.join(self.dir, "csr.key"), os.path.join(self.dir, "csr.pem")
        subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=intruder",
                        "-keyout", key, "-out", csr], check=True, capture_output=True)
        with open(csr) as f:
            return f.read()

    def register(self, secret, name=None):
        """POST / as a new node; (status, parsed answer or raw body, node name)."""
        name = name or str(uuid.uuid4())
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        status, body = http("POST", self.url(), {"node_name": name, "csr_pem": self.csr()}, headers)
        try:
            body = json.loads(body)
        except ValueError:
            pass
        return status, body, name

    def member(self):
        """A registration with the right secret: (token, node name)."""
        status, reg, name = self.register(self.secret())
        check(status == 200, "registration with the cluster's secret failed: %s %r" % (status, reg))
        return reg["authentication_token"], name

    def node_headers(self, token, name, secret=None):
        h = {"authorization": "Bearer " + token, "x-lunatic-node-name": name}
        if secret is not None:
            h[SECRET_HEADER] = secret
        return h

    def spawn(self, name, args, env):
        log = open(os.path.join(self.dir, name + ".log"), "wb")
        p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=env, start_new_session=True)
        log.close()
        self.extra.append((name, p))
        return p

    def log(self, name):
        with open(os.path.join(self.dir, name + ".log"), errors="replace") as f:
            return f.read()

    def node_env(self, **over):
        e = lucidity_keys.env(self.keys, dict(os.environ, RUST_LOG="info"))
        e.update(over)
        return {k: v for k, v in e.items() if v is not None}

    def probe(self, name, args, env=None, timeout=60):
        """Runs lucidity-quic-probe to its verdict: (exit status, output)."""
        p = self.spawn(name, [self.a.probe] + args, env or self.node_env())
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            raise Failed("%s: no verdict within %ds: %s" % (name, timeout, self.log(name)))
        out = self.log(name)
        print("%s -> %d: %s" % (name, p.returncode, out.strip()))
        return p.returncode, out

    def stop(self):
        for _, p in self.extra:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGINT)
        for _, p in self.extra:
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if self.cluster:
            self.cluster.stop()

    def leftovers(self):
        left = self.cluster.leftovers() if self.cluster else []
        for name, p in self.extra:
            try:
                os.killpg(p.pid, 0)
                left.append(name)
            except ProcessLookupError:
                pass
        return left


def worker_identity(w, proc):
    """(QUIC address, node name) of a started node, from its arguments and log."""
    args = w.cluster.vm_args(proc)
    addr = args[args.index("--bind-socket") + 1]
    m = re.search(r"Generate CSR for node name (\S+)", w.cluster._read_log(proc))
    check(m, "no node name in the node's log")
    return addr, m.group(1)


def udp_addr():
    return "127.0.0.1:%d" % free_port(socket.SOCK_DGRAM)


# -- a node without the secret cannot register ------------------------------------------

@case
def register_refused(w):
    w.start(nodes=0)
    secret = w.secret()
    for what, given in (("no secret", None), ("a wrong secret", "x" * len(secret))):
        status, body, _ = w.register(given)
        print("POST / with %s -> %s %r" % (what, status, body))
        check(status == 401, "registration with %s: status %s, expected 401" % (what, status))
    # Positive control: the same request with the secret gets a certificate that
    # names the registered node, signed by the cluster's CA.
    status, reg, name = w.register(secret)
    check(status == 200, "registration with the secret: status %s %r" % (status, reg))
    with open(os.path.join(w.keys, lucidity_keys.CA_CERT)) as f:
        check(reg["root_cert"].strip() == f.read().strip(), "control names another CA")
    cert = os.path.join(w.dir, "node.pem")
    with open(cert, "w") as f:
        f.write(reg["cert_pem_chain"][0])
    v = subprocess.run(["openssl", "verify", "-CAfile", os.path.join(w.keys, lucidity_keys.CA_CERT),
                        cert], capture_output=True, text=True)
    check(v.returncode == 0, "the node certificate is not from the cluster CA: %s" % v.stdout + v.stderr)
    san = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-ext", "subjectAltName"],
                         capture_output=True, text=True).stdout
    check("DNS:" + name in san and "intruder" not in san, "certificate names %r" % san)
    # A name registers once: a second certificate for it would let its holder
    # pose as that node.
    status, body, _ = w.register(secret, name)
    check(status == 400 and "node_name_taken" in str(body),
          "a second registration of %s: %s %r" % (name, status, body))
    # A real lunatic node with a wrong secret does not get in.
    wrong = os.path.join(w.dir, "wrong-secret")
    with open(wrong, "w") as f:
        f.write("y" * len(secret))
    node = w.spawn("node-wrong-secret", [w.a.vm, "node", w.url(), "--bind-socket", udp_addr()],
                   w.node_env(LUNATIC_CLUSTER_SECRET_FILE=wrong))
    try:
        rc = node.wait(timeout=30)
    except subprocess.TimeoutExpired:
        rc = None
    log = w.log("node-wrong-secret")
    check("Registration successful" not in log, "the node registered: %s" % log)
    check(rc is not None and rc != 0, "the node did not fail (status %s): %s" % (rc, log))
    check("401" in log, "the node's log does not say control refused it: %s" % log)
    # A node that pins another cluster's CA refuses this control node.
    other = lucidity_keys.make(os.path.join(w.dir, "other-keys"))
    node = w.spawn("node-other-ca", [w.a.vm, "node", w.url(), "--bind-socket", udp_addr()],
                   w.node_env(LUNATIC_CLUSTER_CA=os.path.join(other, lucidity_keys.CA_CERT)))
    try:
        rc = node.wait(timeout=30)
    except subprocess.TimeoutExpired:
        rc = None
    log = w.log("node-other-ca")
    check(rc is not None and rc != 0 and "Registration successful" not in log
          and "not the one in LUNATIC_CLUSTER_CA" in log,
          "a node pinning another CA joined or failed otherwise (status %s): %s" % (rc, log))
    with open(w.cluster._log(w.cluster.procs[0][1]), errors="replace") as f:
        control_log = f.read()
    check("Refused POST /: missing or wrong cluster secret" in control_log,
          "control did not log the refusal")
    check(all(secret not in text for text in (control_log, w.log("node-wrong-secret"), log)),
          "the secret is in a log")


# -- a fake /started announcement without the secret is refused -----------------------

@case
def started_refused(w):
    w.start(nodes=1)
    secret = w.secret()
    token, name = w.member()
    fake = {"node_address": "127.0.0.1:9", "attributes": {}}
    for what, headers in (("no secret", w.node_headers(token, name)),
                          ("a wrong secret", w.node_headers(token, name, "z" * len(secret))),
                          ("a wrong token", w.node_headers("A" * len(token), name, secret))):
        status, body = http("POST", w.url("started"), fake, headers)
        print("POST /started with %s -> %s %r" % (what, status, body))
        check(status == 401, "/started with %s: status %s, expected 401" % (what, status))
    status, body = http("GET", w.url("nodes"), headers=w.node_headers(token, name, secret))
    check(status == 200, "GET /nodes with the secret: %s" % status)
    nodes = json.loads(body)["nodes"]
    print("nodes: %r" % nodes)
    check(len(nodes) == 1 and all(n["address"] != fake["node_address"] for n in nodes),
          "the fake node is listed: %r" % nodes)
    # Positive control: with the secret the same announcement is taken.
    status, body = http("POST", w.url("started"), fake, w.node_headers(token, name, secret))
    check(status == 200 and "node_id" in json.loads(body), "/started with the secret: %s %r"
          % (status, body))


# -- node lists and module download without the secret are refused ----------------------

@case
def module_refused(w):
    w.start(nodes=1)
    app_path = os.path.join(w.a.wasm_dir, "tests/runtime/exit_app.wasm")
    w.cluster.env["LUCIDITY_TEST_EXIT"] = "wait"  # the app stays up
    w.cluster.run_app(app_path)
    secret = w.secret()
    token, name = w.member()
    with open(app_path, "rb") as f:
        module = f.read()
    for what, headers in (("no secret, no token", {}),
                          ("a member's token but no secret", w.node_headers(token, name)),
                          ("a wrong secret", w.node_headers(token, name, "q" * len(secret)))):
        for method, path in (("GET", "module/1?env_id=1"), ("GET", "nodes")):
            status, body = http(method, w.url(path), headers=headers)
            print("%s /%s with %s -> %s" % (method, path, what, status))
            check(status == 401, "%s /%s with %s: status %s, expected 401" % (method, path, what,
                                                                             status))
        status, _ = http("POST", w.url("module"), b"\0asm\1\0\0\0", headers)
        check(status == 401, "POST /module with %s: status %s" % (what, status))
    # Positive control: a member with the secret downloads the app byte for byte.
    status, body = http("GET", w.url("module/1?env_id=1"), headers=w.node_headers(token, name, secret))
    check(status == 200, "module download with the secret: %s" % status)
    check(bytes(json.loads(body)["bytes"]) == module, "downloaded module differs from the app")


# -- a peer with a certificate from lunatic's built-in CA is refused ---------------------

def cluster_ca(w, with_key):
    cert = os.path.join(w.keys, lucidity_keys.CA_CERT)
    return "ca:" + cert + (":" + os.path.join(w.keys, lucidity_keys.CA_KEY) if with_key else "")


@case
def builtin_ca_refused(w):
    w.start(nodes=1)
    addr, name = worker_identity(w, w.cluster.workers[0])
    # The probe trusts what control hands its nodes as their CA (the cluster CA;
    # a stock lunatic hands out its built-in one), so that a refusal comes from
    # the node, not from the probe.
    status, reg, _ = w.register(w.secret())
    check(status == 200, "registration with the secret: %s" % status)
    roots = os.path.join(w.dir, "roots.pem")
    with open(roots, "w") as f:
        f.write(reg["root_cert"])
    trust = "ca:" + roots
    # As a client: the worker's QUIC server refuses a built-in-CA certificate...
    rc, out = w.probe("connect-builtin", ["connect", addr, name, trust, "builtin"])
    check(rc == 1 and out.startswith("refused"), "a built-in-CA client was not refused: %s" % out)
    # ...and accepts (answers a request from) one the cluster's CA signed.
    rc, out = w.probe("connect-cluster-ca", ["connect", addr, name, trust, cluster_ca(w, True)])
    check(rc == 0 and out.startswith("accepted"), "a cluster-CA client was not accepted: %s" % out)
    # As a server: a member node presenting a built-in-CA certificate is refused by
    # the app node that connects to it (to spawn a process there); one presenting a
    # cluster-CA certificate is accepted. The probe registers with the secret (no
    # CA pinned: an intruder would not) and waits for the first peer.
    for probe_cert, want in ((cluster_ca(w, True), 0), ("builtin", 1)):
        env = w.node_env(LUNATIC_CLUSTER_CA=None)
        tag = "node-" + ("builtin" if want else "cluster-ca")
        p = w.spawn(tag, [w.a.probe, "node", w.url(), udp_addr(), trust, probe_cert], env)
        deadline = time.time() + 20
        while "registered at" not in w.log(tag) and p.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        check("registered at" in w.log(tag), "the probe did not register: %s" % w.log(tag))
        # dist_smoke spawns on every other node it knows: the worker and the probe.
        w.cluster.run_app(os.path.join(w.a.wasm_dir, "tests/smoke/dist_smoke.wasm"))
        try:
            rc = p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            rc = None
        out = w.log(tag)
        print("%s -> %s: %s" % (tag, rc, out.strip()))
        check(rc == want, "probe node with %s: %s" % (probe_cert, out))
        os.killpg(w.cluster.app.pid, signal.SIGINT)  # the app node deregisters
        w.cluster.app.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--vm", required=True)
    ap.add_argument("--probe", required=True)
    ap.add_argument("--wasm-dir", required=True)
    a = ap.parse_args()
    w = World(a)
    ok = False
    try:
        CASES[a.case](w)
        ok = True
    except Failed as e:
        print("FAIL %s: %s" % (a.case, e))
    except (RuntimeError, TimeoutError) as e:
        print("FAIL %s: the cluster did not start: %s" % (a.case, e))
    finally:
        w.stop()
    left = w.leftovers()
    if left:
        print("FAIL %s: processes left: %s" % (a.case, ", ".join(left)))
        ok = False
    kept = w.cluster.finish(ok) if w.cluster else None
    if kept or not ok:
        print("logs kept in %s %s" % (w.dir, kept or ""))
    else:
        shutil.rmtree(w.dir, ignore_errors=True)
    if ok:
        print("ok %s" % a.case)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
