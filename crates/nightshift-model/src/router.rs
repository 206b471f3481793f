//! The router: an ordered fallback chain of backends.
//!
//! For each request the router walks the chain in order. A backend whose circuit is open is
//! skipped. Errors decide what happens next, by class ([`ErrorClass`], an exhaustive match):
//! - *transient* (connection refused, timeouts, 5xx, broken streams): retried on the same
//!   backend with backoff, up to `transient_retries` times, then the next backend;
//! - *unavailable* (no model, no key): the next backend at once, and the circuit opens;
//! - *rate limited* (429): the next backend if there is one; if every backend failed and one of
//!   them was rate limited, the request fails as `RateLimited` with the soonest `Retry-After`,
//!   so the caller can park the task until then instead of failing it;
//! - *rejected* (400-class): no switch, the request fails with the reason;
//! - *unusable* (a reply over the size limit): no switch, the request fails, and the backend's
//!   circuit counts a success: it answered, and one hostile or runaway reply must not shut it
//!   out for every other task.
//!
//! Each backend has a concurrency limit (a semaphore) and a circuit breaker: after
//! `breaker_threshold` consecutive failures it opens for `breaker_cooldown`, then lets one probe
//! request through (half-open); success closes it, failure opens it again.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::sync::Semaphore;

use crate::{
    Availability, BackendCall, ChatModel, ChatRequest, Completion, ErrorClass, EventStream,
    ModelError, Replies, Result, Traced,
};

/// How the router retries and trips.
#[derive(Debug, Clone)]
pub struct RouterPolicy {
    /// Retries of a transient failure on the same backend.
    pub transient_retries: u32,
    /// Backoff before the first such retry; doubles each time.
    pub retry_base: Duration,
    /// Consecutive failures that open a backend's circuit.
    pub breaker_threshold: u32,
    /// How long an open circuit stays open before a probe.
    pub breaker_cooldown: Duration,
    /// Wait assumed for a 429 without `Retry-After`.
    pub rate_limit_default: Duration,
}

impl Default for RouterPolicy {
    fn default() -> Self {
        Self {
            transient_retries: 2,
            retry_base: Duration::from_millis(500),
            breaker_threshold: 3,
            breaker_cooldown: Duration::from_secs(30),
            rate_limit_default: Duration::from_secs(30),
        }
    }
}

/// State of a backend's circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Circuit {
    /// Serving; this many failures in a row so far.
    Closed(u32),
    /// Skipped until this instant.
    Open(Instant),
    /// One probe request is in flight.
    HalfOpen,
}

impl Circuit {
    /// Whether a request may go to the backend now; moves an expired open circuit to half-open.
    fn admit(&mut self, now: Instant) -> bool {
        match *self {
            Self::Closed(_) => true,
            Self::Open(until) if now >= until => {
                *self = Self::HalfOpen;
                true
            }
            Self::Open(_) | Self::HalfOpen => false,
        }
    }

    fn succeeded(&mut self) {
        *self = Self::Closed(0);
    }

    fn failed(&mut self, now: Instant, policy: &RouterPolicy) {
        *self = match *self {
            Self::Closed(n) if n + 1 < policy.breaker_threshold => Self::Closed(n + 1),
            Self::Closed(_) | Self::HalfOpen | Self::Open(_) => {
                Self::Open(now + policy.breaker_cooldown)
            }
        };
    }
}

/// A backend in the chain.
pub struct Route {
    model: Arc<dyn ChatModel>,
    slots: Semaphore,
    circuit: Mutex<Circuit>,
}

impl Route {
    /// `model` with at most `concurrency` requests at once.
    pub fn new(model: Arc<dyn ChatModel>, concurrency: usize) -> Self {
        Self {
            model,
            slots: Semaphore::new(concurrency.max(1)),
            circuit: Mutex::new(Circuit::Closed(0)),
        }
    }

    fn name(&self) -> String {
        format!("{}/{}", self.model.backend(), self.model.model())
    }

    fn with_circuit<T>(&self, f: impl FnOnce(&mut Circuit) -> T) -> T {
        // A poisoned lock only means a panic elsewhere mid-update; the state is still usable.
        let mut circuit = self
            .circuit
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut circuit)
    }
}

/// The fallback chain.
pub struct Router {
    routes: Vec<Route>,
    policy: RouterPolicy,
}

/// One backend's state, for `status`.
#[derive(Debug, Clone)]
pub struct RouteStatus {
    /// `backend/model`.
    pub name: String,
    /// What a probe said.
    pub availability: Availability,
    /// Its circuit.
    pub circuit: Circuit,
}

impl Router {
    /// A router over `routes`, tried in order.
    pub fn new(routes: Vec<Route>, policy: RouterPolicy) -> Self {
        Self { routes, policy }
    }

    /// Probes every backend.
    pub async fn status(&self) -> Vec<RouteStatus> {
        let mut out = Vec::with_capacity(self.routes.len());
        for route in &self.routes {
            out.push(RouteStatus {
                name: route.name(),
                availability: route.model.probe().await,
                circuit: route.with_circuit(|c| *c),
            });
        }
        out
    }

    fn backoff(&self, retry: u32) -> Duration {
        self.policy.retry_base.saturating_mul(1 << retry.min(10))
    }
}

#[async_trait]
impl ChatModel for Router {
    fn backend(&self) -> &'static str {
        "router"
    }

    fn open_circuits(&self) -> Vec<String> {
        self.routes
            .iter()
            .filter(|route| !matches!(route.with_circuit(|c| *c), Circuit::Closed(_)))
            .map(Route::name)
            .collect()
    }

    fn model(&self) -> String {
        self.routes
            .iter()
            .map(Route::name)
            .collect::<Vec<_>>()
            .join(" → ")
    }

    async fn stream(&self, request: ChatRequest) -> Result<EventStream> {
        // Falls back only on errors before the stream starts: text already handed out cannot
        // be taken back. `complete_traced` falls back on any failure.
        let mut last = None;
        for route in &self.routes {
            if !route.with_circuit(|c| c.admit(Instant::now())) {
                continue;
            }
            match route.model.stream(request.clone()).await {
                Ok(stream) => return Ok(stream),
                Err(err) => match err.class() {
                    ErrorClass::Rejected | ErrorClass::Unusable => return Err(err),
                    ErrorClass::Transient
                    | ErrorClass::Unavailable
                    | ErrorClass::RateLimited(_) => {
                        route.with_circuit(|c| c.failed(Instant::now(), &self.policy));
                        last = Some(err);
                    }
                },
            }
        }
        Err(last.unwrap_or_else(|| {
            ModelError::Unavailable("every backend's circuit is open".to_owned())
        }))
    }

    async fn complete(&self, request: ChatRequest) -> Result<Completion> {
        self.complete_traced(request).await.result
    }

    async fn complete_traced(&self, request: ChatRequest) -> Traced {
        self.route(|model| {
            let request = request.clone();
            async move { model.complete(request).await }
        })
        .await
    }

    async fn complete_all(&self, request: ChatRequest) -> Result<Vec<Completion>> {
        self.complete_all_traced(request).await.result
    }

    async fn complete_all_traced(&self, request: ChatRequest) -> Traced<Vec<Completion>> {
        self.route(|model| {
            let request = request.clone();
            async move { model.complete_all(request).await }
        })
        .await
    }

    async fn probe(&self) -> Availability {
        let mut reasons = Vec::new();
        for route in &self.routes {
            match route.model.probe().await {
                Availability::Available => return Availability::Available,
                Availability::Unavailable(why) => reasons.push(format!("{}: {why}", route.name())),
            }
        }
        Availability::Unavailable(reasons.join("; "))
    }
}

impl Router {
    /// Makes `call` on the chain's backends in order, by the rules at the top of this module,
    /// recording every backend call.
    async fn route<T, F, Fut>(&self, call: F) -> Traced<T>
    where
        T: Replies,
        F: Fn(Arc<dyn ChatModel>) -> Fut + Send + Sync,
        Fut: Future<Output = Result<T>> + Send,
    {
        let mut calls = Vec::new();
        let mut given_up: Vec<String> = Vec::new();
        let mut soonest_retry: Option<Duration> = None;
        let mut last_error = None;
        for route in &self.routes {
            if !route.with_circuit(|c| c.admit(Instant::now())) {
                given_up.push(format!("{} (circuit open)", route.model.backend()));
                continue;
            }
            let Ok(_slot) = crate::queue::waiting(route.slots.acquire()).await else {
                continue; // closed semaphore: the route is being torn down
            };
            let mut retry = 0;
            loop {
                let started = Instant::now();
                let result = call(Arc::clone(&route.model)).await;
                calls.push(BackendCall::of(
                    route.model.as_ref(),
                    &result,
                    started.elapsed(),
                    (!given_up.is_empty()).then(|| given_up.join(", ")),
                ));
                let err = match result {
                    Ok(completion) => {
                        route.with_circuit(Circuit::succeeded);
                        return Traced {
                            result: Ok(completion),
                            calls,
                        };
                    }
                    Err(err) => err,
                };
                tracing::warn!(backend = %route.name(), %err, "model call failed");
                match err.class() {
                    ErrorClass::Unusable => {
                        route.with_circuit(Circuit::succeeded);
                        return Traced {
                            result: Err(err),
                            calls,
                        };
                    }
                    ErrorClass::Rejected => {
                        return Traced {
                            result: Err(err),
                            calls,
                        };
                    }
                    ErrorClass::Transient => {
                        let now = Instant::now();
                        route.with_circuit(|c| c.failed(now, &self.policy));
                        let still_admitted =
                            route.with_circuit(|c| matches!(c, Circuit::Closed(_)));
                        if retry < self.policy.transient_retries && still_admitted {
                            tokio::time::sleep(self.backoff(retry)).await;
                            retry += 1;
                            continue;
                        }
                    }
                    ErrorClass::Unavailable => {
                        let now = Instant::now();
                        route.with_circuit(|c| {
                            *c = Circuit::Open(now + self.policy.breaker_cooldown);
                        });
                    }
                    ErrorClass::RateLimited(after) => {
                        let wait = after.unwrap_or(self.policy.rate_limit_default);
                        soonest_retry = Some(soonest_retry.map_or(wait, |s| s.min(wait)));
                    }
                }
                last_error = Some(err);
                break;
            }
            given_up.push(route.model.backend().to_owned());
        }
        let result = match (soonest_retry, last_error) {
            (Some(wait), _) => Err(ModelError::RateLimited {
                retry_after: Some(wait),
                message: format!(
                    "every backend failed, rate limited for {} s",
                    wait.as_secs()
                ),
            }),
            (None, Some(err)) => Err(err),
            (None, None) => Err(ModelError::Unavailable(
                "no backend could be tried (circuits open or none configured)".to_owned(),
            )),
        };
        Traced { result, calls }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circuit_opens_after_the_threshold_and_probes_once() {
        let policy = RouterPolicy {
            breaker_threshold: 2,
            breaker_cooldown: Duration::from_secs(10),
            ..RouterPolicy::default()
        };
        let t0 = Instant::now();
        let mut circuit = Circuit::Closed(0);
        circuit.failed(t0, &policy);
        assert_eq!(circuit, Circuit::Closed(1));
        circuit.failed(t0, &policy);
        assert_eq!(circuit, Circuit::Open(t0 + Duration::from_secs(10)));
        assert!(!circuit.admit(t0 + Duration::from_secs(5)));
        assert!(
            circuit.admit(t0 + Duration::from_secs(10)),
            "half-open probe"
        );
        assert!(
            !circuit.admit(t0 + Duration::from_secs(10)),
            "only one probe at a time"
        );
        circuit.failed(t0 + Duration::from_secs(11), &policy);
        assert_eq!(circuit, Circuit::Open(t0 + Duration::from_secs(21)));
        assert!(circuit.admit(t0 + Duration::from_secs(21)));
        circuit.succeeded();
        assert_eq!(circuit, Circuit::Closed(0));
    }
}
