//! The examples a task states, as a call and the value it should give: checks nightshift writes
//! itself, from the task's own words, so they hold whatever the model believes.
//!
//! Read from the task's code spans (between backticks) and doctest lines:
//! - `` `f(x) == y` `` — a comparison written out;
//! - `` `f(x)` returns `y` `` (or gives, is, should be, equals, `->` …);
//! - `` `f(x)` returns `a` instead of `b` `` — a bug report: `b` is what it should give, and so
//!   with `` `f(x)` returns `a` but should return `b` ``; `` `f(x)` should return `b` instead of
//!   `a` `` says `b` first;
//! - `` `f(x)` returns `a`, but it should … `` with what it should give in prose: `a` is what the
//!   code gives now, so no example;
//! - a `>>> f(x)` line followed by the value it prints;
//! - `` `"2kg"` -> 2000 `` (or `→`, `=>`; the value in backticks or not) — a bare value and what
//!   it maps to, where the task asks for exactly one function of one parameter: the value is its
//!   argument.
//!
//! Only spans that call something are read; whether a call or a value can be evaluated at all
//! (`6.667...` cannot) is found out when the check runs.

use crate::asked::{Asked, asked_definitions};

/// A call the task states a value for, both as source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stated {
    /// The call: `fare([1, 3])`.
    pub call: String,
    /// What it should give: `4.0`.
    pub expected: String,
    /// Stated plainly (`` `f(x)` returns `y` ``), with no word that asks for it ("should",
    /// "must", "instead of", `==`, an arrow): in a report of a fault, that may be the fault.
    pub plain: bool,
    /// The sentence of a rule in prose it was built from ([`crate::stated_rules`]), not written
    /// out in the task: it checks an edge, and vouches for no answer as an example does.
    pub rule: Option<String>,
}

/// Words by which a task reports a fault in code that exists.
const FAULT_WORDS: &[&str] = &[
    "bug",
    "buggy",
    "broken",
    "wrong",
    "wrongly",
    "incorrect",
    "incorrectly",
    "fails",
    "crash",
    "crashes",
    "fix",
];

/// Whether `task` reports a fault ("… is broken", "fix …"): its plain statements of what a call
/// gives may then describe the fault rather than ask for anything.
pub fn reports_a_fault(task: &str) -> bool {
    let lower = task.to_lowercase();
    FAULT_WORDS.iter().any(|word| has_word(&lower, word))
}

/// Words after which a value is what the call should give.
const WANT: &[&str] = &[
    "should", "must", "ought", "needs", "has to", "keep", "still", "expected",
];
/// Words that say the value is what the code gives now (a bug report).
const NOW: &[&str] = &["currently", "now", "actually", "wrongly", "but"];
/// The last word of a phrase joining a call to its value.
const JOINS: &[&str] = &[
    "returns",
    "return",
    "returning",
    "gives",
    "give",
    "giving",
    "is",
    "be",
    "equals",
    "equal",
    "yields",
    "yield",
    "==",
    "->",
    "→",
    "=>",
    "outputs",
    "output",
    "produces",
    "produce",
    "stay",
    "stays",
    "remain",
    "remains",
];
/// Most words in a joining phrase: more is prose about something else.
const MAX_JOIN_WORDS: usize = 5;

/// The examples `task` states, in order, without repeats.
pub fn stated_examples(task: &str) -> Vec<Stated> {
    let mut found: Vec<Stated> = Vec::new();
    let mut push = |call: &str, expected: &str, plain: bool| {
        let stated = Stated {
            call: call.trim().to_owned(),
            expected: expected.trim().trim_end_matches(['.', ',', ';']).to_owned(),
            plain,
            rule: None,
        };
        let seen = found
            .iter()
            .any(|s| s.call == stated.call && s.expected == stated.expected);
        if !stated.call.is_empty() && !stated.expected.is_empty() && !seen {
            found.push(stated);
        }
    };
    let unary = sole_unary_function(task);
    for paragraph in task.split("\n\n") {
        let parts: Vec<&str> = paragraph.split('`').collect();
        // Odd indices are code, even ones prose.
        let mut i = 1;
        while i < parts.len() {
            let span = parts[i];
            if let Some((call, expected)) = split_comparison(span) {
                push(call, expected, false);
            } else if let Some(function) = &unary
                && let Some((argument, expected, used)) = mapped_value(&parts[i..])
            {
                push(&format!("{function}({argument})"), expected, false);
                i += used;
            } else if is_call(span)
                && let Some((expected, used, plain)) = joined_value(&parts[i + 1..])
            {
                push(span, expected, plain);
                i += used;
            }
            i += 2;
        }
    }
    let lines: Vec<&str> = task.lines().map(str::trim).collect();
    for pair in lines.windows(2) {
        if let Some(call) = pair[0].strip_prefix(">>> ")
            && !pair[1].is_empty()
            && !pair[1].starts_with(">>>")
            && is_call(call)
        {
            push(call, pair[1], false);
        }
    }
    found
}

/// The name of the one function `task` asks for, when it asks for exactly one and writes it with
/// one parameter (`parse(text)`).
fn sole_unary_function(task: &str) -> Option<String> {
    let asked: Vec<Asked> = asked_definitions(task)
        .into_iter()
        .filter(|asked| !asked.class)
        .collect();
    let [only] = asked.as_slice() else {
        return None;
    };
    let (_, rest) = only.written.split_once('(')?;
    let (parameters, _) = rest.rsplit_once(')')?;
    (!parameters.trim().is_empty() && !parameters.contains(',')).then(|| only.name.clone())
}

/// Arrows that map a value to what it gives.
const ARROWS: &[&str] = &["->", "→", "=>"];

/// A bare value mapped to another, from `parts` (a code span, then what follows it): the span
/// `"2kg" -> 2000` whole, or the span `"2kg"` then prose `-> 2000` (or `->` and a span `2000`).
/// The argument, the value, and how many parts it read past the span.
fn mapped_value<'t>(parts: &[&'t str]) -> Option<(&'t str, &'t str, usize)> {
    let span = parts[0].trim();
    if let Some((argument, expected)) = ARROWS.iter().find_map(|arrow| span.split_once(arrow)) {
        let (argument, expected) = (argument.trim(), expected.trim());
        return (is_value(argument) && is_value(expected)).then_some((argument, expected, 0));
    }
    if !is_value(span) {
        return None;
    }
    let prose = parts.get(1)?.trim_start();
    let after = ARROWS
        .iter()
        .find_map(|arrow| prose.strip_prefix(arrow))?
        .trim();
    if after.is_empty() {
        let expected = parts.get(2)?.trim();
        return is_value(expected).then_some((span, expected, 2));
    }
    let expected = after
        .split([',', ';', ' ', '\n', ')'])
        .next()?
        .trim_end_matches('.');
    (is_value(expected) && !expected.is_empty()).then_some((span, expected, 0))
}

/// Whether `text` is a literal value: a number, a string, a list, tuple or dict, or `True`,
/// `False`, `None` (`true`, `false`, `null`).
fn is_value(text: &str) -> bool {
    let text = text.trim();
    let number = text
        .strip_prefix('-')
        .unwrap_or(text)
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'));
    let bracketed = [('"', '"'), ('\'', '\''), ('[', ']'), ('(', ')'), ('{', '}')]
        .iter()
        .any(|(open, close)| text.len() >= 2 && text.starts_with(*open) && text.ends_with(*close));
    number || bracketed || ["True", "False", "None", "true", "false", "null"].contains(&text)
}

/// `f(x) == y` as (`f(x)`, `y`), when its left side calls something.
fn split_comparison(span: &str) -> Option<(&str, &str)> {
    let (left, right) = span.split_once("==")?;
    let right = right.strip_prefix('=').unwrap_or(right);
    (is_call(left) && !right.trim().is_empty() && !right.contains("==")).then_some((left, right))
}

/// Whether a span calls something: `name(…)` or `obj.name(…)`, nothing after the parenthesis.
fn is_call(span: &str) -> bool {
    let span = span.trim();
    let Some(open) = span.find('(') else {
        return false;
    };
    let head = &span[..open];
    !head.is_empty()
        && head
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && span.ends_with(')')
}

/// The value that `rest` (the prose after a call, then the next spans) says the call should
/// give, how many parts it read past the first prose, and whether it was stated plainly (no word
/// asking for it).
fn joined_value<'t>(rest: &[&'t str]) -> Option<(&'t str, usize, bool)> {
    let (join, value) = (rest.first()?, rest.get(1)?);
    let join = join.trim().to_lowercase();
    if !joins(&join) {
        return None;
    }
    let wanted = WANT.iter().any(|w| join.contains(w));
    let now = NOW.iter().any(|w| has_word(&join, w));
    // What follows the value: "instead of `b`", "but should return `b`".
    if let (Some(after), Some(other)) = (rest.get(2), rest.get(3)) {
        let after = after.trim().to_lowercase();
        let instead = after.starts_with("instead of") || after.starts_with("rather than");
        let correction = joins(&after) && WANT.iter().any(|w| after.contains(w)) && !instead;
        if instead && after.split_whitespace().count() <= 3 {
            return Some(if wanted {
                (value, 2, false)
            } else {
                (other, 2, false)
            });
        }
        if correction && !wanted {
            return Some((other, 2, false));
        }
    }
    if !wanted
        && rest
            .get(2)
            .is_some_and(|after| contrasts_with_wanted(after))
    {
        return None;
    }
    (!now || wanted).then_some((value, 0, !wanted))
}

/// Words that open a contrast with what was just said.
const CONTRAST: &[&str] = &["but", "yet", "however", "whereas"];

/// Whether the prose after a value opens a contrast and says, before its sentence ends, what is
/// wanted instead ("…, but there should be three"): the value was what the code gives now.
fn contrasts_with_wanted(after: &str) -> bool {
    let after = after.to_lowercase();
    let sentence = after
        .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '—'))
        .split(['\n', '.', ';'])
        .next()
        .unwrap_or_default();
    let opens = sentence
        .split_whitespace()
        .next()
        .is_some_and(|first| CONTRAST.contains(&first.trim_end_matches(',')));
    opens && WANT.iter().any(|want| has_word(sentence, want))
}

/// Whether `prose` is a short phrase ending in a joining word.
fn joins(prose: &str) -> bool {
    let prose = prose.trim_start_matches([',', ';']).trim();
    let words: Vec<&str> = prose.split_whitespace().collect();
    let evaluates = words.len() >= 2
        && words[words.len() - 1] == "to"
        && words[words.len() - 2].starts_with("evaluate");
    !words.is_empty()
        && words.len() <= MAX_JOIN_WORDS
        && (evaluates || words.last().is_some_and(|last| JOINS.contains(last)))
}

fn has_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|w| w == word)
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn pairs(task: &str) -> Vec<(String, String)> {
        stated_examples(task)
            .into_iter()
            .map(|s| (s.call, s.expected))
            .collect()
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn comparisons_written_out_are_examples_illustrations_included() {
        let task = "Add `shift(x, dx, scale)` to `plotter.py`. If `scale < 0`, raise \
                    `ValueError`; e.g. `shift(3, 2, 9) == 45`, `shift(-2.5, -1.0, 2.0) == -7.0`.";
        assert_eq!(
            pairs(task),
            owned(&[("shift(3, 2, 9)", "45"), ("shift(-2.5, -1.0, 2.0)", "-7.0")])
        );
    }

    #[test]
    fn a_bug_report_states_what_the_call_should_give_not_what_it_gives() {
        let task = "`fare()` in `transit.py` is wrong: `fare([1, 3])` returns `1.5` instead of \
                    `4.0`, and `fare([5])` gives `0` but should give `5`. `fare([])` should keep \
                    returning `0.0`. And `fare([2, 2])` should return `4.0` instead of `2.0`.";
        assert_eq!(
            pairs(task),
            owned(&[
                ("fare([1, 3])", "4.0"),
                ("fare([5])", "5"),
                ("fare([])", "0.0"),
                ("fare([2, 2])", "4.0"),
            ])
        );
    }

    #[test]
    fn a_value_contrasted_with_what_is_wanted_in_prose_is_what_the_code_gives_now() {
        let task = "Shipping is off:\n\n- `parcels(9, 4)` returns `2`, but it should take three \
                    parcels to hold nine jars;\n- `parcels(0, 4)` gives `1`; however, an empty \
                    order must need none.\n\n`parcels(8, 4)` returns `2`, but `parcels(-1, 4)` \
                    raises.";
        assert_eq!(pairs(task), owned(&[("parcels(8, 4)", "2")]));
    }

    #[test]
    fn a_value_stated_plainly_is_told_from_one_asked_for() {
        let task = "`tally.py` is broken for empty carts: `tally([])` returns `None`. \
                    `tally([2])` should give `2`, and `tally([1, 1]) == 2`; `tally([5])` must \
                    stay `5`.";
        let plain: Vec<(String, bool)> = stated_examples(task)
            .into_iter()
            .map(|s| (s.call, s.plain))
            .collect();
        assert_eq!(
            plain,
            [
                ("tally([])".to_owned(), true),
                ("tally([2])".to_owned(), false),
                ("tally([1, 1])".to_owned(), false),
                ("tally([5])".to_owned(), false),
            ]
        );
        assert!(reports_a_fault(task));
        assert!(reports_a_fault("Please fix `tally`."));
        assert!(!reports_a_fault(
            "Add `tally(items)` to `tally.py`: `tally([2])` returns `2`; a prefix fixture stays."
        ));
    }

    #[test]
    fn what_the_code_gives_now_is_no_example() {
        assert_eq!(pairs("Today `span(3)` currently returns `2`."), Vec::new());
        assert_eq!(
            pairs("Make `span(3)` faster: it works, but the loop in it is slow."),
            Vec::new()
        );
        // A value joined by a long sentence is about something else.
        assert_eq!(
            pairs("`span(3)` is used by the report, which is `weekly`."),
            Vec::new()
        );
    }

    #[test]
    fn doctest_lines_and_arrows_are_examples() {
        let task = "Like this:\n\n    >>> ordinal(\"sixteen\")\n    'sixteenth'\n\nand \
                    `cardinal(\"Eleventh\")` -> `\"eleven\"`.";
        assert_eq!(
            pairs(task),
            owned(&[
                ("cardinal(\"Eleventh\")", "\"eleven\""),
                ("ordinal(\"sixteen\")", "'sixteenth'"),
            ])
        );
    }

    #[test]
    fn bare_values_mapped_by_an_arrow_are_calls_of_the_one_function_asked_for() {
        let task = "`pantry.py` has `ripest(larder)`. Add `count_jars(larder)` to `pantry.py`.\n\n\
                    Examples: `\"jam honey\"` -> 2, `\"\"` -> `0`, `\" jam \"` → 1, \
                    `\"jam honey salsa\" => 3`. A missing `larder` (`None`) -> raise `TypeError`.";
        assert_eq!(
            pairs(task),
            owned(&[
                ("count_jars(\"jam honey\")", "2"),
                ("count_jars(\"\")", "0"),
                ("count_jars(\" jam \")", "1"),
                ("count_jars(\"jam honey salsa\")", "3"),
            ])
        );
        // Two functions asked for, or one of two parameters: whose argument it is is unclear.
        assert_eq!(
            pairs("Add `count_jars(larder)` and `count_lids(larder)`. `\"jam\"` -> 1."),
            Vec::new()
        );
        assert_eq!(
            pairs("Add `label_jars(larder, n)` to `pantry.py`. `\"jam\"` -> `\"jam jam\"`."),
            Vec::new()
        );
    }
}
