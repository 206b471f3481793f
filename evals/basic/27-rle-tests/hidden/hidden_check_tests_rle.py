#!/usr/bin/env python3
"""Hidden check for an add-tests task.

The agent's test file must
  1. exist and pass against the original module (at least MIN_PASSED passing tests), and
  2. fail against every mutant (a deliberately buggy copy of the module).
Every pytest run happens in a temporary copy of the repository, which is left untouched.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path.cwd()
TEST_FILE = "tests/test_rle.py"  # written by the agent
MODULE = "textcodec/rle.py"  # module under test, relative to the repository root
FIXTURES = ROOT / "hidden_fixtures_rle"  # original/ and mutant_*/ copies of MODULE
MIN_PASSED = 5


def run_pytest(root):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST_FILE],
        cwd=root, capture_output=True, text=True, timeout=300, env=env,
    )
    return proc.returncode, proc.stdout + proc.stderr


def make_copy(dest, variant):
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", ".pytest_cache", "hidden_*"))
    shutil.copyfile(FIXTURES / variant / Path(MODULE).name, dest / MODULE)


def main():
    if not (ROOT / TEST_FILE).is_file():
        print(f"FAIL: {TEST_FILE} does not exist")
        return 1
    mutants = sorted(p.name for p in FIXTURES.iterdir() if p.name.startswith("mutant_"))
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "original"
        make_copy(dest, "original")
        rc, out = run_pytest(dest)
        if rc != 0:
            print(f"FAIL: {TEST_FILE} does not pass on the original code (pytest exit {rc})")
            print(out[-4000:])
            return 1
        counts = re.findall(r"(\d+) passed", out)
        passed = int(counts[-1]) if counts else 0
        if passed < MIN_PASSED:
            print(f"FAIL: only {passed} passing tests, expected at least {MIN_PASSED}")
            return 1
        survivors = []
        for name in mutants:
            dest = Path(tmp) / name
            make_copy(dest, name)
            rc, out = run_pytest(dest)
            if rc == 0:
                survivors.append(name)
        if survivors:
            print(f"FAIL: the tests did not detect {len(survivors)} of {len(mutants)} "
                  f"buggy variants: {', '.join(survivors)}")
            return 1
    print(f"OK: {passed} tests pass and all {len(mutants)} buggy variants are detected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
