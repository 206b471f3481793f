//! How an answer behaves, observed rather than judged: the calls of the test written for the
//! task, and the task's own examples, run on one candidate's code (or on the code as the attempt
//! found it) in the sandbox. Every `assert` of the test becomes a *site* that records what its
//! expression gave — a value, or the exception it raised — and whether the assert held, and the
//! run goes on past it, so one wrong expectation of the model's hides nothing after it. What a
//! call does to its arguments is part of what it gives.
//! [`crate::select`] compares what the candidates and the original code did.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use nightshift_lang::Language;
use nightshift_sandbox::Sandbox;
use serde::Deserialize;

/// The observer, run with `python -c`: nothing of it is written into the worktree.
const OBSERVER: &str = include_str!("observe.py");
/// The observer for JavaScript, put around the test rewritten by
/// [`nightshift_lang::instrument_javascript_test`] and run with `node -e`.
const NODE_OBSERVER: &str = include_str!("observe.mjs");

/// What one site did on one run of the code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Site {
    /// The names its expression uses (modules and builtins left out).
    #[serde(default)]
    pub names: Vec<String>,
    /// What the expression gave, each time the site ran: a value's `repr` (floats to 9
    /// significant digits), or `raise:ExceptionName`.
    pub values: Vec<String>,
    /// Whether the assert held, each time.
    pub held: Vec<bool>,
    /// Whether the expected side could be computed at all (a task's example whose value is
    /// prose, `1.666...`, cannot).
    pub expected: bool,
    /// The functions whose calls here changed one of their arguments (a list sorted in place):
    /// told in the values too, `[f changed argument 1 from … to …]` after the value.
    #[serde(default)]
    pub changes: Vec<String>,
    /// The expression it checks, where it checks one: the left side of an `assert … == …`, the
    /// one statement of a `pytest.raises` block, the call of a task's example (JavaScript's:
    /// the first argument of an assert of equality, what `throws` runs). Written back one way
    /// (Python's by `ast.unparse`, JavaScript's by [`nightshift_lang::javascript_expression`]),
    /// so the same call reads the same, however it was spaced or quoted.
    #[serde(default)]
    pub call: Option<String>,
}

impl Site {
    /// Whether it ran and held every time.
    pub fn holds(&self) -> bool {
        !self.held.is_empty() && self.held.iter().all(|&held| held)
    }

    /// Whether every run gave a value, no exception.
    pub fn gave_values(&self) -> bool {
        !self.values.is_empty() && self.values.iter().all(|v| !v.starts_with("raise:"))
    }
}

/// The sites of one run, by id: `L<line>` an assert (or `pytest.raises` block) of the test,
/// `F:<name>` a test function as a whole (did it run through), `T<i>` the task's example `i`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Behaviour {
    /// The sites that ran.
    pub sites: BTreeMap<String, Site>,
    /// What each call the sites make of a function with literal arguments gave again on inputs
    /// nightshift varied itself, one argument at a time (`count_word('A B A', 'a')` for
    /// `count_word('a b a', 'a')`), by the call: no check (nothing says what it should give),
    /// but behaviour — answers alike on a test too narrow to tell them apart are told apart
    /// here.
    #[serde(default)]
    pub varied: BTreeMap<String, String>,
    /// What each call of [`Probe::replay`] gave, by the call as written
    /// (`todo.storage.load_entry({'title': 'x'})`).
    #[serde(default)]
    pub replayed: BTreeMap<String, String>,
    /// Why the test could not be run at all (an import the code lacks), if so.
    pub error: Option<String>,
    /// The task's examples that describe the fault it reports, moved out of `sites`
    /// ([`crate::select::without_described`]): no check, but what an answer must change.
    #[serde(skip)]
    pub described: BTreeMap<String, Site>,
}

impl Behaviour {
    /// The sites of the task's own examples.
    pub fn task_sites(&self) -> impl Iterator<Item = (&str, &Site)> {
        self.sites
            .iter()
            .filter(|(id, _)| id.starts_with('T'))
            .map(|(id, site)| (id.as_str(), site))
    }

    /// How many sites hold.
    pub fn holding(&self) -> usize {
        self.sites.values().filter(|site| site.holds()).count()
    }
}

/// What to observe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probe {
    /// The language observed: Python or JavaScript.
    pub language: Observer,
    /// The test file whose calls are run, relative to the worktree, and what it holds.
    pub test: Option<(String, String)>,
    /// The modules the task's examples are evaluated among: Python's as imported (`pkg.mod`),
    /// JavaScript's as paths from the worktree.
    pub modules: Vec<String>,
    /// The task's examples: a call and the value the task gives for it, as Python source.
    pub examples: Vec<(String, String)>,
    /// Calls of the code's functions to make again, Python's only ([`record`]).
    pub replay: Vec<Recorded>,
}

/// A call the repository's tests made of a function of the code's, with plain data: the module,
/// the function's name in it (`Entry.from_dict` for a class's), and the arguments as a Python
/// list literal.
pub type Recorded = [String; 3];

/// The languages whose behaviour nightshift observes call by call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Observer {
    /// `observe.py`, run by the Python the settings name.
    #[default]
    Python,
    /// `observe.mjs`, run by `node`, around the test rewritten for it.
    JavaScript,
}

impl Observer {
    /// The observer for a file in `language`, if nightshift observes it.
    pub fn of(language: Language) -> Option<Self> {
        match language {
            Language::Python => Some(Self::Python),
            Language::JavaScript => Some(Self::JavaScript),
            _ => None,
        }
    }

    /// Whether it can observe `test`: JavaScript's must parse to be rewritten.
    pub fn can_run(self, test: &str) -> bool {
        match self {
            Self::Python => true,
            Self::JavaScript => nightshift_lang::instrument_javascript_test(test).is_some(),
        }
    }
}

impl Probe {
    /// Whether it has anything to run.
    pub fn is_empty(&self) -> bool {
        self.test.is_none() && self.examples.is_empty()
    }
}

/// The module a Python source file is imported as (`pkg/mod.py` → `pkg.mod`).
pub fn module_of(path: &str) -> Option<String> {
    let stem = path.strip_suffix(".py")?;
    let module = stem
        .strip_suffix("/__init__")
        .unwrap_or(stem)
        .replace('/', ".");
    let valid = module
        .split('.')
        .all(|part| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_'));
    valid.then_some(module)
}

/// Runs `probe` on the code in `root` (the test already written there), in the sandbox, within
/// `limit`. `Ok(None)`: the run told nothing (it was killed, timed out, or printed no result) —
/// the code crashed the interpreter or hung outside any one call.
pub async fn observe(
    sandbox: &Sandbox,
    python: &str,
    root: &Path,
    probe: &Probe,
    limit: Duration,
) -> std::io::Result<Option<Behaviour>> {
    match probe.language {
        Observer::Python => {
            let spec = serde_json::json!({
                "test": probe.test.as_ref().map(|(path, _)| path),
                "modules": probe.modules,
                "examples": probe.examples,
                "replay": probe.replay,
            });
            run_harness(sandbox, &[python, "-B", "-c"], root, OBSERVER, &spec, limit).await
        }
        Observer::JavaScript => observe_javascript(sandbox, root, probe, limit).await,
    }
}

/// The calls `tests` (Python test files of the repository's, run by pytest on the code in
/// `root`) make of the code's own functions with plain data for arguments — directly or through
/// the code — each as made and with each key of a dict it was given left out: data the code
/// accepted, to try on every answer ([`Probe::replay`]). Empty where the run told nothing (no
/// pytest, out of time).
pub async fn record(
    sandbox: &Sandbox,
    python: &str,
    root: &Path,
    tests: &[String],
    limit: Duration,
) -> std::io::Result<Vec<Recorded>> {
    #[derive(Deserialize)]
    struct Seen {
        #[serde(default)]
        recorded: Vec<Recorded>,
    }
    let spec = serde_json::json!({ "record": tests });
    let seen: Option<Seen> =
        run_harness(sandbox, &[python, "-B", "-c"], root, OBSERVER, &spec, limit).await?;
    Ok(seen.map(|seen| seen.recorded).unwrap_or_default())
}

/// [`observe`] for JavaScript: the test rewritten so that its asserts are sites and its imports
/// of the project tolerate a missing name, put inside `observe.mjs`, run by `node`; the names
/// each site relies on come from the rewriting.
async fn observe_javascript(
    sandbox: &Sandbox,
    root: &Path,
    probe: &Probe,
    limit: Duration,
) -> std::io::Result<Option<Behaviour>> {
    let instrumented = match &probe.test {
        Some((_, source)) => match nightshift_lang::instrument_javascript_test(source) {
            Some(instrumented) => Some(instrumented),
            None => return Ok(None),
        },
        None => None,
    };
    // The observer marks where the test's imports and the rest of it go (a unit test runs it).
    let Some((head, rest)) = NODE_OBSERVER.split_once("/*IMPORTS*/") else {
        return Ok(None);
    };
    let Some((middle, tail)) = rest.split_once("/*BODY*/") else {
        return Ok(None);
    };
    let (imports, body) = instrumented
        .as_ref()
        .map_or(("", ""), |i| (i.imports.as_str(), i.body.as_str()));
    let script = format!("{head}{imports}{middle}{body}{tail}");
    let dir = probe
        .test
        .as_ref()
        .and_then(|(path, _)| Path::new(path).parent())
        .map_or_else(String::new, |dir| dir.to_string_lossy().into_owned());
    let calls: Vec<&String> = instrumented
        .as_ref()
        .map(|i| i.calls.values().collect())
        .unwrap_or_default();
    let spec = serde_json::json!({
        "dir": dir,
        "modules": probe.modules,
        "examples": probe.examples,
        "calls": calls,
    });
    let argv = ["node", "--input-type=module", "-e"];
    let seen: Option<Behaviour> = run_harness(sandbox, &argv, root, &script, &spec, limit).await?;
    Ok(seen.map(|mut behaviour| {
        let (names, calls) = instrumented.map_or_else(Default::default, |i| (i.names, i.calls));
        for (id, names) in names {
            if let Some(site) = behaviour.sites.get_mut(&id) {
                site.names = names;
            }
        }
        let examples = probe
            .examples
            .iter()
            .enumerate()
            .filter_map(|(i, (call, _))| {
                Some((
                    format!("T{i}"),
                    nightshift_lang::javascript_expression(call)?,
                ))
            });
        for (id, call) in calls.into_iter().chain(examples) {
            if let Some(site) = behaviour.sites.get_mut(&id) {
                site.call = Some(call);
            }
        }
        behaviour
    }))
}

/// Runs a harness of nightshift's (`interpreter… script marker spec`: `python -B -c`, `node -e`)
/// in the sandbox in `root`, within `limit`, and reads its result: the JSON after the marker on
/// the last line that has one. `Ok(None)`: it was killed, ran out of time, or printed no result.
/// The random marker keeps what the code under test prints from passing for the result.
pub(crate) async fn run_harness<T: serde::de::DeserializeOwned>(
    sandbox: &Sandbox,
    interpreter: &[&str],
    root: &Path,
    script: &str,
    spec: &serde_json::Value,
    limit: Duration,
) -> std::io::Result<Option<T>> {
    let marker = format!("nightshift-result-{:016x}:", rand::random::<u64>());
    let spec = spec.to_string();
    let mut argv = interpreter.to_vec();
    argv.extend([script, &marker, &spec]);
    let run = sandbox.run(root, &argv, limit).await?;
    if run.timed_out {
        return Ok(None);
    }
    Ok(run
        .output
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix(marker.as_str()))
        .and_then(|json| serde_json::from_str(json).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{put, sandbox, tree};

    #[test]
    fn modules_are_named_as_python_imports_them() {
        assert_eq!(module_of("kiln.py").as_deref(), Some("kiln"));
        assert_eq!(module_of("pkg/sub/mod.py").as_deref(), Some("pkg.sub.mod"));
        assert_eq!(module_of("pkg/__init__.py").as_deref(), Some("pkg"));
        assert_eq!(module_of("my-tool.py"), None);
        assert_eq!(module_of("lib.rs"), None);
    }

    /// The site `id` of what was seen; a test fails naming it and showing all that was.
    fn site<'a>(seen: &'a Behaviour, id: &str) -> &'a Site {
        seen.sites
            .get(id)
            .unwrap_or_else(|| panic!("{id}: {seen:#?}"))
    }

    /// The varied calls of what was seen, each with what it gave.
    fn varied(seen: &Behaviour) -> Vec<(&str, &str)> {
        seen.varied
            .iter()
            .map(|(call, value)| (call.as_str(), value.as_str()))
            .collect()
    }

    /// What `probe` shows on the code in `root`, in the sandbox.
    async fn observed(root: &Path, probe: &Probe) -> Behaviour {
        observe(
            &sandbox().await,
            "python3",
            root,
            probe,
            Duration::from_secs(60),
        )
        .await
        .unwrap()
        .expect("the observer reports")
    }

    #[tokio::test]
    async fn every_assert_is_observed_and_the_run_goes_on_past_a_failing_one() {
        let dir = tree(&[
            (
                "kiln.py",
                "def heat(xs):\n    return sum(xs) / len(xs)\n\n\ndef swing(xs):\n    return max(xs) - min(xs)\n\n\ndef hottest(xs):\n    xs.sort()\n    return xs[-1]\n",
            ),
            // The test imports a name the code lacks, asserts a wrong value, expects an
            // exception, loops, is parametrized, and calls a function that sorts its argument
            // in place.
            (
                "test_kiln.py",
                "import pytest\nfrom kiln import heat, swing, peak, hottest\n\n\ndef test_heat():\n    assert heat([1, 3]) == 3\n    assert swing([1, 4]) == 3\n    with pytest.raises(ZeroDivisionError):\n        heat([])\n    assert peak([1]) == 1\n\n\n@pytest.mark.parametrize(\"xs\", [[1], [2, 4]])\ndef test_rows(xs):\n    assert heat(xs) > 1\n\n\ndef test_hottest():\n    assert hottest([3, 1, 2]) == 3\n    assert max(sorted([3, 1])) == 3\n    assert not swing([2, 2])\n    assert swing([1, 5])\n",
            ),
        ]);
        let probe = Probe {
            test: Some(("test_kiln.py".to_owned(), String::new())),
            modules: vec!["kiln".to_owned()],
            examples: vec![
                ("heat([2, 4])".to_owned(), "3.0".to_owned()),
                // A builtin's call states nothing about the code; a missing function is not
                // there to check; a value that is prose cannot be computed.
                ("str.strip()".to_owned(), "''".to_owned()),
                ("peak([1])".to_owned(), "1".to_owned()),
                ("heat([1, 2])".to_owned(), "1.5...".to_owned()),
                ("heat([1, 2])".to_owned(), "one_and_a_half".to_owned()),
                ("hottest([2, 9, 4])".to_owned(), "9".to_owned()),
                // A rule's call that should raise.
                ("heat([])".to_owned(), "raise:ZeroDivisionError".to_owned()),
                ("swing([1])".to_owned(), "raise:ValueError".to_owned()),
            ],
            ..Probe::default()
        };
        let seen = observed(dir.path(), &probe).await;
        assert_eq!(site(&seen, "L6").values, ["2"]);
        assert_eq!(site(&seen, "L6").held, [false]);
        assert_eq!(site(&seen, "L6").names, ["heat"]);
        assert_eq!(site(&seen, "L7").values, ["3"]);
        assert!(site(&seen, "L7").holds());
        assert_eq!(site(&seen, "L8").values, ["raise:ZeroDivisionError"]);
        assert!(site(&seen, "L8").holds());
        assert_eq!(site(&seen, "L10").values, ["raise:NameError"]);
        assert_eq!(site(&seen, "L15").values, ["1", "3"]);
        assert_eq!(site(&seen, "L15").held, [false, true]);
        assert!(site(&seen, "T0").holds());
        for unchecked in ["T1", "T2", "T3"] {
            assert!(
                !seen.sites.contains_key(unchecked),
                "{unchecked}: {seen:#?}"
            );
        }
        assert!(!site(&seen, "T4").expected);
        assert_eq!(site(&seen, "T6").values, ["raise:ZeroDivisionError"]);
        assert!(site(&seen, "T6").holds());
        assert_eq!(site(&seen, "T7").values, ["'no exception'"]);
        assert!(!site(&seen, "T7").holds() && site(&seen, "T7").expected);
        // What a call did to its arguments is part of what it gave, in the test and in the
        // task's examples; a call that copies leaves none.
        assert_eq!(
            site(&seen, "L19").values,
            ["3 [hottest changed argument 1 from [3, 1, 2] to [1, 2, 3]]"]
        );
        assert_eq!(site(&seen, "L19").changes, ["hottest"]);
        // A plain `assert` and an `assert not` give what their expression gave, not the truth
        // of the assert: else both would read `True`, whatever `swing` gave.
        assert_eq!(site(&seen, "L21").values, ["0"]);
        assert!(site(&seen, "L21").holds());
        assert_eq!(site(&seen, "L22").values, ["4"]);
        assert!(site(&seen, "L22").holds());
        assert!(site(&seen, "L19").holds());
        assert_eq!(site(&seen, "L20").values, ["3"]);
        assert!(site(&seen, "L20").changes.is_empty());
        assert_eq!(site(&seen, "T5").changes, ["hottest"]);
        assert!(site(&seen, "T5").holds());
        // What each site checks, written back alike: an `==`'s left side, a `raises` block's one
        // statement, an example's call; a comparison of another kind checks no one call.
        let call = |id: &str| site(&seen, id).call.clone();
        assert_eq!(call("L6").as_deref(), Some("heat([1, 3])"));
        assert_eq!(call("L8").as_deref(), Some("heat([])"));
        assert_eq!(call("L15"), None);
        assert_eq!(call("T0").as_deref(), Some("heat([2, 4])"));
        assert_eq!(call("T6"), call("L8"));
        assert_eq!(seen.error, None);
    }

    #[tokio::test]
    async fn a_call_with_literal_arguments_is_made_again_on_inputs_nightshift_varies() {
        let dir = tree(&[
            (
                "wordcount.py",
                "def count_word(text, word):\n    return text.count(word)\n\n\ndef first(xs):\n    return xs[0]\n",
            ),
            // A call with literal arguments, one with a name for an argument, one compared
            // otherwise than by `==`.
            (
                "test_wordcount.py",
                "from wordcount import count_word, first\n\nTEXT = \"a\"\n\n\ndef test_count_word():\n    assert count_word(\"a b\", \"a\") == 1\n    assert count_word(TEXT, \"a\") == 1\n    assert count_word(\"b\", \"a\") < 1\n",
            ),
        ]);
        let probe = Probe {
            test: Some(("test_wordcount.py".to_owned(), String::new())),
            modules: vec!["wordcount".to_owned()],
            examples: vec![("first([3, 4])".to_owned(), "3".to_owned())],
            ..Probe::default()
        };
        let seen = observed(dir.path(), &probe).await;
        assert_eq!(
            varied(&seen),
            [
                // One argument at a time: the text in upper case, twice over, its words longer;
                // then the word so.
                ("count_word('A B', 'a')", "0"),
                ("count_word('a b a b', 'a')", "2"),
                ("count_word('a b', 'A')", "0"),
                ("count_word('a b', 'a a')", "0"),
                ("count_word('a b', 'aa')", "0"),
                ("count_word('aa bb', 'a')", "2"),
                // A list reversed, and with its first item once more.
                ("first([3, 4, 3])", "3"),
                ("first([4, 3])", "4"),
            ]
        );
    }

    #[tokio::test]
    async fn a_call_through_its_module_is_named_and_varied_and_a_method_of_an_object_is_not_varied()
    {
        let dir = tree(&[
            (
                "tally.py",
                "def tally(words):\n    return {w: words.count(w) for w in words}\n\n\nclass Counter:\n    def __init__(self):\n        self.n = 0\n\n    def add(self, k):\n        self.n += k\n        return self.n\n",
            ),
            (
                "test_tally.py",
                "import tally\n\nCOUNTER = tally.Counter()\n\n\ndef check():\n    assert tally.tally([\"a\", \"b\"]) == {\"a\": 1, \"b\": 1}\n    assert COUNTER.add(2) == 2\n\n\ncheck()\n",
            ),
        ]);
        let probe = Probe {
            test: Some(("test_tally.py".to_owned(), String::new())),
            modules: vec!["tally".to_owned()],
            ..Probe::default()
        };
        let seen = observed(dir.path(), &probe).await;
        // The site names the function its module holds, though the module has its name.
        assert_eq!(site(&seen, "L7").names, ["tally"]);
        assert_eq!(site(&seen, "L8").names, ["add", "COUNTER"]);
        assert_eq!(
            varied(&seen),
            [
                ("tally.tally(['a', 'b', 'a'])", "{'a': 2, 'b': 1}"),
                ("tally.tally(['b', 'a'])", "{'a': 1, 'b': 1}"),
            ],
            "{seen:#?}"
        );
    }

    #[tokio::test]
    async fn a_unittest_tests_assert_methods_are_observed_as_asserts_are() {
        let dir = tree(&[
            (
                "kiln.py",
                "def heat(xs):\n    return sum(xs) / len(xs)\n\n\ndef cells(xs):\n    return [[x] for x in xs]\n\n\nclass Oven:\n    def __init__(self):\n        self.t = 0\n\n    def warm(self, n):\n        self.t += n\n        return self.t\n",
            ),
            // A test class of unittest's: a `setUp` its tests rely on, assert methods of each
            // kind (a message, `places`, `delta`), a name the code lacks, an exception expected
            // by a call and by a block.
            (
                "test_kiln.py",
                "import unittest\nfrom kiln import heat, cells, Oven, peak\n\n\nclass TestKiln(unittest.TestCase):\n    def setUp(self):\n        self.oven = Oven()\n\n    def test_heat(self):\n        self.assertEqual(heat([1, 3]), 3)\n        self.assertEqual(heat([2, 4]), 3, \"the mean\")\n        self.assertAlmostEqual(heat([1, 2]), 1.5000000001)\n        self.assertAlmostEqual(heat([1, 2]), 1.6, delta=0.2)\n        self.assertAlmostEqual(heat([1, 2]), 1.6, 1)\n        self.assertRaises(ZeroDivisionError, heat, [])\n        with self.assertRaises(ValueError):\n            heat([])\n        self.assertTrue(heat([1]) == 1)\n        self.assertIsNone(heat([1]))\n        self.assertCountEqual(cells([2, 1]), [[1], [2]])\n        self.assertEqual(peak([1]), 1)\n\n    def test_oven(self):\n        self.assertEqual(self.oven.warm(2), 2)\n        self.assertGreater(self.oven.warm(3), 4)\n\n\nclass TestPlain:\n    def test_swing(self):\n        assert heat([4]) == 4\n",
            ),
        ]);
        let probe = Probe {
            test: Some(("test_kiln.py".to_owned(), String::new())),
            modules: vec!["kiln".to_owned()],
            ..Probe::default()
        };
        let seen = observed(dir.path(), &probe).await;
        let sites: [(&str, &str, bool); 14] = [
            ("L10", "2", false),
            ("L11", "3", true),
            ("L12", "1.5", true),
            ("L13", "1.5", true),
            ("L14", "1.5", false),
            ("L15", "raise:ZeroDivisionError", true),
            ("L16", "raise:ZeroDivisionError", false),
            ("L18", "True", true),
            ("L19", "1", false),
            ("L20", "[[2], [1]]", true),
            ("L21", "raise:NameError", false),
            // `setUp` ran before the test: the oven is there, and new.
            ("L24", "2", true),
            ("L25", "5", true),
            // A plain `assert` in a test class's method.
            ("L30", "4", true),
        ];
        for (id, value, held) in sites {
            assert_eq!(site(&seen, id).values, [value], "{id}");
            assert_eq!(site(&seen, id).held, [held], "{id}");
        }
        assert_eq!(site(&seen, "L10").names, ["heat"]);
        let call = |id: &str| site(&seen, id).call.clone();
        assert_eq!(call("L10").as_deref(), Some("heat([1, 3])"));
        assert_eq!(call("L15").as_deref(), Some("heat([])"));
        assert_eq!(call("L20").as_deref(), Some("cells([2, 1])"));
        assert_eq!(call("L18"), None);
        assert!(site(&seen, "F:TestKiln.test_oven").holds());
        assert_eq!(seen.error, None);
    }

    #[tokio::test]
    async fn a_tests_pytest_fixtures_are_made_for_each_of_its_tests() {
        let dir = tree(&[
            (
                "shelf.py",
                "class Shelf:\n    def __init__(self, books=()):\n        self.books = list(books)\n\n    def count(self):\n        return len(self.books)\n",
            ),
            // Fixtures that take fixtures, one that yields and then tidies, one every test uses,
            // a parametrized test beside a fixture, `tmp_path`, and a fixture nothing makes.
            (
                "test_shelf.py",
                "import pytest\nfrom shelf import Shelf\n\nLOG = []\n\n\n@pytest.fixture\ndef titles():\n    return [\"a\", \"b\"]\n\n\n@pytest.fixture()\ndef shelf(titles):\n    yield Shelf(titles)\n    LOG.append(\"tidied\")\n\n\n@pytest.fixture(autouse=True)\ndef note():\n    LOG.append(\"note\")\n\n\ndef test_count(shelf, tmp_path):\n    assert shelf.count() == 2\n    assert tmp_path.is_dir()\n\n\n@pytest.mark.parametrize(\"n\", [1, 3])\ndef test_more(shelf, n):\n    assert Shelf([\"x\"] * n).count() == n\n\n\ndef test_unknown(capsys):\n    assert Shelf().count() == 0\n\n\ndef test_log():\n    assert LOG[:4] == [\"note\", \"tidied\", \"note\", \"tidied\"]\n",
            ),
        ]);
        let probe = Probe {
            test: Some(("test_shelf.py".to_owned(), String::new())),
            modules: vec!["shelf".to_owned()],
            ..Probe::default()
        };
        let seen = observed(dir.path(), &probe).await;
        assert_eq!(site(&seen, "L24").values, ["2"]);
        assert!(site(&seen, "L24").holds());
        assert!(site(&seen, "L25").holds());
        assert_eq!(site(&seen, "L30").values, ["1", "3"]);
        assert!(site(&seen, "L30").holds());
        assert!(site(&seen, "F:test_more").holds());
        // A fixture of pytest's own that nothing here makes: the test cannot run.
        assert_eq!(site(&seen, "F:test_unknown").values, ["raise:LookupError"]);
        assert!(site(&seen, "L38").holds());
        // A fixture is no test of its own.
        assert!(!seen.sites.contains_key("F:titles"));
        assert_eq!(seen.error, None);
    }

    #[tokio::test]
    async fn code_that_fails_to_load_is_told_by_the_exception_it_raised() {
        let dir = tree(&[
            ("dial.py", "1 / 0\n\n\ndef turn(x):\n    return x\n"),
            (
                "test_dial.py",
                "from dial import turn\n\n\ndef test_turn():\n    assert turn(1) == 1\n",
            ),
        ]);
        let probe = Probe {
            test: Some(("test_dial.py".to_owned(), String::new())),
            modules: vec!["dial".to_owned()],
            ..Probe::default()
        };
        let seen = observed(dir.path(), &probe).await;
        assert_eq!(
            seen.error.as_deref(),
            Some("the test could not be loaded: ZeroDivisionError"),
            "{seen:#?}"
        );
    }

    #[tokio::test]
    async fn a_javascript_tests_asserts_are_observed_as_pythons_are() {
        let dir = tree(&[(
            "src/kiln.js",
            "export function heat(xs) {\n  return xs.reduce((a, b) => a + b, 0) / xs.length;\n}\n\nexport const swing = (xs) => Math.max(...xs) - Math.min(...xs);\n",
        )]);
        std::fs::create_dir_all(dir.path().join("test")).unwrap();
        // The test imports a name the code lacks and a hook of the runner under another name,
        // asserts a wrong value, expects an exception, awaits, and has a case that throws
        // outside any assert.
        let test = "import { test, describe, it, beforeEach as each } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { heat, swing, peak } from '../src/kiln.js';\n\ntest('heat', async () => {\n  assert.strictEqual(heat([1, 3]), 3);\n  const range = swing([1, 4]);\n  assert.equal(range, 3);\n  assert.throws(() => peak([]), TypeError);\n  assert.strictEqual(await Promise.resolve(heat([2])), 2);\n  assert.deepStrictEqual(peak([1]), 1);\n});\n\ndescribe('kiln', () => {\n  each(() => {});\n  it('breaks', () => {\n    throw new RangeError('no');\n  });\n});\n";
        let probe = Probe {
            language: Observer::JavaScript,
            test: Some(("test/kiln.test.js".to_owned(), test.to_owned())),
            modules: vec!["src/kiln.js".to_owned()],
            examples: vec![
                ("heat([2, 4])".to_owned(), "3".to_owned()),
                ("swing([1, 9])".to_owned(), "7".to_owned()),
                ("peak([1])".to_owned(), "1".to_owned()),
                // A signature, not an example: its argument names nothing that exists.
                ("heat(readings)".to_owned(), "0".to_owned()),
            ],
            replay: Vec::new(),
        };
        let seen = observed(dir.path(), &probe).await;
        assert_eq!(site(&seen, "L6").values, ["2"]);
        assert_eq!(site(&seen, "L6").held, [false]);
        assert_eq!(site(&seen, "L6").names, ["heat"]);
        assert_eq!(site(&seen, "L8").values, ["3"]);
        assert!(site(&seen, "L8").holds());
        assert_eq!(site(&seen, "L8").names, ["range", "swing"]);
        assert_eq!(site(&seen, "L9").values, ["raise:TypeError"]);
        assert!(site(&seen, "L9").holds());
        assert_eq!(site(&seen, "L10").values, ["2"]);
        assert!(site(&seen, "L10").holds());
        assert_eq!(site(&seen, "L11").values, ["raise:TypeError"]);
        assert!(!site(&seen, "L11").holds());
        assert!(site(&seen, "F:heat").holds());
        assert_eq!(site(&seen, "F:kiln > breaks").values, ["raise:RangeError"]);
        assert!(site(&seen, "T0").holds());
        assert_eq!(site(&seen, "T1").values, ["8"]);
        assert!(!site(&seen, "T1").holds());
        for unchecked in ["T2", "T3"] {
            assert!(!seen.sites.contains_key(unchecked), "{seen:#?}");
        }
        assert_eq!(seen.error, None);
        // The expression each site checks, written one way; a site of another kind checks none.
        let call = |id: &str| site(&seen, id).call.clone();
        assert_eq!(call("L6").as_deref(), Some("heat([1,3])"));
        assert_eq!(call("L8").as_deref(), Some("range"));
        assert_eq!(call("L9").as_deref(), Some("peak([])"));
        assert_eq!(call("L10").as_deref(), Some("Promise.resolve(heat([2]))"));
        assert_eq!(call("T0").as_deref(), Some("heat([2,4])"));
        assert_eq!(call("F:heat"), None);
        // The calls with literal arguments of what the task's modules export, the test's and
        // the examples', made again on varied inputs (an array reversed, with an item more).
        assert_eq!(
            varied(&seen),
            [
                ("heat([1,3,1])", "1.66666667"),
                ("heat([2,4,2])", "2.66666667"),
                ("heat([3,1])", "2"),
                ("heat([4,2])", "3"),
                ("swing([1,9,1])", "8"),
                ("swing([9,1])", "8"),
            ]
        );
    }

    #[tokio::test]
    async fn a_javascript_assert_that_a_tasks_example_shows_wrong_is_found_as_a_pythons_is() {
        let dir = tree(&[(
            "src/till.js",
            "export function change(paid, price) {\n  return Math.round((paid - price) * 100) / 100;\n}\n",
        )]);
        std::fs::create_dir_all(dir.path().join("test")).unwrap();
        // The test's first assert checks the task's example's call, spaced and quoted otherwise,
        // and expects another value; its second checks another call.
        let test = "import assert from 'node:assert/strict';\nimport { change } from '../src/till.js';\n\nassert.strictEqual(change( 5, 3.25 ), 1.5);\nassert.strictEqual(change(2, 2), 0);\n";
        let probe = Probe {
            language: Observer::JavaScript,
            test: Some(("test/till.test.js".to_owned(), test.to_owned())),
            modules: vec!["src/till.js".to_owned()],
            examples: vec![("change(5, 3.25)".to_owned(), "1.75".to_owned())],
            replay: Vec::new(),
        };
        let mut seen = observed(dir.path(), &probe).await;
        assert!(site(&seen, "T0").holds(), "{seen:#?}");
        assert!(!site(&seen, "L4").holds(), "{seen:#?}");
        let found = crate::select::without_contradicted_asserts(&mut seen, &mut []);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            (found[0].assert.as_str(), found[0].example.as_str()),
            ("L4", "T0")
        );
        assert!(!seen.sites.contains_key("L4"));
        assert!(seen.sites.contains_key("L5"));
    }
    #[tokio::test]
    async fn the_data_a_repositorys_tests_give_its_code_is_made_again_on_an_answer() {
        // The code reads rows, a class's constructor from them, and counts them on an object;
        // its test calls the class's, which calls the function.
        let code = "def row_item(row):\n    return (row[\"name\"], row.get(\"qty\", 1))\n\n\nclass Shelf:\n    @classmethod\n    def from_rows(cls, rows):\n        return [row_item(row) for row in rows]\n\n    def count(self, rows):\n        return len(rows)\n";
        let dir = tree(&[
            ("stock/__init__.py", ""),
            ("stock/rows.py", code),
            (
                "tests/test_rows.py",
                "from stock.rows import Shelf\n\n\ndef test_rows():\n    assert Shelf.from_rows([{\"name\": \"bolt\", \"qty\": 3}]) == [(\"bolt\", 3)]\n    assert Shelf().count([1]) == 1\n",
            ),
        ]);
        let tests = ["tests/test_rows.py".to_owned()];
        let recorded = record(
            &sandbox().await,
            "python3",
            dir.path(),
            &tests,
            Duration::from_secs(60),
        )
        .await
        .unwrap();
        let call = |module: &str, name: &str, arguments: &str| {
            [module.to_owned(), name.to_owned(), arguments.to_owned()]
        };
        // Each call as made, through the class or not, then with a key left out (out of each
        // dict of a list); never a method of an object, whose state is not data.
        assert_eq!(
            recorded,
            [
                call(
                    "stock.rows",
                    "Shelf.from_rows",
                    "[[{'name': 'bolt', 'qty': 3}]]"
                ),
                call("stock.rows", "row_item", "[{'name': 'bolt', 'qty': 3}]"),
                call("stock.rows", "Shelf.from_rows", "[[{'qty': 3}]]"),
                call("stock.rows", "Shelf.from_rows", "[[{'name': 'bolt'}]]"),
                call("stock.rows", "row_item", "[{'qty': 3}]"),
                call("stock.rows", "row_item", "[{'name': 'bolt'}]"),
            ]
        );
        let probe = Probe {
            modules: vec!["stock.rows".to_owned()],
            replay: recorded,
            ..Probe::default()
        };
        let before = observed(dir.path(), &probe).await;
        // An answer that reads the key the code gave a default.
        put(
            dir.path(),
            &[(
                "stock/rows.py",
                &code.replace("row.get(\"qty\", 1)", "row[\"qty\"]"),
            )],
        );
        let after = observed(dir.path(), &probe).await;
        let replayed = |seen: &Behaviour, call: &str| seen.replayed[call].clone();
        assert_eq!(
            replayed(&before, "stock.rows.row_item({'name': 'bolt'})"),
            "('bolt', 1)"
        );
        assert_eq!(
            replayed(&after, "stock.rows.row_item({'name': 'bolt'})"),
            "raise:KeyError"
        );
        let missing_name = "stock.rows.Shelf.from_rows([{'qty': 3}])";
        assert_eq!(replayed(&before, missing_name), "raise:KeyError");
        assert_eq!(
            replayed(
                &after,
                "stock.rows.Shelf.from_rows([{'name': 'bolt', 'qty': 3}])"
            ),
            "[('bolt', 3)]"
        );
        assert_eq!(after.replayed.len(), 6, "{after:#?}");
    }
}
