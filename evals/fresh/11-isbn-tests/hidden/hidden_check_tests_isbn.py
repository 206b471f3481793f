#!/usr/bin/env python3
"""Checks the tests the agent wrote for isbn.py.

The test file test_isbn.py must exist, pass against the original module and fail against every
buggy variant in hidden_fixtures_isbn/mutant_*/. Each run happens in a temporary copy of the repository
with the module replaced by the fixture's version.
"""

import os
import shutil
import subprocess
import sys
import tempfile

TEST_FILE = "test_isbn.py"
MODULE = "isbn.py"
ROOT = os.getcwd()
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hidden_fixtures_isbn")
IGNORE = shutil.ignore_patterns("hidden*", ".git", "__pycache__", ".pytest_cache")


def run_with(fixture):
    tmp = tempfile.mkdtemp(prefix="check-tests-")
    try:
        repo = os.path.join(tmp, "repo")
        shutil.copytree(ROOT, repo, ignore=IGNORE)
        shutil.copyfile(
            os.path.join(FIXTURES, fixture, os.path.basename(MODULE)), os.path.join(repo, MODULE)
        )
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST_FILE],
                cwd=repo, env=env, capture_output=True, text=True, timeout=120,
            )
        except subprocess.TimeoutExpired:
            return 124, "timed out"
        return proc.returncode, proc.stdout + proc.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if not os.path.isfile(os.path.join(ROOT, TEST_FILE)):
        print(f"FAIL: {TEST_FILE} does not exist")
        return 1
    code, out = run_with("original")
    if code != 0:
        print(f"FAIL: {TEST_FILE} does not pass against the original {MODULE}:")
        print(out[-4000:])
        return 1
    print(f"ok: {TEST_FILE} passes against the original {MODULE}")
    failed = False
    for mutant in sorted(n for n in os.listdir(FIXTURES) if n.startswith("mutant_")):
        code, out = run_with(mutant)
        if code == 0:
            print(f"FAIL: the tests do not catch the bug planted in {mutant}")
            failed = True
        else:
            print(f"ok: the tests catch {mutant}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
