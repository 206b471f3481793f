//! What the unit tests share: trees of files on disk, and the sandbox they run code in.

use std::path::Path;

use nightshift_sandbox::{Limits, Mode, Sandbox};
use tempfile::TempDir;

/// A new temporary directory holding `files`, each a path and its content.
pub(crate) fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), files);
    dir
}

/// Writes `files` under `root`, making their directories as needed.
pub(crate) fn put(root: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// The sandbox this machine gives generated code.
pub(crate) async fn sandbox() -> Sandbox {
    Sandbox::detect(Mode::Auto, Limits::default())
        .await
        .unwrap()
}
