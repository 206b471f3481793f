# Counts how many simple mutants of the code a set of tests kills: run by nightshift in the
# sandbox, once per candidate answer that writes tests. The repository (the current directory)
# is copied to the sandbox's private /tmp; each mutant changes one thing in one function of the
# code (a comparison or arithmetic operator flipped, a constant moved by one, a condition negated,
# a branch or a `raise` dropped, a returned value replaced by None), is written over the copy's
# file, and the tests run with pytest; a mutant is killed when they fail (or hang). Only the
# functions the task names are mutated, when it names any. A mutant is "stated" when it moves a
# number the task's text states (`90` → `91`) or flips a comparison against one (`>= 90` →
# `> 90`): a value the task spells out is one the tests must pin. Stated mutants are all kept when
# the rest are thinned to the maximum.
#
# argv: <marker> <spec as JSON: {"code": [paths], "tests": [paths], "task": text,
#        "max": number of mutants at most, "seconds": limit of one run}>
# Prints, last, one line: the marker, then {"mutants": [{"at": "path:line", "change": text,
# "function": name, "named": whether the task names it, "stated": whether it moves a value the
# task states, "killed": bool}], "error": text or null}.
import ast
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

MARKER = sys.argv[1]
SPEC = json.loads(sys.argv[2])

FLIPS = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv,
    ast.And: ast.Or, ast.Or: ast.And,
}
SYMBOLS = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+",
    ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.And: "and", ast.Or: "or",
}


def report(mutants, error):
    print(MARKER + json.dumps({"mutants": mutants, "error": error}), flush=True)


def named_functions(tree, task):
    """The functions and methods of `tree` the task names, and True; all of them and False if it
    names none."""
    functions = [
        node for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    named = [f for f in functions if re.search(r"(?<![\w])" + re.escape(f.name) + r"(?![\w])", task)]
    return (named, True) if named else (functions, False)


def stated_numbers(task):
    """The integers the task's text states as numbers (`90`, `-1`), not digits inside a name,
    a version or a decimal."""
    return {int(n) for n in re.findall(r"(?<![\w.])-?\d+(?![\w]|\.\d)", task)}


def is_stated(node, how, stated):
    """Whether the change `how` at `node` moves a stated number or flips a comparison against
    one."""
    def number(n):
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            value = number(n.operand)
            return None if value is None else -value
        return n.value if isinstance(n, ast.Constant) and type(n.value) is int else None

    if how[0] == "plus":
        return node.value in stated
    if how[0] == "op" and isinstance(node, ast.Compare):
        return any(number(n) in stated for n in [node.left, *node.comparators])
    return False


def points(function):
    """Each place in `function` one mutant changes: (node, what, how) in source order."""
    found = []
    for node in ast.walk(function):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in FLIPS:
                    found.append((node, f"`{SYMBOLS[type(op)]}` → `{SYMBOLS[FLIPS[type(op)]]}`", ("op", i)))
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in FLIPS:
            found.append((node, f"`{SYMBOLS[type(node.op)]}` → `{SYMBOLS[FLIPS[type(node.op)]]}`", ("op", None)))
        elif isinstance(node, ast.BoolOp):
            found.append((node, f"`{SYMBOLS[type(node.op)]}` → `{SYMBOLS[FLIPS[type(node.op)]]}`", ("op", None)))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            found.append((node, f"`{node.value}` → `{node.value + 1}`", ("plus", 1)))
            found.append((node, f"`{node.value}` → `{node.value - 1}`", ("plus", -1)))
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            found.append((node, f"`{node.value}` → `{not node.value}`", ("not", None)))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found.append((node, "`not` dropped", ("unnot", None)))
        elif isinstance(node, (ast.If, ast.While)):
            found.append((node, "condition negated", ("negate", None)))
            if not (len(node.body) == 1 and isinstance(node.body[0], ast.Pass)):
                found.append((node, "branch dropped", ("drop", None)))
        elif isinstance(node, ast.Raise):
            found.append((node, "`raise` dropped", ("pass", None)))
        elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            found.append((node, "returns None", ("none", None)))
    found.sort(key=lambda p: (p[0].lineno, p[0].col_offset))
    return found


class Apply(ast.NodeTransformer):
    """Makes one change, at the node with the given position in walk order."""

    def __init__(self, how):
        self.how = how

    def generic_visit(self, node):
        node = super().generic_visit(node)
        if getattr(node, "_ns_target", False):
            return self.change(node)
        return node

    def change(self, node):
        kind, arg = self.how
        if kind == "op" and isinstance(node, ast.Compare):
            node.ops[arg] = FLIPS[type(node.ops[arg])]()
        elif kind == "op":
            node.op = FLIPS[type(node.op)]()
        elif kind == "plus":
            node.value = node.value + arg
        elif kind == "not":
            node.value = not node.value
        elif kind == "unnot":
            return node.operand
        elif kind == "negate":
            node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
        elif kind == "drop":
            node.body = [ast.Pass()]
        elif kind == "pass":
            return ast.Pass()
        elif kind == "none":
            node.value = ast.Constant(value=None)
        return node


def mutated(tree, index):
    """`tree`'s source with the change of point `index` (points of the named functions)."""
    tree = copy.deepcopy(tree)
    chosen = [p for f in named_functions(tree, SPEC["task"])[0] for p in points(f)]
    node, _, how = chosen[index]
    node._ns_target = True
    tree = Apply(how).visit(tree)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree)


def run_tests(root):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    argv = [sys.executable, "-B", "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *SPEC["tests"]]
    try:
        done = subprocess.run(argv, cwd=root, env=env, capture_output=True, timeout=SPEC["seconds"])
    except subprocess.TimeoutExpired:
        return False, "timed out"
    return done.returncode == 0, done.stdout.decode(errors="replace")[-1500:]


def main():
    root = os.path.join(tempfile.mkdtemp(), "repo")
    shutil.copytree(
        os.getcwd(), root, symlinks=True,
        ignore=shutil.ignore_patterns(".git", "node_modules", "__pycache__", "target", ".venv"),
    )
    passed, output = run_tests(root)
    if not passed:
        report([], "the tests fail on the code as it is:\n" + output)
        return
    stated = stated_numbers(SPEC["task"])
    plan = []
    for path in SPEC["code"]:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            source = f.read()
        tree = ast.parse(source, path)
        functions, named = named_functions(tree, SPEC["task"])
        chosen = [(f.name, p) for f in functions for p in points(f)]
        plan.extend(
            (path, source, tree, i, node.lineno, what, name, named, is_stated(node, how, stated))
            for i, (name, (node, what, how)) in enumerate(chosen)
        )
    if len(plan) > SPEC["max"]:
        stated_at = [i for i, p in enumerate(plan) if p[-1]][: SPEC["max"]]
        rest = [i for i, p in enumerate(plan) if not p[-1]]
        room = SPEC["max"] - len(stated_at)
        step = len(rest) / room if room else 0
        kept = sorted(stated_at + [rest[int(i * step)] for i in range(room)])
        plan = [plan[i] for i in kept]
    mutants = []
    for path, source, tree, index, line, what, function, named, is_stated_one in plan:
        target = os.path.join(root, path)
        try:
            text = mutated(tree, index)
        except Exception:  # noqa: BLE001 - a change that cannot be made is no mutant
            continue
        with open(target, "w", encoding="utf-8") as f:
            f.write(text)
        survived, _ = run_tests(root)
        with open(target, "w", encoding="utf-8") as f:
            f.write(source)
        mutants.append({
            "at": f"{path}:{line}", "change": what, "function": function, "named": named,
            "stated": is_stated_one, "killed": not survived,
        })
    report(mutants, None)


main()
