//! What every subcommand needs: the configuration and the store of the target repository.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context as _;
use nightshift_config::{Config, Layers};
use nightshift_store_sqlite::SqliteStore;

use crate::command::GlobalArgs;

/// Configuration plus the repository it applies to.
pub(crate) struct Context {
    pub(crate) config: Config,
    pub(crate) repo: PathBuf,
}

impl Context {
    pub(crate) fn load(
        global: &GlobalArgs,
        env: BTreeMap<String, String>,
        typed_flags: Vec<(String, String, String)>,
    ) -> anyhow::Result<Self> {
        let repo = match &global.repo {
            Some(repo) => repo.clone(),
            None => std::env::current_dir().context("reading the current directory")?,
        };
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
        let config = Config::load(&Layers {
            config_file: global.config.clone(),
            repo: repo.clone(),
            env,
            flags,
        })?;
        Ok(Self { config, repo })
    }

    pub(crate) async fn store(&self) -> anyhow::Result<SqliteStore> {
        let path = &self.config.database_path;
        SqliteStore::open(path)
            .await
            .with_context(|| format!("opening the database {}", path.display()))
    }
}
