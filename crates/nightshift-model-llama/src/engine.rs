//! The decode loop behind [`LocalModel`](crate::LocalModel): one thread owns one llama context
//! with a KV stream per sequence, and each step decodes, in a single batch, the next token of every
//! request that is generating plus a slice of the prompts still being read — as llama.cpp's own
//! server does. The weights are read once per step for all sequences, so three requests at once
//! cost little more than one.
//!
//! Requests arrive as [`Job`]s on a channel; when every sequence is busy they wait in arrival
//! order. A request whose receiver is dropped is removed at the next step and its KV cells freed:
//! that is how cancellation reaches the loop.
//!
//! Each step's time is shared out by tokens: a request's caller is credited with the others'
//! share ([`nightshift_model::queue`]), so that a task's time limit counts what was decoded for
//! it and not what was decoded beside it.

use std::collections::{BTreeSet, VecDeque};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::{LlamaChatMessage, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;
use nightshift_model::queue::QueueTime;
use nightshift_model::{ChatRequest, ModelError, Result, StreamEvent, Usage};
use tokio::sync::mpsc;

use crate::local::backend;

/// Tokens decoded per step at most (prompt slices plus one per generating sequence).
const BATCH_TOKENS: usize = 2048;
/// Text is sent to a caller at most this often (and at once for the first token): each send
/// wakes a runtime thread, and on a machine whose every core decodes, a wake-up per token steals
/// time from the decode's worker threads, which wait for each other at every layer.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// Jobs buffered before `LocalModel::stream` waits for the loop to take them.
const QUEUE_CAPACITY: usize = 64;
/// A reply that has come to repeat itself ends there: its last `max(LOOP_SPAN, 2 × p)` tokens
/// are one stretch of `p` tokens over and over. A small model decoding greedily can fall into
/// writing the same line until its token limit (seen with Qwen2.5-Coder-0.5B: one `assert` line
/// for 1,200 tokens), or its whole answer again and again (seen with the 1.5B: two file blocks,
/// three times over, cut mid-file by the limit after six minutes). Nothing after the first
/// copies is worth the wait, and the limit would cut a copy half-way. Thirteen copies of a
/// 20-token line, or two of a 200-token answer, are never code anyone meant to write.
const LOOP_SPAN: usize = 256;

/// Where a sequence's events go: deltas, then `Done` or one error. Unbounded: a request's events
/// are bounded by its token budget, and a slow reader must never stall the other sequences.
pub(crate) type Events = mpsc::UnboundedSender<Result<StreamEvent>>;

/// One request for the loop.
pub(crate) struct Job {
    pub(crate) request: ChatRequest,
    pub(crate) events: Events,
    /// When the caller asked; time to first token counts from here, waiting included.
    pub(crate) started: Instant,
    /// More replies to the same prompt, each sampled its own way: they do not read the prompt,
    /// they take a copy of this job's KV cells once it has, and their first token from the same
    /// logits. The job waits until there is a sequence id for each.
    pub(crate) forks: Vec<Fork>,
    /// Told when the job leaves the queue for sequences of its own: until then the caller
    /// waits its turn ([`nightshift_model::queue::waiting`]).
    pub(crate) begun: Option<tokio::sync::oneshot::Sender<()>>,
    /// The caller's clock ([`nightshift_model::queue::current`]), credited with the time the
    /// batches its sequences share spend on other requests' tokens.
    pub(crate) clock: Option<Arc<QueueTime>>,
}

/// A further reply to a [`Job`]'s prompt.
pub(crate) struct Fork {
    /// Its sampling (temperature, seed); the messages are the job's.
    pub(crate) request: ChatRequest,
    pub(crate) events: Events,
}

/// How the loop's context is shaped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    /// Tokens of context per sequence (prompt plus reply).
    pub(crate) context_tokens: u32,
    /// Sequences decoded together.
    pub(crate) sequences: u32,
    /// CPU threads.
    pub(crate) threads: i32,
}

/// Starts the loop on its own thread. It ends when every sender is dropped.
pub(crate) fn spawn(model: Arc<LlamaModel>, shape: Shape) -> Result<mpsc::Sender<Job>> {
    let (jobs, inbox) = mpsc::channel(QUEUE_CAPACITY);
    std::thread::Builder::new()
        .name("llama-decode".into())
        .spawn(move || run(&model, shape, inbox))
        .map_err(|err| ModelError::Unavailable(format!("starting the decode thread: {err}")))?;
    Ok(jobs)
}

fn run(model: &LlamaModel, shape: Shape, mut inbox: mpsc::Receiver<Job>) {
    match Engine::new(model, shape) {
        Ok(mut engine) => engine.run(&mut inbox),
        Err(err) => {
            tracing::error!(%err, "in-process model cannot run");
            while let Some(job) = inbox.blocking_recv() {
                drop(
                    job.events
                        .send(Err(ModelError::Unavailable(err.to_string()))),
                );
            }
        }
    }
}

struct Engine<'m> {
    model: &'m LlamaModel,
    ctx: LlamaContext<'m>,
    batch: LlamaBatch<'static>,
    shape: Shape,
    /// Sequences in arrival order; the earliest reads its prompt first.
    active: Vec<Sequence>,
    waiting: VecDeque<Job>,
    /// Sequence ids not in use; the lowest is taken first (see [`Engine::step`]).
    free_ids: BTreeSet<i32>,
    /// Number of the next job: the group of its sequence and of its forks.
    next_group: u64,
}

impl<'m> Engine<'m> {
    fn new(model: &'m LlamaModel, shape: Shape) -> Result<Self> {
        let sequences = shape.sequences.max(1);
        // One KV stream per sequence, each `context_tokens` long: a sequence's attention spans
        // only its own cells.
        let n_ctx = shape.context_tokens.saturating_mul(sequences);
        let batch_tokens = BATCH_TOKENS.max(sequences as usize);
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(n_ctx))
            .with_n_seq_max(sequences)
            .with_kv_unified(false)
            // On CPUs, flash attention decodes slower once the context fills: llama-bench on the
            // 0.5B model, 2 threads, AVX2, 800 tokens deep: 35 tok/s without, 28 with.
            .with_flash_attention_policy(llama_cpp_sys_2::LLAMA_FLASH_ATTN_TYPE_DISABLED)
            .with_n_batch(u32::try_from(batch_tokens).unwrap_or(u32::MAX))
            .with_n_ubatch(512)
            .with_n_threads(shape.threads)
            .with_n_threads_batch(shape.threads);
        let ctx = model
            .new_context(backend()?, params)
            .map_err(|err| ModelError::Unavailable(format!("llama context: {err}")))?;
        let ids = i32::try_from(sequences).unwrap_or(i32::MAX);
        Ok(Self {
            model,
            ctx,
            batch: LlamaBatch::new(batch_tokens, 1),
            shape,
            active: Vec::new(),
            waiting: VecDeque::new(),
            free_ids: (0..ids).collect(),
            next_group: 0,
        })
    }

    fn run(&mut self, inbox: &mut mpsc::Receiver<Job>) {
        loop {
            if self.active.is_empty() && self.waiting.is_empty() {
                match inbox.blocking_recv() {
                    Some(job) => self.waiting.push_back(job),
                    None => return,
                }
            }
            while let Ok(job) = inbox.try_recv() {
                self.waiting.push_back(job);
            }
            self.admit();
            self.step();
        }
    }

    /// Starts waiting jobs, in arrival order, while there are sequence ids for them (one for a
    /// job, and one for each of its forks).
    fn admit(&mut self) {
        while let Some(mut job) = self.waiting.pop_front() {
            if job.events.is_closed() && job.forks.iter().all(|f| f.events.is_closed()) {
                continue;
            }
            if self.free_ids.len() < 1 + job.forks.len() {
                self.waiting.push_front(job);
                return;
            }
            if let Some(begun) = job.begun.take() {
                // A caller gone meanwhile: nobody to tell.
                begun.send(()).ok();
            }
            let prepared = self
                .prepare(&job.request)
                .and_then(|(prompt, sampling, budget)| {
                    let forks = job
                        .forks
                        .iter()
                        .map(|fork| self.sampling(&fork.request))
                        .collect::<Result<Vec<_>>>()?;
                    Ok((prompt, sampling, budget, forks))
                });
            let (prompt, sampling, budget, fork_sampling) = match prepared {
                Ok(prepared) => prepared,
                Err(err) => {
                    for fork in &job.forks {
                        drop(fork.events.send(Err(ModelError::rejected(err.to_string()))));
                    }
                    drop(job.events.send(Err(err)));
                    continue;
                }
            };
            let group = self.next_group;
            self.next_group += 1;
            for (fork, sampling) in job.forks.into_iter().zip(fork_sampling) {
                let id = self.free_ids.pop_first().unwrap_or_default();
                let mut seq = Sequence::new(id, prompt.clone(), sampling, budget, fork.events);
                seq.started = job.started;
                seq.group = group;
                seq.clock.clone_from(&job.clock);
                seq.waits_for_prompt = true;
                self.active.push(seq);
            }
            let id = self.free_ids.pop_first().unwrap_or_default();
            let mut seq = Sequence::new(id, prompt, sampling, budget, job.events);
            seq.started = job.started;
            seq.group = group;
            seq.clock = job.clock;
            self.active.push(seq);
        }
    }

    /// The request's prompt tokens, how its tokens are picked, and its reply budget.
    fn prepare(&self, request: &ChatRequest) -> Result<(Vec<LlamaToken>, Sampling, usize)> {
        let model = self.model;
        let template = model
            .chat_template(None)
            .map_err(|err| ModelError::Unavailable(format!("no chat template: {err}")))?;
        let messages = request
            .messages
            .iter()
            .map(|m| LlamaChatMessage::new(m.role.as_str().to_owned(), m.content.clone()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|err| ModelError::rejected(format!("message: {err}")))?;
        let prompt = model
            .apply_chat_template(&template, &messages, true)
            .map_err(|err| ModelError::Generation(format!("chat template: {err}")))?;
        let tokens = model.vocab().tokenize(prompt.as_bytes(), false, true);
        let window = usize::try_from(self.shape.context_tokens).unwrap_or(usize::MAX);
        if tokens.len() + 16 >= window {
            return Err(ModelError::rejected(format!(
                "prompt of {} tokens does not fit the context window of {window}",
                tokens.len()
            )));
        }
        let budget = usize::try_from(request.max_tokens)
            .unwrap_or(usize::MAX)
            .min(window - tokens.len());
        Ok((tokens, self.sampling(request)?, budget))
    }

    /// How the tokens of a reply to `request` are picked.
    fn sampling(&self, request: &ChatRequest) -> Result<Sampling> {
        let model = self.model;
        let grammar = match &request.grammar {
            Some(grammar) => Some(
                LlamaSampler::grammar(model, grammar, "root")
                    .map_err(|err| ModelError::rejected(format!("grammar: {err}")))?,
            ),
            None => None,
        };
        let chain = if request.temperature <= 0.0 {
            LlamaSampler::greedy()
        } else {
            LlamaSampler::chain_simple([
                LlamaSampler::top_k(40),
                LlamaSampler::top_p(0.95, 1),
                LlamaSampler::temp(request.temperature),
                LlamaSampler::dist(request.seed),
            ])
        };
        Ok(Sampling { chain, grammar })
    }

    /// One decode: the pending token of every generating sequence, and slices of the prompts
    /// being read (earliest arrival first) in the room left.
    ///
    /// Tokens go into the batch in ascending sequence id. With a KV stream per sequence,
    /// llama.cpp splits a batch into micro-batches of consecutive sequence ids; out of order,
    /// every sequence would get a micro-batch — and a pass over the weights — of its own.
    fn step(&mut self) {
        let cancelled = self
            .active
            .iter()
            .map(|seq| seq.events.is_closed().then_some(Ended::Cancelled))
            .collect();
        self.retire(cancelled);
        if self.active.is_empty() {
            return;
        }
        self.promote_orphans();
        let capacity = BATCH_TOKENS.max(self.active.len());
        let generating = self.active.iter().filter(|seq| seq.next.is_some()).count();
        let mut room = capacity - generating;
        // (index in `active`, tokens, whether the last one needs logits)
        let mut plan: Vec<(usize, Vec<LlamaToken>, bool)> = Vec::new();
        for (i, seq) in self.active.iter_mut().enumerate() {
            seq.logits_at = None;
            if seq.waits_for_prompt {
                continue;
            }
            if let Some(token) = seq.next {
                plan.push((i, vec![token], true));
                continue;
            }
            let (start, end) = (seq.read, seq.prompt.len().min(seq.read + room));
            if start == end {
                continue;
            }
            seq.read = end;
            seq.prompt_decoded += (end - start) as u64;
            room -= end - start;
            plan.push((i, seq.prompt[start..end].to_vec(), end == seq.prompt.len()));
        }
        plan.sort_by_key(|(i, ..)| self.active[*i].id);
        self.batch.clear();
        let mut added = Ok(());
        let mut tokens_of = Vec::with_capacity(plan.len());
        for (i, tokens, logits) in plan {
            tokens_of.push((i, tokens.len()));
            added = added.and(self.active[i].feed(&mut self.batch, &tokens, logits));
        }
        let began = Instant::now();
        let decoded = added.and_then(|()| {
            self.ctx
                .decode(&mut self.batch)
                .map_err(|err| ModelError::Generation(format!("decode: {err}")))
        });
        let shares = tokens_of
            .iter()
            .map(|&(i, tokens)| (self.active[i].clock.as_ref(), tokens));
        credit_others_share(shares, began.elapsed());
        if let Err(err) = decoded {
            let failed = self
                .active
                .iter()
                .map(|_| Some(Ended::Failed(err.to_string())))
                .collect();
            self.retire(failed);
            return;
        }
        self.fork();
        let ends = self
            .active
            .iter_mut()
            .map(|seq| seq.advance(&self.ctx, self.model))
            .collect();
        self.retire(ends);
    }

    /// Gives each waiting fork whose group's sequence has just read the prompt a copy of its KV
    /// cells, its position, and its logits to sample the first token from.
    fn fork(&mut self) {
        for i in 0..self.active.len() {
            if !self.active[i].waits_for_prompt {
                continue;
            }
            let group = self.active[i].group;
            // The one that decoded the prompt itself, not a fork copied earlier in this loop:
            // that copy only happens at the next decode.
            let Some(leader) = self.active.iter().position(|s| {
                s.group == group
                    && s.prompt_decoded > 0
                    && s.output.is_empty()
                    && s.logits_at.is_some()
            }) else {
                continue;
            };
            let (from, to) = (self.active[leader].id, self.active[i].id);
            if let Err(err) = self.ctx.copy_kv_cache_seq(from, to, None, None) {
                // It reads the prompt itself then.
                tracing::warn!(%err, from, to, "copying a prompt's KV cells");
                self.active[i].read = 0;
                self.active[i].waits_for_prompt = false;
                continue;
            }
            let (position, logits_at) =
                (self.active[leader].position, self.active[leader].logits_at);
            let fork = &mut self.active[i];
            fork.read = fork.prompt.len();
            fork.position = position;
            fork.logits_at = logits_at;
            fork.waits_for_prompt = false;
        }
    }

    /// A fork whose group has no sequence reading the prompt any more (it was cancelled or
    /// failed first) reads it itself; the others of its group go on waiting for that one.
    fn promote_orphans(&mut self) {
        for i in 0..self.active.len() {
            let seq = &self.active[i];
            if !seq.waits_for_prompt {
                continue;
            }
            let group = seq.group;
            let led = self
                .active
                .iter()
                .any(|s| s.group == group && !s.waits_for_prompt && s.output.is_empty());
            if !led {
                let seq = &mut self.active[i];
                seq.read = 0;
                seq.waits_for_prompt = false;
            }
        }
    }

    /// Removes the sequences whose entry in `ends` (one per active sequence, in order) says
    /// they ended, telling their callers and freeing their KV cells and ids.
    fn retire(&mut self, ends: Vec<Option<Ended>>) {
        let active = std::mem::take(&mut self.active);
        for (seq, end) in active.into_iter().zip(ends) {
            let Some(end) = end else {
                self.active.push(seq);
                continue;
            };
            let id = u32::try_from(seq.id).unwrap_or_default();
            if let Err(err) = self.ctx.clear_kv_cache_seq(Some(id), None, None) {
                tracing::warn!(%err, "freeing a sequence's KV cells");
            }
            self.free_ids.insert(seq.id);
            seq.finish(end);
        }
        self.compact();
    }

    /// Keeps the ids in use contiguous from 0, so every step stays one pass over the weights
    /// (see [`Engine::step`]): while a free id is lower than one in use, the sequence with the
    /// highest id moves down into it — llama.cpp copies its KV stream at the next decode.
    fn compact(&mut self) {
        loop {
            let Some(&free) = self.free_ids.first() else {
                return;
            };
            let Some(i) = (0..self.active.len())
                .filter(|&i| self.active[i].id > free)
                .max_by_key(|&i| self.active[i].id)
            else {
                return;
            };
            let from = self.active[i].id;
            let moved = self
                .ctx
                .copy_kv_cache_seq(from, free, None, None)
                .and_then(|()| {
                    self.ctx
                        .clear_kv_cache_seq(u32::try_from(from).ok(), None, None)
                });
            if let Err(err) = moved {
                tracing::warn!(%err, from, to = free, "moving a sequence's KV cells");
                return;
            }
            self.active[i].id = free;
            self.free_ids.remove(&free);
            self.free_ids.insert(from);
        }
    }
}

/// Why a sequence left the loop.
enum Ended {
    /// End of generation or budget spent.
    Done,
    /// Its caller went away.
    Cancelled,
    /// Decoding failed.
    Failed(String),
}

/// How a sequence picks its tokens: a sampler chain, and the grammar the reply must follow.
struct Sampling {
    chain: LlamaSampler,
    grammar: Option<LlamaSampler>,
}

impl Sampling {
    /// The next token from the logits at `index` of the last batch. With a grammar this works as
    /// llama.cpp's server does: the chain picks freely and the grammar checks that one token;
    /// only if it refuses is every candidate filtered by the grammar and the pick made again.
    /// Checking the whole vocabulary (150k tokens) against the grammar at every step costs more
    /// than decoding the token.
    /// If the grammar allows nothing at all, the reply ends (end of sequence).
    fn pick(&mut self, ctx: &LlamaContext<'_>, model: &LlamaModel, index: i32) -> LlamaToken {
        let Some(grammar) = &mut self.grammar else {
            // `sample` also accepts the token into the chain.
            return self.chain.sample(ctx, index);
        };
        let mut candidates = ctx.token_data_array_ith(index);
        let mut free = candidates.clone();
        self.chain.apply(&mut free);
        let picked = free.selected_token();
        let allowed = picked.is_some_and(|token| {
            let mut one =
                LlamaTokenDataArray::new(vec![LlamaTokenData::new(token, 1.0, 0.0)], false);
            grammar.apply(&mut one);
            one.data.first().is_some_and(|d| d.logit().is_finite())
        });
        let token = match picked {
            Some(token) if allowed => token,
            _ => {
                grammar.apply(&mut candidates);
                self.chain.apply(&mut candidates);
                candidates
                    .selected_token()
                    .unwrap_or_else(|| model.vocab().eos())
            }
        };
        grammar.accept(token);
        self.chain.accept(token);
        token
    }
}

/// One request in the loop.
struct Sequence {
    id: i32,
    /// The job it came from (shared by a job's forks).
    group: u64,
    /// A fork that has not yet taken its job's prompt KV cells (see [`Engine::fork`]).
    waits_for_prompt: bool,
    prompt: Vec<LlamaToken>,
    /// Prompt tokens this sequence decoded itself (none for a fork).
    prompt_decoded: u64,
    /// Prompt tokens already in a batch.
    read: usize,
    /// Next KV position.
    position: i32,
    sampling: Sampling,
    /// Sampled, not yet decoded.
    next: Option<LlamaToken>,
    /// Index in the current batch of the logits to sample from.
    logits_at: Option<i32>,
    budget: usize,
    generated: u64,
    /// The tokens generated so far.
    output: Vec<LlamaToken>,
    /// Bytes of a UTF-8 character split across tokens.
    partial: Vec<u8>,
    first_token: Option<Duration>,
    /// When text was last sent.
    flushed: Option<Instant>,
    events: Events,
    started: Instant,
    /// Its caller's clock (see [`Job::clock`]).
    clock: Option<Arc<QueueTime>>,
}

impl Sequence {
    fn new(
        id: i32,
        prompt: Vec<LlamaToken>,
        sampling: Sampling,
        budget: usize,
        events: Events,
    ) -> Self {
        Self {
            id,
            group: 0,
            waits_for_prompt: false,
            read: 0,
            prompt_decoded: 0,
            prompt,
            position: 0,
            sampling,
            next: None,
            logits_at: None,
            budget,
            generated: 0,
            output: Vec::new(),
            partial: Vec::new(),
            first_token: None,
            flushed: None,
            events,
            started: Instant::now(),
            clock: None,
        }
    }

    /// Adds tokens at this sequence's next positions; logits for the last one if asked.
    fn feed(
        &mut self,
        batch: &mut LlamaBatch<'_>,
        tokens: &[LlamaToken],
        logits: bool,
    ) -> Result<()> {
        for (i, token) in tokens.iter().enumerate() {
            let last = logits && i + 1 == tokens.len();
            batch
                .add(*token, self.position, &[self.id], last)
                .map_err(|err| ModelError::Generation(format!("batch: {err}")))?;
            self.position += 1;
        }
        self.next = None;
        if logits {
            self.logits_at = Some(batch.n_tokens() - 1);
        }
        Ok(())
    }

    /// After a decode: samples this sequence's next token, if it had logits in the batch, and
    /// sends its text. Some when the sequence is finished.
    fn advance(&mut self, ctx: &LlamaContext<'_>, model: &LlamaModel) -> Option<Ended> {
        let index = self.logits_at.take()?;
        let token = self.sampling.pick(ctx, model, index);
        let vocab = model.vocab();
        if vocab.is_eog(token) {
            return Some(Ended::Done);
        }
        self.generated += 1;
        self.output.push(token);
        self.first_token
            .get_or_insert_with(|| self.started.elapsed());
        self.partial
            .extend(vocab.token_to_piece(token, false, None));
        let due = self.flushed.is_none_or(|at| at.elapsed() >= FLUSH_EVERY);
        if due && !self.flush() {
            return Some(Ended::Cancelled);
        }
        if usize::try_from(self.generated).unwrap_or(usize::MAX) >= self.budget {
            return Some(Ended::Done);
        }
        if stuck_in_loop(&self.output) {
            tracing::info!(
                tokens = self.generated,
                "reply ended: it repeats itself ({LOOP_SPAN} tokens of one stretch)"
            );
            return Some(Ended::Done);
        }
        self.next = Some(token);
        None
    }

    /// Sends the longest valid UTF-8 prefix of the text not sent yet (a multi-byte character may
    /// span tokens). False if the caller is gone.
    fn flush(&mut self) -> bool {
        let valid = match std::str::from_utf8(&self.partial) {
            Ok(text) => text.len(),
            Err(err) => err.valid_up_to(),
        };
        if valid == 0 {
            return true;
        }
        let text = String::from_utf8_lossy(&self.partial[..valid]).into_owned();
        self.partial.drain(..valid);
        self.flushed = Some(Instant::now());
        self.events.send(Ok(StreamEvent::Delta(text))).is_ok()
    }

    fn finish(self, end: Ended) {
        let event = match end {
            Ended::Cancelled => return,
            Ended::Failed(message) => Err(ModelError::Generation(message)),
            Ended::Done => {
                if !self.partial.is_empty() {
                    let text = String::from_utf8_lossy(&self.partial).into_owned();
                    drop(self.events.send(Ok(StreamEvent::Delta(text))));
                }
                Ok(StreamEvent::Done(Usage {
                    prompt_tokens: self.prompt_decoded,
                    completion_tokens: self.generated,
                    first_token: self.first_token,
                    total: self.started.elapsed(),
                }))
            }
        };
        // The caller may be gone; then nobody needs the event.
        drop(self.events.send(event));
    }
}

/// Credits each clock among `shares` — a batch's sequences, each with its caller's clock if any
/// and the tokens it put in the batch — with `elapsed` × the fraction of the batch's tokens that
/// were not its own. A caller whose requests fill the batch alone is credited nothing.
fn credit_others_share<'c>(
    shares: impl IntoIterator<Item = (Option<&'c Arc<QueueTime>>, usize)>,
    elapsed: Duration,
) {
    let mut total = 0;
    let mut per_clock: Vec<(&Arc<QueueTime>, usize)> = Vec::new();
    for (clock, tokens) in shares {
        total += tokens;
        let Some(clock) = clock else { continue };
        match per_clock.iter_mut().find(|(c, _)| Arc::ptr_eq(c, clock)) {
            Some((_, own)) => *own += tokens,
            None => per_clock.push((clock, tokens)),
        }
    }
    if total == 0 {
        return;
    }
    for (clock, own) in per_clock {
        let others = (total - own) as f64 / total as f64;
        clock.credit(elapsed.mul_f64(others));
    }
}

/// Whether `output` ends in one stretch over and over: for some period `p`, its last
/// `max(LOOP_SPAN, 2 × p)` items repeat the `p` before them (see [`LOOP_SPAN`]).
fn stuck_in_loop<T: PartialEq>(output: &[T]) -> bool {
    let n = output.len();
    if n < LOOP_SPAN {
        return false;
    }
    (1..=n / 2).any(|period| {
        let span = LOOP_SPAN.max(2 * period);
        span <= n
            && output[n - span + period..]
                .iter()
                .rev()
                .zip(output[n - span..n - period].iter().rev())
                .all(|(a, b)| a == b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_caller_is_credited_with_the_others_share_of_a_batch() {
        let (mine, theirs) = (
            Arc::new(QueueTime::default()),
            Arc::new(QueueTime::default()),
        );
        let step = Duration::from_secs(10);
        // Two of mine generating (a token each), one of theirs reading a prompt slice of 6,
        // one outside any task (a token).
        credit_others_share(
            [
                (Some(&mine), 1),
                (Some(&theirs), 6),
                (Some(&mine), 1),
                (None, 1),
            ],
            step,
        );
        assert_eq!(mine.excluded(), step.mul_f64(7.0 / 9.0));
        assert_eq!(theirs.excluded(), step.mul_f64(3.0 / 9.0));
        // A batch of one caller's sequences alone is all its own work.
        credit_others_share([(Some(&mine), 1), (Some(&mine), 1)], step);
        assert_eq!(mine.excluded(), step.mul_f64(7.0 / 9.0));
        credit_others_share(std::iter::empty(), step);
    }

    #[test]
    fn a_reply_repeating_one_line_is_stuck() {
        let line: Vec<u32> = (0..20).collect();
        let mut reply: Vec<u32> = (100..400).collect();
        assert!(!stuck_in_loop(&reply));
        for copies in 1..=20 {
            reply.extend(&line);
            // 12 copies of the line are 240 tokens, not yet the span; the 13th completes it.
            assert_eq!(stuck_in_loop(&reply), copies >= 13, "{copies} copies");
        }
    }

    #[test]
    fn code_with_similar_lines_is_not_stuck() {
        // `assert f(i) == i` for i in 0..: every line alike but for its numbers.
        let reply: Vec<u32> = (0..60)
            .flat_map(|i| [1, 2, 3, 1000 + i, 4, 5, 2000 + i, 6])
            .collect();
        assert!(reply.len() > LOOP_SPAN);
        assert!(!stuck_in_loop(&reply));
        // The same test function twice over, 100 tokens each: short of the span.
        let twice: Vec<u32> = (0..2).flat_map(|_| 0..100).collect();
        assert!(!stuck_in_loop(&twice));
    }

    #[test]
    fn a_reply_writing_its_whole_answer_again_is_stuck_once_it_has_two_copies() {
        let answer: Vec<u32> = (0..300).collect();
        let mut reply: Vec<u32> = (1000..1040).collect();
        reply.extend(&answer);
        assert!(!stuck_in_loop(&reply));
        for (written, token) in answer.iter().enumerate() {
            reply.push(*token);
            assert_eq!(
                stuck_in_loop(&reply),
                written + 1 == answer.len(),
                "{} of the second copy's tokens written",
                written + 1
            );
        }
        // A second copy that departs from the first anywhere is no loop.
        let mut revised: Vec<u32> = (1000..1040).chain(answer.iter().copied()).collect();
        revised.extend(answer.iter().map(|t| if *t == 150 { 9999 } else { *t }));
        assert!(!stuck_in_loop(&revised));
    }
}
