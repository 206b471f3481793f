//! The dashboard: pages rendered by the server from askama templates (which escape every value),
//! a stylesheet and one small script embedded in the binary, no CDN and no build step.
//!
//! | route | page |
//! |---|---|
//! | `GET /` | agent state, needs-attention bar, workers, queue counts, recent tasks, models, git, throughput |
//! | `GET /tasks` | tasks filtered by status, source, priority, model and text; bulk retry or cancel |
//! | `GET /tasks/{id}` | one task: failure first, commit diff (from `git show`), model calls, every log line by attempt |
//! | `GET /logs` | the log, live over server-sent events, older lines paged in |
//! | `GET /settings` | the worker count, applied live; the settings the dashboard may change, reviewed before they apply ([`settings`]) |
//! | `GET /checkpoint` | the latest checkpoint's report; approving it resumes the queue |
//! | `GET /parts/…` | the live parts of `/` and `/tasks`, refreshed by the script |
//! | `GET /metrics` | Prometheus metrics ([`crate::metrics`]) |
//!
//! Forms post here and are answered with a redirect (303), so every page works without the
//! script too. The live parts read one shared [`crate::snapshot`], so open tabs cost the
//! database nothing more.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use nightshift_store::{
    CHECKPOINT_REPORT_KEY, LogLevel, LogQuery, NewLogEntry, NewTask, PRIORITY_DEFAULT, Store,
    StoreError, TaskFilter, TaskStatus,
};
use serde::Deserialize;

use crate::Web;

pub(crate) mod settings;
mod view;

use view::{Chrome, CommitView, LogRow, Overview, Round, TaskRow, TaskView};

/// Where a task queued from the dashboard says it came from.
const SOURCE: &str = "dashboard";
/// Tasks one page lists.
const PAGE_TASKS: u32 = 100;
/// Log lines one page shows.
const PAGE_LINES: u32 = 200;
/// Most tasks one bulk action touches.
const BULK_MAX: u32 = 10_000;

/// Every page route: method, path, handler.
pub(crate) fn table<S: Store>() -> Vec<(Method, &'static str, MethodRouter<Web<S>>)> {
    vec![
        (Method::GET, "/", get(overview::<S>)),
        (Method::GET, "/parts/overview", get(overview_part::<S>)),
        (Method::GET, "/tasks", get(tasks::<S>)),
        (Method::GET, "/parts/tasks", get(tasks_part::<S>)),
        (Method::GET, "/tasks/bulk", get(bulk_confirm::<S>)),
        (Method::POST, "/tasks/bulk", post(bulk::<S>)),
        (Method::GET, "/tasks/{id}", get(task::<S>)),
        (Method::POST, "/tasks/{id}/cancel", post(cancel::<S>)),
        (Method::POST, "/tasks/{id}/retry", post(retry::<S>)),
        (Method::POST, "/task", post(add::<S>)),
        (Method::POST, "/pause", post(pause::<S>)),
        (Method::POST, "/resume", post(resume::<S>)),
        (Method::POST, "/workers/restart", post(restart_worker::<S>)),
        (Method::GET, "/logs", get(logs::<S>)),
        (Method::GET, "/settings", get(settings::settings::<S>)),
        (
            Method::POST,
            "/settings/workers",
            post(settings::set_workers::<S>),
        ),
        (
            Method::POST,
            "/settings/review",
            post(settings::review::<S>),
        ),
        (Method::POST, "/settings/apply", post(settings::apply::<S>)),
        (Method::GET, "/checkpoint", get(checkpoint::<S>)),
        (Method::GET, "/static/{file}", get(crate::assets::asset)),
        (Method::GET, "/metrics", get(crate::metrics::metrics::<S>)),
        (Method::GET, crate::access::LOGIN_PATH, get(login_page::<S>)),
        (Method::POST, crate::access::LOGIN_PATH, post(login::<S>)),
    ]
}

/// A page that could not be shown: the error page, with its status.
#[derive(Debug)]
pub(crate) struct PageError {
    status: StatusCode,
    message: String,
}

impl PageError {
    pub(crate) fn bad(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl From<crate::error::ApiError> for PageError {
    fn from(err: crate::error::ApiError) -> Self {
        Self {
            status: err.status(),
            message: err.message().to_owned(),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(err: StoreError) -> Self {
        let api = crate::error::ApiError::from(err);
        Self {
            status: api.status(),
            message: api.message().to_owned(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    status: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.status.to_string();
        let page = ErrorPage {
            chrome: Chrome::new("Error", "/", false),
            status: &status,
            message: &self.message,
        };
        (self.status, render(&page)).into_response()
    }
}

/// The page as HTML (a template that fails to render is a 500, never a half page).
pub(crate) fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => {
            tracing::error!(%err, "a page did not render");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page did not render").into_response()
        }
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    chrome: Chrome,
    view: Overview,
    rows: Vec<TaskRow>,
}

#[derive(Template)]
#[template(path = "overview_part.html")]
struct OverviewPart {
    view: Overview,
    rows: Vec<TaskRow>,
}

async fn overview<S: Store>(State(web): State<Web<S>>) -> PageResult {
    let snapshot = web.snapshot().await?;
    let view = Overview::of(&snapshot, web.started);
    let rows = snapshot.recent.iter().map(TaskRow::of).collect();
    Ok(render(&OverviewPage {
        chrome: Chrome::new("Overview", "/", snapshot.paused),
        view,
        rows,
    }))
}

async fn overview_part<S: Store>(State(web): State<Web<S>>) -> PageResult {
    let snapshot = web.snapshot().await?;
    Ok(render(&OverviewPart {
        view: Overview::of(&snapshot, web.started),
        rows: snapshot.recent.iter().map(TaskRow::of).collect(),
    }))
}

/// The filters of the task list, as the form sends them (empty fields are no filter).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct FilterForm {
    status: String,
    source: String,
    priority: String,
    model: String,
    q: String,
    before: String,
    action: String,
}

impl FilterForm {
    fn filter(&self, limit: u32) -> Result<TaskFilter, PageError> {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(TaskFilter {
            status: some(&self.status)
                .map(|s| {
                    s.parse::<TaskStatus>()
                        .map_err(|_| PageError::bad(format!("status {s:?} is not a task status")))
                })
                .transpose()?,
            source: some(&self.source),
            priority: some(&self.priority)
                .map(|p| {
                    p.parse()
                        .map_err(|_| PageError::bad(format!("priority {p:?} is not a number")))
                })
                .transpose()?,
            model: some(&self.model),
            text: some(&self.q),
            before_id: some(&self.before)
                .map(|b| {
                    b.parse()
                        .map_err(|_| PageError::bad(format!("{b:?} is not a task id")))
                })
                .transpose()?,
            finished: None,
            limit,
        })
    }

    /// The filter as a query string (without paging or action).
    fn query(&self) -> String {
        let pairs = [
            ("status", &self.status),
            ("source", &self.source),
            ("priority", &self.priority),
            ("model", &self.model),
            ("q", &self.q),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", view::encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage<'a> {
    chrome: Chrome,
    statuses: Vec<(&'static str, bool)>,
    filter: &'a FilterForm,
    filter_query: String,
    query: String,
    rows: Vec<TaskRow>,
    older: Option<i64>,
}

#[derive(Template)]
#[template(source = "{% include \"task_rows.html\" %}", ext = "html")]
struct TaskRowsPart {
    rows: Vec<TaskRow>,
}

fn form_of<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, PageError> {
    query
        .map(|Query(q)| q)
        .map_err(|err| PageError::bad(err.body_text()))
}

async fn tasks<S: Store>(
    State(web): State<Web<S>>,
    query: Result<Query<FilterForm>, QueryRejection>,
) -> PageResult {
    let form = form_of(query)?;
    let tasks = web.store.tasks(&form.filter(PAGE_TASKS)?).await?;
    let older = (tasks.len() == PAGE_TASKS as usize)
        .then(|| tasks.last().map(|t| t.id))
        .flatten();
    let filter_query = form.query();
    let query = if form.before.is_empty() {
        format!("?{filter_query}")
    } else {
        format!("?{filter_query}&before={}", view::encode(&form.before))
    };
    Ok(render(&TasksPage {
        chrome: Chrome::new("Tasks", "/tasks", web.store.paused().await?),
        statuses: TaskStatus::ALL
            .map(|s| (s.as_str(), form.status == s.as_str()))
            .to_vec(),
        filter: &form,
        filter_query,
        query,
        rows: tasks.iter().map(TaskRow::of).collect(),
        older,
    }))
}

async fn tasks_part<S: Store>(
    State(web): State<Web<S>>,
    query: Result<Query<FilterForm>, QueryRejection>,
) -> PageResult {
    let form = form_of(query)?;
    let tasks = web.store.tasks(&form.filter(PAGE_TASKS)?).await?;
    Ok(render(&TaskRowsPart {
        rows: tasks.iter().map(TaskRow::of).collect(),
    }))
}

/// A bulk action and what it applies to.
#[derive(Clone, Copy)]
enum Bulk {
    Retry,
    Cancel,
}

impl Bulk {
    fn parse(action: &str) -> Result<Self, PageError> {
        match action {
            "retry" => Ok(Self::Retry),
            "cancel" => Ok(Self::Cancel),
            other => Err(PageError::bad(format!(
                "{other:?} is not a bulk action: retry or cancel"
            ))),
        }
    }

    fn applies_to(self, status: TaskStatus) -> bool {
        match self {
            Self::Retry => matches!(status, TaskStatus::Failed | TaskStatus::Cancelled),
            Self::Cancel => matches!(status, TaskStatus::Queued | TaskStatus::Running),
        }
    }

    fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Retry => ("retry", "retried"),
            Self::Cancel => ("cancel", "cancelled"),
        }
    }
}

#[derive(Template)]
#[template(path = "bulk.html")]
struct BulkPage<'a> {
    chrome: Chrome,
    filter: &'a FilterForm,
    action: &'static str,
    done: &'static str,
    count: usize,
    applicable: usize,
    shown: usize,
    rows: Vec<TaskRow>,
}

async fn bulk_confirm<S: Store>(
    State(web): State<Web<S>>,
    query: Result<Query<FilterForm>, QueryRejection>,
) -> PageResult {
    let form = form_of(query)?;
    let bulk = Bulk::parse(&form.action)?;
    let tasks = web.store.tasks(&form.filter(BULK_MAX)?).await?;
    let (action, done) = bulk.names();
    let shown = tasks.len().min(PAGE_TASKS as usize);
    Ok(render(&BulkPage {
        chrome: Chrome::new("Bulk", "/tasks", web.store.paused().await?),
        filter: &form,
        action,
        done,
        count: tasks.len(),
        applicable: tasks.iter().filter(|t| bulk.applies_to(t.status)).count(),
        shown,
        rows: tasks.iter().take(shown).map(TaskRow::of).collect(),
    }))
}

async fn bulk<S: Store>(
    State(web): State<Web<S>>,
    form: Result<Form<FilterForm>, FormRejection>,
) -> PageResult {
    let Form(form) = form.map_err(|err| PageError::bad(err.body_text()))?;
    let bulk = Bulk::parse(&form.action)?;
    let tasks = web.store.tasks(&form.filter(BULK_MAX)?).await?;
    let mut changed = 0usize;
    for task in tasks.iter().filter(|t| bulk.applies_to(t.status)) {
        let done = match bulk {
            Bulk::Retry => web.store.retry(task.id, None).await,
            Bulk::Cancel => web.store.cancel(task.id).await,
        };
        match done {
            Ok(()) => changed += 1,
            // It moved on meanwhile (finished, say): not this action's any more.
            Err(StoreError::InvalidState { .. }) => {}
            Err(err) => return Err(err.into()),
        }
    }
    record(
        &web.store,
        format!("{changed} task(s) {} from the dashboard", bulk.names().1),
    )
    .await?;
    Ok(Redirect::to(&format!("/tasks?{}", form.query())).into_response())
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    chrome: Chrome,
    task: TaskView,
    commit: Option<CommitView>,
    calls: Vec<view::CallRow>,
    rounds: Vec<Round>,
}

/// A task id from the path.
fn task_id(id: &str) -> Result<i64, PageError> {
    id.parse()
        .map_err(|_| PageError::bad(format!("{id:?} is not a task id (a number)")))
}

async fn task<S: Store>(State(web): State<Web<S>>, Path(id): Path<String>) -> PageResult {
    let id = task_id(&id)?;
    let task = web.store.task(id).await?;
    let commit = match web.store.commit_of(id).await? {
        Some(record) => Some(CommitView::of(&record, &web.show(&record.sha).await)),
        None => None,
    };
    let calls = web.store.calls_of(id).await?;
    let lines = web
        .store
        .logs(&LogQuery {
            task_id: Some(id),
            limit: 5_000,
            ..LogQuery::default()
        })
        .await?;
    let path = format!("/tasks/{id}");
    Ok(render(&TaskPage {
        chrome: Chrome::new("Task", &path, web.store.paused().await?),
        task: TaskView::of(&task),
        commit,
        calls: calls.iter().map(view::CallRow::of).collect(),
        rounds: Round::of(&lines),
    }))
}

/// What a form that changes one thing sends: where to go back to.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Back {
    back: String,
}

/// Back to `back` if it is a path of this server, else to `/`.
fn back_to(back: &str) -> Response {
    let ours = back.starts_with('/')
        && !back.starts_with("//")
        && !back.starts_with("/\\")
        && !back.chars().any(char::is_control);
    Redirect::to(if ours { back } else { "/" }).into_response()
}

fn back_of(form: Result<Form<Back>, FormRejection>) -> Result<String, PageError> {
    form.map(|Form(f)| f.back)
        .map_err(|err| PageError::bad(err.body_text()))
}

async fn cancel<S: Store>(
    State(web): State<Web<S>>,
    Path(id): Path<String>,
    form: Result<Form<Back>, FormRejection>,
) -> PageResult {
    let back = back_of(form)?;
    web.store.cancel(task_id(&id)?).await?;
    Ok(back_to(&back))
}

/// The retry form: where to go back to, and a note for the next attempt.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RetryForm {
    back: String,
    note: String,
}

async fn retry<S: Store>(
    State(web): State<Web<S>>,
    Path(id): Path<String>,
    form: Result<Form<RetryForm>, FormRejection>,
) -> PageResult {
    let Form(form) = form.map_err(|err| PageError::bad(err.body_text()))?;
    let note = Some(form.note.as_str()).filter(|n| !n.trim().is_empty());
    web.store.retry(task_id(&id)?, note).await?;
    let back = form.back;
    Ok(back_to(&back))
}

/// The task form.
#[derive(Debug, Deserialize)]
pub(crate) struct AddForm {
    description: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    back: String,
}

async fn add<S: Store>(
    State(web): State<Web<S>>,
    form: Result<Form<AddForm>, FormRejection>,
) -> PageResult {
    let Form(form) = form.map_err(|err| PageError::bad(err.body_text()))?;
    let priority = match form.priority.trim() {
        "" => PRIORITY_DEFAULT,
        p => p
            .parse()
            .map_err(|_| PageError::bad(format!("priority {p:?} is not a number")))?,
    };
    let task = NewTask::new(
        &form.description,
        priority,
        serde_json::Value::Null,
        SOURCE,
        web.retries(),
    )?;
    web.store.enqueue(vec![task]).await?;
    Ok(back_to(&form.back))
}

async fn pause<S: Store>(
    State(web): State<Web<S>>,
    form: Result<Form<Back>, FormRejection>,
) -> PageResult {
    let back = back_of(form)?;
    web.store.set_paused(true, SOURCE).await?;
    Ok(back_to(&back))
}

async fn resume<S: Store>(
    State(web): State<Web<S>>,
    form: Result<Form<Back>, FormRejection>,
) -> PageResult {
    let back = back_of(form)?;
    web.store.set_paused(false, SOURCE).await?;
    Ok(back_to(&back))
}

/// The filters of the log page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LogForm {
    level: String,
    task: String,
    worker: String,
    text: String,
    before: String,
}

#[derive(Template)]
#[template(path = "logs.html")]
struct LogsPage {
    chrome: Chrome,
    levels: Vec<(&'static str, bool)>,
    task: String,
    worker: String,
    text: String,
    query: String,
    events: String,
    older: Option<i64>,
    lines: Vec<LogRow>,
}

async fn logs<S: Store>(
    State(web): State<Web<S>>,
    query: Result<Query<LogForm>, QueryRejection>,
) -> PageResult {
    let form = form_of(query)?;
    let level: LogLevel = match form.level.trim() {
        "" => LogLevel::Info,
        name => name.parse().map_err(|_| {
            PageError::bad(format!(
                "level {name:?} is none of debug, info, warn, error"
            ))
        })?,
    };
    let task = match form.task.trim() {
        "" => None,
        t => Some(task_id(t)?),
    };
    let worker = crate::events::worker_filter(Some(form.worker.clone())).map_err(PageError::bad)?;
    let before = match form.before.trim() {
        "" => None,
        b => Some(
            b.parse::<i64>()
                .map_err(|_| PageError::bad(format!("{b:?} is not a line id")))?,
        ),
    };
    let text = form.text.trim().to_lowercase();
    let read = web
        .store
        .logs(&LogQuery {
            task_id: task,
            after_id: None,
            before_id: before,
            worker: worker.clone(),
            min_level: Some(level),
            text: Some(text.clone()).filter(|t| !t.is_empty()),
            events: None,
            limit: PAGE_LINES,
        })
        .await?;
    let older = (read.len() == PAGE_LINES as usize)
        .then(|| read.first().map(|l| l.id))
        .flatten();
    let newest = read.last().map_or(0, |l| l.id);
    let lines: Vec<LogRow> = read.iter().map(LogRow::of).collect();
    let mut query = vec![format!("level={}", level.as_str())];
    if let Some(task) = task {
        query.push(format!("task={task}"));
    }
    if let Some(worker) = &worker {
        query.push(format!("worker={}", view::encode(worker)));
    }
    if !text.is_empty() {
        query.push(format!("text={}", view::encode(&text)));
    }
    let query = query.join("&");
    // Paging back shows a fixed page; only the newest page follows what comes.
    let events = if before.is_none() {
        format!("/api/events?{query}&after={newest}")
    } else {
        String::new()
    };
    Ok(render(&LogsPage {
        chrome: Chrome::new("Log", "/logs", web.store.paused().await?),
        levels: ["debug", "info", "warn", "error"]
            .map(|l| (l, l == level.as_str()))
            .to_vec(),
        task: task.map(|t| t.to_string()).unwrap_or_default(),
        worker: worker.unwrap_or_default(),
        text,
        query,
        events,
        older,
        lines,
    }))
}

#[derive(Template)]
#[template(path = "checkpoint.html")]
struct CheckpointPage {
    chrome: Chrome,
    /// The period of the report awaiting approval, if one does.
    awaiting: Option<String>,
    /// Where the daemon wrote it.
    path: Option<String>,
    report: Option<String>,
}

async fn checkpoint<S: Store>(State(web): State<Web<S>>) -> PageResult {
    let snapshot = web.snapshot().await?;
    let awaiting = snapshot
        .checkpoint
        .as_ref()
        .and_then(|c| c.awaiting.as_ref());
    let report = web
        .store
        .state(CHECKPOINT_REPORT_KEY)
        .await?
        .filter(|r| !r.is_empty());
    Ok(render(&CheckpointPage {
        chrome: Chrome::new("Checkpoint", "/checkpoint", snapshot.paused),
        awaiting: awaiting.map(|r| {
            format!(
                "{} → {}",
                nightshift_store::utc_minute(r.period.from_ms),
                nightshift_store::utc_minute(r.period.to_ms)
            )
        }),
        path: awaiting.map(|r| r.path.clone()),
        report,
    }))
}

/// The restart button of a worker.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RestartForm {
    worker: String,
}

async fn restart_worker<S: Store>(
    State(web): State<Web<S>>,
    form: Result<Form<RestartForm>, FormRejection>,
) -> PageResult {
    let Form(form) = form.map_err(|err| PageError::bad(err.body_text()))?;
    let worker = form.worker.trim();
    let well_formed = worker
        .rsplit_once(":w")
        .is_some_and(|(_, index)| !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed || worker.len() > 300 {
        return Err(PageError::bad(format!("{worker:?} is not a worker")));
    }
    web.store
        .put_state(nightshift_store::WORKER_RESTART_KEY, worker)
        .await?;
    record(
        &web.store,
        format!("restart of worker {worker} asked from the dashboard"),
    )
    .await?;
    Ok(Redirect::to("/").into_response())
}

/// Writes a change made from the dashboard to the execution log, where every change is seen.
pub(crate) async fn record<S: Store>(store: &S, message: String) -> Result<(), StoreError> {
    tracing::info!("{message}");
    store
        .log(NewLogEntry {
            task_id: None,
            attempt: None,
            level: LogLevel::Info,
            event: "dashboard".to_owned(),
            message,
        })
        .await
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    message: Option<String>,
}

async fn login_page<S: Store>(State(web): State<Web<S>>) -> Response {
    if !web.access.needs_token() {
        return Redirect::to("/").into_response();
    }
    render(&LoginPage { message: None })
}

/// The login form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LoginForm {
    token: String,
}

/// The token, checked, in an `HttpOnly`, `SameSite=Strict` cookie for this server alone.
async fn login<S: Store>(
    State(web): State<Web<S>>,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let token = form.map(|Form(f)| f.token).unwrap_or_default();
    if !web.access.needs_token() {
        return Redirect::to("/").into_response();
    }
    if !web.access.is_token(Some(&token)) {
        let mut page = render(&LoginPage {
            message: Some("That is not this server's access token.".to_owned()),
        });
        *page.status_mut() = StatusCode::UNAUTHORIZED;
        return page;
    }
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict",
        crate::access::TOKEN_COOKIE
    );
    // A cookie's value: visible ASCII but for `"`, `,`, `;` and `\`.
    let carried = token
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\'));
    match axum::http::HeaderValue::from_str(&cookie) {
        Ok(value) if carried => {
            let mut response = Redirect::to("/").into_response();
            response
                .headers_mut()
                .insert(axum::http::header::SET_COOKIE, value);
            response
        }
        _ => PageError::bad(
            "this token has characters a cookie cannot carry: send it as `Authorization: Bearer`",
        )
        .into_response(),
    }
}
