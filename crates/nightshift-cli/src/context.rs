//! What every subcommand needs: the configuration and the store of the target repository.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use nightshift_config::{Config, Layers};
use nightshift_store_sqlite::SqliteStore;

use crate::command::GlobalArgs;

/// Configuration plus the repository it applies to.
pub(crate) struct Context {
    pub(crate) config: Config,
    pub(crate) repo: PathBuf,
    layers: Layers,
}

impl Context {
    pub(crate) fn load(
        global: &GlobalArgs,
        env: BTreeMap<String, String>,
        typed_flags: Vec<(String, String, String)>,
    ) -> anyhow::Result<Self> {
        let given = match &global.repo {
            Some(repo) => repo.clone(),
            None => std::env::current_dir().context("reading the current directory")?,
        };
        let repo = repository_top(&given);
        let mut flags = Vec::new();
        for raw in &global.overrides {
            let (key, value) = raw
                .split_once('=')
                .ok_or_else(|| nightshift_config::ConfigError::Override(raw.clone()))?;
            flags.push((
                key.trim().to_owned(),
                value.trim().to_owned(),
                format!("-c {key}"),
            ));
        }
        flags.extend(typed_flags);
        let layers = Layers {
            user_file: nightshift_config::user_config_file(&env),
            config_file: global.config.clone(),
            repo: repo.clone(),
            env,
            flags,
            stored: BTreeMap::new(),
        };
        let config = Config::load(&layers)?;
        Ok(Self {
            config,
            repo,
            layers,
        })
    }

    /// The configuration with the settings made from the dashboard over it, if the queue's
    /// database exists and holds some (a command never creates the database just to look).
    pub(crate) async fn with_stored_settings(mut self) -> anyhow::Result<Self> {
        if !self.config.database_path.is_file() {
            return Ok(self);
        }
        let stored = stored_settings(&self.store().await?).await?;
        if stored.is_empty() {
            return Ok(self);
        }
        let layers = Layers {
            stored,
            ..self.layers.clone()
        };
        // Settings that no longer hold with the other layers (a file changed since) are left
        // out, said so, rather than stopping every command: the dashboard is where they are
        // mended.
        match Config::load(&layers) {
            Ok(config) => {
                self.config = config;
                self.layers = layers;
            }
            Err(err) => self.config.ignored.push(format!(
                "the settings made from the dashboard do not apply ({err}): ignored until changed there"
            )),
        }
        Ok(self)
    }

    /// The configuration's layers.
    pub(crate) fn layers(&self) -> &Layers {
        &self.layers
    }

    /// The configuration `stored` would make, checked by the rules of every other layer.
    pub(crate) fn config_with(&self, stored: BTreeMap<String, String>) -> Result<Config, String> {
        let layers = Layers {
            stored,
            ..self.layers.clone()
        };
        Config::load(&layers).map_err(|err| err.to_string())
    }

    pub(crate) async fn store(&self) -> anyhow::Result<SqliteStore> {
        let path = &self.config.database_path;
        SqliteStore::open(path)
            .await
            .with_context(|| format!("opening the database {}", path.display()))
    }
}

/// The settings made from the dashboard, as the store keeps them.
pub(crate) async fn stored_settings(
    store: &SqliteStore,
) -> anyhow::Result<BTreeMap<String, String>> {
    use nightshift_store::SystemState as _;
    Ok(store.dashboard_settings().await?)
}

/// The top of the work tree holding `path` (the nearest directory with a `.git`), so the
/// configuration and the database are the same whichever subdirectory a command runs in;
/// `path` itself outside any work tree.
fn repository_top(path: &Path) -> PathBuf {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    path.ancestors()
        .find(|dir| dir.join(".git").exists())
        .map_or_else(|| path.clone(), Path::to_owned)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use nightshift_store::SystemState as _;

    use super::{Context, repository_top};
    use crate::command::GlobalArgs;

    #[tokio::test]
    async fn dashboard_settings_apply_over_the_rest_and_ones_that_no_longer_hold_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let global = GlobalArgs {
            repo: Some(dir.path().to_owned()),
            config: None,
            overrides: Vec::new(),
        };
        let env = BTreeMap::from([("TASK_TIMEOUT".to_owned(), "90".to_owned())]);
        let load = || Context::load(&global, env.clone(), Vec::new()).unwrap();
        // No database yet: none is made just to look.
        let ctx = load().with_stored_settings().await.unwrap();
        assert!(!ctx.config.database_path.exists());
        let store = ctx.store().await.unwrap();
        store
            .put_state(nightshift_store::SETTINGS_KEY, r#"{"task_timeout":"600"}"#)
            .await
            .unwrap();
        let ctx = load().with_stored_settings().await.unwrap();
        assert_eq!(ctx.config.task_timeout, Duration::from_secs(600));
        // A value the rules refuse stops no command: it is left out, and said so.
        store
            .put_state(nightshift_store::SETTINGS_KEY, r#"{"task_timeout":"0"}"#)
            .await
            .unwrap();
        let ctx = load().with_stored_settings().await.unwrap();
        assert_eq!(ctx.config.task_timeout, Duration::from_secs(90));
        assert!(
            ctx.config
                .ignored
                .iter()
                .any(|n| n.contains("dashboard") && n.contains("task_timeout")),
            "{:?}",
            ctx.config.ignored
        );
    }

    #[test]
    fn a_subdirectory_resolves_to_the_top_of_its_work_tree() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().canonicalize().unwrap().join("repo");
        std::fs::create_dir_all(top.join(".git")).unwrap();
        std::fs::create_dir_all(top.join("src/deep")).unwrap();
        assert_eq!(repository_top(&top.join("src/deep")), top);
        assert_eq!(repository_top(&top), top);
        let outside = dir.path().canonicalize().unwrap();
        assert_eq!(repository_top(&outside), outside);
    }
}
