# Observes how the code in the current directory behaves on the calls of a test, without judging
# it by the test: run by nightshift in the sandbox, once per candidate answer and once on the code
# as the attempt found it. Every `assert` of the test becomes a site that records what its
# expression gave (a value's repr, or the exception it raised) and whether the assert held, and
# the test goes on past it; `with pytest.raises(E)` records whether the block raised E. A
# unittest-style test's assert methods (`self.assertEqual(a, b)`, `self.assertRaises(E, f, x)`,
# …) are sites as the `assert` they stand for is, and its classes' `setUp` runs before each of
# their tests; a test's pytest fixtures of the test file (and `tmp_path`) are made for it. The
# task's own examples (`call` and the value the task gives for it) are sites too. What a call in
# a site does to its arguments is behaviour too: an argument that reads otherwise after the call
# than before is recorded beside the value ("changes"), and told in it.
#
# Where a site checks one call of a function with literal arguments (`count_word("a b a", "a")`,
# or through its module: `words.count_word(…)`), the function is called again on inputs
# nightshift varies itself, one argument at a time — a string in upper case, repeated, its words
# longer; a number a little larger; a list reversed, or with an item more — and what each gave is recorded ("varied"): no check, but behaviour, so that
# answers alike on a test whose inputs are too narrow to tell them apart (one-letter words, where
# counting substrings and counting words agree) are not taken as alike.
#
# Data the code accepted before a change must still be accepted after it. Run alone on the code as
# it was ("record": test files of the repository's), pytest runs those tests and every call they
# make, directly or through the code, of a function of the code's (not a test's, nor a method of
# an object) whose arguments are plain data is noted — module, name, arguments — to be made
# again on every answer ("replay"): as it was, and with each key of a dict it was given left out
# (a file written before the change lacks the key the change adds; one written by it may lack
# a key that had a default). What each gave is recorded ("replayed").
#
# argv: <marker> <spec as JSON: {"test": path or null, "modules": [...], "examples": [[call,
# expected], ...], "record": [path, ...], "replay": [[module, name, arguments], ...]}>
# Prints, last, one line: the marker, then {"sites": {id: {"names": [...], "values": [...],
# "held": [...], "expected": bool, "changes": [...], "call": text or null}}, "varied": {call:
# value}, "recorded": [[module, name, arguments], ...], "replayed": {call: value}, "error": text
# or null}. "call" is the expression a site checks, as Python writes it back (`ast.unparse`), where
# it checks one: the left side of an `assert … == …`, the one statement of a `pytest.raises`
# block, a task's example.
import ast
import builtins
import copy
import importlib
import inspect
import itertools
import json
import operator
import os
import pathlib
import signal
import sys
import tempfile
import time
import types

MARKER = sys.argv[1]
SPEC = json.loads(sys.argv[2])
SITE_SECONDS = 5
MAX_REPR = 200
MAX_RUNS = 50
# Varied calls: each bounded in time, and all of them together, and in number.
VARIED_SECONDS = 1
VARIED_BUDGET = 10
MAX_VARIED = 60
# Recorded calls: so many of each function, and so many in all, each with its variants.
MAX_RECORDED_EACH = 3
MAX_REPLAYED = 40
MAX_RECORDED_LENGTH = 1000
MAX_LOOKS = 20

sys.path.insert(0, os.getcwd())
sys.dont_write_bytecode = True
SITES = {}
ERROR = None
# Per site, what the calls of its last run did to their arguments: (callee, description).
CHANGED = {}


class SiteTimeout(BaseException):
    pass


def on_alarm(signum, frame):
    raise SiteTimeout()


signal.signal(signal.SIGALRM, on_alarm)


def shown(value, depth=0):
    """A value as compared across runs: floats to 9 significant digits, containers inside out."""
    if depth > 4:
        return "…"
    if isinstance(value, float):
        return format(value, ".9g")
    if isinstance(value, (list, tuple)):
        inner = ", ".join(shown(v, depth + 1) for v in value)
        return "[" + inner + "]" if isinstance(value, list) else "(" + inner + ")"
    if isinstance(value, dict):
        items = sorted((shown(k, depth + 1), shown(v, depth + 1)) for k, v in value.items())
        return "{" + ", ".join(k + ": " + v for k, v in items) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(shown(v, depth + 1) for v in value)) + "}"
    try:
        text = repr(value)
    except BaseException as err:  # noqa: BLE001 - a repr that fails is behaviour too
        text = "<repr raised " + type(err).__name__ + ">"
    if " at 0x" in text:
        text = "<" + type(value).__name__ + ">"
    return text[:MAX_REPR]


def run(thunk, seconds=SITE_SECONDS):
    """("ok", value) or ("raise", the exception's type), the call bounded in time."""
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return ("ok", thunk())
    except (SiteTimeout, SystemExit, Exception) as err:  # noqa: BLE001
        return ("raise", type(err))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def record(site, got, held, expected=True):
    entry = SITES.setdefault(site, {"values": [], "held": [], "expected": expected, "changes": []})
    changed = CHANGED.pop(site, [])
    if len(entry["values"]) >= MAX_RUNS:
        return
    kind, value = got
    text = shown(value) if kind == "ok" else "raise:" + value.__name__
    for callee, change in changed:
        text += " [" + callee + " changed " + change + "]"
        if callee not in entry["changes"]:
            entry["changes"].append(callee)
    entry["values"].append(text)
    entry["held"].append(bool(held))
    entry["expected"] = entry["expected"] and expected


def equal(got, want):
    try:
        return bool(got == want)
    except Exception:  # noqa: BLE001
        return False


COMPARE = {
    "Eq": operator.eq,
    "NotEq": operator.ne,
    "Lt": operator.lt,
    "LtE": operator.le,
    "Gt": operator.gt,
    "GtE": operator.ge,
    "In": lambda a, b: a in b,
    "NotIn": lambda a, b: a not in b,
    "Is": operator.is_,
    "IsNot": operator.is_not,
    "IsNone": lambda a, _: a is None,
    "IsNotNone": lambda a, _: a is not None,
    "Truthy": lambda a, _: bool(a),
    "Falsy": lambda a, _: not a,
    "IsInstance": isinstance,
    "NotIsInstance": lambda a, b: not isinstance(a, b),
    "CountEqual": lambda a, b: count_equal(a, b),
    "AlmostEqual": lambda a, b: almost_equal(a, *b),
}


def count_equal(got, want):
    """unittest's `assertCountEqual`: the same elements, each as often, in any order (elements
    need not be hashable)."""
    rest = list(want)
    for item in got:
        for i, other in enumerate(rest):
            if equal(item, other):
                del rest[i]
                break
        else:
            return False
    return not rest


def almost_equal(got, want, places, delta):
    """unittest's `assertAlmostEqual`: within `delta` where given, else equal to `places`
    decimal places (7 unless given)."""
    if got == want:
        return True
    if delta is not None:
        return abs(got - want) <= delta
    return round(abs(got - want), 7 if places is None else places) == 0


# unittest's assert methods, each as the comparison it makes: how many operands it takes (its
# first is the value the site records), and the `COMPARE` operator. An operand past them is a
# message, except `assertAlmostEqual`'s `places`.
UNITTEST = {
    "assertEqual": (2, "Eq"),
    "assertEquals": (2, "Eq"),
    "assertListEqual": (2, "Eq"),
    "assertTupleEqual": (2, "Eq"),
    "assertDictEqual": (2, "Eq"),
    "assertSetEqual": (2, "Eq"),
    "assertSequenceEqual": (2, "Eq"),
    "assertMultiLineEqual": (2, "Eq"),
    "assertCountEqual": (2, "CountEqual"),
    "assertAlmostEqual": (2, "AlmostEqual"),
    "assertNotEqual": (2, "NotEq"),
    "assertIs": (2, "Is"),
    "assertIsNot": (2, "IsNot"),
    "assertIn": (2, "In"),
    "assertNotIn": (2, "NotIn"),
    "assertGreater": (2, "Gt"),
    "assertGreaterEqual": (2, "GtE"),
    "assertLess": (2, "Lt"),
    "assertLessEqual": (2, "LtE"),
    "assertIsInstance": (2, "IsInstance"),
    "assertNotIsInstance": (2, "NotIsInstance"),
    "assertIsNone": (1, "IsNone"),
    "assertIsNotNone": (1, "IsNotNone"),
    "assertTrue": (1, "Truthy"),
    "assertFalse": (1, "Falsy"),
}
# The operators that say what the value should be: a site of one checks a call (`CALLS`).
EQUALITY = ("Eq", "CountEqual", "AlmostEqual")
# unittest's assert methods that check a call raises: where its callable is among the operands.
UNITTEST_RAISES = {"assertRaises": 1, "assertRaisesRegex": 2}


def called(site, callee, function, args, kwargs):
    """Calls `function` as the site's expression did, and notes any argument that reads otherwise
    after the call than before (a list sorted in place, a dict emptied). What a value reads as is
    `shown`: an object without a structural repr reads alike however it changed, so is let be."""
    before = [shown(a) for a in args] + [shown(v) for v in kwargs.values()]
    try:
        return function(*args, **kwargs)
    finally:
        after = [shown(a) for a in args] + [shown(v) for v in kwargs.values()]
        labels = ["argument " + str(i + 1) for i in range(len(args))] + ["argument " + k for k in kwargs]
        for label, old, new in zip(labels, before, after):
            if old != new:
                change = label + " from " + old[:MAX_REPR] + " to " + new[:MAX_REPR]
                CHANGED.setdefault(site, []).append((callee, change))


def site_eq(site, got_thunk, want_thunk, op="Eq"):
    """What the left side gave is the behaviour; whether the comparison held is the vote."""
    got = run(got_thunk)
    want = run(want_thunk)
    held = False
    if got[0] == "ok" and want[0] == "ok":
        try:
            held = bool(COMPARE[op](got[1], want[1]))
        except Exception:  # noqa: BLE001
            held = False
    record(site, got, held, expected=want[0] == "ok")


def site_raises(site, body, kind_thunk):
    got = run(body)
    kind = run(kind_thunk)
    if got[0] == "ok":
        record(site, ("ok", "no exception"), False, expected=kind[0] == "ok")
        return
    wanted = kind[1] if kind[0] == "ok" else ()
    wanted = tuple(k for k in (wanted if isinstance(wanted, tuple) else (wanted,)) if isinstance(k, type))
    held = bool(wanted) and issubclass(got[1], wanted)
    record(site, got, held, expected=kind[0] == "ok")


def is_raises(item):
    call = item.context_expr
    if not isinstance(call, ast.Call) or not call.args:
        return False
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr in ("raises", *UNITTEST_RAISES)) or (
        isinstance(func, ast.Name) and func.id == "raises"
    )


def is_fixture(decorator, autouse=False):
    """Whether `decorator` makes a pytest fixture (`@pytest.fixture`, `@fixture(…)`), one used
    by every test where `autouse`."""
    call = decorator if isinstance(decorator, ast.Call) else None
    target = call.func if call is not None else decorator
    named = (isinstance(target, ast.Attribute) and target.attr == "fixture") or (
        isinstance(target, ast.Name) and target.id == "fixture"
    )
    if not autouse:
        return named
    return named and call is not None and any(
        k.arg == "autouse" and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords
    )


def assert_method(call):
    """The name of the method `call` calls on a plain name (`self.assertEqual(…)`), if it is a
    call of one, with no `*args`."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
        return None
    if not isinstance(call.func.value, ast.Name) or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    return call.func.attr


def names_in(node):
    """The names an expression uses: a plain name as `(name, False)`, an attribute's as
    `(name, True)` — `tally.tally(…)` uses the module `tally` and its function `tally`."""
    found = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.append((sub.id, False))
        elif isinstance(sub, ast.Attribute):
            found.append((sub.attr, True))
    return found


NAMES = {}
# The test file's pytest fixtures by name: whether each is used by every test (`autouse`).
FIXTURES = {}
# Per site, the expression it checks, written back by `ast.unparse` (the same text for the same
# call however it was spaced or quoted).
CALLS = {}
# Per site of `CALLS`, the namespace its expression runs in.
SPACES = {}
# What each varied call gave (`observe_varied`), by the call as written.
VARIED = {}


class Calls(ast.NodeTransformer):
    """Routes every call of an expression through `called`, for the site `site`; a call with
    `*args` or `**kwargs` is let be, and so are lambdas inside it (they run later, or never)."""

    def __init__(self, site):
        self.site = site

    def visit_Lambda(self, node):
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            return node
        callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "call")
        return ast.copy_location(
            ast.Call(
                func=ast.Name(id="_ns_called", ctx=ast.Load()),
                args=[
                    ast.Constant(self.site),
                    ast.Constant(callee),
                    node.func,
                    ast.Tuple(elts=node.args, ctx=ast.Load()),
                    ast.Dict(keys=[ast.Constant(k.arg) for k in node.keywords], values=[k.value for k in node.keywords]),
                ],
                keywords=[],
            ),
            node,
        )


def watched(expr, site):
    return Calls(site).visit(expr)


def lam(expr):
    return ast.Lambda(
        args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
        body=expr,
    )


# The helpers a rewritten test calls are named `_ns_…`: a name with two leading underscores would
# be mangled inside a test class's methods, and not found.
def helper(name, *args):
    return ast.Expr(ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[]))


class Sites(ast.NodeTransformer):
    def __init__(self):
        self.count = 0
        # How deep in functions and classes the visit is: fixtures are the module's own.
        self.depth = 0

    def visit_FunctionDef(self, node):
        """A pytest fixture of the test file is noted and left a plain function: a test's
        fixtures are made for it here, as pytest would (`fixtures_for`)."""
        kept = [d for d in node.decorator_list if not is_fixture(d)]
        if len(kept) < len(node.decorator_list) and self.depth == 0:
            FIXTURES[node.name] = any(is_fixture(d, autouse=True) for d in node.decorator_list)
            node.decorator_list = kept
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1
        return node

    def visit_ImportFrom(self, node):
        # One name at a time, each allowed to be missing: the code as it was lacks what the task
        # adds, and the calls of what it had must still run on it.
        if any(alias.name == "*" for alias in node.names):
            return node
        guarded = []
        for alias in node.names:
            one = ast.ImportFrom(module=node.module, names=[alias], level=node.level)
            guarded.append(
                ast.copy_location(
                    ast.Try(
                        body=[one],
                        handlers=[
                            ast.ExceptHandler(
                                type=ast.Name(id="ImportError", ctx=ast.Load()),
                                name=None,
                                body=[ast.Pass()],
                            )
                        ],
                        orelse=[],
                        finalbody=[],
                    ),
                    node,
                )
            )
        return guarded

    def visit_Assert(self, node):
        site = "L" + str(node.lineno)
        NAMES[site] = names_in(node.test)
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
            CALLS[site] = ast.unparse(test.left)
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op = ast.Constant(type(test.ops[0]).__name__)
            got = watched(test.left, site)
            call = helper("_ns_eq", ast.Constant(site), lam(got), lam(test.comparators[0]), op)
        else:
            # `assert X` and `assert not X`: what X gave is the behaviour (as unittest's
            # `assertTrue(X)` and `assertFalse(X)` tell it), not the truth of the assert — else
            # `assert f(a)` and `assert not f(b)` would read alike, `True`, whatever f gave.
            negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
            subject, op = (test.operand, "Falsy") if negated else (test, "Truthy")
            call = helper(
                "_ns_eq", ast.Constant(site), lam(watched(subject, site)), lam(ast.Constant(None)), ast.Constant(op)
            )
        return ast.copy_location(call, node)

    def visit_Expr(self, node):
        """A unittest assert method called as a statement: the site its comparison makes."""
        call, method = node.value, assert_method(node.value)
        site = "L" + str(node.lineno)
        if method in UNITTEST and len(call.args) >= UNITTEST[method][0]:
            arity, op = UNITTEST[method]
            got = call.args[0]
            NAMES[site] = [n for arg in call.args[:arity] for n in names_in(arg)]
            if op in EQUALITY:
                CALLS[site] = ast.unparse(got)
            if op == "AlmostEqual":
                keywords = {k.arg: k.value for k in call.keywords}
                places = call.args[2] if len(call.args) > 2 else keywords.get("places", ast.Constant(None))
                want = ast.Tuple(elts=[call.args[1], places, keywords.get("delta", ast.Constant(None))], ctx=ast.Load())
            else:
                want = call.args[1] if arity == 2 else ast.Constant(None)
            checked = helper("_ns_eq", ast.Constant(site), lam(watched(got, site)), lam(want), ast.Constant(op))
            return ast.copy_location(checked, node)
        at = UNITTEST_RAISES.get(method)
        if at is not None and len(call.args) > at:
            body = ast.Call(
                func=call.args[at],
                args=call.args[at + 1 :],
                keywords=[k for k in call.keywords if k.arg != "msg"],
            )
            NAMES[site] = names_in(body)
            CALLS[site] = ast.unparse(body)
            raised = helper("_ns_raises", ast.Constant(site), lam(watched(body, site)), lam(call.args[0]))
            return ast.copy_location(raised, node)
        return self.generic_visit(node)

    def visit_With(self, node):
        self.generic_visit(node)
        raising = [item for item in node.items if is_raises(item)]
        if len(node.items) != 1 or not raising:
            return node
        site = "L" + str(node.lineno)
        NAMES[site] = [n for stmt in node.body for n in names_in(stmt)]
        if len(node.body) == 1 and isinstance(node.body[0], ast.Expr):
            CALLS[site] = ast.unparse(node.body[0].value)
        self.count += 1
        name = "_ns_block_" + str(self.count)
        body = ast.FunctionDef(
            name=name,
            args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
            body=node.body,
            decorator_list=[],
            returns=None,
        )
        if "type_params" in ast.FunctionDef._fields:
            body.type_params = []
        kind = raising[0].context_expr.args[0]
        call = helper("_ns_raises", ast.Constant(site), ast.Name(id=name, ctx=ast.Load()), lam(kind))
        return [ast.copy_location(body, node), ast.copy_location(call, node)]


def parameter_sets(function):
    sets = [{}]
    for mark in getattr(function, "pytestmark", []):
        if getattr(mark, "name", None) != "parametrize" or len(mark.args) < 2:
            continue
        names, rows = mark.args[0], mark.args[1]
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",") if n.strip()]
        expanded = []
        for row in rows:
            row = getattr(row, "values", row)
            if len(names) == 1 and not (isinstance(row, tuple) and len(row) == 1):
                row = (row,)
            expanded.append(dict(zip(names, row)))
        sets = [dict(a, **b) for a, b in itertools.product(sets, expanded)]
    return sets


def required(function):
    """The names of the parameters `function` must be given."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return []
    plain = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in parameters if p.kind in plain and p.default is inspect.Parameter.empty]


def fixtures_for(function, given, namespace, finish):
    """The arguments of `function` that `given` lacks, made by the test file's fixtures of those
    names (each once, with the fixtures it takes in turn; a generator's value is what it yields
    first, and what it does after is put in `finish`) or as `tmp_path`, after every `autouse`
    fixture. A name no fixture makes raises `LookupError`: the test cannot run."""
    made = {}

    def value(name, making):
        if name in made:
            return made[name]
        if name == "tmp_path" and name not in FIXTURES:
            made[name] = pathlib.Path(tempfile.mkdtemp())
            return made[name]
        fixture = namespace.get(name) if name in FIXTURES else None
        if fixture is None or name in making:
            raise LookupError(name)
        got = fixture(**{p: value(p, making | {name}) for p in required(fixture)})
        if inspect.isgenerator(got):
            generator, got = got, next(got)
            finish.append(lambda: next(generator, None))
        made[name] = got
        return got

    for name, autouse in FIXTURES.items():
        if autouse:
            value(name, frozenset())
    return {name: value(name, frozenset()) for name in required(function) if name not in given}


def run_test(site, function, namespace, setup=None, teardown=None):
    for params in parameter_sets(function):
        finish = []
        ready = run(setup) if setup is not None else ("ok", None)
        if ready[0] == "ok":
            ready = run(lambda: dict(params, **fixtures_for(function, params, namespace, finish)))
        got = run(lambda: function(**ready[1])) if ready[0] == "ok" else ready
        record(site, got if got[0] == "raise" else ("ok", "passed"), got[0] == "ok")
        for done in reversed(finish):
            run(done)
        if teardown is not None:
            run(teardown)


def hooks(made, method, names):
    """The calls of a test class's hooks around one test: unittest's (`setUp`), pytest's
    (`setup_method(method)`), those the class has."""

    def call():
        for name, takes_method in names:
            hook = getattr(made, name, None)
            if callable(hook):
                hook(method) if takes_method else hook()

    return call


def observe_test(path):
    global ERROR
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    tree = Sites().visit(ast.parse(source, path))
    ast.fix_missing_locations(tree)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    namespace = {
        "__name__": "nightshift_observed_test",
        "__file__": path,
        "_ns_eq": site_eq,
        "_ns_raises": site_raises,
        "_ns_called": called,
    }
    loaded = run(lambda: exec(compile(tree, path, "exec"), namespace))
    if loaded[0] == "raise":
        ERROR = "the test could not be loaded: " + loaded[1].__name__
        return
    for name, value in list(namespace.items()):
        if name.startswith("test") and isinstance(value, types.FunctionType) and name not in FIXTURES:
            run_test("F:" + name, value, namespace)
        elif name.startswith("Test") and isinstance(value, type):
            made = run(value)
            if made[0] == "raise":
                record("F:" + name, made, False)
                continue
            for hook in ("setUpClass", "setup_class"):
                if callable(getattr(value, hook, None)):
                    run(getattr(value, hook))
            for attr in sorted(dir(value)):
                method = getattr(made[1], attr, None)
                if attr.startswith("test") and callable(method):
                    setup = hooks(made[1], method, [("setUp", False), ("setup_method", True)])
                    teardown = hooks(made[1], method, [("tearDown", False), ("teardown_method", True)])
                    run_test("F:" + name + "." + attr, method, namespace, setup, teardown)
    for site in CALLS:
        SPACES.setdefault(site, namespace)
    for site, names in NAMES.items():
        kept = [
            n
            for n, attribute in names
            if attribute
            or not (isinstance(namespace.get(n), types.ModuleType) or (n not in namespace and hasattr(builtins, n)))
        ]
        SITES.setdefault(site, {"values": [], "held": [], "expected": True, "changes": []})["names"] = kept


def concrete(call, namespace):
    """Whether the arguments of every call in `call` name only what exists: `clip(15, 0, 10)` is
    an example, `clip(value, low, high)` a signature. The function called may be missing (the code
    as it was lacks it)."""
    for node in ast.walk(ast.parse(call, mode="eval")):
        if not isinstance(node, ast.Call):
            continue
        for arg in list(node.args) + [k.value for k in node.keywords]:
            for name in ast.walk(arg):
                if isinstance(name, ast.Name) and name.id not in namespace and not hasattr(builtins, name.id):
                    return False
    return True


def observe_examples(modules, examples):
    namespace = {"_ns_called": called}
    for module in modules:
        run(lambda: exec("import " + module, namespace))
        run(lambda: exec("from " + module + " import *", namespace))
    for i, (call, expected) in enumerate(examples):
        site = "T" + str(i)
        try:
            tree = ast.parse(call, "<task>", mode="eval")
            written = ast.unparse(tree.body)
            tree.body = watched(tree.body, site)
            got = compile(ast.fix_missing_locations(tree), "<task>", "eval")
            # `raise:E`: the call should raise E (a rule of the task's: "if … raise E").
            raises = expected.startswith("raise:")
            want = compile(expected[len("raise:"):] if raises else expected, "<task>", "eval")
        except SyntaxError:
            continue
        if not concrete(call, namespace):
            continue
        # A name the call cannot find (the function is missing here, or lives in a module the
        # example does not say) leaves the example unchecked on this code, not failed.
        # The callee must be the code's: `str.strip()` in "lines for which `str.strip()` is
        # empty" names a builtin, and states nothing about the code.
        callee = call.split("(", 1)[0].strip()
        root = callee.split(".", 1)[0]
        if root not in namespace or run(lambda: eval(callee, namespace))[0] == "raise":
            continue
        if raises:
            site_raises(site, lambda: eval(got, namespace), lambda: eval(want, namespace))
        else:
            site_eq(site, lambda: eval(got, namespace), lambda: eval(want, namespace))
        SITES[site]["names"] = []
        CALLS[site] = written
        SPACES[site] = namespace


def varied(value):
    """Inputs of the kind of `value` that differ from it as a task's inputs differ from one
    another: a string in upper case, twice over, with its words longer; a number a little larger;
    a list reversed, or with its first item once more. None that is `value` again."""
    if isinstance(value, bool):
        found = [not value]
    elif isinstance(value, int):
        found = [value + 1, 2 * value + 3]
    elif isinstance(value, float):
        found = [value + 0.5, value * 2]
    elif isinstance(value, str) and value.strip():
        longer = "".join(c * 2 if c.isalnum() else c for c in value)
        found = [value.upper(), value + " " + value, longer]
    elif isinstance(value, (list, tuple)) and value:
        found = [type(value)(reversed(value)), value + value[:1]]
    else:
        found = []
    return [v for v in found if not (type(v) is type(value) and equal(v, value))]


def callee(func, namespace):
    """The function a call names, where calling it again changes nothing but what it gives: a
    name the test binds (`f(x)`), or one a module holds (`mod.f(x)`, after `import mod`); not a
    method of an object, whose state a call may change, nor a class."""
    if isinstance(func, ast.Name):
        found = namespace.get(func.id)
    elif (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and isinstance(namespace.get(func.value.id), types.ModuleType)
    ):
        found = getattr(namespace[func.value.id], func.attr, None)
    else:
        return None
    return found if callable(found) and not isinstance(found, type) else None


def observe_varied():
    """Calls again each function a site calls with literal arguments (`CALLS`), on `varied`
    inputs, one argument at a time, and records in `VARIED` what each call gave, by the call."""
    spent = 0.0
    for site in sorted(SPACES):
        try:
            call = ast.parse(CALLS[site], mode="eval").body
            args = [ast.literal_eval(arg) for arg in call.args]
        except (SyntaxError, ValueError, TypeError, AttributeError, RecursionError):
            continue
        if not isinstance(call, ast.Call) or call.keywords:
            continue
        function = callee(call.func, SPACES[site])
        if function is None:
            continue
        name = ast.unparse(call.func)
        for i, arg in enumerate(args):
            for other in varied(arg):
                if len(VARIED) >= MAX_VARIED or spent >= VARIED_BUDGET:
                    return
                given = args[:i] + [other] + args[i + 1 :]
                written = name + "(" + ", ".join(repr(a) for a in given) + ")"
                if written in VARIED:
                    continue
                start = time.monotonic()
                got = run(lambda: function(*copy.deepcopy(given)), VARIED_SECONDS)
                spent += time.monotonic() - start
                VARIED[written] = shown(got[1]) if got[0] == "ok" else "raise:" + got[1].__name__


# What each replayed call gave, by the call as written.
REPLAYED = {}
# The calls recorded, as `[module, name, arguments]`: `arguments` a list's `repr`.
RECORDED = []


def plain(value, depth=0):
    """Whether `value` is data written as a literal reads back the same: numbers, strings,
    lists, tuples and dicts of them."""
    if depth > 4:
        return False
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return value == value and abs(value) != float("inf")
    if isinstance(value, (list, tuple)):
        return all(plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, (str, int)) and plain(v, depth + 1) for k, v in value.items())
    return False


def is_test_path(path):
    name = os.path.basename(path)
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def target(module, name):
    """The function `name` names in `module`, and how many of its parameters are bound when it
    is got by name (a classmethod's class): None for a method of an object, or what is missing."""
    owner = found = sys.modules.get(module)
    parts = name.split(".")
    for part in parts:
        owner, found = found, getattr(found, part, None)
        if found is None:
            return None
    if isinstance(owner, types.ModuleType) and isinstance(found, types.FunctionType):
        return found, 0
    if isinstance(owner, type):
        static = inspect.getattr_static(owner, parts[-1], None)
        if isinstance(static, staticmethod):
            return found, 0
        if isinstance(static, classmethod):
            return found, 1
    return None


def without_each_key(arguments):
    """`arguments` again with one key of a dict among them left out — of a list of dicts, out of
    each that has it."""
    for i, value in enumerate(arguments):
        if isinstance(value, dict):
            for key in value:
                yield arguments[:i] + [{k: v for k, v in value.items() if k != key}] + arguments[i + 1 :]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for key in value[0]:
                less = [{k: v for k, v in item.items() if k != key} for item in value]
                yield arguments[:i] + [less] + arguments[i + 1 :]


def record_calls(tests):
    """Runs `tests` by pytest, noting in `RECORDED` the calls they make of the code's functions
    with plain data (`MAX_RECORDED_EACH` of each), then each again with a key left out."""
    try:
        import pytest
    except ImportError:
        return
    root = os.getcwd() + os.sep
    mine = {}
    looked = {}
    calls = []
    each = {}

    def profile(frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        known = mine.get(code)
        if known is None:
            path = code.co_filename
            name = getattr(code, "co_qualname", code.co_name)
            # The code's own files: not the interpreter's frozen modules, nor what is installed
            # in the worktree (a virtual environment). A function with `*args`, `**kwargs` or
            # keyword-only parameters is let be.
            known = mine[code] = (
                os.path.isabs(path)
                and path.startswith(root)
                and "site-packages" not in path
                and not is_test_path(path)
                and "<" not in name
                and not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)
                and not code.co_kwonlyargcount
            )
        if not known:
            return
        # A function whose calls are seldom kept (arguments that are not data) is let be after
        # so many: each look costs, and a test may call it in a loop.
        looked[code] = looked.get(code, 0) + 1
        if looked[code] > MAX_LOOKS:
            mine[code] = False
            return
        module = frame.f_globals.get("__name__", "")
        name = getattr(code, "co_qualname", code.co_name)
        if each.get((module, name), 0) >= MAX_RECORDED_EACH or len(calls) >= MAX_REPLAYED:
            return
        found = target(module, name)
        if found is None or getattr(getattr(found[0], "__func__", found[0]), "__code__", None) is not code:
            return
        given = [frame.f_locals.get(n) for n in code.co_varnames[found[1] : code.co_argcount]]
        if not plain(given):
            return
        written = repr(given)
        # The calls go back to the observer on its command line, where each argument is bounded.
        if len(written) > MAX_RECORDED_LENGTH:
            return
        try:
            if ast.literal_eval(written) != given:
                return
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return
        if [module, name, written] not in calls:
            calls.append([module, name, written])
            each[(module, name)] = each.get((module, name), 0) + 1

    class Recorder:
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_protocol(self, item, nextitem):
            sys.setprofile(profile)
            try:
                yield
            finally:
                sys.setprofile(None)

    pytest.main(list(tests) + ["-q", "-p", "no:cacheprovider"], plugins=[Recorder()])
    RECORDED.extend(calls)
    for module, name, written in calls:
        for less in without_each_key(ast.literal_eval(written)):
            if len(RECORDED) >= MAX_REPLAYED:
                return
            if [module, name, repr(less)] not in RECORDED:
                RECORDED.append([module, name, repr(less)])


def replay(calls):
    """Makes each recorded call again on this code, and records in `REPLAYED` what it gave."""
    spent = 0.0
    for module, name, written in calls[:MAX_REPLAYED]:
        if spent >= VARIED_BUDGET:
            return
        start = time.monotonic()
        if run(lambda: importlib.import_module(module), VARIED_SECONDS)[0] == "ok":
            found = target(module, name)
            if found is not None:
                given = ast.literal_eval(written)
                got = run(lambda: found[0](*given), VARIED_SECONDS)
                call = module + "." + name + "(" + written[1:-1] + ")"
                REPLAYED[call] = shown(got[1]) if got[0] == "ok" else "raise:" + got[1].__name__
        spent += time.monotonic() - start


try:
    if SPEC.get("test"):
        observe_test(SPEC["test"])
    observe_examples(SPEC.get("modules", []), SPEC.get("examples", []))
    observe_varied()
    if SPEC.get("record"):
        record_calls(SPEC["record"])
    replay(SPEC.get("replay", []))
except BaseException as err:  # noqa: BLE001
    ERROR = (ERROR or "") + " observing failed: " + type(err).__name__
for site, entry in SITES.items():
    entry.setdefault("names", [])
    entry["call"] = CALLS.get(site)
sys.stdout.flush()
result = {"sites": SITES, "varied": VARIED, "recorded": RECORDED, "replayed": REPLAYED, "error": ERROR}
print("\n" + MARKER + json.dumps(result), flush=True)
