#!/usr/bin/env python3
"""Old and new builds read each other (issue 16): v1/order.job and v2/order.job (note
removed and reserved, tags and an optional field added) pass `jobc compat`, and bytes
written by either version decode in the other, in C (nanopb) and in Python (Google
protobuf), with protobuf's unknown-field behaviour: Python keeps a field it does not
know and writes it back out; nanopb skips it.
usage: wire_test.py JOBC CC NANOPB_DIR RUNTIME_INCLUDE PROTOC"""
import os, subprocess, sys, tempfile

jobc, cc, nanopb, runtime, protoc = sys.argv[1:6]
here = os.path.dirname(os.path.abspath(__file__))
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond or not detail else "\n  " + detail))
    if not cond:
        failures.append(name)


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


# Google protobuf for Python: this interpreter's, or Debian's python3-protobuf
pb_python = next((p for p in (sys.executable, "/usr/bin/python3")
                  if os.path.exists(p) and run(p, "-c", "import google.protobuf").returncode == 0), None)
if not pb_python:
    print("FAIL no Python with google.protobuf (python3-protobuf)")
    sys.exit(1)


PY = r'''
import sys
sys.path.insert(0, sys.argv[1])
import order_pb2
mode, path = sys.argv[2], sys.argv[3]
o = order_pb2.Order()
if mode == "write":
    o.id, o.item, o.qty = 7, "pen", 3
    if hasattr(o, "note"):
        o.note = "gift"
    else:
        o.tags.extend(["red", "blue"])
        o.rush = False
    open(path, "wb").write(o.SerializeToString())
elif mode == "copy":      # parse and write back: unknown fields must survive
    o.ParseFromString(open(path, "rb").read())
    open(path + ".copy", "wb").write(o.SerializeToString())
else:
    o.ParseFromString(open(path, "rb").read())
    extra = " note=%s" % o.note if hasattr(o, "note") else " tags=%s rush=%s" % (
        ",".join(o.tags), str(o.rush).lower() if o.HasField("rush") else "absent")
    print("id=%d item=%s qty=%d%s" % (o.id, o.item, o.qty, extra))
'''

with tempfile.TemporaryDirectory() as d:
    r = run(jobc, "compat", os.path.join(here, "v1/order.job"), os.path.join(here, "v2/order.job"))
    check("jobc compat v1 v2: compatible (exit 0, silent)", r.returncode == 0 and not r.stderr, r.stderr)
    progs = {}
    for v in ("v1", "v2"):
        out = os.path.join(d, v)
        os.mkdir(out)
        r = run(jobc, "-o", out, os.path.join(here, v, "order.job"))
        check(f"{v}: jobc", r.returncode == 0, r.stderr)
        r = run(protoc, "-I", out, f"--python_out={out}", "order.proto")
        check(f"{v}: protoc", r.returncode == 0, r.stderr)
        prog = os.path.join(d, "rw_" + v)
        r = run(cc, "-std=gnu11", "-Wall", "-Wextra", "-Werror", f"-DWIRE_V={v[1]}", "-DLUCIDITY_DESCRIPTORS_ONLY",
                "-DPB_ENABLE_MALLOC=1", "-DPB_FIELD_32BIT=1", "-I", out, "-I", nanopb, "-I", runtime,
                os.path.join(here, "wire_rw.c"), os.path.join(out, "order.job.c"),
                *(os.path.join(nanopb, f) for f in ("pb_encode.c", "pb_decode.c", "pb_common.c")), "-o", prog)
        check(f"{v}: C reader/writer builds", r.returncode == 0, r.stderr)
        progs[v] = prog
    py = os.path.join(d, "rw.py")
    open(py, "w").write(PY)

    def c_write(v, path):
        return run(progs[v], "write", path).returncode == 0

    def c_read(v, path):
        return run(progs[v], "read", path).stdout.strip()

    def py_write(v, path):
        return run(pb_python, py, os.path.join(d, v), "write", path).returncode == 0

    def py_read(v, path):
        r = run(pb_python, py, os.path.join(d, v), "read", path)
        return (r.stdout + r.stderr).strip()

    new_seen_by_old = "id=7 item=pen qty=3 note="
    old_seen_by_new = "id=7 item=pen qty=3 tags= rush=absent"
    for writer in ("c", "py"):
        for reader in ("c", "py"):
            f = os.path.join(d, f"{writer}-{reader}-new.bin")
            (c_write if writer == "c" else py_write)("v2", f)
            got = (c_read if reader == "c" else py_read)("v1", f)
            check(f"new writer ({writer}) -> old reader ({reader}): known fields, no note", got == new_seen_by_old, got)
            f = os.path.join(d, f"{writer}-{reader}-old.bin")
            (c_write if writer == "c" else py_write)("v1", f)
            got = (c_read if reader == "c" else py_read)("v2", f)
            check(f"old writer ({writer}) -> new reader ({reader}): known fields, tags empty, rush absent",
                  got == old_seen_by_new, got)
            same = (c_read if reader == "c" else py_read)("v2", os.path.join(d, f"{writer}-{reader}-new.bin"))
            check(f"new writer ({writer}) -> new reader ({reader}): all fields, a present false",
                  same == "id=7 item=pen qty=3 tags=red,blue rush=false", same)
    # unknown fields: an old message through the new Python keeps its note
    f = os.path.join(d, "old-through-new.bin")
    c_write("v1", f)
    run(pb_python, py, os.path.join(d, "v2"), "copy", f)
    got = c_read("v1", f + ".copy")
    check("old -> new Python (parse, serialize) -> old: the unknown field survives", got == "id=7 item=pen qty=3 note=gift", got)

print("wire: ok" if not failures else f"wire: {len(failures)} failed")
sys.exit(1 if failures else 0)
