//! How well tests written for a task check the code: nightshift plants simple mutants in the
//! code the task names (an operator flipped, a constant moved by one, a condition negated, a
//! branch or a `raise` dropped, a returned value replaced) and runs the tests on each, in the
//! sandbox, on a private copy of the repository. Tests that pass on the code and on most of its
//! mutants check little: their count of killed mutants is evidence the model cannot write
//! itself, which its own asserts are not. A value the task states (`90 is an "A"`) is one the
//! tests must pin: a mutant that moves it, or flips a comparison against it, must be killed.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use nightshift_sandbox::Sandbox;
use serde::Deserialize;

/// The mutation runner, run with `python -c`: nothing of it is written into the worktree.
const RUNNER: &str = include_str!("mutants.py");

/// Mutants tried per candidate, at most (spread evenly over the code when there are more).
pub const MAX_MUTANTS: usize = 30;

/// One run of one test command, at most, before the mutant counts as killed (it hung).
const RUN_SECONDS: u64 = 10;

/// One mutant and what the tests did with it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Mutant {
    /// `path:line`.
    pub at: String,
    /// What changed: `` `<` → `<=` ``, `branch dropped`.
    pub change: String,
    /// The function (or method) it is in.
    #[serde(default)]
    pub function: String,
    /// Whether the task names that function (where it names none, every function is mutated).
    #[serde(default)]
    pub named: bool,
    /// Whether it moves a number the task's text states, or flips a comparison against one.
    #[serde(default)]
    pub stated: bool,
    /// Whether the tests failed on it.
    pub killed: bool,
}

/// The mutants of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Score {
    /// Each mutant tried.
    pub mutants: Vec<Mutant>,
    /// Why nothing could be tried (the tests fail on the code as it is).
    pub error: Option<String>,
}

impl Score {
    /// How many mutants the tests killed.
    pub fn killed(&self) -> usize {
        self.mutants.iter().filter(|m| m.killed).count()
    }

    /// Whether the tests kill three in four of the mutants at least (the rest may be
    /// equivalent to the code), one at least, one at least of every function the task names
    /// ([`Self::unchecked`]), and every one that moves a value the task states
    /// ([`Self::unpinned`]).
    pub fn enough(&self) -> bool {
        self.error.is_none()
            && self.killed() > 0
            && self.killed() * 4 >= self.mutants.len() * 3
            && self.unchecked().is_empty()
            && self.unpinned().is_empty()
    }

    /// The mutants that moved a value the task states (or flipped a comparison against one) and
    /// survived, `path:line: change` each: the task spells those values out, and tests that pass
    /// with one moved do not check what it says. A moved constant is seldom equivalent to it.
    pub fn unpinned(&self) -> Vec<String> {
        self.mutants
            .iter()
            .filter(|m| m.stated && !m.killed)
            .map(|m| format!("{}: {}", m.at, m.change))
            .collect()
    }

    /// The functions the task names of which the tests let every mutant through: tests asked
    /// for what the task names check nothing of them, however many mutants of the others they
    /// kill (a function's mutants are seldom all equivalent to it).
    pub fn unchecked(&self) -> Vec<&str> {
        let named = || self.mutants.iter().filter(|m| m.named);
        let checked: BTreeSet<&str> = named()
            .filter(|m| m.killed)
            .map(|m| m.function.as_str())
            .collect();
        let all: BTreeSet<&str> = named().map(|m| m.function.as_str()).collect();
        all.difference(&checked).copied().collect()
    }

    /// The mutants that survived, `path:line: change` each, the first `at_most`: those that
    /// moved a value the task states first.
    pub fn survivors(&self, at_most: usize) -> Vec<String> {
        let survived = || self.mutants.iter().filter(|m| !m.killed);
        survived()
            .filter(|m| m.stated)
            .chain(survived().filter(|m| !m.stated))
            .take(at_most)
            .map(|m| format!("{}: {}", m.at, m.change))
            .collect()
    }
}

/// Runs `tests` (paths relative to `root`) with pytest on mutants of `code` — the functions
/// `task` names, or all of them — in the sandbox, within `limit`. `Ok(None)`: the run told
/// nothing (killed, or out of time as a whole).
pub async fn score(
    sandbox: &Sandbox,
    python: &str,
    root: &Path,
    code: &[String],
    tests: &[String],
    task: &str,
    limit: Duration,
) -> std::io::Result<Option<Score>> {
    let spec = serde_json::json!({
        "code": code,
        "tests": tests,
        "task": task,
        "max": MAX_MUTANTS,
        "seconds": RUN_SECONDS,
    });
    crate::observe::run_harness(sandbox, &[python, "-B", "-c"], root, RUNNER, &spec, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{sandbox, tree};

    /// The score of `test` on the mutants of `code` (both paths under `root`).
    async fn scored(sandbox: &Sandbox, root: &Path, code: &str, test: &str, task: &str) -> Score {
        score(
            sandbox,
            "python3",
            root,
            &[code.to_owned()],
            &[test.to_owned()],
            task,
            Duration::from_secs(300),
        )
        .await
        .unwrap()
        .expect("the runner reports")
    }

    fn mutant(function: &str, named: bool, killed: bool) -> Mutant {
        Mutant {
            at: "ledger.py:1".to_owned(),
            change: "returns None".to_owned(),
            function: function.to_owned(),
            named,
            stated: false,
            killed,
        }
    }

    #[test]
    fn tests_that_let_every_mutant_of_a_named_function_through_are_not_enough() {
        let mut score = Score {
            mutants: [true; 9]
                .iter()
                .map(|&killed| mutant("post", true, killed))
                .chain([mutant("balance", true, false)])
                .collect(),
            error: None,
        };
        // Nine in ten killed, but none of `balance`'s.
        assert_eq!(score.unchecked(), ["balance"]);
        assert!(!score.enough());
        score.mutants.push(mutant("balance", true, true));
        assert!(score.unchecked().is_empty());
        assert!(score.enough());
        // Where the task names no function, every one is mutated, and none is held to this.
        let unnamed = Score {
            mutants: [true; 9]
                .iter()
                .map(|&killed| mutant("post", false, killed))
                .chain([mutant("helper", false, false)])
                .collect(),
            error: None,
        };
        assert!(unnamed.unchecked().is_empty());
        assert!(unnamed.enough());
    }

    #[test]
    fn a_surviving_mutant_of_a_stated_value_makes_tests_not_enough_and_is_told_first() {
        let moved = |killed| Mutant {
            at: "fees.py:4".to_owned(),
            change: "`20` → `21`".to_owned(),
            stated: true,
            ..mutant("fee", true, killed)
        };
        let mut score = Score {
            mutants: [true; 9]
                .iter()
                .map(|&killed| mutant("fee", true, killed))
                .chain([mutant("fee", true, false), moved(false)])
                .collect(),
            error: None,
        };
        // Nine in eleven killed, every function checked: enough but for the stated value.
        assert!(score.unchecked().is_empty());
        assert_eq!(score.unpinned(), ["fees.py:4: `20` → `21`"]);
        assert!(!score.enough());
        assert_eq!(score.survivors(1), ["fees.py:4: `20` → `21`"]);
        score.mutants.pop();
        score.mutants.push(moved(true));
        assert!(score.unpinned().is_empty());
        assert!(score.enough());
    }

    #[tokio::test]
    async fn tests_that_skip_a_boundary_the_task_states_leave_its_mutants_alive() {
        let code = "def shipping_fee(weight):\n    if weight <= 0:\n        raise ValueError('no weight')\n    if weight > 20:\n        return 15\n    return 5\n";
        let cases = "from shipping import shipping_fee\nimport pytest\n\n\ndef test_fees():\n    assert shipping_fee(30) == 15\n    assert shipping_fee(3) == 5\n    assert shipping_fee(1) == 5\n    with pytest.raises(ValueError):\n        shipping_fee(0)\n    with pytest.raises(ValueError):\n        shipping_fee(-5)\n";
        let dir = tree(&[
            ("shipping.py", code),
            ("test_inside.py", cases),
            (
                "test_edges.py",
                &format!(
                    "{cases}\n\ndef test_edge():\n    assert shipping_fee(20) == 5\n    assert shipping_fee(21) == 15\n"
                ),
            ),
        ]);
        let sandbox = sandbox().await;
        let task = "Write pytest tests for `shipping_fee(weight)` in shipping.py: a parcel over 20 kg \
                    costs 15, any other 5, and a weight of 0 or less raises ValueError (Python 3.11).";
        let run = |test| scored(&sandbox, dir.path(), "shipping.py", test, task);
        let inside = run("test_inside.py").await;
        // Three in four killed and more: only the stated boundary at 20 is left unchecked.
        assert!(
            inside.killed() * 4 >= inside.mutants.len() * 3,
            "{inside:#?}"
        );
        let mut unpinned = inside.unpinned();
        unpinned.sort();
        assert_eq!(
            unpinned,
            [
                "shipping.py:4: `20` → `19`",
                "shipping.py:4: `20` → `21`",
                "shipping.py:4: `>` → `>=`",
            ],
            "{inside:#?}"
        );
        assert!(!inside.enough());
        // `3.11` is a version, not a value the task states: nothing moving 3 or 11 is stated.
        assert!(
            inside.mutants.iter().filter(|m| m.stated).all(|m| [
                "`0`", "`20`", "`15`", "`5`", "`<=`", "`>`"
            ]
            .iter()
            .any(|v| m.change.starts_with(v))),
            "{inside:#?}"
        );
        let edges = run("test_edges.py").await;
        assert!(edges.unpinned().is_empty(), "{edges:#?}");
        assert!(edges.enough(), "{edges:#?}");
    }

    #[tokio::test]
    async fn tests_that_check_more_kill_more_mutants_and_the_code_is_left_as_it_was() {
        let code = "def setpoint(temp, coldest, hottest):\n    if temp < coldest:\n        return coldest\n    if temp > hottest:\n        return hottest\n    return temp\n\n\ndef unrelated(a):\n    return a + 1\n";
        let dir = tree(&[
            ("thermostat.py", code),
            (
                "test_weak.py",
                "from thermostat import setpoint\n\n\ndef test_inside():\n    assert setpoint(21, 16, 26) == 21\n",
            ),
            (
                "test_strong.py",
                "from thermostat import setpoint\n\n\ndef test_all():\n    assert setpoint(21, 16, 26) == 21\n    assert setpoint(12, 16, 26) == 16\n    assert setpoint(30, 16, 26) == 26\n    assert setpoint(16, 16, 26) == 16\n    assert setpoint(26, 16, 26) == 26\n",
            ),
            (
                "test_broken.py",
                "from thermostat import setpoint\n\n\ndef test_wrong():\n    assert setpoint(21, 16, 26) == 22\n",
            ),
        ]);
        let sandbox = sandbox().await;
        let task = "Write tests for `setpoint(temp, coldest, hottest)` in thermostat.py.";
        let run = |test| scored(&sandbox, dir.path(), "thermostat.py", test, task);
        let weak = run("test_weak.py").await;
        let strong = run("test_strong.py").await;
        // Only setpoint is mutated: the task names it, not `unrelated`.
        assert!(
            weak.mutants
                .iter()
                .all(|m| m.at.starts_with("thermostat.py:")
                    && m.at["thermostat.py:".len()..].parse::<u32>().unwrap() <= 6),
            "{weak:#?}"
        );
        assert!(weak.mutants.len() >= 8, "{weak:#?}");
        assert!(
            weak.mutants
                .iter()
                .all(|m| m.function == "setpoint" && m.named),
            "{weak:#?}"
        );
        assert!(strong.killed() > weak.killed(), "{weak:#?}\n{strong:#?}");
        assert!(strong.enough(), "{strong:#?}");
        assert!(!weak.enough(), "{weak:#?}");
        assert!(!weak.survivors(3).is_empty());
        let broken = run("test_broken.py").await;
        assert!(
            broken
                .error
                .as_deref()
                .is_some_and(|e| e.starts_with("the tests fail on the code as it is")),
            "{broken:#?}"
        );
        assert!(!broken.enough());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("thermostat.py")).unwrap(),
            code
        );
    }
}
