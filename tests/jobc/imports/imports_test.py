#!/usr/bin/env python3
"""Imports (issue 18): a file using another's enum and messages (qualified by its package,
found with -I) builds with -Werror natively and for wasm32, passes protoc together with the
imported .proto, and lists the import in its depfile;
cycles, missing files, clashes across files and late imports are errors at the import
with a note in the other file.
usage: imports_test.py JOBC CC WASM_CC NANOPB RUNTIME_INCLUDE PROTOC"""
import os, re, shutil, subprocess, sys, tempfile

jobc, cc, wasm_cc, nanopb, runtime, protoc = sys.argv[1:7]
here = os.path.dirname(os.path.abspath(__file__))
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond or not detail else "\n  " + detail[:2000]))
    if not cond:
        failures.append(name)


def run(*cmd, cwd=None):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=cwd)


FLAGS = ["-Wall", "-Wextra", "-Werror", "-DPB_ENABLE_MALLOC=1", "-DPB_FIELD_32BIT=1"]
with tempfile.TemporaryDirectory() as d:
    src = os.path.join(d, "src")
    shutil.copytree(here, src, ignore=shutil.ignore_patterns("*.py"))
    out = os.path.join(d, "out")
    os.mkdir(out)
    r = run(jobc, "-I", "lib", "-o", out, "-M", os.path.join(out, "orders.d"), "orders.job", cwd=src)
    check("importer: jobc -I lib", r.returncode == 0, r.stderr)
    r = run(jobc, "-o", out, "lib/common.job", cwd=src)
    check("imported file: its own outputs", r.returncode == 0, r.stderr)
    dep = open(os.path.join(out, "orders.d")).read()
    check("depfile lists the imported file", dep.strip().endswith("orders.job lib/common.job"), dep)
    h = open(os.path.join(out, "orders.job.h")).read()
    check("the importer's header includes the imported header", '#include "common.job.h"' in h)
    check("imported types keep their package's C names", "common_Money total;" in h and "common_Currency cur" in h)
    check("the imported file's descriptors are not emitted again", "common_Money_msg" not in open(os.path.join(out, "orders.job.c")).read())
    for std in ("gnu11", "c11"):
        for comp, extra in ((cc, []), (wasm_cc, ["--target=wasm32-wasi", "--sysroot=/usr"])):
            for f in ("orders.job.c", "common.job.c"):
                r = run(comp, *extra, f"-std={std}", *FLAGS, "-I", out, "-I", nanopb, "-I", runtime, "-c",
                        os.path.join(out, f), "-o", os.path.join(d, "x.o"))
                check(f"{f} compiles ({os.path.basename(comp)} {' '.join(extra[:1])} {std})", r.returncode == 0, r.stderr)
    r = run(protoc, "-I", out, f"--python_out={out}", "orders.proto", "common.proto")
    check("protoc reads the importer with the imported .proto", r.returncode == 0, r.stderr)

    cases = {
        "cycle": ({"a.job": 'import "b.job";\nmessage A { x: u32; }\n', "b.job": 'import "a.job";\nmessage B { y: u32; }\n'},
                  "a.job", r"b\.job:1:8: error: import cycle"),
        "missing": ({"m.job": 'import "nowhere.job";\nmessage M { x: u32; }\n'}, "m.job",
                    r"m\.job:1:8: error: cannot find 'nowhere\.job'"),
        "clash": ({"c.job": 'package common;\nimport "lib/common.job";\nmessage Money { x: u32; }\n'}, "c.job",
                  r"c\.job:3:9: error: 'Money' is declared both here and in 'lib/common\.job'\n(.|\n)*lib/common\.job:4:9: note: 'Money' is declared here"),
        "C clash across files": ({"g.job": 'import "h.job";\njob sum(a: u32) -> u32;\n', "h.job": 'message sum_args { a: u32; }\n'},
                                 "g.job", r"g\.job:2:5: error: job 'sum' generates the C name 'sum_args', which message 'sum_args' of 'h\.job' also generates\n(.|\n)*h\.job:1:9: note:"),
        "late import": ({"l.job": 'message L { x: u32; }\nimport "lib/common.job";\n'}, "l.job",
                        r"l\.job:2:8: error: imports come before any enum, message or job"),
        "unqualified": ({"u.job": 'import "lib/common.job";\nmessage U { m: Money; }\n'}, "u.job",
                        r"u\.job:2:16: error: unknown type 'Money'"),
        # protoc's pool: a package is a name beside the root names of files without one
        # (all three found with protoc: "already defined"; the first by the property test)
        "package = imported message": ({"p1.job": 'package Rupo;\nimport "p1d.job";\nmessage Z { r: Rupo; }\n',
                                        "p1d.job": 'message Rupo { x: u32; }\n'}, "p1.job",
                                       r"p1\.job:1:9: error: package 'Rupo' of 'p1\.job' is also a name of protobuf's root scope, given by message 'Rupo' of 'p1d\.job'(.|\n)*p1d\.job:1:9: note:"),
        "package = imported enum value": ({"p2.job": 'package RED;\nimport "p2d.job";\nmessage Z { c: Color; }\n',
                                           "p2d.job": 'enum Color { RED = 0; }\n'}, "p2.job",
                                          r"p2\.job:1:9: error: package 'RED' .* given by enum 'Color' of 'p2d\.job'"),
        "package = imported job's args": ({"p3.job": 'package sum_args;\nimport "p3d.job";\nmessage Z { z: u32; }\n',
                                           "p3d.job": 'job sum(a: u32) -> u32;\n'}, "p3.job",
                                          r"p3\.job:1:9: error: package 'sum_args' .* given by job 'sum' of 'p3d\.job'"),
        "imported package = own message": ({"p4.job": 'import "p4d.job";\nmessage pq { a: u32; }\n',
                                            "p4d.job": 'package pq;\nmessage X { a: u32; }\n'}, "p4.job",
                                           r"p4\.job:2:9: error: package 'pq' of 'p4d\.job' is also a name(.|\n)*p4d\.job:1:9: note:"),
    }
    for name, (files, main, pattern) in cases.items():
        for fn, text in files.items():
            open(os.path.join(src, fn), "w").write(text)
        o = os.path.join(d, "o-" + name.replace(" ", "-"))
        os.mkdir(o)
        r = run(jobc, "-o", o, main, cwd=src)
        check(f"{name}: exit 1, nothing written, the error at the import", r.returncode == 1 and not os.listdir(o)
              and re.search(pattern, r.stderr) is not None, r.stderr)

    # a syntax error loses what recovery skips, an import that fails loses a whole file:
    # names then unknown to the importer are echoes of the first error, not errors of
    # their own ("unknown type 'B'; did you mean 'C'?" used to follow each of these)
    echoes = {
        "syntax error in the imported file": ({"e1.job": 'import "e1d.job";\nmessage C { b: B; a: A; }\n',
                                               "e1d.job": 'message A { x: u32 }\nmessage B { y: u32; }\n'},
                                              "e1.job", r"e1d\.job:1:20: error: syntax error"),
        "syntax error in the file itself": ({"e2.job": 'message A { x: u32 }\nmessage B { y: u32; }\nmessage C { b: B; }\n'},
                                            "e2.job", r"e2\.job:1:20: error: syntax error"),
        "missing import": ({"e3.job": 'import "none.job";\nmessage C { b: B; }\n'}, "e3.job",
                           r"e3\.job:1:8: error: cannot find 'none\.job'"),
        "a syntax error two imports away": ({"e4.job": 'import "e4a.job";\nmessage C { b: B; }\n',
                                             "e4a.job": 'import "e4b.job";\nmessage D { x: u32; }\n',
                                             "e4b.job": 'message A { x: u32 }\nmessage B { y: u32; }\n'},
                                            "e4.job", r"e4b\.job:1:20: error: syntax error"),
    }
    for name, (files, main, pattern) in echoes.items():
        for fn, text in files.items():
            open(os.path.join(src, fn), "w").write(text)
        r = run(jobc, "--check", main, cwd=src)
        check(f"{name}: exit 1, one error, no echo of it as an unknown type",
              r.returncode == 1 and re.search(pattern, r.stderr) is not None and "unknown type" not in r.stderr
              and r.stderr.count(": error: ") == 1, r.stderr)
    # a complete file still reports an unknown name
    open(os.path.join(src, "e5.job"), "w").write('import "lib/common.job";\nmessage C { b: Nope; }\n')
    r = run(jobc, "--check", "e5.job", cwd=src)
    check("unknown type beside a complete import: still an error", r.returncode == 1 and
          "e5.job:2:16: error: unknown type 'Nope'" in r.stderr, r.stderr)

    # an importer with fewer declarations than it imports: jobc once sized its table of C
    # names by the importer alone and wrote past it (found by the property test)
    open(os.path.join(src, "many.job"), "w").write("".join(f"message M{i} {{ x: u32; }}\n" for i in range(200)))
    open(os.path.join(src, "one.job"), "w").write('import "many.job";\njob f(a: M1) -> M2;\n')
    o = os.path.join(d, "o-many")
    os.mkdir(o)
    r = run(jobc, "-o", o, "one.job", cwd=src)
    check("an importer of 200 messages with one job: exit 0, its outputs", r.returncode == 0
          and sorted(os.listdir(o)) == ["one.job.c", "one.job.h", "one.proto"], f"exit {r.returncode}\n{r.stderr}")

    # an import that names something jobc cannot read: an error at the import (exit 1),
    # like a missing file, not a bare message without a place (exit 2)
    os.mkdir(os.path.join(src, "adir"))
    for name, target in (("a directory", "adir"), ("/dev/zero", "/dev/zero")):
        open(os.path.join(src, "imp.job"), "w").write(f'import "{target}";\nmessage I {{ x: u32; }}\n')
        o = os.path.join(d, "o-unreadable-" + target.replace("/", "_"))
        os.mkdir(o)
        r = run(jobc, "-o", o, "imp.job", cwd=src)
        check(f"import of {name}: exit 1, at the import, nothing written", r.returncode == 1 and not os.listdir(o)
              and re.search(r"^imp\.job:1:8: error: cannot import '[^']*': it is not a regular file", r.stderr, re.M)
              is not None, f"exit {r.returncode}\n{r.stderr}")

    # a chain of 3,000 files, each importing the next: once a stack overflow (the loader
    # recurses per file); now an error where the chain passes 64 files
    chain = os.path.join(src, "chain")
    os.mkdir(chain)
    for i in range(3000):
        imp = f'import "c{i + 1}.job";\n' if i + 1 < 3000 else ""
        open(os.path.join(chain, f"c{i}.job"), "w").write(imp + f"message C{i} {{ x: u32; }}\n")
    o = os.path.join(d, "o-chain")
    os.mkdir(o)
    r = run(jobc, "-o", o, "c0.job", cwd=chain)
    check("a 3,000-file import chain: exit 1, an error at the 64th file", r.returncode == 1 and not os.listdir(o)
          and re.search(r"^c63\.job:1:8: error: imports nest more than 64 files deep", r.stderr, re.M) is not None,
          f"exit {r.returncode}\n{r.stderr[:500]}")
    r = run(jobc, "-o", o, "c2936.job", cwd=chain)
    check("a 64-file import chain: accepted", r.returncode == 0, r.stderr[:500])

print("imports: ok" if not failures else f"imports: {len(failures)} failed")
sys.exit(1 if failures else 0)
