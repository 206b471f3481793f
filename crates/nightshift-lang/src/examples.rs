//! Which of the examples a task spells out the tests it asks for leave unchecked.
//!
//! A task that asks for tests and lists cases (`to_morse("tea") == "- . .-"`) wants each one
//! checked; [`unchecked_examples`] finds those no test mentions, by their literals, and
//! [`listed_items`] counts the items of what it lists.

/// A string or number written in code or prose.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Text(String),
    Number(f64),
}

/// The examples of `task` — code spans in backticks that compare with `==`, not after "e.g." or
/// "for example" on their line (those illustrate) — that no test among `tests` (their sources)
/// checks: some literal of the example (its strings and numbers, numbers by value) appears in
/// none of them. A task that asks for tests and spells out cases
/// (`to_morse("tea") == "- . .-"`) wants each checked; a test that lost the rows the code failed
/// may have lost them. Examples without a literal are not looked at.
pub fn unchecked_examples<'t>(task: &'t str, tests: &[&str]) -> Vec<&'t str> {
    let pool: Vec<Literal> = tests.iter().flat_map(|source| literals(source)).collect();
    task.lines()
        .flat_map(|line| {
            line.split('`')
                .enumerate()
                .skip(1)
                .step_by(2)
                .filter(move |&(i, _)| {
                    // "(e.g. `to_morse("t") == "-"`)" illustrates; it does not ask.
                    let before = line.split('`').take(i).collect::<String>().to_lowercase();
                    !["e.g.", "for example", "for instance", "such as"]
                        .iter()
                        .any(|cue| before.contains(cue))
                })
                .map(|(_, span)| span)
        })
        .filter(|span| span.contains("=="))
        .filter(|span| {
            let wanted = literals(span);
            !wanted.is_empty() && !wanted.iter().all(|w| pool.contains(w))
        })
        .collect()
}

/// How many items `task` lists: lines of a bulleted or numbered list (`- `, `* `, `+ `, `1. `,
/// `1) `), outside fenced code. A task asking for tests that lists what they must cover wants
/// each item checked by a test case of its own.
pub fn listed_items(task: &str) -> usize {
    let mut fenced = false;
    task.lines()
        .map(str::trim_start)
        .filter(|line| {
            if line.starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced && is_list_item(line)
        })
        .count()
}

fn is_list_item(line: &str) -> bool {
    if ["- ", "* ", "+ "]
        .iter()
        .any(|bullet| line.starts_with(bullet))
    {
        return true;
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") "))
}

/// The string and number literals of `text`, in order. A quote opens a string only where a
/// word does not run into it, so the apostrophe of "don't" in prose opens nothing.
fn literals(text: &str) -> Vec<Literal> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if (c == '"' || c == '\'')
            && !after_word
            && let Some(len) = chars[i + 1..].iter().position(|&q| q == c)
        {
            found.push(Literal::Text(chars[i + 1..i + 1 + len].iter().collect()));
            i += len + 2;
            continue;
        }
        let signed = c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if (c.is_ascii_digit() || signed) && !after_word {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            let number: String = chars[start..i].iter().collect();
            if let Ok(value) = number.parse() {
                found.push(Literal::Number(value));
            }
            continue;
        }
        i += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    #[test]
    fn the_examples_of_a_task_no_test_checks_are_found() {
        let task = "Create `tests/test_morse.py` with tests that cover at least:\n- `to_morse(\"sos\") == \"... --- ...\"` and `from_morse(\"... --- ...\") == \"sos\"`;\n- the last letter: `to_morse(\"tea\") == \"- . .-\"`;\n- `to_morse(\"e\" * 3) == \". . .\"`; the empty string `\"\"`, and `x == y`;\n- a single letter (e.g. `to_morse(\"t\") == \"-\"`).";
        let test = "from signals.morse import to_morse, from_morse\n\n@pytest.mark.parametrize('text, code', [('sos', '... --- ...'), ('e' * 3, '. . .')])\ndef test_to_morse(text, code):\n    assert to_morse(text) == code\n";
        // By literals: `from_morse` is not called, but its case's values are there.
        assert_eq!(
            unchecked_examples(task, &[test]),
            ["to_morse(\"tea\") == \"- . .-\""]
        );
        let more = "def test_last_letter():\n    assert to_morse(\"tea\") == \"- . .-\"\n";
        assert!(unchecked_examples(task, &[test, more]).is_empty());
    }

    #[test]
    fn the_items_a_task_lists_are_counted_outside_code() {
        let task = "Write tests covering:\n\n- the empty case;\n  * a nested point\n1. one row\n2) two rows\n\n```python\n- x\n1. y\n```\n-1 is no item, nor is 3.5 or -x\n";
        assert_eq!(listed_items(task), 4);
        assert_eq!(listed_items("Add `f(x)`: it doubles x."), 0);
    }
}
