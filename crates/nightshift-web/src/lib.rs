//! nightshift's HTTP server, inside `nightshift serve` on `127.0.0.1:FLASK_PORT`: the JSON API
//! under `/api` ([`api`]), reading and writing the same store the CLI uses, so either works
//! whether or not the other is in use.
//!
//! Safe by default ([`access`]): it listens on loopback only unless an access token is set;
//! a request whose `Host` does not name this server is refused (DNS rebinding); a request that
//! changes state must come from this server's own pages, carry the token, or come from a
//! loopback client that sends no `Origin` (curl); bodies are capped at [`BODY_LIMIT`]; errors
//! are `{"error": "..."}` with a 4xx or 5xx status.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use nightshift_store::Store;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

mod access;
mod api;
mod error;
mod events;

pub use access::{Access, BindError, MIN_TOKEN_CHARS, bind};
pub use api::route_table;

/// Largest request body accepted, in bytes: a task description's limit with room for JSON.
pub const BODY_LIMIT: usize = 96 * 1024;

/// What every handler shares.
pub struct Web<S> {
    store: S,
    access: Arc<Access>,
    max_retries: u32,
    started: Instant,
    /// Ends the streams that would otherwise never end, so a graceful shutdown can finish.
    shutdown: CancellationToken,
}

impl<S: Clone> Clone for Web<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            access: Arc::clone(&self.access),
            max_retries: self.max_retries,
            started: self.started,
            shutdown: self.shutdown.clone(),
        }
    }
}

impl<S: Store> Web<S> {
    /// The server's state: `store`, who may do what (`access`), and the retries a task queued
    /// here gets (`MAX_RETRIES`).
    pub fn new(store: S, access: Access, max_retries: u32) -> Self {
        Self {
            store,
            access: Arc::new(access),
            max_retries,
            started: Instant::now(),
            shutdown: CancellationToken::new(),
        }
    }

    /// Event streams end when `shutdown` is cancelled (the token [`serve`] stops on).
    #[must_use]
    pub fn stopping_on(mut self, shutdown: CancellationToken) -> Self {
        self.shutdown = shutdown;
        self
    }
}

/// Every route, behind the access rules and the body limit. Tests call it directly.
pub fn app<S: Store>(web: Web<S>) -> Router {
    let access = Arc::clone(&web.access);
    Router::new()
        .nest("/api", api::routes())
        .fallback(api::not_found)
        .with_state(web)
        .layer(axum::middleware::from_fn_with_state(access, access::guard))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// Serves `app` on `listener` until `shutdown`; requests in flight are finished first.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.cancelled_owned())
    .await
}
