//! Choosing the answer to land among those that passed the gates ([`crate::pipeline`]), by
//! evidence the model's own asserts cannot fake: the task's stated examples, checked by
//! nightshift ([`nightshift_lang::stated_examples`]), and how each answer behaves beside the
//! others and beside the code as the attempt found it on the calls of a test of the task — the
//! one the first answer brought, or one the model is asked for (`task_test`) ([`crate::observe`],
//! [`crate::select`]). The test's asserts are one vote among the
//! answers, never a check to weaken: the test lands with the answer only if it passes on it as
//! written.
//!
//! An answer nothing refused that was not chosen only because no other answer of its round
//! behaved as it does is held over ([`Held`]): a later round's answer that behaves alike, on the
//! same test from the same starting point, vouches for it as one of its own round would.
//!
//! Where no behaviour can be observed (a language the observer does not run), the test written
//! for the task is a gate like the project's tests, and the first answer it passes on is taken,
//! once a second answer passes it too and it fails on the code as it was.

use std::collections::BTreeSet;

use nightshift_lang::{
    Language, keeps_arguments, mentions, reports_a_fault, speaks_of_errors, stated_examples,
    stated_rules,
};
use nightshift_store::{EventLog, LogEntry, LogLevel, ModelStatsLog, TaskQueue};

use crate::attempt::{Attempt, AttemptError};
use crate::check::{asks_for_tests, is_python, is_test_file};
use crate::guard::test_cases;
use crate::mutants;
use crate::observe::{self, Observer, Probe, module_of};
use crate::reply::ReplyError;
use crate::select::{self, Observed};
use crate::work::Work;

/// The event every line of the choice is logged under: why an answer was refused, and why the
/// one chosen was.
pub const SELECT_EVENT: &str = "select";

/// How many of the repository's tests are run to record the data they give the code
/// ([`Attempt::record`]).
const RECORDED_TESTS: usize = 5;

/// Why the answer chosen last in `log` (an attempt's lines, oldest first) was chosen, as the
/// attempt logged it: what vouched for what landed.
pub fn why_chosen(log: &[LogEntry]) -> Option<&str> {
    log.iter()
        .rev()
        .filter(|entry| entry.event == SELECT_EVENT)
        .find_map(|entry| {
            let (name, why) = entry
                .message
                .strip_prefix("candidate ")?
                .split_once(" chosen: ")?;
            // A refusal may quote anything after its own colon.
            (!name.contains(':')).then_some(why)
        })
}

/// An answer that passed the gates, as it left the files.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// The round that asked for it.
    pub(crate) round: u32,
    /// Its index in the round's batch (0: the greedy answer).
    pub(crate) index: usize,
    /// `backend/model` that wrote it.
    pub(crate) author: String,
    /// The files it wrote, after the gates' mends.
    pub(crate) files: Vec<(String, String)>,
    /// The gates it passed.
    pub(crate) checks: Vec<&'static str>,
}

impl Candidate {
    /// Its place among the attempt's answers, earliest first, with `n` answers to a round.
    fn order(&self, n: usize) -> usize {
        (self.round as usize).saturating_sub(1) * n + self.index
    }

    /// How the log names it in `round`: its index, and its round where that is an earlier one.
    fn name(&self, round: u32) -> String {
        if self.round == round {
            self.index.to_string()
        } else {
            format!("{} of round {}", self.index, self.round)
        }
    }
}

/// An answer of an earlier round of the attempt that nothing refused, and that was not chosen
/// only because no other answer of its round behaved as it does: one of a later round may.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    pub(crate) candidate: Candidate,
    /// How it behaved, observed with `probe` on the files as the attempt found them at `base`.
    pub(crate) behaviour: observe::Behaviour,
    pub(crate) probe: Probe,
    pub(crate) base: Option<String>,
}

impl<S: EventLog + ModelStatsLog + TaskQueue> Attempt<'_, S> {
    /// Chooses among `passed` (in batch order, at least one), leaves the worktree holding the
    /// chosen answer (and the test written for the task, if it passes there), and returns the
    /// checks that passed.
    pub(crate) async fn choose(
        &self,
        passed: Vec<Candidate>,
        round: u32,
        work: &mut Work,
    ) -> Result<Vec<&'static str>, AttemptError> {
        let first = &passed[0];
        self.put_back(&first.files, work).await?;
        if work.writes_only_tests() {
            return self.choose_tests(passed, work).await;
        }
        // A test the answer brought with it passed on it, as written: it serves. Else the model
        // is asked for one.
        let own = first
            .files
            .iter()
            .find(|(path, _)| is_test_file(path) && !work.base_files.contains(path))
            .cloned();
        let mut test_set_aside = None;
        let test = match own {
            Some(test) => Some(test),
            None => match self.task_test(work, round).await {
                Ok(test) => test,
                // A test written for the task that does not parse, or never came, speaks for no
                // answer and against none: the answers are chosen on what else there is.
                Err(
                    err @ (AttemptError::Syntax(_) | AttemptError::Reply(ReplyError::NoTestFile)),
                ) => {
                    self.log(
                        LogLevel::Warn,
                        SELECT_EVENT,
                        format!("the test written for the task is set aside: {err}"),
                    )
                    .await;
                    self.put_back(&first.files, work).await?;
                    test_set_aside = Some(err);
                    None
                }
                Err(err) => return Err(err),
            },
        };
        let task = self.task.description.as_str();
        // The modules the examples are evaluated among, as the observer of `language` names
        // them: the answers' source files and those the task names.
        let modules_in = |language: Observer| -> Vec<String> {
            let mut modules: Vec<String> = passed
                .iter()
                .flat_map(|c| c.files.iter().map(|(path, _)| path))
                .chain(&work.mentioned)
                .filter(|path| {
                    !is_test_file(path)
                        && Language::of(path).and_then(Observer::of) == Some(language)
                })
                .filter_map(|path| match language {
                    Observer::Python => module_of(path),
                    Observer::JavaScript => Some(path.clone()),
                })
                .collect();
            modules.sort();
            modules.dedup();
            modules
        };
        // The test's language, where nightshift can observe it; with no test, the language of
        // the code the examples call.
        let language = match &test {
            Some((path, content)) => Language::of(path)
                .and_then(Observer::of)
                .filter(|observer| observer.can_run(content)),
            None => [Observer::Python, Observer::JavaScript]
                .into_iter()
                .find(|&observer| !modules_in(observer).is_empty()),
        };
        // The examples the task states, then the calls its rules in prose pin down.
        let mut stated = stated_examples(task);
        stated.extend(stated_rules(
            task,
            &stated,
            language == Some(Observer::JavaScript),
        ));
        let examples: Vec<(String, String)> = stated
            .iter()
            .map(|stated| (stated.call.clone(), stated.expected.clone()))
            .collect();
        let probe = match language {
            Some(language) => {
                let modules = modules_in(language);
                Probe {
                    language,
                    test: test.clone(),
                    examples: if modules.is_empty() {
                        Vec::new()
                    } else {
                        examples
                    },
                    modules,
                    replay: Vec::new(),
                }
            }
            None => Probe::default(),
        };
        if probe.is_empty() {
            if let Some(err) = test_set_aside {
                return Err(AttemptError::Unvouched(format!(
                    "the task states no example, and the test written for it was set aside \
                     ({err}): nothing speaks for the answers"
                )));
            }
            return self.first_passing(passed, test, work).await;
        }

        let mut probe = probe;
        if probe.language == Observer::Python {
            // Replayed on the code as it was too, with the rest of the probe.
            probe.replay = self.record(&passed, work).await?;
            if !probe.replay.is_empty() {
                self.log(
                    LogLevel::Info,
                    SELECT_EVENT,
                    format!(
                        "{} calls of the code with data the repository's tests give it (as \
                         made, or with a key of a dict left out) are made again on each answer",
                        probe.replay.len()
                    ),
                )
                .await;
            }
        }
        let fault = reports_a_fault(task);
        let original = self.observe(&[], test.as_ref(), &probe, work).await?;
        let n = self.settings.candidates.max(1) as usize;
        let mut observed = Vec::new();
        for candidate in &passed {
            match self
                .observe(&candidate.files, test.as_ref(), &probe, work)
                .await?
            {
                Some(behaviour) => observed.push(Observed {
                    candidate: candidate.order(n),
                    name: candidate.name(round),
                    behaviour,
                    held: false,
                }),
                None => {
                    self.log(
                        LogLevel::Warn,
                        SELECT_EVENT,
                        format!(
                            "candidate {} refused: running the test's calls on it crashed the \
                             interpreter or ran out of time",
                            candidate.index
                        ),
                    )
                    .await;
                }
            }
        }
        // Answers of earlier rounds that only lacked another to agree with, observed with the
        // same test from the same starting point: each is a sample of the task as much as this
        // round's are, and counts beside them.
        let held: Vec<Held> = work
            .held
            .iter()
            .filter(|held| held.probe == probe && held.base == work.base)
            .cloned()
            .collect();
        if !held.is_empty() {
            self.log(
                LogLevel::Info,
                SELECT_EVENT,
                format!(
                    "{} answer(s) of earlier rounds that nothing refused, but that no other \
                     answer of their round agreed with, are chosen among beside this round's: {}",
                    held.len(),
                    held.iter()
                        .map(|held| held.candidate.name(round))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .await;
        }
        let fresh = observed.len();
        observed.splice(
            0..0,
            held.iter().map(|held| Observed {
                candidate: held.candidate.order(n),
                name: held.candidate.name(round),
                behaviour: held.behaviour.clone(),
                held: true,
            }),
        );
        let mut original = original.unwrap_or_default();
        let plain: Vec<usize> = if fault {
            (0..probe.examples.len())
                .filter(|&i| stated[i].plain)
                .collect()
        } else {
            Vec::new()
        };
        for i in select::without_described(&mut original, &mut observed, &plain) {
            self.log(
                LogLevel::Info,
                SELECT_EVENT,
                format!(
                    "the task says `{}` gives `{}`, and so does the code as it was: in a report \
                     of a fault that is the fault described, not a check",
                    stated[i].call, stated[i].expected
                ),
            )
            .await;
        }
        for wrong in select::without_contradicted_asserts(&mut original, &mut observed) {
            let said = wrong
                .example
                .strip_prefix('T')
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| stated.get(i))
                .map_or_else(String::new, |stated| match &stated.rule {
                    Some(rule) => format!(" (\"{rule}\")"),
                    None => format!(" (`{}` gives `{}`)", stated.call, stated.expected),
                });
            self.log(
                LogLevel::Info,
                SELECT_EVENT,
                format!(
                    "the test's line {} expects of `{}` other than the task says{said}: it is \
                     wrong by the task's own words, and set aside — not a vote, and not needed \
                     to vouch for an answer",
                    &wrong.assert[1..],
                    wrong.call
                ),
            )
            .await;
        }
        // A report of a fault names where it shows, not where it lies: what the functions it
        // names rely on is within its reach too.
        let relied_on = if fault {
            work.code.used_by_mentioned(task)
        } else {
            Default::default()
        };
        if !relied_on.is_empty() {
            self.log(
                LogLevel::Info,
                SELECT_EVENT,
                format!(
                    "the task reports a fault in what it names, which relies on {}: a change to \
                     what they give is within its reach",
                    relied_on.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            )
            .await;
        }
        let touches = |names: &[String]| {
            names
                .iter()
                .any(|name| mentions(task, name) || relied_on.contains(name))
        };
        let terms = select::Terms {
            examples: &stated[..probe.examples.len()],
            touches: &touches,
            agree: self.agreement(),
            keep_arguments: keeps_arguments(task),
            errors_allowed: speaks_of_errors(task),
            reported: if fault {
                work.code.named_in(task)
            } else {
                Default::default()
            },
            later_round: round <= self.settings.repair_rounds,
        };
        let choice = select::choose(&original, &observed, &terms);
        for line in &choice.account {
            self.log(LogLevel::Info, SELECT_EVENT, line.clone()).await;
        }
        let Some(candidate) = choice.chosen.and_then(|chosen| {
            passed
                .iter()
                .chain(held.iter().map(|held| &held.candidate))
                .find(|c| c.order(n) == chosen)
        }) else {
            // This round's answers that nothing refused wait for one of a later round to agree.
            for observed in &observed[observed.len() - fresh..] {
                if let Some(candidate) = passed
                    .iter()
                    .find(|c| c.order(n) == observed.candidate)
                    .filter(|_| choice.left.contains(&observed.candidate))
                {
                    work.held.push(Held {
                        candidate: candidate.clone(),
                        behaviour: observed.behaviour.clone(),
                        probe: probe.clone(),
                        base: work.base.clone(),
                    });
                }
            }
            self.put_back(&first.files, work).await?;
            // The files left are the first answer's: where the task's own words refused it, that
            // is what a repair round can show.
            if let Some(reason) = choice.contradicting.get(&first.order(n)) {
                return Err(AttemptError::Contradicted(format!(
                    "{reason}.\nChange the code so that it does what the task says for every \
                     input, this one among them."
                )));
            }
            return Err(AttemptError::Unvouched(choice.account.join("\n")));
        };
        work.author.clone_from(&candidate.author);
        let mut checks = candidate.checks.clone();
        checks.push("behaviour");
        if let Some(test) = &test {
            self.put_back(&with_test(&candidate.files, test), work)
                .await?;
            match self.run_tests(work).await {
                Ok(ran) => {
                    checks.push("generated-test");
                    with_checks(&mut checks, ran);
                    return Ok(checks);
                }
                Err(err) if err.is_failed_run() => {
                    self.log(
                        LogLevel::Info,
                        SELECT_EVENT,
                        format!(
                            "{}, the test written for the task, fails on the chosen answer: it \
                             is left out of the commit, not weakened to pass",
                            test.0
                        ),
                    )
                    .await;
                }
                Err(err) => return Err(err),
            }
        }
        self.put_back(&candidate.files, work).await?;
        Ok(checks)
    }

    /// Among answers that are tests (each passed on the code): the one whose tests kill most of
    /// the simple mutants of the Python code the task names ([`mutants`]), ties to the earliest;
    /// none if the best kills fewer than three in four, none of a function the task names, or
    /// lets through a mutant that moves a value the task states ([`mutants::Score::enough`]).
    /// Where there is no such code, or the tests are not Python, the first. None where the task does not ask for tests (a bug report answered
    /// by a test alone fixes nothing).
    async fn choose_tests(
        &self,
        passed: Vec<Candidate>,
        work: &mut Work,
    ) -> Result<Vec<&'static str>, AttemptError> {
        let task = self.task.description.as_str();
        if !asks_for_tests(task) {
            self.put_back(&passed[0].files, work).await?;
            return Err(AttemptError::Unvouched(
                "the answer only writes tests, and the task does not ask for tests: it changes \
                 none of the code the task is about"
                    .to_owned(),
            ));
        }
        let code: Vec<String> = work
            .mentioned
            .iter()
            .filter(|path| is_python(path) && !is_test_file(path))
            .filter(|path| work.base_files.contains(path))
            .cloned()
            .collect();
        let tests_of = |candidate: &Candidate| -> Vec<String> {
            candidate
                .files
                .iter()
                .map(|(path, _)| path.clone())
                .filter(|path| is_python(path) && is_test_file(path))
                .collect()
        };
        if code.is_empty() || tests_of(&passed[0]).is_empty() {
            let first = &passed[0];
            self.log(
                LogLevel::Info,
                SELECT_EVENT,
                format!(
                    "candidate {} chosen: the answer is tests, there is no Python code named by \
                     the task to plant mutants in, and the first whose tests pass is taken",
                    first.index
                ),
            )
            .await;
            self.put_back(&first.files, work).await?;
            return Ok(first.checks.clone());
        }
        // Of tests that kill as many mutants, those split into more test cases: a failure then
        // names the behaviour it broke.
        let cases = |candidate: &Candidate| -> usize {
            candidate
                .files
                .iter()
                .filter(|(path, _)| is_python(path) && is_test_file(path))
                .map(|(path, content)| test_cases(path, content))
                .sum()
        };
        let mut best: Option<(&Candidate, mutants::Score)> = None;
        for candidate in &passed {
            let tests = tests_of(candidate);
            if tests.is_empty() {
                continue;
            }
            self.put_back(&candidate.files, work).await?;
            let score = mutants::score(
                &self.settings.sandbox,
                &self.settings.python,
                &self.worktree,
                &code,
                &tests,
                task,
                self.settings.test_timeout * 3,
            )
            .await?
            .unwrap_or_else(|| mutants::Score {
                error: Some("the mutant runs did not finish in time".into()),
                ..mutants::Score::default()
            });
            self.log(
                LogLevel::Info,
                SELECT_EVENT,
                match &score.error {
                    Some(error) => format!(
                        "candidate {}: no mutant could be tried: {error}",
                        candidate.index
                    ),
                    None => format!(
                        "candidate {}: its tests kill {} of {} mutants of {}{}",
                        candidate.index,
                        score.killed(),
                        score.mutants.len(),
                        code.join(", "),
                        survivors(&score)
                    ),
                },
            )
            .await;
            if best.as_ref().is_none_or(|(b, b_score)| {
                (score.enough(), score.killed(), cases(candidate))
                    > (b_score.enough(), b_score.killed(), cases(b))
            }) {
                best = Some((candidate, score));
            }
        }
        let (candidate, score) = match best {
            Some((candidate, score)) if score.enough() => (candidate, score),
            best => {
                // The tests that came closest stay for a repair round to build on.
                let closest = best
                    .as_ref()
                    .map_or(&passed[0], |(candidate, _)| *candidate);
                self.put_back(&closest.files, work).await?;
                return Err(AttemptError::Unvouched(
                best.map_or_else(|| "none of the answers brought Python tests to run on mutants".to_owned(), |(_, score)| {
                    let unchecked = score.unchecked();
                    let none_of = if unchecked.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ", and none of those of {}, which the task names: they check nothing \
                             of it",
                            unchecked.join(", ")
                        )
                    };
                    let unpinned = score.unpinned();
                    let stated = if unpinned.is_empty() {
                        String::new()
                    } else {
                        format!(
                            ", and they pass with a value the task states moved ({}): check \
                             the code at exactly the values the task gives, and on either side",
                            unpinned.join("; ")
                        )
                    };
                    format!(
                        "the best of the tests kills {} of {} simple mutants of {}{none_of}{stated}: \
                         they pass on code that is wrong. Add asserts that fail on such changes{}",
                        score.killed(),
                        score.mutants.len(),
                        code.join(", "),
                        survivors(&score)
                    )
                }),
                ));
            }
        };
        self.log(
            LogLevel::Info,
            SELECT_EVENT,
            format!(
                "candidate {} chosen: its tests kill the most mutants, {} of {}, in {} test \
                 cases",
                candidate.index,
                score.killed(),
                score.mutants.len(),
                cases(candidate)
            ),
        )
        .await;
        work.author.clone_from(&candidate.author);
        self.put_back(&candidate.files, work).await?;
        let mut checks = candidate.checks.clone();
        checks.push("mutants");
        Ok(checks)
    }

    /// Where nothing can be observed: the first of `passed` that the test written for the task
    /// passes on (the test a gate, whole), once as many answers as must agree
    /// ([`Self::agreement`]) pass it and they are most of `passed` — one answer that only the
    /// model's own test speaks for is not vouched for, nor answers alike where as many fail the
    /// test — and only if that test fails on the code as the attempt found it
    /// ([`Self::holds_before`]). With no such test, the first of `passed`.
    async fn first_passing(
        &self,
        passed: Vec<Candidate>,
        test: Option<(String, String)>,
        work: &mut Work,
    ) -> Result<Vec<&'static str>, AttemptError> {
        let Some(test) = test else {
            let first = &passed[0];
            self.log(
                LogLevel::Info,
                SELECT_EVENT,
                format!(
                    "candidate {} chosen: the first to pass its checks (no test could be written \
                     for the task, and it states no example)",
                    first.index
                ),
            )
            .await;
            self.put_back(&first.files, work).await?;
            return Ok(first.checks.clone());
        };
        let agree = self.agreement();
        // As where behaviour is observed ([`select`]), answers alike vouch for each other only
        // where they are most of those that passed the gates: where as many fail the test, the
        // model errs on the task as often as not.
        let most = |passing: usize| agree < 2 || 2 * passing > passed.len();
        let mut failure = None;
        let mut passing = Vec::new();
        for candidate in &passed {
            self.put_back(&with_test(&candidate.files, &test), work)
                .await?;
            match self.run_tests(work).await {
                Ok(ran) => {
                    passing.push((candidate, ran));
                    if passing.len() >= agree && most(passing.len()) {
                        break;
                    }
                }
                // The task's test failing to build on an answer fails it as a failing assert
                // would: the compiler's errors are the test's, not the answer's to be shown.
                Err(AttemptError::Tests(output) | AttemptError::Build(output)) => {
                    failure.get_or_insert(AttemptError::Tests(output));
                }
                Err(err) => return Err(err),
            }
        }
        if passing.len() < agree || !most(passing.len()) {
            self.put_back(&with_test(&passed[0].files, &test), work)
                .await?;
            return Err(match passing.as_slice() {
                [] => failure.unwrap_or(AttemptError::NoChange),
                [(lone, _)] => AttemptError::Unvouched(format!(
                    "candidate {} is the only answer {} passes on: only the model's own test \
                     speaks for it, and no second answer behaves alike",
                    lone.index, test.0
                )),
                alike => AttemptError::Unvouched(format!(
                    "{} of the {} answers that passed the gates pass {}, no more than fail it \
                     (answers alike vouch for each other only where they are most): only the \
                     model's own test speaks for them",
                    alike.len(),
                    passed.len(),
                    test.0
                )),
            });
        }
        if self.holds_before(&test, work).await? {
            self.put_back(&with_test(&passed[0].files, &test), work)
                .await?;
            return Err(AttemptError::Unvouched(format!(
                "{} passes on the code as it was too: it shows nothing the answers changed, so \
                 it cannot speak for them. A test for the task must fail before the change and \
                 pass after it",
                test.0
            )));
        }
        let alike = passing.len();
        let (candidate, ran) = passing.swap_remove(0);
        self.log(
            LogLevel::Info,
            SELECT_EVENT,
            format!(
                "candidate {} chosen: the first that {} passes on, with {alike} of the {} \
                 answers that passed the gates passing it",
                candidate.index,
                test.0,
                passed.len()
            ),
        )
        .await;
        self.put_back(&with_test(&candidate.files, &test), work)
            .await?;
        work.author.clone_from(&candidate.author);
        let mut checks = candidate.checks.clone();
        checks.push("generated-test");
        with_checks(&mut checks, ran);
        Ok(checks)
    }

    /// Whether the project's tests and `test` all pass on the code as the attempt found it: a
    /// test that holds there as well as on an answer shows no effect of the answer (the rule
    /// [`select`] applies call by call where behaviour is observed).
    async fn holds_before(
        &self,
        test: &(String, String),
        work: &mut Work,
    ) -> Result<bool, AttemptError> {
        self.put_back(std::slice::from_ref(test), work).await?;
        self.log(
            LogLevel::Info,
            SELECT_EVENT,
            format!(
                "running {} on the code as it was: it must fail there to speak for a change",
                test.0
            ),
        )
        .await;
        match self.run_tests(work).await {
            Ok(_) => Ok(true),
            Err(err) if err.is_failed_run() => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// How many answers must behave alike for one of them to land: two where several were
    /// asked for (they vouch for each other), one where a single answer was.
    fn agreement(&self) -> usize {
        self.settings.candidates.clamp(1, 2) as usize
    }

    /// The calls of the code the answers in `passed` change that the repository's tests of it
    /// make with plain data, run on the code as the attempt found it ([`observe::record`]): a
    /// test of it is one of the repository's Python tests that names a module an answer
    /// changes.
    async fn record(
        &self,
        passed: &[Candidate],
        work: &mut Work,
    ) -> Result<Vec<observe::Recorded>, AttemptError> {
        let changed: BTreeSet<String> = passed
            .iter()
            .flat_map(|candidate| candidate.files.iter().map(|(path, _)| path))
            .filter(|path| !is_test_file(path))
            .filter_map(|path| module_of(path))
            .filter_map(|module| module.rsplit('.').next().map(str::to_owned))
            .collect();
        let tests: Vec<String> = work
            .base_files
            .iter()
            .filter(|path| is_python(path) && is_test_file(path) && !path.ends_with("conftest.py"))
            .cloned()
            .collect();
        self.put_back(&[], work).await?;
        let tests: Vec<String> = self
            .contents(&tests)
            .into_iter()
            .filter(|(_, text)| changed.iter().any(|module| mentions(text, module)))
            .map(|(path, _)| path)
            .take(RECORDED_TESTS)
            .collect();
        if tests.is_empty() {
            return Ok(Vec::new());
        }
        let recorded = observe::record(
            &self.settings.sandbox,
            &self.settings.python,
            &self.worktree,
            &tests,
            self.settings.test_timeout,
        )
        .await?;
        self.repo.tidy(&self.worktree, &work.written).await?;
        Ok(recorded)
    }

    /// What `files` (none: the code as the attempt found it), with `test` beside them, do on
    /// `probe`. The worktree holds `files` and `test` afterwards.
    async fn observe(
        &self,
        files: &[(String, String)],
        test: Option<&(String, String)>,
        probe: &Probe,
        work: &mut Work,
    ) -> Result<Option<observe::Behaviour>, AttemptError> {
        let mut all = files.to_vec();
        all.extend(test.cloned());
        self.put_back(&all, work).await?;
        let behaviour = observe::observe(
            &self.settings.sandbox,
            &self.settings.python,
            &self.worktree,
            probe,
            self.settings.test_timeout,
        )
        .await?;
        self.repo.tidy(&self.worktree, &work.written).await?;
        Ok(behaviour)
    }
}

/// Adds to `checks` those of `ran` it does not hold yet.
fn with_checks(checks: &mut Vec<&'static str>, ran: Vec<&'static str>) {
    for check in ran {
        if !checks.contains(&check) {
            checks.push(check);
        }
    }
}

/// `files` with `test` after them.
fn with_test(files: &[(String, String)], test: &(String, String)) -> Vec<(String, String)> {
    let mut all = files.to_vec();
    all.push(test.clone());
    all
}

/// The mutants `score`'s tests let through, for a log line: `; survived: at: change, …`.
fn survivors(score: &mutants::Score) -> String {
    let survivors = score.survivors(5);
    if survivors.is_empty() {
        String::new()
    } else {
        format!("; survived: {}", survivors.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(event: &str, message: &str) -> LogEntry {
        LogEntry {
            id: 0,
            at_ms: 0,
            task_id: Some(1),
            attempt: Some(1),
            level: LogLevel::Info,
            event: event.to_owned(),
            worker: None,
            from_status: None,
            to_status: None,
            message: message.to_owned(),
        }
    }

    /// The last choice made is the one that landed; a refusal that quotes a "chosen" line, and
    /// a line of another event, are not choices.
    #[test]
    fn why_chosen_is_the_last_choice_logged() {
        let log = [
            line(SELECT_EVENT, "candidate 0 chosen: 2 of 3 alike"),
            line(SELECT_EVENT, "candidate 1 of round 1 chosen: 1 of 1; alone"),
            line(
                SELECT_EVENT,
                "candidate 2 refused: the test says candidate 3 chosen: x",
            ),
            line("repair", "candidate 4 chosen: not a choice"),
        ];
        assert_eq!(why_chosen(&log), Some("1 of 1; alone"));
        assert_eq!(why_chosen(&log[2..]), None);
    }
}
