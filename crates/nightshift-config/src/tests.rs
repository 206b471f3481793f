use std::collections::BTreeMap;

use pretty_assertions::assert_eq;

use super::*;

fn layers(repo: &Path) -> Layers {
    Layers {
        repo: repo.to_owned(),
        ..Layers::default()
    }
}

#[test]
fn seed_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::load(&layers(dir.path())).unwrap();
    assert_eq!(config.model_type, ModelType::Ollama);
    assert_eq!(config.model_name, "codellama:7b-instruct");
    assert_eq!(config.worker_count, 3);
    assert_eq!(config.max_retries, 3);
    assert_eq!(config.task_timeout, Duration::from_secs(300));
    assert_eq!(config.port, 5000);
    assert!(!config.git_auto_push);
    assert_eq!(config.checkpoint_days, 7);
    assert_eq!(
        config.database_path,
        dir.path().join(".nightshift/nightshift.db")
    );
    assert!(
        config
            .explain()
            .iter()
            .all(|(_, _, source)| *source == Source::Default)
    );
}

#[test]
fn file_then_env_then_flag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(CONFIG_FILE_NAME),
        "worker_count = 5\nmax_retries = 1\ntask_timeout = 60\n",
    )
    .unwrap();
    let mut layers = layers(dir.path());
    layers.env = BTreeMap::from([
        ("WORKER_COUNT".to_owned(), "7".to_owned()),
        ("NIGHTSHIFT_TASK_TIMEOUT".to_owned(), "90".to_owned()),
        ("OPENAI_API_KEY".to_owned(), "sk-secret".to_owned()),
    ]);
    layers.flags = vec![("worker_count".into(), "2".into(), "-c".into())];
    let config = Config::load(&layers).unwrap();
    assert_eq!(config.worker_count, 2);
    assert_eq!(config.max_retries, 1);
    assert_eq!(config.task_timeout, Duration::from_secs(90));
    assert_eq!(
        config.source_of("worker_count"),
        Some(&Source::Flag("-c".into()))
    );
    assert_eq!(
        config.source_of("max_retries"),
        Some(&Source::File(dir.path().join(CONFIG_FILE_NAME)))
    );
    assert_eq!(
        config.source_of("task_timeout"),
        Some(&Source::Env("NIGHTSHIFT_TASK_TIMEOUT".into()))
    );
    let key = config
        .explain()
        .into_iter()
        .find(|(k, ..)| *k == "openai_api_key")
        .unwrap();
    assert_eq!(key.1, "<redacted>");
    assert!(!format!("{config:?}").contains("sk-secret"));
}

#[test]
fn errors_name_the_key_and_source() {
    let dir = tempfile::tempdir().unwrap();
    let mut env_layers = layers(dir.path());
    env_layers.env = BTreeMap::from([("WORKER_COUNT".to_owned(), "0".to_owned())]);
    let err = Config::load(&env_layers).unwrap_err().to_string();
    assert!(
        err.contains("worker_count") && err.contains("env WORKER_COUNT"),
        "{err}"
    );

    std::fs::write(dir.path().join(CONFIG_FILE_NAME), "wokers = 3\n").unwrap();
    let err = Config::load(&layers(dir.path())).unwrap_err().to_string();
    assert!(
        err.contains("unknown setting `wokers`") && err.contains("nightshift.toml"),
        "{err}"
    );

    std::fs::write(
        dir.path().join(CONFIG_FILE_NAME),
        "max_retries = \"many\"\n",
    )
    .unwrap();
    let err = Config::load(&layers(dir.path())).unwrap_err().to_string();
    assert!(
        err.contains("max_retries") && err.contains("whole number"),
        "{err}"
    );

    std::fs::write(dir.path().join(CONFIG_FILE_NAME), "max_retries = [1]\n").unwrap();
    let err = Config::load(&layers(dir.path())).unwrap_err().to_string();
    assert!(
        err.contains("max_retries") && err.contains("array"),
        "{err}"
    );

    std::fs::remove_file(dir.path().join(CONFIG_FILE_NAME)).unwrap();
    let mut flag_layers = layers(dir.path());
    flag_layers.flags = vec![("model_type".into(), "gpt5".into(), "-c".into())];
    let err = Config::load(&flag_layers).unwrap_err().to_string();
    assert!(
        err.contains("model_type") && err.contains("flag -c"),
        "{err}"
    );
}
