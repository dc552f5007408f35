"""A cluster's admission keys: its own CA (certificate + private key) and its
join secret, as files the lunatic VM (patched: docs/vm.md, "Cluster
admission") reads through environment variables that name them.

Each cluster gets fresh ones, in a folder only its owner can enter (0700),
files 0600. The control node gets the CA key; nodes get the CA certificate
and the secret only. Nothing secret goes into argv (world-readable in /proc)
or into the VM's environment (lunatic passes its environment on to the wasm
app); the variables hold paths.
"""
import os
import secrets
import subprocess

CA_CERT = "ca.pem"
CA_KEY = "ca.key"
SECRET = "secret"
# The variables the patched VM reads (lunatic-distributed's control/admission.rs).
ENV_CA = "LUNATIC_CLUSTER_CA"
ENV_CA_KEY = "LUNATIC_CLUSTER_CA_KEY"
ENV_SECRET_FILE = "LUNATIC_CLUSTER_SECRET_FILE"
ENV_SECRET = "LUNATIC_CLUSTER_SECRET"
ALL_ENV = (ENV_CA, ENV_CA_KEY, ENV_SECRET_FILE, ENV_SECRET)


class KeysError(RuntimeError):
    """The keys could not be made or are not there."""


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(data)


def make(folder):
    """Creates folder (0700) with a fresh CA and secret; returns folder.
    The CA is EC P-256 (what lunatic's rcgen signs node certificates with),
    made by the openssl command line tool."""
    os.makedirs(folder, mode=0o700)
    os.chmod(folder, 0o700)  # makedirs' mode is masked by the umask
    key, cert = os.path.join(folder, CA_KEY), os.path.join(folder, CA_CERT)
    # openssl creates the key file with the umask: make it 0600 before it is written.
    _write_private(key, "")
    cmd = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-keyout", key, "-out", cert, "-days", "3650",
           "-subj", "/O=lucidity/CN=lucidity cluster CA " + secrets.token_hex(4),
           "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    except FileNotFoundError:
        raise KeysError("openssl not found: it makes each cluster's CA (apt-get install openssl)")
    if r.returncode != 0:
        raise KeysError("openssl could not make the cluster CA: %s" % r.stderr.strip())
    os.chmod(cert, 0o600)
    _write_private(os.path.join(folder, SECRET), secrets.token_hex(32) + "\n")
    return folder


def check(folder):
    """Raises KeysError unless folder holds a cluster's keys."""
    for name in (CA_CERT, CA_KEY, SECRET):
        if not os.path.isfile(os.path.join(folder, name)):
            raise KeysError("the cluster's keys are missing (%s)" % os.path.join(folder, name))


def env(folder, base, control=False):
    """base (an environment) with the variables a node, or the control node,
    needs to join the cluster whose keys are in folder."""
    e = {k: v for k, v in base.items() if k not in ALL_ENV}
    e[ENV_CA] = os.path.join(folder, CA_CERT)
    e[ENV_SECRET_FILE] = os.path.join(folder, SECRET)
    if control:
        e[ENV_CA_KEY] = os.path.join(folder, CA_KEY)
    return e


def read_secret(folder):
    with open(os.path.join(folder, SECRET)) as f:
        return f.read().strip()
