//! The definitions a task asks for by name, and the file it asks for each in.
//!
//! "Add a function `mooring(boat)` to `harbor.py`" asks for a function `mooring` at the top level
//! of `harbor.py`: code that imports it (`from harbor import mooring`) needs it there, not as a
//! method of the class the file already holds, nor in a new `mooring.py`. A small model gets
//! that wrong often enough (Qwen2.5-Coder-1.5B has written such a function as a method, like
//! `Harbor.mooring(self, boat)`) that the caller checks it, by name, before any test runs.
//!
//! A task asks for a definition in a sentence that writes it out as a declaration
//! (`pub fn knots_to_kmh(k: f64) -> f64`, `def parse(text)`, an indented line of code),
//! or that says to add, create, write or implement it and names it with its parameters
//! (`` `rhyme_pairs(poem, n)` ``) or after the word "class" (`` class `TollBooth` ``). A sentence
//! that removes or renames is no request, and one about methods or classes does not ask for a
//! function by its call (`` `charge(plate, weekend=False)` `` of a class the task describes).

use crate::Language;

/// What a task asks to exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The name to define.
    pub name: String,
    /// How the task writes it: `mooring(boat)`, `class TollBooth`, `pub fn f(c: f64) -> f64`.
    pub written: String,
    /// A class (a type), not a function.
    pub class: bool,
    /// The file the task asks for it in, when its sentence names one source file.
    pub file: Option<String>,
    /// The language its declaration is written in, when it is one.
    pub language: Option<Language>,
    /// For a Python class, the methods the task's uses of builtins on its instances need, each
    /// with the use: `("__len__", "len(shelf)")` where the task writes `` `len(shelf)` `` of a
    /// class `BookShelf`.
    pub protocols: Vec<(String, String)>,
}

/// Builtins a task may apply to an instance, and the method each needs: `len(x)`, `iter(x)`.
const CALLED: &[(&str, &str)] = &[
    ("len", "__len__"),
    ("iter", "__iter__"),
    ("reversed", "__reversed__"),
];

/// Words that make a sentence a request to add something.
const CREATE: &[&str] = &[
    "add",
    "adds",
    "create",
    "write",
    "implement",
    "define",
    "provide",
    "introduce",
];
/// Words that make a sentence something else: the names in it are not asked for.
const NOT_CREATE: &[&str] = &[
    "remove",
    "removes",
    "delete",
    "deletes",
    "drop",
    "rename",
    "renames",
    "replace",
    "deprecate",
];

/// The definitions `task` asks for, in its order, each name once.
pub fn asked_definitions(task: &str) -> Vec<Asked> {
    let mut asked: Vec<Asked> = Vec::new();
    for sentence in sentences(task) {
        let words = words(sentence);
        let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
        if has(NOT_CREATE) {
            continue;
        }
        let creates = has(CREATE);
        let about_members = words.iter().any(|w| w.starts_with("method"));
        let spans = code_spans(sentence);
        let files: Vec<&str> = spans
            .iter()
            .map(|span| span.text)
            .filter(|text| is_source_path(text))
            .collect();
        let file = match files.as_slice() {
            [one] => Some((*one).to_owned()),
            _ => None,
        };
        for span in &spans {
            let found = if let Some((name, language)) = declaration(span.text) {
                Some((name, false, Some(language)))
            } else if !creates || about_members {
                None
            } else if span.after_class {
                identifier_prefix(span.text).map(|name| (name, true, None))
            } else if words.iter().any(|w| w == "class" || w == "classes") {
                None // `Tanker(a, b, c)` beside "a class": a constructor call, no function
            } else {
                signature(span.text).map(|name| (name, false, None))
            };
            let Some((name, class, language)) = found else {
                continue;
            };
            if asked.iter().any(|a| a.name == name) {
                continue;
            }
            let written = if class {
                format!("class {name}")
            } else {
                span.text.trim().to_owned()
            };
            asked.push(Asked {
                name: name.to_owned(),
                written,
                class,
                file: file.clone(),
                language,
                protocols: Vec::new(),
            });
        }
    }
    for wanted in &mut asked {
        if wanted.class && wanted.file.as_deref().is_some_and(|f| f.ends_with(".py")) {
            wanted.protocols = protocols(task, &wanted.name);
        }
    }
    asked
}

/// The methods uses of builtins in `task`'s code spans need of instances of `class`: `len(x)`
/// needs `__len__`, `k in x` `__contains__`, where `x` is a name for the class's instances — a
/// part of its name (`shelf` of `BookShelf`, `queue` of `Queue`), or it a part of the name.
fn protocols(task: &str, class: &str) -> Vec<(String, String)> {
    let class = class.to_lowercase();
    let instance = |name: &str| {
        let name = name.to_lowercase();
        name.len() >= 3 && (class.contains(&name) || name.contains(&class))
    };
    let mut found: Vec<(String, String)> = Vec::new();
    let mut add = |method: &str, used: &str| {
        if !found.iter().any(|(m, _)| m == method) {
            found.push((method.to_owned(), used.to_owned()));
        }
    };
    for sentence in sentences(task) {
        for span in code_spans(sentence) {
            let text = span.text.trim();
            for (builtin, method) in CALLED {
                if let Some(inner) = text
                    .strip_prefix(builtin)
                    .and_then(|rest| rest.strip_prefix('('))
                    .and_then(|rest| rest.strip_suffix(')'))
                    && is_identifier(inner.trim())
                    && instance(inner.trim())
                {
                    add(method, text);
                }
            }
            let words: Vec<&str> = text.split_whitespace().collect();
            if let [.., "in", last] = words.as_slice()
                && words.len() >= 3
                && is_identifier(last)
                && instance(last)
            {
                add("__contains__", text);
            }
        }
    }
    found
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(|c: char| c.is_ascii_digit())
        && text.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// The task's sentences: a blank line, a list item, an indented line of code and a full stop
/// outside backticks each end one.
fn sentences(task: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None::<usize>;
    let mut offset = 0;
    for line in task.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indented = line.starts_with("    ") || line.starts_with('\t');
        let item = trimmed.starts_with("- ")
            || trimmed.starts_with("* ")
            || trimmed
                .split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if (trimmed.is_empty() || indented || item)
            && let Some(s) = start.take()
        {
            out.push(&task[s..offset]);
        }
        if indented && !trimmed.is_empty() {
            out.push(line.trim());
        } else if !trimmed.is_empty() && start.is_none() {
            start = Some(offset);
        }
        offset += line.len();
    }
    if let Some(s) = start {
        out.push(&task[s..]);
    }
    out.into_iter().flat_map(split_at_full_stops).collect()
}

/// `text` cut after every `.` outside backticks that a space or line end follows.
fn split_at_full_stops(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut in_code = false;
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'`' => in_code = !in_code,
            b'.' if !in_code && bytes.get(i + 1).is_none_or(u8::is_ascii_whitespace) => {
                out.push(&text[start..=i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out.retain(|s| !s.trim().is_empty());
    out
}

/// Lower-case words of prose, code spans left out.
fn words(sentence: &str) -> Vec<String> {
    let prose: String = sentence.split('`').step_by(2).collect::<Vec<_>>().join(" ");
    prose
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// A span of code in a sentence: between backticks, or the whole of an indented line.
struct Span<'a> {
    text: &'a str,
    /// The word right before it is "class".
    after_class: bool,
}

fn code_spans(sentence: &str) -> Vec<Span<'_>> {
    let parts: Vec<&str> = sentence.split('`').collect();
    if parts.len() == 1 {
        return vec![Span {
            text: sentence,
            after_class: false,
        }];
    }
    parts
        .iter()
        .enumerate()
        .skip(1)
        .step_by(2)
        .take_while(|(i, _)| i + 1 < parts.len()) // an unclosed span is no span
        .map(|(i, text)| Span {
            text,
            after_class: parts[i - 1]
                .split_whitespace()
                .last()
                .is_some_and(|w| w.eq_ignore_ascii_case("class")),
        })
        .collect()
}

/// A path of a source file nightshift parses: `harbor.py`, `src/chords.js`.
fn is_source_path(text: &str) -> bool {
    !text.contains(char::is_whitespace) && !text.contains('(') && Language::of(text).is_some()
}

/// The name a declaration defines, and its language: `def f(x)`, `pub fn f(x: u8) -> u8`,
/// `export function f(x)`, `func F(x int) int`. Not a method's: one taking `self`, a Go
/// receiver.
fn declaration(text: &str) -> Option<(&str, Language)> {
    let mut rest = text.trim();
    for prefix in ["export ", "pub(crate) ", "pub ", "async "] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest).trim_start();
    }
    let (language, rest) = [
        ("def ", Language::Python),
        ("fn ", Language::Rust),
        ("function ", Language::JavaScript),
        ("func ", Language::Go),
    ]
    .into_iter()
    .find_map(|(keyword, language)| Some((language, rest.strip_prefix(keyword)?)))?;
    let name = identifier_prefix(rest)?;
    let params = rest[name.len()..].trim_start().strip_prefix('(')?;
    let params = params.split(')').next().unwrap_or_default();
    let is_self = |p: &str| {
        let p = p.trim().trim_start_matches('&').trim_start_matches("mut ");
        p == "self" || p.starts_with("self:")
    };
    if params.split(',').next().is_some_and(is_self) {
        return None;
    }
    Some((name, language))
}

/// The name of a call written with parameters, not arguments: `rhyme_pairs(poem, n)`,
/// `charge(plate, weekend=False)`, `heart_rate()`; not `yield_kg(15, 0, 10)` nor `math.radians()`.
fn signature(text: &str) -> Option<&str> {
    let text = text.trim();
    let name = identifier_prefix(text)?;
    let params = text[name.len()..].strip_prefix('(')?.strip_suffix(')')?;
    let parameter = |p: &str| {
        let p = p.trim().trim_start_matches('*');
        let name = p.split('=').next().unwrap_or_default().trim();
        identifier_prefix(name) == Some(name)
    };
    (params.trim().is_empty() || params.split(',').all(parameter)).then_some(name)
}

/// The identifier `text` starts with.
fn identifier_prefix(text: &str) -> Option<&str> {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let name = &text[..end];
    name.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        .then_some(name)
}

#[cfg(test)]
mod tests {
    use pretty_assertions::assert_eq;

    use super::*;

    fn names(task: &str) -> Vec<(String, Option<String>, bool)> {
        asked_definitions(task)
            .into_iter()
            .map(|a| (a.name, a.file, a.class))
            .collect()
    }

    fn function(name: &str, file: Option<&str>) -> (String, Option<String>, bool) {
        (name.to_owned(), file.map(str::to_owned), false)
    }

    #[test]
    fn a_function_added_to_a_file() {
        let task = "Add a function `mooring(boat)` to `harbor.py` that turns a boat name \
                    into a mooring code:\n\n- the result is upper-case;\n\nExamples: \
                    `mooring(\"Sea Lark, Pier 4!\") == \"P4-SL\"`.";
        assert_eq!(names(task), vec![function("mooring", Some("harbor.py"))]);
        let task = "In `kitchen.py`, add a function `portion(grams, servings, wanted)` that \
                    multiplies `grams` by the ratio [wanted / servings].";
        assert_eq!(names(task), vec![function("portion", Some("kitchen.py"))]);
        let task = "`tempo.py` has `bpm_to_ms(bpm)`, which turns 120 into \
                    `\"500ms\"`. Add the inverse, `ms_to_bpm(text)`, to `tempo.py`.";
        assert_eq!(names(task), vec![function("ms_to_bpm", Some("tempo.py"))]);
    }

    #[test]
    fn declarations_as_written() {
        let task = "In the `beekeeping` crate (`src/lib.rs`), add a public function\n\n    pub fn \
                    hive_label(s: &str) -> String\n\nthat returns the label of a hive.";
        let asked = asked_definitions(task);
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0].name, "hive_label");
        assert_eq!(asked[0].language, Some(Language::Rust));
        assert_eq!(asked[0].written, "pub fn hive_label(s: &str) -> String");
        let task = "1. Add `pub fn knots_to_kmh(k: f64) -> f64` to `src/nautical.rs` \
                    (km/h = kn * 1.852), next to the existing `kmh_to_knots`.";
        assert_eq!(
            names(task),
            vec![function("knots_to_kmh", Some("src/nautical.rs"))]
        );
        // A method is no top-level definition.
        assert_eq!(names("Add `pub fn volume(&self) -> f64` to `Vat`."), vec![]);
    }

    #[test]
    fn classes() {
        let task = "Add a class `TollBooth` to `toll.py`: a fixed-price gate.\n\n- \
                    `TollBooth(lanes)`: the number of open lanes.\n- `charge(plate, \
                    weekend=False)`: return the amount owed for `plate`.";
        assert_eq!(
            names(task),
            vec![("TollBooth".to_owned(), Some("toll.py".to_owned()), true)]
        );
        let task = "1. Create `fleet/tanker.py` with a class `Tanker(Vessel)` (subclass of \
                    `Vessel` from `fleet/hull.py`) built from three tank volumes: `Tanker(a, \
                    b, c)`.";
        assert_eq!(names(task), vec![("Tanker".to_owned(), None, true)]);
    }

    #[test]
    fn what_is_not_asked() {
        // Bug reports, examples, calls with arguments, renames, removals, methods.
        for task in [
            "`heart_rate()` in `pulse.py` is wrong: `heart_rate([60, 80])` returns `60.0`.",
            "Fix `count_rests` so it counts the rests.",
            "Rename the function `brew_time(cups)` in `coffee.py` to `steep_time`.",
            "Remove `legacy(x)` from `util.py`.",
            "Add a method `volume()` to the class `Vat`.",
            "Add tests: `is_ripe(...)` is `True`, `yield_kg(15, 0, 10) == 10`.",
            "It splits `route` into legs with the existing `waypoints()` function.",
            "Write pytest tests for `sundial.py`; use `math.radians()`.",
        ] {
            assert_eq!(names(task), vec![], "{task}");
        }
    }

    #[test]
    fn a_sentence_naming_several_files_names_none() {
        let task = "Add `helper(x)` to `a.py` or `b.py`.";
        assert_eq!(names(task), vec![function("helper", None)]);
    }
}
