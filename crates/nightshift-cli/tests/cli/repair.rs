//! The repair loop: a failed check goes back to the model within the same attempt, with the
//! reason and the files as they now are. The model is a scripted OpenAI-compatible server, so
//! each round's answer is known.

use std::time::Duration;

use super::helpers::{TestRepo, fake_openai_recording, git_out, sse_reply};

const TASK: &str =
    "Create a file calc.py with a function add(a, b) that returns the sum of a and b.";
const BROKEN: &str = "```python calc.py\ndef add(a, b)\n    return a + b\n```";
const WRONG: &str = "```python calc.py\ndef add(a, b):\n    return a - b\n```";
const FIXED: &str = "```python calc.py\ndef add(a, b):\n    return a + b\n```";
const TEST: &str = "```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n```";

type Requests = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

fn scripted_repo(replies: &[&str]) -> (TestRepo, Requests) {
    let mut repo = TestRepo::new();
    let requests = script(&mut repo, replies, TASK);
    (repo, requests)
}

/// Points `repo` at a model answering `replies` in turn, and queues `task`.
fn script(repo: &mut TestRepo, replies: &[&str], task: &str) -> Requests {
    let (url, requests) =
        fake_openai_recording(replies.iter().map(|reply| sse_reply(reply)).collect());
    repo.use_fake_model(&url, "scripted");
    repo.set("MAX_RETRIES", "0"); // only the repair loop may save the attempt
    repo.ok(&["add", task]);
    requests
}

/// Runs one worker until every task is final; the tasks and the daemon's log.
fn work_off(repo: &TestRepo) -> (Vec<serde_json::Value>, String) {
    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(120));
    (tasks, daemon.stop())
}

#[test]
fn a_syntax_error_goes_back_to_the_model_and_a_failing_test_gets_a_fresh_answer() {
    // code: syntax error → repair: wrong result → test written → it fails → resample: fixed.
    let (repo, requests) = scripted_repo(&[BROKEN, WRONG, TEST, FIXED]);
    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(120));
    let log = daemon.stop();
    let shown = repo.show(1);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{shown:#}");
    assert_eq!(tasks[0]["attempts"], 1);

    let purposes = super::helpers::purposes(&shown);
    assert_eq!(purposes, ["code", "repair", "test", "resample"]);

    // The repair request carries the syntax error and the file as the first round left it; the
    // failing test is not shown: the task is asked again, from the files as the attempt found
    // them (none), the wrong answer gone.
    let requests = requests.lock().unwrap().clone();
    assert!(
        requests[1].contains("calc.py:1:") && requests[1].contains("def add(a, b)\\n"),
        "{}",
        requests[1]
    );
    let body = |i: usize| serde_json::from_str::<serde_json::Value>(&requests[i]).unwrap();
    assert_eq!(body(3)["messages"], body(0)["messages"]);
    assert!(!requests[3].contains("return a - b"), "{}", requests[3]);

    let logs = repo.ok(&["logs", "--task", "1"]);
    assert!(logs.contains("round 1 of 4 failed"), "{logs}");
    assert!(logs.contains("round 2 of 4 failed"), "{logs}");

    // `tasks show` lays the log out by attempt and round; `--full` replays each round: the
    // prompt, the reply, the edits and the check output.
    let outline = repo.ok(&["tasks", "show", "1"]);
    let at = |needle: &str| {
        outline
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} in\n{outline}"))
    };
    assert!(at("attempt 1") < at("round 1 of 4: code"));
    assert!(at("round 1 of 4: code") < at("round 2 of 4: repair"));
    assert!(at("round 2 of 4: repair") < at("round 3 of 4: resample"));
    let full = repo.ok(&["tasks", "show", "1", "--full"]);
    let round_2 = &full[full.find("round 2 of 4: repair").unwrap()..];
    let round_2 = &round_2[..round_2.find("round 3 of 4").unwrap()];
    for part in [
        "repair request:",      // the prompt as sent:
        "--- system ---",       // its instructions,
        "--- user ---",         // the turns of the worked example and the request,
        "calc.py:1:",           // with the syntax error it shows,
        "return a - b",         // the reply,
        "wrote calc.py",        // the edit,
        "no check holds on it", // and why no answer could be chosen.
    ] {
        assert!(round_2.contains(part), "{part:?} in round 2:\n{round_2}");
    }

    let message = git_out(repo.path(), &["log", "-1", "--format=%B", "main"]);
    assert!(message.contains("Nightshift-Rounds: 3"), "{message}");
    assert!(
        message
            .contains("Nightshift-Checks: tests-intact, syntax, behaviour, generated-test, pytest"),
        "{message}"
    );
    let calc = git_out(repo.path(), &["show", "main:calc.py"]);
    assert!(calc.contains("return a + b"), "{calc}");
}

#[test]
fn with_no_repair_rounds_the_first_failure_ends_the_attempt() {
    let (mut repo, _) = scripted_repo(&[BROKEN, FIXED]);
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "0");
    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(120));
    let log = daemon.stop();
    assert_eq!(tasks[0]["status"], "failed", "{log}");
    let error = tasks[0]["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("syntax") && error.contains("calc.py:1"),
        "{error}"
    );
    assert_eq!(repo.show(1)["model_calls"].as_array().unwrap().len(), 1);
}

#[test]
fn a_generated_test_that_calls_the_code_without_importing_it_gets_the_import() {
    let unimported = "```python test_calc.py\nimport pytest\n\n\ndef test_add():\n    assert add(2, 3) == 5\n```";
    let (repo, _) = scripted_repo(&[FIXED, unimported]);
    let (tasks, log) = work_off(&repo);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");
    assert_eq!(repo.show(1)["model_calls"].as_array().unwrap().len(), 2);
    let test = git_out(repo.path(), &["show", "main:test_calc.py"]);
    assert!(
        test.starts_with("import pytest\nfrom calc import add\n"),
        "{test}"
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert!(
        logs.contains("test_calc.py: mended its imports: `from calc import add`"),
        "{logs}"
    );
}

#[test]
fn resampling_puts_the_files_back_and_asks_the_task_again() {
    let mut repo = TestRepo::new();
    repo.user_commit(
        &[
            ("calc.py", "def add(a, b):\n    return a - b\n"),
            (
                "test_calc.py",
                "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
            ),
        ],
        "buggy add",
    );
    // First answer: still wrong, and a stray new file; the fresh answer: the fix.
    let wrong = "```python calc.py\ndef add(a, b):\n    return a * b\n```\n\n```python helper.py\nX = 1\n```";
    let requests = script(
        &mut repo,
        &[wrong, FIXED, TEST],
        "Fix add in calc.py: it subtracts.",
    );
    repo.set("NIGHTSHIFT_REPAIR_STRATEGY", "resample");
    let (tasks, log) = work_off(&repo);
    let shown = repo.show(1);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{shown:#}");
    let purposes = super::helpers::purposes(&shown);
    assert_eq!(purposes, ["code", "resample", "test"]);

    // The second request is the first one again: the files as the attempt found them, no
    // failure; only the sampling differs.
    let requests = requests.lock().unwrap().clone();
    let body = |i: usize| serde_json::from_str::<serde_json::Value>(&requests[i]).unwrap();
    let (first, second) = (body(0), body(1));
    assert_eq!(first["messages"], second["messages"]);
    assert!(
        requests[1].contains("return a - b") && !requests[1].contains("return a * b"),
        "{}",
        requests[1]
    );
    assert_eq!(first["temperature"], 0.0);
    assert!(second["temperature"].as_f64().unwrap() > 0.0, "{second}");

    let logs = repo.ok(&["logs", "--task", "1"]);
    assert!(
        logs.contains("round 1 of 4 failed; the files go back to how the attempt found them"),
        "{logs}"
    );
    assert!(logs.contains("round 2 of 4: resample"), "{logs}");
    let files = git_out(repo.path(), &["show", "--format=", "--name-only", "main"]);
    assert_eq!(
        files.trim(),
        "calc.py\ntest_calc_task1.py",
        "the stray file of round 1 is gone; the test written for the task lands beside the \
         project's own"
    );
    assert!(git_out(repo.path(), &["show", "main:calc.py"]).contains("return a + b"));
    let status = repo.ok(&["status"]);
    assert!(
        status.contains("repairs: resample (as this shell's configuration would run it"),
        "{status}"
    );
}

#[test]
fn an_answer_that_weakens_existing_tests_is_refused_and_repaired() {
    let mut repo = TestRepo::new();
    let test = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n";
    repo.user_commit(
        &[
            ("calc.py", "def add(a, b):\n    return a - b\n"),
            ("test_calc.py", test),
        ],
        "buggy add",
    );
    // First answer: "fix" the failing test by skipping it; then a real fix.
    let cheat = "```python test_calc.py\nimport pytest\nfrom calc import add\n\n\n@pytest.mark.skip\ndef test_add():\n    assert add(2, 3) == 5\n```";
    let (url, requests) = fake_openai_recording(
        [cheat, FIXED, TEST]
            .iter()
            .map(|reply| sse_reply(reply))
            .collect(),
    );
    repo.use_fake_model(&url, "scripted");
    repo.set("MAX_RETRIES", "0");
    repo.ok(&["add", "Fix add in calc.py: test_calc.py fails."]);
    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(120));
    let log = daemon.stop();
    assert_eq!(
        tasks[0]["status"],
        "succeeded",
        "{log}\n{:?}",
        requests.lock().unwrap()
    );
    let requests = requests.lock().unwrap().clone();
    assert!(
        requests[1].contains("the change takes tests away")
            && requests[1].contains("test_calc.py: 1 skip markers, 0 before"),
        "{}",
        requests[1]
    );
    assert_eq!(git_out(repo.path(), &["show", "main:test_calc.py"]), test);
    assert!(git_out(repo.path(), &["show", "main:calc.py"]).contains("return a + b"));
}

#[test]
fn an_answer_that_changes_nothing_goes_back_to_the_model() {
    let mut repo = TestRepo::new();
    let buggy = "def add(a, b):\n    return a - b\n";
    repo.user_commit(
        &[
            ("calc.py", buggy),
            (
                "test_calc.py",
                "from calc import add\n\n\ndef test_sub():\n    assert add(0, 0) == 0\n",
            ),
        ],
        "buggy add",
    );
    // First answer: the file exactly as it is (its checks pass); then the fix.
    let same = format!("```python calc.py\n{buggy}```");
    let (url, requests) = fake_openai_recording(
        [same.as_str(), FIXED, TEST]
            .iter()
            .map(|r| sse_reply(r))
            .collect(),
    );
    repo.use_fake_model(&url, "scripted");
    repo.set("MAX_RETRIES", "0");
    repo.ok(&["add", "Fix add in calc.py: it subtracts."]);
    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(120));
    let log = daemon.stop();
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");
    let requests = requests.lock().unwrap().clone();
    assert!(
        requests[1].contains("your answer left every file exactly as it was"),
        "{}",
        requests[1]
    );
    assert!(git_out(repo.path(), &["show", "main:calc.py"]).contains("return a + b"));
}

#[test]
fn search_replace_edits_that_miss_are_shown_the_closest_lines_and_repaired() {
    let mut repo = TestRepo::new();
    let calc = "def add(a, b):\n    return a - b\n\n\ndef double(x):\n    return x * 2\n";
    let test = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n";
    repo.user_commit(&[("calc.py", calc), ("test_calc.py", test)], "buggy add");
    // First answer quotes the line wrongly; the second quotes it as the hint shows.
    let miss =
        "calc.py\n<<<<<<< SEARCH\n    return a-b\n=======\n    return a + b\n>>>>>>> REPLACE";
    let hit = "calc.py\n```python\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n```";
    let (url, requests) = fake_openai_recording(
        [miss, hit, TEST]
            .iter()
            .map(|reply| sse_reply(reply))
            .collect(),
    );
    repo.use_fake_model(&url, "scripted");
    repo.set("MAX_RETRIES", "0");
    repo.set("NIGHTSHIFT_EDIT_FORMAT", "search-replace");
    repo.ok(&["add", "Fix add in calc.py: test_calc.py fails."]);
    let daemon = repo.serve(&["--workers", "1"]);
    let tasks = repo.wait_all_final(Duration::from_secs(120));
    let log = daemon.stop();
    let requests = requests.lock().unwrap().clone();
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{requests:?}");
    // The model was asked for search/replace blocks, and shown where its quote went wrong.
    assert!(requests[0].contains("<<<<<<< SEARCH"), "{}", requests[0]);
    assert!(
        requests[1].contains("matches no lines") && requests[1].contains("2 |     return a - b"),
        "{}",
        requests[1]
    );
    assert_eq!(
        git_out(repo.path(), &["show", "main:calc.py"]),
        calc.replace("a - b", "a + b")
    );
}

#[test]
fn a_javascript_task_without_tests_gets_a_node_test_that_refuses_a_wrong_answer() {
    let mut repo = TestRepo::new();
    repo.user_commit(
        &[
            (
                "package.json",
                "{\"name\": \"r\", \"type\": \"module\", \"scripts\": {\"test\": \"node --test\"}}\n",
            ),
            ("radio.js", "export const id = (s) => s;\n"),
        ],
        "radio",
    );
    let wrong = "```javascript radio.js\nexport const id = (s) => s;\nexport const callsign = (s) => s;\n```";
    let test = "```javascript radio.test.js\nimport test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { callsign } from './radio.js';\n\ntest('callsign', () => {\n  assert.equal(callsign('ka'), 'KA-1');\n});\n```";
    let fixed = "```javascript radio.js\nexport const id = (s) => s;\nexport const callsign = (s) => s.toUpperCase() + '-1';\n```";
    let requests = script(
        &mut repo,
        &[wrong, test, fixed],
        "Add an exported function callsign(s) to radio.js: s upper-cased, then '-1'.",
    );
    let (tasks, log) = work_off(&repo);
    let requests = requests.lock().unwrap().clone();
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{requests:?}");
    // Asked for a node:test file beside the code, importing it as an ES module.
    assert!(
        requests[1].contains("radio.test.js")
            && requests[1].contains("node:test")
            && requests[1].contains("from './radio.js'"),
        "{}",
        requests[1]
    );
    // The answer the test fails on is not landed; the task is asked again, without the
    // failure (a model shown a failing assert bends its code to it), and the fresh answer passes.
    let body = |i: usize| serde_json::from_str::<serde_json::Value>(&requests[i]).unwrap();
    assert_eq!(body(2)["messages"], body(0)["messages"]);
    assert!(!requests[2].contains("npm test"), "{}", requests[2]);
    let message = git_out(repo.path(), &["log", "-1", "--format=%B", "main"]);
    assert!(
        message.contains(
            "Nightshift-Checks: tests-intact, syntax, npm test, behaviour, generated-test"
        ),
        "{message}"
    );
    assert!(git_out(repo.path(), &["show", "main:radio.test.js"]).contains("'KA-1'"));
}

#[test]
fn tests_asked_for_must_check_each_example_the_task_gives() {
    let mut repo = TestRepo::new();
    repo.user_commit(&[("calc.py", "def add(a, b):\n    return a + b\n")], "calc");
    let partial = "```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n```";
    let both = "```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_opposites():\n    assert add(-1, 1) == 0\n```";
    let requests = script(
        &mut repo,
        &[partial, both],
        "Write pytest tests for `add` in a new file `test_calc.py`: `add(2, 3) == 5` and `add(-1, 1) == 0`. Do not change `calc.py`.",
    );
    let (tasks, log) = work_off(&repo);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");
    let requests = requests.lock().unwrap().clone();
    assert!(
        requests[1].contains(
            "The task asks the tests to check `add(-1, 1) == 0`, but none of the tests does"
        ),
        "{}",
        requests[1]
    );
    let message = git_out(repo.path(), &["log", "-1", "--format=%B", "main"]);
    assert!(
        message.contains("Nightshift-Checks: tests-intact, syntax, pytest, tests-cover-task"),
        "{message}"
    );
    assert!(git_out(repo.path(), &["show", "main:test_calc.py"]).contains("add(-1, 1) == 0"));
}

#[test]
fn tests_asked_for_a_list_of_behaviours_hold_a_test_case_for_each() {
    let mut repo = TestRepo::new();
    repo.user_commit(&[("calc.py", "def add(a, b):\n    return a + b\n")], "calc");
    let head = "```python test_calc.py\nfrom calc import add\n\n\n";
    let lump = format!(
        "{head}def test_add():\n    assert add(2, 3) == 5\n    assert add(-1, 1) == 0\n    assert add(0, 0) == 0\n```"
    );
    let split = format!(
        "{head}def test_positive():\n    assert add(2, 3) == 5\n\n\ndef test_opposites():\n    assert add(-1, 1) == 0\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n```"
    );
    let requests = script(
        &mut repo,
        &[&lump, &split],
        "Write pytest tests for `add` in a new file `test_calc.py`. Cover:\n- two positive numbers;\n- opposites, which sum to zero;\n- zero and zero.\nDo not change `calc.py`.",
    );
    let (tasks, log) = work_off(&repo);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");
    let requests = requests.lock().unwrap().clone();
    assert!(
        requests[1].contains(
            "The task lists 3 things for the tests to cover, and the tests add 1 test case."
        ),
        "{}",
        requests[1]
    );
    assert!(git_out(repo.path(), &["show", "main:test_calc.py"]).contains("def test_zero"));
}

#[test]
fn a_rust_test_written_as_a_unit_test_module_is_pointed_at_the_crate() {
    let mut repo = TestRepo::new();
    repo.user_commit(
        &[
            (
                "Cargo.toml",
                "[package]\nname = \"radio-log\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
            ),
            ("src/lib.rs", "pub fn id(s: &str) -> &str {\n    s\n}\n"),
        ],
        "radio-log",
    );
    let code = "```rust src/lib.rs\npub fn id(s: &str) -> &str {\n    s\n}\n\npub fn callsign(s: &str) -> String {\n    s.to_uppercase() + \"-1\"\n}\n```";
    // The shape a small model has seen most; in tests/ `super` is the test file, not the crate.
    let test = "```rust tests/lib_task.rs\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn callsigns() {\n        assert_eq!(callsign(\"ka\"), \"KA-1\");\n    }\n}\n```";
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "0");
    let requests = script(
        &mut repo,
        &[code, test],
        "Add pub fn callsign(s: &str) -> String to src/lib.rs: s upper-cased, then '-1'.",
    );
    let (tasks, log) = work_off(&repo);
    let requests = requests.lock().unwrap().clone();
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{requests:?}");
    assert!(
        requests[1].contains("tests/lib_task.rs") && requests[1].contains("`radio_log::…`"),
        "{}",
        requests[1]
    );
    assert!(
        git_out(repo.path(), &["show", "main:tests/lib_task.rs"]).contains("use radio_log::*;")
    );
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert!(
        logs.contains("pointed tests/lib_task.rs at the crate radio_log"),
        "{logs}"
    );
    let message = git_out(repo.path(), &["log", "-1", "--format=%B", "main"]);
    assert!(
        message.contains("Nightshift-Checks: tests-intact, syntax, cargo test, generated-test"),
        "{message}"
    );
    // Only what the model wrote is committed, not the build the check left behind.
    let tree = git_out(repo.path(), &["ls-tree", "-r", "--name-only", "main"]);
    assert_eq!(
        tree.lines().collect::<Vec<_>>(),
        ["Cargo.toml", "src/lib.rs", "tests/lib_task.rs"]
    );
}

#[test]
fn a_wrong_assert_of_the_test_written_for_the_task_is_outvoted_never_taken_out() {
    let mut repo = TestRepo::new();
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "0");
    let task = "Create thermostat.py with setpoint(temp, coldest, hottest): raise ValueError if coldest > hottest, e.g. `setpoint(30, 16, 26) == 26`.";
    let code = "```python thermostat.py\ndef setpoint(temp, coldest, hottest):\n    if coldest > hottest:\n        raise ValueError(\"coldest > hottest\")\n    return max(coldest, min(temp, hottest))\n```";
    // The second assert is the model's guess, and wrong: the task says coldest > hottest raises.
    let test = "```python test_thermostat.py\nfrom thermostat import setpoint\n\n\ndef test_setpoint():\n    assert setpoint(30, 16, 26) == 26\n    assert setpoint(16, 26, 16) == 16\n```";
    script(&mut repo, &[code, test], task);
    let (tasks, log) = work_off(&repo);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");
    let logs = repo.ok(&["logs", "--task", "1"]);
    assert!(
        logs.contains("test_thermostat.py, the test written for the task, fails on the chosen answer: it is left out of the commit, not weakened to pass"),
        "{logs}"
    );
    // The code landed as written; the test, wrong in one assert, did not land at all.
    let tree = git_out(repo.path(), &["ls-tree", "-r", "--name-only", "main"]);
    assert_eq!(tree.trim(), "thermostat.py");
    let message = git_out(repo.path(), &["log", "-1", "--format=%B", "main"]);
    assert!(
        message.contains("Nightshift-Checks: tests-intact, syntax, behaviour\n"),
        "{message}"
    );
}

#[test]
fn an_answer_that_contradicts_an_example_of_the_task_fails_whatever_the_test_says() {
    let mut repo = TestRepo::new();
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "0");
    let task = "Create thermostat.py with setpoint(temp, coldest, hottest), e.g. `setpoint(30, 16, 26) == 26`.";
    let code =
        "```python thermostat.py\ndef setpoint(temp, coldest, hottest):\n    return temp\n```";
    // The model's test agrees with the wrong code; the task does not.
    let test = "```python test_thermostat.py\nfrom thermostat import setpoint\n\n\ndef test_inside():\n    assert setpoint(20, 16, 26) == 20\n    assert setpoint(30, 16, 26) == 30\n```";
    script(&mut repo, &[code, test], task);
    let (tasks, log) = work_off(&repo);
    assert_eq!(tasks[0]["status"], "failed", "{log}");
    let error = tasks[0]["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("the task says `setpoint(30, 16, 26)` should give `26`, and it gives 30"),
        "{error}"
    );
}

#[test]
fn a_call_that_gives_other_than_the_task_says_is_shown_and_an_answer_bent_to_it_is_refused() {
    let mut repo = TestRepo::new();
    let task = "Create spread.py with spread(xs): the largest value of xs minus the smallest, \
                e.g. `spread([4, 9, 1]) == 8`.";
    let ends = "```python spread.py\ndef spread(xs):\n    return xs[-1] - xs[0]\n```";
    // The model's test does not try the example, and passes on every answer below.
    let test = "```python test_spread.py\nfrom spread import spread\n\n\ndef test_spread():\n    assert spread([1, 5]) == 4\n```";
    let bent = "```python spread.py\ndef spread(xs):\n    if xs == [4, 9, 1]:\n        return 8\n    return xs[-1] - xs[0]\n```";
    let right = "```python spread.py\ndef spread(xs):\n    return max(xs) - min(xs)\n```";
    let requests = script(&mut repo, &[ends, test, bent, right], task);
    let (tasks, log) = work_off(&repo);
    let shown = repo.show(1);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{shown:#}");
    assert_eq!(
        super::helpers::purposes(&shown),
        ["code", "test", "repair", "repair"]
    );
    let requests = requests.lock().unwrap().clone();
    // What the task says the call gives, and what it gave, go back to the model …
    assert!(
        requests[2].contains("the code does not do what the task says")
            && requests[2].contains("`spread([4, 9, 1])` should give `8`, and it gives -3"),
        "{}",
        requests[2]
    );
    // … and an answer that meets the example by comparing with its argument is refused, and
    // told why.
    assert!(
        requests[3].contains("spread.py compares with `[4, 9, 1]`, an argument of an example"),
        "{}",
        requests[3]
    );
    assert!(git_out(repo.path(), &["show", "main:spread.py"]).contains("max(xs) - min(xs)"));
}

#[test]
fn an_answer_with_only_the_function_it_changed_keeps_the_rest_of_the_file() {
    let mut repo = TestRepo::new();
    let rain = "import math\n\n\ndef collected(showers):\n    return sum(showers)\n\n\ndef daily_mean(showers):\n    return sum(showers) / (len(showers) + 1)\n\n\ndef swing(showers):\n    return math.fabs(max(showers) - min(showers))\n";
    repo.user_commit(&[("rain.py", rain)], "rain");
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "0");
    let lazy =
        "```python rain.py\ndef daily_mean(showers):\n    return sum(showers) / len(showers)\n```";
    let test = "```python test_rain.py\nfrom rain import daily_mean, swing\n\n\ndef test_daily_mean():\n    assert daily_mean([4, 8]) == 6.0\n    assert swing([1, 4]) == 3\n```";
    let requests = script(
        &mut repo,
        &[lazy, test],
        "daily_mean() in rain.py is wrong: `daily_mean([4, 8])` gives 4.0 instead of 6.0.",
    );
    let (tasks, log) = work_off(&repo);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");
    assert_eq!(requests.lock().unwrap().len(), 2, "no repair round: {log}");
    let shown = repo.ok(&["tasks", "show", "1"]);
    assert!(
        shown.contains(
            "rain.py: put back what the answer left out, as it was: `collected`, `swing`, with `import math`"
        ),
        "{shown}"
    );
    let fixed = rain.replace("(len(showers) + 1)", "len(showers)");
    assert_eq!(git_out(repo.path(), &["show", "main:rain.py"]), fixed);
}

/// Commits a library crate `name` whose `src/lib.rs` is `lib`.
fn rust_crate(repo: &TestRepo, name: &str, lib: &str) {
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n"
    );
    repo.user_commit(&[("Cargo.toml", &manifest), ("src/lib.rs", lib)], name);
}

#[test]
fn a_rust_answer_that_leaves_out_the_files_own_tests_gets_them_back_and_lands() {
    let mut repo = TestRepo::new();
    let gauge = "/// A reading as a share of the dial, 0 to 100.\npub fn percent(v: i32) -> i32 {\n    v.min(100)\n}\n\npub fn label(v: i32) -> String {\n    format!(\"{}%\", percent(v))\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn tops_out_at_a_hundred() {\n        assert_eq!(percent(140), 100);\n        assert_eq!(label(7), \"7%\");\n    }\n}\n";
    rust_crate(&repo, "gauge", gauge);
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "0");
    // The function it fixed, alone: written as the whole file, it drops `label` and the tests.
    let lazy = "```rust src/lib.rs\n/// A reading as a share of the dial, 0 to 100.\npub fn percent(v: i32) -> i32 {\n    v.clamp(0, 100)\n}\n```";
    let test = "```rust tests/lib_task.rs\nuse gauge::*;\n\n#[test]\nfn never_below_zero() {\n    assert_eq!(percent(-20), 0);\n}\n```";
    script(
        &mut repo,
        &[lazy, test],
        "percent() in src/lib.rs lets readings below zero through: `percent(-20)` gives -20 instead of 0.",
    );
    let (tasks, log) = work_off(&repo);
    let shown = repo.ok(&["tasks", "show", "1"]);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{shown}");
    assert!(
        shown
            .contains("src/lib.rs: put back what the answer left out, as it was: `label`, `tests`"),
        "{shown}"
    );
    assert_eq!(
        git_out(repo.path(), &["show", "main:src/lib.rs"]),
        gauge.replace("v.min(100)", "v.clamp(0, 100)")
    );
}

#[test]
fn code_that_does_not_build_goes_back_to_the_model_with_the_compilers_words() {
    let mut repo = TestRepo::new();
    let parity = "/// Whether `n` is odd.\npub fn is_odd(n: i64) -> bool {\n    n % 2 == 1\n}\n\n/// How many of `values` are odd.\npub fn count_odd(values: &[i64]) -> usize {\n    values.iter().filter(|v| is_odd(**v)).count()\n}\n";
    rust_crate(&repo, "parity", parity);
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "1");
    // Right about the bug, but one dereference short: rustc refuses it, no test runs.
    let unbuilt = parity
        .replace("n % 2 == 1", "n % 2 != 0")
        .replace("is_odd(**v)", "is_odd(*v)");
    let fixed = parity.replace("n % 2 == 1", "n % 2 != 0");
    let test = "```rust tests/lib_task.rs\nuse parity::*;\n\n#[test]\nfn negative_odd_numbers_count() {\n    assert_eq!(count_odd(&[-3, -1, 2, 5]), 3);\n}\n```";
    let requests = script(
        &mut repo,
        &[
            &format!("```rust src/lib.rs\n{unbuilt}```"),
            &format!("```rust src/lib.rs\n{fixed}```"),
            test,
        ],
        "count_odd() in src/lib.rs misses negative odd numbers: `count_odd(&[-3, -1, 2, 5])` gives 1 instead of 3.",
    );
    let (tasks, log) = work_off(&repo);
    let shown = repo.show(1);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{shown:#}");
    assert_eq!(super::helpers::purposes(&shown), ["code", "repair", "test"]);
    let requests = requests.lock().unwrap().clone();
    assert!(
        requests[1].contains("the code does not build") && requests[1].contains("E0308"),
        "{}",
        requests[1]
    );
    assert_eq!(git_out(repo.path(), &["show", "main:src/lib.rs"]), fixed);
}

#[test]
fn files_the_task_does_not_ask_for_are_left_out_of_what_lands() {
    let mut repo = TestRepo::new();
    let readme = "# kettle\n\nBoils water.\n";
    repo.user_commit(
        &[
            ("kettle.py", "def boil(t):\n    return t > 0\n"),
            ("README.md", readme),
        ],
        "kettle",
    );
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "1");
    // Prose alone: nothing the task asks for.
    let prose = "```markdown README.md\n# kettle\n\nboil is fixed.\n```";
    // The fix, beside the README rewritten and an empty file named after the task's words.
    let fixed = "def boil(t):\n    return t >= 100\n";
    let answer = format!(
        "```python kettle.py\n{fixed}```\n\n```markdown README.md\n# kettle\n```\n\n```python boil.saysWaterBoilsBelow.py\n```"
    );
    let test = "```python test_kettle.py\nfrom kettle import boil\n\n\ndef test_boil():\n    assert boil(100)\n    assert not boil(99)\n```";
    let requests = script(
        &mut repo,
        &[prose, &answer, test],
        "`boil(t)` in kettle.py says water boils below 100: `boil(99)` gives True instead of False.",
    );
    let (tasks, log) = work_off(&repo);
    let shown = repo.ok(&["tasks", "show", "1", "--full"]);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{shown}");
    let requests = requests.lock().unwrap().clone();
    assert!(
        requests[1].contains("nothing the reply writes can land (left out README.md"),
        "{}",
        requests[1]
    );
    for note in [
        "left out README.md: the task does not ask for it, and it is not code",
        "left out boil.saysWaterBoilsBelow.py: a new file with nothing in it",
    ] {
        assert!(shown.contains(note), "{note}: {shown}");
    }
    assert_eq!(git_out(repo.path(), &["show", "main:kettle.py"]), fixed);
    assert_eq!(git_out(repo.path(), &["show", "main:README.md"]), readme);
    let landed = git_out(repo.path(), &["ls-tree", "--name-only", "main"]);
    assert!(!landed.contains("boil.says"), "{landed}");
}

#[test]
fn the_prompts_worked_example_copied_and_code_foreign_to_the_repository_are_left_out() {
    let mut repo = TestRepo::new();
    repo.user_commit(
        &[("kettle.py", "def boil(t):\n    return t > 0\n")],
        "kettle",
    );
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "1");
    // The worked example's reply, verbatim, and a Rust file in a Python project: nothing the
    // task asks for, though each is code with something in it.
    let copied = "```python greet.py\ndef greet(name):\n    return f\"Hello, {name}!\"\n```\n\n```rust tools/gauge.rs\nfn main() {}\n```";
    let fixed = "def boil(t):\n    return t >= 100\n";
    let answer = format!("```python kettle.py\n{fixed}```");
    let test = "```python test_kettle.py\nfrom kettle import boil\n\n\ndef test_boil():\n    assert boil(100)\n    assert not boil(99)\n```";
    let requests = script(
        &mut repo,
        &[copied, &answer, test],
        "`boil(t)` in kettle.py says water boils below 100: `boil(99)` gives True instead of False.",
    );
    let (tasks, log) = work_off(&repo);
    let shown = repo.ok(&["tasks", "show", "1", "--full"]);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{shown}");
    let requests = requests.lock().unwrap().clone();
    for note in [
        "left out greet.py: the prompt's worked example copied: the task does not ask for it",
        "left out tools/gauge.rs: code in a language the repository holds none of, and the task asks for none",
    ] {
        assert!(requests[1].contains(note), "{note}: {}", requests[1]);
    }
    assert_eq!(git_out(repo.path(), &["show", "main:kettle.py"]), fixed);
    let landed = git_out(repo.path(), &["ls-tree", "-r", "--name-only", "main"]);
    assert!(
        !landed.contains("greet") && !landed.contains("tools"),
        "{landed}"
    );
}

#[test]
fn rust_files_no_build_compiles_are_left_out() {
    let mut repo = TestRepo::new();
    let dial =
        "/// The dial's reading, 0 to 10.\npub fn reading(raw: u32) -> u32 {\n    raw / 10\n}\n";
    rust_crate(&repo, "dial", dial);
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "1");
    let fixed = dial.replace("raw / 10", "(raw / 10).min(10)");
    // The fix in a module no `mod` declares, then beside the right change a file outside `src`:
    // neither is ever compiled, so no test sees what they hold.
    let undeclared = format!("```rust src/reading.rs\n{fixed}```");
    let answer =
        format!("```rust src/lib.rs\n{fixed}```\n\n```rust scratch.rs\nfn main() {{}}\n```");
    let test = "```rust tests/lib_task.rs\nuse dial::*;\n\n#[test]\nfn reading_stops_at_ten() {\n    assert_eq!(reading(250), 10);\n}\n```";
    let requests = script(
        &mut repo,
        &[&undeclared, &answer, test],
        "reading() in src/lib.rs goes past 10: `reading(250)` gives 25 instead of 10.",
    );
    let (tasks, log) = work_off(&repo);
    let shown = repo.ok(&["tasks", "show", "1", "--full"]);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}\n{shown}");
    let requests = requests.lock().unwrap().clone();
    let note = "left out src/reading.rs: no build compiles it (no `mod reading` in src/lib.rs or src/main.rs)";
    assert!(requests[1].contains(note), "{}", requests[1]);
    assert!(
        shown.contains(
            "left out scratch.rs: no build compiles it (it is outside the crate's `src`)"
        ),
        "{shown}"
    );
    assert_eq!(git_out(repo.path(), &["show", "main:src/lib.rs"]), fixed);
    let landed = git_out(repo.path(), &["ls-tree", "-r", "--name-only", "main"]);
    assert!(
        !landed.contains("scratch") && !landed.contains("src/reading.rs"),
        "{landed}"
    );
}

#[test]
fn an_answer_that_deletes_a_method_the_task_does_not_name_is_refused_and_repaired() {
    let mut repo = TestRepo::new();
    let orchard = "class Terrace:\n    def __init__(self, w):\n        self.w = w\n\n    def plots(self):\n        return self.w * self.w + 1\n\n    def weed(self):\n        self.w += 1\n";
    repo.user_commit(&[("orchard.py", orchard)], "orchard");
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "1");
    let fixed = orchard.replace("self.w * self.w + 1", "self.w * self.w");
    let lazy = "```python orchard.py\nclass Terrace:\n    def __init__(self, w):\n        self.w = w\n\n    def plots(self):\n        return self.w * self.w\n```".to_owned();
    let whole = format!("I dropped weed.\n\n```python orchard.py\n{fixed}```");
    let test = "```python test_orchard.py\nfrom orchard import Terrace\n\n\ndef test_plots():\n    assert Terrace(3).plots() == 9\n```";
    let requests = script(
        &mut repo,
        &[&lazy, &whole, test],
        "Terrace.plots() in orchard.py is wrong: `Terrace(3).plots()` gives 10 instead of 9.",
    );
    let (tasks, log) = work_off(&repo);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");
    let requests = requests.lock().unwrap().clone();
    assert!(
        requests[1].contains("your answer deletes `weed`"),
        "{}",
        requests[1]
    );
    assert_eq!(git_out(repo.path(), &["show", "main:orchard.py"]), fixed);
}

#[test]
fn a_rename_that_leaves_a_caller_on_the_old_name_is_refused_and_repaired() {
    let mut repo = TestRepo::new();
    let fees = "def fee_for(amount):\n    return amount // 10\n";
    let shop = "from fees import fee_for\n\n\ndef price(x):\n    return x + fee_for(x)\n";
    repo.user_commit(&[("fees.py", fees), ("shop.py", shop)], "shop");
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "1");
    repo.set("NIGHTSHIFT_REPAIR_STRATEGY", "repair");
    let renamed = fees.replace("fee_for", "charge_for");
    let only_fees = format!("```python fees.py\n{renamed}```");
    let both = format!(
        "```python fees.py\n{renamed}```\n\n```python shop.py\n{}```",
        shop.replace("fee_for", "charge_for")
    );
    let test = "```python test_fees.py\nfrom fees import charge_for\n\n\ndef test_charge_for():\n    assert charge_for(50) == 5\n```";
    let requests = script(
        &mut repo,
        &[&only_fees, &both, test],
        "Rename `fee_for` in fees.py to `charge_for`, keeping what it does.",
    );
    let (tasks, log) = work_off(&repo);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");
    let requests = requests.lock().unwrap().clone();
    assert!(
        requests[1].contains(
            "shop.py, line 1: `from fees import fee_for` still uses `fee_for` from fees.py, \
             which no longer defines it"
        ),
        "{}",
        requests[1]
    );
    assert_eq!(
        git_out(repo.path(), &["show", "main:shop.py"]),
        shop.replace("fee_for", "charge_for")
    );
}

#[test]
fn tests_asked_for_check_the_real_code_and_leave_the_code_the_task_protects_alone() {
    let mut repo = TestRepo::new();
    let calc = "def add(a, b):\n    return a + b\n";
    repo.user_commit(&[("calc.py", calc)], "calc");
    repo.set("NIGHTSHIFT_REPAIR_ROUNDS", "1");
    repo.set("NIGHTSHIFT_REPAIR_STRATEGY", "repair");
    // The test checks a pasted copy of `add` with one wrong assert, and the answer "fixes"
    // calc.py to match it. Then a test that is right.
    let answer = "```python test_calc.py\nimport pytest\n\n\ndef add(a, b):\n    return a + b + 1\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_add_negative():\n    assert add(-1, -1) == -1\n```\n\n```python calc.py\ndef add(a, b):\n    return a + b + 1\n```";
    let right = "```python test_calc.py\nfrom calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n    assert add(-1, -1) == -2\n```";
    let requests = script(
        &mut repo,
        &[answer, right],
        "Write pytest tests for `add` in a new file `test_calc.py`. Do not change `calc.py`.",
    );
    let (tasks, log) = work_off(&repo);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");
    let requests = requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    // The failing assert was not taken out: the model was told the test is what is wrong.
    assert!(
        requests[1].contains("The task says not to change calc.py: where a test disagrees with it, the test is wrong. Correct the test."),
        "{}",
        requests[1]
    );
    let shown = repo.ok(&["tasks", "show", "1"]);
    for note in [
        "calc.py: put back as it was: the task says not to change it",
        "test_calc.py: took out its own copies of the code and imports it instead: `add` from calc.py",
    ] {
        assert!(shown.contains(note), "{note}: {shown}");
    }
    assert!(!shown.contains("took out of test_calc.py"), "{shown}");
    assert_eq!(git_out(repo.path(), &["show", "main:calc.py"]), calc);
    assert_eq!(
        git_out(repo.path(), &["show", "main:test_calc.py"]),
        "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n    assert add(-1, -1) == -2\n"
    );
}

#[test]
fn tests_asked_for_that_let_mutants_through_are_shown_the_survivors_and_repaired() {
    let mut repo = TestRepo::new();
    let ledger = "def balance(entries, floor):\n    total = sum(entries)\n    if total < floor:\n        raise ValueError(\"overdrawn\")\n    return total\n";
    repo.user_commit(&[("ledger.py", ledger)], "ledger");
    let weak = "```python test_ledger.py\nfrom ledger import balance\n\n\ndef test_balance():\n    assert balance([5, 7], 0) == 12\n```";
    let strong = "```python test_ledger.py\nimport pytest\n\nfrom ledger import balance\n\n\ndef test_balance():\n    assert balance([5, 7], 0) == 12\n    assert balance([5, -5], 0) == 0\n\n\ndef test_overdrawn():\n    with pytest.raises(ValueError):\n        balance([2, -3], 0)\n```";
    let requests = script(
        &mut repo,
        &[weak, strong],
        "Write pytest tests for `balance(entries, floor)` in a new file test_ledger.py. Do not change ledger.py.",
    );
    let (tasks, log) = work_off(&repo);
    assert_eq!(tasks[0]["status"], "succeeded", "{log}");
    assert_eq!(super::helpers::purposes(&repo.show(1)), ["code", "repair"]);
    // The repair shows the mutants the tests let through, beside the tests as they were.
    let requests = requests.lock().unwrap().clone();
    assert!(
        requests[1].contains("simple mutants of ledger.py: they pass on code that is wrong")
            && requests[1].contains("`raise` dropped")
            && requests[1].contains("assert balance([5, 7], 0) == 12"),
        "{}",
        requests[1]
    );
    assert!(git_out(repo.path(), &["show", "main:test_ledger.py"]).contains("pytest.raises"));
    assert_eq!(git_out(repo.path(), &["show", "main:ledger.py"]), ledger);
}
