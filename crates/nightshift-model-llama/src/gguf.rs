//! Validation of GGUF model files, without loading them.
//!
//! Reads the header, the metadata and the tensor table (the format is specified in ggml's
//! `docs/gguf.md`), and checks that every tensor's data lies inside the file — a truncated
//! download fails here rather than at the first task. llama.cpp's own parser checks the
//! structure but not the data's bounds until a full load, which the daemon defers.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 4] = b"GGUF";
/// Default alignment of the data section when `general.alignment` is absent.
const DEFAULT_ALIGNMENT: u64 = 32;
/// Longest string the parser accepts; longer ones mean corruption.
const MAX_STRING_BYTES: u64 = 64 << 20;
/// Key holding the Jinja chat template.
pub const CHAT_TEMPLATE_KEY: &str = "tokenizer.chat_template";

/// Why a model file is unusable.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    /// No file there.
    #[error(
        "model file {0} does not exist (run `nightshift model fetch`, or set GPT4ALL_MODEL_PATH)"
    )]
    Missing(PathBuf),
    /// Reading failed.
    #[error("cannot read model file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Not a GGUF file, or a damaged one.
    #[error("model file {path} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A GGUF file without the chat template nightshift needs to build prompts.
    #[error(
        "model file {0} has no chat template ({CHAT_TEMPLATE_KEY}); use an instruct/chat model"
    )]
    NoChatTemplate(PathBuf),
}

/// What validation learnt about a model file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GgufInfo {
    /// GGUF version.
    pub version: u32,
    /// `general.architecture`.
    pub architecture: Option<String>,
    /// `general.name`.
    pub name: Option<String>,
    /// Number of tensors.
    pub tensors: u64,
    /// Size of the file.
    pub file_bytes: u64,
}

/// Checks that `path` is a complete GGUF file with a chat template.
pub fn validate(path: &Path) -> Result<GgufInfo, GgufError> {
    let file = File::open(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => GgufError::Missing(path.to_owned()),
        _ => GgufError::Io {
            path: path.to_owned(),
            source,
        },
    })?;
    let file_bytes = file
        .metadata()
        .map_err(|source| GgufError::Io {
            path: path.to_owned(),
            source,
        })?
        .len();
    let corrupt = |reason: String| GgufError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let mut reader = Reader {
        inner: BufReader::new(file),
    };
    let parsed = reader
        .parse(file_bytes)
        .map_err(|err| corrupt(format!("unreadable header: {err}")))?;
    let end = parsed
        .data_end()
        .map_err(|reason| corrupt(reason.to_owned()))?;
    if end > file_bytes {
        return Err(corrupt(format!(
            "truncated: tensor data needs {end} bytes, the file has {file_bytes}"
        )));
    }
    if !parsed.has_chat_template {
        return Err(GgufError::NoChatTemplate(path.to_owned()));
    }
    Ok(GgufInfo {
        version: parsed.version,
        architecture: parsed.architecture,
        name: parsed.name,
        tensors: parsed.tensors.len() as u64,
        file_bytes,
    })
}

struct TensorInfo {
    dims: Vec<u64>,
    ggml_type: u32,
    offset: u64,
}

struct Parsed {
    version: u32,
    architecture: Option<String>,
    name: Option<String>,
    has_chat_template: bool,
    data_start: u64,
    tensors: Vec<TensorInfo>,
}

impl Parsed {
    /// Where the last byte of tensor data ends.
    fn data_end(&self) -> Result<u64, &'static str> {
        let mut end = self.data_start;
        for tensor in &self.tensors {
            let start = self
                .data_start
                .checked_add(tensor.offset)
                .ok_or("tensor offset overflows")?;
            let bytes = tensor_bytes(tensor).unwrap_or(0);
            end = end.max(start.checked_add(bytes).ok_or("tensor size overflows")?);
        }
        Ok(end)
    }
}

/// `(elements per block, bytes per block)` of ggml's tensor types (ggml.h `enum ggml_type`,
/// `ggml.c` `type_traits`). Unknown types are only offset-checked.
fn block_layout(ggml_type: u32) -> Option<(u64, u64)> {
    Some(match ggml_type {
        0 => (1, 4),       // F32
        1 => (1, 2),       // F16
        2 => (32, 18),     // Q4_0
        3 => (32, 20),     // Q4_1
        6 => (32, 22),     // Q5_0
        7 => (32, 24),     // Q5_1
        8 => (32, 34),     // Q8_0
        9 => (32, 36),     // Q8_1
        10 => (256, 84),   // Q2_K
        11 => (256, 110),  // Q3_K
        12 => (256, 144),  // Q4_K
        13 => (256, 176),  // Q5_K
        14 => (256, 210),  // Q6_K
        15 => (256, 292),  // Q8_K
        20 => (32, 18),    // IQ4_NL
        23 => (256, 136),  // IQ4_XS
        24 => (1, 1),      // I8
        25 => (1, 2),      // I16
        26 => (1, 4),      // I32
        27 | 28 => (1, 8), // I64, F64
        30 => (1, 2),      // BF16
        _ => return None,
    })
}

fn tensor_bytes(tensor: &TensorInfo) -> Option<u64> {
    let (block, bytes) = block_layout(tensor.ggml_type)?;
    let (first, rest) = tensor.dims.split_first()?;
    let rows = rest
        .iter()
        .try_fold(1u64, |acc, dim| acc.checked_mul(*dim))?;
    (first / block).checked_mul(bytes)?.checked_mul(rows)
}

struct Reader<R> {
    inner: R,
}

fn bad(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

impl<R: Read + Seek> Reader<R> {
    fn u32(&mut self) -> io::Result<u32> {
        let mut buf = [0u8; 4];
        self.inner.read_exact(&mut buf)?;
        Ok(u32::from_le_bytes(buf))
    }

    fn u64(&mut self) -> io::Result<u64> {
        let mut buf = [0u8; 8];
        self.inner.read_exact(&mut buf)?;
        Ok(u64::from_le_bytes(buf))
    }

    fn skip(&mut self, bytes: u64) -> io::Result<()> {
        let bytes = i64::try_from(bytes).map_err(|_| bad("skip too large"))?;
        self.inner.seek_relative(bytes)
    }

    fn string(&mut self) -> io::Result<String> {
        let len = self.u64()?;
        if len > MAX_STRING_BYTES {
            return Err(bad(format!("string of {len} bytes")));
        }
        let mut buf = vec![0u8; usize::try_from(len).map_err(|_| bad("string too long"))?];
        self.inner.read_exact(&mut buf)?;
        String::from_utf8(buf).map_err(|_| bad("string is not UTF-8"))
    }

    /// Skips a value of `value_type`, or reads it when it is a string or an integer we need.
    fn value(&mut self, value_type: u32) -> io::Result<Option<Scalar>> {
        let fixed = |bytes: u64| Some(bytes);
        let size = match value_type {
            0 | 1 | 7 => fixed(1),
            2 | 3 => fixed(2),
            4 => return self.u32().map(|v| Some(Scalar::Int(u64::from(v)))),
            5 | 6 => fixed(4),
            10 => return self.u64().map(|v| Some(Scalar::Int(v))),
            11 | 12 => fixed(8),
            8 => return self.string().map(|s| Some(Scalar::Str(s))),
            9 => {
                let item_type = self.u32()?;
                let count = self.u64()?;
                for _ in 0..count {
                    self.value(item_type)?;
                }
                return Ok(None);
            }
            other => return Err(bad(format!("unknown metadata type {other}"))),
        };
        if let Some(size) = size {
            self.skip(size)?;
        }
        Ok(None)
    }

    fn parse(&mut self, file_bytes: u64) -> io::Result<Parsed> {
        let mut magic = [0u8; 4];
        self.inner.read_exact(&mut magic)?;
        if &magic != MAGIC {
            return Err(bad("not a GGUF file (bad magic)"));
        }
        let version = self.u32()?;
        if !(2..=3).contains(&version) {
            return Err(bad(format!("unsupported GGUF version {version}")));
        }
        let tensor_count = self.u64()?;
        let kv_count = self.u64()?;
        // Every tensor and key takes well over 8 bytes: larger counts mean corruption.
        if tensor_count > file_bytes / 8 || kv_count > file_bytes / 8 {
            return Err(bad("implausible tensor or key count"));
        }
        let mut parsed = Parsed {
            version,
            architecture: None,
            name: None,
            has_chat_template: false,
            data_start: 0,
            tensors: Vec::new(),
        };
        let mut alignment = DEFAULT_ALIGNMENT;
        for _ in 0..kv_count {
            let key = self.string()?;
            let value_type = self.u32()?;
            let value = self.value(value_type)?;
            match (key.as_str(), value) {
                ("general.architecture", Some(Scalar::Str(s))) => parsed.architecture = Some(s),
                ("general.name", Some(Scalar::Str(s))) => parsed.name = Some(s),
                ("general.alignment", Some(Scalar::Int(n))) if n > 0 => alignment = n,
                (CHAT_TEMPLATE_KEY, Some(Scalar::Str(s))) => {
                    parsed.has_chat_template = !s.trim().is_empty();
                }
                _ => {}
            }
        }
        for _ in 0..tensor_count {
            self.string()?;
            let n_dims = self.u32()?;
            if n_dims > 8 {
                return Err(bad(format!("tensor with {n_dims} dimensions")));
            }
            let dims = (0..n_dims).map(|_| self.u64()).collect::<io::Result<_>>()?;
            let ggml_type = self.u32()?;
            let offset = self.u64()?;
            parsed.tensors.push(TensorInfo {
                dims,
                ggml_type,
                offset,
            });
        }
        let position = self.inner.stream_position()?;
        // Like ggml, the data section is padded to the alignment only when it holds tensors.
        parsed.data_start = if parsed.tensors.is_empty() {
            position
        } else {
            position.div_ceil(alignment) * alignment
        };
        Ok(parsed)
    }
}

enum Scalar {
    Int(u64),
    Str(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_garbage_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.gguf");
        let err = validate(&missing).unwrap_err();
        assert!(matches!(err, GgufError::Missing(_)), "{err}");
        assert!(err.to_string().contains("nightshift model fetch"));

        let garbage = dir.path().join("garbage.gguf");
        std::fs::write(&garbage, b"this is not a model at all").unwrap();
        let err = validate(&garbage).unwrap_err();
        assert!(
            err.to_string().contains("corrupt") && err.to_string().contains("bad magic"),
            "{err}"
        );

        let empty = dir.path().join("empty.gguf");
        std::fs::write(&empty, b"").unwrap();
        assert!(matches!(
            validate(&empty).unwrap_err(),
            GgufError::Corrupt { .. }
        ));
    }
}
