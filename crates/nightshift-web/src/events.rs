//! `GET /api/events`: the execution log as server-sent events, one `log` event per line, its
//! `id:` the line's row id in the database. A client that reconnects with `Last-Event-ID`
//! (browsers do it by themselves) gets exactly the lines after it, once and in order — across
//! a restart of the daemon too, since the cursor is the database's own. Without one, the
//! stream starts with what happens next (`?after=0`: from the first line).
//!
//! Topics and filters, as query parameters: `topics` (the kinds of line to send, comma-separated:
//! `transition` for tasks changing status, `model`, `check`, `git`, `paused`, `resumed`,
//! `checkpoint`, …; all by default), `task` (one task's lines), `worker` (the lines of the
//! attempts one worker ran: `host:pid:instance:w2`, or `w2` in any daemon), `level` (that level
//! and above), `text` (lines containing it, any case). Each client follows the store's change feed, so a
//! line arrives as soon as any process writes it. The store applies the filters, so a stream
//! reads only the lines it sends.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use nightshift_store::{LogEntry, LogLevel, LogQuery, Store, TaskId};
use serde::Deserialize;

use crate::Web;
use crate::error::ApiError;

/// Lines read from the store at a time.
const PAGE: u32 = 500;
/// How long a client waits for the change feed before looking anyway.
const POLL: Duration = Duration::from_secs(2);

/// The filters of an event stream.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventQuery {
    #[serde(default)]
    task: Option<TaskId>,
    #[serde(default)]
    topics: Option<String>,
    #[serde(default)]
    worker: Option<String>,
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    after: Option<i64>,
}

/// What one client is sent.
struct Filter {
    topics: Option<Vec<String>>,
    task: Option<TaskId>,
    worker: Option<String>,
    /// Lowest level sent.
    level: LogLevel,
    text: Option<String>,
}

/// Where a client's stream stands.
struct Follower<S> {
    store: S,
    filter: Filter,
    cursor: i64,
    pending: VecDeque<LogEntry>,
    feed: Option<tokio::sync::watch::Receiver<u64>>,
    shutdown: tokio_util::sync::CancellationToken,
}

pub(crate) async fn events<S: Store>(
    State(web): State<Web<S>>,
    headers: HeaderMap,
    query: Result<Query<EventQuery>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Query(query) = query.map_err(|err| ApiError::bad(err.body_text()))?;
    let level = match query.level.as_deref() {
        None => LogLevel::Debug,
        Some(name) => name.parse().map_err(|_| {
            ApiError::bad(format!(
                "level {name:?} is none of debug, info, warn, error"
            ))
        })?,
    };
    let resume = headers
        .get("last-event-id")
        .map(|value| {
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .ok_or_else(|| ApiError::bad("Last-Event-ID is not an event id (a number)"))
        })
        .transpose()?;
    let cursor = match resume.or(query.after) {
        Some(cursor) => cursor,
        // From now: after the newest line.
        None => web
            .store
            .logs(&LogQuery {
                limit: 1,
                ..LogQuery::default()
            })
            .await?
            .last()
            .map_or(0, |line| line.id),
    };
    let follower = Follower {
        shutdown: web.shutdown.clone(),
        feed: web.store.subscribe().ok(),
        store: web.store.clone(),
        filter: Filter {
            topics: topics(query.topics.as_deref()).map_err(ApiError::bad)?,
            task: query.task,
            worker: worker_filter(query.worker).map_err(ApiError::bad)?,
            level,
            text: query
                .text
                .map(|t| t.to_lowercase())
                .filter(|t| !t.is_empty()),
        },
        cursor,
        pending: VecDeque::new(),
    };
    let stream = futures::stream::unfold(follower, |mut follower| async move {
        loop {
            if follower.shutdown.is_cancelled() {
                return None;
            }
            if let Some(line) = follower.pending.pop_front() {
                return Some((Ok(event(&line)), follower));
            }
            follower.read().await;
            if follower.pending.is_empty() {
                follower.wait().await;
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

impl<S: Store> Follower<S> {
    /// Reads the lines after the cursor that pass the filter.
    async fn read(&mut self) {
        let query = LogQuery {
            task_id: self.filter.task,
            after_id: Some(self.cursor),
            before_id: None,
            worker: self.filter.worker.clone(),
            min_level: Some(self.filter.level),
            text: self.filter.text.clone(),
            events: self.filter.topics.clone(),
            limit: PAGE,
        };
        match self.store.logs(&query).await {
            Ok(lines) => {
                if let Some(last) = lines.last() {
                    self.cursor = last.id;
                }
                self.pending.extend(lines);
            }
            Err(err) => tracing::warn!(%err, "reading the log for an event stream"),
        }
    }

    /// Until the store may have changed, or the server stops.
    async fn wait(&mut self) {
        let changed = async {
            match &mut self.feed {
                Some(feed) => {
                    let _ = tokio::time::timeout(POLL, feed.changed()).await;
                }
                None => tokio::time::sleep(POLL).await,
            }
        };
        tokio::select! {
            () = changed => {}
            () = self.shutdown.cancelled() => {}
        }
    }
}

/// The topics asked for: kinds of log line, comma-separated (blank: every kind).
fn topics(given: Option<&str>) -> Result<Option<Vec<String>>, String> {
    let Some(given) = given.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    given
        .split(',')
        .map(|topic| {
            let topic = topic.trim();
            let fits = !topic.is_empty()
                && topic.len() <= 40
                && topic
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-');
            if fits {
                Ok(topic.to_owned())
            } else {
                Err(format!(
                    "topic {topic:?} is not a kind of log line (transition, model, check, git, …)"
                ))
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A worker filter as given (blank: none), checked to be a worker's name: letters, digits and
/// `.`, `:`, `-`, `_`, at most 200 characters.
pub(crate) fn worker_filter(given: Option<String>) -> Result<Option<String>, String> {
    let Some(worker) = given.map(|w| w.trim().to_owned()).filter(|w| !w.is_empty()) else {
        return Ok(None);
    };
    let fits = worker.len() <= 200
        && worker
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '_'));
    if fits {
        Ok(Some(worker))
    } else {
        Err(format!(
            "worker {worker:?} is not a worker's name (host:pid:w2, or w2)"
        ))
    }
}

/// The event of one line.
fn event(line: &LogEntry) -> Event {
    let event = Event::default().id(line.id.to_string()).event("log");
    match event.clone().json_data(line) {
        Ok(event) => event,
        Err(err) => event.data(format!("{{\"error\": \"{err}\"}}")),
    }
}
