//! The integrity guards: an attempt may add tests, never take them away; and it may change code,
//! but not delete what the task does not ask it to.
//!
//! The tests of the repository as the attempt found them are remembered ([`TestBaseline`]);
//! after every edit each of them must still be there with at least as many test cases and
//! assertions, and no more skip markers. Python, Rust, JavaScript/TypeScript and Go are
//! understood; a violation goes back to the model with the reason, like a failing test.
//!
//! So are the definitions of each source file ([`CodeBaseline`]): a small model rewriting a whole
//! file in a repair round drops functions it was not asked about (`swing` gone from `rain.py`
//! while fixing `daily_mean`), which breaks their callers and the checks no test of the task makes.
//! Top-level definitions an answer left out are put back as they were; what cannot be put back
//! goes to the model.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::Path;

use nightshift_lang::{
    Language, import_instead_of_copies, mentions, restore_definitions, symbols, syntax_errors, uses,
};

use crate::apply::FileChange;
use crate::edit::Edit;

/// Whether `path` holds tests: a test file by its ecosystem's conventions
/// ([`crate::check::is_test_file`]), or a Rust source with tests of its own.
pub fn holds_tests(path: &str, content: &str) -> bool {
    crate::check::is_test_file(path) || (path.ends_with(".rs") && content.contains("#[test]"))
}

/// How many test cases the test file `path` holds (`def test…`, `it(`, `#[test]`, `func Test…`).
pub fn test_cases(path: &str, content: &str) -> usize {
    count(path, content).tests
}

/// What a test file holds, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    tests: usize,
    asserts: usize,
    skips: usize,
}

fn count(path: &str, content: &str) -> Counts {
    let ext = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let (tests, asserts, skips): (&[&str], &[&str], &[&str]) = match ext {
        "py" => (
            &["def test", "async def test"],
            &["assert", "pytest.raises", "self.assert"],
            &[
                "pytest.mark.skip",
                "pytest.skip(",
                "unittest.skip",
                "pytest.mark.xfail",
                "pytest.xfail(",
            ],
        ),
        "rs" => (
            &["#[test]", "#[tokio::test"],
            &["assert", "panic!", "should_panic"],
            &["#[ignore"],
        ),
        "go" => (
            &["func Test"],
            &["t.Error", "t.Fatal", "assert.", "require."],
            &["t.Skip"],
        ),
        _ => (
            &["test(", "it(", "test.each", "it.each"],
            &["assert", "expect("],
            &[
                ".skip(",
                "xit(",
                "xtest(",
                "xdescribe(",
                ".todo(",
                "{ skip",
                "skip:",
            ],
        ),
    };
    let hits =
        |needles: &[&str]| -> usize { needles.iter().map(|n| content.matches(n).count()).sum() };
    Counts {
        // "test(" also matches inside "xtest("; fine: both sides are counted alike.
        tests: hits(tests),
        asserts: hits(asserts),
        skips: hits(skips),
    }
}

/// The tests as the attempt found them.
#[derive(Debug, Clone, Default)]
pub struct TestBaseline {
    /// Path, counts, original content.
    files: Vec<(String, Counts, String)>,
}

impl TestBaseline {
    /// Reads the test files among `files` under `root`.
    pub fn read(root: &Path, files: &[String]) -> Self {
        let files = files
            .iter()
            .filter_map(|path| {
                let content = nightshift_workspace::read_text(root, path)?;
                holds_tests(path, &content).then(|| (path.clone(), count(path, &content), content))
            })
            .collect();
        Self { files }
    }

    /// The content of the test file `path` when the attempt began; `None` if it had none there.
    pub fn original(&self, path: &str) -> Option<&str> {
        original_in(&self.files, path)
    }

    /// Compares the tests under `root` now with the baseline; `Err` says what was taken away,
    /// with the changes that put the offending test files back as they were: the edit is
    /// refused, not kept.
    pub fn verify(&self, root: &Path) -> Result<(), (String, Vec<FileChange>)> {
        let mut problems = Vec::new();
        let mut undo = Vec::new();
        for (path, before, original) in &self.files {
            let found = problems.len();
            compare(root, path, *before, &mut problems);
            if problems.len() > found {
                undo.push(FileChange::new(path, original));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err((
                format!(
                    "{}\nThose test files were put back as they were. Existing tests must keep \
                     passing as they are: change the code, not the tests.",
                    problems.join("\n")
                ),
                undo,
            ))
        }
    }
}

/// The original content of `path` among a baseline's `(path, what it held, content)` rows.
fn original_in<'a, T>(files: &'a [(String, T, String)], path: &str) -> Option<&'a str> {
    files
        .iter()
        .find(|(p, ..)| p == path)
        .map(|(.., content)| content.as_str())
}

/// Whether `task` asks to take a definition away: to remove, delete, rename, move, replace,
/// merge or inline one.
fn asks_to_take_away(task: &str) -> bool {
    let lower = task.to_lowercase();
    [
        "remove",
        "removes",
        "removed",
        "removing",
        "delete",
        "deletes",
        "deleted",
        "rename",
        "renames",
        "renamed",
        "move",
        "moves",
        "moved",
        "replace",
        "replaces",
        "replaced",
        "merge",
        "inline",
        "drop",
        "deprecate",
        "deprecated",
        "rid",
    ]
    .iter()
    .any(|word| mentions(&lower, word))
}

/// What the repository's source files defined when the attempt began.
#[derive(Debug, Clone, Default)]
pub struct CodeBaseline {
    /// Path, names defined (functions, classes, methods, types), original content.
    files: Vec<(String, BTreeSet<String>, String)>,
}

impl CodeBaseline {
    /// Reads the source files among `files` under `root`: those in a language nightshift parses
    /// that are not test files. A source file with tests inside it (Rust's `#[cfg(test)] mod
    /// tests`) is code all the same: an answer that leaves out its functions, or its tests,
    /// gets them back as they were ([`TestBaseline`] counts its tests too).
    pub fn read(root: &Path, files: &[String]) -> Self {
        let files = files
            .iter()
            .filter_map(|path| {
                let language = Language::of(path)?;
                if crate::check::is_test_file(path) {
                    return None;
                }
                let content = nightshift_workspace::read_text(root, path)?;
                Some((path.clone(), defined(language, &content), content))
            })
            .collect();
        Self { files }
    }

    /// The content of the source file `path` when the attempt began; `None` if it is none of
    /// the baseline's.
    pub fn original(&self, path: &str) -> Option<&str> {
        original_in(&self.files, path)
    }

    /// The definitions of the baseline that those `task` mentions rely on, directly or through
    /// one another (the helpers a named function calls, the constants it reads), the mentioned
    /// ones left out.
    pub fn used_by_mentioned(&self, task: &str) -> BTreeSet<String> {
        let mentioned = self.mentioned(task);
        let mut reached = self.reach(&self.uses(), mentioned.iter().copied());
        reached.retain(|name| !mentioned.contains(name));
        reached
    }

    /// The definitions of the baseline that `task` mentions.
    pub fn named_in(&self, task: &str) -> BTreeSet<String> {
        self.mentioned(task).into_iter().cloned().collect()
    }

    /// The names the baseline defines that `task` mentions.
    fn mentioned(&self, task: &str) -> BTreeSet<&String> {
        self.files
            .iter()
            .flat_map(|(_, names, _)| names)
            .filter(|name| mentions(task, name))
            .collect()
    }

    /// What each definition of the baseline's files uses ([`uses`]), merged by name.
    fn uses(&self) -> BTreeMap<String, BTreeSet<String>> {
        let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (path, _, content) in &self.files {
            if let Some(language) = Language::of(path) {
                for (name, names) in uses(language, content) {
                    used.entry(name).or_default().extend(names);
                }
            }
        }
        used
    }

    /// What the definitions `roots` rely on in the baseline, through one another (by `used`, from
    /// [`Self::uses`]), `roots` among them only where reached.
    fn reach<'a>(
        &'a self,
        used: &BTreeMap<String, BTreeSet<String>>,
        roots: impl IntoIterator<Item = &'a String>,
    ) -> BTreeSet<String> {
        let defined: BTreeSet<&String> =
            self.files.iter().flat_map(|(_, names, _)| names).collect();
        let mut reached = BTreeSet::new();
        let mut next: Vec<&String> = roots.into_iter().collect();
        while let Some(name) = next.pop() {
            for name in used.get(name).into_iter().flatten() {
                if defined.contains(name) && reached.insert(name.clone()) {
                    next.push(name);
                }
            }
        }
        reached
    }

    /// Checks the files of the baseline among `written` under `root` for definitions gone that
    /// `task` does not ask to take away (it mentions them, and asks to remove, rename, move or
    /// replace something: a task that only uses a name, `make("x").area()`, asks to keep it).
    /// Top-level ones are put back as they were
    /// ([`restore_definitions`]: the answer gave only what it changed): the `Ok` changes, each
    /// with its note. `Err` names each definition that could not be put back (a
    /// method, a file that no longer parses) and shows the file as it was, so the model can.
    /// The rest of the edit is kept either way: it may be what the task needs.
    pub fn verify(
        &self,
        root: &Path,
        written: &[String],
        task: &str,
    ) -> Result<Vec<(FileChange, String)>, String> {
        let removal = asks_to_take_away(task);
        let mut notes = Vec::new();
        let mut problems = Vec::new();
        for (path, before, original) in &self.files {
            let Some(language) = Language::of(path).filter(|_| written.contains(path)) else {
                continue;
            };
            let now = nightshift_workspace::read_text(root, path).unwrap_or_default();
            let gone = |content: &str| -> Vec<String> {
                before
                    .difference(&defined(language, content))
                    .filter(|name| !(removal && mentions(task, name)))
                    .cloned()
                    .collect()
            };
            let missing = gone(&now);
            if missing.is_empty() {
                continue;
            }
            let names: Vec<&str> = missing.iter().map(String::as_str).collect();
            let mended = restore_definitions(language, original, &now, &names)
                .filter(|restored| gone(&restored.source).is_empty());
            if let Some(restored) = mended {
                let imports = if restored.imports.is_empty() {
                    String::new()
                } else {
                    format!(", with {}", quoted(&restored.imports))
                };
                let note = format!(
                    "{path}: put back what the answer left out, as it was: {}{imports}",
                    quoted(&restored.definitions)
                );
                notes.push((FileChange::new(path, restored.source), note));
                continue;
            }
            problems.push(format!(
                "{path}: your answer deletes {}, which the task does not ask to remove. Keep \
                 them as they were; {path} was:\n```{path}\n{}```",
                quoted(&missing),
                original
            ));
        }
        if problems.is_empty() {
            Ok(notes)
        } else {
            Err(problems.join("\n"))
        }
    }
}

impl CodeBaseline {
    /// The places that still use a definition the answer took away (a rename, a move, a
    /// deletion the task names) from one of the baseline's files among `written`: each file
    /// among `files` (the repository's, as the worktree now holds them) with a line that names
    /// both the definition and the module it was in (`from fees import rate`, `fees.rate(…)`,
    /// `use crate::fees::rate`) and does not define that name itself. One line each, to show
    /// the model; empty when nothing is left behind.
    pub fn callers_left(&self, root: &Path, written: &[String], files: &[String]) -> Vec<String> {
        let mut left = Vec::new();
        for (path, before, _) in &self.files {
            let Some(language) = Language::of(path).filter(|_| written.contains(path)) else {
                continue;
            };
            let Some(module) = Path::new(path).file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let now = nightshift_workspace::read_text(root, path).unwrap_or_default();
            let after = defined(language, &now);
            let gone: Vec<&String> = before.difference(&after).collect();
            if gone.is_empty() {
                continue;
            }
            for other in files.iter().filter(|other| *other != path) {
                let same_family =
                    Language::of(other).is_some_and(|theirs| theirs.same_family(language));
                let Some(content) = same_family
                    .then(|| nightshift_workspace::read_text(root, other))
                    .flatten()
                else {
                    continue;
                };
                let theirs = Language::of(other).map(|l| defined(l, &content));
                for name in &gone {
                    if theirs.as_ref().is_some_and(|defs| defs.contains(*name)) {
                        continue;
                    }
                    if let Some((number, line)) = content
                        .lines()
                        .enumerate()
                        .find(|(_, line)| mentions(line, module) && mentions(line, name))
                    {
                        left.push(format!(
                            "{other}, line {}: `{}` still uses `{name}` from {path}, which no \
                             longer defines it",
                            number + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
        left
    }
}

/// The files the task says not to change ("Do not change `sundial.py`."), as the attempt found
/// them. An answer that writes one anyway — a small model asked for tests "fixes" the code to
/// match its wrong test — has that file put back; the rest of the answer stands.
#[derive(Debug, Clone, Default)]
pub struct Protected {
    /// Path, original content.
    files: Vec<(String, String)>,
}

impl Protected {
    /// Reads the files under `root` that `task` says not to change.
    pub fn read(root: &Path, task: &str) -> Self {
        let files = protected_files(task)
            .into_iter()
            .filter_map(|path| {
                let content = nightshift_workspace::read_text(root, &path)?;
                Some((path, content))
            })
            .collect();
        Self { files }
    }

    /// The protected files.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(path, _)| path.as_str())
    }

    /// The changes that put back each protected file among `written` that the answer changed,
    /// each with its note.
    pub fn restore(&self, root: &Path, written: &[String]) -> Vec<(FileChange, String)> {
        let mut changes = Vec::new();
        for (path, original) in &self.files {
            if !written.contains(path) {
                continue;
            }
            let now = nightshift_workspace::read_text(root, path);
            if now.as_deref() == Some(original) {
                continue;
            }
            changes.push((
                FileChange::new(path, original),
                format!("{path}: put back as it was: the task says not to change it"),
            ));
        }
        changes
    }
}

/// The files `task` says not to change: the paths right after "do not change" (modify, edit,
/// touch; "don't" too), several joined by "and", "or" or commas. A file named elsewhere in the
/// sentence ("In rain.py, do not change the signature") is not protected.
pub fn protected_files(task: &str) -> Vec<String> {
    const VERBS: [&str; 4] = ["change", "modify", "edit", "touch"];
    let mut found = Vec::new();
    let words: Vec<&str> = task.split_whitespace().collect();
    for (at, pair) in words.windows(2).enumerate() {
        let negation =
            pair[0].eq_ignore_ascii_case("not") || pair[0].to_lowercase().ends_with("n't");
        if !negation || !VERBS.contains(&pair[1].to_lowercase().as_str()) {
            continue;
        }
        let mut rest = words[at + 2..].iter().peekable();
        if rest.peek().is_some_and(|w| w.eq_ignore_ascii_case("the")) {
            rest.next();
        }
        if rest
            .peek()
            .is_some_and(|w| w.eq_ignore_ascii_case("file") || w.eq_ignore_ascii_case("files"))
        {
            rest.next();
        }
        for word in rest {
            if ["and", "or", ","].contains(&word.to_lowercase().as_str()) {
                continue;
            }
            let paths = crate::reply::mentioned_files(word);
            let [path] = paths.as_slice() else {
                break;
            };
            if !found.contains(path) {
                found.push(path.clone());
            }
            if word.ends_with(['.', ';', ':']) {
                break;
            }
        }
    }
    found
}

/// Points a new Python test file named like one the repository has in another directory
/// (`test_kennel.py` beside `tests/test_kennel.py`) at that one: pytest cannot collect two test
/// modules of one name ("import file mismatch"), and a small model asked to add tests to
/// `tests/test_kennel.py` writes them to `test_kennel.py` as often as not. The whole-file edit goes
/// to the existing file, with the definitions it left out of it put back as they were
/// ([`restore_definitions`]), so its tests are added, not swapped. Returns a note per edit so
/// pointed.
pub fn onto_test_twins(root: &Path, base_files: &[String], edits: &mut [Edit]) -> Vec<String> {
    let mut notes = Vec::new();
    for at in 0..edits.len() {
        let Edit::Whole(edit) = &edits[at] else {
            continue;
        };
        let path = edit.path.trim_start_matches("./");
        if Language::of(path) != Some(Language::Python)
            || !crate::check::is_test_file(path)
            || base_files.iter().any(|f| f == path)
        {
            continue;
        }
        let mut twins = base_files
            .iter()
            .filter(|f| file_name(f) == file_name(path) && crate::check::is_test_file(f));
        let (Some(twin), None) = (twins.next(), twins.next()) else {
            continue;
        };
        if writes(edits, twin) {
            continue; // the answer writes the twin itself
        }
        let Some(before) = nightshift_workspace::read_text(root, twin) else {
            continue;
        };
        let Edit::Whole(edit) = &mut edits[at] else {
            continue;
        };
        let gone: Vec<String> = defined(Language::Python, &before)
            .difference(&defined(Language::Python, &edit.content))
            .cloned()
            .collect();
        let names: Vec<&str> = gone.iter().map(String::as_str).collect();
        let kept = match restore_definitions(Language::Python, &before, &edit.content, &names) {
            Some(restored) => {
                edit.content = restored.source;
                format!(", keeping {} of it", quoted(&restored.definitions))
            }
            None => String::new(),
        };
        notes.push(format!(
            "{} is a second test module named like {twin}, which pytest cannot collect beside it: \
             wrote it to {twin}{kept}",
            edit.path
        ));
        edit.path = twin.clone();
    }
    notes
}

/// Points a new file named like a file the task names, in another directory or in other case
/// (`chess.js` or `CHESS.js` for the task's `src/chess.js`), at the task's file: a small model
/// drops the directory often enough (Qwen2.5-Coder-0.5B, four rounds running, though told where
/// the function belongs), and now and then shouts the name.
/// Not when the task names the written path too, or several files of that name, or when the
/// answer writes the task's file itself. What the whole-file answer leaves out of an existing
/// file is put back afterwards, as for any answer ([`CodeBaseline::verify`]). Returns a note
/// per edit so pointed.
pub fn onto_named_files(
    base_files: &[String],
    mentioned: &[String],
    edits: &mut [Edit],
) -> Vec<String> {
    let mut notes = Vec::new();
    for at in 0..edits.len() {
        let path = edits[at].path().trim_start_matches("./").to_owned();
        if base_files.contains(&path) || mentioned.contains(&path) {
            continue;
        }
        // The task's file of just that name; else of that name in other case.
        let named_alike = |alike: fn(&OsStr, &OsStr) -> bool| {
            let mut named = mentioned.iter().filter(|m| {
                file_name(m)
                    .zip(file_name(&path))
                    .is_some_and(|(m, path)| alike(m, path))
            });
            match (named.next(), named.next()) {
                (Some(target), None) => Some(target),
                _ => None,
            }
        };
        let Some(target) =
            named_alike(|a, b| a == b).or_else(|| named_alike(|a, b| a.eq_ignore_ascii_case(b)))
        else {
            continue;
        };
        if writes(edits, target) {
            continue;
        }
        let Edit::Whole(edit) = &mut edits[at] else {
            continue;
        };
        notes.push(format!(
            "{} is not a file of the repository, and the task names {target}: wrote it to {target}",
            edit.path
        ));
        edit.path = target.clone();
    }
    notes
}

/// Points a new file whose content is in the language of an existing file of the same name
/// (JavaScript written to `lib/stars.py` beside `lib/stars.js`) at that file: a small model
/// shown a worked example in Python names the file it fixes `.py` whatever its language (seen
/// with Qwen2.5-Coder-1.5B on a JavaScript bug). Only when the content parses as the existing
/// file's language and not as its own path's, so a real new file in another language (a
/// `stars.py` port of `stars.js`) stays where it was written. Returns a note per edit so
/// pointed.
pub fn onto_language_twins(base_files: &[String], edits: &mut [Edit]) -> Vec<String> {
    let stem = |path: &str| {
        let path = Path::new(path);
        (
            path.parent().map(Path::to_path_buf),
            path.file_stem().map(|s| s.to_owned()),
        )
    };
    let mut notes = Vec::new();
    for at in 0..edits.len() {
        let Edit::Whole(edit) = &edits[at] else {
            continue;
        };
        let path = edit.path.trim_start_matches("./");
        let Some(own) = Language::of(path) else {
            continue;
        };
        if base_files.iter().any(|f| f == path) {
            continue;
        }
        let parses = |language: Language| syntax_errors(language, &edit.content).is_empty();
        let mut twins = base_files.iter().filter(|f| {
            stem(f) == stem(path)
                && Language::of(f).is_some_and(|l| !l.same_family(own) && parses(l))
        });
        let (Some(twin), None) = (twins.next(), twins.next()) else {
            continue;
        };
        if parses(own) || writes(edits, twin) {
            continue;
        }
        let twin = twin.clone();
        let Edit::Whole(edit) = &mut edits[at] else {
            continue;
        };
        notes.push(format!(
            "{} is new and its content is not {} but the language of {twin}: wrote it to {twin}",
            edit.path,
            own.name()
        ));
        edit.path = twin;
    }
    notes
}

/// Leaves out of an answer what the task does not ask for and is not code — a README rewritten,
/// a manifest, a file named after a sentence of the task (`boils-below-a-hundred….Characters`)
/// — and new files with nothing in them (an empty block under a made-up name): written beside a
/// right change, they would land with it, and no check of the code looks at them. New code the
/// task does not ask for is left out too where it cannot be the answer's own module: a file the
/// prompt's worked example writes ([`crate::prompt::EXAMPLE_FILES`]: a small model copies the
/// example instead of doing the task), and code in a language the repository holds none of and
/// the task does not name (a Python file in a Rust crate): the checks of the repository's own
/// language never look at it, and a test written for it would vouch for it alone. A file is
/// asked for where the task names it (`.gitignore` too), or names its stem as a word (`README`
/// for `README.md`, "the readme"). Any other new code file with something in it stays: a module
/// of its own is the answer's to add, and the checks look at it. Returns a note per file left
/// out.
pub fn unasked_files(
    base_files: &[String],
    task: &str,
    mentioned: &[String],
    edits: &mut Vec<Edit>,
) -> Vec<String> {
    let words: BTreeSet<String> = task
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .map(str::to_lowercase)
        .collect();
    // Paths as the task writes them, dots kept: `.gitignore` has no stem to be a word.
    let names: BTreeSet<String> = task
        .split(|c: char| c.is_whitespace() || "`'\"(),;:".contains(c))
        .map(|name| name.trim_end_matches('.').to_lowercase())
        .collect();
    // Named by its stem as a word or by its whole path; a path `mentioned` holds is kept
    // before this is asked.
    let asked = |path: &str| {
        names.contains(&path.to_lowercase())
            || Path::new(path)
                .file_stem()
                .and_then(|stem| stem.to_str())
                .is_some_and(|stem| words.contains(&stem.to_lowercase()))
    };
    let mut notes = Vec::new();
    edits.retain(|edit| {
        let path = edit.path().trim_start_matches("./");
        if mentioned.iter().any(|m| m == path) {
            return true;
        }
        let new = !base_files.iter().any(|f| f == path);
        let language = Language::of(path);
        let why = if language.is_none() && !asked(path) {
            "the task does not ask for it, and it is not code"
        } else if matches!(edit, Edit::Whole(whole) if whole.content.trim().is_empty())
            && new
            && file_name(path).is_none_or(|name| name != "__init__.py")
        {
            "a new file with nothing in it"
        } else if new && !asked(path) && crate::prompt::EXAMPLE_FILES.contains(&path) {
            "the prompt's worked example copied: the task does not ask for it"
        } else if new
            && !asked(path)
            && language.is_some_and(|language| foreign(language, base_files, &words))
        {
            "code in a language the repository holds none of, and the task asks for none"
        } else {
            return true;
        };
        notes.push(format!("left out {path}: {why}"));
        false
    });
    notes
}

/// Whether code in `language` is foreign to a repository of `base_files` and a task of `words`:
/// the repository holds code, none of it in `language`'s family, and the task does not name the
/// language (a word of its own, "python", "node", …).
fn foreign(language: Language, base_files: &[String], words: &BTreeSet<String>) -> bool {
    let held: Vec<Language> = base_files.iter().filter_map(|f| Language::of(f)).collect();
    let named: &[&str] = match language {
        Language::Python => &["python", "py"],
        Language::Rust => &["rust", "rs", "cargo"],
        Language::JavaScript | Language::TypeScript | Language::Tsx => {
            &["javascript", "typescript", "js", "ts", "node", "nodejs"]
        }
        Language::Go => &["go", "golang"],
    };
    !held.is_empty()
        && !held.iter().any(|&l| l.same_family(language))
        && !named.iter().any(|name| words.contains(*name))
}

/// Leaves out of `files` the new Rust sources no build of their crate compiles, and says why
/// for each: outside the targets Cargo finds by itself (`src/lib.rs`, `src/main.rs`,
/// `src/bin/`, `tests/`, `examples/`, `benches/`, `build.rs`) and declared by no `mod` of the
/// module above them, as the answer leaves it. No check of the repository ever reads such a
/// file, so what it holds cannot be vouched for. `read` gives a file as the repository holds
/// it. Where the crate places its files itself (`path =` in its manifest, `#[path]` or
/// `include!` above the file), the file stays.
pub fn unbuilt_rust(
    base_files: &[String],
    files: &mut Vec<FileChange>,
    read: impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    let after = |path: &str| {
        files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.content.clone())
            .or_else(|| read(path))
    };
    let exists = |path: &str| base_files.iter().any(|f| f == path) || after(path).is_some();
    let unbuilt: Vec<(String, String)> = files
        .iter()
        .filter(|f| f.path.ends_with(".rs") && !base_files.contains(&f.path))
        .filter_map(|f| Some((f.path.clone(), unbuilt_because(&f.path, &exists, &after)?)))
        .collect();
    files.retain(|f| !unbuilt.iter().any(|(path, _)| *path == f.path));
    unbuilt
        .into_iter()
        .map(|(path, why)| format!("left out {path}: no build compiles it ({why})"))
        .collect()
}

/// Why no build of its crate compiles the Rust file `path`, or `None` where one may.
fn unbuilt_because(
    path: &str,
    exists: &impl Fn(&str) -> bool,
    after: &impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let mut dir = Path::new(path).parent();
    let root = loop {
        let here = dir?;
        let manifest = here.join("Cargo.toml");
        if exists(manifest.to_str()?) {
            break here;
        }
        dir = here.parent();
    };
    let at = |relative: &str| root.join(relative).to_string_lossy().into_owned();
    let manifest = after(&at("Cargo.toml")).unwrap_or_default();
    let relative = Path::new(path).strip_prefix(root).ok()?.to_str()?;
    if manifest.contains("path =") || manifest.contains("path=") {
        return None;
    }
    let found_by_cargo = ["src/bin/", "tests/", "examples/", "benches/"];
    if ["build.rs", "src/lib.rs", "src/main.rs"].contains(&relative)
        || found_by_cargo.iter().any(|dir| relative.starts_with(dir))
    {
        return None;
    }
    if !relative.starts_with("src/") {
        return Some("it is outside the crate's `src`".to_owned());
    }
    // The module's name and the directory of the module that must declare it.
    let file = Path::new(relative);
    let (name, above) = if file.file_name()? == "mod.rs" {
        let dir = file.parent()?;
        (dir.file_name()?.to_str()?, dir.parent()?)
    } else {
        (file.file_stem()?.to_str()?, file.parent()?)
    };
    let declaring: Vec<String> = if above == Path::new("src") {
        vec![at("src/lib.rs"), at("src/main.rs")]
    } else {
        let above = above.to_str()?;
        vec![at(&format!("{above}.rs")), at(&format!("{above}/mod.rs"))]
    };
    let declared = declaring.iter().any(|parent| {
        after(parent).is_some_and(|source| {
            source.contains("#[path")
                || source.contains("include!")
                || symbols(Language::Rust, &source).iter().any(|symbol| {
                    symbol.depth == 0
                        && symbol.name == name
                        && symbol
                            .signature
                            .split_whitespace()
                            .any(|word| word == "mod")
                })
        })
    });
    (!declared).then(|| format!("no `mod {name}` in {}", declaring.join(" or ")))
}

/// Whether `edits` write `path`.
fn writes(edits: &[Edit], path: &str) -> bool {
    edits
        .iter()
        .any(|e| e.path().trim_start_matches("./") == path)
}

fn file_name(path: &str) -> Option<&OsStr> {
    Path::new(path).file_name()
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl CodeBaseline {
    /// In each Python test file among `written`, replaces the copies it holds of the
    /// baseline's functions and classes by an import of the real ones
    /// ([`import_instead_of_copies`]): a test of a pasted copy passes whatever the code does.
    /// Only a test beside the module, or at the repository's root, where pytest imports it
    /// from. One change per file, with its note.
    pub fn import_instead_of_copies(
        &self,
        root: &Path,
        written: &[String],
    ) -> Vec<(FileChange, String)> {
        let mut notes = Vec::new();
        for test in written.iter().filter(|path| {
            crate::check::is_test_file(path) && Language::of(path) == Some(Language::Python)
        }) {
            let Some(mut source) = nightshift_workspace::read_text(root, test) else {
                continue;
            };
            let mut replaced = Vec::new();
            for (path, _, content) in &self.files {
                let Some(module) = python_module(path, test) else {
                    continue;
                };
                let top: Vec<String> = symbols(Language::Python, content)
                    .into_iter()
                    .filter(|symbol| symbol.depth == 0)
                    .map(|symbol| symbol.name)
                    .collect();
                let top: Vec<&str> = top.iter().map(String::as_str).collect();
                if let Some(imported) = import_instead_of_copies(&source, &module, &top) {
                    source = imported.source;
                    replaced.push(format!("{} from {path}", quoted(&imported.names)));
                }
            }
            if replaced.is_empty() {
                continue;
            }
            let note = format!(
                "{test}: took out its own copies of the code and imports it instead: {}. A test \
                 must check the code, not a copy of it",
                replaced.join("; ")
            );
            notes.push((FileChange::new(test, source), note));
        }
        notes
    }
}

/// The name `test` imports the Python module at `path` by: the dotted path from the
/// repository's root for a test there, the file's stem for a test beside it; `None` otherwise,
/// or for a file that is no module.
pub(crate) fn python_module(path: &str, test: &str) -> Option<String> {
    let stem = path.strip_suffix(".py")?;
    let (test_dir, _) = test.rsplit_once('/').unwrap_or(("", test));
    let (dir, name) = stem.rsplit_once('/').unwrap_or(("", stem));
    let dotted = if test_dir.is_empty() {
        stem.strip_suffix("/__init__")
            .unwrap_or(stem)
            .replace('/', ".")
    } else if dir == test_dir && name != "__init__" {
        name.to_owned()
    } else {
        return None;
    };
    let identifier = |part: &str| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_alphanumeric() || c == '_')
    };
    (dotted != "__init__" && dotted.split('.').all(identifier)).then_some(dotted)
}

/// The names `content` defines, at any depth.
fn defined(language: Language, content: &str) -> BTreeSet<String> {
    symbols(language, content)
        .into_iter()
        .map(|symbol| symbol.name)
        .collect()
}

/// Adds to `problems` what the test file at `path` lost since `before`.
fn compare(root: &Path, path: &str, before: Counts, problems: &mut Vec<String>) {
    let Some(content) = nightshift_workspace::read_text(root, path) else {
        problems.push(format!("{path}: the test file was deleted"));
        return;
    };
    let now = count(path, &content);
    if now.tests < before.tests {
        problems.push(format!(
            "{path}: {} test cases, {} before — existing tests were removed",
            now.tests, before.tests
        ));
    }
    if now.asserts < before.asserts {
        problems.push(format!(
            "{path}: {} assertions, {} before — existing tests were weakened",
            now.asserts, before.asserts
        ));
    }
    if now.skips > before.skips {
        problems.push(format!(
            "{path}: {} skip markers, {} before — tests may not be skipped",
            now.skips, before.skips
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::FileEdit;
    use crate::testing::{put, tree};

    /// A whole-file edit.
    fn whole(path: &str, content: &str) -> Edit {
        Edit::Whole(FileEdit {
            path: path.to_owned(),
            content: content.to_owned(),
        })
    }

    const ORIGINAL: &str = "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_neg():\n    assert add(-1, -2) == -3\n";

    fn baseline(dir: &Path, files: &[(&str, &str)]) -> TestBaseline {
        put(dir, files);
        let names: Vec<String> = files.iter().map(|(p, _)| (*p).to_owned()).collect();
        TestBaseline::read(dir, &names)
    }

    /// Writes `changes` as the pipeline would; their notes.
    fn written(dir: &Path, changes: Vec<(FileChange, String)>) -> Vec<String> {
        let files: Vec<FileChange> = changes.iter().map(|(change, _)| change.clone()).collect();
        crate::apply::write(dir, &files).unwrap();
        changes.into_iter().map(|(_, note)| note).collect()
    }

    #[test]
    fn what_the_functions_a_task_names_rely_on_is_followed_through_the_repository() {
        let tariff = "RATES = [31, 28, 31]\n\n\ndef bulky(kg):\n    return kg > 10\n\n\ndef rate_of(kg, m):\n    return RATES[m] + (m == 1 and bulky(kg))\n\n\ndef stamp(n):\n    return str(n)\n";
        let report = "from tariff import rate_of\n\n\ndef summary(kg):\n    return [rate_of(kg, m) for m in range(3)]\n";
        let dir = tree(&[("tariff.py", tariff), ("report.py", report)]);
        let names = ["tariff.py".to_owned(), "report.py".to_owned()];
        let base = CodeBaseline::read(dir.path(), &names);
        // Through rate_of, which summary calls, to what it calls and reads; not to stamp, nor to
        // the names the task mentions itself, nor to what the repository does not define.
        assert_eq!(
            base.used_by_mentioned("`summary(12)` is wrong")
                .into_iter()
                .collect::<Vec<_>>(),
            ["RATES", "bulky", "rate_of"]
        );
        assert!(base.used_by_mentioned("fix `bulky`").is_empty());
        assert!(base.used_by_mentioned("add `weight_of(box)`").is_empty());
        // What a report names is what the code defines of the names it mentions.
        assert_eq!(
            base.named_in("`summary(12)` and `stamp(1)` are wrong, raising `ValueError`")
                .into_iter()
                .collect::<Vec<_>>(),
            ["stamp", "summary"]
        );
    }

    #[test]
    fn definitions_an_answer_left_out_are_put_back_and_what_cannot_be_is_refused() {
        let rain = "def collected(showers):\n    return sum(showers)\n\n\ndef daily_mean(showers):\n    return 0\n\n\ndef swing(showers):\n    return max(showers) - min(showers)\n";
        let orchard = "class Terrace:\n    def plots(self):\n        return 1\n\n    def weed(self):\n        pass\n";
        let dir = tree(&[("rain.py", rain), ("orchard.py", orchard)]);
        let names = ["rain.py".to_owned(), "orchard.py".to_owned()];
        let base = CodeBaseline::read(dir.path(), &names);
        let task =
            "Fix `daily_mean()` in rain.py and `plots` in orchard.py; collected_sum is unrelated.";
        // Changing a function and adding one is fine.
        let fixed = rain.replace("return 0", "return sum(showers) / len(showers)")
            + "\n\ndef typical(showers):\n    return daily_mean(showers)\n";
        put(dir.path(), &[("rain.py", &fixed)]);
        assert_eq!(base.verify(dir.path(), &names, task), Ok(vec![]));
        // An answer with only the function it changed: the others go back as they were.
        let partial = "def daily_mean(showers):\n    return sum(showers) / len(showers)\n";
        put(dir.path(), &[("rain.py", partial)]);
        assert_eq!(
            base.verify(dir.path(), &names, task)
                .map(|changes| written(dir.path(), changes)),
            Ok(vec![
                "rain.py: put back what the answer left out, as it was: `collected`, `swing`"
                    .to_owned()
            ])
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("rain.py")).unwrap(),
            rain.replace("return 0", "return sum(showers) / len(showers)")
        );
        // A name the task only uses is no leave to take it away; one it asks to remove is.
        for (task, put_back) in [
            ("Fix `daily_mean()`; `swing([1, 5])` gives 4.", true),
            (
                "Fix `daily_mean()` and remove `swing` and `collected`.",
                false,
            ),
        ] {
            put(dir.path(), &[("rain.py", partial)]);
            let changes = base.verify(dir.path(), &names, task).unwrap();
            assert_eq!(changes.is_empty(), !put_back, "{task}");
        }
        // A method dropped is not put back but refused, with the file as it was.
        put(
            dir.path(),
            &[(
                "orchard.py",
                "class Terrace:\n    def plots(self):\n        return 2\n",
            )],
        );
        let err = base.verify(dir.path(), &names, task).unwrap_err();
        assert!(
            err.starts_with("orchard.py: your answer deletes `weed`, which"),
            "{err}"
        );
        assert!(
            err.contains(&format!("```orchard.py\n{orchard}```")),
            "{err}"
        );
        // Unless the task names it; and files not written are not looked at.
        let rename = "Drop collected, swing and weed, use daily_mean.";
        put(dir.path(), &[("rain.py", partial)]);
        assert_eq!(base.verify(dir.path(), &names, rename), Ok(vec![]));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("rain.py")).unwrap(),
            partial
        );
        put(dir.path(), &[("orchard.py", "")]);
        assert!(base.verify(dir.path(), &names[..1], task).is_ok());
    }

    #[test]
    fn a_definition_taken_away_that_another_file_still_uses_is_named_with_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, content: &str| put(dir.path(), &[(path, content)]);
        write(
            "money/fees.py",
            "def fee_for(amount):\n    return amount // 10\n",
        );
        write(
            "shop.py",
            "from money.fees import fee_for\n\n\ndef price(x):\n    return x + fee_for(x)\n",
        );
        write(
            "ledger.py",
            "import money.fees as fees\n\n\ndef book(x):\n    return fees.fee_for(x)\n",
        );
        // Defines its own fee_for: not a caller of the module's.
        write(
            "legacy.py",
            "def fee_for(amount):\n    return 0  # not the fees one\n",
        );
        let files: Vec<String> = ["money/fees.py", "shop.py", "ledger.py", "legacy.py"]
            .map(str::to_owned)
            .to_vec();
        let base = CodeBaseline::read(dir.path(), &files);
        let written = vec!["money/fees.py".to_owned()];
        write(
            "money/fees.py",
            "def charge_for(amount):\n    return amount // 10\n",
        );
        assert_eq!(
            base.callers_left(dir.path(), &written, &files),
            [
                "shop.py, line 1: `from money.fees import fee_for` still uses `fee_for` from \
                 money/fees.py, which no longer defines it",
                "ledger.py, line 5: `return fees.fee_for(x)` still uses `fee_for` from \
                 money/fees.py, which no longer defines it",
            ]
        );
        // Callers updated too: nothing left behind.
        write(
            "shop.py",
            "from money.fees import charge_for\n\n\ndef price(x):\n    return x + charge_for(x)\n",
        );
        write(
            "ledger.py",
            "import money.fees as fees\n\n\ndef book(x):\n    return fees.charge_for(x)\n",
        );
        let written = [written, vec!["shop.py".to_owned(), "ledger.py".to_owned()]].concat();
        assert_eq!(
            base.callers_left(dir.path(), &written, &files),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_files_a_task_says_not_to_change_are_those_right_after_the_words() {
        assert_eq!(
            protected_files("Write tests in `test_sundial.py`. Do not change `sundial.py`."),
            ["sundial.py"]
        );
        assert_eq!(
            protected_files(
                "Don't modify the file config/app.toml, or lib/a.py and `lib/b.py`; thanks"
            ),
            ["config/app.toml", "lib/a.py", "lib/b.py"]
        );
        // Not a file right after the verb: nothing is protected.
        assert!(
            protected_files("In rain.py, do not change the signature of `collected`.").is_empty()
        );
        assert!(protected_files("`brightest` must not modify the list passed to it.").is_empty());
        assert!(protected_files("Change rain.py so that it does not crash.").is_empty());
    }

    #[test]
    fn a_protected_file_the_answer_changed_is_put_back() {
        let dir = tree(&[
            ("sundial.py", "def f():\n    return 1\n"),
            ("other.py", "x = 1\n"),
        ]);
        let guard = Protected::read(
            dir.path(),
            "Add tests. Do not change `sundial.py` or `gone.py`.",
        );
        let files = ["sundial.py".to_owned(), "other.py".to_owned()];
        assert!(
            guard.restore(dir.path(), &files).is_empty(),
            "unchanged: nothing to say"
        );
        put(
            dir.path(),
            &[
                ("sundial.py", "def f():\n    return 2\n"),
                ("other.py", "x = 2\n"),
            ],
        );
        assert_eq!(
            written(dir.path(), guard.restore(dir.path(), &files)),
            ["sundial.py: put back as it was: the task says not to change it"]
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("sundial.py")).unwrap(),
            "def f():\n    return 1\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("other.py")).unwrap(),
            "x = 2\n"
        );
    }

    #[test]
    fn a_new_test_module_named_like_an_existing_one_is_written_to_that_one() {
        let existing = "from kennel import Kennel\n\n\ndef test_admit():\n    k = Kennel()\n    k.admit(1)\n    assert len(k) == 1\n";
        let dir = tree(&[("tests/test_kennel.py", existing)]);
        let base_files = vec!["kennel.py".to_owned(), "tests/test_kennel.py".to_owned()];
        let answer = "from kennel import Kennel\n\n\ndef test_depart():\n    k = Kennel()\n    k.admit(1)\n    assert k.depart() == 1\n";
        let mut edits = vec![
            whole("./test_kennel.py", answer),
            whole("kennel.py", "x = 1\n"),
        ];
        let notes = onto_test_twins(dir.path(), &base_files, &mut edits);
        assert_eq!(
            notes,
            [
                "./test_kennel.py is a second test module named like tests/test_kennel.py, which \
              pytest cannot collect beside it: wrote it to tests/test_kennel.py, keeping \
              `test_admit` of it"
            ]
        );
        let Edit::Whole(moved) = &edits[0] else {
            panic!("{edits:?}")
        };
        assert_eq!(moved.path, "tests/test_kennel.py");
        assert!(
            moved.content.contains("def test_admit") && moved.content.contains("def test_depart"),
            "{}",
            moved.content
        );
        assert_eq!(edits[1].path(), "kennel.py", "other edits stand");

        // Not moved: the answer writes the existing one too, or a name no test has yet.
        let mut both = vec![
            whole("test_kennel.py", answer),
            whole("tests/test_kennel.py", answer),
        ];
        assert!(onto_test_twins(dir.path(), &base_files, &mut both).is_empty());
        let mut fresh = vec![whole("test_aviary.py", answer)];
        assert!(onto_test_twins(dir.path(), &base_files, &mut fresh).is_empty());
        assert_eq!(fresh[0].path(), "test_aviary.py");
    }

    #[test]
    fn what_the_task_does_not_ask_for_and_is_not_code_is_left_out() {
        let base_files: Vec<String> = ["kettle.py", "README.md", "pyproject.toml"]
            .map(str::to_owned)
            .to_vec();
        let task = "`boil(t)` in kettle.py returns True below 100: fix it.";
        let code = "def boil(t):\n    return t >= 100\n";
        let mut edits = vec![
            whole("kettle.py", code),
            whole("README.md", "# kettle\n"),
            whole("readme.md", "Fixed boil.\n"),
            whole("pyproject.toml", "[project]\n"),
            whole("boil-returns-true-below.Hundred", "x\n"),
            whole("boil.returnsTrueBelowHundred.py", "\n"),
            whole("pkg/__init__.py", ""),
            whole("heat.py", "def heat():\n    return 1\n"),
            whole("test_kettle.py", "from kettle import boil\n"),
        ];
        let notes = unasked_files(&base_files, task, &[], &mut edits);
        assert_eq!(
            notes,
            [
                "left out README.md: the task does not ask for it, and it is not code",
                "left out readme.md: the task does not ask for it, and it is not code",
                "left out pyproject.toml: the task does not ask for it, and it is not code",
                "left out boil-returns-true-below.Hundred: the task does not ask for it, and it is not code",
                "left out boil.returnsTrueBelowHundred.py: a new file with nothing in it",
            ]
        );
        let kept: Vec<&str> = edits.iter().map(Edit::path).collect();
        assert_eq!(
            kept,
            ["kettle.py", "pkg/__init__.py", "heat.py", "test_kettle.py"]
        );
        // Named by path, or by its stem as a word, a file is the task's to change.
        for (task, mentioned, path) in [
            ("Document `boil` in the readme.", vec![], "README.md"),
            (
                "Add boil to README.md.",
                vec!["README.md".to_owned()],
                "README.md",
            ),
            ("Ignore *.log in `.gitignore`.", vec![], ".gitignore"),
            (
                "Mark data as binary in .gitattributes.",
                vec![],
                ".gitattributes",
            ),
        ] {
            let mut edits = vec![whole(path, "# kettle\n\nboil\n")];
            assert!(unasked_files(&base_files, task, &mentioned, &mut edits).is_empty());
            assert_eq!(edits.len(), 1, "{task}");
        }
        // A name is asked for where the task puts it, not in every directory.
        let mut edits = vec![whole("sub/.gitignore", "*\n"), whole(".npmrc", "x=1\n")];
        let notes = unasked_files(
            &base_files,
            "Ignore *.log in `.gitignore`.",
            &[],
            &mut edits,
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(edits.is_empty());
    }

    #[test]
    fn new_code_that_cannot_be_the_answers_own_module_is_left_out() {
        let crate_files = vec![
            "Cargo.toml".to_owned(),
            "src/lib.rs".to_owned(),
            "tests/meter.rs".to_owned(),
        ];
        let task = "`fill(1, 8)` in `src/lib.rs` gives 0; it should give 12.";
        let example = "def greet(name):\n    return f\"Hello, {name}!\"\n";
        let mut edits = vec![
            whole("greet.py", example),
            whole("tools/meter.py", "print(1)\n"),
            whole("src/lib.rs", "pub fn fill() {}\n"),
            whole("src/gauge.rs", "pub fn gauge() {}\n"),
        ];
        let notes = unasked_files(&crate_files, task, &[], &mut edits);
        assert_eq!(
            notes,
            [
                "left out greet.py: the prompt's worked example copied: the task does not ask for it",
                "left out tools/meter.py: code in a language the repository holds none of, and the task asks for none",
            ]
        );
        let kept: Vec<&str> = edits.iter().map(Edit::path).collect();
        assert_eq!(kept, ["src/lib.rs", "src/gauge.rs"]);
        // Asked for by name or by its language, or in a repository of that language or of no
        // code yet, the same files stay.
        for (base, task) in [
            (
                &crate_files,
                "Add a Python script `tools/meter.py` that prints 1, and greet.py.",
            ),
            (
                &crate_files,
                "Add a python helper that prints 1; greet users in greet.py.",
            ),
            (
                &vec!["meter.py".to_owned()],
                "Add a module that greets: greet.py.",
            ),
            (
                &vec!["README.md".to_owned()],
                "Start the project: greet.py and a meter tool.",
            ),
        ] {
            let mut edits = vec![
                whole("greet.py", example),
                whole("tools/meter.py", "print(1)\n"),
            ];
            let notes = unasked_files(base, task, &[], &mut edits);
            assert!(notes.is_empty(), "{task}: {notes:?}");
        }
    }

    #[test]
    fn new_rust_files_no_build_compiles_are_left_out() {
        let base: Vec<String> = [
            "Cargo.toml",
            "src/lib.rs",
            "src/meter.rs",
            "tools/Cargo.toml",
            "tools/src/main.rs",
        ]
        .map(str::to_owned)
        .to_vec();
        let held = |path: &str| {
            let held = match path {
                "Cargo.toml" => "[package]\nname = \"meter\"\n",
                "src/lib.rs" => "pub mod meter;\n",
                "src/meter.rs" => "pub fn fill() {}\n",
                "tools/Cargo.toml" => "[package]\nname = \"tools\"\n",
                "tools/src/main.rs" => "fn main() {}\n",
                _ => return None,
            };
            Some(held.to_owned())
        };
        let code = "pub fn dial() -> u8 {\n    1\n}\n";
        let mut files: Vec<FileChange> = [
            // Declared by the answer's own change to the crate's root: built.
            ("src/lib.rs", "pub mod meter;\nmod gauge;\n"),
            ("src/gauge.rs", code),
            ("src/meter/dial.rs", code),
            ("scratch.rs", code),
            ("tests/dial.rs", code),
            ("src/bin/dial.rs", code),
            ("tools/src/dial.rs", code),
        ]
        .into_iter()
        .map(|(path, content)| FileChange::new(path, content))
        .collect();
        let notes = unbuilt_rust(&base, &mut files, held);
        assert_eq!(
            notes,
            [
                "left out src/meter/dial.rs: no build compiles it (no `mod dial` in src/meter.rs or src/meter/mod.rs)",
                "left out scratch.rs: no build compiles it (it is outside the crate's `src`)",
                "left out tools/src/dial.rs: no build compiles it (no `mod dial` in tools/src/lib.rs or tools/src/main.rs)",
            ]
        );
        let kept: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            kept,
            [
                "src/lib.rs",
                "src/gauge.rs",
                "tests/dial.rs",
                "src/bin/dial.rs"
            ]
        );
        // A crate that places its files itself, and a file in no crate, stay.
        let placed = |path: &str| {
            (path == "Cargo.toml").then(|| "[lib]\npath = \"scratch.rs\"\n".to_owned())
        };
        let mut files = vec![FileChange::new("scratch.rs", code)];
        assert!(unbuilt_rust(&base, &mut files, placed).is_empty());
        let mut files = vec![FileChange::new("snippets/dial.rs", code)];
        assert!(unbuilt_rust(&["README.md".to_owned()], &mut files, |_| None).is_empty());
        assert_eq!(files.len(), 1);
    }

    #[test]
    fn a_file_the_task_names_written_without_its_directory_or_in_other_case_goes_to_the_named_one()
    {
        let base_files = vec!["src/chess.js".to_owned(), "README.md".to_owned()];
        let mentioned = vec!["src/chess.js".to_owned()];
        let code = "export function parseMove(str) {\n  return str;\n}\n";
        let mut edits = vec![whole("chess.js", code), whole("README.md", "# x\n")];
        assert_eq!(
            onto_named_files(&base_files, &mentioned, &mut edits),
            [
                "chess.js is not a file of the repository, and the task names src/chess.js: \
              wrote it to src/chess.js"
            ]
        );
        assert_eq!(edits[0].path(), "src/chess.js");
        assert_eq!(edits[1].path(), "README.md");
        let mut shouted = vec![whole("CHESS.js", code)];
        assert_eq!(
            onto_named_files(&base_files, &mentioned, &mut shouted).len(),
            1
        );
        assert_eq!(shouted[0].path(), "src/chess.js");

        // Left where written: a path the task names too, or an answer writing both.
        let both_named = vec!["src/chess.js".to_owned(), "chess.js".to_owned()];
        let mut kept = vec![whole("chess.js", code)];
        assert!(onto_named_files(&base_files, &both_named, &mut kept).is_empty());
        let mut both = vec![whole("chess.js", code), whole("src/chess.js", code)];
        assert!(onto_named_files(&base_files, &mentioned, &mut both).is_empty());
        assert_eq!(both[0].path(), "chess.js");
    }

    #[test]
    fn code_written_under_another_language_s_name_goes_to_the_file_it_is_written_for() {
        let base_files = vec!["lib/stars.js".to_owned(), "lib/stars.test.js".to_owned()];
        let script = "// Tiny astronomy helpers.\nexport function brightest(values) {\n  return values[0];\n}\n";
        let mut edits = vec![whole("lib/stars.py", script)];
        assert_eq!(
            onto_language_twins(&base_files, &mut edits),
            [
                "lib/stars.py is new and its content is not Python but the language of \
              lib/stars.js: wrote it to lib/stars.js"
            ]
        );
        assert_eq!(edits[0].path(), "lib/stars.js");

        // Left where written: Python in a .py file (a port), a name no file has, or an answer
        // that writes the existing file too.
        let port = "def brightest(values):\n    return values[0]\n";
        let mut kept = vec![whole("lib/stars.py", port), whole("lib/other.py", script)];
        assert!(onto_language_twins(&base_files, &mut kept).is_empty());
        let mut both = vec![whole("lib/stars.py", script), whole("lib/stars.js", script)];
        assert!(onto_language_twins(&base_files, &mut both).is_empty());
        assert_eq!(both[0].path(), "lib/stars.py");
    }

    #[test]
    fn a_test_of_a_pasted_copy_imports_the_real_code_instead() {
        let module = "def roll(n):\n    return str(n)\n";
        let dir = tree(&[("games/dice.py", module)]);
        let names = ["games/dice.py".to_owned()];
        let base = CodeBaseline::read(dir.path(), &names);
        let copy = "import pytest\n\n\ndef roll(n):\n    return \"Ace\"\n\n\ndef test_ace():\n    assert roll(1) == \"Ace\"\n";
        let files = [
            "test_games.py".to_owned(),
            "games/test_dice.py".to_owned(),
            "tests/test_dice.py".to_owned(),
            "games/dice.py".to_owned(),
        ];
        for test in &files[..3] {
            put(dir.path(), &[(test, copy)]);
        }
        let notes = written(
            dir.path(),
            base.import_instead_of_copies(dir.path(), &files),
        );
        assert_eq!(
            notes,
            [
                "test_games.py: took out its own copies of the code and imports it instead: `roll` from games/dice.py. A test must check the code, not a copy of it",
                "games/test_dice.py: took out its own copies of the code and imports it instead: `roll` from games/dice.py. A test must check the code, not a copy of it",
            ]
        );
        let read = |path: &str| std::fs::read_to_string(dir.path().join(path)).unwrap();
        assert!(read("test_games.py").starts_with("import pytest\nfrom games.dice import roll\n"));
        assert!(read("games/test_dice.py").starts_with("import pytest\nfrom dice import roll\n"));
        // Where pytest would not find the module by that name, the test is left as it is.
        assert_eq!(read("tests/test_dice.py"), copy);
        assert_eq!(read("games/dice.py"), module);
    }

    #[test]
    fn adding_tests_and_changing_code_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let base = baseline(
            dir.path(),
            &[
                ("test_calc.py", ORIGINAL),
                ("calc.py", "def add(a, b): pass\n"),
            ],
        );
        let added = format!("{ORIGINAL}\n\ndef test_zero():\n    assert add(0, 0) == 0\n");
        put(
            dir.path(),
            &[
                ("calc.py", "def add(a, b):\n    return a + b\n"),
                ("test_calc.py", &added),
            ],
        );
        assert_eq!(base.verify(dir.path()), Ok(()));
    }

    #[test]
    fn deleting_skipping_or_weakening_tests_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let base = baseline(
            dir.path(),
            &[
                ("test_calc.py", ORIGINAL),
                ("tests/test_more.py", ORIGINAL),
                (
                    "src/lib.rs",
                    "#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() { assert_eq!(1, 1); }\n}\n",
                ),
                (
                    "sum.test.js",
                    "test('adds', () => { expect(1 + 1).toBe(2); });\n",
                ),
                (
                    "calc_test.go",
                    "func TestAdd(t *testing.T) { if 1 != 1 { t.Fatal(\"x\") } }\n",
                ),
            ],
        );
        std::fs::remove_file(dir.path().join("tests/test_more.py")).unwrap();
        put(
            dir.path(),
            &[
                (
                    "test_calc.py",
                    "import pytest\nfrom calc import add\n\n\n@pytest.mark.skip\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_neg():\n    pass\n",
                ),
                (
                    "src/lib.rs",
                    "#[cfg(test)]\nmod tests {\n    #[test]\n    #[ignore]\n    fn t() { assert_eq!(1, 1); }\n}\n",
                ),
                (
                    "sum.test.js",
                    "test.skip('adds', () => { expect(1 + 1).toBe(2); });\n",
                ),
                ("calc_test.go", "func helper() {}\n"),
            ],
        );
        let (err, undo) = base.verify(dir.path()).unwrap_err();
        crate::apply::write(dir.path(), &undo).unwrap();
        for expected in [
            "tests/test_more.py: the test file was deleted",
            "test_calc.py: 1 assertions, 2 before",
            "test_calc.py: 1 skip markers, 0 before",
            "src/lib.rs: 1 skip markers, 0 before",
            "sum.test.js: 1 skip markers, 0 before",
            "calc_test.go: 0 test cases, 1 before",
            "change the code, not the tests",
        ] {
            assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
        }
        // The refused edits are undone.
        assert_eq!(
            std::fs::read_to_string(dir.path().join("test_calc.py")).unwrap(),
            ORIGINAL
        );
        assert!(dir.path().join("tests/test_more.py").exists());
        assert_eq!(base.verify(dir.path()), Ok(()));
    }
}
