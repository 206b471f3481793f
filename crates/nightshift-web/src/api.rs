//! The JSON API: queue and read tasks, cancel and retry them, pause and resume the agent.
//!
//! | route | what it does |
//! |---|---|
//! | `POST /api/task` | queues a task: JSON `{description, priority?, metadata?}` or the description as `text/plain`; an `Idempotency-Key` header queues it once |
//! | `GET /api/status` | paused or not, tasks per status, uptime |
//! | `GET /api/tasks?status=&source=&priority=&model=&q=&before=&limit=` | tasks, newest first; `q` searches text and errors, `before` pages |
//! | `GET /api/tasks/{id}` | one task |
//! | `POST /api/tasks/{id}/cancel` | cancels a queued or running task |
//! | `POST /api/tasks/{id}/retry` | queues a failed or cancelled task again; an optional JSON `{"note": "..."}` is added to its next prompt |
//! | `POST /api/pause`, `POST /api/resume` | stops or restarts claiming, for every process on the store |
//! | `GET /api/settings`, `POST /api/settings` | the settings the dashboard may change; a change is checked by the configuration's rules, `dry_run` shows it without applying it |
//! | `POST /api/settings/workers` | the worker count, applied live |
//! | `GET /api/openapi.json` | this table as an OpenAPI 3.1 document |
//! | `GET /api/events?topics=&task=&worker=&level=&text=&after=` | the execution log as server-sent events, resumable by `Last-Event-ID` ([`crate::events`]) |

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get, post};
use nightshift_store::{
    NewTask, PRIORITY_DEFAULT, PRIORITY_MAX, PRIORITY_MIN, Store, Task, TaskFilter, TaskId,
    TaskStatus,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Web;
use crate::error::ApiError;

/// Where a task queued here says it came from.
const SOURCE: &str = "api";
/// Most tasks one list returns.
const LIST_MAX: u32 = 500;

/// One route of the API.
struct Route<S> {
    method: Method,
    /// Under `/api`.
    path: &'static str,
    /// What it does, for the OpenAPI document.
    summary: &'static str,
    handler: MethodRouter<Web<S>>,
}

/// Every route of the API. The router, the OpenAPI document (`GET /api/openapi.json`) and the
/// access tests' walk are all built from this table, so none can miss a route.
fn table<S: Store>() -> Vec<Route<S>> {
    let route = |method, path, summary, handler| Route {
        method,
        path,
        summary,
        handler,
    };
    vec![
        route(
            Method::POST,
            "/task",
            "Queue a task: JSON {description, priority?, metadata?} or the description as text/plain; an Idempotency-Key header queues it once",
            post(add_task::<S>),
        ),
        route(
            Method::GET,
            "/status",
            "Paused or not, tasks per status, uptime",
            get(status::<S>),
        ),
        route(
            Method::GET,
            "/tasks",
            "Tasks, newest first, filtered by status, source, priority, model, q (text and errors); before pages",
            get(tasks::<S>),
        ),
        route(Method::GET, "/tasks/{id}", "One task", get(task::<S>)),
        route(
            Method::POST,
            "/tasks/{id}/cancel",
            "Cancel a queued or running task",
            post(cancel::<S>),
        ),
        route(
            Method::POST,
            "/tasks/{id}/retry",
            "Queue a failed or cancelled task again; an optional JSON {note} joins its next prompt",
            post(retry::<S>),
        ),
        route(
            Method::POST,
            "/pause",
            "Stop claiming tasks, for every process on the queue",
            post(pause::<S>),
        ),
        route(
            Method::POST,
            "/resume",
            "Claim tasks again",
            post(resume::<S>),
        ),
        route(
            Method::GET,
            "/checkpoint",
            "The checkpoint schedule (since_ms, awaiting) and the latest report's markdown",
            get(checkpoint::<S>),
        ),
        route(
            Method::GET,
            "/settings",
            "The settings the dashboard may change (key, value, source, help), the stored text a change is made against (base), and the worker count",
            get(settings::<S>),
        ),
        route(
            Method::POST,
            "/settings",
            "Change settings: JSON {set: {key: value}, clear?, base?, dry_run?}; checked by the configuration's rules; dry_run answers the changes without applying them; a base that no longer holds is 409",
            post(change_settings::<S>),
        ),
        route(
            Method::POST,
            "/settings/workers",
            "Set the number of workers, applied live: JSON {workers: N}, or {workers: null} for the configured count",
            post(change_workers::<S>),
        ),
        route(
            Method::GET,
            "/events",
            "The execution log as server-sent events; topics (kinds of line) and filters task, worker, level, text, after; resumable by Last-Event-ID",
            get(crate::events::events::<S>),
        ),
        route(
            Method::GET,
            "/openapi.json",
            "This document",
            get(openapi::<S>),
        ),
    ]
}

/// The routes under `/api`.
pub(crate) fn routes<S: Store>() -> Router<Web<S>> {
    table::<S>()
        .into_iter()
        .fold(Router::new(), |router, route| {
            router.route(route.path, route.handler)
        })
}

/// Method and full path of every API route.
pub(crate) fn route_table<S: Store>() -> Vec<(Method, String)> {
    table::<S>()
        .into_iter()
        .map(|route| (route.method, format!("/api{}", route.path)))
        .collect()
}

/// `GET /api/openapi.json`: the API as an OpenAPI 3.1 document, generated from the route table.
#[allow(clippy::unused_async)] // axum handlers are async
async fn openapi<S: Store>() -> Json<Value> {
    let mut paths = serde_json::Map::new();
    for route in table::<S>() {
        let parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer"}}))
            .collect();
        let operation = json!({
            "summary": route.summary,
            "parameters": parameters,
            "responses": {
                "2XX": {"description": "done"},
                "4XX": {"description": "refused: {\"error\": \"...\"}"},
            },
        });
        let entry = paths
            .entry(format!("/api{}", route.path))
            .or_insert_with(|| json!({}));
        if let Value::Object(methods) = entry {
            methods.insert(route.method.as_str().to_ascii_lowercase(), operation);
        }
    }
    Json(json!({
        "openapi": "3.1.0",
        "info": {"title": "nightshift", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
    }))
}

/// What no route answers.
pub(crate) async fn not_found(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("nothing here: {}", uri.path()),
    )
}

/// The JSON form of a task to queue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskBody {
    description: String,
    #[serde(default)]
    priority: Option<i64>,
    #[serde(default)]
    metadata: Option<Value>,
}

async fn add_task<S: Store>(
    State(web): State<Web<S>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let body = body.map_err(|err| ApiError::new(err.status(), err.body_text()))?;
    let kind = content_type(&headers);
    let (description, priority, metadata) = match kind.as_deref() {
        Some("application/json") => {
            let body: TaskBody = serde_json::from_slice(&body)
                .map_err(|err| ApiError::bad(format!("the body is not a task: {err}")))?;
            let priority = match body.priority {
                None => PRIORITY_DEFAULT,
                Some(p) => i32::try_from(p)
                    .ok()
                    .filter(|p| (PRIORITY_MIN..=PRIORITY_MAX).contains(p))
                    .ok_or_else(|| {
                        ApiError::bad(format!(
                            "priority {p} is out of range {PRIORITY_MIN}..={PRIORITY_MAX} \
                             (higher runs first)"
                        ))
                    })?,
            };
            (
                body.description,
                priority,
                body.metadata.unwrap_or(Value::Null),
            )
        }
        Some("text/plain") => {
            let text = String::from_utf8(body.to_vec())
                .map_err(|_| ApiError::bad("the body is not UTF-8 text"))?;
            (text, PRIORITY_DEFAULT, Value::Null)
        }
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "Content-Type {} is not accepted: send application/json \
                     ({{\"description\": \"...\", \"priority\": 5}}) or the description as \
                     text/plain",
                    other.unwrap_or("(none)")
                ),
            ));
        }
    };
    let mut task = NewTask::new(&description, priority, metadata, SOURCE, web.retries())?;
    if let Some(key) = headers.get("idempotency-key") {
        let key = key
            .to_str()
            .map_err(|_| ApiError::bad("the Idempotency-Key header is not text"))?;
        if let Some(id) = web.store.task_with_key(key).await? {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "Idempotency-Key {key:?} was used before, for task {id}: nothing was queued"
                ),
            )
            .about(id));
        }
        task = task.with_key(key)?;
    }
    let id = web
        .store
        .enqueue(vec![task])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the store queued nothing",
            )
        })?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/tasks/{id}"))],
        Json(json!({ "id": id, "status": "queued" })),
    ))
}

/// From the shared view ([`crate::snapshot`]): any number of clients polling it cost the
/// database one read per two-second tick.
async fn status<S: Store>(State(web): State<Web<S>>) -> Result<Json<Value>, ApiError> {
    let view = web.snapshot().await?;
    Ok(Json(json!({
        "state": view.state().as_str(),
        "paused": view.paused,
        "paused_by": view.paused_by,
        "queue": view.counts,
        "workers": view.daemon.as_ref().map(|d| d.workers),
        "needs_attention": view.attention.iter().map(|a| &a.what).collect::<Vec<_>>(),
        "uptime_s": web.started.elapsed().as_secs(),
        "version": env!("CARGO_PKG_VERSION"),
        "as_of_ms": view.taken_at_ms,
    })))
}

async fn checkpoint<S: Store>(State(web): State<Web<S>>) -> Result<Json<Value>, ApiError> {
    let schedule = web.store.checkpoint().await?;
    let report = web
        .store
        .state(nightshift_store::CHECKPOINT_REPORT_KEY)
        .await?
        .filter(|r| !r.is_empty());
    Ok(Json(json!({ "schedule": schedule, "report": report })))
}

/// The filters of a task list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    priority: Option<i32>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    before: Option<TaskId>,
    #[serde(default)]
    limit: Option<u32>,
}

async fn tasks<S: Store>(
    State(web): State<Web<S>>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<Task>>, ApiError> {
    let Query(query) = query.map_err(|err| ApiError::bad(err.body_text()))?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            s.parse::<TaskStatus>().map_err(|_| {
                ApiError::bad(format!(
                    "status {s:?} is none of {}",
                    TaskStatus::ALL.map(TaskStatus::as_str).join(", ")
                ))
            })
        })
        .transpose()?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=LIST_MAX).contains(&limit) {
        return Err(ApiError::bad(format!(
            "limit {limit} is out of range 1..={LIST_MAX}"
        )));
    }
    let filter = TaskFilter {
        status,
        source: query.source,
        priority: query.priority,
        model: query.model,
        text: query.q,
        before_id: query.before,
        finished: None,
        limit,
    };
    Ok(Json(web.store.tasks(&filter).await?))
}

/// A task id from the path.
fn task_id(id: &str) -> Result<TaskId, ApiError> {
    id.parse()
        .map_err(|_| ApiError::bad(format!("{id:?} is not a task id (a number)")))
}

async fn task<S: Store>(
    State(web): State<Web<S>>,
    Path(id): Path<String>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(web.store.task(task_id(&id)?).await?))
}

async fn cancel<S: Store>(
    State(web): State<Web<S>>,
    Path(id): Path<String>,
) -> Result<Json<Task>, ApiError> {
    let id = task_id(&id)?;
    web.store.cancel(id).await?;
    Ok(Json(web.store.task(id).await?))
}

/// The optional body of a retry: a note for the next attempt.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryBody {
    #[serde(default)]
    note: Option<String>,
}

async fn retry<S: Store>(
    State(web): State<Web<S>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Task>, ApiError> {
    let id = task_id(&id)?;
    let body: RetryBody = if body.iter().all(u8::is_ascii_whitespace) {
        RetryBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|err| ApiError::bad(format!("the body is not {{\"note\": \"...\"}}: {err}")))?
    };
    web.store.retry(id, body.note.as_deref()).await?;
    Ok(Json(web.store.task(id).await?))
}

async fn pause<S: Store>(State(web): State<Web<S>>) -> Result<Json<Value>, ApiError> {
    web.store.set_paused(true, SOURCE).await?;
    Ok(Json(json!({ "paused": true })))
}

async fn resume<S: Store>(State(web): State<Web<S>>) -> Result<Json<Value>, ApiError> {
    web.store.set_paused(false, SOURCE).await?;
    Ok(Json(json!({ "paused": false })))
}

/// The media type a request says its body is (`application/json`), lower case, without
/// parameters.
fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
}

/// A JSON body, from a request that says it sends JSON.
fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    shape: &str,
) -> Result<T, ApiError> {
    let body = body.map_err(|err| ApiError::new(err.status(), err.body_text()))?;
    let kind = content_type(headers);
    if kind.as_deref() != Some("application/json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type {} is not accepted: send application/json ({shape})",
                kind.as_deref().unwrap_or("(none)")
            ),
        ));
    }
    serde_json::from_slice(&body)
        .map_err(|err| ApiError::bad(format!("the body is not {shape}: {err}")))
}

async fn settings<S: Store>(State(web): State<Web<S>>) -> Result<Json<Value>, ApiError> {
    let (rows, base) = match web.layers {
        Some(_) => crate::pages::settings::current(&web).await?,
        None => (Vec::new(), String::new()),
    };
    let view = web.snapshot().await?;
    let set_here = web
        .store
        .state(nightshift_store::WORKER_COUNT_KEY)
        .await?
        .and_then(|n| n.parse::<u32>().ok());
    Ok(Json(json!({
        "settings": rows.iter().map(|r| json!({
            "key": r.key, "value": r.value, "source": r.source, "help": r.help,
        })).collect::<Vec<_>>(),
        "base": base,
        "changeable": web.layers.is_some(),
        "workers": {
            "running": view.daemon.as_ref().map(|d| d.workers),
            "configured": view.daemon.as_ref().map(|d| d.configured_workers),
            "set_here": set_here,
        },
    })))
}

/// A change of settings through the API.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsChange {
    #[serde(default)]
    set: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    clear: bool,
    /// The stored text the change was reviewed against (`GET /api/settings`'s `base`).
    #[serde(default)]
    base: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

async fn change_settings<S: Store>(
    State(web): State<Web<S>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let change: SettingsChange = json_body(
        &headers,
        body,
        r#"{"set": {"task_timeout": "600"}, "dry_run": true}"#,
    )?;
    let plan = crate::pages::settings::plan(&web, &change.set, change.clear).await?;
    let changes: Vec<Value> = plan
        .changes
        .iter()
        .map(|c| json!({"key": c.key, "before": c.before, "after": c.after, "source": c.source}))
        .collect();
    if change.dry_run {
        return Ok(Json(json!({ "applied": false, "changes": changes })));
    }
    let base = change.base.as_deref().unwrap_or(&plan.base);
    crate::pages::settings::commit(&web, &plan.proposed, Some(base)).await?;
    Ok(Json(json!({ "applied": true, "changes": changes })))
}

/// The worker count through the API; `null`: the configured count (said, not left out).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkersChange {
    #[serde(deserialize_with = "present")]
    workers: Option<u32>,
}

/// A field that must be there, `null` or not.
fn present<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<u32>, D::Error> {
    Option::<u32>::deserialize(de)
}

async fn change_workers<S: Store>(
    State(web): State<Web<S>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let change: WorkersChange = json_body(&headers, body, r#"{"workers": 4}"#)?;
    let count = change.workers.map(|n| n.to_string());
    let set = crate::pages::settings::set_worker_count(&web, count.as_deref()).await?;
    Ok(Json(json!({ "workers": set })))
}
