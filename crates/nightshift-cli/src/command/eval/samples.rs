//! `nightshift eval SUITE --samples K`: the ceiling of choosing among first answers.
//!
//! For each task, the first prompt an attempt would send (the same context, format and grammar)
//! is asked for K replies at once ([`ChatModel::complete_all`]: reply 0 greedy, the others
//! sampled), and each reply is applied alone to the starting point and scored by the hidden
//! check. pass@1 is reply 0; the oracle pass@j is whether any of the first j replies passes — what
//! a perfect selector among j candidates would land, and so the most any selection by evidence
//! can reach. No checks of nightshift's own and no repair run here: this measures the model and
//! the prompt, not the loop. `--seeds N` repeats it with the sampling seeds moved, for a mean
//! and a range.

use std::path::Path;
use std::time::{Duration, Instant};

use nightshift_agent::{prompt, reply};
use nightshift_config::Config;
use nightshift_model::{ChatModel, ChatRequest};
use nightshift_sandbox::Sandbox;
use serde::Serialize;

use super::{SuiteTask, answer_passes, copy_tree, git};

/// What the first prompt carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Framing {
    /// What an attempt sends: instructions, a worked example, the repository map, the files
    /// ranked relevant.
    Full,
    /// The instructions, the files the task names, and the task.
    Minimal,
}

/// One task under one seed.
#[derive(Debug, Serialize)]
pub(super) struct Sampled {
    task: String,
    seed: u32,
    /// Whether each reply, applied alone, passes the hidden check (reply 0 is the greedy one).
    passed: Vec<bool>,
    prompt_tokens: u64,
    completion_tokens: u64,
    seconds: f64,
}

/// Scores `k` replies per task of `tasks` under `seed`, `jobs` tasks at once.
pub(super) async fn run(
    config: &Config,
    model: &dyn ChatModel,
    sandbox: &Sandbox,
    tasks: &[SuiteTask],
    (k, seed, framing): (u32, u32, Framing),
    jobs: usize,
    check_timeout: Duration,
) -> Vec<Sampled> {
    use futures::StreamExt as _;
    futures::stream::iter(tasks)
        .map(|task| async move {
            let sampled = sample_task(
                config,
                model,
                sandbox,
                task,
                (k, seed, framing),
                check_timeout,
            )
            .await;
            let sampled = sampled.unwrap_or_else(|err| {
                eprintln!("{}: {err:#}", task.name);
                Sampled {
                    task: task.name.clone(),
                    seed,
                    passed: vec![false; k as usize],
                    prompt_tokens: 0,
                    completion_tokens: 0,
                    seconds: 0.0,
                }
            });
            let marks: String = sampled
                .passed
                .iter()
                .map(|p| if *p { '+' } else { '.' })
                .collect();
            eprintln!(
                "{marks} {} (seed {seed}, {:.0} s)",
                sampled.task, sampled.seconds
            );
            sampled
        })
        .buffer_unordered(jobs)
        .collect()
        .await
}

async fn sample_task(
    config: &Config,
    model: &dyn ChatModel,
    sandbox: &Sandbox,
    task: &SuiteTask,
    (k, seed, framing): (u32, u32, Framing),
    check_timeout: Duration,
) -> anyhow::Result<Sampled> {
    let scratch = tempfile::Builder::new()
        .prefix(&format!("nightshift-samples-{}-", task.name))
        .tempdir()?;
    let start = scratch.path().join("start");
    copy_tree(&task.dir.join("repo"), &start)?;
    let text = task.spec.text.as_str();
    let files: Vec<String> = walk(&start)?;
    let mentioned = reply::mentioned_files(text);
    let budget = prompt::Budget::fitted(config.context_tokens, config.max_output_tokens)
        .capped(super::super::serve::prompt_tokens(config));
    let context = prompt::gather(&start, &files, text, &mentioned, budget);
    let format = super::super::serve::edit_format(config);
    let messages = match framing {
        Framing::Full => prompt::code_request(format, text, &context),
        Framing::Minimal => {
            let named: Vec<prompt::ContextFile> = mentioned
                .iter()
                .filter_map(|path| {
                    let content = nightshift_workspace::read_text(&start, path)?;
                    Some(prompt::ContextFile {
                        path: path.clone(),
                        content,
                    })
                })
                .collect();
            prompt::minimal_code_request(format, text, &named)
        }
    };
    let request = ChatRequest {
        messages,
        max_tokens: config.max_output_tokens,
        temperature: 0.0,
        seed,
        grammar: (config.constrained_output && format == nightshift_agent::EditFormat::Whole)
            .then(|| reply::EDIT_GRAMMAR.to_owned()),
        n: k,
    };
    let started = Instant::now();
    let replies = model.complete_all(request).await?;
    let seconds = started.elapsed().as_secs_f64();
    let mut passed = Vec::with_capacity(replies.len());
    for (i, answer) in replies.iter().enumerate() {
        let dir = scratch.path().join(format!("reply-{i}"));
        copy_tree(&start, &dir)?;
        git(&dir, &["init", "-q"]).await?;
        passed.push(answer_passes(task, sandbox, &dir, &answer.text, check_timeout).await?);
    }
    Ok(Sampled {
        task: task.name.clone(),
        seed,
        passed,
        prompt_tokens: replies.iter().map(|r| r.usage.prompt_tokens).sum(),
        completion_tokens: replies.iter().map(|r| r.usage.completion_tokens).sum(),
        seconds,
    })
}

/// The repository's files, relative, sorted (what `git ls-files` lists in a fresh repository).
fn walk(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_owned()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                dirs.push(entry.path());
            } else if kind.is_file()
                && let Ok(rel) = entry.path().strip_prefix(root)
            {
                files.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// pass@1 and the oracle pass@j, for each j of `ks` up to the replies there are, per seed:
/// `(j, [percent for each seed])`.
pub(super) fn rates(sampled: &[Sampled], seeds: &[u32], ks: &[usize]) -> Vec<(usize, Vec<f64>)> {
    ks.iter()
        .map(|&j| {
            let per_seed = seeds
                .iter()
                .map(|seed| {
                    let runs: Vec<&Sampled> = sampled.iter().filter(|s| s.seed == *seed).collect();
                    let hits = runs
                        .iter()
                        .filter(|s| s.passed.iter().take(j).any(|p| *p))
                        .count();
                    100.0 * hits as f64 / runs.len().max(1) as f64
                })
                .collect();
            (j, per_seed)
        })
        .collect()
}

/// Prints the rates as `pass@j: mean (min–max) over N seeds`.
pub(super) fn print_rates(rates: &[(usize, Vec<f64>)]) {
    for (j, per_seed) in rates {
        let mean = per_seed.iter().sum::<f64>() / per_seed.len().max(1) as f64;
        let min = per_seed.iter().copied().fold(f64::INFINITY, f64::min);
        let max = per_seed.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let label = if *j == 1 { "pass@1" } else { "oracle pass@" };
        let j = if *j == 1 {
            String::new()
        } else {
            j.to_string()
        };
        println!(
            "{label}{j}: {mean:.1} % ({min:.1}–{max:.1}) over {} seed(s)",
            per_seed.len()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sampled(task: &str, seed: u32, passed: &[bool]) -> Sampled {
        Sampled {
            task: task.to_owned(),
            seed,
            passed: passed.to_vec(),
            prompt_tokens: 0,
            completion_tokens: 0,
            seconds: 0.0,
        }
    }

    #[test]
    fn the_oracle_counts_a_task_once_any_of_its_first_j_replies_passes() {
        let runs = [
            sampled("a", 1, &[true, false, false]),
            sampled("b", 1, &[false, false, true]),
            sampled("c", 1, &[false, false, false]),
            sampled("a", 2, &[true, true, false]),
            sampled("b", 2, &[false, true, false]),
            sampled("c", 2, &[false, false, false]),
        ];
        let rates = rates(&runs, &[1, 2], &[1, 2, 3]);
        let pct = |n: f64| 100.0 * n / 3.0;
        assert_eq!(rates[0], (1, vec![pct(1.0), pct(1.0)]));
        assert_eq!(rates[1], (2, vec![pct(1.0), pct(2.0)]));
        assert_eq!(rates[2], (3, vec![pct(2.0), pct(2.0)]));
    }
}
