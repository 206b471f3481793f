//! The test written for the task, when an answer brings none: asked of the model once per
//! attempt, after the first answers passed the gates, from the files the first of them wrote (as
//! only they say where the code is); written at a path no project test holds, its imports
//! mended. Its calls are then run on every answer and on the code as it was
//! ([`crate::choice`]). One that names nothing the task asks for is asked again the next round.

use nightshift_lang::{asked_definitions, mentions, reroot_integration_test};
use nightshift_store::{EventLog, LogLevel, ModelStatsLog, TaskQueue};

use crate::attempt::{Attempt, AttemptError, Purpose, blocking};
use crate::check::{self, is_test_file};
use crate::edit::{Edit, EditFormat};
use crate::prompt;
use crate::reply::{self, ReplyError};
use crate::work::Work;

impl<S: EventLog + ModelStatsLog + TaskQueue> Attempt<'_, S> {
    /// The test written for the task: the one written in an earlier round, or a new one the
    /// model is asked for now, on the answer the worktree holds. Its imports are mended, lines
    /// that cannot parse on their own taken out, a Rust test module pointed at the crate.
    /// `None`: nightshift writes no test in the answer's language.
    pub(crate) async fn task_test(
        &self,
        work: &mut Work,
        round: u32,
    ) -> Result<Option<(String, String)>, AttemptError> {
        if let Some(test) = &work.task_test {
            return Ok(Some(test.clone()));
        }
        let plan = work
            .written
            .iter()
            .filter(|f| !is_test_file(f))
            .find_map(|f| check::test_plan(&self.worktree, f));
        let Some(mut plan) = plan else {
            return Ok(None);
        };
        plan.path = unused_path(&plan.path, &work.base_files, self.task.id);
        let task = self.task.description.as_str();
        let shown = blocking(|| {
            prompt::gather(
                &self.worktree,
                &work.written,
                task,
                &work.written,
                self.budget(),
            )
        })
        .files;
        let request = prompt::test_request(task, &shown, &plan);
        let replies = self
            .ask(Purpose::Test, round, request, EditFormat::Whole, 1)
            .await?;
        let content = replies.into_iter().find_map(|(reply, _)| {
            reply::parse(&reply.text, &[])
                .ok()?
                .into_iter()
                .find_map(|edit| match edit {
                    Edit::Whole(file) if is_test_file(&file.path) => Some(file.content),
                    _ => None,
                })
        });
        let Some(content) = content else {
            return Err(ReplyError::NoTestFile.into());
        };
        let path = plan.path;
        self.rewrite(&path, content)?;
        let tests = vec![path.clone()];
        self.write_mends("task-test", self.broken_line_mends(&tests))
            .await?;
        self.write_mends(
            "task-test",
            self.import_mends(&tests, &work.named_or_written()),
        )
        .await?;
        if let (Some(krate), Some(source)) = (
            check::crate_name(&self.worktree).filter(|_| path.ends_with(".rs")),
            nightshift_workspace::read_text(&self.worktree, &path),
        ) && let Some(rerooted) = reroot_integration_test(&source, &krate)
        {
            self.rewrite(&path, rerooted.source)?;
            self.log(
                LogLevel::Info,
                "edit",
                format!(
                    "pointed {path} at the crate {krate}, as an integration test is a crate of \
                     its own:\n{}",
                    rerooted.changed.join("\n")
                ),
            )
            .await;
        }
        self.check_syntax(&tests).await?;
        let Some(content) = nightshift_workspace::read_text(&self.worktree, &path) else {
            return Err(ReplyError::NoTestFile.into());
        };
        self.log(
            LogLevel::Info,
            "edit",
            format!(
                "wrote {path}, a test for the task: its calls are run on every answer, its asserts \
                 are one vote among them"
            ),
        )
        .await;
        // A test that names none of the definitions the task asks for can show nothing of what
        // it asks (a small model's test of the functions it was shown instead): it serves this
        // round, where its calls still tell a regression, and the next round asks for another.
        let asked: Vec<String> = asked_definitions(task)
            .into_iter()
            .map(|asked| asked.name)
            .collect();
        let reaches = asked.is_empty() || asked.iter().any(|name| mentions(&content, name));
        let test = (path, content);
        if reaches {
            work.task_test = Some(test.clone());
        } else {
            self.log(
                LogLevel::Warn,
                "edit",
                format!(
                    "{}, the test written for the task, calls none of what the task asks for \
                     ({}): it is used this round, and the next round asks for another",
                    test.0,
                    asked.join(", ")
                ),
            )
            .await;
        }
        Ok(Some(test))
    }
}

/// `path`, or, if the repository has a file there, the same name with `_task<id>` before its
/// first dot: a test written for a task never replaces one of the project's.
fn unused_path(path: &str, files: &[String], task: i64) -> String {
    if !files.iter().any(|f| f == path) {
        return path.to_owned();
    }
    let (dir, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
    let (stem, rest) = name.split_once('.').unwrap_or((name, ""));
    let renamed = if rest.is_empty() {
        format!("{stem}_task{task}")
    } else {
        format!("{stem}_task{task}.{rest}")
    };
    if dir.is_empty() {
        renamed
    } else {
        format!("{dir}/{renamed}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_for_the_task_never_takes_the_place_of_one_of_the_projects() {
        let files = vec!["test_orbit.py".to_owned(), "tests/tides.rs".to_owned()];
        assert_eq!(unused_path("test_calc.py", &files, 4), "test_calc.py");
        assert_eq!(
            unused_path("test_orbit.py", &files, 4),
            "test_orbit_task4.py"
        );
        assert_eq!(
            unused_path("tests/tides.rs", &files, 12),
            "tests/tides_task12.rs"
        );
    }
}
