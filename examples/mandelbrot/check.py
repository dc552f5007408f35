#!/usr/bin/env python3
"""Test of the mandelbrot example: the distributed render's checksum equals the
native reference's (same tile.c), and the app wrote a PNG file."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from example_test import arg_parser, fail, run_app  # noqa: E402

CHECKSUM = r"pixels fnv1a64: ([0-9a-f]{16})"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def main():
    ap = arg_parser(__doc__)
    ap.add_argument("--reference", required=True, help="the native reference program")
    a = ap.parse_args()
    out_png = os.path.abspath("out/mandelbrot-test.png")
    os.makedirs(os.path.dirname(out_png), exist_ok=True)
    if os.path.exists(out_png):
        os.remove(out_png)

    # The app node's cwd is ours (the cluster inherits it) and lunatic preopens it.
    got = re.search(CHECKSUM, run_app(a, CHECKSUM, ["MANDELBROT_OUT=out/mandelbrot-test.png"]))
    want = re.search(CHECKSUM, subprocess.run([a.reference], stdout=subprocess.PIPE, text=True,
                                              check=True).stdout)
    if not want:
        fail("the reference printed no checksum")
    print("reference: %s" % want.group(0))
    if got.group(1) != want.group(1):
        fail("checksum %s, reference %s" % (got.group(1), want.group(1)))
    if not os.path.exists(out_png):
        fail("no PNG at %s" % out_png)
    with open(out_png, "rb") as f:
        if f.read(8) != PNG_SIGNATURE:
            fail("%s has no PNG signature" % out_png)
    print("ok mandelbrot: checksums match, %s is a PNG of %d bytes"
          % (out_png, os.path.getsize(out_png)))


if __name__ == "__main__":
    main()
