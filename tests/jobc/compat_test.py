#!/usr/bin/env python3
"""jobc compat OLD NEW: exit 1 with NEW:line:col errors (and OLD notes) for every
wire-breaking change, warnings for risky ones, exit 0 and silence when compatible."""
import os, re, subprocess, sys, tempfile

jobc = sys.argv[1]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "\n" + detail))
    if not cond:
        failures.append(name)


BASE = """package shop;
enum Kind { NONE = 0; BOOK = 1; PEN = 2; }
message Item { id: u32 = 1; name: string = 2; price: f64 = 3; tags: [string] = 4; kind: Kind = 5; }
job buy(item: Item = 1, count: u32 = 2) -> f64;
job ping() -> bool;
"""

# (name, edit of BASE, expected exit, regex that must match stderr)
CASES = [
    ("identical", lambda s: s, 0, r"^$"),
    ("field added", lambda s: s.replace("kind: Kind = 5;", "kind: Kind = 5; extra: u32 = 6;"), 0, r"^$"),
    ("string<->bytes", lambda s: s.replace("name: string = 2", "name: bytes = 2"), 0, r"^$"),
    ("removed with reserved", lambda s: s.replace("price: f64 = 3;", "reserved 3;"), 0, r"^$"),
    ("removed, name reserved", lambda s: s.replace("price: f64 = 3;", 'reserved "price";'), 0, r"^$"),
    ("field removed", lambda s: s.replace("price: f64 = 3;", ""), 1,
     r"new\.job:3:9: error: field 'price' of 'Item' was removed without `reserved 3;`(.|\n)*old\.job:3:47: note:"),
    ("field renumbered", lambda s: s.replace("price: f64 = 3", "price: f64 = 9"), 1,
     r"new\.job:3:\d+: error: field 'price' of 'Item' was renumbered \(number 3 became 9\)"),
    ("parameters reordered by position", lambda s: s.replace("job buy(item: Item = 1, count: u32 = 2)", "job buy(count: u32, item: Item)"), 1,
     r"parameter 'item' of 'buy' was renumbered \(number 1 became 2\)(.|\n)*parameter 'count' of 'buy' was renumbered"),
    ("f64->f32", lambda s: s.replace("price: f64", "price: f32"), 1, r"error: the type of field 'price' of 'Item' changed: f64 became f32"),
    ("scalar->message", lambda s: s.replace("id: u32 = 1", "id: Item2 = 1").replace("job buy", "message Item2 { v: u32; }\njob buy"), 1,
     r"error: the type of field 'id' of 'Item' changed: u32 became Item2: a message and a scalar"),
    ("singular->array", lambda s: s.replace("name: string = 2", "name: [string] = 2"), 1, r"error: .*a single value and an array"),
    ("narrowed", lambda s: s.replace("id: u32", "id: u64").replace("Item = 1, count: u32", "Item = 1, count: u32"), 0,
     r"warning: the type of field 'id' of 'Item' changed: u32 widened to u64"),
    ("signedness", lambda s: s.replace("id: u32", "id: i32"), 1, r"error: .*u32 became i32: the encoding agrees, but negative"),
    ("renamed field", lambda s: s.replace("name: string = 2", "title: string = 2"), 0,
     r"^new\.job:3:\d+: warning: field 'name' of 'Item' was renamed"),
    ("job removed", lambda s: s.replace("job ping() -> bool;\n", ""), 1, r"new\.job:1:1: error: job 'ping' was removed or renamed(.|\n)*old\.job:5:5: note:"),
    ("result type", lambda s: s.replace("-> f64", "-> string"), 1, r"error: the result type of job 'buy' changed"),
    ("package", lambda s: s.replace("package shop;", "package store;"), 1, r"new\.job:1:9: error: the package changed \('shop' is now 'store'\)(.|\n)*old\.job:1:9: note:"),
    ("enum value renumbered", lambda s: s.replace("BOOK = 1", "BOOK = 3"), 1, r"error: value 'BOOK' of enum 'Kind' was renumbered \(1 became 3\)"),
    ("optional added", lambda s: s.replace("name: string = 2", "name: optional string = 2"), 0, r"warning: .*presence"),
]

with tempfile.TemporaryDirectory() as d:
    old = os.path.join(d, "old.job")
    new = os.path.join(d, "new.job")
    with open(old, "w") as f:
        f.write(BASE)
    for name, edit, want_rc, pattern in CASES:
        with open(new, "w") as f:
            f.write(edit(BASE))
        r = subprocess.run([jobc, "compat", old, new], capture_output=True, text=True, cwd=d, timeout=60)
        err = r.stderr.replace(d + "/", "")
        ok = r.returncode == want_rc and re.search(pattern, err) is not None
        if want_rc == 0 and pattern == r"^$":
            ok = r.returncode == 0 and err == "" and r.stdout == ""
        check(f"{name}: exit {want_rc}", ok, f"exit {r.returncode}\n{err}")
    with open(new, "w") as f:
        f.write("job broken(a: nope);\n")
    r = subprocess.run([jobc, "compat", old, new], capture_output=True, text=True, timeout=60)
    check("an input with errors: exit 2, its errors shown", r.returncode == 2 and "unknown type 'nope'" in r.stderr)

    # -I DIR: imports of both versions are looked up there, as in a compile; a type in an
    # imported file is compared as well
    inc = os.path.join(d, "inc")
    os.makedirs(inc)
    with open(os.path.join(inc, "money.job"), "w") as f:
        f.write("package shop;\nmessage Money { cents: i64 = 1; }\n")
    for n, body in (("old.job", "i: Money = 1;"), ("new.job", "i: Money = 2;")):
        with open(os.path.join(d, n), "w") as f:
            f.write('package shop;\nimport "money.job";\nmessage Pay { %s }\n' % body)
    r = subprocess.run([jobc, "compat", old, new], capture_output=True, text=True, cwd=d, timeout=60)
    check("imports without -I: exit 2, the missing file named", r.returncode == 2 and "money.job" in r.stderr,
          r.stderr)
    r = subprocess.run([jobc, "compat", "-I", inc, old, new], capture_output=True, text=True, cwd=d, timeout=60)
    check("compat -I DIR: the imported type found, the renumbering reported",
          r.returncode == 1 and "field 'i' of 'Pay' was renumbered" in r.stderr, f"exit {r.returncode}\n{r.stderr}")
    r = subprocess.run([jobc, "compat", "-I" + inc, old, old], capture_output=True, text=True, cwd=d, timeout=60)
    check("compat -IDIR, same file: exit 0, silent", r.returncode == 0 and r.stderr == "", r.stderr)
    r = subprocess.run([jobc, "compat", old, new, "-I"], capture_output=True, text=True, cwd=d, timeout=60)
    check("compat with a dangling -I: usage, exit 2", r.returncode == 2 and "usage: jobc compat" in r.stderr, r.stderr)

print("compat: ok" if not failures else f"compat: {len(failures)} failed")
sys.exit(1 if failures else 0)
