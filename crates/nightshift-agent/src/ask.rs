//! Asking the model: one prompt, `n` answers (the first greedy in an attempt's first round, the
//! rest sampled at seeds of their own), every backend call recorded, every reply logged.

use std::time::Duration;

use nightshift_model::{ChatRequest, Completion, Message};
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
        let (temperature, seed) = sampling(self.attempt, round);
        let request = ChatRequest {
            messages,
            max_tokens: purpose.max_tokens(self.settings.max_output_tokens),
            temperature,
            seed: seed.wrapping_add(self.settings.seed),
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

/// Temperature and seed of a request in `round` of `attempt`: the first answer is the model's
/// most likely one (greedy); every later request samples, with a seed of its own, because a
/// repair or a retry decoded greedily tends to give back the answer that just failed.
fn sampling(attempt: u32, round: u32) -> (f32, u32) {
    if attempt <= 1 && round <= 1 {
        (0.0, 0)
    } else {
        (
            RETRY_TEMPERATURE,
            attempt.saturating_mul(1_000).saturating_add(round),
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
        assert_eq!(sampling(1, 1), (0.0, 0));
        let later = [
            sampling(1, 2),
            sampling(1, 3),
            sampling(2, 1),
            sampling(2, 2),
        ];
        assert!(later.iter().all(|&(t, _)| t == RETRY_TEMPERATURE));
        let mut seeds: Vec<u32> = later.iter().map(|&(_, s)| s).collect();
        seeds.dedup();
        assert_eq!(seeds.len(), later.len(), "each request has its own seed");
    }
}
