//! Choosing among candidate answers by how they behave ([`crate::observe`]), not by the model's
//! own asserts: those are often wrong in a small model's test, and an answer "fixed" until they
//! pass is wrong with them. An assert of that test that checks the very call one of the task's
//! examples checks, and expects otherwise where the example holds, is set aside first
//! ([`without_contradicted_asserts`]): the task's words show it wrong. In order:
//! 1. an answer that gives another value than the task's own example says, or than a rule it
//!    states in prose pins down at an edge, is out;
//! 2. an answer that changes what a call the task does not touch gave on the code as the attempt
//!    found it is out — a regression; so is one that raises on a call the repository's own tests
//!    made of the code as it was with plain data, or on one with a key of a dict it was given
//!    left out, where the code as it was gave a value and the task speaks of no error (data the
//!    code accepted, a file written before the change, must still be); and where the task says
//!    its input must be left as it is, one whose functions change an argument they are given;
//! 3. in a report of a fault, an answer on which every call the report describes the fault by
//!    gives just what it gave, and no check that could call the code as it was gives otherwise,
//!    is out ([`without_described`]); so is one on which the asserts that failed on the code as
//!    it was on a definition the report names all give just what they gave, however it rewrote
//!    that definition; and an answer none of whose checks holds that did not hold on the code as
//!    it was is out: it shows no effect, so nothing vouches for it;
//! 4. among the rest, the largest group of answers that behave alike on every site wins (the
//!    answer most samples agree on, as in MBR-exec: Shi et al., "Natural Language to Code
//!    Translation with Execution", EMNLP 2022); then the group whose behaviour the model's
//!    asserts agree with most; then the earliest answer (the greedy one first). The answers may
//!    come from several rounds of one attempt: [`crate::choice`] holds over those of an earlier
//!    round that only lacked another to agree with;
//! 5. the group chosen must be vouched for by more than the model's own test: at least `agree`
//!    answers sampled apart behave alike, and they are most of the answers that passed the gates
//!    (where as many behave otherwise, the model errs on the task as often as not, and answers
//!    alike are as likely to share its error), or an example the task states holds on it that
//!    did not hold on the code as it was, every assert of the test holds too, and some check
//!    holds past those plain examples — an assert at another call, or an edge a rule of the
//!    task pins down (examples cover the plain case; the test, the edges: a test that only
//!    restates them checks nothing more) (a small model's lone answer that passes its own
//!    asserts is as often wrong as right) — and, a lone answer being one sample, only where no
//!    answer left behaves otherwise and, where the attempt can still draw a later batch, once it
//!    has (it waits, held over, for that batch); else nothing is chosen. Where only the task's examples were
//!    observed to change (no test, or one whose every check gives on the answers just what it
//!    gave on the code as it was), answers alike show nothing — every one left meets those
//!    examples — and only the example vouches, on the terms a lone answer is held to. Nor does
//!    anything vouch where the checks observed (two or more) all gave one and the same value
//!    ([`one_value`]): a function that always gave it would meet them alike, so they show
//!    nothing of what the answer gives depending on what it is given.

use std::collections::{BTreeMap, BTreeSet};

use nightshift_lang::Stated;

use crate::observe::{Behaviour, Site};

/// One candidate's behaviour.
#[derive(Debug, Clone)]
pub struct Observed {
    /// Its place among the attempt's answers, earliest first (0: the first round's greedy
    /// answer): ties go to the earliest.
    pub candidate: usize,
    /// How the log names it: its index in its round's batch, and its round where that is an
    /// earlier one.
    pub name: String,
    /// What it did.
    pub behaviour: Behaviour,
    /// Drawn in an earlier round of the attempt and held over: a later batch of answers has been
    /// drawn since.
    pub held: bool,
}

/// What the task holds the answers to, read off its text once.
pub struct Terms<'a> {
    /// The task's examples, in the order of the `T<i>` sites: those it states, then those its
    /// rules in prose pin down.
    pub examples: &'a [Stated],
    /// Whether a site's names are ones the task touches (names it mentions, and in a report of a
    /// fault what they rely on).
    pub touches: &'a (dyn Fn(&[String]) -> bool + Sync),
    /// How many answers must behave alike to vouch for each other where no stated example does
    /// (1: any answer left vouches for itself).
    pub agree: usize,
    /// The task says the input of what it asks for must be left as it is
    /// ([`nightshift_lang::keeps_arguments`]).
    pub keep_arguments: bool,
    /// The task speaks of errors ([`nightshift_lang::speaks_of_errors`]): an answer may raise
    /// where the code as it was gave a value.
    pub errors_allowed: bool,
    /// In a report of a fault, the definitions of the code it names (empty for other tasks).
    pub reported: BTreeSet<String>,
    /// A later round of the attempt can still be drawn: a lone answer of this one waits for it.
    pub later_round: bool,
}

/// The outcome of choosing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The chosen candidate, if any was left.
    pub chosen: Option<usize>,
    /// Why each candidate was refused, and how the choice was made: one line each, logged.
    pub account: Vec<String>,
    /// The candidates refused because a call gives another value than the task itself says (an
    /// example it states, or a rule of its in prose), each with what it gave.
    pub contradicting: BTreeMap<usize, String>,
    /// The candidates nothing refused, the chosen one among them: where none is chosen, answers
    /// a later round's may yet agree with.
    pub left: Vec<usize>,
}

/// Why a candidate is refused.
struct Refusal {
    reason: String,
    /// By the task's own words: an example or a rule it states.
    contradicts: bool,
}

impl From<String> for Refusal {
    fn from(reason: String) -> Self {
        Self {
            reason,
            contradicts: false,
        }
    }
}

/// Moves the sites of the task's examples at `described` out of the sites of `original` and of
/// every candidate's behaviour, into their `described`, where they hold on `original`: a report
/// of a fault that states plainly what a call gives (`` `f(x)` returns `y` ``), and the code as it
/// was gives just that, describes the fault. No answer is held to give anything there, but one
/// that gives just what the code as it was gave at every such call has fixed none of the fault
/// described ([`refusal`]). Returns the examples moved.
pub fn without_described(
    original: &mut Behaviour,
    candidates: &mut [Observed],
    described: &[usize],
) -> Vec<usize> {
    let mut taken = Vec::new();
    for &i in described {
        let id = format!("T{i}");
        if original.sites.get(&id).is_some_and(Site::holds) {
            for behaviour in std::iter::once(&mut *original).chain(
                candidates
                    .iter_mut()
                    .map(|observed| &mut observed.behaviour),
            ) {
                if let Some(site) = behaviour.sites.remove(&id) {
                    behaviour.described.insert(id.clone(), site);
                }
            }
            taken.push(i);
        }
    }
    taken
}

/// In a report of a fault, where `behaviour` gives at every call the task describes the fault by
/// just what the code as it was gave there, and no check that could call the code as it was
/// gives otherwise: the fault, as the task describes it, is still in. (A check that raised
/// `NameError` there, calling a name the code did not have, shows no change to the code the
/// report is about: an answer that adds a module the model's test imports makes every such
/// check give values, whatever it did to the fault.)
fn fault_still_described(original: &Behaviour, behaviour: &Behaviour) -> Option<String> {
    let changed = original.sites.iter().any(|(id, before)| {
        !id.starts_with('T')
            && !before.values.iter().all(|v| v == "raise:NameError")
            && behaviour
                .sites
                .get(id)
                .is_none_or(|after| after.values != before.values)
    });
    if changed {
        return None;
    }
    let calls: Vec<String> = original
        .described
        .iter()
        .map(|(id, before)| {
            let after = behaviour.described.get(id)?;
            (after.values == before.values).then(|| {
                format!(
                    "`{}` gives {}",
                    before.call.as_deref().unwrap_or(id),
                    before.values.join(", ")
                )
            })
        })
        .collect::<Option<_>>()?;
    (!calls.is_empty()).then(|| {
        format!(
            "the fault the task describes is still in: on it, as on the code as it was, {}; and \
             no check that could call the code as it was gives otherwise",
            calls.join(", and ")
        )
    })
}

/// An assert of the test written for the task that the task's own words show wrong: the test's
/// site and the task's example it contradicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contradicted {
    /// The test's site: `L<line>`.
    pub assert: String,
    /// The task's example's site: `T<i>`.
    pub example: String,
    /// The call both check.
    pub call: String,
}

/// Takes out of `original` and every candidate's behaviour the asserts of the test written for
/// the task that check a call an example of the task (one it states, or one its rules in prose
/// pin down) checks too, and expect otherwise: on some run the call gave one value at both, the
/// task's example held and the assert did not. Such an assert is wrong by the task's own words:
/// every answer the example lets through fails it alike, so it tells no answer from another — it
/// would only keep a lone answer that does what the task says from being vouched for by the
/// rest of the test. Returns what it took out, each to be logged.
pub fn without_contradicted_asserts(
    original: &mut Behaviour,
    candidates: &mut [Observed],
) -> Vec<Contradicted> {
    let runs = || std::iter::once(&*original).chain(candidates.iter().map(|o| &o.behaviour));
    let mut found: Vec<Contradicted> = Vec::new();
    for behaviour in runs() {
        for (example, task_site) in behaviour.task_sites() {
            let (Some(call), [value]) = (&task_site.call, task_site.values.as_slice()) else {
                continue;
            };
            if !task_site.holds() {
                continue;
            }
            for (assert, site) in &behaviour.sites {
                let wrong = assert.starts_with('L')
                    && site.call.as_deref().is_some_and(|it| same_call(it, call))
                    && site.values.iter().all(|v| v == value)
                    && !site.held.is_empty()
                    && !site.held.iter().any(|&held| held);
                if wrong && !found.iter().any(|c| &c.assert == assert) {
                    found.push(Contradicted {
                        assert: assert.clone(),
                        example: example.to_owned(),
                        call: call.clone(),
                    });
                }
            }
        }
    }
    for contradicted in &found {
        original.sites.remove(&contradicted.assert);
        for observed in candidates.iter_mut() {
            observed.behaviour.sites.remove(&contradicted.assert);
        }
    }
    found
}

/// Whether `written` (a test's expression) calls just what `call` (a task's example) does: the
/// same text as [`Site::call`] writes it, or that text reached through a module
/// (`shelf.batched(…)` for `batched(…)`).
fn same_call(written: &str, call: &str) -> bool {
    written == call
        || written.strip_suffix(call).is_some_and(|path| {
            path.strip_suffix('.').is_some_and(|path| {
                !path.is_empty()
                    && path.split('.').all(|part| {
                        !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_')
                    })
            })
        })
}

/// Chooses among `candidates` by their behaviour beside `original`'s (the code as the attempt
/// found it), on the task's `terms`.
pub fn choose(original: &Behaviour, candidates: &[Observed], terms: &Terms) -> Choice {
    let agree = terms.agree;
    let mut account = Vec::new();
    let mut contradicting = BTreeMap::new();
    let mut left: Vec<&Observed> = Vec::new();
    for observed in candidates {
        match refusal(original, &observed.behaviour, terms) {
            Some(refusal) => {
                if refusal.contradicts {
                    contradicting.insert(observed.candidate, refusal.reason.clone());
                }
                account.push(format!(
                    "candidate {} refused: {}",
                    observed.name, refusal.reason
                ));
            }
            None => left.push(observed),
        }
    }
    // Answers alike behave alike on every check, and on every call on inputs nightshift varied
    // that gave a value on each of them: an input some answer raises on may lie outside what
    // the task asks for, where answers may rightly differ.
    let varied = in_domain(&left);
    let mut groups: BTreeMap<Vec<(&str, &[String])>, Vec<&Observed>> = BTreeMap::new();
    for observed in &left {
        let checks = observed.behaviour.sites.iter();
        let calls = varied.iter().filter_map(|call| {
            let value = observed.behaviour.varied.get(*call)?;
            Some((*call, std::slice::from_ref(value)))
        });
        let signature = checks
            .map(|(id, site)| (id.as_str(), site.values.as_slice()))
            .chain(calls)
            .collect();
        groups.entry(signature).or_default().push(observed);
    }
    let by_checks: BTreeSet<Vec<(&String, &[String])>> = left
        .iter()
        .map(|observed| {
            let sites = observed.behaviour.sites.iter();
            sites
                .map(|(id, site)| (id, site.values.as_slice()))
                .collect()
        })
        .collect();
    if by_checks.len() < groups.len() {
        account.push(format!(
            "calls on inputs nightshift varied tell apart answers alike on every check: {} \
             groups of like behaviour, where the checks alone make {}",
            groups.len(),
            by_checks.len()
        ));
    }
    let best = groups.values().max_by_key(|group| {
        let first = group
            .iter()
            .map(|o| o.candidate)
            .min()
            .unwrap_or(usize::MAX);
        (
            group.len(),
            group[0].behaviour.holding(),
            std::cmp::Reverse(first),
        )
    });
    // The earliest answer of the group: the one it stands for.
    let mut chosen = best.and_then(|group| group.iter().min_by_key(|o| o.candidate));
    let mut vouched = String::new();
    if let (Some(candidate), Some(group)) = (chosen, best) {
        // Where no check of the test written for the task gives on the answers other than on
        // the code as it was, the change is observed on the task's own examples alone, and
        // every answer left gives the same there (one that did not is refused): answers alike
        // show nothing.
        let only_examples = !group[0].behaviour.sites.iter().any(|(id, site)| {
            !id.starts_with('T')
                && original
                    .sites
                    .get(id)
                    .is_none_or(|before| before.values != site.values)
        });
        // Answers alike vouch for each other only where they are most of those that passed the
        // gates: where as many behave otherwise (the task's own words refuse them, or they do
        // something else again), the model errs on the task as often as not, and answers alike
        // are as likely to share its error as to be right. (Where one answer vouches for
        // itself, `agree` 1, none is held to the others.)
        let most = agree < 2 || 2 * group.len() > candidates.len();
        let constant = one_value(&group[0].behaviour);
        let alike = group.len() >= agree && most && !only_examples && constant.is_none();
        let alone = vouched_alone(original, &group[0].behaviour, terms);
        let unsettled = if alike || alone.is_err() || group.len() > 1 {
            None
        } else {
            lone_unsettled(left.len() - 1, candidate.held || !terms.later_round)
        };
        if !alike && let Err(why) = alone {
            account.push(if only_examples {
                format!(
                    "candidate {} not chosen: only the task's own examples could be observed \
                     to change (no check of the test written for the task gives on it other \
                     than on the code as it was), which every answer left meets alike, and no \
                     example vouches for it alone: {why} — nothing shows it does what was asked",
                    candidate.name
                )
            } else if let Some(one) = constant {
                format!(
                    "candidate {} not chosen: {}; answers alike vouch for nothing there, and no \
                     example vouches for it alone: {why}",
                    candidate.name,
                    one_value_told(one)
                )
            } else {
                let short = if group.len() < agree {
                    format!("fewer than the {agree} that vouch for each other")
                } else {
                    "no more than behave otherwise (answers alike vouch for each other only \
                     where they are most)"
                        .to_owned()
                };
                format!(
                    "candidate {} not chosen: {} of the {} answers that passed the gates behave \
                     as it does, {short}, and no example vouches for it alone: {why} — only the \
                     model's own test speaks for it",
                    candidate.name,
                    group.len(),
                    candidates.len()
                )
            });
            chosen = None;
        } else if let Some(wait) = unsettled {
            account.push(format!(
                "candidate {} not chosen: it meets the terms a lone answer is held to, but {wait}",
                candidate.name
            ));
            chosen = None;
        } else {
            vouched = if alike && agree < 2 {
                "an answer vouches for itself here (no other is asked to agree)".to_owned()
            } else if alike {
                format!(
                    "answers alike vouch for it: {} of the {} that passed the gates",
                    group.len(),
                    candidates.len()
                )
            } else {
                "it is vouched for alone: an example the task states holds on it that did not hold \
                 on the code as it was, every assert of the test written for the task holds, a \
                 check holds past the plain examples, and no other answer left behaves otherwise"
                    .to_owned()
            };
        }
    }
    if let (Some(chosen), Some(group)) = (chosen, best) {
        let sites = group[0].behaviour.sites.len();
        let varied = match varied.len() {
            0 => String::new(),
            1 => " and a call on inputs nightshift varied".to_owned(),
            n => format!(" and {n} calls on inputs nightshift varied"),
        };
        account.push(format!(
            "candidate {} chosen: {} of {} candidates left behave alike on all {sites} \
             checks{varied} ({} groups of like behaviour); {} of those checks hold on it; \
             {vouched}",
            chosen.name,
            group.len(),
            left.len(),
            groups.len(),
            group[0].behaviour.holding(),
        ));
    }
    Choice {
        chosen: chosen.map(|o| o.candidate),
        account,
        contradicting,
        left: left.iter().map(|o| o.candidate).collect(),
    }
}

/// The calls on inputs nightshift varied that gave a value, no exception, on every one of
/// `answers`.
fn in_domain<'a>(answers: &[&'a Observed]) -> BTreeSet<&'a str> {
    let Some(first) = answers.first() else {
        return BTreeSet::new();
    };
    first
        .behaviour
        .varied
        .keys()
        .map(String::as_str)
        .filter(|call| {
            answers.iter().all(|observed| {
                observed
                    .behaviour
                    .varied
                    .get(*call)
                    .is_some_and(|value| !value.starts_with("raise:"))
            })
        })
        .collect()
}

/// A replayed call ([`crate::observe::Probe::replay`]) that gave a value on the code as it was
/// and raises on `behaviour`: the call, and what each gave.
fn newly_raises<'a>(
    original: &'a Behaviour,
    behaviour: &'a Behaviour,
) -> Option<(&'a str, &'a str, &'a str)> {
    original.replayed.iter().find_map(|(call, before)| {
        let after = behaviour.replayed.get(call)?;
        (!before.starts_with("raise:") && after.starts_with("raise:")).then_some((
            call.as_str(),
            before.as_str(),
            after.as_str(),
        ))
    })
}

/// Where a function the task touches changed an argument it was given, in the task's examples or
/// the test's calls: the site and what it gave.
fn changed_argument(behaviour: &Behaviour, touches: &dyn Fn(&[String]) -> bool) -> Option<String> {
    behaviour.sites.iter().find_map(|(id, site)| {
        let callee = site
            .changes
            .iter()
            .find(|callee| id.starts_with('T') || touches(std::slice::from_ref(*callee)))?;
        let value = site
            .values
            .iter()
            .find(|value| value.contains(" changed argument"))
            .map_or("", String::as_str);
        let place = if let Some(example) = id.strip_prefix('T') {
            format!("the task's example {example}")
        } else {
            format!("the test's line {}", &id[1..])
        };
        Some(format!("{callee} changes it in {place}: {value}"))
    })
}

/// The example a `T<i>` site checks.
fn example_of<'a>(id: &str, terms: &Terms<'a>) -> Option<&'a Stated> {
    id.strip_prefix('T')?
        .parse::<usize>()
        .ok()
        .and_then(|i| terms.examples.get(i))
}

/// Whether an example the task states holds on `behaviour` and did not on `original`. A call a
/// rule in prose pins down checks an edge, which many a wrong answer meets: it vouches for none.
fn shows_stated_example(original: &Behaviour, behaviour: &Behaviour, terms: &Terms) -> bool {
    behaviour.task_sites().any(|(id, site)| {
        site.holds()
            && !original.sites.get(id).is_some_and(Site::holds)
            && example_of(id, terms).is_none_or(|stated| stated.rule.is_none())
    })
}

/// Whether the task's own examples vouch for `behaviour` with no other answer alike: an example
/// it states holds that did not hold on `original`, every assert of the test written for the
/// task holds, and some check holds past the plain examples; else why not.
fn vouched_alone(original: &Behaviour, behaviour: &Behaviour, terms: &Terms) -> Result<(), String> {
    if !shows_stated_example(original, behaviour, terms) {
        Err("it meets no example the task states that did not hold on the code as it was".into())
    } else if !every_assert_holds(behaviour) {
        Err(
            "an assert of the test written for the task fails on it (the examples cover the \
             plain case; the test, the edges)"
                .into(),
        )
    } else if !checks_past_examples(behaviour, terms) {
        Err(
            "nothing checks it past the plain examples the task states (the test written for \
             the task asserts no other call of what the task asks for, and no rule the task \
             states pins down an edge)"
                .into(),
        )
    } else if let Some(one) = one_value(behaviour) {
        Err(one_value_told(one))
    } else {
        Ok(())
    }
}

/// Why a lone answer — one that no other behaves as — that meets [`vouched_alone`]'s terms is
/// not landed yet, where `others` answers nothing refused behave otherwise. It is one sample of
/// the model's: where others behave otherwise, one sample stands against another; and until a
/// batch drawn after it brings none that does (`waited`: it was drawn in an earlier round, or no
/// later one can be drawn), nothing shows the model would not answer otherwise as often.
fn lone_unsettled(others: usize, waited: bool) -> Option<String> {
    match others {
        0 if waited => None,
        0 => Some(
            "it is one sample: a lone answer lands only once a later batch has been drawn and \
             none of its answers left behaves otherwise (it is held over for that batch)"
                .to_owned(),
        ),
        1 => Some("another answer left behaves otherwise".to_owned()),
        n => Some(format!("{n} other answers left behave otherwise")),
    }
}

/// Where two or more sites of `behaviour` (the test's asserts and the task's examples; a test
/// function as a whole is no value) all gave one and the same value every time they ran: that
/// value, and how many sites. Such observations cannot tell an answer from a constant — from a
/// function that gives that value whatever it is given — so however many answers meet them
/// alike, they show nothing of what the task asks for beyond that value; a test whose inputs all
/// fall on one side of what the task decides (every string of the wrong length for a validity
/// check) is the common case. One site alone is no such pattern: its evidence is thin, and is
/// weighed as ever.
fn one_value(behaviour: &Behaviour) -> Option<(&str, usize)> {
    let sites: Vec<&Site> = behaviour
        .sites
        .iter()
        .filter(|(id, _)| !id.starts_with("F:"))
        .map(|(_, site)| site)
        .collect();
    if sites.len() < 2 {
        return None;
    }
    let mut values = sites.iter().flat_map(|site| &site.values);
    let first = values.next()?;
    values
        .all(|value| value == first)
        .then_some((first.as_str(), sites.len()))
}

/// What [`one_value`] found, told.
fn one_value_told((value, checks): (&str, usize)) -> String {
    format!(
        "every check observed on it gives one value, {value} (at {checks} checks), as a function \
         that always gave {value} would: nothing observed shows that what it gives depends on \
         what it is given"
    )
}

/// Whether a check held on `behaviour` past the plain examples the task states: an assert of the
/// test written for the task on what the task touches, at a call none of those examples makes,
/// or an edge a rule of the task in prose pins down. A stated example covers the plain case; a
/// test that only restates the examples (or none at all) checks nothing past them, and one answer
/// meeting them is no more vouched for than by the examples alone.
fn checks_past_examples(behaviour: &Behaviour, terms: &Terms) -> bool {
    let plain: Vec<&str> = behaviour
        .task_sites()
        .filter(|(id, _)| example_of(id, terms).is_none_or(|stated| stated.rule.is_none()))
        .filter_map(|(_, site)| site.call.as_deref())
        .collect();
    behaviour.sites.iter().any(|(id, site)| {
        site.holds()
            && if id.starts_with('L') {
                (terms.touches)(&site.names)
                    && site
                        .call
                        .as_deref()
                        .is_none_or(|call| !plain.iter().any(|example| same_call(call, example)))
            } else {
                example_of(id, terms).is_some_and(|stated| stated.rule.is_some())
            }
    })
}

/// Whether every assert of the test written for the task held on `behaviour`.
fn every_assert_holds(behaviour: &Behaviour) -> bool {
    behaviour
        .sites
        .iter()
        .filter(|(id, _)| id.starts_with('L'))
        .all(|(_, site)| site.holds())
}

/// In a report of a fault, a definition it names whose every assert in the test written for the
/// task that failed on the code as it was gives just what it gave then on `behaviour`: whatever
/// the answer rewrote, the fault those asserts check is still in. Where the answer changes what
/// one of them gives, they are votes as ever (the model's assert may be wrong).
fn still_at_fault(
    original: &Behaviour,
    behaviour: &Behaviour,
    reported: &BTreeSet<String>,
) -> Option<String> {
    reported.iter().find_map(|name| {
        let failed: Vec<(&str, &Site)> = original
            .sites
            .iter()
            .filter(|(id, before)| {
                id.starts_with('L')
                    && !before.held.is_empty()
                    && !before.holds()
                    && before.names.contains(name)
            })
            .map(|(id, before)| (&id[1..], before))
            .collect();
        let same = !failed.is_empty()
            && failed.iter().all(|(line, before)| {
                behaviour
                    .sites
                    .get(&format!("L{line}"))
                    .is_some_and(|after| after.values == before.values && !after.holds())
            });
        same.then(|| {
            let lines: Vec<&str> = failed.iter().map(|(line, _)| *line).collect();
            let values: Vec<String> = failed.iter().map(|(_, b)| b.values.join(", ")).collect();
            let (lines, check, it, gives) = match lines.as_slice() {
                [line] => (format!("line {line}"), "checks", "it", "gives"),
                _ => (
                    format!("lines {}", lines.join(", ")),
                    "check",
                    "they",
                    "give",
                ),
            };
            format!(
                "the test's {lines} {check} {name}, which the task reports at fault; {it} failed \
                 on the code as it was and {gives} the same ({}) on this answer: whatever it \
                 rewrote, what {name} gives there is as it was",
                values.join("; ")
            )
        })
    })
}

/// Why `behaviour` is refused, if it is.
fn refusal(original: &Behaviour, behaviour: &Behaviour, terms: &Terms) -> Option<Refusal> {
    if let Some(error) = &behaviour.error {
        return Some(format!("the test written for the task could not run on it: {error}").into());
    }
    for (id, site) in behaviour.task_sites() {
        if site.expected && !site.holds() {
            let example = example_of(id, terms)
                .map(|stated| {
                    let should = format!("`{}` should give `{}`", stated.call, stated.expected);
                    match &stated.rule {
                        Some(rule) => format!("\"{rule}\": {should}"),
                        None => should,
                    }
                })
                .unwrap_or_else(|| id.to_owned());
            return Some(Refusal {
                reason: format!(
                    "the task says {example}, and it gives {}",
                    site.values.first().map_or("nothing", String::as_str)
                ),
                contradicts: true,
            });
        }
    }
    if terms.keep_arguments
        && let Some(change) = changed_argument(behaviour, terms.touches)
    {
        return Some(format!("the task says the input must be left as it is, and {change}").into());
    }
    for (id, before) in &original.sites {
        if !id.starts_with('L') || !before.gave_values() || (terms.touches)(&before.names) {
            continue;
        }
        let after = behaviour.sites.get(id).map(|site| &site.values);
        if after != Some(&before.values) {
            return Some(
                format!(
                    "it changes what the test's line {} gave on the code as it was ({} → {}), \
                     where the task touches none of {}",
                    &id[1..],
                    before.values.join(", "),
                    after.map_or("nothing".to_owned(), |v| v.join(", ")),
                    before.names.join(", ")
                )
                .into(),
            );
        }
    }
    if !terms.errors_allowed
        && let Some((call, before, after)) = newly_raises(original, behaviour)
    {
        return Some(
            format!(
                "`{call}` gave {before} on the code as it was and raises on it ({}): the \
                 repository's tests give the code such data, and the task speaks of no error, so \
                 what it accepted before must still be accepted",
                after.trim_start_matches("raise:")
            )
            .into(),
        );
    }
    if let Some(still) = fault_still_described(original, behaviour)
        .or_else(|| still_at_fault(original, behaviour, &terms.reported))
    {
        return Some(still.into());
    }
    let effect = behaviour.sites.iter().any(|(id, site)| {
        !id.starts_with("F:") && site.holds() && !original.sites.get(id).is_some_and(Site::holds)
    });
    if !effect {
        return Some(
            "no check holds on it that did not hold on the code as it was: no assert of the test \
             written for the task, no example of the task — nothing shows it does what was asked"
                .to_owned()
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(names: &[&str], values: &[&str], held: &[bool]) -> Site {
        Site {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            values: values.iter().map(|v| (*v).to_owned()).collect(),
            held: held.to_vec(),
            expected: true,
            changes: Vec::new(),
            call: None,
        }
    }

    fn behaviour(sites: &[(&str, Site)]) -> Behaviour {
        Behaviour {
            sites: sites
                .iter()
                .map(|(id, site)| ((*id).to_owned(), site.clone()))
                .collect(),
            ..Behaviour::default()
        }
    }

    fn observed(candidate: usize, sites: &[(&str, Site)]) -> Observed {
        Observed {
            candidate,
            name: candidate.to_string(),
            behaviour: behaviour(sites),
            held: false,
        }
    }

    /// A lone answer of an earlier round, held over: a later batch has been drawn since.
    fn waited(candidate: usize, sites: &[(&str, Site)]) -> Observed {
        Observed {
            held: true,
            ..observed(candidate, sites)
        }
    }

    fn example(call: &str, expected: &str, rule: Option<&str>) -> Stated {
        Stated {
            call: call.to_owned(),
            expected: expected.to_owned(),
            plain: false,
            rule: rule.map(str::to_owned),
        }
    }

    fn all(_: &[String]) -> bool {
        true
    }

    fn terms(touches: &(dyn Fn(&[String]) -> bool + Sync)) -> Terms<'_> {
        Terms {
            examples: &[],
            touches,
            agree: 1,
            keep_arguments: false,
            errors_allowed: false,
            reported: BTreeSet::new(),
            later_round: false,
        }
    }

    /// An assert of `total` on an empty list, holding: `0`.
    fn empty() -> Site {
        site(&["total"], &["0"], &[true])
    }

    fn touches_total(names: &[String]) -> bool {
        names.iter().any(|n| n == "total")
    }

    /// The code as it was, before the function asked for was written: the test could not load.
    fn not_yet_written() -> Behaviour {
        Behaviour {
            error: Some("ImportError".into()),
            ..Behaviour::default()
        }
    }

    /// A task that touches `total`, with `examples`, where two answers alike vouch.
    fn asked_for_total(examples: &[Stated]) -> Terms<'_> {
        Terms {
            examples,
            agree: 2,
            ..terms(&touches_total)
        }
    }

    #[test]
    fn an_answer_that_leaves_what_a_reported_function_gives_as_it_was_is_still_at_fault() {
        let original = behaviour(&[
            ("L5", site(&["count"], &["2"], &[false])),
            ("L6", site(&["shelf"], &["[11]"], &[false])),
            ("L7", site(&["shelf"], &["[]"], &[false])),
        ]);
        let reported = Terms {
            reported: ["shelf".to_owned(), "count".to_owned()].into(),
            ..terms(&all)
        };
        // Both fix count; the first rewrote shelf, but on both asserts of the test on it that
        // failed before it gives just what the code as it was gave.
        let half = observed(
            0,
            &[
                ("L5", site(&["count"], &["3"], &[true])),
                ("L6", site(&["shelf"], &["[11]"], &[false])),
                ("L7", site(&["shelf"], &["[]"], &[false])),
            ],
        );
        let whole = observed(
            1,
            &[
                ("L5", site(&["count"], &["3"], &[true])),
                ("L6", site(&["shelf"], &["[1]"], &[true])),
                ("L7", site(&["shelf"], &["[]"], &[false])),
            ],
        );
        let choice = choose(&original, &[half.clone(), whole.clone()], &reported);
        assert_eq!(choice.chosen, Some(1), "{:?}", choice.account);
        assert_eq!(
            choice.account[0],
            "candidate 0 refused: the test's lines 6, 7 check shelf, which the task reports at \
             fault; they failed on the code as it was and give the same ([11]; []) on this \
             answer: whatever it rewrote, what shelf gives there is as it was"
        );
        // One of them changed (L7 may be a wrong assert of the model's): the rest are votes.
        assert_eq!(choose(&original, &[whole], &reported).chosen, Some(1));
        // Where the task reports nothing at fault, the same answer is one vote as ever.
        assert_eq!(choose(&original, &[half], &terms(&all)).chosen, Some(0));
    }

    #[test]
    fn where_the_task_keeps_its_input_an_answer_that_changes_an_argument_is_out() {
        let original = not_yet_written();
        let changing = |candidate| {
            let mut site = site(
                &["total"],
                &["3 [total changed argument 1 from [2, 1] to [1, 2]]"],
                &[true],
            );
            site.changes = vec!["total".to_owned()];
            observed(candidate, &[("L3", site), ("L4", empty())])
        };
        let copying = observed(
            2,
            &[("L3", site(&["total"], &["3"], &[true])), ("L4", empty())],
        );
        let candidates = [changing(0), changing(1), copying];
        // Two answers alike outvote one where the task says nothing of its input …
        let choice = choose(&original, &candidates, &terms(&touches_total));
        assert_eq!(choice.chosen, Some(0), "{:?}", choice.account);
        // … and are out where it says the input is left as it is.
        let choice = choose(
            &original,
            &candidates,
            &Terms {
                keep_arguments: true,
                ..terms(&touches_total)
            },
        );
        assert_eq!(choice.chosen, Some(2), "{:?}", choice.account);
        assert_eq!(
            choice.account[0],
            "candidate 0 refused: the task says the input must be left as it is, and total \
             changes it in the test's line 3: 3 [total changed argument 1 from [2, 1] to [1, 2]]"
        );
        // A change made by a function the task does not touch is not the task's.
        let mut elsewhere = changing(0);
        elsewhere.behaviour.sites.get_mut("L3").unwrap().changes = vec!["sorted_copy".to_owned()];
        let choice = choose(
            &original,
            &[elsewhere],
            &Terms {
                keep_arguments: true,
                ..terms(&touches_total)
            },
        );
        assert_eq!(choice.chosen, Some(0), "{:?}", choice.account);
    }

    #[test]
    fn an_answer_that_raises_on_data_the_code_as_it_was_accepted_is_out_unless_the_task_speaks_of_errors()
     {
        let replayed = |values: &[(&str, &str)]| -> BTreeMap<String, String> {
            values
                .iter()
                .map(|(call, value)| ((*call).to_owned(), (*value).to_owned()))
                .collect()
        };
        let plain = "rows.load({'title': 'a'})";
        let bad = "rows.load({'done': True})";
        let mut original = behaviour(&[("L3", site(&["load"], &["raise:KeyError"], &[false]))]);
        original.replayed = replayed(&[(plain, "Task('a', False)"), (bad, "raise:KeyError")]);
        let answer = |index, plain_gives: &str, bad_gives: &str| {
            let mut answer = observed(
                index,
                &[("L3", site(&["load"], &["Task('a', 0)"], &[true]))],
            );
            answer.behaviour.replayed = replayed(&[(plain, plain_gives), (bad, bad_gives)]);
            answer
        };
        // Two answers alike that read a key the code had a default for; one that keeps it
        // (and gives another value there: the task may change what the code gives) …
        let candidates = [
            answer(0, "raise:KeyError", "raise:KeyError"),
            answer(1, "raise:KeyError", "raise:KeyError"),
            answer(2, "Task('a', False, 0)", "raise:KeyError"),
        ];
        let choice = choose(&original, &candidates, &terms(&all));
        assert_eq!(choice.chosen, Some(2), "{:?}", choice.account);
        assert_eq!(
            choice.account[0],
            "candidate 0 refused: `rows.load({'title': 'a'})` gave Task('a', False) on the code as \
             it was and raises on it (KeyError): the repository's tests give the code such data, \
             and the task speaks of no error, so what it accepted before must still be accepted"
        );
        // … but where the task speaks of errors, raising may be what it asks.
        let choice = choose(
            &original,
            &candidates,
            &Terms {
                errors_allowed: true,
                ..terms(&all)
            },
        );
        assert_eq!(choice.chosen, Some(0), "{:?}", choice.account);
    }

    #[test]
    fn the_largest_group_of_like_behaviour_wins_over_the_models_asserts() {
        // The model's test asserts total([1, 2]) == 4: a wrong expectation. Two candidates give
        // 3 and agree; one gives 4 and agrees with the assert, alone.
        let original = not_yet_written();
        let three = || {
            [
                ("L3", site(&["total"], &["3"], &[false])),
                ("L4", site(&["total"], &["0"], &[true])),
            ]
        };
        let four = [
            ("L3", site(&["total"], &["4"], &[true])),
            ("L4", site(&["total"], &["0"], &[true])),
        ];
        let choice = choose(
            &original,
            &[
                observed(0, &four),
                observed(1, &three()),
                observed(2, &three()),
            ],
            &terms(&touches_total),
        );
        assert_eq!(choice.chosen, Some(1), "{:#?}", choice.account);
    }

    #[test]
    fn answers_alike_on_the_checks_but_not_on_varied_inputs_are_not_alike() {
        // Three answers give the same at both checks; on the same call with its list reversed,
        // the first gives otherwise than the other two, which are then the largest group.
        let original = not_yet_written();
        let checks = [
            ("L3", site(&["total"], &["3"], &[true])),
            ("L4", site(&["total"], &["0"], &[true])),
        ];
        // Answers alike on the checks, each giving its value on the one varied call.
        let answers = |values: &[&str]| -> Vec<Observed> {
            let varied = |value: &str| BTreeMap::from([("total([2, 1])".to_owned(), value.into())]);
            let answer = |(i, value): (usize, &&str)| {
                let mut seen = observed(i, &checks);
                seen.behaviour.varied = varied(value);
                seen
            };
            values.iter().enumerate().map(answer).collect()
        };
        let candidates = answers(&["2", "3", "3"]);
        let terms = Terms {
            agree: 2,
            ..terms(&touches_total)
        };
        let choice = choose(&original, &candidates, &terms);
        assert_eq!(choice.chosen, Some(1), "{:#?}", choice.account);
        assert!(
            choice.account.contains(
                &"calls on inputs nightshift varied tell apart answers alike on every check: 2 \
                  groups of like behaviour, where the checks alone make 1"
                    .to_owned()
            ),
            "{:#?}",
            choice.account
        );
        assert!(
            choice.account.iter().any(|line| line.starts_with(
                "candidate 1 chosen: 2 of 3 candidates left behave alike on all 2 checks and a \
                 call on inputs nightshift varied (2 groups of like behaviour)"
            )),
            "{:#?}",
            choice.account
        );
        // Alike there too, the three are one group, and the first answer stands for it.
        let alike = answers(&["3", "3", "3"]);
        assert_eq!(choose(&original, &alike, &terms).chosen, Some(0));
        // A call an answer raises on may lie outside what the task asks for: it tells none apart.
        let raising = answers(&["raise:TypeError", "3", "2"]);
        assert_eq!(choose(&original, &raising, &terms).chosen, Some(0));
    }

    #[test]
    fn ties_go_to_the_group_the_asserts_agree_with_then_to_the_greedy_answer() {
        let original = Behaviour::default();
        let right = [
            ("L3", site(&["total"], &["3"], &[true])),
            ("L5", site(&["total"], &["1"], &[true])),
        ];
        let wrong = [
            ("L3", site(&["total"], &["4"], &[false])),
            ("L5", site(&["total"], &["1"], &[true])),
        ];
        let choice = choose(
            &original,
            &[observed(0, &wrong), observed(1, &right)],
            &terms(&touches_total),
        );
        assert_eq!(choice.chosen, Some(1), "{:#?}", choice.account);
        let choice = choose(
            &original,
            &[observed(0, &right), observed(1, &right)],
            &terms(&touches_total),
        );
        assert_eq!(choice.chosen, Some(0));
    }

    #[test]
    fn an_answer_that_contradicts_the_tasks_example_is_out_whatever_the_votes() {
        let original = Behaviour::default();
        let wrong = || {
            [
                ("L3", site(&["total"], &["4"], &[true])),
                ("T0", site(&[], &["4"], &[false])),
            ]
        };
        let right = [
            ("L3", site(&["total"], &["3"], &[false])),
            ("L4", empty()),
            ("T0", site(&[], &["3"], &[true])),
        ];
        let choice = choose(
            &original,
            &[
                observed(0, &wrong()),
                observed(1, &wrong()),
                observed(2, &right),
            ],
            &Terms {
                examples: &[example("total([1, 2])", "3", None)],
                ..terms(&touches_total)
            },
        );
        assert_eq!(choice.chosen, Some(2), "{:#?}", choice.account);
        assert!(choice.account[0].contains("`total([1, 2])` should give `3`, and it gives 4"));
    }

    #[test]
    fn changing_what_an_untouched_call_gave_is_a_regression() {
        let original = behaviour(&[
            ("L3", site(&["total"], &["raise:TypeError"], &[false])),
            ("L7", site(&["mean"], &["2"], &[true])),
        ]);
        let breaks = [
            ("L3", site(&["total"], &["3"], &[true])),
            ("L7", site(&["mean"], &["2.5"], &[false])),
        ];
        let keeps = [
            ("L3", site(&["total"], &["3"], &[true])),
            ("L7", site(&["mean"], &["2"], &[true])),
        ];
        let choice = choose(
            &original,
            &[
                observed(0, &breaks),
                observed(1, &breaks),
                observed(2, &keeps),
            ],
            &terms(&touches_total),
        );
        assert_eq!(choice.chosen, Some(2), "{:#?}", choice.account);
        assert!(
            choice.account[0].contains("line 7"),
            "{:#?}",
            choice.account
        );
    }

    #[test]
    fn an_answer_that_shows_no_effect_is_not_chosen() {
        // Every assert the model wrote fails on the candidate as it did on the original: nothing
        // vouches for it, even alone.
        let original = behaviour(&[("L3", site(&["total"], &["1"], &[false]))]);
        let same = [
            ("L3", site(&["total"], &["2"], &[false])),
            ("F:test_total", site(&[], &["'passed'"], &[true])),
        ];
        let choice = choose(&original, &[observed(0, &same)], &terms(&touches_total));
        assert_eq!(choice.chosen, None);
        assert!(choice.account[0].contains("nothing shows it does what was asked"));
    }

    #[test]
    fn an_example_that_holds_on_the_code_as_it_was_can_be_taken_out_as_described() {
        // T0 holds before (the fault as described), T1 does not (what is asked); the test's
        // one assert checks past them.
        let before = [
            ("L2", site(&["total"], &["1"], &[true])),
            ("T0", site(&["span"], &["2"], &[true])),
            ("T1", site(&["span"], &["2"], &[false])),
        ];
        let after = [
            ("L2", site(&["total"], &["1"], &[true])),
            ("T0", site(&["span"], &["3"], &[false])),
            ("T1", site(&["span"], &["4"], &[true])),
        ];
        let mut original = behaviour(&before);
        let mut candidates = [observed(0, &after)];
        let refused = choose(&original, &candidates, &terms(&touches_total));
        assert_eq!(refused.chosen, None, "{:?}", refused.account);
        assert_eq!(
            without_described(&mut original, &mut candidates, &[0, 1]),
            [0],
            "only what held before is taken out"
        );
        assert!(!candidates[0].behaviour.sites.contains_key("T0"));
        assert!(candidates[0].behaviour.sites.contains_key("T1"));
        let chosen = choose(&original, &candidates, &terms(&touches_total));
        assert_eq!(chosen.chosen, Some(0), "{:?}", chosen.account);
    }

    #[test]
    fn an_answer_that_leaves_the_fault_as_the_task_describes_it_is_out() {
        let described = |value: &str| {
            let mut site = site(&["late"], &[value], &[value == "True"]);
            site.call = Some("late(3)".to_owned());
            site
        };
        // One assert of the model's test calls a module the code did not have: it raised
        // `NameError` before, and gives a value on an answer that adds that module.
        let mut original = behaviour(&[
            ("L4", site(&["late"], &["raise:NameError"], &[false])),
            ("L5", site(&["late"], &["True"], &[false])),
            ("T0", described("True")),
        ]);
        let added_module = observed(
            0,
            &[
                ("L4", site(&["late"], &["False"], &[true])),
                ("L5", site(&["late"], &["True"], &[false])),
                ("T0", described("True")),
            ],
        );
        let fixed = observed(
            1,
            &[
                ("L4", site(&["late"], &["raise:NameError"], &[false])),
                ("L5", site(&["late"], &["False"], &[true])),
                ("T0", described("False")),
            ],
        );
        let mut candidates = [added_module, fixed];
        assert_eq!(without_described(&mut original, &mut candidates, &[0]), [0]);
        let choice = choose(&original, &candidates, &terms(&all));
        assert_eq!(
            choice.account[0],
            "candidate 0 refused: the fault the task describes is still in: on it, as on the \
             code as it was, `late(3)` gives True; and no check that could call the code as it \
             was gives otherwise",
            "{:#?}",
            choice.account
        );
        assert_eq!(choice.chosen, Some(1), "{:#?}", choice.account);
        // Where a check that called the code as it was gives otherwise, the task's description
        // of the fault may be of a value that stays right: the answer is one vote as ever.
        let mut original = behaviour(&[
            ("L4", site(&["late"], &["raise:ValueError"], &[false])),
            ("T0", described("True")),
        ]);
        let mut candidates = [observed(
            0,
            &[
                ("L4", site(&["late"], &["False"], &[true])),
                ("L6", site(&["late"], &["True"], &[true])),
                ("T0", described("True")),
            ],
        )];
        without_described(&mut original, &mut candidates, &[0]);
        let choice = choose(&original, &candidates, &terms(&all));
        assert_eq!(choice.chosen, Some(0), "{:#?}", choice.account);
    }

    #[test]
    fn a_lone_answer_needs_a_stated_example_or_another_that_behaves_alike() {
        let original = not_yet_written();
        let one = [("L3", site(&["total"], &["3"], &[true])), ("L4", empty())];
        let other = [("L3", site(&["total"], &["4"], &[false])), ("L4", empty())];
        let choice = choose(
            &original,
            &[observed(0, &one), observed(1, &other)],
            &Terms {
                agree: 2,
                ..terms(&touches_total)
            },
        );
        assert_eq!(choice.chosen, None, "{:#?}", choice.account);
        assert!(
            choice
                .account
                .last()
                .unwrap()
                .contains("only the model's own test"),
            "{:#?}",
            choice.account
        );
        // Two alike vouch for each other.
        let choice = choose(
            &original,
            &[observed(0, &other), observed(1, &one), observed(2, &one)],
            &Terms {
                agree: 2,
                ..terms(&touches_total)
            },
        );
        assert_eq!(choice.chosen, Some(1), "{:#?}", choice.account);
        // An example of the task that holds on it vouches for a lone answer: in the attempt's
        // last round, or once a later batch has been drawn — as one sample of its round, it
        // waits for one where it can.
        let stated = [
            ("L3", site(&["total"], &["3"], &[true])),
            ("L4", empty()),
            ("T0", site(&[], &["3"], &[true])),
        ];
        let examples = [example("total([1, 2])", "3", None)];
        let last = asked_for_total(&examples);
        let alone = [observed(0, &stated)];
        says(
            &choose(&original, &alone, &last),
            Some(0),
            "it is vouched for alone",
        );
        let terms = Terms {
            later_round: true,
            ..asked_for_total(&examples)
        };
        says(
            &choose(&original, &alone, &terms),
            None,
            "it meets the terms a lone answer is held to, but it is one sample: a lone answer \
             lands only once a later batch has been drawn",
        );
        says(
            &choose(&original, &[waited(0, &stated)], &terms),
            Some(0),
            "and no other answer left behaves otherwise",
        );
        // Not where an answer of the later batch, left too, behaves otherwise.
        let otherwise = [
            ("L3", site(&["total"], &["3"], &[true])),
            ("L4", site(&["total"], &["0.0"], &[true])),
            ("T0", site(&[], &["3"], &[true])),
        ];
        let both = [waited(0, &stated), observed(3, &otherwise)];
        says(
            &choose(&original, &both, &terms),
            None,
            "another answer left behaves otherwise",
        );
        // Unless an assert of the test fails on it: the example covers only the plain case.
        let edge_missed = [
            ("L3", site(&["total"], &["3"], &[true])),
            ("L4", site(&["total"], &["1"], &[false])),
            ("T0", site(&[], &["3"], &[true])),
        ];
        says(
            &choose(&original, &[waited(0, &edge_missed)], &terms),
            None,
            "an assert of the test written for the task fails on it",
        );
    }

    /// Asserts `choice` chose `chosen`, and its last line says `words`.
    fn says(choice: &Choice, chosen: Option<usize>, words: &str) {
        assert_eq!(choice.chosen, chosen, "{:#?}", choice.account);
        let last = choice.account.last().unwrap();
        assert!(
            last.contains(words),
            "{words:?} not in {:#?}",
            choice.account
        );
    }

    #[test]
    fn answers_alike_vouch_for_each_other_only_where_they_are_most_of_those_that_passed_the_gates()
    {
        let original = not_yet_written();
        let examples = [example("total([1, 2])", "3", None)];
        let terms = asked_for_total(&examples);
        // Two answers meet the example and give alike on the test's other call; two others the
        // example refuses.
        let alike = [
            ("L3", site(&["total"], &["1"], &[false])),
            ("T0", site(&["total"], &["3"], &[true])),
        ];
        let off = [
            ("L3", site(&["total"], &["0"], &[false])),
            ("T0", site(&["total"], &["2"], &[false])),
        ];
        let choice = choose(
            &original,
            &[
                observed(0, &off),
                observed(1, &alike),
                observed(2, &alike),
                observed(3, &off),
            ],
            &terms,
        );
        assert_eq!(choice.chosen, None, "{:#?}", choice.account);
        assert!(
            choice.account.last().unwrap().contains(
                "candidate 1 not chosen: 2 of the 4 answers that passed the gates behave as it \
                 does, no more than behave otherwise"
            ),
            "{:#?}",
            choice.account
        );
        // Where they are most, they vouch.
        let choice = choose(
            &original,
            &[observed(0, &off), observed(1, &alike), observed(2, &alike)],
            &terms,
        );
        assert_eq!(choice.chosen, Some(1), "{:#?}", choice.account);
    }

    #[test]
    fn a_rule_in_prose_refuses_an_answer_that_breaks_it_but_vouches_for_none() {
        let original = not_yet_written();
        let rule = "If `xs` is empty, return `0`";
        let examples = [example("total([])", "0", Some(rule))];
        let terms = asked_for_total(&examples);
        let meets = [
            ("L3", site(&["total"], &["3"], &[true])),
            ("T0", site(&["total"], &["0"], &[true])),
        ];
        let breaks = [
            ("L3", site(&["total"], &["3"], &[true])),
            ("T0", site(&["total"], &["raise:ValueError"], &[false])),
        ];
        let choice = choose(
            &original,
            &[
                observed(0, &breaks),
                observed(1, &breaks),
                observed(2, &meets),
            ],
            &terms,
        );
        assert_eq!(
            choice.account[0],
            "candidate 0 refused: the task says \"If `xs` is empty, return `0`\": `total([])` \
             should give `0`, and it gives raise:ValueError"
        );
        // The one left is alone, and the rule's call is no stated example: nothing vouches.
        assert_eq!(choice.chosen, None, "{:#?}", choice.account);
        let choice = choose(
            &original,
            &[observed(0, &meets), observed(1, &meets)],
            &terms,
        );
        assert_eq!(choice.chosen, Some(0), "{:#?}", choice.account);
    }

    /// Asserts that `choice` chose nothing, the change being observed on the task's examples
    /// alone.
    fn observed_on_examples_alone(choice: &Choice) {
        assert_eq!(choice.chosen, None, "{:#?}", choice.account);
        assert!(
            choice.account[0].contains("only the task's own examples could be observed"),
            "{:#?}",
            choice.account
        );
    }

    #[test]
    fn observed_on_the_tasks_examples_alone_answers_alike_vouch_for_nothing() {
        // No test's asserts: every answer left meets the task's examples, so all are alike.
        let original = not_yet_written();
        let rule = "If `xs` is empty, return `0`";
        let examples = [
            example("total([])", "0", Some(rule)),
            example("total([1, 2])", "3", None),
        ];
        let terms = asked_for_total(&examples);
        let on_rule = [("T0", site(&["total"], &["0"], &[true]))];
        let choice = choose(
            &original,
            &[observed(0, &on_rule), observed(1, &on_rule)],
            &terms,
        );
        observed_on_examples_alone(&choice);
        // A plain example of the task that did not hold before vouches, alone or not, where an
        // edge a rule of the task pins down holds too; alone, it checks only the plain case.
        let on_plain = [("T1", site(&["total"], &["3"], &[true]))];
        let choice = choose(&original, &[observed(0, &on_plain)], &terms);
        assert_eq!(choice.chosen, None, "{:#?}", choice.account);
        let on_both = [
            ("T0", site(&["total"], &["0"], &[true])),
            ("T1", site(&["total"], &["3"], &[true])),
        ];
        for answers in [
            vec![observed(0, &on_both)],
            vec![observed(0, &on_both), observed(1, &on_both)],
        ] {
            let choice = choose(&original, &answers, &terms);
            assert_eq!(choice.chosen, Some(0), "{:#?}", choice.account);
        }
    }

    #[test]
    fn answers_alike_on_checks_a_constant_would_meet_vouch_for_nothing() {
        // A check of validity: every input of the test written for the task falls on one side,
        // so three answers give `False` at all four checks, as one that always did would.
        let original = not_yet_written();
        let terms = asked_for_total(&[]);
        let gives = |values: [&str; 4]| -> Vec<(&str, Site)> {
            ["L3", "L4", "L5", "L6"]
                .into_iter()
                .zip(values)
                .map(|(id, value)| (id, site(&["total"], &[value], &[true])))
                .collect()
        };
        let one_side = gives(["False"; 4]);
        let answers: Vec<Observed> = (0..3).map(|i| observed(i, &one_side)).collect();
        let choice = choose(&original, &answers, &terms);
        assert_eq!(choice.chosen, None, "{:#?}", choice.account);
        assert!(
            choice.account.iter().any(|line| line
                .contains("every check observed on it gives one value, False (at 4 checks)")),
            "{:#?}",
            choice.account
        );
        // Nor does a stated example vouch for it alone, where it gives that same value too.
        let examples = [example("total([])", "False", None)];
        let terms = asked_for_total(&examples);
        let mut lone = one_side.clone();
        lone.push(("T0", site(&["total"], &["False"], &[true])));
        let choice = choose(&original, &[observed(0, &lone)], &terms);
        assert_eq!(choice.chosen, None, "{:#?}", choice.account);
        // Inputs on both sides tell the answers from a constant: alike, they vouch.
        let both_sides = gives(["False", "True", "False", "True"]);
        let answers: Vec<Observed> = (0..3).map(|i| observed(i, &both_sides)).collect();
        let choice = choose(&original, &answers, &asked_for_total(&[]));
        assert_eq!(choice.chosen, Some(0), "{:#?}", choice.account);
    }

    #[test]
    fn a_test_that_checks_only_what_the_answers_leave_as_it_was_vouches_for_nothing() {
        // The test written for the task checks only a definition the task does not touch, and
        // one of its asserts is wrong: on the code as it was and on every answer alike.
        let untouched = || site(&["louder"], &["'ROAR'"], &[false]);
        let kept = || site(&["louder"], &["'hush'"], &[true]);
        let original = behaviour(&[("L3", untouched()), ("L4", kept())]);
        let examples = [example("softer('ROAR')", "'hush'", None)];
        let terms = asked_for_total(&examples);
        let answer = [
            ("L3", untouched()),
            ("L4", kept()),
            ("T0", site(&["softer"], &["'hush'"], &[true])),
        ];
        let choice = choose(
            &original,
            &[
                observed(0, &answer),
                observed(1, &answer),
                observed(2, &answer),
            ],
            &terms,
        );
        observed_on_examples_alone(&choice);
        // Where the test's asserts all hold, the task's example that did not hold before
        // vouches, as it would with no test at all, where something checks past it: an edge the
        // test asserts of what the task touches.
        let edge = || at("total([])", site(&["total"], &["0"], &[true]));
        let holding = [
            ("L4", kept()),
            ("L5", edge()),
            ("T0", site(&["softer"], &["'hush'"], &[true])),
        ];
        let original = behaviour(&[("L4", kept()), ("L5", edge())]);
        let choice = choose(
            &original,
            &[observed(0, &holding), observed(1, &holding)],
            &terms,
        );
        assert_eq!(choice.chosen, Some(0), "{:#?}", choice.account);
        // Not an assert on what the task does not touch.
        let untouched_only = [
            ("L4", kept()),
            ("T0", site(&["softer"], &["'hush'"], &[true])),
        ];
        let original = behaviour(&[("L4", kept())]);
        let choice = choose(&original, &[observed(0, &untouched_only)], &terms);
        assert_eq!(choice.chosen, None, "{:#?}", choice.account);
        // A check of the test that gives otherwise than before shows the change: answers alike
        // on it vouch for each other, as ever.
        let seen = [
            ("L3", site(&["softer"], &["'HUSH'"], &[false])),
            ("T0", site(&["softer"], &["'hush'"], &[true])),
        ];
        let original = behaviour(&[("L3", site(&["softer"], &["raise:NameError"], &[false]))]);
        let choice = choose(&original, &[observed(0, &seen), observed(1, &seen)], &terms);
        assert_eq!(choice.chosen, Some(0), "{:#?}", choice.account);
    }

    fn at(call: &str, site: Site) -> Site {
        Site {
            call: Some(call.to_owned()),
            ..site
        }
    }

    #[test]
    fn a_test_that_only_restates_the_tasks_examples_does_not_vouch_for_a_lone_answer() {
        let original = not_yet_written();
        let examples = [
            example("total([1, 2])", "3", None),
            example("total([4])", "4", None),
        ];
        let terms = asked_for_total(&examples);
        let holds = |call: &str, value: &str| at(call, site(&["total"], &[value], &[true]));
        // The test asserts just the calls of the task's examples, one reached through its
        // module: every one holds, and nothing past the plain case is checked.
        let restating = [
            ("L3", holds("total([1, 2])", "3")),
            ("L4", holds("sums.total([4])", "4")),
            ("T0", holds("total([1, 2])", "3")),
            ("T1", holds("total([4])", "4")),
        ];
        let choice = choose(&original, &[observed(0, &restating)], &terms);
        assert_eq!(choice.chosen, None, "{:#?}", choice.account);
        assert!(
            choice
                .account
                .last()
                .unwrap()
                .contains("nothing checks it past the plain examples the task states"),
            "{:#?}",
            choice.account
        );
        // An assert at another call of what the task asks for checks past them.
        let mut past = restating.to_vec();
        past.push(("L5", holds("total([])", "0")));
        let choice = choose(&original, &[observed(0, &past)], &terms);
        assert_eq!(choice.chosen, Some(0), "{:#?}", choice.account);
        // One that fails keeps the lone answer out, as ever.
        past.push(("L6", at("total([-1])", site(&["total"], &["1"], &[false]))));
        let choice = choose(&original, &[observed(0, &past)], &terms);
        assert_eq!(choice.chosen, None, "{:#?}", choice.account);
        // Answers alike vouch for each other whatever their test restates.
        let choice = choose(
            &original,
            &[observed(0, &restating), observed(1, &restating)],
            &terms,
        );
        assert_eq!(choice.chosen, Some(0), "{:#?}", choice.account);
    }

    #[test]
    fn an_assert_the_tasks_own_words_show_wrong_is_set_aside_and_a_lone_answer_may_then_be_vouched_for()
     {
        let rule = "If `size` is less than 1, raise `ValueError`";
        let examples = [
            example("batched([1, 2], 1)", "[[1], [2]]", None),
            example("batched([1, 2], 0)", "raise:ValueError", Some(rule)),
        ];
        let terms = Terms {
            examples: &examples,
            agree: 2,
            ..terms(&all)
        };
        let missing = |call: &str| at(call, site(&[], &["raise:NameError"], &[false]));
        let mut original = behaviour(&[
            ("T0", missing("batched([1, 2], 1)")),
            ("T1", missing("batched([1, 2], 0)")),
            ("L4", missing("shelf.batched([1, 2], 1)")),
            ("L5", missing("shelf.batched([1, 2], 0)")),
            ("L6", missing("shelf.batched([1, 2], -1)")),
        ]);
        // The model's test says a size of 0 gives `[]`; the task says it raises. Its line 6
        // checks another call, which the task says nothing of.
        let lone = observed(
            0,
            &[
                (
                    "T0",
                    at("batched([1, 2], 1)", site(&[], &["[[1], [2]]"], &[true])),
                ),
                (
                    "T1",
                    at(
                        "batched([1, 2], 0)",
                        site(&[], &["raise:ValueError"], &[true]),
                    ),
                ),
                (
                    "L4",
                    at(
                        "shelf.batched([1, 2], 1)",
                        site(&[], &["[[1], [2]]"], &[true]),
                    ),
                ),
                (
                    "L5",
                    at(
                        "shelf.batched([1, 2], 0)",
                        site(&[], &["raise:ValueError"], &[false]),
                    ),
                ),
                (
                    "L6",
                    at(
                        "shelf.batched([1, 2], -1)",
                        site(&[], &["raise:ValueError"], &[false]),
                    ),
                ),
            ],
        );
        let mut candidates = vec![lone];
        assert_eq!(
            choose(&original, &candidates, &terms).chosen,
            None,
            "a lone answer must pass every assert of the test"
        );
        let taken = without_contradicted_asserts(&mut original, &mut candidates);
        assert_eq!(
            taken,
            vec![Contradicted {
                assert: "L5".into(),
                example: "T1".into(),
                call: "batched([1, 2], 0)".into(),
            }]
        );
        assert!(!original.sites.contains_key("L5") && original.sites.contains_key("L6"));
        // L6, which no word of the task speaks of, still keeps the lone answer out.
        assert_eq!(choose(&original, &candidates, &terms).chosen, None);
        candidates[0].behaviour.sites.remove("L6");
        original.sites.remove("L6");
        let choice = choose(&original, &candidates, &terms);
        assert_eq!(choice.chosen, Some(0), "{:#?}", choice.account);
    }

    #[test]
    fn an_assert_is_not_set_aside_where_no_answer_meets_the_tasks_example_or_the_calls_differ() {
        let mut original = behaviour(&[]);
        // The answer gives what the model expects, against the task: the task is not shown
        // right on any run, so the assert stays (the answer is refused by the example anyway).
        let against = observed(
            0,
            &[
                ("T0", at("f(0)", site(&[], &["[]"], &[false]))),
                ("L3", at("f(0)", site(&[], &["[]"], &[true]))),
                ("L4", at("g.f(0)", site(&[], &["[]"], &[false]))),
                ("L5", at("xf(0)", site(&[], &["[]"], &[false]))),
            ],
        );
        // Same value, other calls: `f(00)` is not `f(0)` as written back, and `xf` is not `f`.
        let other = observed(
            1,
            &[
                ("T0", at("f(0)", site(&[], &["raise:ValueError"], &[true]))),
                (
                    "L3",
                    at("f(-1)", site(&[], &["raise:ValueError"], &[false])),
                ),
                (
                    "L5",
                    at("xf(0)", site(&[], &["raise:ValueError"], &[false])),
                ),
            ],
        );
        let mut candidates = vec![against, other];
        assert!(without_contradicted_asserts(&mut original, &mut candidates).is_empty());
        assert_eq!(candidates[0].behaviour.sites.len(), 4);
    }
}
