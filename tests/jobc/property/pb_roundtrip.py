"""pb_roundtrip.py OUTDIR MODDIR MODULE[,MODULE] SPEC.json - the Google protobuf side of the round trip.

Runs under a Python that has google.protobuf (python3-protobuf); MODULE (in MODDIR) is protoc's
--python_out module of jobc's .proto (and those of the files it imports, where a case's
message may be declared). For each case i of SPEC:
  1. parse OUTDIR/<i>.nb (nanopb's encoding of the case's values) with MODULE and check
     every field, by name, against the expected value (bit-exact floats);
  2. write OUTDIR/<i>.py1: that parsed message serialized again;
  3. write OUTDIR/<i>.py0: a message built from the expected values, serialized.
oracle.py then has nanopb decode and re-encode .py0 and .py1 and compares with .nb.
Prints one line per problem; exit 1 if any.
"""
import importlib
import json
import struct
import sys


def expect_scalar(kind, want, got, path, errs):
    if kind == "bytes":
        ok = got == bytes.fromhex(want)
    elif kind in ("f32", "f64"):
        w = struct.unpack("<d", bytes.fromhex(want))[0]
        ok = isinstance(got, float) and struct.pack("<d", got) == struct.pack("<d", w)
        want = repr(w)
    elif kind == "bool":
        ok = got is want or got == want and isinstance(got, bool)
    else:
        ok = got == want and type(got) is type(want)
    if not ok:
        errs.append(f"{path}: protobuf read {got!r}, nanopb wrote {want!r}")


def check(spec, mname, want, msg, path, errs):
    try:
        unknown = len(msg.UnknownFields())
    except (AttributeError, NotImplementedError):
        unknown = 0
    if unknown:
        errs.append(f"{path}: protobuf found {unknown} field(s) its .proto does not declare")
    if want is None:  # an all-default message
        if msg.ByteSize() != 0:
            errs.append(f"{path}: expected an all-default message, protobuf read {msg}")
        return
    for fname, t in spec["messages"][mname]:
        p = f"{path}.{fname}"
        try:
            got = getattr(msg, fname)
        except AttributeError:
            errs.append(f"{p}: no such field in protoc's {msg.DESCRIPTOR.full_name}")
            continue
        w = want[fname]
        if t[0] == "opt":  # presence: absent is None, present is [value]
            if msg.HasField(fname) != (w is not None):
                errs.append(f"{p}: protobuf sees it {'present' if msg.HasField(fname) else 'absent'}, "
                            f"nanopb wrote it {'absent' if w is None else 'present'}")
                continue
            if w is None:
                continue
            t, w = t[1], w[0]
            if t[0] == "msg":
                check(spec, t[1], w, got, p, errs)
            else:
                expect_scalar(t[1], w, got, p, errs)
            continue
        if t[0] == "arr":
            if len(got) != len(w):
                errs.append(f"{p}: protobuf read {len(got)} elements, nanopb wrote {len(w)}")
                continue
            for i, (g, x) in enumerate(zip(got, w)):
                if t[1][0] == "msg":
                    check(spec, t[1][1], x, g, f"{p}[{i}]", errs)
                else:
                    expect_scalar(t[1][1], x, g, f"{p}[{i}]", errs)
        elif t[0] == "msg":
            if not hasattr(got, "DESCRIPTOR"):
                errs.append(f"{p}: protoc's field is not a message ({got!r}); nanopb's is {t[1]}")
                continue
            check(spec, t[1], w, got, p, errs)
        else:
            expect_scalar(t[1], w, got, p, errs)


def build(spec, mname, want, msg):
    if want is None:
        return
    for fname, t in spec["messages"][mname]:
        w = want[fname]
        if t[0] == "opt":
            if w is None:
                continue
            t, w = t[1], w[0]
            if t[0] == "msg":
                sub = getattr(msg, fname)
                sub.SetInParent()
                build(spec, t[1], w, sub)
            else:
                setattr(msg, fname, scalar(t[1], w))  # presence, even for a zero
            continue
        if t[0] == "arr":
            field = getattr(msg, fname)
            for x in w:
                if t[1][0] == "msg":
                    sub = field.add()
                    build(spec, t[1][1], x, sub)
                else:
                    field.append(scalar(t[1][1], x))
        elif t[0] == "msg":
            if w is not None:
                sub = getattr(msg, fname)
                sub.SetInParent()
                build(spec, t[1], w, sub)
        else:
            setattr(msg, fname, scalar(t[1], w))


def scalar(kind, w):
    if kind == "bytes":
        return bytes.fromhex(w)
    if kind in ("f32", "f64"):
        return struct.unpack("<d", bytes.fromhex(w))[0]
    return w


def main():
    outdir, moddir, module, spec_path = sys.argv[1:5]
    sys.path.insert(0, moddir)
    sys.setrecursionlimit(20000)
    with open(spec_path) as f:
        spec = json.load(f)
    try:
        mods = [importlib.import_module(m) for m in module.split(",")]
    except Exception as e:  # noqa: BLE001 - any import failure is the finding
        print(f"import of protoc's python module failed: {type(e).__name__}: {e}")
        return 1
    errs = []
    for i, (mname, want) in enumerate(spec["cases"]):
        cls = next((getattr(m, mname) for m in mods if hasattr(m, mname)), None)
        if cls is None:
            errs.append(f"case {i}: protoc's module has no message {mname}")
            continue
        with open(f"{outdir}/{i}.nb", "rb") as f:
            data = f.read()
        m = cls()
        try:
            m.ParseFromString(data)
        except Exception as e:  # noqa: BLE001
            errs.append(f"case {i} {mname}: protobuf cannot parse nanopb's bytes: {e}")
            continue
        case_errs = []
        check(spec, mname, want, m, mname, case_errs)
        errs += [f"case {i}: {e}" for e in case_errs[:5]]
        with open(f"{outdir}/{i}.py1", "wb") as f:
            f.write(m.SerializeToString())
        b = cls()
        try:
            build(spec, mname, want, b)
        except Exception as e:  # noqa: BLE001
            errs.append(f"case {i} {mname}: cannot build the expected values: {type(e).__name__}: {e}")
            continue
        with open(f"{outdir}/{i}.py0", "wb") as f:
            f.write(b.SerializeToString())
    for e in errs:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
