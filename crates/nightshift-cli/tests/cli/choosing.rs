//! Choosing among several answers to one prompt by how they behave: each scenario is a
//! repository, a task, the answers a scripted model gives (one per candidate, told apart by the
//! seed each request carries, since the candidates are asked for at once: `asked_for`), the test
//! it writes for the task, and what must land.

use std::time::Duration;

use super::helpers::{TestRepo, fake_openai_with, git_out, sse_reply};

/// Points `repo` at a model that answers a code request with `answers[i]` for candidate `i` and
/// a request for a test with `test`; queues `task` and works it off with `answers.len()`
/// candidates and no second round. The task's final state.
fn choose_among(
    repo: &mut TestRepo,
    answers: &[&str],
    test: &str,
    task: &str,
) -> serde_json::Value {
    let answers: Vec<String> = answers.iter().map(|a| (*a).to_owned()).collect();
    let count = answers.len();
    let answer = move |_round: u32, index: usize| answers[index].clone();
    let test = test.to_owned();
    work_off(repo, answer, count, 0, move |_| test.clone(), task)
}

/// The round of the first attempt and the candidate a request asked with `seed` is for: the
/// candidates of a round are asked for at once, each with a seed of its own.
fn asked_for(seed: u64) -> (u32, usize) {
    (1..=8)
        .flat_map(|round| (0..8).map(move |index| (round, index)))
        .find(|&(round, index)| {
            u64::from(nightshift_agent::answer_seed(0, 1, round, index as u32)) == seed
        })
        .unwrap_or_else(|| panic!("no candidate of the first attempt is asked with seed {seed}"))
}

/// Points `repo` at a model that answers a code request for candidate `i` of round `r` with
/// `answer(r, i)` and its `n`th request for a test (from 0) with `test(n)`; queues `task` and
/// works it off with `candidates` answers a round and `repair_rounds` more rounds. The task's
/// final state.
fn work_off(
    repo: &mut TestRepo,
    answer: impl Fn(u32, usize) -> String + Send + Sync + 'static,
    candidates: usize,
    repair_rounds: u32,
    test: impl Fn(usize) -> String + Send + Sync + 'static,
    task: &str,
) -> serde_json::Value {
    let tests_asked = std::sync::atomic::AtomicUsize::new(0);
    let url = fake_openai_with(move |body| {
        let request: serde_json::Value = serde_json::from_str(body).unwrap();
        let asks_for_test = request["messages"].as_array().unwrap().iter().any(|m| {
            m["content"]
                .as_str()
                .unwrap_or("")
                .contains("Write a short test file")
        });
        if asks_for_test {
            let n = tests_asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            return Some(sse_reply(&test(n)));
        }
        let (round, index) = asked_for(request["seed"].as_u64().unwrap_or(0));
        Some(sse_reply(&answer(round, index)))
    });
    repo.use_fake_model(&url, "scripted");
    repo.set("MAX_RETRIES", "0");
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", &repair_rounds.to_string());
    repo.set("NIGHTSHIFT_CANDIDATES", &candidates.to_string());
    repo.ok(&["add", task]);
    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(120));
    let log = daemon.stop();
    assert_eq!(tasks.len(), 1, "{log}");
    tasks[0].clone()
}

/// Asserts that `task` failed with every one of `reasons` in its last error, and landed nothing.
fn refused(repo: &TestRepo, task: &serde_json::Value, reasons: &[&str]) {
    let logs = || repo.ok(&["logs", "--task", "1", "--full"]);
    assert_eq!(task["status"], "failed", "{}", logs());
    let error = task["last_error"].as_str().unwrap_or_default();
    for reason in reasons {
        assert!(error.contains(reason), "{reason:?} not in: {error}");
    }
    assert!(repo.commits_of(1).is_empty());
}

const ADD_TASK: &str = "Create calc.py with a function add(a, b) that returns the sum of a and b.";

/// Answers to [`ADD_TASK`]: the greedy one multiplies (and gives 6 for `add(2, 3)`), the two
/// sampled ones add, each its own way.
const ADD_ANSWERS: [&str; 3] = [
    "```python calc.py\ndef add(a, b):\n    return a * b + (a == 0) * b\n```",
    "```python calc.py\ndef add(a, b):\n    return a + b\n```",
    "```python calc.py\ndef add(a, b):\n    return sum((a, b))\n```",
];

/// [`ADD_ANSWERS`] chosen among with `test` written for the task; asserts the second one landed.
/// The repository, and the log's line on the answer chosen.
fn add_chosen_with(test: &str) -> (TestRepo, String) {
    let mut repo = TestRepo::new();
    let task = choose_among(&mut repo, &ADD_ANSWERS, test, ADD_TASK);
    assert_eq!(task["status"], "succeeded", "{task:#}");
    assert_eq!(
        git_out(repo.path(), &["show", "main:calc.py"]),
        "def add(a, b):\n    return a + b\n"
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    let chosen = logs
        .lines()
        .find(|line| line.contains("chosen:"))
        .unwrap_or_else(|| panic!("no answer chosen: {logs}"))
        .to_owned();
    (repo, chosen)
}

#[test]
fn the_answer_most_candidates_agree_on_lands_over_one_that_matches_a_wrong_assert() {
    // The greedy answer happens to match the test's wrong expectation of add(2, 3); the two
    // sampled answers agree with each other.
    let test = "```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 6\n    assert add(0, 4) == 4\n```";
    let (repo, chosen) = add_chosen_with(test);
    assert!(
        chosen.contains("candidate 1 chosen: 2 of 3 candidates left behave alike"),
        "{chosen}"
    );
    // The test's wrong assert fails on what landed: the test is left out, not trimmed.
    let tree = git_out(repo.path(), &["ls-tree", "-r", "--name-only", "main"]);
    assert_eq!(tree.trim(), "calc.py");
    let shown = repo.show(1);
    let purposes = super::helpers::purposes(&shown);
    // One request for the three answers, one for the test.
    assert_eq!(purposes, ["code", "test"]);
}

#[test]
fn a_unittest_style_test_for_the_task_is_observed_assert_by_assert() {
    // The test written for the task is a unittest class whose asserts are methods, and whose
    // `setUp` its test relies on.
    let test = "```python test_calc.py\nimport unittest\n\nfrom calc import add\n\n\nclass TestAdd(unittest.TestCase):\n    def setUp(self):\n        self.left = 2\n\n    def test_add(self):\n        self.assertEqual(add(self.left, 3), 5)\n        self.assertEqual(add(0, 4), 4)\n        self.assertTrue(add(1, 1) == 2)\n```";
    let (repo, chosen) = add_chosen_with(test);
    // Each assert method is a check of its own, beside the test method as a whole.
    assert!(
        chosen.contains("candidate 1 chosen: 2 of 3 candidates left behave alike on all 4 checks"),
        "{chosen}"
    );
    // The test passes on what landed, and lands with it.
    let tree = git_out(repo.path(), &["ls-tree", "-r", "--name-only", "main"]);
    assert_eq!(tree.trim(), "calc.py\ntest_calc.py");
}

#[test]
fn an_answer_that_changes_what_a_function_the_task_does_not_touch_gives_is_refused() {
    let mut repo = TestRepo::new();
    let mirror = "def mirror(s):\n    return s[::-1]\n";
    repo.user_commit(&[("cipher.py", mirror)], "cipher");
    let paired = "\n\ndef has_double(s):\n    return any(a == b for a, b in zip(s.lower(), s.lower()[1:]))\n";
    // The greedy answer "simplifies" mirror on the way; the two sampled ones leave it alone
    // (and, alike, vouch for each other).
    let breaks =
        format!("```python cipher.py\ndef mirror(s):\n    return ''.join(sorted(s))\n{paired}```");
    let keeps = format!("```python cipher.py\n{mirror}{paired}```");
    // The test's expectation of mirror is wrong, and the greedy answer's change happens to
    // match it: it holds more asserts, and is still refused.
    let test = "```python test_cipher.py\nfrom cipher import has_double, mirror\n\n\ndef test_has_double():\n    assert has_double(\"JaZz\")\n    assert not has_double(\"abc\")\n    assert mirror(\"cab\") == \"abc\"\n```";
    let task = choose_among(
        &mut repo,
        &[&breaks, &keeps, &keeps],
        test,
        "Add has_double(s) to cipher.py: true when s has the same letter twice in a row, ignoring case.",
    );
    assert_eq!(task["status"], "succeeded", "{task:#}");
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(
        git_out(repo.path(), &["show", "main:cipher.py"]),
        format!("{mirror}{paired}"),
        "{logs}"
    );
    assert!(
        logs.contains(
            "candidate 0 refused: it changes what the test's line 7 gave on the code as it was \
             ('bac' → 'abc'), where the task touches none of mirror"
        ),
        "{logs}"
    );
}

#[test]
fn a_new_function_that_copies_the_body_of_one_the_file_has_does_not_land() {
    let crates = "def heaviest(crates):\n    \"\"\"The heaviest (weight, label) pair.\"\"\"\n    best = None\n    for weight, label in crates:\n        if best is None or weight > best[0]:\n            best = (weight, label)\n    return best\n";
    let task = "Add `lightest(crates)` to `hold.py`: the (weight, label) pair of least weight, \
                the first one when several weigh the same, or None for no crates.";
    // Two answers alike write `heaviest` again under the new name, and the model's test, with
    // one crate, cannot tell them from a right answer.
    let copy = format!(
        "```python hold.py\n{crates}\n\ndef lightest(crates):\n    best = None\n    for weight, label in crates:\n        if best is None or weight > best[0]:\n            best = (weight, label)\n    return best\n```"
    );
    let right = format!(
        "```python hold.py\n{crates}\n\ndef lightest(crates):\n    best = None\n    for weight, label in crates:\n        if best is None or weight < best[0]:\n            best = (weight, label)\n    return best\n```"
    );
    let test = "```python test_hold.py\nfrom hold import lightest\n\n\ndef test_lightest():\n    assert lightest([(3, \"tea\")]) == (3, \"tea\")\n    assert lightest([]) is None\n```";
    let mut repo = TestRepo::new();
    repo.user_commit(&[("hold.py", crates)], "hold");
    let copied = choose_among(&mut repo, &[&copy, &copy], test, task);
    refused(
        &repo,
        &copied,
        &["hold.py: `lightest` is a copy of `heaviest`, which the file already has"],
    );
    // Beside two written for the task, the copy is refused and they land.
    let mut again = TestRepo::new();
    again.user_commit(&[("hold.py", crates)], "hold");
    let chosen = choose_among(&mut again, &[&copy, &right, &right], test, task);
    let logs = again.ok(&["logs", "--task", "1", "--full"]);
    assert_eq!(chosen["status"], "succeeded", "{logs}");
    assert!(
        git_out(again.path(), &["show", "main:hold.py"]).contains("weight < best[0]"),
        "{logs}"
    );
    assert!(
        logs.contains("no-copied-definitions: refused: the change does not do what the task asks:\nhold.py: `lightest` is a copy"),
        "{logs}"
    );
}

#[test]
fn without_a_check_that_holds_on_it_and_not_before_nothing_lands() {
    let mut repo = TestRepo::new();
    let wrong = "```python calc.py\ndef add(a, b):\n    return a - b\n```";
    let also_wrong = "```python calc.py\ndef add(a, b):\n    return b - a\n```";
    let test = "```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n```";
    let task = choose_among(&mut repo, &[wrong, also_wrong], test, ADD_TASK);
    refused(
        &repo,
        &task,
        &[
            "no answer shows it does what the task asks",
            "candidate 0 refused: no check holds on it",
            "candidate 1 refused: no check holds on it",
        ],
    );
    assert!(
        git_out(repo.path(), &["branch", "--list"])
            .trim()
            .is_empty()
    );
}

const THERMOSTAT: &str = "def setpoint(temp, coldest, hottest):\n    if temp < coldest:\n        return coldest\n    if temp > hottest:\n        return hottest\n    return temp\n";
const TESTS_TASK: &str = "Write pytest tests for `setpoint(temp, coldest, hottest)` in a new file test_thermostat.py. Do not change thermostat.py.";
const WEAK_TEST: &str = "```python test_thermostat.py\nfrom thermostat import setpoint\n\n\ndef test_setpoint():\n    assert setpoint(21, 16, 26) == 21\n```";

#[test]
fn what_a_report_of_a_fault_says_the_code_gives_now_is_no_check() {
    let mut repo = TestRepo::new();
    let shelf = "def shelves_needed(books, per_shelf):\n    return books // per_shelf\n";
    repo.user_commit(&[("shelf.py", shelf)], "shelf");
    let ceiling = "```python shelf.py\ndef shelves_needed(books, per_shelf):\n    return (books + per_shelf - 1) // per_shelf\n```";
    let negated = "```python shelf.py\ndef shelves_needed(books, per_shelf):\n    return -(-books // per_shelf)\n```";
    let test = "```python test_shelf.py\nfrom shelf import shelves_needed\n\n\ndef test_shelves_needed():\n    assert shelves_needed(7, 3) == 3\n    assert shelves_needed(6, 3) == 2\n```";
    let task_text = "`shelves_needed` in `shelf.py` is wrong when the books do not fill the \
         last shelf: `shelves_needed(7, 3)` returns `2` and `shelves_needed(10, 4)` returns `2`, \
         although a shelf holding fewer books is still a shelf. `shelves_needed(6, 3)` must stay \
         `2`.";
    let task = choose_among(&mut repo, &[ceiling, negated], test, task_text);
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert!(
        logs.contains(
            "the task says `shelves_needed(7, 3)` gives `2`, and so does the code as it was"
        ),
        "{logs}"
    );
    // What the task asks to keep is a check still: it is not stated plainly.
    assert!(!logs.contains("`shelves_needed(6, 3)` gives"), "{logs}");
    let wrong = "```python shelf.py\ndef shelves_needed(books, per_shelf):\n    return books // per_shelf + 1\n```";
    let mut again = TestRepo::new();
    again.user_commit(&[("shelf.py", shelf)], "shelf");
    let refused_task = choose_among(&mut again, &[wrong, wrong], test, task_text);
    refused(
        &again,
        &refused_task,
        &["the task says `shelves_needed(6, 3)` should give `2`, and it gives 3"],
    );
    assert!(git_out(repo.path(), &["show", "main:shelf.py"]).contains("per_shelf - 1"));
}

#[test]
fn an_answer_that_leaves_the_fault_as_the_report_describes_it_does_not_land() {
    let fares = "def fare(age):\n    if age <= 12:\n        return 5\n    return 10\n";
    let task = "`fare` in `fares.py` charges the child fare one year too long: `fare(12)` returns \
                `5`, but children are those under twelve. Please fix it.";
    // Two answers alike copy the code, fault and all, into a new module that the model's test
    // imports: every assert of it raised `NameError` on the code as it was, and holds on them.
    let copy = format!("```python fare_rules.py\n{fares}```");
    let test = "```python test_fare_rules.py\nfrom fare_rules import fare\n\n\ndef test_fare():\n    assert fare(11) == 5\n    assert fare(30) == 10\n```";
    let mut repo = TestRepo::new();
    repo.user_commit(&[("fares.py", fares)], "fares");
    let copied = choose_among(&mut repo, &[&copy, &copy], test, task);
    refused(
        &repo,
        &copied,
        &[
            "the fault the task describes is still in: on it, as on the code as it was, `fare(12)` \
           gives 5; and no check that could call the code as it was gives otherwise",
        ],
    );
    // Two that fix it land.
    let fixed = "```python fares.py\ndef fare(age):\n    if age < 12:\n        return 5\n    return 10\n```";
    let test = "```python test_fares.py\nfrom fares import fare\n\n\ndef test_fare():\n    assert fare(12) == 10\n    assert fare(11) == 5\n```";
    let mut repo = TestRepo::new();
    repo.user_commit(&[("fares.py", fares)], "fares");
    let landed = choose_among(&mut repo, &[fixed, fixed], test, task);
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(landed["status"], "succeeded", "{logs}");
    assert!(git_out(repo.path(), &["show", "main:fares.py"]).contains("age < 12"));
}

#[test]
fn a_fault_reported_in_a_named_function_may_be_fixed_in_the_helper_it_relies_on() {
    let mut repo = TestRepo::new();
    let label = "\n\ndef label(n):\n    return \"parcel \" + str(n)\n";
    let cost = "\n\ndef ship_cost(kg):\n    return 8 if heavy(kg) else 5\n";
    let shipping = format!("def heavy(kg):\n    return kg > 10\n{cost}{label}");
    repo.user_commit(&[("shipping.py", &shipping)], "shipping");
    let fixed_rule = "def heavy(kg):\n    return kg >= 10\n";
    let fixed = format!("{fixed_rule}{cost}{label}");
    // The greedy answer fixes the helper too, and on the way changes a function nothing the
    // task names relies on; the sampled two fix the helper alone.
    let also_label = format!(
        "```python shipping.py\n{fixed_rule}{cost}\n\ndef label(n):\n    return \"Parcel \" + str(n)\n```"
    );
    let alone = format!("```python shipping.py\n{fixed}```");
    let test = "```python test_shipping.py\nfrom shipping import heavy, label, ship_cost\n\n\ndef test_cost():\n    assert ship_cost(10) == 8\n    assert heavy(10)\n    assert label(7) == \"Parcel 7\"\n```";
    let task = choose_among(
        &mut repo,
        &[&also_label, &alone, &alone],
        test,
        "Fix the bug in shipping.py: `ship_cost(10)` should give `8`, since a parcel of 10 kg \
         or more pays the higher rate, and `ship_cost(3)` must stay `5`.",
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert_eq!(
        git_out(repo.path(), &["show", "main:shipping.py"]),
        fixed,
        "{logs}"
    );
    assert!(
        logs.contains(
            "the task reports a fault in what it names, which relies on heavy: a change to \
             what they give is within its reach"
        ),
        "{logs}"
    );
    // What heavy gives changed on the test's line 6, and is within reach; label is not.
    assert!(!logs.contains("touches none of heavy"), "{logs}");
    assert!(
        logs.contains("candidate 0 refused: it changes what the test's line 7 gave"),
        "{logs}"
    );
    assert!(
        logs.contains("where the task touches none of label"),
        "{logs}"
    );
}

#[test]
fn an_answer_that_leaves_what_one_of_the_functions_a_report_names_gives_as_it_was_does_not_land() {
    let mut repo = TestRepo::new();
    let shelf = "\n\ndef shelf_of(items, n, per_shelf):\n    start = n * per_shelf\n    return items[start:start + per_shelf]\n";
    let shelving =
        format!("def shelves_for(count, per_shelf):\n    return count // per_shelf\n{shelf}");
    repo.user_commit(&[("shelving.py", &shelving)], "shelving");
    let total = "def shelves_for(count, per_shelf):\n    return -(-count // per_shelf)\n";
    // Two answers fix the count alone: one leaves shelf_of as it was, one rewrites it to give
    // just what it gave. One fixes both.
    let half = format!("```python shelving.py\n{total}{shelf}```");
    let rewritten = format!(
        "```python shelving.py\n{total}\n\ndef shelf_of(items, n, per_shelf):\n    first = per_shelf * n\n    return items[first:first + per_shelf]\n```"
    );
    let whole = format!(
        "```python shelving.py\n{total}\n\ndef shelf_of(items, n, per_shelf):\n    start = (n - 1) * per_shelf\n    return items[start:start + per_shelf]\n```"
    );
    let test = "```python test_shelving.py\nfrom shelving import shelf_of, shelves_for\n\n\ndef test_shelves():\n    assert shelves_for(25, 10) == 3\n    assert shelf_of(list(range(1, 26)), 1, 10) == list(range(1, 11))\n```";
    let task = choose_among(
        &mut repo,
        &[&half, &whole, &rewritten],
        test,
        "The helpers in shelving.py are broken: `shelves_for(25, 10)` should give `3`, and \
         shelf_of returns the second shelf when asked for the first (shelves are numbered from 1). \
         Fix both.",
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert!(
        git_out(repo.path(), &["show", "main:shelving.py"]).contains("(n - 1)"),
        "{logs}"
    );
    for refused in [0, 2] {
        assert!(
            logs.contains(&format!(
                "candidate {refused} refused: the test's line 6 checks shelf_of, which the task \
                 reports at fault; it failed on the code as it was and gives the same"
            )),
            "{logs}"
        );
    }
}

/// A repository whose `kennel.py` holds one function, for tasks that add `loudest(barks, k)`.
fn kennel() -> TestRepo {
    let repo = TestRepo::new();
    repo.user_commit(
        &[(
            "kennel.py",
            "def names(dogs):\n    return [d.name for d in dogs]\n",
        )],
        "kennel",
    );
    repo
}

#[test]
fn an_answer_that_breaks_a_rule_the_task_states_in_prose_does_not_land_however_many_agree() {
    let mut repo = kennel();
    // Two answers agree, and slice with a negative count; one keeps the rule.
    let slicing = "```python kennel.py\ndef names(dogs):\n    return [d.name for d in dogs]\n\n\ndef loudest(barks, k):\n    return sorted(barks, reverse=True)[:k]\n```";
    let keeping = "```python kennel.py\ndef names(dogs):\n    return [d.name for d in dogs]\n\n\ndef loudest(barks, k):\n    if k <= 0:\n        return []\n    return sorted(barks, reverse=True)[:k]\n```";
    let test = "```python test_kennel.py\nfrom kennel import loudest\n\n\ndef test_loudest():\n    assert loudest([3, 9, 4], 2) == [9, 4]\n    assert loudest([1], 1) == [1]\n```";
    let task = choose_among(
        &mut repo,
        &[slicing, slicing, keeping],
        test,
        "Add a function `loudest(barks, k)` to `kennel.py`: the `k` loudest barks, loudest \
         first. When `k` is 0 or less, it returns `[]`. For example \
         `loudest([3, 9, 4], 2) == [9, 4]`.",
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert!(
        git_out(repo.path(), &["show", "main:kennel.py"]).contains("k <= 0"),
        "{logs}"
    );
    for refused in [0, 1] {
        assert!(
            logs.contains(&format!(
                "candidate {refused} refused: the task says \"When `k` is 0 or less, it returns \
                 `[]`\": `loudest([3, 9, 4], -1)` should give `[]`, and it gives [9, 4]"
            )),
            "{logs}"
        );
    }
}

#[test]
fn of_tests_asked_for_those_that_kill_most_mutants_of_the_code_land() {
    let mut repo = TestRepo::new();
    repo.user_commit(&[("thermostat.py", THERMOSTAT)], "thermostat");
    let strong = "```python test_thermostat.py\nfrom thermostat import setpoint\n\n\ndef test_setpoint():\n    assert setpoint(21, 16, 26) == 21\n    assert setpoint(12, 16, 26) == 16\n    assert setpoint(30, 16, 26) == 26\n```";
    let task = choose_among(&mut repo, &[WEAK_TEST, strong, WEAK_TEST], "", TESTS_TASK);
    assert_eq!(task["status"], "succeeded", "{task:#}");
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert!(
        logs.contains("candidate 1 chosen: its tests kill the most mutants"),
        "{logs}"
    );
    assert!(
        git_out(repo.path(), &["show", "main:test_thermostat.py"]).contains("setpoint(30, 16, 26)"),
        "{logs}"
    );
    assert_eq!(
        git_out(repo.path(), &["show", "main:thermostat.py"]),
        THERMOSTAT
    );
}

#[test]
fn of_tests_that_kill_as_many_mutants_those_split_into_more_test_cases_land() {
    let mut repo = TestRepo::new();
    repo.user_commit(&[("thermostat.py", THERMOSTAT)], "thermostat");
    let head = "```python test_thermostat.py\nfrom thermostat import setpoint\n\n\n";
    let lump = format!(
        "{head}def test_setpoint():\n    assert setpoint(21, 16, 26) == 21\n    assert setpoint(12, 16, 26) == 16\n    assert setpoint(30, 16, 26) == 26\n```"
    );
    let split = format!(
        "{head}def test_inside():\n    assert setpoint(21, 16, 26) == 21\n\n\ndef test_too_cold():\n    assert setpoint(12, 16, 26) == 16\n\n\ndef test_too_hot():\n    assert setpoint(30, 16, 26) == 26\n```"
    );
    let task = choose_among(&mut repo, &[&lump, &split], "", TESTS_TASK);
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert!(
        logs.contains("candidate 1 chosen: its tests kill the most mutants")
            && logs.contains("in 3 test cases"),
        "{logs}"
    );
    assert!(
        git_out(repo.path(), &["show", "main:test_thermostat.py"]).contains("def test_too_hot"),
        "{logs}"
    );
}

#[test]
fn tests_that_let_most_mutants_of_the_code_through_do_not_land() {
    let mut repo = TestRepo::new();
    repo.user_commit(&[("thermostat.py", THERMOSTAT)], "thermostat");
    let task = choose_among(&mut repo, &[WEAK_TEST, WEAK_TEST], "", TESTS_TASK);
    refused(
        &repo,
        &task,
        &["simple mutants of thermostat.py: they pass on code that is wrong"],
    );
}

const PARCEL: &str = "def fee(weight):\n    if weight > 10:\n        return weight * 2 + 5\n    return weight * 2\n\n\ndef label(weight):\n    return str(weight) + \" kg\"\n";

#[test]
fn tests_asked_for_two_functions_that_check_nothing_of_one_do_not_land() {
    let task = "Write pytest tests for `fee(weight)` and `label(weight)` in parcel.py, in a new \
                file test_parcel.py. Do not change parcel.py.";
    let head = "```python test_parcel.py\nfrom parcel import fee, label\n\n\ndef test_fee():\n    assert fee(10) == 20\n    assert fee(11) == 27\n    assert fee(3) == 6\n";
    // Every mutant of `fee` killed, and so most of all: but nothing of `label` is checked.
    let fee_only = format!("{head}```");
    let mut repo = TestRepo::new();
    repo.user_commit(&[("parcel.py", PARCEL)], "parcel");
    let refused_task = choose_among(&mut repo, &[&fee_only, &fee_only], "", task);
    refused(
        &repo,
        &refused_task,
        &["and none of those of label, which the task names: they check nothing of it"],
    );
    let both = format!("{head}\n\ndef test_label():\n    assert label(3) == \"3 kg\"\n```");
    let mut repo = TestRepo::new();
    repo.user_commit(&[("parcel.py", PARCEL)], "parcel");
    let landed = choose_among(&mut repo, &[&fee_only, &both], "", task);
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(landed["status"], "succeeded", "{logs}");
    assert!(
        git_out(repo.path(), &["show", "main:test_parcel.py"]).contains("def test_label"),
        "{logs}"
    );
}

#[test]
fn tests_asked_for_that_pass_with_a_value_the_task_states_moved_do_not_land() {
    let shipping = "def shipping_fee(weight):\n    if weight <= 0:\n        raise ValueError(weight)\n    if weight > 20:\n        return 15\n    return 5\n";
    let task = "Write pytest tests for `shipping_fee(weight)` in shipping.py, in a new file \
                test_shipping.py: a parcel over 20 kg costs 15, any other 5, and a weight of 0 \
                or less raises ValueError. Do not change shipping.py.";
    let head = "```python test_shipping.py\nimport pytest\n\nfrom shipping import shipping_fee\n\n\ndef test_fees():\n    assert shipping_fee(30) == 15\n    assert shipping_fee(3) == 5\n    assert shipping_fee(1) == 5\n    with pytest.raises(ValueError):\n        shipping_fee(0)\n";
    // Most mutants killed, but none of those at the 20 kg the task states.
    let inside = format!("{head}```");
    let mut repo = TestRepo::new();
    repo.user_commit(&[("shipping.py", shipping)], "shipping");
    let refused_task = choose_among(&mut repo, &[&inside, &inside], "", task);
    refused(
        &repo,
        &refused_task,
        &[
            "they pass with a value the task states moved (",
            "shipping.py:4: `20` → `21`",
        ],
    );
    let edges = format!(
        "{head}\n\ndef test_edge():\n    assert shipping_fee(20) == 5\n    assert shipping_fee(21) == 15\n```"
    );
    let mut repo = TestRepo::new();
    repo.user_commit(&[("shipping.py", shipping)], "shipping");
    let landed = choose_among(&mut repo, &[&inside, &edges], "", task);
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(landed["status"], "succeeded", "{logs}");
    assert!(
        git_out(repo.path(), &["show", "main:test_shipping.py"]).contains("def test_edge"),
        "{logs}"
    );
}

#[test]
fn an_assert_of_the_models_test_that_the_task_says_is_wrong_keeps_no_answer_out() {
    let mut repo = kennel();
    let emptying = "```python kennel.py\ndef names(dogs):\n    return [d.name for d in dogs]\n\n\ndef loudest(barks, k):\n    if k < 1:\n        return []\n    return sorted(barks, reverse=True)[:k]\n```";
    let raising = "```python kennel.py\ndef names(dogs):\n    return [d.name for d in dogs]\n\n\ndef loudest(barks, k):\n    if k < 1:\n        raise ValueError(k)\n    return sorted(barks, reverse=True)[:k]\n```";
    // The model's test expects what the task says does not happen.
    let test = "```python test_kennel.py\nfrom kennel import loudest\n\n\ndef test_loudest():\n    assert loudest([3, 9, 4], 2) == [9, 4]\n    assert loudest([3, 9, 4], 0) == []\n```";
    let task = choose_among(
        &mut repo,
        &[emptying, raising],
        test,
        "Add a function `loudest(barks, k)` to `kennel.py`: the `k` loudest barks, loudest \
         first. If `k` is less than 1, raise `ValueError`. For example \
         `loudest([3, 9, 4], 2) == [9, 4]`.",
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert!(
        logs.contains(
            "the test's line 6 expects of `loudest([3, 9, 4], 0)` other than the task says \
             (\"If `k` is less than 1, raise `ValueError`\"): it is wrong by the task's own words"
        ),
        "{logs}"
    );
    assert!(
        git_out(repo.path(), &["show", "main:kennel.py"]).contains("raise ValueError"),
        "{logs}"
    );
    // The test, failing on what landed, is left out, not trimmed.
    let tree = git_out(repo.path(), &["ls-tree", "-r", "--name-only", "main"]);
    assert_eq!(tree.trim(), "kennel.py");
}

#[test]
fn answers_alike_on_a_test_that_checks_only_what_they_leave_as_it_was_vouch_for_nothing() {
    let mut repo = kennel();
    // Two answers alike; the model's test checks only the definition the task does not touch,
    // and wrongly: it fails on the code as it was just as on both answers.
    let loudest = "```python kennel.py\ndef names(dogs):\n    return [d.name for d in dogs]\n\n\ndef loudest(barks, k):\n    return sorted(barks, reverse=True)[:k]\n```";
    let test = "```python test_kennel.py\nfrom kennel import names\n\n\ndef test_names():\n    assert names([]) == [None]\n```";
    let task = choose_among(
        &mut repo,
        &[loudest, loudest],
        test,
        "Add a function `loudest(barks, k)` to `kennel.py`: the `k` loudest barks, loudest \
         first. For example `loudest([3, 9, 4], 2) == [9, 4]`.",
    );
    refused(
        &repo,
        &task,
        &["only the task's own examples could be observed to change"],
    );
}

#[test]
fn a_lone_answer_that_only_its_own_test_speaks_for_does_not_land() {
    let mut repo = TestRepo::new();
    // Two answers that differ on what the test asks: each holds its own assert only.
    let plus = "```python calc.py\ndef add(a, b):\n    return a + b\n```";
    let minus = "```python calc.py\ndef add(a, b):\n    return a - b\n```";
    let test = "```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n    assert add(4, 0) == 4\n```";
    let task = choose_among(&mut repo, &[plus, minus], test, ADD_TASK);
    refused(&repo, &task, &["only the model's own test speaks for it"]);
}

#[test]
fn answers_alike_on_checks_that_one_constant_would_meet_land_nothing() {
    let mut repo = TestRepo::new();
    // Three answers check the length first, then each tests the digits its own wrong way; every
    // input of the model's test has the wrong length, so all three give `False` at every check,
    // as a function that always did would — the plain `assert not` line included.
    let answer = |digits: &str| {
        format!(
            "```python palette.py\ndef is_hex_colour(text):\n    if len(text) != 7 or not \
             text.startswith(\"#\"):\n        return False\n    return text[1:].{digits}()\n```"
        )
    };
    let answers = [answer("isalpha"), answer("isalnum"), answer("islower")];
    let answers: Vec<&str> = answers.iter().map(String::as_str).collect();
    let test = "```python test_palette.py\nfrom palette import is_hex_colour\n\n\ndef test_is_hex_colour():\n    assert is_hex_colour(\"#12345\") == False\n    assert is_hex_colour(\"123456\") is False\n    assert not is_hex_colour(\"#1234567\")\n```";
    let task = choose_among(
        &mut repo,
        &answers,
        test,
        "Add a function `is_hex_colour(text)` to `palette.py`: whether `text` is a colour \
         written as `#` and six hexadecimal digits.",
    );
    refused(
        &repo,
        &task,
        &["every check observed on it gives one value, False (at 3 checks)"],
    );
}

#[test]
fn answers_alike_on_a_test_too_narrow_to_tell_them_apart_are_told_apart_on_varied_inputs() {
    let mut repo = TestRepo::new();
    // The first answer counts substrings in the text's own case; the other two count words,
    // whatever their case. Every input of the model's test is one lower-case letter a word,
    // where the three agree; the same calls on inputs nightshift varies (the text in upper case,
    // its words longer) tell the first from the other two, which land.
    let substrings =
        "```python wordcount.py\ndef count_word(text, word):\n    return text.count(word)\n```";
    let listed = "```python wordcount.py\ndef count_word(text, word):\n    return [w.lower() for w in text.split()].count(word.lower())\n```";
    let summed = "```python wordcount.py\ndef count_word(text, word):\n    return sum(1 for w in text.lower().split() if w == word.lower())\n```";
    let test = "```python test_wordcount.py\nfrom wordcount import count_word\n\n\ndef test_count_word():\n    assert count_word(\"a b a\", \"a\") == 2\n    assert count_word(\"b c\", \"a\") == 0\n```";
    let task = choose_among(
        &mut repo,
        &[substrings, listed, summed],
        test,
        "Add a function `count_word(text, word)` to `wordcount.py`: how many of the words of \
         `text` (split on spaces) are `word`, ignoring case.",
    );
    assert_eq!(task["status"], "succeeded", "{task:#}");
    assert_eq!(
        git_out(repo.path(), &["show", "main:wordcount.py"]),
        "def count_word(text, word):\n    return [w.lower() for w in text.split()].count(word.lower())\n"
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert!(
        logs.contains(
            "candidate 1 chosen: 2 of 3 candidates left behave alike on all 3 checks and 12 calls \
             on inputs nightshift varied (2 groups of like behaviour)"
        ),
        "{logs}"
    );
    assert!(
        logs.contains(
            "calls on inputs nightshift varied tell apart answers alike on every check: 2 groups \
             of like behaviour, where the checks alone make 1"
        ),
        "{logs}"
    );
}

/// A task for [`COUNT_WORD`]'s answers, with an example of its own.
const COUNT_WORD_TASK: &str = "Add a function `count_word(text, word)` to `wordcount.py`: how many \
     of the words of `text` (split on spaces) are `word`, ignoring case; e.g. \
     `count_word(\"a b a\", \"a\") == 2`.";

/// Answers to [`COUNT_WORD_TASK`]: substrings counted in the text's own case (wrong), words
/// counted two ways (right), and a count of nothing, which the task's example refuses.
const COUNT_WORD: [&str; 4] = [
    "```python wordcount.py\ndef count_word(text, word):\n    return text.count(word)\n```",
    "```python wordcount.py\ndef count_word(text, word):\n    return [w.lower() for w in text.split()].count(word.lower())\n```",
    "```python wordcount.py\ndef count_word(text, word):\n    return sum(1 for w in text.lower().split() if w == word.lower())\n```",
    "```python wordcount.py\ndef count_word(text, word):\n    return 0\n```",
];

/// A test of [`COUNT_WORD_TASK`] whose every word is one lower-case letter: substrings and
/// words are counted alike there.
const COUNT_WORD_TEST: &str = "```python test_wordcount.py\nfrom wordcount import count_word\n\n\ndef test_count_word():\n    assert count_word(\"a b a\", \"a\") == 2\n    assert count_word(\"b c\", \"a\") == 0\n```";

/// [`COUNT_WORD`]'s answers `rounds[r][i]` for candidate `i` of round `r + 1`, worked off with
/// [`COUNT_WORD_TEST`]: the task's final state, and its log.
fn count_words_in_rounds(
    repo: &mut TestRepo,
    rounds: [[usize; 2]; 2],
) -> (serde_json::Value, String) {
    let answer =
        move |round: u32, index: usize| COUNT_WORD[rounds[round as usize - 1][index]].to_owned();
    let task = work_off(
        repo,
        answer,
        2,
        1,
        |_| COUNT_WORD_TEST.to_owned(),
        COUNT_WORD_TASK,
    );
    (task, repo.ok(&["logs", "--task", "1", "--full"]))
}

#[test]
fn a_lone_answer_waits_for_a_later_batch_which_may_tell_it_wrong() {
    let mut repo = TestRepo::new();
    // Round 1: the example refuses one answer; the other, counting substrings, meets the
    // example and every assert of a test too narrow to tell it wrong, alone. Round 2: two
    // answers that count words, told apart from it on inputs nightshift varies, land.
    let (task, logs) = count_words_in_rounds(&mut repo, [[0, 3], [1, 2]]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert!(
        logs.contains(
            "candidate 0 not chosen: it meets the terms a lone answer is held to, but it is one \
             sample: a lone answer lands only once a later batch has been drawn"
        ),
        "{logs}"
    );
    assert!(
        logs.contains("candidate 0 chosen: 2 of 3 candidates left behave alike"),
        "{logs}"
    );
    assert!(
        logs.contains("answers alike vouch for it: 2 of the 3 that passed the gates"),
        "{logs}"
    );
    assert_eq!(
        git_out(repo.path(), &["show", "main:wordcount.py"]),
        "def count_word(text, word):\n    return [w.lower() for w in text.split()].count(word.lower())\n"
    );
}

#[test]
fn a_lone_answer_lands_once_a_later_batch_brings_none_that_behaves_otherwise() {
    let mut repo = TestRepo::new();
    // A right answer alone in round 1 waits; round 2's answers the example refuses.
    let (task, logs) = count_words_in_rounds(&mut repo, [[1, 3], [3, 3]]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert!(
        logs.contains("candidate 0 of round 1 chosen: 1 of 1 candidates left behave alike"),
        "{logs}"
    );
    assert!(
        logs.contains("and no other answer left behaves otherwise"),
        "{logs}"
    );
    // Where the later batch brings one that behaves otherwise, one sample stands against
    // another, and nothing lands.
    let mut repo = TestRepo::new();
    let (task, logs) = count_words_in_rounds(&mut repo, [[1, 3], [0, 3]]);
    assert_eq!(task["status"], "failed", "{logs}");
    assert!(
        logs.contains(
            "candidate 0 of round 1 not chosen: it meets the terms a lone answer is held to, but \
             another answer left behaves otherwise"
        ),
        "{logs}"
    );
    assert!(repo.commits_of(1).is_empty());
}

/// A test for the task that does not parse and cannot be mended: a line in the way is no
/// assert.
const UNPARSED_TEST: &str = "```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    cases = (1,\n    assert add(2, 3) == 5\n```";

#[test]
fn two_answers_alike_land_nothing_where_as_many_others_behave_otherwise() {
    let mut repo = TestRepo::new();
    // Of four answers, two multiply (the task's example refuses them); the other two meet the
    // example alike, by adding what the arguments are worth without their sign — wrong beside
    // the example, and alike on the test's other call.
    let times = "```python calc.py\ndef add(a, b):\n    return a * b\n```";
    let unsigned = "```python calc.py\ndef add(a, b):\n    return abs(a) + abs(b)\n```";
    let mapped = "```python calc.py\ndef add(a, b):\n    return sum(map(abs, (a, b)))\n```";
    let scaled = "```python calc.py\ndef add(a, b):\n    return a * b * 1\n```";
    let test = "```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n    assert add(-1, -2) == -3\n```";
    let task = "Create calc.py with a function add(a, b) that returns the sum of a and b, e.g. \
                `add(2, 3) == 5`.";
    let task = choose_among(&mut repo, &[times, unsigned, mapped, scaled], test, task);
    refused(&repo, &task, &[]);
    let logs = repo.ok(&["logs", "--task", "1", "--full"]);
    assert!(
        logs.contains(
            "candidate 1 not chosen: 2 of the 4 answers that passed the gates behave as it does, \
             no more than behave otherwise"
        ),
        "{logs}"
    );
}

#[test]
fn a_test_for_the_task_that_does_not_parse_is_set_aside_and_a_stated_example_alone_lands_nothing() {
    let mut repo = TestRepo::new();
    // One answer gives the example's value whatever it is asked: the example alone cannot tell
    // it from the one that adds.
    let five = "```python calc.py\ndef add(a, b):\n    return 5\n```";
    let plus = "```python calc.py\ndef add(a, b):\n    return a + b\n```";
    let task = "Create calc.py with a function add(a, b) that returns the sum of a and b, e.g. \
                `add(2, 3) == 5`.";
    let task = choose_among(&mut repo, &[five, plus], UNPARSED_TEST, task);
    refused(
        &repo,
        &task,
        &["nothing checks it past the plain examples the task states"],
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert!(
        logs.contains("the test written for the task is set aside: syntax errors"),
        "{logs}"
    );
}

#[test]
fn with_its_test_set_aside_and_no_example_stated_nothing_lands() {
    let mut repo = TestRepo::new();
    let plus = "```python calc.py\ndef add(a, b):\n    return a + b\n```";
    let summed = "```python calc.py\ndef add(a, b):\n    return sum((a, b))\n```";
    let task = choose_among(&mut repo, &[plus, summed], UNPARSED_TEST, ADD_TASK);
    refused(
        &repo,
        &task,
        &["the task states no example, and the test written for it was set aside"],
    );
}

#[test]
fn lone_answers_of_two_rounds_that_behave_alike_vouch_for_each_other() {
    let mut repo = TestRepo::new();
    // Each round holds one right answer, alone, beside a wrong one that shows no effect; the
    // test's second assert is wrong, so neither right answer passes every assert.
    let minus = "```python calc.py\ndef add(a, b):\n    return a - b\n```";
    let plus = "```python calc.py\ndef add(a, b):\n    return a + b\n```";
    let times = "```python calc.py\ndef add(a, b):\n    return a * b\n```";
    let summed = "```python calc.py\ndef add(a, b):\n    return sum((a, b))\n```";
    let test = "```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n    assert add(0, 4) == 5\n```";
    let answers = [minus, plus, times, summed].map(str::to_owned);
    let answer = move |round: u32, index: usize| answers[(round as usize - 1) * 2 + index].clone();
    let task = work_off(&mut repo, answer, 2, 1, move |_| test.to_owned(), ADD_TASK);
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert!(
        logs.contains("candidate 1 not chosen: 1 of the 2 answers"),
        "round 1's right answer is alone: {logs}"
    );
    assert!(
        logs.contains("candidate 1 of round 1 chosen: 2 of 2 candidates left behave alike"),
        "{logs}"
    );
    // The earlier of the two lands.
    assert_eq!(
        git_out(repo.path(), &["show", "main:calc.py"]),
        "def add(a, b):\n    return a + b\n"
    );
    let shown = repo.show(1);
    assert_eq!(
        super::helpers::purposes(&shown),
        ["code", "test", "resample"]
    );
}

#[test]
fn a_test_for_the_task_that_calls_nothing_it_asks_for_is_asked_again_in_the_next_round() {
    let mut repo = TestRepo::new();
    repo.user_commit(&[("calc.py", "def sub(a, b):\n    return a - b\n")], "calc");
    // Both rounds answer alike and right; the first test written checks only what the
    // repository already had, the second the function asked for.
    let plus = "```python calc.py\ndef sub(a, b):\n    return a - b\n\n\ndef add(a, b):\n    return a + b\n```";
    let summed = "```python calc.py\ndef sub(a, b):\n    return a - b\n\n\ndef add(a, b):\n    return sum((a, b))\n```";
    let answers = [plus, summed].map(str::to_owned);
    let answer = move |_round: u32, index: usize| answers[index].clone();
    let test = |n: usize| {
        let (name, calls) = if n == 0 {
            ("sub", [("sub(3, 1)", 2), ("sub(5, 1)", 4)])
        } else {
            ("add", [("add(2, 3)", 5), ("add(1, 1)", 2)])
        };
        let asserts: String = calls
            .iter()
            .map(|(call, value)| format!("    assert {call} == {value}\n"))
            .collect();
        format!("```python test_calc.py\nfrom calc import {name}\n\n\ndef test_it():\n{asserts}```")
    };
    let task = work_off(
        &mut repo,
        answer,
        2,
        1,
        test,
        "Add a function `add(a, b)` to `calc.py` that returns the sum of `a` and `b`.",
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert!(
        logs.contains("calls none of what the task asks for (add)"),
        "{logs}"
    );
    assert!(
        logs.contains("candidate 0 chosen: 2 of 2 candidates left behave alike"),
        "{logs}"
    );
    assert_eq!(
        super::helpers::purposes(&repo.show(1)),
        ["code", "test", "resample", "test"]
    );
    let landed = git_out(repo.path(), &["show", "main:test_calc.py"]);
    assert!(landed.contains("assert add(2, 3) == 5"), "{landed}");
}

#[test]
fn a_bug_report_answered_by_tests_alone_does_not_land() {
    let mut repo = TestRepo::new();
    repo.user_commit(&[("thermostat.py", THERMOSTAT)], "thermostat");
    let task = choose_among(
        &mut repo,
        &[WEAK_TEST],
        "",
        "setpoint() in thermostat.py crashes when coldest is None; it should treat None as no \
         lower limit.",
    );
    refused(&repo, &task, &["the task does not ask for tests"]);
}

/// A JavaScript module: the test written for the task is the one check that speaks for an answer,
/// observed call by call.
const RADIO: &[(&str, &str)] = &[
    (
        "package.json",
        "{\"name\": \"r\", \"type\": \"module\", \"scripts\": {\"test\": \"node --test\"}}\n",
    ),
    ("radio.js", "export const id = (s) => s;\n"),
];
const CALLSIGN_TASK: &str =
    "Add an exported function callsign(s) to radio.js: s upper-cased, then '-1'.";
const CALLSIGN_TEST: &str = "```javascript radio.test.js\nimport test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { callsign } from './radio.js';\n\ntest('callsign', () => {\n  assert.equal(callsign('ab'), 'AB-1');\n  assert.equal(callsign('c'), 'C-1');\n});\n```";

#[test]
fn a_lone_javascript_answer_does_not_land_on_its_own_test() {
    let mut repo = TestRepo::new();
    repo.user_commit(RADIO, "radio");
    let right = "```javascript radio.js\nexport const id = (s) => s;\nexport const callsign = (s) => s.toUpperCase() + '-1';\n```";
    let wrong = "```javascript radio.js\nexport const id = (s) => s;\nexport const callsign = (s) => s + '-1';\n```";
    let task = choose_among(&mut repo, &[right, wrong], CALLSIGN_TEST, CALLSIGN_TASK);
    refused(
        &repo,
        &task,
        &[
            "candidate 0 not chosen",
            "only the model's own test speaks for it",
        ],
    );
}

#[test]
fn two_answers_that_pass_the_test_written_for_the_task_vouch_for_each_other() {
    let mut repo = TestRepo::new();
    repo.user_commit(RADIO, "radio");
    let wrong = "```javascript radio.js\nexport const id = (s) => s;\nexport const callsign = (s) => s + '-1';\n```";
    let right = "```javascript radio.js\nexport const id = (s) => s;\nexport const callsign = (s) => s.toUpperCase() + '-1';\n```";
    let right_too = "```javascript radio.js\nexport const id = (s) => s;\nexport const callsign = (s) => `${s.toUpperCase()}-1`;\n```";
    let task = choose_among(
        &mut repo,
        &[wrong, right, right_too],
        CALLSIGN_TEST,
        CALLSIGN_TASK,
    );
    assert_eq!(task["status"], "succeeded", "{task:#}");
    assert!(git_out(repo.path(), &["show", "main:radio.js"]).contains("s.toUpperCase() + '-1'"));
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert!(
        logs.contains("candidate 1 chosen: 2 of 2 candidates left behave alike"),
        "{logs}"
    );
}

/// A bug report on a JavaScript module whose test, written for the task, passes on the code as
/// it was: two answers passing it vouch for nothing, since the test does not show the bug.
const METRO: &[(&str, &str)] = &[
    (
        "package.json",
        "{\"name\": \"m\", \"type\": \"module\", \"scripts\": {\"test\": \"node --test\"}}\n",
    ),
    (
        "metro.js",
        "export const stations = (s) => s.split(';').length;\n",
    ),
];
const METRO_TASK: &str = "stations(s) in metro.js counts one station for an empty line, and one \
                          more for every extra semicolon. A station is anything between \
                          semicolons.";
const METRO_FIXED: &str = "```javascript metro.js\nexport const stations = (s) => s.split(/;+/).filter(Boolean).length;\n```";
const METRO_FIXED_TOO: &str =
    "```javascript metro.js\nexport const stations = (s) => (s.match(/[^;]+/g) || []).length;\n```";

fn metro_test(asserts: &str) -> String {
    format!(
        "```javascript metro.test.js\nimport test from 'node:test';\nimport assert from 'node:assert/strict';\nimport {{ stations }} from './metro.js';\n\ntest('stations', () => {{\n{asserts}}});\n```"
    )
}

/// The two right answers to the stations task, with `test` written for it.
fn metro_fixed_with(test: &str) -> (TestRepo, serde_json::Value) {
    let mut repo = TestRepo::new();
    repo.user_commit(METRO, "metro");
    let task = choose_among(&mut repo, &[METRO_FIXED, METRO_FIXED_TOO], test, METRO_TASK);
    (repo, task)
}

#[test]
fn a_test_that_passes_on_the_code_as_it_was_vouches_for_no_change() {
    let (repo, task) = metro_fixed_with(&metro_test("  assert.equal(stations('a;b'), 2);\n"));
    refused(
        &repo,
        &task,
        &["no check holds on it that did not hold on the code as it was"],
    );

    // The same answers, with a test that shows the bug, land.
    let (repo, task) = metro_fixed_with(&metro_test(
        "  assert.equal(stations(''), 0);\n  assert.equal(stations('a;;b;'), 2);\n",
    ));
    assert_eq!(task["status"], "succeeded", "{task:#}");
    assert!(git_out(repo.path(), &["show", "main:metro.js"]).contains("filter(Boolean)"));
}

#[test]
fn where_a_task_says_its_input_is_left_as_it_is_an_answer_that_changes_it_does_not_land() {
    let mut repo = TestRepo::new();
    repo.user_commit(
        &[("board.py", "def best(scores):\n    return max(scores)\n")],
        "board",
    );
    let best = "def best(scores):\n    return max(scores)\n";
    // Two answers sort the list they are given in place, and agree; one sorts a copy.
    let in_place = format!(
        "```python board.py\n{best}\n\ndef ranked(scores):\n    scores.sort(reverse=True)\n    return scores\n```"
    );
    let copy = format!(
        "```python board.py\n{best}\n\ndef ranked(scores):\n    return sorted(scores, reverse=True)\n```"
    );
    let test = "```python test_board.py\nfrom board import ranked\n\n\ndef test_ranked():\n    scores = [3, 9, 5]\n    assert ranked(scores) == [9, 5, 3]\n    assert ranked([1]) == [1]\n```";
    let task = choose_among(
        &mut repo,
        &[&in_place, &in_place, &copy],
        test,
        "Add `ranked(scores)` to board.py: the scores from highest to lowest, as a new list; \
         `ranked([3, 9, 5])` should give `[9, 5, 3]`. The list passed in must not be modified.",
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert_eq!(
        git_out(repo.path(), &["show", "main:board.py"]),
        format!("{best}\n\ndef ranked(scores):\n    return sorted(scores, reverse=True)\n"),
        "{logs}"
    );
    assert!(
        logs.contains(
            "candidate 0 refused: the task says the input must be left as it is, and ranked \
             changes it in"
        ),
        "{logs}"
    );
    assert!(
        logs.contains("ranked changed argument 1 from [3, 9, 5] to [9, 5, 3]"),
        "{logs}"
    );
}

#[test]
fn answers_that_raise_on_data_the_code_accepted_before_do_not_land_however_many_agree() {
    let mut repo = TestRepo::new();
    let note = |fields: &str, from_row: &str, to_row: &str| {
        format!(
            "from dataclasses import dataclass\n\n\n@dataclass\nclass Note:\n    text: str\n    pinned: bool = False\n{fields}\n\ndef from_row(row):\n    return Note({from_row})\n\n\ndef to_row(note):\n    return {{{to_row}}}\n\n\ndef save(notes):\n    return [to_row(note) for note in notes]\n\n\ndef load(rows):\n    return [from_row(row) for row in rows]\n"
        )
    };
    let old_row = "\"text\": note.text, \"pinned\": note.pinned";
    let new_row = format!("{old_row}, \"stars\": note.stars");
    repo.user_commit(
        &[
            (
                "store.py",
                &note("", "row[\"text\"], row.get(\"pinned\", False)", old_row),
            ),
            (
                "test_store.py",
                "from store import Note, load, save\n\n\ndef test_round_trip():\n    notes = [Note(\"a\", pinned=True)]\n    assert load(save(notes)) == notes\n",
            ),
        ],
        "notes",
    );
    // Two answers read every key without a default, and agree; one keeps the default the code
    // had and gives the new key one.
    let stars = "    stars: int = 0\n";
    let strict = note(
        stars,
        "row[\"text\"], row[\"pinned\"], row[\"stars\"]",
        &new_row,
    );
    let kept = note(
        stars,
        "row[\"text\"], row.get(\"pinned\", False), row.get(\"stars\", 0)",
        &new_row,
    );
    let answer = |code: &str| format!("```python store.py\n{code}```");
    let test = "```python test_stars.py\nfrom store import Note, load\n\n\ndef test_stars():\n    assert load([{\"text\": \"b\", \"pinned\": False, \"stars\": 1}]) == [Note(\"b\", False, 1)]\n```";
    let task = choose_among(
        &mut repo,
        &[&answer(&strict), &answer(&strict), &answer(&kept)],
        test,
        "Give the notes of store.py a star count, `stars`, saved and loaded with the rest: \
         `load([{\"text\": \"a\", \"pinned\": True, \"stars\": 2}])` should give \
         `[Note(\"a\", True, 2)]`. Rows saved before have no stars and load with 0.",
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert_eq!(
        git_out(repo.path(), &["show", "main:store.py"]),
        kept,
        "{logs}"
    );
    assert!(
        logs.contains(
            "candidate 0 refused: `store.from_row({'text': 'a', 'pinned': True})` gave \
             Note(text='a', pinned=True) on the code as it was and raises on it (KeyError)"
        ),
        "{logs}"
    );
}

#[test]
fn a_javascript_tests_wrong_assert_on_code_the_task_leaves_alone_is_a_vote_not_a_gate() {
    let mut repo = TestRepo::new();
    let package =
        "{\"name\": \"units\", \"type\": \"module\", \"scripts\": {\"test\": \"node --test\"}}\n";
    let grams = "export const toGrams = (kg) => kg * 1000;\n";
    repo.user_commit(&[("package.json", package), ("units.js", grams)], "units");
    let kilos = "export const toKilos = (g) => g / 1000;\n";
    let right = format!("```javascript units.js\n{grams}{kilos}```");
    // The greedy answer also bends what the task leaves alone to meet the test's wrong assert.
    let bent =
        format!("```javascript units.js\nexport const toGrams = (kg) => kg * 100;\n{kilos}```");
    // The test's second assert is wrong: the code as it was gives 2000.
    let test = "```javascript units.test.js\nimport test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { toGrams, toKilos } from './units.js';\n\ntest('units', () => {\n  assert.equal(toKilos(2500), 2.5);\n  assert.equal(toGrams(2), 200);\n});\n```";
    let task = choose_among(
        &mut repo,
        &[&bent, &right, &right],
        test,
        "Add an exported function `toKilos(g)` to units.js: grams to kilograms.",
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert_eq!(task["status"], "succeeded", "{logs}");
    assert_eq!(
        git_out(repo.path(), &["show", "main:units.js"]),
        format!("{grams}{kilos}"),
        "{logs}"
    );
    assert!(
        logs.contains(
            "candidate 0 refused: it changes what the test's line 7 gave on the code as it was \
             (2000 → 200), where the task touches none of toGrams"
        ),
        "{logs}"
    );
    // The test fails on what landed, so it is left out, not weakened to pass.
    assert!(
        logs.contains("units.test.js, the test written for the task, fails on the chosen answer"),
        "{logs}"
    );
    assert!(
        git_out(repo.path(), &["ls-tree", "--name-only", "main"])
            .lines()
            .all(|path| path != "units.test.js")
    );
}

/// A Rust crate: a language whose behaviour nightshift does not observe call by call, so the
/// test written for the task is a gate, whole.
const METER: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        "[package]\nname = \"meter\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    ),
    (
        "src/lib.rs",
        "pub fn readings(s: &str) -> usize {\n    s.split(';').count()\n}\n",
    ),
];
const METER_TASK: &str = "readings(s) in src/lib.rs counts one reading for an empty line, and one \
                          more for every extra semicolon. A reading is anything between \
                          semicolons.";
const METER_FIXED: &str = "```rust src/lib.rs\npub fn readings(s: &str) -> usize {\n    s.split(';').filter(|r| !r.is_empty()).count()\n}\n```";
const METER_FIXED_TOO: &str = "```rust src/lib.rs\npub fn readings(s: &str) -> usize {\n    s.split(';').filter(|r| r.len() > 0).count()\n}\n```";
const METER_WRONG: &str = "```rust src/lib.rs\npub fn readings(s: &str) -> usize {\n    s.split(';').filter(|r| !r.is_empty()).count().max(1)\n}\n```";

fn meter_test(asserts: &str) -> String {
    format!(
        "```rust tests/readings.rs\nuse meter::readings;\n\n#[test]\nfn counts() {{\n{asserts}}}\n```"
    )
}

#[test]
fn where_calls_are_not_observed_the_test_for_the_task_must_fail_before_and_two_answers_pass_it() {
    // A test that passes on the code as it was too shows nothing the answers changed.
    let mut repo = TestRepo::new();
    repo.user_commit(METER, "meter");
    let test = meter_test("    assert_eq!(readings(\"a;b\"), 2);\n");
    let task = choose_among(
        &mut repo,
        &[METER_FIXED, METER_FIXED_TOO],
        &test,
        METER_TASK,
    );
    refused(&repo, &task, &["passes on the code as it was too"]);

    // One answer the test passes on, and one it fails on: only the model's test speaks for it.
    let mut repo = TestRepo::new();
    repo.user_commit(METER, "meter");
    let test =
        meter_test("    assert_eq!(readings(\"\"), 0);\n    assert_eq!(readings(\"a;;b\"), 2);\n");
    let task = choose_among(&mut repo, &[METER_FIXED, METER_WRONG], &test, METER_TASK);
    refused(
        &repo,
        &task,
        &[
            "candidate 0 is the only answer",
            "only the model's own test speaks for it",
        ],
    );

    // Two that pass a test that shows the fault land.
    let mut repo = TestRepo::new();
    repo.user_commit(METER, "meter");
    let task = choose_among(
        &mut repo,
        &[METER_FIXED, METER_FIXED_TOO],
        &test,
        METER_TASK,
    );
    assert_eq!(task["status"], "succeeded", "{task:#}");
    assert!(git_out(repo.path(), &["show", "main:src/lib.rs"]).contains("!r.is_empty()"));
}

#[test]
fn where_calls_are_not_observed_two_answers_passing_the_test_land_nothing_where_as_many_fail_it() {
    // The model's test shares a misconception (an empty line is one reading) with two of four
    // answers; the other two, right, fail it. Two alike among four show the model errs on the
    // task as often as not.
    let mut repo = TestRepo::new();
    repo.user_commit(METER, "meter");
    let wrong_too = "```rust src/lib.rs\npub fn readings(s: &str) -> usize {\n    std::cmp::max(1, s.split(';').filter(|r| !r.is_empty()).count())\n}\n```";
    let test =
        meter_test("    assert_eq!(readings(\"\"), 1);\n    assert_eq!(readings(\"a;;b\"), 2);\n");
    let task = choose_among(
        &mut repo,
        &[METER_FIXED, METER_WRONG, METER_FIXED_TOO, wrong_too],
        &test,
        METER_TASK,
    );
    refused(
        &repo,
        &task,
        &[
            "2 of the 4 answers that passed the gates pass tests/",
            "no more than fail it",
            "only the model's own test speaks for them",
        ],
    );
}
