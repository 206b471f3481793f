//! Whether the code defines what the task asks for by name, where it asks for it
//! ([`asked_definitions`](nightshift_lang::asked_definitions)): "Add a function
//! `orbit_period(mass)` to `planets.py`" is not done by a method `Planet.orbit_period`, nor by a
//! new `orbit_period.py`; and a class whose instances the task hands to a builtin (`len(shelf)`)
//! needs the method the builtin calls (`__len__`), not one named like the builtin. Checked after
//! the syntax and before any test, so the model hears of it in words, not from an `ImportError`
//! or a `TypeError` of a test it wrote to match.

use std::path::Path;

use nightshift_lang::{Asked, Language, Symbol, symbols};

/// Where a name is defined in the files looked at.
struct Found<'a> {
    path: &'a str,
    symbol: Symbol,
}

/// What of the `asked` definitions (a task's, [`asked_definitions`](nightshift_lang::asked_definitions)) the `files` under `root`
/// do not hold where the task asks: one sentence each, for the model; empty when all are
/// there. Files in no language nightshift parses, and unreadable ones, are not looked at.
pub fn unmet(root: &Path, files: &[String], asked: &[Asked]) -> Vec<String> {
    if asked.is_empty() {
        return Vec::new();
    }
    let parsed: Vec<(&str, Language, Vec<Symbol>)> = files
        .iter()
        .filter_map(|path| {
            let language = Language::of(path)?;
            let source = nightshift_workspace::read_text(root, path)?;
            Some((path.as_str(), language, symbols(language, &source)))
        })
        .collect();
    asked
        .iter()
        .filter_map(|wanted| {
            let found: Vec<Found<'_>> = parsed
                .iter()
                .filter(|(_, language, _)| wanted.language.is_none_or(|l| l.same_family(*language)))
                .flat_map(|(path, _, symbols)| {
                    symbols
                        .iter()
                        .filter(|s| s.name == wanted.name)
                        .map(|symbol| Found {
                            path,
                            symbol: symbol.clone(),
                        })
                })
                .collect();
            complaint(wanted, &found).or_else(|| missing_protocol(wanted, &found, &parsed))
        })
        .collect()
}

/// Where the task applies a builtin to instances of an asked class (`len(shelf)`) that the
/// class, found where asked, has no method for (`__len__`): a method of another name
/// (`def len(self)`) does not serve the builtin.
fn missing_protocol(
    wanted: &Asked,
    found: &[Found<'_>],
    parsed: &[(&str, Language, Vec<Symbol>)],
) -> Option<String> {
    let class = found.iter().find(|f| f.symbol.depth == 0)?;
    let symbols = &parsed.iter().find(|(path, ..)| *path == class.path)?.2;
    // The methods of the class: those after its line, up to the next top-level definition.
    let methods: Vec<&str> = symbols
        .iter()
        .skip_while(|s| s.line <= class.symbol.line)
        .take_while(|s| s.depth > 0)
        .map(|s| s.name.as_str())
        .collect();
    let missing: Vec<&(String, String)> = wanted
        .protocols
        .iter()
        .filter(|(method, _)| !methods.contains(&method.as_str()))
        .collect();
    let ((method, used), rest) = missing.split_first()?;
    let mut sentence = format!(
        "The task uses `{used}` on instances of `{}`, which needs a method `{method}` in the \
         class; {} defines none",
        wanted.name, class.path
    );
    for (method, used) in rest {
        sentence.push_str(&format!(" (nor `{method}`, for `{used}`)"));
    }
    sentence.push_str(&format!(
        ". Define `def {method}(self…)` in class `{}`.",
        wanted.name
    ));
    Some(sentence)
}

/// Why `found` does not meet `wanted`, or `None` when it does.
fn complaint(wanted: &Asked, found: &[Found<'_>]) -> Option<String> {
    let in_place = |f: &&Found<'_>| wanted.file.as_deref().is_none_or(|file| f.path == file);
    if found.iter().filter(in_place).any(|f| f.symbol.depth == 0) {
        return None;
    }
    let what = if wanted.class {
        "a class"
    } else {
        "a function"
    };
    let asked = format!("The task asks for {what} `{}`", wanted.written);
    let place = wanted
        .file
        .as_deref()
        .map(|file| format!(" in {file}"))
        .unwrap_or_default();
    let fix = match wanted.file.as_deref() {
        Some(file) => format!("Define `{}` at the top level of {file}.", wanted.name),
        None => format!("Define `{}` at the top level of a module.", wanted.name),
    };
    let seen = if let Some(nested) = found.iter().find(in_place) {
        format!(
            "{}, line {}, has `{}` only inside a class or block, not at the top level of the \
             file, so it cannot be imported as {what}",
            nested.path, nested.symbol.line, wanted.name
        )
    } else if let Some(elsewhere) = found.first() {
        format!(
            "`{}` is defined in {}, not{place}",
            wanted.name, elsewhere.path
        )
    } else {
        format!("no file{place} defines `{}`", wanted.name)
    };
    Some(format!("{asked}{place}, but {seen}. {fix}"))
}

#[cfg(test)]
mod tests {
    use nightshift_lang::asked_definitions;
    use pretty_assertions::assert_eq;

    use super::*;

    fn unmet(root: &Path, files: &[String], task: &str) -> Vec<String> {
        super::unmet(root, files, &asked_definitions(task))
    }

    const ORBIT: &str = "Add a function `orbit_period(mass)` to `planets.py` that turns a mass \
                         into a period.";

    fn repo(files: &[(&str, &str)]) -> (tempfile::TempDir, Vec<String>) {
        let dir = crate::testing::tree(files);
        let paths = files.iter().map(|(p, _)| (*p).to_owned()).collect();
        (dir, paths)
    }

    #[test]
    fn a_top_level_function_in_the_named_file_meets_the_task() {
        let (dir, files) = repo(&[(
            "planets.py",
            "class Planet:\n    pass\n\n\ndef orbit_period(mass):\n    return mass\n",
        )]);
        assert_eq!(unmet(dir.path(), &files, ORBIT), Vec::<String>::new());
    }

    #[test]
    fn a_builtin_the_task_applies_to_instances_of_an_asked_class_needs_its_method() {
        let task = "Add a class `Shelf` to `library.py` holding books.\n\n- `len(shelf)` is the \
                    number of books, and `title in shelf` tells whether a title is on it.";
        let plain = "class Shelf:\n    def __init__(self):\n        self.books = []\n\n    def len(self):\n        return len(self.books)\n\n\ndef __contains__(x):\n    return x\n";
        let (dir, files) = repo(&[("library.py", plain)]);
        assert_eq!(
            unmet(dir.path(), &files, task),
            vec![
                "The task uses `len(shelf)` on instances of `Shelf`, which needs a method \
                 `__len__` in the class; library.py defines none (nor `__contains__`, for \
                 `title in shelf`). Define `def __len__(self…)` in class `Shelf`."
                    .to_owned()
            ]
        );
        let both = "class Shelf:\n    def __len__(self):\n        return 0\n\n    def __contains__(self, title):\n        return False\n";
        let (dir, files) = repo(&[("library.py", both)]);
        assert_eq!(unmet(dir.path(), &files, task), Vec::<String>::new());
        // `len(books)` of a list the task speaks of asks nothing of the class.
        let (dir, files) = repo(&[("library.py", plain)]);
        assert_eq!(
            unmet(
                dir.path(),
                &files,
                "Add a class `Shelf` to `library.py`; it holds `len(books)` books."
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_method_of_the_same_name_does_not() {
        let (dir, files) = repo(&[(
            "planets.py",
            "class Planet:\n    def orbit_period(self, mass):\n        return mass\n",
        )]);
        assert_eq!(
            unmet(dir.path(), &files, ORBIT),
            vec![
                "The task asks for a function `orbit_period(mass)` in planets.py, but planets.py, \
                 line 2, has `orbit_period` only inside a class or block, not at the top level of \
                 the file, so it cannot be imported as a function. Define `orbit_period` at the \
                 top level of planets.py."
                    .to_owned()
            ]
        );
    }

    #[test]
    fn nor_one_in_another_file_nor_none() {
        let (dir, files) = repo(&[
            ("planets.py", "class Planet:\n    pass\n"),
            (
                "orbit_period.py",
                "def orbit_period(mass):\n    return mass\n",
            ),
        ]);
        let complaints = unmet(dir.path(), &files, ORBIT);
        assert_eq!(complaints.len(), 1);
        assert!(
            complaints[0]
                .contains("`orbit_period` is defined in orbit_period.py, not in planets.py"),
            "{complaints:?}"
        );
        let (dir, files) = repo(&[("planets.py", "class Planet:\n    pass\n")]);
        let complaints = unmet(dir.path(), &files, ORBIT);
        assert!(
            complaints[0].contains("but no file in planets.py defines `orbit_period`"),
            "{complaints:?}"
        );
    }

    #[test]
    fn other_languages_and_classes() {
        let task = "In the crate, add a public function\n\n    pub fn morse_code(s: &str) -> \
                    String\n\nthat spells the text in Morse code.";
        let (dir, files) = repo(&[(
            "src/lib.rs",
            "pub fn morse_code(s: &str) -> String { s.to_owned() }\n",
        )]);
        assert_eq!(unmet(dir.path(), &files, task), Vec::<String>::new());
        let (dir, files) = repo(&[(
            "src/lib.rs",
            "pub struct W;\nimpl W {\n    pub fn morse_code(s: &str) -> String { s.to_owned() }\n}\n",
        )]);
        assert_eq!(unmet(dir.path(), &files, task).len(), 1);

        let task = "Add an exported function `parseMove(str)` to `src/chess.js`.";
        let (dir, files) = repo(&[("src/chess.js", "export const parseMove = (str) => str;\n")]);
        assert_eq!(unmet(dir.path(), &files, task), Vec::<String>::new());

        let task = "Add a class `TideTable` to `tides.py`: a table of the day's tides.";
        let (dir, files) = repo(&[("tides.py", "class TideTable:\n    pass\n")]);
        assert_eq!(unmet(dir.path(), &files, task), Vec::<String>::new());
        let (dir, files) = repo(&[("tides.py", "def make_table():\n    pass\n")]);
        assert!(unmet(dir.path(), &files, task)[0].starts_with("The task asks for a class"));
    }
}
