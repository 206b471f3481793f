//! `GET /metrics`: the queue, the workers and the models in Prometheus' text format, read from
//! the shared view (so a scraper costs the database what one more tab does: nothing).

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use nightshift_store::{ModelTotals, Store};

use crate::Web;
use crate::error::ApiError;

/// A counter of every model: name, help, and its value for one model.
type Family = (&'static str, &'static str, fn(&ModelTotals) -> String);

/// A label value, escaped as the format wants.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub(crate) async fn metrics<S: Store>(State(web): State<Web<S>>) -> Result<Response, ApiError> {
    let view = web.snapshot().await?;
    let mut out = String::new();
    let c = &view.counts;
    out.push_str("# HELP nightshift_tasks Tasks per status.\n# TYPE nightshift_tasks gauge\n");
    for (status, n) in [
        ("queued", c.queued),
        ("running", c.running),
        ("succeeded", c.succeeded),
        ("failed", c.failed),
        ("cancelled", c.cancelled),
    ] {
        let _ = writeln!(out, "nightshift_tasks{{status=\"{status}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "# HELP nightshift_paused 1 while the queue is paused.\n# TYPE nightshift_paused gauge\nnightshift_paused {}",
        u8::from(view.paused)
    );
    let _ = writeln!(
        out,
        "# HELP nightshift_workers Workers of the running daemon (0: none runs).\n# TYPE nightshift_workers gauge\nnightshift_workers {}",
        view.daemon.as_ref().map_or(0, |d| d.workers)
    );
    let families: [Family; 5] = [
        ("nightshift_model_calls_total", "Model calls.", |m| {
            m.calls.to_string()
        }),
        (
            "nightshift_model_failed_calls_total",
            "Model calls that failed.",
            |m| m.failed_calls.to_string(),
        ),
        (
            "nightshift_model_prompt_tokens_total",
            "Tokens models read.",
            |m| m.prompt_tokens.to_string(),
        ),
        (
            "nightshift_model_completion_tokens_total",
            "Tokens models wrote.",
            |m| m.completion_tokens.to_string(),
        ),
        (
            "nightshift_model_seconds_total",
            "Time spent in model calls.",
            |m| format!("{:.3}", m.duration_ms as f64 / 1000.0),
        ),
    ];
    for (name, help, value) in families {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        for m in &view.models {
            let _ = writeln!(
                out,
                "{name}{{backend=\"{}\",model=\"{}\"}} {}",
                label(&m.backend),
                label(&m.model),
                value(m)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP nightshift_dashboard_reads_total Views of the agent read from the store for the dashboard, the API status and metrics.\n# TYPE nightshift_dashboard_reads_total counter\nnightshift_dashboard_reads_total {}",
        web.snapshots.reads()
    );
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}
