"""driver.py - random values for a schema's messages, and the C that uses jobc's output.

Three pieces of text per schema, all from the schema model (schema.py) and README's C
API (struct members, `x_count`, implementation signatures), never from jobc's output:
  - cases: messages to round-trip with one random value each (values are plain Python:
    bool/int/float/str/bytes, dict for a message, None for an all-default message, list);
  - driver.c (native): `encode DIR` fills each case's struct by member names and writes
    DIR/<i>.nb with pb_encode; `reencode DIR SUFFIX` pb_decodes DIR/<i>.SUFFIX, encodes
    it again into DIR/<i>.SUFFIX.nb (oracle.py compares those bytes with <i>.nb);
  - impl.c (wasm32): a user's translation unit: common libc headers, the job header, an
    implementation of every job with README's signature, and main; linked with the runtime.
"""
import math
import random
import struct

CTYPE = {"bool": "bool", "i32": "int32_t", "i64": "int64_t", "u32": "uint32_t",
         "u64": "uint64_t", "f32": "float", "f64": "double", "string": "char *",
         "bytes": "pb_bytes_array_t *"}
INT_RANGE = {"i32": (-2 ** 31, 2 ** 31 - 1), "i64": (-2 ** 63, 2 ** 63 - 1),
             "u32": (0, 2 ** 32 - 1), "u64": (0, 2 ** 64 - 1)}
USER_HEADERS = ["stdio.h", "stdlib.h", "string.h", "math.h", "errno.h", "assert.h",
                "limits.h", "stddef.h", "stdint.h", "time.h"]
MAX_CASES = 14


def cname(schema, name):
    pkg = schema.package_of(name)  # an imported declaration has its own file's prefix
    return f"{pkg}_{name}" if pkg else name


def enum_values(schema, name):
    for en, vals in schema.enums:
        if en == name:
            return [n for _, n in vals]
    raise KeyError(name)



def message_fields(schema, proto_name):
    """Fields of a proto message: a declared message, or J_args / J_result."""
    for j in schema.jobs:
        if proto_name == j.name + "_args":
            return j.params
        if proto_name == j.name + "_result":
            return [("value", j.result)] if j.result else []
    return schema.message(proto_name).fields


class Values:
    def __init__(self, rnd, schema, budget=1500, dense=False):
        self.r, self.s, self.budget, self.dense = rnd, schema, budget, dense

    def prim(self, p):
        """A random value; never the default one when dense (every field on the wire)."""
        while True:
            v = self.any_prim(p)
            if not self.dense or not is_default(("prim", p), v):
                return v

    def any_prim(self, p):
        r = self.r
        if p == "bool":
            return r.random() < 0.6
        if p in INT_RANGE:
            lo, hi = INT_RANGE[p]
            return r.choice([0, 1, lo, hi, r.randint(lo, hi), r.randint(-300, 300) if lo < 0
                             else r.randint(0, 300), -1 if lo < 0 else 127])
        if p in ("f32", "f64"):
            fmt, n = ("<f", 4) if p == "f32" else ("<d", 8)
            while True:
                c = r.random()
                if c < 0.5:
                    v = struct.unpack(fmt, r.randbytes(n))[0]
                else:
                    v = r.choice([0.0, -0.0, 1.5, -2.25, math.inf, -math.inf, 1e-45 if n == 4
                                  else 5e-324, 3.4028234663852886e38 if n == 4 else 1.7976931348623157e308])
                    v = struct.unpack(fmt, struct.pack(fmt, v))[0]
                if not math.isnan(v):
                    return v
        if p == "string":
            pool = ["", "a", "hello world", 'quote " back \\ slash', "line\nbreak\ttab",
                    "é", "日本語", "emoji 😀", "x" * r.randrange(1, 80)]
            if r.random() < 0.5:
                return r.choice(pool)
            return "".join(chr(r.choice([r.randrange(1, 128), r.randrange(128, 0xD800),
                                          r.randrange(0xE000, 0x110000)]))
                           for _ in range(r.randrange(0, 12)))
        if p == "bytes":
            return r.randbytes(r.randrange(0, 20))
        raise ValueError(p)

    def value(self, t, depth=0):
        self.budget -= 1
        if t[0] == "opt":  # absent: None; present: [value], a present zero included
            if self.budget < 0 or (not self.dense and self.r.random() < 0.4):
                return None
            return [self.value(t[1], depth)]
        if t[0] == "enum":  # a named value, or a number the enum does not name (open enums)
            if self.budget < 0:
                return 0
            vals = enum_values(self.s, t[1])
            while True:
                v = self.r.choice(vals) if self.r.random() < 0.8 else self.r.choice([99, 1000, 2 ** 31 - 1])
                if not self.dense or v != 0:
                    return v
        if t[0] == "prim":
            if self.budget < 0:
                return default(t)
            return self.prim(t[1])
        if t[0] == "msg":
            if self.budget < 0 or depth > 400:
                return None
            return self.message(t[1], depth + 1)
        # array
        if self.budget < 0 or depth > 6:
            return []
        return [self.value(t[1], depth + 1) for _ in range(self.r.choice([0, 1, 2, 3, 1, 2]))]

    def message(self, proto_name, depth=0):
        return {f: self.value(t, depth) for f, t in message_fields(self.s, proto_name)}


def default(t):
    if t[0] == "opt":
        return None
    if t[0] == "arr":
        return []
    if t[0] == "msg":
        return None
    if t[0] == "enum":
        return 0
    return {"bool": False, "string": "", "bytes": b""}.get(t[1], 0.0 if t[1][0] == "f" else 0)


def pick_cases(schema, seed, dense_all=False):
    """Up to MAX_CASES messages (job messages first), each with one random value: case 1
    all defaults, even cases dense (no scalar left at its default), odd ones mixed."""
    r = random.Random(seed)
    names = [j.name + sfx for j in schema.jobs for sfx in ("_args", "_result")]
    msgs = [m.name for m in schema.messages]
    r.shuffle(msgs)
    names = (names + msgs)[:MAX_CASES]
    cases = []
    for i, n in enumerate(names):
        v = Values(r, schema, budget=1500 if i else 4000, dense=dense_all or i % 2 == 0)
        cases.append((n, None if i == 1 and not dense_all else v.message(n)))
    return cases


# --- C text ----------------------------------------------------------------------------

def c_string(data):
    """A C string literal for bytes (octal escapes: never merge with the next char)."""
    out = []
    for b in data:
        c = chr(b)
        if c in '"\\?' or b < 0x20 or b >= 0x7f:
            out.append("\\%03o" % b)
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def c_literal(p, v):
    if p == "bool":
        return "true" if v else "false"
    if p in INT_RANGE:
        lo, _ = INT_RANGE[p]
        if p == "i32":
            return "(-2147483647 - 1)" if v == lo else f"{v}"
        if p == "i64":
            return "(-9223372036854775807LL - 1)" if v == lo else f"{v}LL"
        return f"{v}U" if p == "u32" else f"{v}ULL"
    suffix = "f" if p == "f32" else ""
    if math.isinf(v):
        return ("-" if v < 0 else "") + ("__builtin_inff()" if p == "f32" else "__builtin_inf()")
    if v == 0.0 and math.copysign(1, v) < 0:
        return "-0.0" + suffix
    return v.hex() + suffix
    # strings and bytes are handled by the caller (they are malloc'd)


class Emitter:
    def __init__(self, schema):
        self.s = schema
        self.n = 0
        self.lines = []

    def var(self):
        self.n += 1
        return f"propdrv__p{self.n}"  # '__': never a user's name (jobc rejects those)

    def scalar_expr(self, p, v):
        if p == "string":
            data = v.encode("utf-8")
            return f"propdrv__str({c_string(data)})"
        if p == "bytes":
            return f"propdrv__bytes({c_string(v)}, {len(v)})"
        return c_literal(p, v)

    def fill(self, var, proto_name, value):
        for f, t in message_fields(self.s, proto_name):
            v = value[f]
            if t[0] != "arr":
                self.store(f"{var}->{f}", t, v)
            elif v:
                self.lines.append(f"    {var}->{f}_count = {len(v)};")
                self.lines.append(f"    {var}->{f} = calloc({len(v)}, sizeof *{var}->{f});")
                for i, ev in enumerate(v):
                    self.store(f"{var}->{f}[{i}]", t[1], ev)

    def store(self, lvalue, t, v, present=False):
        """Statements that set lvalue (of type t, not an array) to v; none for a default
        unless present (an optional member set to its zero value)."""
        if t[0] == "opt":
            if v is None:
                return
            inner = t[1]
            if not (inner[0] == "prim" and inner[1] in ("string", "bytes")):
                obj, _, member = lvalue.rpartition("->")
                self.lines.append(f"    {obj}->has_{member} = true;")
            self.store(lvalue, inner, v[0], present=True)
            return
        if v is None and t[0] == "msg":
            return  # an all-default message (present, when optional, through its has_ flag)
        if is_default(t, v) and not (present and t[0] == "prim" and t[1] in ("string", "bytes")):
            return
        if t[0] == "msg":
            p = self.var()
            self.lines.append(f"    {cname(self.s, t[1])} *{p} = &{lvalue};")
            self.fill(p, t[1], v)
        elif t[0] == "enum":
            self.lines.append(f"    {lvalue} = ({cname(self.s, t[1])}){v};")
        else:
            self.lines.append(f"    {lvalue} = {self.scalar_expr(t[1], v)};")


def is_default(t, v):
    """nanopb leaves a default value off the wire; -0.0 is not a default (its bits are not 0)."""
    return v == default(t) and not (isinstance(v, float) and math.copysign(1, v) < 0)


def driver_c(schema, header, cases):
    e = Emitter(schema)
    fills = []
    for i, (name, value) in enumerate(cases):
        e.lines = []
        ct = cname(schema, name)
        if value is not None:
            e.fill("propdrv__p0", name, value)
        body = "\n".join(e.lines)
        fills.append(f"static void propdrv__fill{i}(void *propdrv__m)\n{{\n"
                     f"    {ct} *propdrv__p0 = propdrv__m;\n    (void)propdrv__p0;\n"
                     f"{body}\n}}\n")
    table = ",\n".join(f"    {{{cname(schema, n)}_fields, sizeof({cname(schema, n)}), propdrv__fill{i}}}"
                       for i, (n, _) in enumerate(cases))
    return DRIVER_TEMPLATE.format(headers="".join(f"#include <{h}>\n" for h in USER_HEADERS),
                                  header=header, fills="\n".join(fills), table=table,
                                  ncases=len(cases))


DRIVER_TEMPLATE = """/* generated by tests/jobc/property: nanopb side of the round trip */
{headers}#include <pb_decode.h>
#include <pb_encode.h>
#include "{header}"

static char *propdrv__str(const char *s)
{{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    memcpy(p, s, n);
    return p;
}}

static pb_bytes_array_t *propdrv__bytes(const char *s, size_t n)
{{
    pb_bytes_array_t *b = malloc(PB_BYTES_ARRAY_T_ALLOCSIZE(n));
    b->size = (pb_size_t)n;
    memcpy(b->bytes, s, n);
    return b;
}}

{fills}
static const struct {{ const pb_msgdesc_t *desc; size_t size; void (*fill)(void *); }} propdrv__cases[] = {{
{table}
}};

static int propdrv__write(const char *path, const pb_msgdesc_t *desc, const void *msg)
{{
    size_t n = 0;
    if (!pb_get_encoded_size(&n, desc, msg)) {{
        fprintf(stderr, "%s: pb_get_encoded_size failed\\n", path);
        return 1;
    }}
    pb_byte_t *buf = malloc(n + 1);
    pb_ostream_t os = pb_ostream_from_buffer(buf, n);
    if (!pb_encode(&os, desc, msg)) {{
        fprintf(stderr, "%s: pb_encode: %s\\n", path, PB_GET_ERROR(&os));
        free(buf);
        return 1;
    }}
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {{
        fprintf(stderr, "%s: cannot write\\n", path);
        free(buf);
        return 1;
    }}
    free(buf);
    return 0;
}}

static pb_byte_t *propdrv__read(const char *path, size_t *n)
{{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    pb_byte_t *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {{
        len += got;
        if (len == cap) buf = realloc(buf, cap *= 2);
    }}
    fclose(f);
    *n = len;
    return buf;
}}

int main(int argc, char **argv)
{{
    if (argc < 3) {{
        fprintf(stderr, "usage: driver encode DIR | reencode DIR SUFFIX\\n");
        return 2;
    }}
    int rc = 0;
    char path[4096], out[4200];
    for (size_t i = 0; i < {ncases}; i++) {{
        void *msg = calloc(1, propdrv__cases[i].size);
        if (strcmp(argv[1], "encode") == 0) {{
            propdrv__cases[i].fill(msg);
            snprintf(path, sizeof path, "%s/%zu.nb", argv[2], i);
            rc |= propdrv__write(path, propdrv__cases[i].desc, msg);
        }} else {{
            size_t n = 0;
            snprintf(path, sizeof path, "%s/%zu.%s", argv[2], i, argv[3]);
            pb_byte_t *buf = propdrv__read(path, &n);
            if (!buf) {{
                fprintf(stderr, "%s: missing\\n", path);
                rc = 1;
            }} else {{
                pb_istream_t is = pb_istream_from_buffer(buf, n);
                if (!pb_decode(&is, propdrv__cases[i].desc, msg)) {{
                    fprintf(stderr, "case %zu: pb_decode of protobuf's bytes: %s\\n", i, PB_GET_ERROR(&is));
                    rc = 1;
                }} else {{
                    snprintf(out, sizeof out, "%s.nb", path);
                    rc |= propdrv__write(out, propdrv__cases[i].desc, msg);
                }}
                free(buf);
            }}
        }}
        pb_release(propdrv__cases[i].desc, msg);
        free(msg);
    }}
    return rc;
}}
"""


# --- the user's translation unit (wasm32) ------------------------------------------------

def impl_param(schema, t, i):
    if t[0] == "arr":
        e = t[1]
        if e[0] in ("msg", "enum"):
            elem = f"const {cname(schema, e[1])} *"
        elif e[1] in ("string", "bytes"):
            elem = CTYPE[e[1]] + "const *"
        else:
            elem = f"const {CTYPE[e[1]]} *"
        return [f"{elem}propimpl__p{i}", f"pb_size_t propimpl__n{i}"]
    if t[0] == "opt":  # by pointer, NULL when absent
        inner = t[1]
        if inner[0] == "prim" and inner[1] in ("string", "bytes"):
            return [f"const {CTYPE[inner[1]]}propimpl__p{i}"]
        return [f"const {cname(schema, inner[1]) if inner[0] != 'prim' else CTYPE[inner[1]]} *propimpl__p{i}"]
    if t[0] == "msg":
        return [f"const {cname(schema, t[1])} *propimpl__p{i}"]
    if t[0] == "enum":
        return [f"{cname(schema, t[1])} propimpl__p{i}"]
    if t[1] in ("string", "bytes"):
        return [f"const {CTYPE[t[1]]}propimpl__p{i}"]
    return [f"{CTYPE[t[1]]} propimpl__p{i}"]


def impl_ret(schema, j):
    if j.result is None:
        return "void"
    if j.result[0] == "arr":
        return cname(schema, j.name) + "_result"
    if j.result[0] in ("msg", "enum"):
        return cname(schema, j.result[1])
    return CTYPE[j.result[1]]


def impl_c(schema, header):
    out = ["/* generated by tests/jobc/property: a user's program using the jobs */"]
    out += [f"#include <{h}>" for h in USER_HEADERS]
    out.append(f'#include "{header}"\n')
    for j in schema.jobs:
        params = []
        for i, (_, t) in enumerate(j.params):
            params += impl_param(schema, t, i)
        ret = impl_ret(schema, j)
        body = [f"    (void){p.split()[-1].lstrip('*')};" for p in params]
        if ret != "void":
            body.append(f"    {ret} propimpl__r;\n    memset(&propimpl__r, 0, sizeof propimpl__r);\n"
                        "    return propimpl__r;")
        out.append(f"{ret} {cname(schema, j.name)}({', '.join(params) or 'void'})\n{{\n"
                   + "\n".join(body) + "\n}\n")
    out.append("int main(void)\n{\n    return 0;\n}\n")
    return "\n".join(out)


# --- the expected values, for pb_roundtrip.py ----------------------------------------------

def spec_json(schema, cases):
    """What pb_roundtrip.py needs: each proto message's fields with types, and the cases."""
    msgs = {}
    names = [m.name for m in schema.messages] + [j.name + s for j in schema.jobs
                                                 for s in ("_args", "_result")]
    for n in names:
        msgs[n] = [[f, list(t) if t[0] not in ("arr", "opt") else [t[0], list(t[1])]]
                   for f, t in message_fields(schema, n)]

    def enc(t, v):
        if t[0] == "opt":
            return None if v is None else [enc(t[1], v[0])]
        if t[0] == "arr":
            return [enc(t[1], x) for x in v]
        if t[0] == "msg":
            return None if v is None else {f: enc(ft, v[f]) for f, ft in message_fields(schema, t[1])}
        if t[1] == "bytes":
            return v.hex()
        if t[1] in ("f32", "f64"):
            return struct.pack("<d", v).hex()  # bit-exact, incl. -0.0 and inf
        return v

    return {"messages": msgs,
            "cases": [[n, None if v is None else enc(("msg", n), v)] for n, v in cases]}
