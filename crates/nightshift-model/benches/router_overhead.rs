//! Router overhead per call: the same in-memory backend called directly and through a
//! one-route router (semaphore, circuit, call record). Run: `cargo bench -p nightshift-model`.
#![allow(clippy::unwrap_used, missing_docs)] // a benchmark: a failure should abort loudly

use std::sync::Arc;

use async_trait::async_trait;
use criterion::{Criterion, criterion_group, criterion_main};
use nightshift_model::router::{Route, Router, RouterPolicy};
use nightshift_model::{
    Availability, ChatModel, ChatRequest, EventStream, Message, Result, StreamEvent, Usage,
};

/// Replies at once from memory: what is left to measure is the caller's own cost.
struct Instant;

#[async_trait]
impl ChatModel for Instant {
    fn backend(&self) -> &'static str {
        "memory"
    }
    fn model(&self) -> String {
        "echo".to_owned()
    }
    async fn stream(&self, _request: ChatRequest) -> Result<EventStream> {
        let events = vec![
            Ok(StreamEvent::Delta("ok".to_owned())),
            Ok(StreamEvent::Done(Usage::default())),
        ];
        Ok(Box::pin(futures::stream::iter(events)))
    }
    async fn probe(&self) -> Availability {
        Availability::Available
    }
}

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![Message::user("hi")],
        max_tokens: 8,
        temperature: 0.0,
        seed: 1,
        grammar: None,
        n: 1,
    }
}

fn overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let direct: Arc<dyn ChatModel> = Arc::new(Instant);
    let router = Router::new(
        vec![Route::new(Arc::new(Instant), 4)],
        RouterPolicy::default(),
    );
    let mut group = c.benchmark_group("model_call");
    group.bench_function("direct", |b| {
        b.iter(|| {
            runtime
                .block_on(direct.complete_traced(request()))
                .result
                .unwrap()
        })
    });
    group.bench_function("router", |b| {
        b.iter(|| {
            runtime
                .block_on(router.complete_traced(request()))
                .result
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
