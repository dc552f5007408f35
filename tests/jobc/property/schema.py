"""schema.py - random valid .job schemas: the model, the generator and the .job text.

A schema is a package (or None), messages and jobs. Types are ('prim', p), ('msg', name)
or ('arr', elem) with elem a prim or a message (the language has no [[T]]). Every schema
made here is valid by README's language reference: no C keywords, no reserved names
(leading '_' or '__'), names of at most 64 characters, no duplicates, no by-value cycles,
no stub parameter names (out, opts, h, ms), no collisions between the generated names
README lists. Whether jobc accepts it is the oracle's business (oracle.py).

`strict` schemas use only ordinary names and moderate sizes: README promises they are
accepted, so rejecting one is a failure. The others ("odd": libc, macro, proto and
runtime names, widths at and past nanopb's descriptor boundaries, deep nesting) may be
rejected, but only with a `file:line:col: error:` diagnostic; if accepted, they must build.
"""
import random
import re
import string

PRIMS = ["bool", "i32", "i64", "u32", "u64", "f32", "f64", "string", "bytes"]
PRIM_SIZE = {"bool": 1, "i32": 4, "i64": 8, "u32": 4, "u64": 8, "f32": 4, "f64": 8,
             "string": 8, "bytes": 8}  # bytes of the C member on a 64-bit host

# README: names that are C keywords are invalid (jobc's table, check.c).
C_KEYWORDS = set("""auto break case char const continue default do double else enum extern
float for goto if inline int long register restrict return short signed sizeof static struct
switch typedef union unsigned void volatile while bool true false NULL""".split())
LEXER_KEYWORDS = {"package", "message", "job"}  # tokens, not identifiers
STUB_PARAMS = {"out", "opts", "h", "ms"}       # README: rejected as parameter names
MESSAGE_SUFFIXES = ["", "_free", "_msg", "_fields"]
JOB_SUFFIXES = ["", "_args", "_result", "_result_free", "_job", "_handle", "_local",
                "_local_with", "_remote", "_remote_with", "_local_async", "_local_async_with",
                "_remote_async", "_remote_async_with", "_try_get", "_await", "_await_timeout",
                "_cancel", "_local_fanout", "_local_fanout_with", "_remote_fanout",
                "_remote_fanout_with"]

# Odd-but-legal names, by the way they can hurt (issue 11, section 2 and 3).
ODD = {
    "libc": """log malloc free strlen exit time abs div printf memcpy memset read write open
        close signal sqrt pow exp rand qsort atoi puts getenv sleep kill raise select index
        remove rename clock sin floor round main calloc realloc strcmp fopen system""".split(),
    "macro": """errno stdin stdout stderr EOF assert offsetof INT_MAX UINT32_MAX SIZE_MAX
        INT64_MIN unix linux BUFSIZ CHAR_BIT static_assert alignas noreturn complex NAN
        INFINITY PB_ENABLE_MALLOC PB_FIELD_32BIT LUCIDITY_ABI_VERSION LUCIDITY_OK
        LUCIDITY_LOCAL X a va_arg setjmp""".split(),
    "runtime": """lucidity_call lucidity_job lucidity_opts lucidity_handle lucidity_start
        lucidity_serve lucidity_fanout lucidity_await lucidity_status pb_istream_t
        pb_ostream_t pb_size_t pb_bytes_array_t pb_msgdesc_t pb_encode pb_decode pb_release
        pb_field_iter_t uint32_t int64_t uint8_t size_t intptr_t ptrdiff_t FILE wchar_t""".split(),
    "stub": """items n statuses fopts outs result args value m r caller_node caller_pid tag
        dummy_field self""".split(),
    "proto": """syntax import option repeated optional required service rpc returns stream
        oneof map reserved extensions extend to max weak public group int32 int64 uint32
        uint64 sint32 sint64 fixed32 fixed64 sfixed32 sfixed64 inf nan""".split(),
    "python": """from in is def class lambda None True pass yield not and or del global with
        as try except finally raise elif nonlocal async await""".split(),
}
ODD_PACKAGES = ["lucidity", "pb", "std", "errno", "unix", "google", "protobuf", "option",
                "syntax", "int32", "log"]
OPTIONS = {
    "memory": lambda r: r.choice(["1MiB", "64MiB", "4GiB", "1048576", "1048576B", "1GiB", "64KiB"]),
    "fuel": lambda r: str(r.choice([0, 1, 1000, 2 ** 40])),
    "fanout": lambda r: r.choice(["roundrobin", "random", "balanced"]),
    "timeout": lambda r: r.choice(["1ms", "5s", "10m", "2592000000ms"]),
    "retries": lambda r: str(r.choice([0, 1, 2, 1000])),
    "concurrency": lambda r: str(r.choice([1, 8, 1000000])),
    "pool": lambda r: str(r.choice([1, 8, 4096, 0, 4097])),
    "remote_fallback": lambda r: r.choice(["local", "error"]),
    "liveness": lambda r: r.choice(["1ms", "200ms", "60m"]),
    "init_retry_interval_ms": lambda r: str(r.choice([1, 100, 4294967295])),
    "sync_retry_interval_ms": lambda r: str(r.choice([1, 100])),
    "async_init_retry_interval_ms": lambda r: str(r.choice([1, 100])),
    "async_get_retry_interval_ms": lambda r: str(r.choice([1, 100])),
    "async_set_retry_interval_ms": lambda r: str(r.choice([1, 100])),
    "shutdown_retry_interval_ms": lambda r: str(r.choice([1, 100])),
}
# nanopb descriptor limits (pb.h PB_FIELDINFO_ASSERT_*): tag 6/10/30 bits, data offset
# 8/16/31 bits, data size 4/12/31 bits. Sizes just below, at and past each edge.
TAG_EDGES = [63, 64, 65, 1023, 1024, 1025]
OFFSET_EDGES = [255, 256, 257, 65535, 65536, 65537]
DEPTH_EDGES = [31, 32, 33, 63, 64, 65, 98, 99, 100, 101, 127, 128, 129, 200, 255, 256, 257, 300]
PARAM_EDGES = [32, 33, 63, 64, 65, 128]

SYLLABLES = ["ka", "lo", "mi", "ne", "po", "ru", "sa", "ti", "vu", "ze", "dra", "fen",
             "gol", "hix", "jun", "qor", "wyl", "bex"]


class Message:
    def __init__(self, name, fields, numbers=None):
        self.name, self.fields = name, fields  # fields: [(name, type)]
        self.numbers = numbers or {}  # field name -> explicit field number (all or none)


class Job:
    def __init__(self, name, params, result, options, numbers=None):
        self.name, self.params, self.result, self.options = name, params, result, options
        self.numbers = numbers or {}  # parameter name -> explicit field number


class Schema:
    def __init__(self):
        self.package = None
        self.messages = []  # in declaration order
        self.jobs = []
        self.enums = []     # [(name, [(value name, number)])], declared before everything else
        self.order = []     # ('m', i) / ('j', i): declaration order in the file
        self.strict = True         # valid and ordinary: must be accepted
        self.must_reject = False   # invalid by README (issue_cases.py): must be rejected
        self.features = set()
        self.comments = []  # (position, text) sprinkled into the file
        self.crlf = False   # \r\n line ends
        self.raw = None     # bytes of a replayed file: checked as they are (render() not used)
        self.unreadable = None  # why parse() could not read the replayed file
        # issue 18: enums and messages declared in an imported file instead, or None:
        # {"file": base name of the imported .job, "package": its package, "names": [...]}
        self.imported = None

    def package_of(self, name):
        """The package that prefixes a declaration's C name: its own file's."""
        if self.imported and name in self.imported["names"]:
            return self.imported["package"]
        return self.package

    def is_imported(self, name):
        return bool(self.imported) and name in self.imported["names"]

    def message(self, name):
        for m in self.messages:
            if m.name == name:
                return m
        raise KeyError(name)


class Names:
    """Fresh identifiers: ordinary ones (syllables, lowercase, never a pool word) or odd."""

    def __init__(self, rnd):
        self.r = rnd
        self.used = set()
        self.pool_words = {w for ws in ODD.values() for w in ws}

    def _word(self, parts):
        w = "".join(self.r.choice(SYLLABLES) for _ in range(parts))
        if self.r.random() < 0.3:
            w += "_" + "".join(self.r.choice(SYLLABLES) for _ in range(1 + self.r.randrange(2)))
        if self.r.random() < 0.3:
            w += str(self.r.randrange(100))
        return w

    def ordinary(self, kind, used=None):
        """kind: 'msg' (Capitalized), 'job', 'field', 'pkg' (lowercase)."""
        used = self.used if used is None else used
        while True:
            w = self._word(2 + self.r.randrange(2))
            if kind == "msg":
                w = w[0].upper() + w[1:]
            elif kind == "pkg":
                w = "pk" + w
            # unique also without case and underscores: protoc rejects a proto3 message whose
            # fields' JSON names differ only so (ab_cd, abcd); the "pairs" shape tests that
            key = "\0" + w.replace("_", "").lower()
            if w in used or key in used or w in self.pool_words or w in C_KEYWORDS \
                    or w in STUB_PARAMS:
                continue
            used.add(w)
            used.add(key)
            return w


def _valid_name(n):
    return (n and len(n) <= 64 and n not in C_KEYWORDS and n not in LEXER_KEYWORDS
            and not n.startswith("_") and "__" not in n and n not in PRIMS
            and (n[0].isalpha() or n[0] == "_") and all(c.isalnum() or c == "_" for c in n))


def generated_names(schema):
    """The C names README says each declaration generates (for the collision rule)."""
    out = {}
    for m in schema.messages:
        for s in MESSAGE_SUFFIXES:
            out.setdefault(m.name + s, set()).add(("m", m.name))
    for j in schema.jobs:
        for s in JOB_SUFFIXES:
            out.setdefault(j.name + s, set()).add(("j", j.name))
    return out


def clashes(schema):
    return any(len(v) > 1 for v in generated_names(schema).values())


class Generator:
    """Random schemas from one seed. knownbad=True always includes the issue's cases."""

    SHAPES = ["wide", "deep", "big", "params", "names", "pairs", "many", "mixed-edge", "numbers",
              "import"]

    def __init__(self, seed, knownbad=False, shapes=()):
        self.r = random.Random(seed)
        self.seed = seed
        self.knownbad = knownbad
        self.forced = set(shapes)  # shapes every schema gets (property.py --shape)
        self.words = Names(self.r)  # ordinary member names (each caller passes its own `used`)

    # --- pieces --------------------------------------------------------------------

    def scalar(self):
        enums = getattr(self, "enum_names", [])
        if enums and self.r.random() < 0.2:
            return ("enum", self.r.choice(enums))
        return ("prim", self.r.choice(PRIMS))

    def field_type(self, s, allowed_msgs):
        r = self.r.random()
        if allowed_msgs and r < 0.25:
            return ("msg", self.r.choice(allowed_msgs))
        if r < 0.4:
            elem = ("msg", self.r.choice(allowed_msgs)) if allowed_msgs and self.r.random() < 0.4 \
                else self.scalar()
            if elem[0] == "msg":
                s.features.add("array-of-messages")
            return ("arr", elem)
        return self.scalar()

    def odd_name(self, s, pool=None):
        pool = pool or self.r.choice(list(ODD))
        s.strict = False
        s.features.add("odd-" + pool)
        return self.r.choice(ODD[pool])

    def member_names(self, s, n, odd_rate, is_param):
        """n distinct member names; some odd; xs_count-before-xs and camel pairs too."""
        used, names = set(), []
        while len(names) < n:
            if self.r.random() < odd_rate:
                w = self.odd_name(s)
                if w in used or not _valid_name(w) or (is_param and w in STUB_PARAMS):
                    continue
                used.add(w)
                names.append(w)
            else:
                names.append(self.words.ordinary("field", used))
        return names

    # --- schema shapes ---------------------------------------------------------------

    def generate(self):
        s = Schema()
        r = self.r
        names = Names(r)
        odd = self.knownbad or r.random() < 0.45
        # one odd name is enough to have a schema rejected: mostly few, sometimes many
        odd_rate = 0.0 if not odd else r.choice([0.02, 0.05, 0.1, 0.3])
        if r.random() < 0.35:
            if odd and r.random() < 0.5:
                s.package = r.choice(ODD_PACKAGES)
                s.strict = False
                s.features.add("odd-package")
            else:
                s.package = names.ordinary("pkg")
            s.features.add("package")

        msgs = []  # (name, fields), dependencies only on earlier entries of `msgs`
        # enums (issue 18), from a stream of their own: older seeds keep their schemas
        er = random.Random(self.seed * 7 + 5)
        if er.random() < 0.35:
            values_used = set()
            for _ in range(er.randrange(1, 4)):
                en = names.ordinary("msg")
                vals, nums = [], sorted(er.sample(range(1, 40), er.randrange(0, 5)))
                for k, n in enumerate([0] + nums):
                    while True:  # file-wide unique, unlike any other once case and _ go
                        v = (en[:3] + "_" + names.ordinary("field")).upper()
                        key = v.replace("_", "").lower()
                        if v not in values_used and key not in values_used:
                            break
                    values_used.update({v, key})
                    vals.append((v, n))
                s.enums.append((en, vals))
            s.features.add("enums")
        self.enum_names = [e[0] for e in s.enums]

        def new_msg_name():
            if odd and r.random() < odd_rate:
                w = self.odd_name(s)
                if _valid_name(w) and w not in names.used:
                    names.used.add(w)
                    return w
            return names.ordinary("msg")

        # ordinary messages, each may use earlier ones by value, any by array
        for _ in range(r.randrange(0, 6)):
            nm = new_msg_name()
            nf = r.randrange(0, 7)
            fnames = self.member_names(s, nf, odd_rate, False)
            earlier = [m[0] for m in msgs]
            fields = [(fn, self.field_type(s, earlier)) for fn in fnames]
            if r.random() < 0.15:  # a message holding itself through an array: legal
                fields.append((names.ordinary("field", {f[0] for f in fields}), ("arr", ("msg", nm))))
                s.features.add("self-array")
            msgs.append((nm, fields))

        shapes = ["wide", "deep", "big", "params", "names", "pairs", "many"]
        chosen = shapes if self.knownbad else [x for x in shapes if r.random() < 0.18]
        # shapes added later draw from their own stream: earlier seeds keep their schemas
        if self.knownbad or random.Random(self.seed * 7 + 1).random() < 0.18:
            chosen.append("mixed-edge")
        chosen += [x for x in self.forced if x not in chosen]
        if "wide" in chosen:
            self.add_wide(s, names, msgs)
        if "big" in chosen:
            self.add_big(s, names, msgs)
        if "deep" in chosen:
            self.add_deep(s, names, msgs)
        if "mixed-edge" in chosen:
            self.add_mixed_edge(s, names, msgs)
        if "pairs" in chosen:
            self.add_pairs(s, names, msgs)

        for nm, fields in msgs:
            s.messages.append(Message(nm, fields))

        msg_names = [m.name for m in s.messages]
        for _ in range(r.randrange(1 if not msgs else 0, 6)):
            s.jobs.append(self.new_job(s, names, msg_names, odd, odd_rate))
        if "params" in chosen:
            n = r.choice(PARAM_EDGES)
            ps = [(pn, self.scalar()) for pn in self.member_names(s, n, 0, True)]
            s.jobs.append(Job(names.ordinary("job"), ps, self.result(msg_names), []))
            s.features.add("wide-params")
            if n > 32:
                s.strict = False
        if "names" in chosen:
            self.add_name_cases(s, names, msg_names)
        if "many" in chosen:  # many declarations: ordering, prefixes, sizes of the outputs
            for _ in range(r.choice([30, 100])):
                s.jobs.append(self.new_job(s, names, msg_names, False, 0))
            s.features.add("many")

        if clashes(s):  # README: a collision of generated names is invalid; drop the job
            self.fix_clashes(s)
        self.add_numbers(s)
        self.add_optional(s)
        self.add_import(s, names)
        # declaration order: random (messages may be declared after their use)
        s.order = [("m", i) for i in range(len(s.messages))] + [("j", i) for i in range(len(s.jobs))]
        if r.random() < 0.5:
            r.shuffle(s.order)
            s.features.add("shuffled")
        s.crlf = r.random() < 0.1
        if r.random() < 0.3:
            s.comments = [(r.randrange(len(s.order) + 1), r.choice(
                ["// a comment", "/* block\n   comment */", "/* job x(a: u32); */"]))
                for _ in range(r.randrange(1, 4))]
        return s

    def result(self, msg_names):
        c = self.r.random()
        if c < 0.2:
            return None
        if c < 0.35 and msg_names:
            return ("msg", self.r.choice(msg_names))
        if c < 0.5:
            return ("arr", ("msg", self.r.choice(msg_names)) if msg_names and self.r.random() < 0.5
                    else self.scalar())
        return self.scalar()

    def new_job(self, s, names, msg_names, odd, odd_rate):
        r = self.r
        if odd and r.random() < odd_rate * 2:
            jn = self.odd_name(s, r.choice(["libc", "runtime", "proto", "python", "macro"]))
            if not _valid_name(jn) or jn in names.used:
                jn = names.ordinary("job")
            names.used.add(jn)
        else:
            jn = names.ordinary("job")
        pnames = self.member_names(s, r.randrange(0, 6), odd_rate, True)
        params = [(p, self.field_type(s, msg_names)) for p in pnames]
        opts = []
        for k in r.sample(sorted(OPTIONS), r.randrange(0, 4)):
            opts.append((k, OPTIONS[k](r)))
            if opts[-1] == ("memory", "64KiB"):  # README's old minimum; issue 11 §8 raises it
                s.strict = False
                s.features.add("memory-64KiB")
            if opts[-1] in (("pool", "0"), ("pool", "4097")):  # docs: pool is 1..4096
                s.strict = False
        kv = dict(opts)
        if "pool" in kv and kv.get("fuel", "0") != "0":  # docs: a pool with a finite fuel is an error
            s.strict = False
        if opts:
            s.features.add("options")
        return Job(jn, params, self.result(msg_names), opts)

    def add_wide(self, s, names, msgs):
        """A message at or just past a tag or data-offset edge of nanopb's descriptors."""
        r = self.r
        if r.random() < 0.5:
            n = r.choice(TAG_EDGES)
            t = r.choice(["bool", "u32", "f32"])
        else:
            edge = r.choice(OFFSET_EDGES)
            t = r.choice(["f64", "u64", "u32", "bool"])
            n = max(1, edge // PRIM_SIZE[t] + r.choice([-1, 0, 1]))
        n = min(n, 9000)
        fnames = self.member_names(s, n, 0, False)
        msgs.append((names.ordinary("msg"), [(f, ("prim", t)) for f in fnames]))
        s.features.add("wide")
        if n > 32 or n * PRIM_SIZE[t] > 255:
            s.strict = False

    def add_big(self, s, names, msgs):
        """By-value embedding: 8 x (4 x f64), and a size ladder past 4 KiB / 64 KiB."""
        r = self.r
        inner = names.ordinary("msg")
        k = r.choice([2, 4, 8])
        msgs.append((inner, [(f, ("prim", "f64")) for f in self.member_names(s, k, 0, False)]))
        prev, size = inner, 8 * k
        for _ in range(r.randrange(1, 4)):
            m = r.choice([2, 8, 16, 17, 64])
            nm = names.ordinary("msg")
            msgs.append((nm, [(f, ("msg", prev)) for f in self.member_names(s, m, 0, False)]))
            prev, size = nm, size * m
            if size > 1 << 20:
                break
        s.features.add("big-by-value")
        s.strict = False

    NUMBER_EDGES = [1, 15, 16, 63, 64, 65, 1023, 1024, 1025, 2047, 2048, 18999, 20000, 65535,
                    65536, 262143, 262144, 536870911]

    def add_numbers(self, s):
        """Explicit field numbers (docs/language.md) for some messages and jobs: shuffled
        positions, or sparse numbers at nanopb's tag edges (6, 10, 16, 30 bits) and around
        protobuf's reserved 19000-19999, up to the maximum 536870911."""
        r = random.Random(self.seed * 7 + 2)  # own stream: older seeds keep their schemas
        if not (self.forced & {"numbers"} or r.random() < 0.2):
            return
        s.features.add("numbers")
        for d in s.messages + s.jobs:
            members = d.fields if isinstance(d, Message) else d.params
            if not members or r.random() < 0.5:
                continue
            if r.random() < 0.4:
                nums = r.sample(range(1, len(members) + 1), len(members))
            else:
                pool = set()
                while len(pool) < len(members):
                    n = r.choice(self.NUMBER_EDGES + [r.randrange(1, 536870912)])
                    if not 19000 <= n <= 19999:
                        pool.add(n)
                nums = list(pool)
                r.shuffle(nums)
            d.numbers = {m[0]: n for m, n in zip(members, nums)}

    def add_optional(self, s):
        """`optional T` (issue 18) on some fields and parameters that are not arrays, from a
        stream of their own; never beside a member already called has_<name>."""
        r = random.Random(self.seed * 7 + 6)
        if r.random() >= 0.3:
            return
        s.features.add("optional")
        for d in s.messages + s.jobs:
            members = d.fields if isinstance(d, Message) else d.params
            taken = {m[0] for m in members}
            out = []
            for name, t in members:
                if t[0] != "arr" and r.random() < 0.4 and "has_" + name not in taken:
                    t = ("opt", t)
                out.append((name, t))
            if isinstance(d, Message):
                d.fields = out
            else:
                d.params = out

    IMPORT_FILE = "s_dep"

    def add_import(self, s, names):
        """Imports (issue 18): a prefix of the messages closed under use, the enums they use
        and some others move to an imported file, IMPORT_FILE.job, whose package is the
        importer's, none or another one; the importer names them plainly or qualified
        (render). From a stream of its own: older seeds keep their schemas."""
        r = random.Random(self.seed * 7 + 8)
        if not (self.forced & {"import"} or r.random() < 0.25):
            return
        k = r.randrange(0, len(s.messages) + 1)
        while k and not _closed(s.messages[:k]):
            k -= 1
        moved = {m.name for m in s.messages[:k]}
        used_enums = {t[1] for m in s.messages[:k] for _, f in m.fields for t in _leaves(f)
                      if t[0] == "enum"}
        moved |= {en for en, _ in s.enums if en in used_enums or r.random() < 0.5}
        if not moved:
            return
        kinds = (["same"] if s.package else []) + ["none", "other"]
        kind = r.choice(kinds)
        pkg = {"same": s.package, "none": None}.get(kind) or (
            names.ordinary("pkg") if kind == "other" else None)
        s.imported = {"file": self.IMPORT_FILE, "package": pkg,
                      "names": [m.name for m in s.messages if m.name in moved] +
                               [en for en, _ in s.enums if en in moved]}
        s.features.update({"import", "import-package-" + kind})

    def add_mixed_edge(self, s, names, msgs):
        """Mixed members (padding, pointers, arrays, embedded messages) whose 64-bit layout
        puts the last member just below, at or past 256 bytes, or whose size is near 4 KiB
        (then embedded by value in another message): where a width estimate is easily off."""
        r = self.r
        sizes = sizes_of(msgs)  # name -> (size, alignment)
        target = r.choice([256, 256, 4096])
        fields, used = [], set()
        kinds = [("prim", p) for p in PRIMS] + [("arr", ("prim", r.choice(PRIMS)))]
        kinds += [("msg", n) for n in sizes if sizes[n][0] < target // 4]
        while True:
            size, _ = c_layout(fields, sizes)
            if size >= target + r.choice([-12, -4, 0, 1, 4, 8, 16]):
                break
            k = r.choice(kinds) if size < target - 24 else ("prim", r.choice(["bool", "u32", "f64"]))
            fields.append((self.words.ordinary("field", used), k))
        nm = names.ordinary("msg")
        msgs.append((nm, fields))
        if target == 4096:
            msgs.append((names.ordinary("msg"), [("inner", ("msg", nm)), ("tail", ("prim", "u32"))]))
        s.features.add("mixed-edge")
        s.strict = False

    def add_deep(self, s, names, msgs):
        """A by-value chain: M0 { next: M1; x: u32 } ... , at or past depth edges."""
        r = self.r
        depth = r.choice(DEPTH_EDGES) if (self.knownbad or r.random() < 0.6) else r.randrange(2, 30)
        chain = [names.ordinary("msg") for _ in range(depth)]
        for i in reversed(range(depth)):
            fields = [("x", self.scalar())]
            if i + 1 < depth:
                fields.insert(r.randrange(2), ("next", ("msg", chain[i + 1])))
            msgs.append((chain[i], fields))
        s.features.add("deep")
        if depth > 32:
            s.strict = False

    def add_pairs(self, s, names, msgs):
        """Members that are legal but collide elsewhere: xs_count before xs, foo_bar/fooBar."""
        r = self.r
        base = names.ordinary("field")
        kind = r.choice(["count-first", "camel", "digit"])
        if kind == "count-first":
            fields = [(base + "_count", ("prim", "u32")), (base, ("arr", self.scalar()))]
        elif kind == "camel":
            parts = base.split("_") if "_" in base else [base[:2], base[2:]]
            camel = parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
            fields = [("_".join(parts), ("prim", "u32")), (camel, ("prim", "u32"))]
        else:
            fields = [(base + "_1", ("prim", "u32")), (base + "1", ("prim", "u32"))]
        s.features.add("pair-" + kind)
        s.strict = False
        msgs.append((names.ordinary("msg"), fields))

    def add_name_cases(self, s, names, msg_names):
        """Parameters that shadow what the stubs use, and generated-looking names."""
        r = self.r
        jn = names.ordinary("job")
        case = r.choice(["shadow-type", "shadow-args", "shadow-job", "shadow-runtime",
                         "gen-msg", "gen-args", "shadow-self", "shadow-other-job",
                         "field-like-type", "case-pair", "long", "package-like-message"])
        s.features.add("names-" + case)
        s.strict = s.strict and case == "long"  # 64 characters is README's limit: valid
        if case == "long":
            def long_name(cap):
                w = names.ordinary("msg" if cap else "job")
                w = (w + "_" + "x" * 64)[:64]
                names.used.add(w)
                return w
            m = long_name(True)
            s.messages.append(Message(m, [(long_name(False), ("prim", "u64")),
                                          (long_name(False), ("arr", ("prim", "string")))]))
            s.jobs.append(Job(long_name(False), [(long_name(False), ("msg", m)),
                                                 (long_name(False), ("arr", ("msg", m)))],
                              ("arr", ("msg", m)), []))
            if r.random() < 0.5:
                s.package = long_name(False)
        elif case == "shadow-self":
            s.jobs.append(Job(jn, [(jn, ("prim", "u32"))], ("prim", "u32"), []))
        elif case == "shadow-other-job" and s.jobs:
            other = r.choice(s.jobs).name
            sfx = r.choice(["", "_local", "_job", "_args", "_handle", "_result"])
            if _valid_name(other + sfx):
                s.jobs.append(Job(jn, [(other + sfx, ("prim", "u32"))], ("prim", "u32"), []))
        elif case == "field-like-type" and msg_names:
            t = r.choice(msg_names)
            s.messages.append(Message(names.ordinary("msg"), [(t, ("msg", t)), ("n", ("prim", "u32"))]))
        elif case == "case-pair":
            a = names.ordinary("msg")
            b = a.lower() if a.lower() not in names.used else a.upper()
            if b not in names.used and _valid_name(b):
                names.used.add(b)
                s.messages.append(Message(a, [("x", ("prim", "u32"))]))
                s.messages.append(Message(b, [("x", ("prim", "f64")), ("y", ("msg", a))]))
                s.jobs.append(Job(jn, [("p", ("msg", a)), ("q", ("msg", b))], ("msg", b), []))
        elif case == "package-like-message" and msg_names:
            s.package = r.choice(msg_names)
        elif case == "shadow-type" and msg_names:
            t = r.choice(msg_names)
            s.jobs.append(Job(jn, [(t, ("msg", t)), (names.ordinary("field"), ("msg", t))],
                              ("msg", t), []))
        elif case in ("shadow-args", "shadow-job"):
            s.jobs.append(Job(jn, [(jn + ("_args" if case == "shadow-args" else "_job"),
                                    ("prim", "u32"))], ("prim", "u32"), []))
        elif case == "shadow-runtime" or not msg_names:
            s.jobs.append(Job(jn, [(r.choice(ODD["runtime"][:8]), ("prim", "u32"))], None, []))
        elif case == "gen-msg":
            m = r.choice(msg_names)
            s.jobs.append(Job(m + r.choice(["_DEFAULT", "_CALLBACK", "_FIELDLIST"]), [], None, []))
        else:
            if s.jobs:
                other = r.choice(s.jobs).name
                mn = other + "_args_msg"
                if _valid_name(mn) and len(mn) <= 64:
                    s.messages.append(Message(mn, [("v", ("prim", "u32"))]))

    def fix_clashes(self, s):
        while clashes(s):
            gen = generated_names(s)
            bad = {n for v in gen.values() if len(v) > 1 for _, n in v}
            for j in list(s.jobs):
                if j.name in bad:
                    s.jobs.remove(j)
                    break
            else:
                for m in list(s.messages):
                    if m.name in bad and not any(
                            uses(t, m.name) for mm in s.messages if mm is not m for _, t in mm.fields) \
                            and not any(uses(t, m.name) for j in s.jobs
                                        for t in [p[1] for p in j.params] + [j.result]):
                        s.messages.remove(m)
                        break
                else:
                    return


ALIGN = {"bool": 1, "i32": 4, "u32": 4, "f32": 4, "i64": 8, "u64": 8, "f64": 8, "string": 8, "bytes": 8}


def c_layout(fields, msg_sizes):
    """(size, alignment) of the C struct of these fields on a 64-bit host (LP64)."""
    off, align = 0, 1
    for _, t in fields:
        if t[0] == "prim":
            sz, al = PRIM_SIZE[t[1]], ALIGN[t[1]]
        elif t[0] == "opt":  # bool has_x before a scalar, enum or message (not a string)
            inner = t[1]
            if not (inner[0] == "prim" and inner[1] in ("string", "bytes")):
                off += 1
            if inner[0] == "msg":
                sz, al = msg_sizes.get(inner[1], (8, 8))
            else:
                sz, al = (PRIM_SIZE[inner[1]], ALIGN[inner[1]]) if inner[0] == "prim" else (4, 4)
        elif t[0] == "enum":
            sz, al = 4, 4
        elif t[0] == "msg":
            sz, al = msg_sizes.get(t[1], (8, 8))
        else:  # pb_size_t count, then a pointer
            off = (off + 3) // 4 * 4 + 4
            sz, al = 8, 8
        off = (off + al - 1) // al * al + sz
        align = max(align, al)
    if not fields:
        return 1, 1  # char dummy_field
    return (off + align - 1) // align * align, align


def sizes_of(msgs):
    out = {}
    for name, fields in msgs:  # in dependency order: each uses only earlier ones by value
        out[name] = c_layout(fields, out)
    return out


def uses(t, name):
    if t is None:
        return False
    if t[0] in ("arr", "opt"):
        return uses(t[1], name)
    return t[0] == "msg" and t[1] == name


def _leaves(t):
    """The message, enum and prim types inside a type."""
    if t is None:
        return []
    if t[0] in ("arr", "opt"):
        return _leaves(t[1])
    return [t]


def _closed(msgs):
    """True when these messages use no message outside them."""
    names = {m.name for m in msgs}
    return all(t[1] in names for m in msgs for _, f in m.fields for t in _leaves(f) if t[0] == "msg")


def type_text(t, s=None):
    """A type as the .job text of schema s spells it: a declaration of an imported file
    with another package is qualified by that package (docs/language.md, Imports)."""
    if t[0] == "arr":
        return "[" + type_text(t[1], s) + "]"
    if t[0] == "opt":
        return "optional " + type_text(t[1], s)
    if s is not None and t[0] in ("msg", "enum") and s.is_imported(t[1]):
        pkg = s.imported["package"]
        if pkg and pkg != s.package:
            return pkg + "." + t[1]
    return t[1]


def number(decl, member):
    n = decl.numbers.get(member)
    return f" = {n}" if n is not None else ""


def _enum_text(en, vals):
    return f"enum {en} {{ " + " ".join(f"{v} = {n};" for v, n in vals) + " }"


def _message_text(s, m):
    if len(m.fields) > 8:
        body = "\n".join(f"    {f}: {type_text(t, s)}{number(m, f)};" for f, t in m.fields)
        return f"message {m.name} {{\n{body}\n}}"
    body = " ".join(f"{f}: {type_text(t, s)}{number(m, f)};" for f, t in m.fields)
    return f"message {m.name} {{ {body} }}"


def render_import(s):
    """The .job text of the file s imports (s.imported), or None."""
    if not s.imported:
        return None
    out = [f"package {s.imported['package']};"] if s.imported["package"] else []
    out += [_enum_text(en, vals) for en, vals in s.enums if s.is_imported(en)]
    # its messages use only each other, and by their own names: no qualification
    own = Schema()
    own.package = s.imported["package"]
    out += [_message_text(own, m) for m in s.messages if s.is_imported(m.name)]
    return "\n".join(out) + "\n"


def render(s):
    """The .job text of a schema (without the declarations it imports: render_import)."""
    out = []
    if s.package:
        out.append(f"package {s.package};")
    if s.imported:
        out.append(f'import "{s.imported["file"]}.job";')
    for en, vals in getattr(s, "enums", []):
        if not s.is_imported(en):
            out.append(_enum_text(en, vals))
    comments = dict()
    for pos, text in s.comments:
        comments.setdefault(pos, []).append(text)
    for i, (kind, k) in enumerate(s.order):
        out.extend(comments.get(i, []))
        if kind == "m":
            if not s.is_imported(s.messages[k].name):
                out.append(_message_text(s, s.messages[k]))
        else:
            j = s.jobs[k]
            ps = ", ".join(f"{p}: {type_text(t, s)}{number(j, p)}" for p, t in j.params)
            res = f" -> {type_text(j.result, s)}" if j.result else ""
            if j.options:
                opts = " ".join(f"{k2} = {v};" for k2, v in j.options)
                out.append(f"job {j.name}({ps}){res} {{ {opts} }}")
            else:
                out.append(f"job {j.name}({ps}){res};")
    out.extend(comments.get(len(s.order), []))
    nl = "\r\n" if getattr(s, "crlf", False) else "\n"
    return nl.join(out) + nl


def to_json(s):
    return {"package": s.package, "strict": s.strict, "features": sorted(s.features),
            "messages": [[m.name, [[f, t] for f, t in m.fields], m.numbers] for m in s.messages],
            "jobs": [[j.name, [[p, t] for p, t in j.params], j.result, j.options, j.numbers]
                     for j in s.jobs],
            "order": s.order, "comments": s.comments, "crlf": s.crlf,
            "enums": [[en, [list(v) for v in vals]] for en, vals in s.enums],
            "imported": s.imported}


def _tup(t):
    return None if t is None else tuple(_tup(x) if isinstance(x, list) else x for x in t)


def from_json(d):
    s = Schema()
    s.package, s.strict, s.features = d["package"], d["strict"], set(d["features"])
    s.messages = [Message(n, [(f, _tup(t)) for f, t in fs], nums) for n, fs, nums in d["messages"]]
    s.jobs = [Job(n, [(p, _tup(t)) for p, t in ps], _tup(res), [tuple(o) for o in opts], nums)
              for n, ps, res, opts, nums in d["jobs"]]
    s.order = [tuple(o) for o in d["order"]]
    s.comments = [tuple(c) for c in d["comments"]]
    s.crlf = d.get("crlf", False)
    s.enums = [(en, [tuple(v) for v in vals]) for en, vals in d.get("enums", [])]
    s.imported = d.get("imported")
    return s


# --- reading a .job back (replays of kept failures and the issue's cases) ---------------

_TOKEN = re.compile(r"\s+|//[^\n]*|/\*.*?\*/|->|[A-Za-z_][A-Za-z0-9_]*|[0-9]+[A-Za-z]*|[;:,(){}\[\]=]",
                    re.S)


def _tokens(text):
    pos, out = 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read .job text at offset {pos}: {text[pos:pos + 20]!r}")
        tok = m.group(0)
        if not (tok.isspace() or tok.startswith("//") or tok.startswith("/*")):
            out.append(tok)
        pos = m.end()
    return out


def parse(text, strict=False):
    """A schema model from .job text (valid input only: this is not jobc)."""
    toks, i = _tokens(text), 0
    s = Schema()
    s.strict = strict

    def take(want=None):
        nonlocal i
        tok = toks[i]
        if want is not None and tok != want:
            raise ValueError(f"expected {want!r}, got {tok!r}")
        i += 1
        return tok

    def typ():
        if toks[i] == "[":
            take("[")
            e = typ()
            take("]")
            return ("arr", e)
        n = take()
        if n == "optional" and toks[i] not in (";", ",", ")", "=", "]", "{"):
            return ("opt", typ())
        return ("prim", n) if n in PRIMS else ("msg", n)

    numbers = {}

    def member():  # IDENT ':' type [ '=' NUMBER ], a field or a parameter
        name = take()
        take(":")
        m = (name, typ())
        if toks[i] == "=":
            take("=")
            numbers[name] = int(take())
        return m

    while i < len(toks):
        kw = take()
        if kw == "package":
            s.package = take()
            take(";")
        elif kw == "enum":
            name = take()
            take("{")
            vals = []
            while toks[i] != "}":
                v = take()
                take("=")
                vals.append((v, int(take())))
                take(";")
            take("}")
            s.enums.append((name, vals))
        elif kw == "message":
            name = take()
            take("{")
            fields = []
            while toks[i] != "}":
                fields.append(member())
                take(";")
            take("}")
            s.order.append(("m", len(s.messages)))
            s.messages.append(Message(name, fields, dict(numbers)))
            numbers.clear()
        elif kw == "job":
            name = take()
            take("(")
            params = []
            while toks[i] != ")":
                params.append(member())
                if toks[i] == ",":
                    take(",")
            take(")")
            res = None
            if toks[i] == "->":
                take("->")
                res = typ()
            opts = []
            if toks[i] == "{":
                take("{")
                while toks[i] != "}":
                    k = take()
                    take("=")
                    opts.append((k, take()))
                    take(";")
                take("}")
            else:
                take(";")
            s.order.append(("j", len(s.jobs)))
            s.jobs.append(Job(name, params, res, opts, dict(numbers)))
            numbers.clear()
        else:
            raise ValueError(f"unexpected {kw!r}")
    # a type the reader took for a message may be an enum of the file
    enums = {e[0] for e in s.enums}

    def retype(t):
        if t is None:
            return None
        if t[0] in ("arr", "opt"):
            return (t[0], retype(t[1]))
        return ("enum", t[1]) if t[0] == "msg" and t[1] in enums else t
    for m in s.messages:
        m.fields = [(f, retype(t)) for f, t in m.fields]
    for j in s.jobs:
        j.params = [(p_, retype(t)) for p_, t in j.params]
        j.result = retype(j.result)
    return s
