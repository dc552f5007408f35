#!/usr/bin/env python3
"""Reads ctest's output (a file, or stdin) and prints test.sh's last lines:

  N passed, N failed, N skipped
  skipped: NAME (Skipped), ...            (only when some did not run)

ctest's own "N% tests passed" counts a skipped test (SKIP_RETURN_CODE, e.g. 77
from tests that need root) as passed; here it is not. Exits 1 when no ctest
summary is found (counted as one failure)."""
import re
import sys


def summarize(text):
    total = re.findall(r"^\d+% tests passed, (\d+) tests? failed out of (\d+)", text, re.M)
    if not total:
        return "0 passed, 1 failed, 0 skipped (no ctest summary)", 1
    failed, total = map(int, total[-1])
    # "The following tests did not run:" then one "\t  5 - name (Skipped)" per test.
    block = re.search(r"^The following tests did not run:\n((?:\s+\d+ - .*\n?)*)", text, re.M)
    skipped = re.findall(r"\d+ - (\S+) \((\w+)\)", block.group(1)) if block else []
    lines = ["%d passed, %d failed, %d skipped" % (total - failed - len(skipped), failed,
                                                   len(skipped))]
    if skipped:
        lines.append("skipped: " + ", ".join("%s (%s)" % s for s in skipped))
    return "\n".join(lines), 0


if __name__ == "__main__":
    text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
    out, rc = summarize(text)
    print(out)
    sys.exit(rc)
