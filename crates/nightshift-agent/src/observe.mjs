// Observes how the JavaScript code in the current directory behaves on the calls of a test,
// without judging it by the test: nightshift's Python observer (observe.py), for Node. nightshift
// rewrites the test (nightshift_lang::instrument_javascript_test) so that each `assert` statement
// calls __ns_site with what it checks and the assert itself, and its imports of the project's
// modules load through __ns_import; this file is put around it, in place of the two lines that
// mark where its static imports and the rest of it go. Run with `node --input-type=module -e`; nothing is written into the worktree.
//
// A call of an export with literal arguments, the test's or an example's, is made again on inputs
// nightshift varies itself, one argument at a time, as observe.py does ("varied").
//
// argv: <marker> <spec as JSON: {"dir": the test's directory, "modules": [paths], "examples":
// [[call, expected], ...], "calls": [the test's calls]}>. Prints, last, one line: the marker, then
// {"sites": {id: {"values": [...], "held": [...], "expected": bool}}, "varied": {call: value},
// "error": text or null}.
import * as __ns_module from 'node:module';
import * as __ns_path from 'node:path';
import * as __ns_url from 'node:url';
import * as __ns_util from 'node:util';
/*IMPORTS*/

const __NS_MARKER = process.argv[1];
const __NS_SPEC = JSON.parse(process.argv[2]);
const __NS_DIR = __ns_url.pathToFileURL(__ns_path.resolve(process.cwd(), __NS_SPEC.dir || '.') + '/');
const __NS_ROOT = __ns_url.pathToFileURL(process.cwd() + '/');
const __NS_MAX_REPR = 200;
const __NS_MAX_RUNS = 50;
const __NS_TEST_MS = 5000;
const __NS_SITES = {};
const __NS_VARIED = {};
const __NS_MAX_VARIED = 60;
const __NS_VARIED_MS = 10000;
let __ns_error = null;

function __ns_name(err) {
  if (err && typeof err === 'object' && err.constructor && err.constructor.name) {
    return err.constructor.name;
  }
  return typeof err;
}

// A value as compared across runs: numbers to 9 significant digits, containers inside out.
function __ns_shown(value, depth = 0) {
  if (depth > 4) return '…';
  switch (typeof value) {
    case 'boolean':
      return String(value);
    case 'number':
      return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(9)));
    case 'string':
      return JSON.stringify(value);
    case 'bigint':
      return String(value) + 'n';
    case 'function':
      return '<function>';
    case 'symbol':
      return String(value);
    case 'undefined':
      return 'undefined';
    default:
  }
  if (value === null) return 'null';
  const inner = (v) => __ns_shown(v, depth + 1);
  if (Array.isArray(value)) return '[' + value.map(inner).join(', ') + ']';
  if (value instanceof Map) {
    const items = [...value.entries()].map(([k, v]) => inner(k) + ': ' + inner(v)).sort();
    return 'Map{' + items.join(', ') + '}';
  }
  if (value instanceof Set) return 'Set{' + [...value].map(inner).sort().join(', ') + '}';
  if (value instanceof Date) return 'Date(' + (isNaN(value) ? 'invalid' : value.toISOString()) + ')';
  if (value instanceof RegExp) return String(value);
  if (value instanceof Error) return '<' + __ns_name(value) + '>';
  if (value instanceof Promise) return '<Promise>';
  const proto = Object.getPrototypeOf(value);
  const plain = proto === Object.prototype || proto === null;
  const fields = Object.keys(value)
    .sort()
    .map((k) => JSON.stringify(k) + ': ' + inner(value[k]));
  const text = (plain ? '' : '<' + __ns_name(value) + '>') + '{' + fields.join(', ') + '}';
  return text.slice(0, __NS_MAX_REPR);
}

function __ns_run(thunk) {
  try {
    return ['ok', thunk()];
  } catch (err) {
    return ['raise', __ns_name(err)];
  }
}

async function __ns_run_async(thunk) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new (class SiteTimeout extends Error {})()), __NS_TEST_MS);
  });
  try {
    return ['ok', await Promise.race([thunk(), late])];
  } catch (err) {
    return ['raise', __ns_name(err)];
  } finally {
    clearTimeout(timer);
  }
}

function __ns_record(site, got, held, expected = true) {
  const entry = (__NS_SITES[site] ??= { values: [], held: [], expected });
  if (entry.values.length >= __NS_MAX_RUNS) return;
  entry.values.push(got[0] === 'ok' ? __ns_shown(got[1]) : 'raise:' + got[1]);
  entry.held.push(Boolean(held));
  entry.expected = entry.expected && expected;
}

// Whether an assert's failure says it did not hold (an AssertionError), or that its expected side
// could not be computed at all (anything else).
function __ns_judged(outcome) {
  return outcome[0] === 'ok' || outcome[1] === 'AssertionError';
}

// Asserts whose first argument is code to run: what it did is the behaviour.
const __NS_CALLS = new Set(['throws', 'doesNotThrow', 'rejects', 'doesNotReject']);

function __ns_site(site, method, value, check) {
  let got = __ns_run(value);
  let subject = got[1];
  if (__NS_CALLS.has(method) && got[0] === 'ok' && typeof subject === 'function') {
    const ran = __ns_run(subject);
    got = ran[0] === 'ok' ? ['ok', 'no exception'] : ran;
  }
  // A check whose subject raised is not run: it did not hold, and its expected side is let be.
  const outcome = got[0] === 'ok' || __NS_CALLS.has(method) ? __ns_run(() => check(subject)) : ['raise', 'AssertionError'];
  __ns_record(site, got, outcome[0] === 'ok', __ns_judged(outcome));
}

async function __ns_site_async(site, method, value, check) {
  let got = await __ns_run_async(value);
  let subject = got[1];
  if (__NS_CALLS.has(method) && got[0] === 'ok' && typeof subject === 'function') {
    const ran = await __ns_run_async(async () => subject());
    got = ran[0] === 'ok' ? ['ok', 'no exception'] : ran;
  }
  const outcome =
    got[0] === 'ok' || __NS_CALLS.has(method)
      ? await __ns_run_async(() => check(subject))
      : ['raise', 'AssertionError'];
  __ns_record(site, got, outcome[0] === 'ok', __ns_judged(outcome));
}

async function __ns_import(spec) {
  try {
    return await import(new URL(spec, __NS_DIR).href);
  } catch {
    return {};
  }
}

// The test runner's names, run by the harness after the file has loaded, one test at a time.
const __ns_tests = [];
const __ns_hooks = { before: [], after: [], beforeEach: [], afterEach: [] };
const __ns_suites = [];
function __ns_args(options, fn) {
  return typeof options === 'function' ? options : fn;
}
function __ns_context(name) {
  return {
    name,
    test: (sub, options, fn) => __ns_one(name + ' > ' + sub, __ns_args(options, fn)),
    skip() {},
    todo() {},
    diagnostic() {},
    plan() {},
    mock: {},
  };
}
async function __ns_one(name, fn) {
  if (typeof fn !== 'function') return;
  for (const hook of __ns_hooks.beforeEach) await __ns_run_async(async () => hook());
  const got = await __ns_run_async(async () => fn(__ns_context(name)));
  __ns_record('F:' + name, got[0] === 'raise' ? got : ['ok', 'passed'], got[0] === 'ok');
  for (const hook of __ns_hooks.afterEach) await __ns_run_async(async () => hook());
}
function __ns_register(name, options, fn) {
  const full = [...__ns_suites, String(name)].join(' > ');
  __ns_tests.push([full, __ns_args(options, fn)]);
}
function __ns_suite(name, options, fn) {
  __ns_suites.push(String(name));
  try {
    __ns_args(options, fn)?.();
  } finally {
    __ns_suites.pop();
  }
}
const __ns_nothing = () => {};
for (const f of [__ns_register, __ns_suite]) {
  f.skip = __ns_nothing;
  f.todo = __ns_nothing;
  f.only = f;
}
const __ns_runner = {
  test: __ns_register,
  it: __ns_register,
  describe: __ns_suite,
  suite: __ns_suite,
  before: (fn) => __ns_hooks.before.push(fn),
  after: (fn) => __ns_hooks.after.push(fn),
  beforeEach: (fn) => __ns_hooks.beforeEach.push(fn),
  afterEach: (fn) => __ns_hooks.afterEach.push(fn),
  mock: {},
};
__ns_runner.default = __ns_register;
const test = __ns_register;
const it = __ns_register;
const describe = __ns_suite;
const __ns_require = __ns_module.createRequire(new URL('__ns_test.cjs', __NS_DIR));
const require = (id) => (['node:test', 'test'].includes(id) ? __ns_runner : __ns_require(id));

try {
/*BODY*/
} catch (err) {
  __ns_error = 'the test could not be loaded: ' + __ns_name(err);
}

if (__ns_error === null) {
  for (const hook of __ns_hooks.before) await __ns_run_async(async () => hook());
  for (const [name, fn] of __ns_tests) await __ns_one(name, fn);
  for (const hook of __ns_hooks.after) await __ns_run_async(async () => hook());
}

// The task's own examples, among the exports of the modules the task names.
try {
  const scope = {};
  for (const path of __NS_SPEC.modules || []) {
    let loaded = {};
    try {
      loaded = await import(new URL(path, __NS_ROOT).href);
    } catch {
      continue;
    }
    for (const [name, value] of Object.entries(loaded)) {
      if (name !== 'default') scope[name] = value;
    }
    if (loaded.default && typeof loaded.default === 'object') Object.assign(scope, loaded.default);
  }
  const names = Object.keys(scope).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
  const values = names.map((n) => scope[n]);
  (__NS_SPEC.examples || []).forEach(([call, expected], i) => {
    const callee = call.split('(', 1)[0].trim();
    const root = callee.split('.', 1)[0];
    if (!names.includes(root)) return;
    // The arguments must name only what exists: `f(3)` is an example, `f(quantity)` a signature.
    const open = call.indexOf('(');
    const close = call.lastIndexOf(')');
    if (open > 0 && close > open) {
      let args;
      try {
        args = new Function(...names, 'return [' + call.slice(open + 1, close) + '];');
      } catch {
        return;
      }
      const given = __ns_run(() => args(...values));
      if (given[0] === 'raise' && given[1] === 'ReferenceError') return;
    }
    let got;
    let want;
    try {
      got = new Function(...names, 'return (' + call + ');');
      want = new Function(...names, 'return (' + expected + ');');
    } catch {
      return;
    }
    const site = 'T' + i;
    const value = __ns_run(() => got(...values));
    const wanted = __ns_run(() => want(...values));
    const held = value[0] === 'ok' && wanted[0] === 'ok' && __ns_util.isDeepStrictEqual(value[1], wanted[1]);
    __ns_record(site, value, held, wanted[0] === 'ok');
  });
  __ns_observe_varied(scope, [...(__NS_SPEC.calls || []), ...(__NS_SPEC.examples || []).map(([call]) => call)]);
} catch (err) {
  __ns_error = (__ns_error || '') + ' observing failed: ' + __ns_name(err);
}

// Inputs of the kind of `value` that differ from it as a task's inputs differ from one another:
// a string in upper case, twice over, with its words longer; a number a little larger; an array
// reversed, or with its first item once more. None that is `value` again.
function __ns_varied(value) {
  let found = [];
  if (typeof value === 'boolean') found = [!value];
  else if (typeof value === 'number') found = Number.isInteger(value) ? [value + 1, 2 * value + 3] : [value + 0.5, value * 2];
  else if (typeof value === 'string' && value.trim()) {
    const longer = [...value].map((c) => (/[\p{L}\p{N}]/u.test(c) ? c + c : c)).join('');
    found = [value.toUpperCase(), value + ' ' + value, longer];
  } else if (Array.isArray(value) && value.length) found = [[...value].reverse(), [...value, value[0]]];
  return found.filter((v) => !__ns_util.isDeepStrictEqual(v, value));
}

// Whether `value` is data a call can be written with: strings, numbers, booleans, arrays of them.
function __ns_literal(value) {
  return ['string', 'number', 'boolean'].includes(typeof value) || (Array.isArray(value) && value.every(__ns_literal));
}

// Calls again each function of `scope` that one of `calls` makes with literal arguments, on
// varied inputs, one argument at a time; records what each gave in __NS_VARIED, by the call.
function __ns_observe_varied(scope, calls) {
  const start = Date.now();
  for (const call of [...new Set(calls)].sort()) {
    const open = call.indexOf('(');
    const callee = call.slice(0, open).trim();
    if (open < 1 || !call.endsWith(')') || !/^[A-Za-z_$][\w$]*$/.test(callee)) continue;
    const fn = scope[callee];
    if (typeof fn !== 'function' || /^class\b/.test(Function.prototype.toString.call(fn))) continue;
    let args;
    try {
      args = new Function('return [' + call.slice(open + 1, -1) + '];')();
    } catch {
      continue;
    }
    if (!args.every(__ns_literal)) continue;
    for (const [i, arg] of args.entries()) {
      for (const other of __ns_varied(arg)) {
        if (Object.keys(__NS_VARIED).length >= __NS_MAX_VARIED || Date.now() - start > __NS_VARIED_MS) return;
        const given = args.map((a, j) => (j === i ? other : a));
        const written = callee + '(' + given.map((a) => JSON.stringify(a)).join(', ') + ')';
        if (written in __NS_VARIED) continue;
        const got = __ns_run(() => fn(...structuredClone(given)));
        if (got[0] === 'ok' && got[1] instanceof Promise) continue;
        __NS_VARIED[written] = got[0] === 'ok' ? __ns_shown(got[1]) : 'raise:' + got[1];
      }
    }
  }
}

process.stdout.write('\n' + __NS_MARKER + JSON.stringify({ sites: __NS_SITES, varied: __NS_VARIED, error: __ns_error }) + '\n');
process.exit(0);
