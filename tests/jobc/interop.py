#!/usr/bin/env python3
"""nanopb (jobc's descriptors) <-> protoc (jobc's .proto), both directions:
  1. interop encode CASE  -> protoc --decode=CASE       == expected text
  2. protoc --encode=CASE (expected text) -> interop decode CASE == expected text
The expected text is what `interop decode` prints, in protoc's text format."""
import os, subprocess, sys, tempfile

interop, protoc, golden = sys.argv[1:4]
CASES = {  # case: proto file
    "mix_args": "scalars.proto",
    "checksum_args": "strings.proto",
    "length_args": "nested.proto",
    "histogram_args": "arrays.proto",
    "histogram_result": "arrays.proto",
    "centroid_args": "arrays.proto",
    "paint_Stroke": "enums.proto",
    "paint_paint_args": "enums.proto",
    "wire_Sample": "numbers.proto",
}
PROTO_NAME = {"paint_Stroke": "paint.Stroke", "paint_paint_args": "paint.paint_args",
              "wire_Sample": "wire.Sample"}
EXPECTED = {
    "mix_args": 'flag: true\ni: -5\nl: -1234567890123\nu: 42\nul: 18446744073709551615\nf: 1.5\nd: 2.25\n',
    "checksum_args": 'data: "\\001\\002ab\\""\nlabel: "hello world"\n',
    "length_args": ('path {\n  name: "zigzag"\n'
                    '  segments {\n    from {\n      x: 1\n      y: 2\n    }\n    to {\n      x: 3\n      y: 4\n    }\n  }\n'
                    '  segments {\n    from {\n      x: 5\n      y: 6\n    }\n    to {\n      x: 7.5\n      y: -8\n    }\n  }\n'
                    '  closed: true\n}\n'),
    "histogram_args": 'words: "a"\nwords: "bb"\nwords: "ccc"\nbuckets: 7\n',
    "histogram_result": 'value: 1\nvalue: 300\nvalue: 5000000000\n',
    "centroid_args": 'points {\n  x: 0.5\n  y: 1\n}\npoints {\n  x: -2\n  y: 3.25\n}\n',
    # enum by name, an unknown enum number kept, an optional field present with 0
    "paint_Stroke": 'x: 1.5\ncolor: BLUE\npalette: RED\npalette: BLUE\npalette: 99\nwidth: 0\nshade: GREEN\n',
    # an optional u32 present, an optional enum absent, an optional string present
    "paint_paint_args": 's {\n  x: 2\n  color: RED\n}\nhint: 5\nlabel: "x"\n',
    # explicit numbers: protoc prints fields by number (a=1, c=3, label=4, big=536870911)
    "wire_Sample": 'a: 0.25\nc: 9\nlabel: "L"\nbig: 77\n',
}
failures = 0
with tempfile.TemporaryDirectory() as d:
    for case, proto in CASES.items():
        binf = os.path.join(d, case + ".bin")
        subprocess.run([interop, "encode", case, binf], check=True)
        with open(binf, "rb") as f:
            got = subprocess.run([protoc, "-I", golden, f"--decode={PROTO_NAME.get(case, case)}", proto], stdin=f,
                                 capture_output=True, text=True).stdout
        ok1 = got == EXPECTED[case]
        enc = subprocess.run([protoc, "-I", golden, f"--encode={PROTO_NAME.get(case, case)}", proto],
                             input=EXPECTED[case].encode(), capture_output=True, check=True).stdout
        with open(binf, "wb") as f:
            f.write(enc)
        back = subprocess.run([interop, "decode", case, binf], capture_output=True, text=True).stdout
        ok2 = back == EXPECTED[case]
        print(f"{'ok  ' if ok1 else 'FAIL'} {case}: nanopb encode -> protoc --decode")
        print(f"{'ok  ' if ok2 else 'FAIL'} {case}: protoc --encode -> nanopb decode")
        if not ok1:
            print("  got:\n" + got)
        if not ok2:
            print("  got:\n" + back)
        failures += (not ok1) + (not ok2)
print("interop: ok" if not failures else f"interop: {failures} failed")
sys.exit(1 if failures else 0)
