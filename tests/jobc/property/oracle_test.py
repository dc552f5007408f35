"""oracle_test.py - the oracle's reading of jobc's diagnostics (unittest).

Run: python3 tests/jobc/property/oracle_test.py
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402


class MalformedDiagnostics(unittest.TestCase):
    def test_a_quoted_source_line_that_looks_like_a_location_is_not_a_diagnostic(self):
        # jobc.fuzz_smoke found it: a clipped echo starting "...a:0" was taken for one
        se = ("s.job:1:75: error: unexpected byte 0xf4\n"
              "...a:0 u3 ->job \ufffd(a: u32etr\tes = 99.?99999\n"
              "                 \t ^\n"
              "s.job:1:94: error: unexpected character '.'\n"
              "a:0 u3\n"
              "    ^~\n"
              "2 errors generated; no files written.\n")
        self.assertEqual(oracle.malformed_diagnostics(se), [])

    def test_a_location_line_that_is_no_diagnostic_is_found(self):
        se = ("s.job:1:1: error: unexpected character '/'\n"
              "/x\n"
              "^\n"
              "s.job:3: error without a column\n")
        self.assertEqual(oracle.malformed_diagnostics(se), ["s.job:3: error without a column"])

    def test_a_diagnostic_without_an_echo(self):
        se = ("s.job:9:1: error: unexpected end of file\n"
              "other.job:2:1: nonsense\n")
        self.assertEqual(oracle.malformed_diagnostics(se), ["other.job:2:1: nonsense"])


if __name__ == "__main__":
    unittest.main()
