//! `nightshift bench`: measurements on the real queue, in separate processes.
//!
//! - `bench claim` drains the queue in this process — claim, then complete — printing each id
//!   it claimed. Several of these at once are the multi-process contention test.
//! - `bench queue` enqueues tasks, runs `--processes` claimers at once and reports throughput,
//!   failing if any task was claimed twice or missed.

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Subcommand;
use nightshift_store::{AttemptEnd, NewTask, TaskQueue};

use crate::context::Context;

/// Lease of a bench claim; long enough that it never expires mid-cycle.
const BENCH_LEASE: Duration = Duration::from_secs(60);

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// Claim and complete tasks until none is claimable; print each claimed id.
    Claim {
        /// Lease owner name.
        #[arg(long, default_value = "bench")]
        owner: String,
    },
    /// Model throughput: prompt and generation tokens/s, with several requests at once. Runs the
    /// in-process GGUF, or an OpenAI-compatible server with `--server` (e.g. `llama-server -np 3`)
    /// for a side-by-side comparison.
    Model {
        /// Requests at once.
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
        /// Tokens to generate per request.
        #[arg(long, default_value_t = 128)]
        generate: u32,
        /// Rounds to run (the first loads the model and is not counted).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// An OpenAI-compatible server to measure instead of the in-process model.
        #[arg(long)]
        server: Option<String>,
        /// Constrain the replies with the edit format's grammar (as `constrained_output` does),
        /// to measure what the constraint costs.
        #[arg(long)]
        grammar: bool,
        /// Instead: for k = 1..=K replies to one prompt, the batched call (`complete_all`: the
        /// in-process engine reads the prompt once and decodes the k replies together) against k
        /// requests one after another; wall time, tokens/s and their ratio.
        #[arg(long)]
        samples: Option<u32>,
    },
    /// Queue throughput with several claiming processes.
    Queue {
        /// Tasks to enqueue.
        #[arg(long, default_value_t = 2000)]
        tasks: usize,
        /// Claiming processes.
        #[arg(long, default_value_t = 3)]
        processes: usize,
    },
}

impl Cmd {
    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let store = ctx.store().await?;
        match self {
            Self::Claim { owner } => {
                let mut stdout = std::io::stdout().lock();
                while let Some(claim) = store.claim(&owner, BENCH_LEASE).await? {
                    store
                        .finish(
                            &claim.lease,
                            AttemptEnd::Succeeded {
                                summary: format!("bench {owner}"),
                            },
                        )
                        .await?;
                    writeln!(stdout, "{}", claim.task.id)?;
                }
            }
            Self::Model {
                concurrency,
                generate,
                rounds,
                server,
                grammar,
                samples,
            } => {
                let shape = ModelBench {
                    concurrency,
                    generate,
                    rounds,
                    grammar,
                    samples,
                };
                bench_model(ctx, shape, server).await?;
            }
            Self::Queue { tasks, processes } => {
                let new: Vec<NewTask> = (0..tasks)
                    .map(|i| {
                        NewTask::new(
                            &format!("bench task {i}"),
                            5,
                            serde_json::Value::Null,
                            "bench",
                            0,
                        )
                    })
                    .collect::<Result<_, _>>()?;
                let ids: BTreeSet<i64> = store.enqueue(new).await?.into_iter().collect();
                let exe = std::env::current_exe().context("locating the nightshift binary")?;
                let started = Instant::now();
                let children = (0..processes)
                    .map(|n| {
                        tokio::process::Command::new(&exe)
                            .arg("--repo")
                            .arg(&ctx.repo)
                            .args([
                                "-c",
                                &format!("database_path={}", ctx.config.database_path.display()),
                            ])
                            .args(["bench", "claim", "--owner", &format!("bench-{n}")])
                            .stdout(std::process::Stdio::piped())
                            .kill_on_drop(true)
                            .spawn()
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let mut claimed = Vec::new();
                for child in children {
                    let out = child.wait_with_output().await?;
                    anyhow::ensure!(out.status.success(), "a claimer failed");
                    for line in String::from_utf8_lossy(&out.stdout).lines() {
                        claimed.push(line.trim().parse::<i64>()?);
                    }
                }
                let elapsed = started.elapsed();
                let unique: BTreeSet<i64> = claimed.iter().copied().collect();
                anyhow::ensure!(
                    unique.len() == claimed.len(),
                    "{} claims were duplicates",
                    claimed.len() - unique.len()
                );
                anyhow::ensure!(ids.is_subset(&unique), "some tasks were never claimed");
                println!(
                    "{} tasks, {processes} processes: {:.0} claim+complete cycles/s ({:.2} s)",
                    claimed.len(),
                    claimed.len() as f64 / elapsed.as_secs_f64(),
                    elapsed.as_secs_f64()
                );
            }
        }
        Ok(())
    }
}

/// A prompt of roughly 800 tokens that invites a long answer. `nonce` opens it, so no server can
/// answer it from a prompt cache.
fn long_prompt(nonce: &str) -> Vec<nightshift_model::Message> {
    let context: String = (0..40)
        .map(|i| {
            format!(
                "def helper_{i}(value):\n    return value * {i} + {}\n\n",
                i * 7
            )
        })
        .collect();
    vec![
        nightshift_model::Message::system(format!(
            "Request {nonce}. You are an expert Python programmer."
        )),
        nightshift_model::Message::user(format!(
            "{context}\nWrite a long, fully documented Python module that implements a priority queue \
             class with push, pop, peek, len and iteration, followed by many examples."
        )),
    ]
}

/// `bench model --samples K`: for each k, `rounds` pairs of measurements (the batched call, then
/// the same k replies requested one after another), the first pair a warm-up; reports the
/// medians.
async fn bench_samples(
    model: &dyn nightshift_model::ChatModel,
    request: &dyn Fn(String) -> nightshift_model::ChatRequest,
    k_max: u32,
    rounds: usize,
) -> anyhow::Result<()> {
    // A distinct prompt per measurement: a server may cache prompts between requests.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    println!(
        "k | batched wall s | tokens (prompt+generated) | tok/s | sequential wall s | tokens | tok/s | sequential/batched wall"
    );
    println!("---|---|---|---|---|---|---|---");
    for k in 1..=k_max.max(1) {
        let (mut batched, mut sequential) = (Vec::new(), Vec::new());
        for round in 0..rounds.max(2) {
            let mut asked = request(format!("{run}.{k}.{round}.b"));
            asked.n = k;
            let started = Instant::now();
            let replies = model.complete_all(asked).await?;
            let tokens: u64 = replies
                .iter()
                .map(|r| r.usage.prompt_tokens + r.usage.completion_tokens)
                .sum();
            let wall = started.elapsed().as_secs_f64();
            let asked = request(format!("{run}.{k}.{round}.s"));
            let started = Instant::now();
            let mut seq_tokens = 0;
            for i in 0..k {
                let usage = model.complete(asked.candidate(i)).await?.usage;
                seq_tokens += usage.prompt_tokens + usage.completion_tokens;
            }
            let seq_wall = started.elapsed().as_secs_f64();
            if round > 0 {
                batched.push((wall, tokens));
                sequential.push((seq_wall, seq_tokens));
            }
        }
        let median = |v: &mut Vec<(f64, u64)>| {
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            v[v.len() / 2]
        };
        let (b_wall, b_tokens) = median(&mut batched);
        let (s_wall, s_tokens) = median(&mut sequential);
        println!(
            "{k} | {b_wall:.2} | {b_tokens} | {:.1} | {s_wall:.2} | {s_tokens} | {:.1} | {:.2}",
            b_tokens as f64 / b_wall,
            s_tokens as f64 / s_wall,
            s_wall / b_wall
        );
    }
    Ok(())
}

/// What `bench model` runs.
struct ModelBench {
    concurrency: usize,
    generate: u32,
    rounds: usize,
    grammar: bool,
    samples: Option<u32>,
}

async fn bench_model(
    ctx: &Context,
    shape: ModelBench,
    server: Option<String>,
) -> anyhow::Result<()> {
    let ModelBench {
        concurrency,
        generate,
        rounds,
        grammar,
        samples,
    } = shape;
    use nightshift_model::ChatModel;
    let model: std::sync::Arc<dyn ChatModel> = match &server {
        Some(url) => std::sync::Arc::new(nightshift_model_http::OpenAiCompatible::new(
            nightshift_model_http::HttpSettings::new(url, "bench"),
        )?),
        None => std::sync::Arc::new(nightshift_model_llama::LocalModel::new(
            nightshift_model_llama::LocalModelOptions {
                path: ctx.config.model_path.clone(),
                context_tokens: ctx.config.context_tokens,
                threads: ctx.config.threads,
                sequences: samples
                    .unwrap_or(1)
                    .max(u32::try_from(concurrency).unwrap_or(1)),
            },
        )?),
    };
    let request = |nonce: String| nightshift_model::ChatRequest {
        messages: long_prompt(&nonce),
        max_tokens: generate,
        temperature: 0.0,
        seed: 1,
        grammar: grammar.then(|| nightshift_agent::reply::EDIT_GRAMMAR.to_owned()),
        n: 1,
    };
    if let Some(k_max) = samples {
        println!(
            "{}: k replies to one prompt, batched vs one after another",
            server.as_deref().unwrap_or("in-process")
        );
        return bench_samples(model.as_ref(), &request, k_max, rounds).await;
    }
    println!(
        "{} ({} at once{})",
        server.as_deref().unwrap_or("in-process"),
        concurrency,
        if grammar { ", edit-format grammar" } else { "" }
    );
    // Distinct per run too: a server keeps its prompt cache between runs.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    for round in 0..rounds {
        let started = Instant::now();
        let replies = futures::future::join_all(
            (0..concurrency).map(|i| model.complete(request(format!("{run}.{round}.{i}")))),
        )
        .await;
        let wall = started.elapsed().as_secs_f64();
        let mut prompt_rate = Vec::new();
        let mut generated = 0u64;
        let mut gen_rate = Vec::new();
        for reply in replies {
            let usage = reply?.usage;
            let first = usage.first_token.unwrap_or(usage.total).as_secs_f64();
            prompt_rate.push(usage.prompt_tokens as f64 / first.max(1e-9));
            generated += usage.completion_tokens;
            let gen_time = (usage.total.as_secs_f64() - first).max(1e-9);
            gen_rate.push(usage.completion_tokens.saturating_sub(1) as f64 / gen_time);
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        println!(
            "round {round}{}: prompt {:.1} tok/s per request, generation {:.1} tok/s per request, \
             aggregate {:.1} generated tok/s ({generated} tokens in {wall:.2} s)",
            if round == 0 { " (warm-up)" } else { "" },
            mean(&prompt_rate),
            mean(&gen_rate),
            generated as f64 / wall
        );
    }
    Ok(())
}
