//! The in-process backend on the real Qwen2.5-Coder GGUF, and GGUF validation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failure should panic

use std::path::PathBuf;

use futures::StreamExt;
use nightshift_model::{ChatModel, ChatRequest, Message, StreamEvent};
use nightshift_model_llama::gguf::{self, GgufError};
use nightshift_model_llama::{LocalModel, LocalModelOptions};

fn model_path() -> PathBuf {
    std::env::var_os("NIGHTSHIFT_TEST_MODEL")
        .map(PathBuf::from)
        .or_else(nightshift_model_llama::fetch::default_model_path)
        .expect("HOME is set")
}

fn options() -> LocalModelOptions {
    LocalModelOptions {
        path: model_path(),
        context_tokens: 2048,
        threads: 0,
        sequences: 2,
    }
}

fn model() -> LocalModel {
    LocalModel::new(options())
        .expect("the real model is needed: `nightshift model fetch` (scripts/test runs it)")
}

fn request(max_tokens: u32) -> ChatRequest {
    ChatRequest {
        messages: vec![
            Message::system("You are a helpful coding assistant."),
            Message::user("Write a Python function that returns the square of a number."),
        ],
        max_tokens,
        temperature: 0.0,
        seed: 1,
        grammar: None,
        n: 1,
    }
}

#[tokio::test]
async fn generates_with_usage_and_deterministic_greedy_decoding() {
    let model = model();
    assert_eq!(model.backend(), "gguf");
    assert!(
        model.model().contains("Qwen2.5 Coder 0.5B"),
        "{}",
        model.model()
    );
    let first = model.complete(request(48)).await.unwrap();
    assert!(first.text.contains("def "), "{}", first.text);
    assert!(first.usage.prompt_tokens > 10);
    assert!(first.usage.completion_tokens > 0 && first.usage.completion_tokens <= 48);
    assert!(first.usage.first_token.unwrap() <= first.usage.total);
    let second = model.complete(request(48)).await.unwrap();
    assert_eq!(first.text, second.text, "greedy decoding is deterministic");
}

#[tokio::test]
async fn dropping_the_stream_stops_generation_and_concurrent_requests_share_the_weights() {
    let model = model();
    let mut stream = model.stream(request(400)).await.unwrap();
    let mut deltas = 0;
    while let Some(event) = stream.next().await {
        if let StreamEvent::Delta(_) = event.unwrap() {
            deltas += 1;
            if deltas == 3 {
                break;
            }
        }
    }
    drop(stream);
    // Two requests at once on one loaded model: both complete.
    let (a, b) = tokio::join!(model.complete(request(16)), model.complete(request(16)));
    assert_eq!(a.unwrap().text, b.unwrap().text);
}

#[test]
fn a_gguf_without_chat_template_is_refused() {
    // A minimal valid GGUF v3: one string key (general.architecture), no tensors.
    let mut bytes = b"GGUF".to_vec();
    bytes.extend(3u32.to_le_bytes());
    bytes.extend(0u64.to_le_bytes()); // tensors
    bytes.extend(1u64.to_le_bytes()); // keys
    let key = b"general.architecture";
    bytes.extend((key.len() as u64).to_le_bytes());
    bytes.extend(key);
    bytes.extend(8u32.to_le_bytes()); // string
    bytes.extend(5u64.to_le_bytes());
    bytes.extend(b"llama");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-template.gguf");
    std::fs::write(&path, bytes).unwrap();
    let err = gguf::validate(&path).unwrap_err();
    assert!(matches!(err, GgufError::NoChatTemplate(_)), "{err}");
    assert!(err.to_string().contains("no chat template"), "{err}");
}

#[test]
fn the_real_model_validates() {
    let info = gguf::validate(&model_path()).unwrap();
    assert_eq!(info.architecture.as_deref(), Some("qwen2"));
    assert_eq!(info.file_bytes, 491_400_064);
    assert_eq!(info.tensors, 291);
}

#[tokio::test]
async fn a_grammar_constrains_the_reply_to_the_edit_format() {
    let model = model();
    let mut request = request(200);
    // Asked for prose, the model must still answer with a file block.
    request.messages = vec![Message::user(
        "Just say hello in one plain sentence, no code.",
    )];
    request.grammar = Some(nightshift_agent::reply::EDIT_GRAMMAR.to_owned());
    let completion = model.complete(request).await.unwrap();
    let edits = nightshift_agent::reply::parse(&completion.text, &[]).unwrap_or_else(|err| {
        panic!("{err}: {:?}", completion.text);
    });
    assert!(!edits.is_empty());
    assert!(completion.text.starts_with("```"), "{:?}", completion.text);

    // Under the grammar a reply still ends when the model is done — free lines may follow the
    // blocks — rather than running on with block after block to the token limit.
    let mut code = self::request(400);
    code.messages[0] = Message::system(
        "Answer with the complete file in a fenced code block whose opening fence is followed \
         by the file's path, like ```python app/calc.py",
    );
    code.grammar = Some(nightshift_agent::reply::EDIT_GRAMMAR.to_owned());
    let completion = model.complete(code).await.unwrap();
    assert_eq!(
        nightshift_agent::reply::parse(&completion.text, &[])
            .unwrap_or_else(|err| panic!("{err}: {:?}", completion.text))
            .len(),
        1,
        "{:?}",
        completion.text
    );
    assert!(
        completion.usage.completion_tokens < 400,
        "{:?}",
        completion.text
    );

    // The repair grammar lets a sentence come first; the files must still follow.
    let mut repair = self::request(300);
    repair.messages = vec![Message::user(
        "calc.py holds `def add(a, b):\n    return a - b` and test_calc.py fails with \
         `assert add(2, 2) == 4`. First say in one sentence what is wrong, then give the \
         corrected calc.py in a fenced block whose opening fence is followed by its path.",
    )];
    repair.grammar = Some(nightshift_agent::reply::REPAIR_GRAMMAR.to_owned());
    let completion = model.complete(repair).await.unwrap();
    let edits = nightshift_agent::reply::parse(&completion.text, &[])
        .unwrap_or_else(|err| panic!("{err}: {:?}", completion.text));
    assert_eq!(edits.len(), 1, "{:?}", completion.text);

    let mut yes_no = self::request(8);
    yes_no.grammar = Some(r#"root ::= "yes" | "no""#.to_owned());
    let answer = model.complete(yes_no).await.unwrap();
    assert!(
        answer.text == "yes" || answer.text == "no",
        "{:?}",
        answer.text
    );
}

#[tokio::test]
async fn requests_beyond_the_sequences_wait_their_turn_and_a_cancelled_one_frees_its_place() {
    let model = model(); // two sequences
    // Occupy one sequence, then cancel it after its first tokens while three more are queued.
    let mut doomed = model.stream(request(400)).await.unwrap();
    let queued = futures::future::join_all((0..3).map(|_| model.complete(request(24))));
    let cancel = async {
        let mut deltas = 0;
        while let Some(event) = doomed.next().await {
            if let StreamEvent::Delta(_) = event.unwrap() {
                deltas += 1;
                if deltas == 2 {
                    break;
                }
            }
        }
        drop(doomed);
    };
    let (replies, ()) = tokio::join!(queued, cancel);
    for reply in replies {
        let reply = reply.unwrap();
        assert!(reply.usage.completion_tokens > 0 && reply.usage.completion_tokens <= 24);
        assert!(
            reply.text.contains("def") || reply.text.contains("square"),
            "{}",
            reply.text
        );
    }
}

#[tokio::test]
async fn a_sequence_moved_into_a_freed_place_keeps_its_context() {
    // Three sequences: when the first (id 0) ends, the one with id 2 moves into its place (its
    // KV cells copied) so the two left still decode in one pass. Its reply must be the one it
    // would have written alone.
    let model = LocalModel::new(LocalModelOptions {
        path: model_path(),
        context_tokens: 2048,
        threads: 0,
        sequences: 3,
    })
    .unwrap();
    let ask = |question: &str, max_tokens: u32| ChatRequest {
        messages: vec![
            Message::system("You are a helpful coding assistant."),
            Message::user(question),
        ],
        max_tokens,
        temperature: 0.0,
        seed: 1,
        grammar: None,
        n: 1,
    };
    let square = "Write a Python function that returns the square of a number.";
    let cube = "Write a JavaScript function named cube that returns the cube of a number.";
    let alone = model.complete(ask(cube, 40)).await.unwrap().text;
    let (short, long, moved) = tokio::join!(
        model.complete(ask(square, 2)),
        model.complete(ask(square, 40)),
        model.complete(ask(cube, 40)),
    );
    assert_eq!(short.unwrap().usage.completion_tokens, 2);
    assert!(long.unwrap().text.contains("def"));
    let moved = moved.unwrap().text;
    assert!(moved.contains("cube"), "{moved}");
    assert_eq!(
        moved, alone,
        "the moved sequence continues as it would have alone"
    );
}

#[tokio::test]
async fn several_replies_share_one_reading_of_the_prompt() {
    // Three sequences: replies 0–2 share a prompt (two forks), reply 3 reads it again.
    let model = LocalModel::new(LocalModelOptions {
        sequences: 3,
        ..options()
    })
    .unwrap();
    let mut asked = request(40);
    asked.n = 4;
    let replies = model.complete_all(asked.clone()).await.unwrap();
    assert_eq!(replies.len(), 4);
    let prompt = replies[0].usage.prompt_tokens;
    assert!(prompt > 10);
    for fork in &replies[1..3] {
        assert_eq!(fork.usage.prompt_tokens, 0, "the fork copied the KV cells");
    }
    assert_eq!(replies[3].usage.prompt_tokens, prompt);
    for reply in &replies {
        assert!(reply.usage.completion_tokens > 0, "{reply:?}");
    }
    // Reply 0 is the greedy answer, and a fork decodes what its request decodes alone: the
    // copied cells are the prompt's.
    for (i, reply) in (0..).zip(&replies) {
        let alone = model.complete(asked.candidate(i)).await.unwrap();
        assert_eq!(reply.text, alone.text, "reply {i}");
    }
    assert_eq!(asked.candidate(0).temperature, 0.0);
}

#[tokio::test]
async fn a_request_decoded_beside_another_is_credited_with_the_others_share_of_the_batches() {
    use nightshift_model::queue::{self, QueueTime};
    use std::sync::Arc;
    let model = model(); // two sequences
    // Alone, every token of every batch is its own: nothing to credit but the instant it took
    // to be given its sequence.
    let alone = Arc::new(QueueTime::default());
    let started = std::time::Instant::now();
    queue::counting(Arc::clone(&alone), model.complete(request(32)))
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(
        alone.excluded() < took / 20,
        "{:?} of {took:?}",
        alone.excluded()
    );
    // Two callers, the same prompt and budget, decoded in the same batches: each is credited
    // with about half of the time, the half spent on the other's tokens.
    let (mine, theirs) = (
        Arc::new(QueueTime::default()),
        Arc::new(QueueTime::default()),
    );
    let started = std::time::Instant::now();
    let (a, b) = tokio::join!(
        queue::counting(Arc::clone(&mine), model.complete(request(32))),
        queue::counting(Arc::clone(&theirs), model.complete(request(32))),
    );
    let took = started.elapsed();
    assert_eq!(a.unwrap().text, b.unwrap().text);
    for clock in [&mine, &theirs] {
        let credited = clock.excluded();
        assert!(
            credited > took / 4 && credited < took * 3 / 4,
            "{credited:?} of {took:?}"
        );
    }
}
