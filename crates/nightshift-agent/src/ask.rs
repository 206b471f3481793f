//! Asking the model: one prompt, `n` answers (the first greedy in an attempt's first round, the
//! rest sampled at seeds of their own), every backend call recorded, every reply logged.

use std::time::Duration;

use nightshift_model::{ChatRequest, Completion, Message, derive_seed};
use nightshift_store::{EventLog, LogEntry, LogLevel, ModelCall, ModelStatsLog, TaskQueue};

use crate::attempt::Attempt;
use crate::edit::EditFormat;
use crate::error::AttemptError;
use crate::reply;

/// Sampling temperature of repair rounds and retries; the first answer decodes greedily.
const RETRY_TEMPERATURE: f32 = 0.7;
/// Most tokens of a reply to a test request. It asks for a short test file with a few plain
/// asserts, a few hundred tokens; a reply longer than this is a small model enumerating cases
/// without end (`f("ab") == 1`, `f("abab") == 2`, … — no two lines alike, so the engine's check
/// for a repeated stretch does not end it), and every token past here costs the task's time
/// limit and nothing else: the test keeps the cases it wrote first.
const TEST_MAX_TOKENS: u32 = 512;
/// The log event of a model's reply; its message is `<purpose> reply from <model>: …` and then,
/// from the second line on, the reply's text.
const REPLY_EVENT: &str = "model";

/// What a request asks the model for; stored as `model_stats.purpose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// The first answer to the task.
    Code,
    /// A fix of a failed answer.
    Repair,
    /// A fresh answer to the task after one failed ([`RepairStrategy::Resample`]).
    Resample,
    /// A test for a task that brought none.
    Test,
}

impl Purpose {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Repair => "repair",
            Self::Resample => "resample",
            Self::Test => "test",
        }
    }

    /// The most tokens a reply may take, of the configured `max_output_tokens`.
    fn max_tokens(self, configured: u32) -> u32 {
        match self {
            Self::Test => configured.min(TEST_MAX_TOKENS),
            Self::Code | Self::Repair | Self::Resample => configured,
        }
    }

    /// The grammar of whole-file replies: a repair may say what was wrong before its files.
    fn grammar(self) -> &'static str {
        match self {
            Self::Repair => reply::REPAIR_GRAMMAR,
            Self::Code | Self::Resample | Self::Test => reply::EDIT_GRAMMAR,
        }
    }
}

impl<S: EventLog + ModelStatsLog + TaskQueue> Attempt<'_, S> {
    /// Asks the model for `n` answers to `messages` in `format`, in `round` of the attempt: one
    /// prompt, the first answer as [`sampling`] says, the rest sampled with seeds of their own.
    /// Returns each reply with `backend/model` that produced it.
    pub(crate) async fn ask(
        &self,
        purpose: Purpose,
        round: u32,
        messages: Vec<Message>,
        format: EditFormat,
        n: u32,
    ) -> Result<Vec<(Completion, String)>, AttemptError> {
        let purpose_name = purpose.as_str();
        // The whole request as sent — instructions, worked example and all — so the task page
        // and `tasks show --full` show exactly what the model saw.
        let shown: Vec<String> = messages
            .iter()
            .map(|m| format!("--- {} ---\n{}", m.role.as_str(), m.content))
            .collect();
        self.log(
            LogLevel::Debug,
            "prompt",
            format!("{purpose_name} request:\n{}", shown.join("\n")),
        )
        .await;
        let (temperature, seed) = sampling(self.settings.seed, self.attempt, round);
        let request = ChatRequest {
            messages,
            max_tokens: purpose.max_tokens(self.settings.max_output_tokens),
            temperature,
            seed,
            grammar: (self.settings.constrained_output && format == EditFormat::Whole)
                .then(|| purpose.grammar().to_owned()),
            n: n.max(1),
        };
        let traced = self.model.complete_all_traced(request).await;
        for call in &traced.calls {
            let row = ModelCall {
                task_id: Some(self.task.id),
                attempt: Some(self.attempt),
                backend: call.backend.clone(),
                model: call.model.clone(),
                purpose: purpose_name.to_owned(),
                prompt_tokens: call.usage.prompt_tokens,
                completion_tokens: call.usage.completion_tokens,
                first_token_ms: call.usage.first_token.map(millis),
                duration_ms: millis(call.duration),
                outcome: call.outcome.to_owned(),
                error: call.error.clone(),
                fallback_from: call.fallback_from.clone(),
            };
            if let Err(err) = self.store.record_call(&row).await {
                tracing::warn!(task_id = self.task.id, %err, "could not record model call");
            }
        }
        let served_by = traced
            .calls
            .last()
            .map(|c| format!("{}/{}", c.backend, c.model))
            .unwrap_or_default();
        let completions = traced.result?;
        let count = completions.len();
        for (i, completion) in completions.iter().enumerate() {
            let which = if count > 1 {
                format!(" (candidate {i} of {count})")
            } else {
                String::new()
            };
            self.log(
                LogLevel::Debug,
                REPLY_EVENT,
                format!(
                    "{purpose_name} reply from {served_by}{which}: {} prompt + {} completion tokens in {} ms\n{}",
                    completion.usage.prompt_tokens,
                    completion.usage.completion_tokens,
                    millis(completion.usage.total),
                    completion.text
                ),
            )
            .await;
        }
        Ok(completions
            .into_iter()
            .map(|completion| (completion, served_by.clone()))
            .collect())
    }
}

/// The model's first answer to the task — the reply to the first request of the first attempt
/// — as the task's log (`EventLog::logs`) keeps it. The eval harness scores it on its own, to
/// measure what the checks and the repair rounds add to it.
pub fn first_answer(log: &[LogEntry]) -> Option<&str> {
    let prefix = format!("{} reply from ", Purpose::Code.as_str());
    log.iter()
        .filter(|entry| entry.event == REPLY_EVENT && entry.attempt == Some(1))
        .find(|entry| entry.message.starts_with(&prefix))
        .and_then(|entry| entry.message.split_once('\n'))
        .map(|(_, text)| text)
}

/// The seed answer `index` of `round` of `attempt` is asked with, under the run's `seed` setting
/// (answer 0 of an attempt's first round decodes greedily: the seed is carried, not used). A
/// scripted model tells the answers it is asked for apart by it.
pub fn answer_seed(run_seed: u32, attempt: u32, round: u32, index: u32) -> u32 {
    nightshift_model::reply_seed(sampling(run_seed, attempt, round).1, index)
}

/// Temperature and seed of a request in `round` of `attempt`: the first answer is the model's
/// most likely one (greedy); every later request samples, because a repair or a retry decoded
/// greedily tends to give back the answer that just failed, at a seed derived from the run's
/// `seed` setting, the attempt and the round — no reply of it draws at a seed another request
/// of the task, or of a run with another `seed`, drew at.
fn sampling(run_seed: u32, attempt: u32, round: u32) -> (f32, u32) {
    if attempt <= 1 && round <= 1 {
        (0.0, run_seed)
    } else {
        (
            RETRY_TEMPERATURE,
            derive_seed(derive_seed(run_seed, attempt), round),
        )
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_answer_is_greedy() {
        assert_eq!(sampling(7, 1, 1), (0.0, 7));
        let later = [(1, 2), (1, 3), (2, 1), (2, 2)];
        assert!(
            later
                .iter()
                .all(|&(attempt, round)| sampling(7, attempt, round).0 == RETRY_TEMPERATURE)
        );
    }

    /// A round resampled asks the same prompt as the round before it: if one of its replies
    /// drew at a seed a reply of that round drew at, it would give back the same answer, and
    /// two copies of one sample would count as two answers that agree. The same across runs
    /// with different `seed` settings (the eval's seeds).
    #[test]
    fn no_reply_of_an_attempt_or_a_run_samples_at_another_ones_seed() {
        let mut seen = std::collections::HashSet::new();
        for run in 1..=5 {
            for attempt in 1..=3 {
                for round in 1..=5 {
                    // The first answer of an attempt's first round decodes greedily.
                    let first = u32::from(attempt == 1 && round == 1);
                    for index in first..8 {
                        assert!(
                            seen.insert(answer_seed(run, attempt, round, index)),
                            "run {run}, attempt {attempt}, round {round}, answer {index}"
                        );
                    }
                }
            }
        }
    }
}
