//! Cross-process change feed: a file watcher on the database directory ticks a watch channel.

use std::path::Path;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::watch;

/// Starts watching `dir` for writes to files whose name starts with `db_file_name` (the database
/// and its `-wal`); each one bumps `feed`. The returned watcher must be kept alive.
pub(crate) fn watch_directory(
    dir: &Path,
    db_file_name: String,
    feed: watch::Sender<u64>,
) -> notify::Result<RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let touches_db = event.paths.iter().any(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(&db_file_name) && !name.ends_with("-shm"))
        });
        if touches_db && (event.kind.is_modify() || event.kind.is_create()) {
            feed.send_modify(|version| *version = version.wrapping_add(1));
        }
    })?;
    watcher.watch(dir, RecursiveMode::NonRecursive)?;
    Ok(watcher)
}
