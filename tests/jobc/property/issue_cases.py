"""issue_cases.py - issue 11's reproduced cases, as a fixed to-do list for jobc.

Each case is (name, .job text, expect):
  "accept"  valid and must be accepted (and then build and round-trip);
  "either"  valid; jobc may reject it with a `file:line:col: error:` diagnostic
            (a name it cannot make safe, a documented nesting limit), or accept and build;
  "reject"  invalid (README); jobc must reject it.
Run: tests/jobc/property/property.py --issue-cases [--jobc PATH]
"""


def fields(n, t, prefix="f"):
    return " ".join(f"{prefix}{i}: {t};" for i in range(n))


def chain(depth, reverse=False, cycle=False):
    decls = []
    for i in range(depth):
        nxt = f"next: C{i + 1};" if i + 1 < depth else ("next: C0;" if cycle else "")
        decls.append(f"message C{i} {{ x: u32; {nxt} }}")
    if reverse:
        decls.reverse()
    return "\n".join(decls) + "\njob walk(c: C0) -> u32;\n"


CASES = [
    # 1. wide and deep messages: descriptor widths (nanopb's generator picks them from the
    #    largest tag, data offset and member size; pb.h: tag 6/10 bits, offset 8/16 bits,
    #    member size 4/12 bits)
    ("wide-33-f64", f"message W {{ {fields(33, 'f64')} }}\njob w(m: W) -> W;\n", "accept"),
    ("wide-32-f64", f"message W {{ {fields(32, 'f64')} }}\njob w(m: W) -> W;\n", "accept"),
    ("wide-64-bool-tag64", f"message W {{ {fields(64, 'bool')} }}\njob w(m: W) -> u32;\n", "accept"),
    ("wide-1024-bool-tag1024", f"message W {{ {fields(1024, 'bool')} }}\njob w(m: W) -> u32;\n", "accept"),
    ("wide-8193-f64-offset64k", f"message W {{ {fields(8193, 'f64')} }}\njob w(m: W) -> u32;\n", "accept"),
    ("params-64-u32", "job p(" + ", ".join(f"a{i}: u32" for i in range(64)) + ") -> u32;\n", "accept"),
    ("params-33-f64", "job p(" + ", ".join(f"a{i}: f64" for i in range(33)) + ");\n", "accept"),
    ("embed-8-of-4-f64", f"message V {{ {fields(4, 'f64')} }}\nmessage E {{ {fields(8, 'V', 'v')} }}\n"
                         "job e(m: E) -> E;\n", "accept"),
    ("embed-member-4096", f"message V {{ {fields(512, 'f64')} }}\nmessage E {{ v: V; }}\njob e(m: E) -> u32;\n",
     "accept"),
    ("deep-98", chain(98), "accept"),
    ("deep-99", chain(99), "either"),
    ("deep-100", chain(100), "either"),
    ("deep-200", chain(200), "either"),
    ("deep-300-declared-forward", chain(300), "either"),
    ("deep-257-declared-reversed", chain(257, reverse=True), "either"),
    ("deep-300-declared-reversed", chain(300, reverse=True), "either"),
    ("array-of-wide", f"message W {{ {fields(40, 'u64')} }}\njob a(ws: [W]) -> [W];\n", "accept"),
    # 2. names that break the C
    ("readme-job-log", "job log(msg: string);\n", "either"),
    *[(f"libc-job-{n}", f"job {n}(a: u32) -> u32;\n", "either")
      for n in ["malloc", "free", "strlen", "exit", "time", "abs", "div"]],
    # found by the random runs: a program's own main
    ("c-job-main", "job main(a: u32) -> u32;\n", "either"),
    ("c-job-main-void", "job main();\n", "either"),
    ("c-message-main", "message main { x: u32; }\njob f(m: main);\n", "either"),
    *[(f"macro-field-{n}", f"message M {{ {n}: u32; }}\njob f(m: M) -> u32;\n", "either")
      for n in ["errno", "stdin", "EOF", "assert", "offsetof", "INT_MAX", "unix", "linux"]],
    *[(f"runtime-name-{n}", f"message {n} {{ x: u32; }}\njob f(m: {n}) -> u32;\n", "either")
      for n in ["lucidity_call", "lucidity_job", "pb_istream_t", "uint32_t", "size_t"]],
    *[(f"macro-param-{n}", f"job f({n}: u32) -> u32;\n", "either")
      for n in ["errno", "stdin", "EOF", "assert", "offsetof", "unix"]],
    *[(f"macro-job-{n}", f"job {n}(a: u32, b: u32) -> u32;\n", "either")
      for n in ["assert", "offsetof", "errno", "stdin", "EOF"]],
    ("package-lucidity-job-call", "package lucidity;\njob call(a: u32) -> u32;\n", "either"),
    ("package-pb-job-encode", "package pb;\njob encode(a: u32) -> u32;\n", "either"),
    ("param-shadows-type", "message point { x: f64; y: f64; }\njob dist(point: point, other: point) -> f64;\n",
     "either"),
    ("param-f_args", "job f(f_args: u32) -> u32;\n", "either"),
    ("param-f_job", "job f(f_job: u32) -> u32;\n", "either"),
    ("param-lucidity_call", "job f(lucidity_call: u32) -> u32;\n", "either"),
    ("count-before-array", "message M { xs_count: u32; xs: [u32]; }\njob f(m: M);\n", "either"),
    ("count-before-array-params", "job f(xs_count: u32, xs: [u32]);\n", "either"),
    *[(f"generated-{sfx}", f"message M {{ x: u32; }}\njob M_{sfx}(m: M);\n", "either")
      for sfx in ["DEFAULT", "CALLBACK", "FIELDLIST"]],
    ("generated-x_args_msg", "job x(a: u32);\nmessage x_args_msg { a: u32; }\n", "either"),
    # 3. the .proto for other languages
    *[(f"proto-field-{n}", f"message M {{ {n}: u32; }}\njob f(m: M);\n", "either")
      for n in ["optional", "syntax", "import"]],
    *[(f"proto-message-{n}", f"message {n} {{ x: u32; }}\njob f(m: {n}, ms2: [{n}]) -> {n};\n", "either")
      for n in ["optional", "required", "repeated", "group", "extend", "extensions", "oneof",
                "reserved", "option", "syntax", "import", "map", "stream", "nan"]],
    # a message named like a proto scalar: protoc reads the scalar, nanopb sends a message
    *[(f"proto-message-{n}", f"message {n} {{ x: u32; }}\njob f(m: {n}, ms2: [{n}]) -> {n};\n", "either")
      for n in ["int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64",
                "sfixed32", "sfixed64"]],
    ("proto-json-name-clash", "message M { foo_bar: u32; fooBar: u32; }\njob f(m: M);\n", "either"),
    # 4. depth and cycles: a by-value cycle is invalid at any length
    ("cycle-300", chain(300, cycle=True), "reject"),
    ("cycle-2", "message A { b: B; }\nmessage B { a: A; }\njob f(a: A);\n", "reject"),
]
