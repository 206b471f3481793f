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
//! | `GET /api/events?task=&level=&text=&after=` | the execution log as server-sent events, resumable by `Last-Event-ID` ([`crate::events`]) |

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

/// Every route of the API: method, path under `/api`, handler. The router is built from this
/// table, and the access tests walk it.
fn table<S: Store>() -> Vec<(Method, &'static str, MethodRouter<Web<S>>)> {
    vec![
        (Method::POST, "/task", post(add_task::<S>)),
        (Method::GET, "/status", get(status::<S>)),
        (Method::GET, "/tasks", get(tasks::<S>)),
        (Method::GET, "/tasks/{id}", get(task::<S>)),
        (Method::POST, "/tasks/{id}/cancel", post(cancel::<S>)),
        (Method::POST, "/tasks/{id}/retry", post(retry::<S>)),
        (Method::POST, "/pause", post(pause::<S>)),
        (Method::POST, "/resume", post(resume::<S>)),
        (Method::GET, "/events", get(crate::events::events::<S>)),
    ]
}

/// The routes under `/api`.
pub(crate) fn routes<S: Store>() -> Router<Web<S>> {
    table::<S>()
        .into_iter()
        .fold(Router::new(), |router, (_, path, handler)| {
            router.route(path, handler)
        })
}

/// Method and full path of every API route.
pub(crate) fn route_table<S: Store>() -> Vec<(Method, String)> {
    table::<S>()
        .into_iter()
        .map(|(method, path, _)| (method, format!("/api{path}")))
        .collect()
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
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase());
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
    let mut task = NewTask::new(&description, priority, metadata, SOURCE, web.max_retries)?;
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

async fn status<S: Store>(State(web): State<Web<S>>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({
        "paused": web.store.paused().await?,
        "queue": web.store.counts().await?,
        "uptime_s": web.started.elapsed().as_secs(),
        "version": env!("CARGO_PKG_VERSION"),
    })))
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
