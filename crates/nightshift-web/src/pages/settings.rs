//! `/settings`: the worker count, applied live, and the settings the dashboard may change
//! ([`DASHBOARD_KEYS`]: how the work is done, never what nightshift may reach or run). A change
//! is checked by loading the configuration with it, by the rules of the file; shown as a
//! review (each value before and after) before it applies; stored in the queue's database as
//! a layer over every other (so the CLI and every daemon of the queue see it); recorded in the
//! log. A running daemon notices it and restarts its workers under the new settings.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use nightshift_config::{Config, DASHBOARD_KEYS, Layers, SETTINGS};
use nightshift_store::{SETTINGS_KEY, Store, WORKER_COUNT_KEY, WORKERS_MAX};
use serde::Deserialize;

use super::view::{self, Chrome};
use super::{PageError, PageResult, record, render};
use crate::Web;
use crate::error::ApiError;

/// One setting the dashboard may change, as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) key: &'static str,
    pub(crate) value: String,
    /// Where the value comes from (`default`, `env TASK_TIMEOUT`, `dashboard`, …).
    pub(crate) source: String,
    pub(crate) help: &'static str,
}

/// The rows `stored` makes, or why the configuration it makes is refused.
fn rows(layers: &Layers, stored: &BTreeMap<String, String>) -> Result<Vec<Row>, String> {
    let config = Config::load(&Layers {
        stored: stored.clone(),
        ..layers.clone()
    })
    .map_err(|err| err.to_string())?;
    Ok(config
        .explain()
        .into_iter()
        .filter(|(key, _, _)| DASHBOARD_KEYS.contains(key))
        .map(|(key, value, source)| Row {
            key,
            value,
            source: source.to_string(),
            help: SETTINGS
                .iter()
                .find(|s| s.key == key)
                .map_or("", |s| s.help),
        })
        .collect())
}

/// The dashboard's settings as the store keeps them, and that text (the review compares it
/// before applying, so two reviews never overwrite each other).
async fn stored<S: Store>(web: &Web<S>) -> Result<(BTreeMap<String, String>, String), ApiError> {
    let raw = web.store.state(SETTINGS_KEY).await?.unwrap_or_default();
    let map = if raw.trim().is_empty() {
        BTreeMap::new()
    } else {
        serde_json::from_str(&raw).map_err(|err| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the stored settings do not read: {err}"),
            )
        })?
    };
    Ok((map, raw))
}

fn layers<S>(web: &Web<S>) -> Result<&Layers, ApiError> {
    web.layers.as_deref().ok_or_else(|| {
        ApiError::bad(
            "this server was started without its configuration; settings cannot be changed here",
        )
    })
}

/// The settings the dashboard may change as they stand, and the stored text a change is
/// made against.
pub(crate) async fn current<S: Store>(web: &Web<S>) -> Result<(Vec<Row>, String), ApiError> {
    let (stored, base) = stored(web).await?;
    Ok((rows(layers(web)?, &stored).map_err(ApiError::bad)?, base))
}

/// A change, checked but not applied: the dashboard's settings as they would be, each value
/// that would change, and the stored text it was planned against.
pub(crate) struct Plan {
    pub(crate) proposed: BTreeMap<String, String>,
    pub(crate) changes: Vec<Change>,
    pub(crate) base: String,
}

/// Plans setting `values` (an empty value: back to the configuration), or every key back to
/// the configuration (`clear`). A key the dashboard may not change, or a value the
/// configuration's rules refuse, is an error naming it.
pub(crate) async fn plan<S: Store>(
    web: &Web<S>,
    values: &BTreeMap<String, String>,
    clear: bool,
) -> Result<Plan, ApiError> {
    let layers = layers(web)?;
    let (current, base) = stored(web).await?;
    let before = rows(layers, &current).map_err(ApiError::bad)?;
    let mut proposed = if clear { BTreeMap::new() } else { current };
    if !clear {
        for (key, value) in values {
            let Some(row) = before.iter().find(|r| r.key == key.as_str()) else {
                return Err(ApiError::bad(format!(
                    "`{key}` is not a setting the dashboard may change"
                )));
            };
            let value = value.trim();
            if value.is_empty() {
                proposed.remove(key);
            } else if value != row.value {
                proposed.insert(key.clone(), value.to_owned());
            }
        }
    }
    let after = rows(layers, &proposed).map_err(ApiError::bad)?;
    let changes = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b.value != a.value || b.source != a.source)
        .map(|(b, a)| Change {
            key: a.key,
            before: b.value.clone(),
            after: a.value.clone(),
            source: a.source.clone(),
        })
        .collect();
    Ok(Plan {
        proposed,
        changes,
        base,
    })
}

/// Stores `proposed` as the dashboard's settings if the store still holds `base` (`None`:
/// whatever it holds), checked again by the rules; records what changed, and returns it.
/// 409 when the settings changed since `base`.
pub(crate) async fn commit<S: Store>(
    web: &Web<S>,
    proposed: &BTreeMap<String, String>,
    base: Option<&str>,
) -> Result<Vec<String>, ApiError> {
    let layers = layers(web)?;
    if let Some(key) = proposed
        .keys()
        .find(|k| !DASHBOARD_KEYS.contains(&k.as_str()))
    {
        return Err(ApiError::bad(format!(
            "`{key}` is not a setting the dashboard may change"
        )));
    }
    let (current, raw) = stored(web).await?;
    let before = rows(layers, &current).map_err(ApiError::bad)?;
    // Checked again: what is applied is what the rules accept, whatever the request says.
    let after = rows(layers, proposed).map_err(ApiError::bad)?;
    let expected = base.unwrap_or(&raw);
    let expected = (!expected.is_empty()).then_some(expected);
    let value = serde_json::to_string(proposed).unwrap_or_default();
    let mut swapped = web.store.swap_state(SETTINGS_KEY, expected, &value).await?;
    if !swapped && expected.is_none() {
        // Never stored, or stored empty.
        swapped = web.store.swap_state(SETTINGS_KEY, Some(""), &value).await?;
    }
    if !swapped {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "the settings were changed meanwhile (another tab or host); review again",
        ));
    }
    let changed: Vec<String> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b.value != a.value)
        .map(|(b, a)| format!("{} {} → {}", a.key, b.value, a.value))
        .collect();
    if let Some(retries) = after.iter().find(|r| r.key == "max_retries")
        && let Ok(n) = retries.value.parse()
    {
        web.max_retries.store(n, Ordering::Relaxed);
    }
    record(
        &web.store,
        if changed.is_empty() {
            "settings from the dashboard applied; no value changed".to_owned()
        } else {
            format!(
                "settings changed from the dashboard: {}",
                changed.join(", ")
            )
        },
    )
    .await?;
    Ok(changed)
}

/// Sets the worker count the daemon runs, live (`None`: back to the configured count), checked
/// by the configuration's rule for `worker_count`; recorded.
pub(crate) async fn set_worker_count<S: Store>(
    web: &Web<S>,
    count: Option<&str>,
) -> Result<Option<u32>, ApiError> {
    let Some(n) = count.map(str::trim) else {
        web.store.put_state(WORKER_COUNT_KEY, "").await?;
        record(
            &web.store,
            "worker count back to the configured one".to_owned(),
        )
        .await?;
        return Ok(None);
    };
    let count: u32 = n
        .parse()
        .ok()
        .filter(|n| (1..=WORKERS_MAX).contains(n))
        .ok_or_else(|| {
            ApiError::bad(format!(
                "worker count {n:?} is out of range 1..={WORKERS_MAX}"
            ))
        })?;
    if let Some(layers) = web.layers.as_deref() {
        // The configuration's own rule, as for a file or a flag.
        let mut with = layers.clone();
        with.flags
            .push(("worker_count".into(), count.to_string(), "dashboard".into()));
        Config::load(&with).map_err(|err| ApiError::bad(err.to_string()))?;
    }
    web.store
        .put_state(WORKER_COUNT_KEY, &count.to_string())
        .await?;
    record(
        &web.store,
        format!("worker count set to {count} from the dashboard"),
    )
    .await?;
    Ok(Some(count))
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    workers_now: u32,
    configured: String,
    set_here: Option<String>,
    max: u32,
    rows: Vec<(&'static str, String)>,
    /// The settings the dashboard may change; empty when it cannot.
    editable: Vec<Row>,
}

pub(crate) async fn settings<S: Store>(State(web): State<Web<S>>) -> PageResult {
    let snapshot = web.snapshot().await?;
    let set_here = web
        .store
        .state(WORKER_COUNT_KEY)
        .await?
        .filter(|n| !n.is_empty());
    let daemon = snapshot.daemon.as_ref();
    let editable = match web.layers {
        Some(_) => current(&web).await?.0,
        None => Vec::new(),
    };
    Ok(render(&SettingsPage {
        chrome: Chrome::new("Settings", "/settings", snapshot.paused),
        workers_now: daemon.map_or(0, |d| d.workers),
        configured: daemon.map_or_else(|| "—".to_owned(), |d| d.configured_workers.to_string()),
        set_here,
        max: WORKERS_MAX,
        rows: daemon.map(view::settings_rows).unwrap_or_default(),
        editable,
    }))
}

/// One change under review.
pub(crate) struct Change {
    pub(crate) key: &'static str,
    pub(crate) before: String,
    pub(crate) after: String,
    pub(crate) source: String,
}

#[derive(Template)]
#[template(path = "settings_review.html")]
struct ReviewPage {
    chrome: Chrome,
    changes: Vec<Change>,
    /// The dashboard's settings as they will be, and as they were when reviewed (JSON).
    proposed: String,
    base: String,
}

/// The settings form: a value per key; `clear` puts every key back to the configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ReviewForm {
    clear: String,
    #[serde(flatten)]
    values: BTreeMap<String, String>,
}

pub(crate) async fn review<S: Store>(
    State(web): State<Web<S>>,
    form: Result<Form<ReviewForm>, FormRejection>,
) -> PageResult {
    let Form(mut form) = form.map_err(|err| PageError::bad(err.body_text()))?;
    form.values.remove("back");
    let plan = plan(&web, &form.values, !form.clear.is_empty()).await?;
    let snapshot = web.snapshot().await?;
    Ok(render(&ReviewPage {
        chrome: Chrome::new("Review settings", "/settings", snapshot.paused),
        changes: plan.changes,
        proposed: serde_json::to_string(&plan.proposed).unwrap_or_default(),
        base: plan.base,
    }))
}

/// The reviewed change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ApplyForm {
    proposed: String,
    base: String,
}

pub(crate) async fn apply<S: Store>(
    State(web): State<Web<S>>,
    form: Result<Form<ApplyForm>, FormRejection>,
) -> PageResult {
    let Form(form) = form.map_err(|err| PageError::bad(err.body_text()))?;
    let proposed: BTreeMap<String, String> = serde_json::from_str(&form.proposed)
        .map_err(|err| PageError::bad(format!("the reviewed settings do not read: {err}")))?;
    // The review saw `base`; an empty one: nothing was stored then.
    commit(&web, &proposed, Some(&form.base)).await?;
    Ok(Redirect::to("/settings").into_response())
}

/// The worker count form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct WorkersForm {
    workers: String,
    clear: String,
}

pub(crate) async fn set_workers<S: Store>(
    State(web): State<Web<S>>,
    form: Result<Form<WorkersForm>, FormRejection>,
) -> PageResult {
    let Form(form) = form.map_err(|err| PageError::bad(err.body_text()))?;
    let count = form.clear.is_empty().then_some(form.workers.as_str());
    set_worker_count(&web, count).await?;
    Ok(Redirect::to("/settings").into_response())
}
