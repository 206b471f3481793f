//! `serve` watching the tasks file (`tasks_file`, `tasks.yaml` in the repository by default):
//! loaded at start and after every save (debounced), each entry queued once whatever happens
//! to the file ([`crate::tasks_file`]: keys by `id:` or content). An entry removed from the file
//! is not cancelled. A file that does not parse loads nothing from that save: the error, with
//! its line, goes to the log and to `system_state` (`tasks_file_error`) until a save parses.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use nightshift_store::{LogLevel, NewLogEntry, Store, TASKS_FILE_ERROR_KEY};
use nightshift_workspace::Workspace;
use notify::{RecursiveMode, Watcher};
use tokio_util::sync::CancellationToken;

use crate::tasks_file;

/// Quiet time after a change before the file is read: an editor's save is several events.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// Watches `path` until `shutdown`, queueing what it holds on `store`.
pub(crate) async fn tasks_file<S: Store>(
    path: PathBuf,
    store: S,
    max_retries: Arc<AtomicU32>,
    shutdown: CancellationToken,
) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let name = name.to_owned();
    let (tx, mut changed) = tokio::sync::mpsc::unbounded_channel();
    // The directory, not the file: editors save by renaming a new file over the old one, and
    // the file may not exist yet.
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && event.paths.iter().any(|p| p.file_name() == Some(&name))
        {
            let _ = tx.send(());
        }
    })
    .and_then(|mut watcher| {
        watcher.watch(dir, RecursiveMode::NonRecursive)?;
        Ok(watcher)
    });
    let _watcher = match watcher {
        Ok(watcher) => watcher,
        Err(err) => {
            tracing::warn!(%err, "cannot watch {}: it is not loaded", path.display());
            return;
        }
    };
    tracing::info!("watching {} for tasks", path.display());
    load(&path, &store, max_retries.load(Ordering::Relaxed)).await;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            change = changed.recv() => if change.is_none() { return },
        }
        // Wait for the writes to settle, then read once.
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(DEBOUNCE) => break,
                _ = changed.recv() => {}
            }
        }
        load(&path, &store, max_retries.load(Ordering::Relaxed)).await;
    }
}

/// Reads, parses and queues the file once; reports what happened. The file is read without
/// following a link (a repository's `tasks.yaml` is its input, and may point anywhere).
async fn load<S: Store>(path: &Path, store: &S, max_retries: u32) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return;
    };
    let text = match Workspace::open(dir).and_then(|dir| dir.read(name)) {
        Ok(Some(text)) => text,
        Ok(None) => return,
        Err(err) => {
            report(
                store,
                LogLevel::Error,
                format!("cannot read {}: {err}", path.display()),
            )
            .await;
            return;
        }
    };
    let parsed = tasks_file::parse(path, &text, max_retries);
    let result = match parsed {
        Ok(tasks) => tasks_file::enqueue(store, tasks).await,
        Err(err) => Err(err),
    };
    match result {
        Ok((queued, known)) => {
            if let Err(err) = store.put_state(TASKS_FILE_ERROR_KEY, "").await {
                tracing::warn!(%err, "cannot clear the tasks file's error");
            }
            if !queued.is_empty() {
                let ids: Vec<String> = queued.iter().map(i64::to_string).collect();
                report(
                    store,
                    LogLevel::Info,
                    format!(
                        "{}: queued {} new task(s) ({}); {} queued before",
                        path.display(),
                        queued.len(),
                        ids.join(", "),
                        known.len()
                    ),
                )
                .await;
            }
        }
        Err(err) => {
            let message = format!("{err:#}; nothing loaded from this save");
            if let Err(err) = store.put_state(TASKS_FILE_ERROR_KEY, &message).await {
                tracing::warn!(%err, "cannot record the tasks file's error");
            }
            report(store, LogLevel::Error, message).await;
        }
    }
}

/// To the daemon's log and the execution log (`intake`).
async fn report<S: Store>(store: &S, level: LogLevel, message: String) {
    match level {
        LogLevel::Error => tracing::error!("{message}"),
        _ => tracing::info!("{message}"),
    }
    let entry = NewLogEntry {
        task_id: None,
        attempt: None,
        level,
        event: "intake".to_owned(),
        message,
    };
    if let Err(err) = store.log(entry).await {
        tracing::warn!(%err, "cannot write the execution log");
    }
}
