#!/usr/bin/env python3
"""Validate the tasks of the `fresh` suite without the agent.

For every task directory (`NN-slug/` with a `task.toml`):

1. `task.toml` holds exactly `text`, `check`, `language` and `kind`, with known values, and the
   directory holds exactly `task.toml`, `repo/`, `hidden/` and `reference/`; every hidden file's
   name starts with `hidden` (Rust: `tests/hidden_*.rs`).
2. repo/ + hidden/ in a temporary directory: `check` must FAIL (the task is not already solved).
3. repo/ + reference/ + hidden/: `check` must PASS (the task is solvable and the check is right).
4. When the repository has tests of its own: they must pass on repo/ as given, and on
   repo/ + reference/ (without the hidden files).
5. add-tests tasks: a test file that asserts nothing useful must fail the check.

Rust tasks are only checked statically (files, Cargo.toml) unless `--cargo` is given; then
they go through the same steps with cargo (`cargo test --offline --quiet`).

Usage: python3 evals/fresh/validate.py [--cargo] [FILTER]   (FILTER: a substring of task names)
Exit status 0 when every task is valid.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

SUITE = os.path.dirname(os.path.abspath(__file__))
KEYS = {"text", "check", "language", "kind"}
LANGUAGES = {"python", "javascript", "rust"}
KINDS = {"new-function", "bug-fix", "add-tests", "multi-file"}
TIMEOUT = 180
RUN_CARGO = False


def copy_into(src, dst):
    if os.path.isdir(src):
        shutil.copytree(src, dst, dirs_exist_ok=True)


def run(cmd, cwd):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    try:
        proc = subprocess.run(
            cmd, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT,
            executable="/bin/bash",
        )
    except subprocess.TimeoutExpired:
        return 124, "timed out"
    return proc.returncode, (proc.stdout + proc.stderr)[-3000:]


def files_under(root):
    out = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            out.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(out)


def has_own_tests(repo, language):
    files = files_under(repo)
    if language == "python":
        return any(re.search(r"(^|/)test_[^/]*\.py$", f) for f in files)
    if language == "javascript":
        return any(re.search(r"\.test\.m?js$", f) or f.startswith("test/") for f in files)
    return any(
        f.endswith(".rs") and "#[test]" in open(os.path.join(repo, f), encoding="utf-8").read()
        for f in files
    )


def own_tests_cmd(language):
    if language == "python":
        return "python3 -m pytest -q -p no:cacheprovider"
    if language == "javascript":
        return "node --test"
    return "cargo test --offline --quiet"


def workdir(tdir, layers):
    tmp = tempfile.mkdtemp(prefix="fresh-validate-")
    for layer in layers:
        copy_into(os.path.join(tdir, layer), tmp)
    return tmp


def validate(name):
    tdir = os.path.join(SUITE, name)
    problems = []
    notes = []
    with open(os.path.join(tdir, "task.toml"), "rb") as f:
        spec = tomllib.load(f)
    if set(spec) != KEYS:
        problems.append(f"task.toml keys {sorted(spec)}")
    language, kind, check = spec.get("language"), spec.get("kind"), spec.get("check", "")
    if language not in LANGUAGES:
        problems.append(f"language {language!r}")
    if kind not in KINDS:
        problems.append(f"kind {kind!r}")
    entries = sorted(os.listdir(tdir))
    if entries != ["hidden", "reference", "repo", "task.toml"]:
        problems.append(f"directory holds {entries}")
    for rel in files_under(os.path.join(tdir, "hidden")):
        if language == "rust":
            ok = re.fullmatch(r"tests/hidden_[A-Za-z0-9_]+\.rs", rel) is not None
        else:
            ok = rel.split("/")[0].startswith("hidden")
        if not ok:
            problems.append(f"hidden file {rel} is not named hidden*")
    repo = os.path.join(tdir, "repo")
    if not os.path.isfile(os.path.join(repo, "README.md")):
        problems.append("repo/ has no README.md")
    nfiles = len(files_under(repo))
    notes.append(f"{nfiles} files")
    if problems:
        return problems, notes

    if language == "rust":
        with open(os.path.join(repo, "Cargo.toml"), "rb") as f:
            cargo = tomllib.load(f)
        if ("workspace" not in cargo or cargo.get("package", {}).get("edition") != "2021"
                or cargo.get("dependencies")):
            problems.append("Cargo.toml needs [workspace], edition 2021 and no dependencies")
        if not os.path.isdir(os.path.join(tdir, "hidden", "tests")):
            problems.append("no hidden/tests/hidden_*.rs")
        if problems or not RUN_CARGO:
            notes.append("rust: cargo not run (static checks only)")
            return problems, notes

    # 2. the starting repository must fail the check
    tmp = workdir(tdir, ["repo", "hidden"])
    code, out = run(check, tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    if code == 0:
        problems.append("check PASSES on the starting repository")
    # 3. the reference answer must pass it
    tmp = workdir(tdir, ["repo", "reference", "hidden"])
    code, out = run(check, tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    if code != 0:
        problems.append("check FAILS on the reference answer:\n" + out)
    # 4. the repository's own tests
    if has_own_tests(repo, language):
        notes.append("own tests")
        for layers, what in ((["repo"], "starting repository"), (["repo", "reference"], "reference answer")):
            tmp = workdir(tdir, layers)
            code, out = run(own_tests_cmd(language), tmp)
            shutil.rmtree(tmp, ignore_errors=True)
            if code != 0:
                problems.append(f"the repository's own tests fail on the {what}:\n" + out)
    # 5. add-tests: a useless test file must not pass
    if kind == "add-tests":
        new_tests = [f for f in files_under(os.path.join(tdir, "reference"))
                     if f not in files_under(repo) and re.search(r"test_[^/]*\.py$", f)]
        if len(new_tests) != 1:
            problems.append(f"reference/ should add exactly one test file, adds {new_tests}")
        else:
            tmp = workdir(tdir, ["repo", "hidden"])
            path = os.path.join(tmp, new_tests[0])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("def test_nothing():\n    assert True\n")
            code, out = run(check, tmp)
            shutil.rmtree(tmp, ignore_errors=True)
            if code == 0:
                problems.append("check PASSES with a test file that asserts nothing")
            notes.append(f"agent writes {new_tests[0]}")
    return problems, notes


def main():
    global RUN_CARGO
    args = sys.argv[1:]
    RUN_CARGO = "--cargo" in args
    args = [a for a in args if a != "--cargo"]
    pattern = args[0] if args else ""
    names = sorted(
        n for n in os.listdir(SUITE)
        if os.path.isfile(os.path.join(SUITE, n, "task.toml")) and pattern in n
    )
    bad = 0
    skipped = 0
    for name in names:
        problems, notes = validate(name)
        if problems:
            bad += 1
            print(f"FAIL {name} ({', '.join(notes)})")
            for p in problems:
                print("     " + p.replace("\n", "\n     "))
        else:
            if any(n.startswith("rust:") for n in notes):
                skipped += 1
                print(f"SKIP {name} ({', '.join(notes)})")
            else:
                print(f"ok   {name} ({', '.join(notes)})")
    print(f"{len(names)} tasks: {len(names) - bad - skipped} valid, {skipped} rust tasks checked "
          f"statically only (cargo not run), {bad} with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
