//! nightshift's HTTP server, inside `nightshift serve` on `127.0.0.1:FLASK_PORT`: the dashboard
//! ([`pages`]) and the JSON API under `/api` ([`api`]), reading and writing the same store the
//! CLI uses, so either works whether or not the other is in use.
//!
//! Safe by default ([`access`]): it listens on loopback only unless an access token is set;
//! a request whose `Host` does not name this server is refused (DNS rebinding); a request that
//! changes state must come from this server's own pages, carry the token, or come from a
//! loopback client that sends no `Origin` (curl); bodies are capped at [`BODY_LIMIT`]; errors
//! are `{"error": "..."}` with a 4xx or 5xx status. Every response carries a strict
//! Content-Security-Policy (scripts and styles from this server only, no inline script, no
//! frames): with every value escaped by the templates, text from a task, a model or a
//! repository cannot run in the dashboard.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use nightshift_git::Repo;
use nightshift_store::{Store, StoreError};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

mod access;
mod api;
mod assets;
mod error;
mod events;
mod metrics;
mod pages;
mod snapshot;

pub use access::{Access, BindError, MIN_TOKEN_CHARS, bind};

/// The Content-Security-Policy of every response.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/// Largest `git show` output a task page shows, in bytes.
const DIFF_MAX_BYTES: usize = 512 * 1024;

/// Largest request body accepted, in bytes: a task description's limit with room for JSON.
pub const BODY_LIMIT: usize = 96 * 1024;

/// What every handler shares.
pub struct Web<S> {
    store: S,
    access: Arc<Access>,
    /// Retries a task queued here gets; follows the settings in force.
    max_retries: Arc<AtomicU32>,
    started: Instant,
    /// Ends the streams that would otherwise never end, so a graceful shutdown can finish.
    shutdown: CancellationToken,
    /// The view every page and tab shares.
    snapshots: Arc<snapshot::Snapshots>,
    /// The repository, for commits' diffs and its disk's free space.
    repo: Option<Arc<Repo>>,
    /// The configuration's layers, so settings changed here are checked by the same rules as
    /// the file's; `None`: the settings cannot be changed here.
    layers: Option<Arc<nightshift_config::Layers>>,
}

impl<S: Clone> Clone for Web<S> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            access: Arc::clone(&self.access),
            max_retries: Arc::clone(&self.max_retries),
            started: self.started,
            shutdown: self.shutdown.clone(),
            snapshots: Arc::clone(&self.snapshots),
            repo: self.repo.clone(),
            layers: self.layers.clone(),
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
            max_retries: Arc::new(AtomicU32::new(max_retries)),
            started: Instant::now(),
            shutdown: CancellationToken::new(),
            snapshots: Arc::default(),
            repo: None,
            layers: None,
        }
    }

    /// Settings can be changed from `/settings`, checked by loading the configuration from
    /// `layers` with the dashboard's own over them.
    #[must_use]
    pub fn with_layers(mut self, layers: nightshift_config::Layers) -> Self {
        self.layers = Some(Arc::new(layers));
        self
    }

    /// The retries a task queued here gets, shared: whoever applies new settings sets it.
    pub fn max_retries(&self) -> Arc<AtomicU32> {
        Arc::clone(&self.max_retries)
    }

    fn retries(&self) -> u32 {
        self.max_retries.load(Ordering::Relaxed)
    }

    /// Task pages show their commits' diffs read from `repo`.
    #[must_use]
    pub fn with_repo(mut self, repo: Repo) -> Self {
        self.repo = Some(Arc::new(repo));
        self
    }

    /// The shared view of the agent (read at most once per two-second tick).
    async fn snapshot(&self) -> Result<Arc<snapshot::Snapshot>, StoreError> {
        self.snapshots
            .get(&self.store, self.repo.as_deref().map(Repo::root))
            .await
    }

    /// What `git show` says of `sha`, or why it cannot be shown.
    async fn show(&self, sha: &str) -> String {
        match &self.repo {
            None => "(no repository to read the commit from)".to_owned(),
            Some(repo) => match repo.show(sha, DIFF_MAX_BYTES).await {
                Ok(text) => text,
                Err(err) => format!("(the commit cannot be read: {err})"),
            },
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
    let snapshots = Arc::clone(&web.snapshots);
    let pages = pages::table::<S>()
        .into_iter()
        .fold(Router::new(), |router, (_, path, handler)| {
            router.route(path, handler)
        });
    pages
        .nest("/api", api::routes())
        .fallback(api::not_found)
        .with_state(web)
        .layer(axum::middleware::from_fn_with_state(
            snapshots,
            fresh_after_changes,
        ))
        .layer(axum::middleware::from_fn_with_state(access, access::guard))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::map_response(secure_headers))
}

/// Method and path of every route: the pages and the API.
pub fn route_table<S: Store>() -> Vec<(Method, String)> {
    pages::table::<S>()
        .into_iter()
        .map(|(method, path, _)| (method, path.to_owned()))
        .chain(api::route_table::<S>())
        .collect()
}

/// After any request that may change something (not `GET` or `HEAD`), the shared view is
/// read again by the next request that needs it, so whoever made a change here sees it.
async fn fresh_after_changes(
    axum::extract::State(snapshots): axum::extract::State<Arc<snapshot::Snapshots>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let changes = !matches!(*request.method(), Method::GET | Method::HEAD);
    let response = next.run(request).await;
    if changes {
        snapshots.stale().await;
    }
    response
}

/// The headers every response carries, refusals included.
#[allow(clippy::unused_async)] // axum's `map_response` takes an async function
async fn secure_headers(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
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
