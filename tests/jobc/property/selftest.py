"""selftest.py - the oracle must notice a .proto or descriptor that disagrees with the C.

One ordinary schema (every scalar type, strings, bytes, a nested message, arrays of
messages, a package) must pass; then each mutant, an edit of jobc's output that changes
the wire meaning on one side only, must fail in a round-trip step. Without this, a
round trip that checks nothing would pass too.
"""
import re

import oracle
import schema as sch

SCHEMA = """package selft;
message Inner { s: string; b: bytes; n: i32; }
message Outer { inner: Inner; items: [Inner]; flags: [bool]; big: u64; d: f64; f: f32; l: i64; u: u32; }
job run(o: Outer, xs: [string], k: i32) -> [Outer];
job scalars(a: bool, b: i32, c: i64, d: u32, e: u64, f: f32, g: f64, hs: string, i: bytes) -> f64;
"""


def edit(path, pattern, repl):
    def mutate(out):
        with open(f"{out}/{path}") as f:
            text = f.read()
        new, n = re.subn(pattern, repl, text, count=1)
        assert n == 1, (path, pattern)
        with open(f"{out}/{path}", "w") as f:
            f.write(new)
    return mutate


MUTANTS = [
    ("proto: int32 read as sint32", edit("s.proto", r"int32 k = 3;", "sint32 k = 3;")),
    ("proto: two field numbers swapped", edit("s.proto", r"uint64 big = 4;\n  double d = 5;",
                                              "uint64 big = 5;\n  double d = 4;")),
    ("proto: double read as fixed64", edit("s.proto", r"double g = 7;", "fixed64 g = 7;")),
    ("proto: a message field read as bytes", edit("s.proto", r"Inner inner = 1;", "bytes inner = 1;")),
    ("descriptor: INT64 encoded as SINT64", edit("s.job.h", r"INT64,(\s+)l,", r"SINT64,\1l,")),
    ("descriptor: a field number moved", edit("s.job.h", r"(UINT32,\s+u,\s+)8\)", r"\g<1>9)")),
]


def run(cfg, work):
    """Returns a list of problems (empty: the oracle is live)."""
    problems = []
    _, fails, _ = oracle.check_schema(cfg, sch.parse(SCHEMA, strict=True), f"{work}/selftest-base",
                                      dense=True)
    if fails:
        problems.append("the self-test schema itself fails: " + "; ".join(f"{a}: {b}" for a, b in fails))
        return problems
    for name, mutate in MUTANTS:
        _, fails, _ = oracle.check_schema(cfg, sch.parse(SCHEMA, strict=True),
                                          f"{work}/selftest-{len(problems)}-{name[:5]}", mutate=mutate,
                                          dense=True)
        if not any(step.startswith("roundtrip") for step, _ in fails):
            problems.append(f"mutant not detected: {name} (failures: {fails})")
    return problems
