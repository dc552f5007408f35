#!/usr/bin/env python3
"""Test of the wordfreq example: its total equals `wc -w` over the corpus and
its top 10 equals a native count with the same rules (a token is a run of
non-whitespace bytes; its word is the token lowercased without leading and
trailing non-alphanumeric bytes; most frequent first, ties by byte order)."""
import collections
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from example_test import arg_parser, fail, run_app  # noqa: E402

TOP_N = 10


def native_top(files):
    counts = collections.Counter()
    for path in files:
        with open(path, "rb") as f:
            for tok in f.read().split():
                word = re.sub(rb"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", b"", tok).lower()
                if word:
                    counts[word] += 1
    top = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[:TOP_N]
    return [(w.decode(), c) for w, c in top]


def main():
    ap = arg_parser(__doc__)
    ap.add_argument("--corpus", required=True, help="the folder of text files")
    a = ap.parse_args()
    # The app reads files relative to its cwd (ours, preopened by lunatic): copy the corpus here.
    shutil.rmtree("corpus", ignore_errors=True)
    shutil.copytree(a.corpus, "corpus")
    files = sorted(os.path.join("corpus", f) for f in os.listdir("corpus"))

    out = run_app(a, r"wordfreq: done", ["WORDFREQ_DIR=corpus"])
    got_total = re.search(r"^total words: (\d+)$", out, re.M)
    got_top = [(w, int(c)) for w, c in re.findall(r"^\s+\d+\. (\S+) (\d+)$", out, re.M)]
    wc = subprocess.run(["wc", "-w"] + files, stdout=subprocess.PIPE, text=True, check=True)
    want_total = int(wc.stdout.strip().splitlines()[-1].split()[0])
    want_top = native_top(files)

    if not got_total or int(got_total.group(1)) != want_total:
        fail("total %s, wc -w says %d" % (got_total and got_total.group(1), want_total))
    if got_top != want_top:
        fail("top %d %s, native count %s" % (TOP_N, got_top, want_top))
    print("ok wordfreq: %d words (= wc -w), top %d = native count" % (want_total, TOP_N))


if __name__ == "__main__":
    main()
