//! `nightshift eval SUITE_DIR`: runs a suite of tasks through the real daemon and scores them
//! with checks the agent never sees.
//!
//! A suite is a directory of task directories, each holding `task.toml` (`text`, `check`,
//! `language`, `kind`), `repo/` (the starting repository) and `hidden/` (files copied in only for
//! the check). Each task gets a fresh git repository, its own store and a daemon with one worker;
//! the model is shared, so `--jobs` tasks at once are decoded together. After the task ends, the
//! target branch is cloned, `hidden/` copied over it, and `check` run there: exit 0 is a pass.
//!
//! The model's first answer is scored too, from the same run: its reply (kept in the task's log)
//! is applied alone to the starting point and checked the same way. Greedy decoding makes it the
//! answer a run without checks or repair would have landed, so `first` against `passed` is what
//! nightshift's checks and repair rounds add, measured side by side on the same answers.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use futures::StreamExt as _;
use nightshift_agent::{apply, attempt, choice, reply};
use nightshift_config::Config;
use nightshift_daemon::{Daemon, TIMED_OUT};
use nightshift_git::Repo;
use nightshift_model::ChatModel;
use nightshift_sandbox::{Finished, Sandbox};
use nightshift_store::{
    EventLog, LogQuery, ModelStatsLog, NewTask, SystemState as _, TaskQueue, TaskStatus,
};
use nightshift_store_sqlite::SqliteStore;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::context::Context;

mod samples;

/// How often a running task's status is read.
const POLL: Duration = Duration::from_millis(500);
/// Most log lines read back for one task.
const TASK_LOG_LINES: u32 = 100_000;

#[derive(Debug, Args)]
pub(crate) struct Cmd {
    /// The suite: a directory of task directories.
    suite: PathBuf,
    /// Tasks run at once (default: WORKER_COUNT).
    #[arg(long)]
    jobs: Option<usize>,
    /// Run only tasks whose directory name contains one of these (comma-separated: `01-,02-`).
    #[arg(long)]
    only: Option<String>,
    /// Also write the results as JSON to this file, rewritten as each task ends, so that an
    /// interrupted run keeps what it finished.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// With `--json`: keep the results the file already holds and run only the tasks and seeds
    /// it has no result for (an interrupted run, picked up where it stopped).
    #[arg(long, requires = "json", conflicts_with = "samples")]
    resume: bool,
    /// Seconds a hidden check may take.
    #[arg(long, default_value_t = 300)]
    check_timeout: u64,
    /// Keep each task's repository (its path is printed) instead of deleting it.
    #[arg(long)]
    keep: bool,
    /// Instead of running tasks through the daemon: ask the first prompt for this many replies
    /// at once (one greedy, the rest sampled), score each alone with the hidden check, and
    /// report pass@1 and the oracle pass@k (any of the first k passes) for k = 3, 5, ….
    #[arg(long, value_name = "K")]
    samples: Option<u32>,
    /// Run the suite once per sampling seed (1, 2, …: the `seed` setting, or the replies' seeds
    /// with `--samples`), for a mean and a range.
    #[arg(long, default_value_t = 1)]
    seeds: u32,
    /// The first of the seeds (`--first-seed 2 --seeds 2` runs seeds 2 and 3): a further seed
    /// of an earlier run, on its own.
    #[arg(long, default_value_t = 1, value_name = "SEED")]
    first_seed: u32,
    /// With `--samples`: the first prompt as an attempt sends it (`full`), or only the format's
    /// instructions, the files the task names and the task (`minimal`).
    #[arg(long, value_enum, default_value = "full")]
    prompt: samples::Framing,
}

/// `task.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    text: String,
    check: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    kind: String,
}

struct SuiteTask {
    name: String,
    dir: PathBuf,
    spec: Spec,
}

/// One task's result.
#[derive(Debug, Serialize, Deserialize)]
struct Outcome {
    task: String,
    language: String,
    kind: String,
    /// The run's sampling seed (`--seeds`).
    seed: u32,
    /// Whether the model's first answer, applied alone, passes the hidden check.
    first_passed: bool,
    /// Whether what the task landed passes the hidden check.
    passed: bool,
    status: String,
    attempts: u32,
    /// Code and repair replies the model gave.
    rounds: usize,
    seconds: f64,
    prompt_tokens: u64,
    completion_tokens: u64,
    /// Milliseconds from the first request to its first token: how long the prompt took to read.
    first_token_ms: Option<u64>,
    /// Why the answer that landed was chosen over the others, as the attempt logged it: what
    /// vouched for it (so precision can be told apart by the evidence behind each landing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chosen: Option<String>,
    /// The end of the check's output when it failed, or the task's last error.
    detail: String,
    /// Where the task's repository was kept (`--keep`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kept: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    suite: String,
    model: String,
    repair_rounds: u32,
    repair_strategy: &'static str,
    max_retries: u32,
    first_passed: usize,
    passed: usize,
    total: usize,
    tasks: &'a [Outcome],
}

/// The part of a written [`Report`] that `--resume` reads back.
#[derive(Debug, Deserialize)]
struct Saved {
    suite: String,
    tasks: Vec<Outcome>,
}

impl Cmd {
    /// The seeds to run, in order.
    fn seed_range(&self) -> std::ops::RangeInclusive<u32> {
        let first = self.first_seed.max(1);
        first..=first.saturating_add(self.seeds.max(1) - 1)
    }

    /// The results an earlier run wrote to `path` for this suite, the seeds of this run and the
    /// tasks chosen (none when the file does not exist yet).
    fn resumed(&self, path: &Path) -> anyhow::Result<Vec<Outcome>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
        };
        let saved: Saved = serde_json::from_str(&text)
            .with_context(|| format!("{} is not the JSON of an eval run", path.display()))?;
        anyhow::ensure!(
            saved.suite == self.suite.display().to_string(),
            "{} holds results of the suite {}, not {}",
            path.display(),
            saved.suite,
            self.suite.display()
        );
        let seeds = self.seed_range();
        let only = self.only.as_deref();
        let kept: Vec<Outcome> = saved
            .tasks
            .into_iter()
            .filter(|o| seeds.contains(&o.seed) && chosen(&o.task, only))
            .collect();
        eprintln!(
            "{} result(s) taken from {}; those tasks are not run again",
            kept.len(),
            path.display()
        );
        Ok(kept)
    }

    /// Writes the results so far as JSON, sorted by seed and task.
    fn write_report(
        &self,
        path: &Path,
        ctx: &Context,
        model: &str,
        outcomes: &mut [Outcome],
    ) -> anyhow::Result<()> {
        outcomes.sort_by(|a, b| (a.seed, &a.task).cmp(&(b.seed, &b.task)));
        let report = Report {
            suite: self.suite.display().to_string(),
            model: model.to_owned(),
            repair_rounds: ctx.config.repair_rounds,
            repair_strategy: super::serve::repair_strategy(&ctx.config).as_str(),
            max_retries: ctx.config.max_retries,
            first_passed: outcomes.iter().filter(|o| o.first_passed).count(),
            passed: outcomes.iter().filter(|o| o.passed).count(),
            total: outcomes.len(),
            tasks: outcomes,
        };
        // Written beside and renamed, so that an interrupted write leaves the last whole file.
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))
    }

    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let tasks = load_suite(&self.suite, self.only.as_deref())?;
        anyhow::ensure!(
            !tasks.is_empty(),
            "{} holds no task directories",
            self.suite.display()
        );
        let model: Arc<dyn ChatModel> = Arc::new(crate::models::chain(&ctx.config)?);
        let sandbox = super::serve::sandbox(&ctx.config).await?;
        let jobs = self
            .jobs
            .unwrap_or_else(|| usize::try_from(ctx.config.worker_count).unwrap_or(1))
            .max(1);
        eprintln!(
            "{} tasks from {}, {jobs} at once, model chain {}, {} rounds after the first: {}",
            tasks.len(),
            self.suite.display(),
            model.model(),
            ctx.config.repair_rounds,
            super::serve::repair_strategy(&ctx.config).as_str()
        );
        let check_timeout = Duration::from_secs(self.check_timeout);
        if let Some(k) = self.samples {
            let k = k.max(1);
            let seeds: Vec<u32> = self.seed_range().collect();
            let mut sampled = Vec::new();
            for &seed in &seeds {
                let shape = (k, seed, self.prompt);
                sampled.extend(
                    samples::run(
                        &ctx.config,
                        model.as_ref(),
                        &sandbox,
                        &tasks,
                        shape,
                        jobs,
                        check_timeout,
                    )
                    .await,
                );
            }
            let ks: Vec<usize> = [1, 3, 5, 10, 20]
                .into_iter()
                .filter(|&j| j <= k as usize)
                .chain((![1, 3, 5, 10, 20].contains(&(k as usize))).then_some(k as usize))
                .collect();
            let rates = samples::rates(&sampled, &seeds, &ks);
            println!(
                "{} tasks, {k} replies each, model {}",
                tasks.len(),
                model.model()
            );
            samples::print_rates(&rates);
            if let Some(path) = &self.json {
                std::fs::write(path, serde_json::to_string_pretty(&sampled)?)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            return Ok(());
        }
        let mut outcomes = match (&self.json, self.resume) {
            (Some(path), true) => self.resumed(path)?,
            _ => Vec::new(),
        };
        for seed in self.seed_range() {
            let mut config = ctx.config.clone();
            config.seed = seed;
            let config = &config;
            let done: Vec<String> = outcomes
                .iter()
                .filter(|o| o.seed == seed)
                .map(|o| o.task.clone())
                .collect();
            let mut finished = futures::stream::iter(
                tasks.iter().filter(|t| !done.contains(&t.name)),
            )
            .map(|task| {
                let model = Arc::clone(&model);
                let sandbox = &sandbox;
                async move {
                    let outcome =
                        run_task(config, model, sandbox, task, check_timeout, self.keep).await;
                    let mut outcome = outcome.unwrap_or_else(|err| Outcome {
                        task: task.name.clone(),
                        language: task.spec.language.clone(),
                        kind: task.spec.kind.clone(),
                        seed,
                        first_passed: false,
                        passed: false,
                        status: "harness error".to_owned(),
                        attempts: 0,
                        rounds: 0,
                        seconds: 0.0,
                        prompt_tokens: 0,
                        completion_tokens: 0,
                        first_token_ms: None,
                        chosen: None,
                        detail: format!("{err:#}"),
                        kept: None,
                    });
                    outcome.seed = seed;
                    eprintln!(
                        "{} {} (seed {seed}, {}, first answer: {}, {:.0} s, {} + {} tokens)",
                        verdict(outcome.passed),
                        outcome.task,
                        outcome.status,
                        verdict(outcome.first_passed),
                        outcome.seconds,
                        outcome.prompt_tokens,
                        outcome.completion_tokens
                    );
                    outcome
                }
            })
            .buffer_unordered(jobs);
            while let Some(outcome) = finished.next().await {
                outcomes.push(outcome);
                if let Some(path) = &self.json {
                    self.write_report(path, ctx, &model.model(), &mut outcomes)?;
                }
            }
        }

        outcomes.sort_by(|a, b| (a.seed, &a.task).cmp(&(b.seed, &b.task)));
        print_table(&outcomes);
        if let Some(path) = &self.json {
            self.write_report(path, ctx, &model.model(), &mut outcomes)?;
        }
        Ok(())
    }
}

fn load_suite(suite: &Path, only: Option<&str>) -> anyhow::Result<Vec<SuiteTask>> {
    let mut tasks = Vec::new();
    let entries = std::fs::read_dir(suite)
        .with_context(|| format!("reading the suite {}", suite.display()))?;
    for entry in entries {
        let dir = entry?.path();
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !dir.is_dir() || !chosen(&name, only) {
            continue;
        }
        let spec_path = dir.join("task.toml");
        let text = std::fs::read_to_string(&spec_path)
            .with_context(|| format!("reading {}", spec_path.display()))?;
        let spec: Spec =
            toml::from_str(&text).with_context(|| format!("parsing {}", spec_path.display()))?;
        anyhow::ensure!(
            dir.join("repo").is_dir(),
            "{}: no repo/ directory",
            dir.display()
        );
        tasks.push(SuiteTask { name, dir, spec });
    }
    tasks.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(tasks)
}

async fn run_task(
    config: &Config,
    model: Arc<dyn ChatModel>,
    sandbox: &Sandbox,
    task: &SuiteTask,
    check_timeout: Duration,
    keep: bool,
) -> anyhow::Result<Outcome> {
    let scratch = tempfile::Builder::new()
        .prefix(&format!("nightshift-eval-{}-", task.name))
        .tempdir()?;
    let root = scratch.path().join("repo");
    copy_tree(&task.dir.join("repo"), &root)?;
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=eval",
            "-c",
            "user.email=eval@localhost",
            "commit",
            "-q",
            "-m",
            "starting point",
        ],
    ] {
        git(&root, args).await?;
    }
    let start = git(&root, &["rev-parse", "HEAD"]).await?;

    let mut config = config.clone();
    config.database_path = root.join(".nightshift/nightshift.db");
    config.worker_count = 1;
    config.branch = "main".to_owned();
    let store = SqliteStore::open(&config.database_path).await?;
    let repo = Repo::open(&root, &config.branch, &store.queue_id().await?).await?;
    repo.exclude("/.nightshift/").await?;
    let new = NewTask::new(
        &task.spec.text,
        5,
        serde_json::Value::Null,
        "eval",
        config.max_retries,
    )?;
    let id = store.enqueue(vec![new]).await?[0];

    let started = Instant::now();
    let settings = super::serve::daemon_settings(&config, &repo, sandbox.clone());
    let daemon = Daemon::new(store.clone(), model, repo, settings);
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(daemon.run(shutdown.clone()));
    let final_task = loop {
        let current = store.task(id).await?;
        if current.status.is_final() {
            break current;
        }
        if running.is_finished() {
            anyhow::bail!("the daemon stopped before the task ended");
        }
        tokio::time::sleep(POLL).await;
    };
    let seconds = started.elapsed().as_secs_f64();
    shutdown.cancel();
    running.await??;

    let calls = store.calls_of(id).await?;
    let log = store
        .logs(&LogQuery {
            task_id: Some(id),
            after_id: None,
            before_id: None,
            worker: None,
            min_level: None,
            text: None,
            events: None,
            limit: TASK_LOG_LINES,
        })
        .await?;
    store.close().await;
    let rounds = calls
        .iter()
        .filter(|c| {
            c.outcome == "ok" && ["code", "repair", "resample"].contains(&c.purpose.as_str())
        })
        .count();

    // The check runs on a clone of the branch, with the hidden files on top.
    let checkout = scratch.path().join("check");
    git(
        scratch.path(),
        &["clone", "-q", "--branch", "main", "repo", "check"],
    )
    .await?;
    let check = hidden_check(task, sandbox, &checkout, check_timeout).await?;
    let passed = check.success();

    // The first answer alone, on a clone of the starting point.
    let first = scratch.path().join("first");
    git(scratch.path(), &["clone", "-q", "repo", "first"]).await?;
    git(&first, &["checkout", "-q", "--detach", &start]).await?;
    let first_passed = match attempt::first_answer(&log) {
        Some(answer) => answer_passes(task, sandbox, &first, answer, check_timeout).await?,
        None => false, // no answer: nothing to check
    };
    let detail = if passed {
        String::new()
    } else if final_task.status != TaskStatus::Succeeded {
        final_task.last_error.clone().unwrap_or_default()
    } else {
        check.output.clone()
    };
    let kept = keep.then(|| scratch.keep());
    Ok(Outcome {
        task: task.name.clone(),
        language: task.spec.language.clone(),
        kind: task.spec.kind.clone(),
        seed: config.seed,
        first_passed,
        passed,
        status: final_task.status.as_str().to_owned(),
        attempts: final_task.attempts,
        rounds,
        seconds,
        prompt_tokens: calls.iter().map(|c| c.prompt_tokens).sum(),
        completion_tokens: calls.iter().map(|c| c.completion_tokens).sum(),
        first_token_ms: calls.first().and_then(|c| c.first_token_ms),
        chosen: (final_task.status == TaskStatus::Succeeded)
            .then(|| choice::why_chosen(&log).map(str::to_owned))
            .flatten(),
        detail: excerpt(&detail, 2_000),
        kept,
    })
}

/// Whether `answer`, applied alone in `dir` (the starting point), passes the task's hidden check;
/// an answer that does not parse or apply has nothing to check and does not pass.
async fn answer_passes(
    task: &SuiteTask,
    sandbox: &Sandbox,
    dir: &Path,
    answer: &str,
    timeout: Duration,
) -> anyhow::Result<bool> {
    let applied = reply::parse(answer, &reply::mentioned_files(&task.spec.text))
        .map_err(anyhow::Error::from)
        .and_then(|edits| Ok(apply::apply(dir, &edits)?));
    Ok(match applied {
        Ok(_) => hidden_check(task, sandbox, dir, timeout).await?.success(),
        Err(_) => false,
    })
}

/// Copies the task's hidden files into `checkout` and runs its check there, in the sandbox.
async fn hidden_check(
    task: &SuiteTask,
    sandbox: &Sandbox,
    checkout: &Path,
    timeout: Duration,
) -> anyhow::Result<Finished> {
    let hidden = task.dir.join("hidden");
    if hidden.is_dir() {
        copy_tree(&hidden, checkout)?;
    }
    Ok(sandbox
        .run(checkout, &["sh", "-c", &task.spec.check], timeout)
        .await?)
}

/// Whether `--only` (comma-separated parts of names) chooses the task named `name`.
fn chosen(name: &str, only: Option<&str>) -> bool {
    only.is_none_or(|only| {
        only.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .any(|part| name.contains(part))
    })
}

fn verdict(passed: bool) -> &'static str {
    if passed { "pass" } else { "FAIL" }
}

fn print_table(outcomes: &[Outcome]) {
    println!(
        "{:<34} {:>4} {:<10} {:<12} {:<6} {:<6} {:<9} {:>3} {:>3} {:>6} {:>8} {:>7}",
        "task",
        "seed",
        "language",
        "kind",
        "first",
        "result",
        "status",
        "att",
        "rnd",
        "s",
        "tok in",
        "tok out"
    );
    for o in outcomes {
        println!(
            "{:<34} {:>4} {:<10} {:<12} {:<6} {:<6} {:<9} {:>3} {:>3} {:>6.0} {:>8} {:>7}",
            o.task,
            o.seed,
            o.language,
            o.kind,
            verdict(o.first_passed),
            verdict(o.passed),
            o.status,
            o.attempts,
            o.rounds,
            o.seconds,
            o.prompt_tokens,
            o.completion_tokens
        );
        if let Some(kept) = &o.kept {
            println!("    kept: {}", kept.display());
        }
    }
    let mut seeds: Vec<u32> = outcomes.iter().map(|o| o.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let mut rates = Vec::new();
    for &seed in &seeds {
        let run: Vec<&Outcome> = outcomes.iter().filter(|o| o.seed == seed).collect();
        let rate = Rates::of(&run);
        println!("seed {seed}: {}", rate.line());
        rates.push(rate);
    }
    println!("{}", summary(&rates));
}

/// Mean (range) of `values` over the seeds that have one; `—` if none does.
fn spread(values: &[Option<f64>]) -> String {
    let values: Vec<f64> = values.iter().flatten().copied().collect();
    if values.is_empty() {
        return "—".to_owned();
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{mean:.1} ({min:.1}–{max:.1})")
}

/// The line over every seed: each figure's mean and range; precision over the seeds that landed
/// something, and pooled over every landing.
fn summary(rates: &[Rates]) -> String {
    let over = |f: fn(&Rates) -> f64| spread(&rates.iter().map(|r| Some(f(r))).collect::<Vec<_>>());
    let landed: usize = rates.iter().map(|r| r.landed).sum();
    let right: usize = rates.iter().map(|r| r.landed_passed).sum();
    let precision = if landed == 0 {
        "undefined (nothing landed)".to_owned()
    } else {
        format!(
            "{} % (pooled {right} of {landed}, {:.1} %)",
            spread(&rates.iter().map(Rates::precision).collect::<Vec<_>>()),
            100.0 * right as f64 / landed as f64
        )
    };
    format!(
        "over {} seed(s), mean (range): pass rate {} %, precision {precision}, first answer {} %, \
         prompt tokens per task {}, completion tokens per task {}, median seconds {}, \
         tasks at TASK_TIMEOUT {}",
        rates.len(),
        over(Rates::pass_rate),
        over(Rates::first_rate),
        over(|r| r.prompt_tokens),
        over(|r| r.completion_tokens),
        over(|r| r.median_seconds),
        over(|r| r.timed_out as f64),
    )
}

/// The figures of one run of a suite.
struct Rates {
    tasks: usize,
    passed: usize,
    first: usize,
    /// Tasks that landed a commit.
    landed: usize,
    /// Tasks that landed a commit that passes the hidden check.
    landed_passed: usize,
    /// Tasks whose attempt was ended by `TASK_TIMEOUT`.
    timed_out: usize,
    median_seconds: f64,
    /// Means per task.
    prompt_tokens: f64,
    completion_tokens: f64,
}

impl Rates {
    fn of(run: &[&Outcome]) -> Self {
        let landed: Vec<&&Outcome> = run.iter().filter(|o| o.status == "succeeded").collect();
        let times: Vec<f64> = run.iter().map(|o| o.seconds).collect();
        let per_task = |sum: u64| sum as f64 / run.len().max(1) as f64;
        Self {
            tasks: run.len(),
            passed: run.iter().filter(|o| o.passed).count(),
            first: run.iter().filter(|o| o.first_passed).count(),
            landed: landed.len(),
            landed_passed: landed.iter().filter(|o| o.passed).count(),
            timed_out: run
                .iter()
                .filter(|o| o.detail.starts_with(TIMED_OUT))
                .count(),
            median_seconds: median(times),
            prompt_tokens: per_task(run.iter().map(|o| o.prompt_tokens).sum()),
            completion_tokens: per_task(run.iter().map(|o| o.completion_tokens).sum()),
        }
    }

    fn pass_rate(&self) -> f64 {
        100.0 * self.passed as f64 / self.tasks.max(1) as f64
    }

    fn first_rate(&self) -> f64 {
        100.0 * self.first as f64 / self.tasks.max(1) as f64
    }

    /// Landed commits that pass the hidden check, of landed commits; none when nothing landed
    /// (a run that lands nothing is not precise, it shows nothing of precision).
    fn precision(&self) -> Option<f64> {
        (self.landed > 0).then(|| 100.0 * self.landed_passed as f64 / self.landed as f64)
    }

    /// The run's figures on one line.
    fn line(&self) -> String {
        let precision = self
            .precision()
            .map_or("precision undefined".to_owned(), |p| {
                format!("precision {p:.1}%")
            });
        format!(
            "passed {}/{} ({:.1}%), landed {} of which {} pass ({precision}); the first answer \
             alone {}/{} ({:.1}%); median {:.0} s, {:.0} prompt + {:.0} completion tokens per task; \
             {} at TASK_TIMEOUT",
            self.passed,
            self.tasks,
            self.pass_rate(),
            self.landed,
            self.landed_passed,
            self.first,
            self.tasks,
            self.first_rate(),
            self.median_seconds,
            self.prompt_tokens,
            self.completion_tokens,
            self.timed_out,
        )
    }
}

/// The middle value, or the mean of the two middle ones when there are an even number; 0 when
/// there are none.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[mid],
        _ => (values[mid - 1] + values[mid]) / 2.0,
    }
}

/// `text` cut to about `chars` characters: whole when short; else its first line (what kind of
/// failure: "tests failed:", "syntax error in …") and its end (where the failure is told).
fn excerpt(text: &str, chars: usize) -> String {
    let count = text.chars().count();
    if count <= chars {
        return text.to_owned();
    }
    let head: String = text
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(chars / 10)
        .collect();
    let keep = chars.saturating_sub(head.chars().count() + 3);
    let tail: String = text.chars().skip(count - keep).collect();
    format!("{head}\n…\n{tail}")
}

/// Copies a directory tree (files and directories; symlinks are copied as links).
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Runs git in `dir`; its standard output, trimmed.
async fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = tokio::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .await?;
    anyhow::ensure!(
        out.status.success(),
        "git {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(tasks: usize, passed: usize, landed: usize, landed_passed: usize) -> Rates {
        Rates {
            tasks,
            passed,
            first: 0,
            landed,
            landed_passed,
            timed_out: 0,
            median_seconds: 60.0,
            prompt_tokens: 1_000.0,
            completion_tokens: 500.0,
        }
    }

    #[test]
    fn a_seed_that_lands_nothing_has_no_precision_and_seeds_pool_their_landings() {
        let none = rates(10, 0, 0, 0);
        assert_eq!(none.precision(), None);
        assert!(
            none.line()
                .contains("landed 0 of which 0 pass (precision undefined)")
        );
        let some = [rates(10, 2, 3, 2), none, rates(10, 1, 1, 1)];
        let line = summary(&some);
        // 66.7 and 100 over the two seeds that landed; 3 of 4 landings right.
        assert!(
            line.contains("precision 83.3 (66.7–100.0) % (pooled 3 of 4, 75.0 %)"),
            "{line}"
        );
        assert!(line.contains("pass rate 10.0 (0.0–20.0) %"), "{line}");
        let nothing = summary(&[rates(10, 0, 0, 0)]);
        assert!(
            nothing.contains("precision undefined (nothing landed)"),
            "{nothing}"
        );
    }

    fn outcome(seconds: f64, status: &str, passed: bool, detail: &str) -> Outcome {
        Outcome {
            task: "t".to_owned(),
            language: "python".to_owned(),
            kind: "new-function".to_owned(),
            seed: 1,
            first_passed: false,
            passed,
            status: status.to_owned(),
            attempts: 1,
            rounds: 1,
            seconds,
            prompt_tokens: 100,
            completion_tokens: 50,
            first_token_ms: None,
            chosen: None,
            detail: detail.to_owned(),
            kept: None,
        }
    }

    #[test]
    fn a_run_counts_its_landings_its_timeouts_and_takes_the_middle_of_its_times() {
        let run = [
            outcome(40.0, "succeeded", true, ""),
            outcome(300.0, "failed", false, "timed out after 300 s"),
            outcome(10.0, "succeeded", false, ""),
            outcome(20.0, "failed", false, "tests failed:\ntimed out after 3 s"),
        ];
        let rates = Rates::of(&run.iter().collect::<Vec<_>>());
        assert_eq!((rates.landed, rates.landed_passed), (2, 1));
        // Only an attempt ended by the time limit, not a check whose output says so.
        assert_eq!(rates.timed_out, 1);
        // An even count: the mean of the two middle times (20 and 40), not the upper one.
        assert_eq!(rates.median_seconds, 30.0);
        assert!(
            rates.line().ends_with("; 1 at TASK_TIMEOUT"),
            "{}",
            rates.line()
        );
        let odd = Rates::of(&run[..3].iter().collect::<Vec<_>>());
        assert_eq!(odd.median_seconds, 40.0);
        assert_eq!(Rates::of(&[]).median_seconds, 0.0);
    }

    #[test]
    fn a_long_detail_keeps_its_first_line_and_its_end() {
        assert_eq!(excerpt("tests failed:\nshort", 100), "tests failed:\nshort");
        let long = format!(
            "tests failed:\n{}\nAssertionError: 3 != 4",
            "x".repeat(1_000)
        );
        let cut = excerpt(&long, 300);
        assert!(cut.starts_with("tests failed:\n…\n"), "{cut}");
        assert!(cut.ends_with("AssertionError: 3 != 4"), "{cut}");
        assert!(cut.chars().count() <= 300, "{}", cut.chars().count());
    }
}
