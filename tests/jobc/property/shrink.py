"""shrink.py - reduce a failing schema to a small one that fails the same way.

Greedy, chunked removal (in the spirit of ddmin) over the schema model: drop the package,
comments, options, jobs, messages (uses become u32), fields and parameters, results;
a candidate is kept when the oracle still reports the same failure class. Each oracle
run costs a jobc run and a few compiles, so each class gets a fixed budget of runs.
"""
import copy
import hashlib
import os
import re
import shutil

import oracle
import schema as sch


class Shrinker:
    def __init__(self, cfg, target, work, budget):
        self.cfg, self.target, self.work, self.budget = cfg, target, work, budget
        self.runs = 0

    def fails(self, s):
        if self.runs >= self.budget:
            return False
        self.runs += 1
        d = os.path.join(self.work, f"try{self.runs}")
        try:
            _, fails, _ = oracle.check_schema(self.cfg, s, d, focus=self.target)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        return any(oracle.classify(st, de) == self.target for st, de in fails)

    def chunks(self, s, get, put):
        """Removes chunks of the list get(s) while the failure stays."""
        n = 2
        while True:
            items = get(s)
            if not items or self.runs >= self.budget:
                return s
            size = max(1, (len(items) + n - 1) // n)
            for start in range(0, len(items), size):
                cand = copy.deepcopy(s)
                put(cand, items[:start] + items[start + size:])
                if self.fails(cand):
                    s, n = cand, max(n - 1, 2)
                    break
            else:
                if size == 1:
                    return s
                n = min(len(items), 2 * n)

    def simpler(self, s):
        for attempt in (self.no_import, self.no_package, self.no_comments, self.no_options):
            cand = attempt(copy.deepcopy(s))
            if cand is not None and self.fails(cand):
                s = cand
        return s

    def run(self, s):
        s = self.simpler(copy.deepcopy(s))
        s = self.chunks(s, lambda x: [("j", i) for i in range(len(x.jobs))], drop_jobs)
        s = self.chunks(s, lambda x: [m.name for m in x.messages], drop_messages)
        for k in range(len(s.messages)):
            if k < len(s.messages):
                s = self.chunks(s, lambda x, k=k: list(x.messages[k].fields) if k < len(x.messages) else [],
                                lambda x, v, k=k: setattr(x.messages[k], "fields", v))
        for k in range(len(s.jobs)):
            s = self.chunks(s, lambda x, k=k: list(x.jobs[k].params) if k < len(x.jobs) else [],
                            lambda x, v, k=k: setattr(x.jobs[k], "params", v))
            if k < len(s.jobs) and s.jobs[k].result is not None:
                cand = copy.deepcopy(s)
                cand.jobs[k].result = None
                if self.fails(cand):
                    s = cand
        return self.simpler(s)  # again: what once needed the package may not any more

    def no_import(self, s):
        """Everything in one file: does the failure need the import?"""
        if not s.imported:
            return None
        s.imported = None
        return s

    def no_package(self, s):
        if not s.package:
            return None
        s.package = None
        return s

    def no_comments(self, s):
        if not s.comments:
            return None
        s.comments = []
        return s

    def no_options(self, s):
        if not any(j.options for j in s.jobs):
            return None
        for j in s.jobs:
            j.options = []
        return s


def drop_jobs(s, keep):
    kept = {i for _, i in keep}
    s.jobs = [j for i, j in enumerate(s.jobs) if i in kept]
    reorder(s)


def drop_messages(s, keep):
    keep = set(keep)
    gone = {m.name for m in s.messages} - keep
    s.messages = [m for m in s.messages if m.name in keep]
    if s.imported:
        s.imported["names"] = [n for n in s.imported["names"] if n not in gone]

    def fix(t):
        if t is None:
            return None
        if t[0] == "arr":
            return ("arr", fix(t[1]))
        return ("prim", "u32") if t[0] == "msg" and t[1] in gone else t
    for m in s.messages:
        m.fields = [(f, fix(t)) for f, t in m.fields]
    for j in s.jobs:
        j.params = [(p, fix(t)) for p, t in j.params]
        j.result = fix(j.result)
    reorder(s)


def reorder(s):
    """Declaration order after removals: keep the relative order, drop what is gone."""
    s.order = [("m", i) for i in range(len(s.messages))] + [("j", i) for i in range(len(s.jobs))]
    s.comments = []


def slug(c):
    """A folder name for a class: readable start, and a hash so that long classes differ."""
    return re.sub(r"[^A-Za-z0-9]+", "-", c).strip("-")[:60] + "-" + hashlib.sha1(c.encode()).hexdigest()[:8]


def shrink_classes(cfg, summary, results, work, keep, args):
    """Adds 'minimal' (a .job path) to each class of the summary."""
    import concurrent.futures
    by_name = {r.name: r for r in results}

    def one(item):
        cls, e = item
        name = os.path.basename(os.path.dirname(e["smallest"]))
        r = by_name[name]
        sh = Shrinker(cfg, cls, os.path.join(work, "shrink-" + slug(cls)), args.shrink_budget)
        small = sh.run(r.schema)
        dest = os.path.join(keep, "minimal", slug(cls))
        os.makedirs(dest, exist_ok=True)
        path = os.path.join(dest, "s.job")
        with open(path, "w") as f:
            f.write(f"// {cls}\n// from {name}, {sh.runs} oracle runs\n" + sch.render(small))
        return cls, path

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        for cls, path in ex.map(one, list(summary["classes"].items())):
            summary["classes"][cls]["minimal"] = path
