//! Rules a task states in prose that nightshift can check itself, whatever the model believes:
//! what an answer must leave alone.

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

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|word| !word.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
