"""What the launcher knows about a process, read from /proc (Linux):

- identity(pid), record(), is_same(): its start time and command line, so a
  pid written to a state file is signalled only while it still names the
  process we started (pids are reused);
- sockets(pid): the TCP and UDP sockets it holds, so the launcher can tell that
  *its* process bound a port (another program may have taken the port between
  our free-port check and the bind) and tests can check what a cluster listens on;
- die_with_parent(): a preexec function that ties a child to the launcher
  (PR_SET_PDEATHSIG), so a SIGKILLed launcher leaves nothing running.
"""
import ctypes
import os
import signal
import socket
import struct

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def identity(pid):
    """{"pid", "start", "cmdline"} of a live process, or None when it is gone.
    start is field 22 of /proc/PID/stat (clock ticks since boot): a reused pid
    gets a new one."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            stat = f.read().decode(errors="replace")
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmdline = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) is in parentheses and may contain spaces.
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] == "Z":
        return None  # a zombie has finished; only its parent's wait() is left
    return {"pid": pid, "start": int(fields[19]), "cmdline": cmdline}


def record(pid, args):
    """What the state file keeps of a process we started with these arguments
    (those after the program: a wrapper such as `#!/usr/bin/env` or taskset
    changes the program part of the command line as it execs), or None when it
    is gone already."""
    now = identity(pid)
    return now and {"pid": pid, "start": now["start"], "args": list(args)}


def is_same(rec):
    """True when rec (from record()) still describes a running process: same
    start time (a reused pid has a later one) and a command line ending with
    the same arguments."""
    now = identity(rec["pid"])
    args = rec.get("args")
    return bool(now and args and now["start"] == rec.get("start")
                and now["cmdline"][-len(args):] == args)


def _socket_inodes(pid):
    inodes = set()
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return inodes
    for fd in fds:
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _hex_addr(text):
    ip, port = text.split(":")
    raw = bytes.fromhex(ip)
    # /proc/net/* prints the address as host-order 32-bit words.
    words = struct.unpack("<%dI" % (len(raw) // 4), raw)
    packed = struct.pack(">%dI" % len(words), *words)
    family = socket.AF_INET if len(packed) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, packed), int(port, 16)


def sockets(pid):
    """[(proto, ip, port, listening)] of the TCP/UDP sockets pid holds; proto is
    tcp, tcp6, udp or udp6. A TCP socket counts as listening in LISTEN state, a
    UDP socket whenever it is bound."""
    inodes = _socket_inodes(pid)
    found = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        try:
            with open("/proc/%d/net/%s" % (pid, proto)) as f:
                rows = f.read().splitlines()[1:]
        except (FileNotFoundError, ProcessLookupError):
            continue
        for row in rows:
            col = row.split()
            if int(col[9]) not in inodes:
                continue
            ip, port = _hex_addr(col[1])
            listening = col[3] == "0A" if proto.startswith("tcp") else port != 0
            found.append((proto, ip, port, listening))
    return found


def holds_port(pid, proto, port):
    """True when pid has a listening/bound socket of proto ("tcp"/"udp", v4 or v6) on port."""
    return any(p.startswith(proto) and prt == port and listening
               for p, _, prt, listening in sockets(pid))


def die_with_parent():
    """A Popen preexec_fn: the child gets SIGKILL when the launcher dies, however
    it dies (SIGKILL included). If the launcher died before the prctl, the child
    has been reparented already and gives up at once."""
    parent = os.getpid()

    def preexec():
        if _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0 or os.getppid() != parent:
            os._exit(127)
    return preexec
