#!/usr/bin/env python3
"""The emulator's hand-written code, as issue 13 counts it: non-blank lines that are
not comments, in crates/qcapi-emulator/src, outside test modules (`#[cfg(test)] mod
tests` at a file's end, and state/tests.rs, state/testing.rs). Prints per-file counts
and the total. Usage: scripts/emulator_code_lines.py [WORKSPACE_ROOT]"""

import glob
import sys


def count(root):
    totals = {}
    src = root + "/crates/qcapi-emulator/src/"
    for path in sorted(glob.glob(src + "**/*.rs", recursive=True)):
        if path.endswith(("/tests.rs", "/testing.rs")):
            continue
        text = open(path, encoding="utf-8").read()
        cut = text.find("#[cfg(test)]\nmod tests")
        if cut >= 0:
            text = text[:cut]
        lines = (line.strip() for line in text.split("\n"))
        totals[path[len(src):]] = sum(1 for line in lines if line and not line.startswith("//"))
    return totals


if __name__ == "__main__":
    totals = count(sys.argv[1] if len(sys.argv) > 1 else ".")
    for name, n in totals.items():
        print(f"{n:6} {name}")
    print(f"{sum(totals.values()):6} total")
