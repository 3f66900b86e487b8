//! A backup's manifest: `manifest.jsonl` in the backup directory, one JSON line per attachment
//! backed up (a file, with its path, size and SHA-256, or a link). Lines are appended whole, under
//! the interrupt lock, so a signal never leaves half of one; a line cut some other way (a crash,
//! a full disk) is ignored when read, and its attachment counts as not done.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::fail::Failure;

/// One line.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    /// The module the record is in (missing in manifests written before restore existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    pub record: String,
    pub attachment_id: String,
    pub file_name: String,
    /// Relative to the backup directory; empty for a link.
    pub path: String,
    pub size: u64,
    /// Of the file; empty for a link.
    pub sha256: String,
    /// The URL, for a link attachment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_url: Option<String>,
}

/// The manifest's path in a backup directory.
pub fn path_in(dir: &Path) -> PathBuf {
    dir.join("manifest.jsonl")
}

/// Every whole line of the JSON-lines file at `path` (none when it does not exist).
pub fn load<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, Failure> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Failure::io(&format!("cannot read {}", path.display()), e)),
    };
    let mut out = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| Failure::io(&format!("cannot read {}", path.display()), e))?;
        if let Ok(e) = serde_json::from_str::<T>(&line) {
            out.push(e);
        }
    }
    Ok(out)
}

/// Appends lines to a JSON-lines file, each whole and flushed.
pub struct Appender(Mutex<std::fs::File>);

impl Appender {
    pub fn open(path: &Path) -> Result<Self, Failure> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Failure::io(&format!("cannot open {}", path.display()), e))?;
        Ok(Self(Mutex::new(f)))
    }

    pub fn append<T: Serialize>(&self, line: &T) -> Result<(), Failure> {
        let mut text = serde_json::to_string(line).map_err(|e| Failure::usage(e.to_string()))?;
        text.push('\n');
        let mut f = self
            .0
            .lock()
            .map_err(|_| Failure::usage("the manifest lock was poisoned"))?;
        let _writing = crate::interrupt::writing();
        f.write_all(text.as_bytes())
            .and_then(|()| f.flush())
            .map_err(|e| Failure::io("cannot write the manifest", e))
    }
}

/// The SHA-256 of a file, as lower-case hex.
pub fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
