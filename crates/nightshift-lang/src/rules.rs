//! Rules a task states in prose that nightshift can check itself, whatever the model believes:
//! what an answer must leave alone ([`keeps_arguments`]), whether it may refuse input at all
//! ([`speaks_of_errors`]), and what a call gives at an edge the task names ([`stated_rules`]).

use crate::asked::asked_definitions;
use crate::stated::Stated;

/// Words that negate what follows them (`doesn't` reads as `doesn` `t`).
const NEGATIONS: &[&str] = &["not", "never", "without", "t", "no"];
/// How a change is said: the beginnings of the verbs.
const CHANGES: &[&str] = &[
    "modif", "mutat", "chang", "alter", "touch", "reorder", "sort", "overwrit", "clear", "empt",
];
/// Words that say a thing stays as it was.
const KEPT: &[&str] = &[
    "unchanged",
    "untouched",
    "unmodified",
    "unmutated",
    "intact",
];
/// What names the input a function is given.
const INPUTS: &[&str] = &[
    "input",
    "inputs",
    "argument",
    "arguments",
    "arg",
    "args",
    "parameter",
    "parameters",
    "original",
    "given",
    "passed",
    "caller",
    "list",
    "lists",
    "dict",
    "dictionary",
    "array",
    "sequence",
    "mapping",
];

/// Whether `task` says the input of the code it asks for must be left as it is ("the readings it
/// is given must not be modified", "without mutating its argument", "leaves the original
/// unchanged"): in
/// one sentence, a change negated (or a word like "unchanged") and a word for the input. A task
/// that asks for a change in place ("sorts the list in place") says no such thing, and neither
/// does a value returned unchanged.
pub fn keeps_arguments(task: &str) -> bool {
    let lower = task.to_lowercase();
    let in_place = ["in place", "in-place"].iter().any(|phrase| {
        lower.match_indices(phrase).any(|(at, _)| {
            let before: Vec<&str> = words(&lower[..at]).collect();
            !before
                .iter()
                .rev()
                .take(2)
                .any(|word| NEGATIONS.contains(word))
        })
    });
    if in_place {
        return false;
    }
    lower.split(['.', '!', '?', ';', '\n']).any(|sentence| {
        let words: Vec<&str> = words(sentence).collect();
        let negated_change = words.iter().enumerate().any(|(i, word)| {
            NEGATIONS.contains(word)
                && words[i + 1..]
                    .iter()
                    .take(3)
                    .any(|next| CHANGES.iter().any(|stem| next.starts_with(stem)))
        });
        let returned = words.iter().any(|word| word.starts_with("return"));
        let kept = !returned && words.iter().any(|word| KEPT.contains(word));
        (negated_change || kept) && words.iter().any(|word| INPUTS.contains(word))
    })
}

/// Whether `task` speaks of errors at all: of raising or throwing, of an error or an exception
/// (`ValueError`), of rejecting, refusing or invalid input. A task that does not asks for no
/// input to be refused, so an answer that raises on data the code as it was accepted breaks
/// what worked.
pub fn speaks_of_errors(task: &str) -> bool {
    let lower = task.to_lowercase();
    words(&lower).any(|word| {
        word.contains("error")
            || word.contains("exception")
            || ["rais", "throw", "reject", "refus", "invalid", "fail"]
                .iter()
                .any(|stem| word.starts_with(stem))
    })
}

/// Most words of a condition or an outcome read: more is prose about something else.
const MAX_PHRASE_WORDS: usize = 6;

/// The calls the rules `task` states in prose pin down, as examples: a sentence with a condition
/// on a parameter of a function the task asks for ("if `depth` is negative", "when `items` is
/// empty", "`n` < 1") and what the call then gives ("return an empty list", "returns `None`",
/// "raise `ValueError`"). The call is built from an example the task states of that function
/// (`examples`), its argument for the parameter replaced by a value meeting the condition (0, -1,
/// an empty value of the example's kind, `None`); a function of one parameter needs none. Values
/// are written as Python's, or JavaScript's where `javascript`, which has no rule that raises.
/// A sentence whose condition or outcome is not one of those is no rule here: one read wrong
/// would refuse right answers.
pub fn stated_rules(task: &str, examples: &[Stated], javascript: bool) -> Vec<Stated> {
    let functions: Vec<(String, Vec<String>)> = asked_definitions(task)
        .into_iter()
        .filter(|asked| !asked.class)
        .filter_map(|asked| Some((asked.name, parameters(&asked.written)?)))
        .collect();
    let mut found: Vec<Stated> = Vec::new();
    for sentence in task
        .split(['\n', ';'])
        .flat_map(|line| line.split(". "))
        .map(|sentence| sentence.trim().trim_start_matches(['-', '*', ' ']))
    {
        let plain = sentence.replace('`', "");
        let lower = plain.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|word| !word.is_empty())
            .collect();
        let Some((subject, condition)) = condition(&words) else {
            continue;
        };
        let Some(outcome) = outcome(&words, sentence, javascript) else {
            continue;
        };
        // The function whose parameter the condition is on: the one the sentence names, or the
        // only one with such a parameter.
        let owners: Vec<&(String, Vec<String>)> = functions
            .iter()
            .filter(|(_, parameters)| {
                parameters.iter().any(|p| p.to_lowercase() == subject)
                    || (INPUT_NOUNS.contains(&subject.as_str())
                        && (parameters.len() == 1 || condition == Condition::Empty))
            })
            .collect();
        let named: Vec<&(String, Vec<String>)> = owners
            .iter()
            .copied()
            .filter(|(name, _)| plain.contains(name.as_str()))
            .collect();
        let (function, parameters) = match (owners.as_slice(), named.as_slice()) {
            (_, [one]) | ([one], []) => (&one.0, &one.1),
            _ => continue,
        };
        let base = examples
            .iter()
            .find_map(|example| {
                let arguments = arguments_of(&example.call, function)?;
                (arguments.len() == parameters.len()).then_some(arguments)
            })
            .or_else(|| (parameters.len() == 1).then(|| vec![String::new()]));
        let Some(base) = base else {
            continue;
        };
        // The argument the condition is on: the parameter it names; for a noun ("an empty
        // list"), the only one, or the only one the example gives a sequence or a string.
        let sequences: Vec<usize> = (0..base.len())
            .filter(|&i| base[i].starts_with(['[', '"', '\'', '(', '{']))
            .collect();
        let at = match parameters.iter().position(|p| p.to_lowercase() == subject) {
            Some(at) => at,
            None if parameters.len() == 1 => 0,
            None => match sequences.as_slice() {
                [only] => *only,
                _ => continue,
            },
        };
        // With no example, what kind of empty value is told by the noun: "the list".
        let like = match (base[at].as_str(), subject.as_str()) {
            ("", "list" | "array" | "sequence") => "[]",
            ("", "string" | "text") => "\"\"",
            (like, _) => like,
        };
        for value in condition.values(like, javascript) {
            let mut arguments = base.clone();
            arguments[at] = value;
            let stated = Stated {
                call: format!("{function}({})", arguments.join(", ")),
                expected: outcome.clone(),
                plain: false,
                rule: Some(sentence.trim_end_matches('.').to_owned()),
            };
            if !found.iter().chain(examples).any(|s| s.call == stated.call) {
                found.push(stated);
            }
        }
    }
    found
}

/// Words for the input of a function: "if the list is empty" of one of one parameter, "an empty
/// list gives" of the one argument an example gives as a sequence.
const INPUT_NOUNS: &[&str] = &[
    "input", "list", "string", "text", "array", "sequence", "argument", "value", "number",
];

/// A condition on an argument, as the values that meet it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Condition {
    /// At or below a bound: the bound and one under it.
    AtMost(i64),
    /// Exactly the bound.
    Is(i64),
    /// Empty.
    Empty,
    /// `None` (`null`).
    Nothing,
}

impl Condition {
    /// Values that meet the condition, in place of `like` (the argument of a stated example).
    fn values(self, like: &str, javascript: bool) -> Vec<String> {
        match self {
            Self::AtMost(bound) => vec![bound.to_string(), (bound - 1).to_string()],
            Self::Is(bound) => vec![bound.to_string()],
            Self::Empty => {
                let like = like.trim();
                let empty = match like.chars().next() {
                    Some('"') => "\"\"",
                    Some('\'') => "''",
                    Some('[') => "[]",
                    Some('{') => "{}",
                    Some('(') if !javascript => "()",
                    _ => return Vec::new(),
                };
                vec![empty.to_owned()]
            }
            Self::Nothing => vec![if javascript { "null" } else { "None" }.to_owned()],
        }
    }
}

/// The condition in `words` (a sentence, lowercase, without backticks): "if|when <subject>
/// is|are|<|<=|== <condition>", or "an empty <noun> gives", and its subject ("n", or "list" of
/// "the list").
fn condition(words: &[&str]) -> Option<(String, Condition)> {
    // "An empty array returns an empty dict."
    if let Some(at) = words.iter().position(|w| *w == "empty")
        && let (Some(noun), Some(verb)) = (words.get(at + 1), words.get(at + 2))
        && INPUT_NOUNS.contains(noun)
        && ["gives", "returns", "yields"].contains(verb)
    {
        return Some(((*noun).to_owned(), Condition::Empty));
    }
    let at = words.iter().position(|w| *w == "if" || *w == "when")?;
    let mut rest = &words[at + 1..];
    if rest.first() == Some(&"the") {
        rest = &rest[1..];
    }
    let subject = rest
        .first()?
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
    let verb = *rest.get(1)?;
    let phrase: Vec<&str> = rest[2..]
        .iter()
        .take_while(|w| !["return", "returns", "then", "raise", "raises", "it", "the"].contains(w))
        .take(MAX_PHRASE_WORDS)
        .map(|w| w.trim_end_matches(['.', ':']))
        .collect();
    let number = |word: &str| -> Option<i64> {
        match word {
            "zero" => Some(0),
            "one" => Some(1),
            _ => word.parse().ok(),
        }
    };
    let condition = match verb {
        "<" => Condition::AtMost(number(phrase.first()?)? - 1),
        "<=" => Condition::AtMost(number(phrase.first()?)?),
        "==" => Condition::Is(number(phrase.first()?)?),
        "is" | "are" => {
            let has = |word: &str| phrase.contains(&word);
            if has("not") || has("non") {
                return None;
            }
            match phrase.as_slice() {
                ["negative"] => Condition::AtMost(-1),
                [zero, "or", "negative"] | ["negative", "or", zero] | [zero, "or", "less"]
                    if number(zero) == Some(0) =>
                {
                    Condition::AtMost(0)
                }
                ["less" | "smaller" | "lower", "than", bound] | ["below", bound] => {
                    Condition::AtMost(number(bound)? - 1)
                }
                ["at", "most", bound] | ["less", "than", "or", "equal", "to", bound] => {
                    Condition::AtMost(number(bound)?)
                }
                ["empty"] => Condition::Empty,
                ["none" | "null"] => Condition::Nothing,
                [value] => Condition::Is(number(value)?),
                _ => return None,
            }
        }
        _ => return None,
    };
    Some((subject.to_owned(), condition))
}

/// What the sentence says the call gives: after "return(s)", "give(s)" or "should be", an empty
/// value named in words, `None`, a number or a boolean, or a literal in backticks; after
/// "raise(s)", an exception's name (`raise:ValueError`). `sentence` is as the task writes it.
fn outcome(words: &[&str], sentence: &str, javascript: bool) -> Option<String> {
    let at = words
        .iter()
        .position(|w| ["return", "returns", "give", "gives", "raise", "raises"].contains(w))?;
    let raises = words[at].starts_with("raise");
    let mut rest: Vec<&str> = words[at + 1..]
        .iter()
        .map(|w| w.trim_end_matches(['.', ':', ')']))
        .take(MAX_PHRASE_WORDS)
        .collect();
    if matches!(rest.first(), Some(&("a" | "an" | "the"))) {
        rest.remove(0);
    }
    let first = *rest.first()?;
    if raises {
        if javascript {
            return None;
        }
        // The name as the task writes it, case and all.
        let name = sentence
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .find(|w| w.to_lowercase() == first)?;
        let exception = name.ends_with("Error") || name.ends_with("Exception");
        return exception.then(|| format!("raise:{name}"));
    }
    let null = if javascript { "null" } else { "None" };
    let value = match rest.as_slice() {
        ["empty", "list" | "array", ..] => "[]",
        ["empty", "string", ..] => "\"\"",
        ["empty", "dict" | "dictionary" | "mapping" | "object", ..] => "{}",
        ["empty", "tuple", ..] if !javascript => "()",
        ["none" | "null", ..] => null,
        ["zero", ..] => "0",
        ["true", ..] => {
            if javascript {
                "true"
            } else {
                "True"
            }
        }
        ["false", ..] => {
            if javascript {
                "false"
            } else {
                "False"
            }
        }
        [number, ..] if number.parse::<f64>().is_ok() => number,
        [literal, ..] if literal.starts_with(['[', '"', '\'', '{', '(']) => {
            // A literal in backticks, as written.
            let span = sentence.split('`').skip(1).step_by(2).find(|span| {
                span.to_lowercase().starts_with(literal)
                    || literal.starts_with(&span.to_lowercase())
            })?;
            return Some(span.trim().to_owned());
        }
        _ => return None,
    };
    Some(value.to_owned())
}

/// The parameters of a function as the task writes it: `top(text, n)` → `text`, `n`; `None`
/// where it writes none or a parameter is not a plain name (`*args`, `n=3`).
fn parameters(written: &str) -> Option<Vec<String>> {
    let (_, rest) = written.split_once('(')?;
    let (inside, _) = rest.rsplit_once(')')?;
    let parameters: Vec<String> = inside
        .split(',')
        .map(|p| p.split(':').next().unwrap_or_default().trim().to_owned())
        .collect();
    let plain = parameters
        .iter()
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'));
    plain.then_some(parameters)
}

/// The arguments of `call` when it calls `function`: `f("a, b", [1, 2])` → `"a, b"`, `[1, 2]`.
fn arguments_of(call: &str, function: &str) -> Option<Vec<String>> {
    let inside = call
        .trim()
        .strip_prefix(function)?
        .strip_prefix('(')?
        .strip_suffix(')')?;
    let mut arguments = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in inside.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                arguments.push(inside[start..i].trim().to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    arguments.push(inside[start..].trim().to_owned());
    let named = arguments.iter().any(|a| a.is_empty() || a.contains('='));
    (!named).then_some(arguments)
}

/// Where `after` (an answer's source file; `before`, what it held before) compares something
/// with an argument of an example the task states (`examples`), on a line it adds: `if items ==
/// [7, 3]:`, `case "NE-4":`. An answer bent to the example, not the rule: it meets the
/// example and nothing else. Only arguments specific enough that code has no other reason to
/// name them count: containers with something in them, strings of three characters or more, and
/// not a value the task (`task`) names outside its examples' calls ("when the name is `admin`"
/// makes `admin` part of the rule). The line and the argument.
pub fn special_cased(
    task: &str,
    examples: &[Stated],
    before: &str,
    after: &str,
) -> Option<(String, String)> {
    let prose = examples.iter().fold(task.to_owned(), |text, example| {
        text.replace(&example.call, " ")
    });
    let squeeze = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c == '\'' { '"' } else { c })
            .collect()
    };
    let specific: Vec<(String, String)> = examples
        .iter()
        .filter_map(|example| {
            let function = example.call.split('(').next()?.trim();
            arguments_of(&example.call, function)
        })
        .flatten()
        .filter(|argument| {
            let squeezed = squeeze(argument);
            let container = squeezed.len() > 2 && squeezed.starts_with(['[', '(', '{']);
            let string = squeezed.starts_with('"') && squeezed.chars().count() >= 5;
            let named = prose.contains(argument.trim_matches(['"', '\'']));
            (container || string) && !named
        })
        .map(|argument| (squeeze(&argument), argument))
        .collect();
    if specific.is_empty() {
        return None;
    }
    let old: std::collections::BTreeSet<&str> = before.lines().map(str::trim).collect();
    after
        .lines()
        .map(str::trim)
        .filter(|line| !old.contains(line) && !line.starts_with(['#', '/']))
        .find_map(|line| {
            let squeezed = squeeze(line);
            let compares = ["==", "!=", "in", "case", "if", "elif", "switch"]
                .iter()
                .any(|token| {
                    if token.chars().all(char::is_alphabetic) {
                        line.split(|c: char| !c.is_alphanumeric())
                            .any(|word| word == *token)
                    } else {
                        line.contains(token)
                    }
                });
            let (_, argument) = specific
                .iter()
                .find(|(literal, _)| compares && squeezed.contains(literal.as_str()))?;
            Some((line.to_owned(), argument.clone()))
        })
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|word| !word.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_speaks_of_errors_where_it_names_one_or_a_refusal() {
        for task in [
            "Raise `ValueError` when the amount is negative.",
            "`parse` throws on an empty string.",
            "Loading a file without a title must fail.",
            "Reject entries that have no id.",
            "An invalid code gives None; a KeyError is fine too.",
        ] {
            assert!(speaks_of_errors(task), "{task}");
        }
        for task in [
            "Give each recipe a `servings` count, default 1; recipes saved before it have no \
             such key and load with 1 serving.",
            "Sort the praise from highest to lowest.",
        ] {
            assert!(!speaks_of_errors(task), "{task}");
        }
    }

    #[test]
    fn an_input_to_be_left_as_it_is_is_told_from_other_sentences() {
        for task in [
            "Add `spread(readings)` to `gauge.py`. The readings it is given must not be modified.",
            "Write `tidy(rows)`; it returns a new list without mutating its argument.",
            "`rank(scores)` must leave the original dict unchanged.",
            "It doesn't change the list it is given.",
            "Sort a copy: never reorder the caller's sequence.",
        ] {
            assert!(keeps_arguments(task), "{task}");
        }
        for task in [
            "Add `spread(readings)` to `gauge.py`.",
            "Sort the list in place; it must not change the other entries of the list.",
            "Fix `tally`: it must not change its output format.",
            "A list that is already sorted is returned unchanged.",
            "Do not change `README.md`.",
        ] {
            assert!(!keeps_arguments(task), "{task}");
        }
    }

    fn example(call: &str, expected: &str) -> Stated {
        Stated {
            call: call.to_owned(),
            expected: expected.to_owned(),
            plain: false,
            rule: None,
        }
    }

    fn calls(rules: &[Stated]) -> Vec<(&str, &str)> {
        rules
            .iter()
            .map(|r| (r.call.as_str(), r.expected.as_str()))
            .collect()
    }

    #[test]
    fn a_rule_at_an_edge_becomes_calls_built_from_a_stated_example() {
        let task = "Add `busiest(log, k)` to `traffic.py`: the `k` hours with most visits.\n\n\
                    - When `k` is 0 or less, it returns `[]`.\n\
                    - If there are fewer than `k` hours, return all of them.\n\
                    - When `log` is empty, it returns `[]` too.\n\n\
                    For example `busiest(\"9 9 10\", 1) == [9]`.";
        let examples = [example("busiest(\"9 9 10\", 1)", "[9]")];
        let rules = stated_rules(task, &examples, false);
        assert_eq!(
            calls(&rules),
            [
                ("busiest(\"9 9 10\", 0)", "[]"),
                ("busiest(\"9 9 10\", -1)", "[]"),
                ("busiest(\"\", 1)", "[]"),
            ]
        );
        assert_eq!(
            rules[0].rule.as_deref(),
            Some("When `k` is 0 or less, it returns `[]`")
        );
        // In JavaScript's words; with no stated example to build on, a function of two
        // parameters gives none.
        assert_eq!(stated_rules(task, &examples, true).len(), 3);
        assert!(stated_rules(task, &[], false).is_empty());
    }

    #[test]
    fn a_function_of_one_parameter_needs_no_example_and_raising_is_an_outcome() {
        let task = "Write `mean(values)` in `stats.py`. If the list is empty, raise `ValueError`. \
                    Return `None` when `values` is None.";
        assert_eq!(
            calls(&stated_rules(task, &[], false)),
            [("mean([])", "raise:ValueError"), ("mean(None)", "None")]
        );
        let task = "Write `mean(values)` in `stats.py`. If `values` is empty, return `0.0`.";
        assert!(
            stated_rules(task, &[], false).is_empty(),
            "an empty value of no known kind is no rule"
        );
        let with_example = [example("mean([1, 2])", "1.5")];
        assert_eq!(
            calls(&stated_rules(task, &with_example, false)),
            [("mean([])", "0.0")]
        );
        assert!(stated_rules(task, &with_example, true).len() == 1);
        assert!(
            stated_rules(
                "Write `mean(values)`. If the list is empty, raise `ValueError`.",
                &with_example,
                true
            )
            .is_empty(),
            "JavaScript throws; no rule raises there"
        );
    }

    #[test]
    fn an_empty_input_said_to_give_a_value_is_the_one_sequence_argument_emptied() {
        let task = "Add `pairs(items, gap)` to `seq.py`. An empty array returns an empty list.";
        let examples = [example("pairs([1, 2, 3], 1)", "[(1, 2), (2, 3)]")];
        assert_eq!(
            calls(&stated_rules(task, &examples, false)),
            [("pairs([], 1)", "[]")]
        );
        // Two sequences: which one is emptied is not said.
        let examples = [example("pairs([1, 2], [3])", "[]")];
        assert!(stated_rules(task, &examples, false).is_empty());
    }

    #[test]
    fn conditions_and_outcomes_not_read_plainly_are_no_rules() {
        let examples = [example("pick(\"ab\", 2)", "\"ab\"")];
        for sentence in [
            "If `n` is not 0, return an empty list.",
            "If `n` is even, return an empty list.",
            "If `n` is larger than the length, return all of them.",
            "If `n` is 0, return the text unchanged.",
            "If the text has no letters, return an empty string.",
        ] {
            let task = format!("Add `pick(text, n)` to `p.py`. {sentence}");
            assert!(
                stated_rules(&task, &examples, false).is_empty(),
                "{sentence}"
            );
        }
        let task = "Add `pick(text, n)` to `p.py`. If `n` is below 1, return `\"\"`.";
        assert_eq!(
            calls(&stated_rules(task, &examples, false)),
            [("pick(\"ab\", 0)", "\"\""), ("pick(\"ab\", -1)", "\"\"")]
        );
    }

    #[test]
    fn an_answer_that_compares_with_an_examples_argument_special_cases_it() {
        let examples = [
            example("spread([4, 9, 1])", "8"),
            example("label(\"north gate\", 3)", "\"NORTH GATE #3\""),
        ];
        let before = "def spread(xs):\n    return 0\n";
        let bent = "def spread(xs):\n    if xs == [4, 9, 1]:\n        return 8\n    return 0\n";
        let task = "Add `spread(xs)` and `label(name, n)`: `spread([4, 9, 1]) == 8`, \
                    `label(\"north gate\", 3) == \"NORTH GATE #3\"`.";
        assert_eq!(
            special_cased(task, &examples, before, bent),
            Some(("if xs == [4, 9, 1]:".to_owned(), "[4, 9, 1]".to_owned()))
        );
        let quoted = "def label(name, n):\n    if name in ('north gate',):\n        return 'NORTH GATE #3'\n";
        assert!(special_cased(task, &examples, "", quoted).is_some());
        // The rule itself, a line the code had before, a short or empty argument, a comment:
        // nothing bent.
        for after in [
            "def spread(xs):\n    return max(xs) - min(xs)\n",
            "def spread(xs):\n    return 0\n",
            "# spread([4, 9, 1]) == 8\ndef spread(xs):\n    return max(xs) - min(xs)\n",
        ] {
            assert_eq!(
                special_cased(task, &examples, before, after),
                None,
                "{after}"
            );
        }
        let short = [example("pad(\"ab\", [])", "\"ab\"")];
        assert_eq!(
            special_cased(
                "`pad(\"ab\", []) == \"ab\"`",
                &short,
                "",
                "def pad(s, xs):\n    if s == \"ab\" or xs == []:\n        return s\n"
            ),
            None
        );
        // A value the task names in its rule is the rule's to compare with.
        let named = [example("greet(\"admin\")", "\"Welcome back\"")];
        assert_eq!(
            special_cased(
                "Write `greet(name)`; when the name is `admin` it welcomes them back: \
                 `greet(\"admin\") == \"Welcome back\"`.",
                &named,
                "",
                "def greet(name):\n    if name == \"admin\":\n        return \"Welcome back\"\n"
            ),
            None
        );
    }
}
