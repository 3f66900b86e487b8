//! The emulator's state (records, attachments, photos, stored files, OAuth clients and tokens)
//! and its blob storage: in memory, or streamed to files under `--data-dir` with the state kept
//! in `state.json` beside them so that it survives a restart.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Mutex;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use crate::modules::{self, Product};

/// Bytes read from or written to a stored file at a time: large reads and writes keep the
/// hops to tokio's blocking pool (one per call) few, so that the emulator is not what limits
/// a client benchmark.
const IO_CHUNK: usize = 1024 * 1024;

/// A record that attachments and photos hang off.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    /// Product.
    pub product: Product,
    /// Canonical module API name.
    pub module: String,
    /// 19-digit id (doc samples use shorter ones).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Locked records refuse uploads and deletes with RECORD_LOCKED.
    pub locked: bool,
}

/// An attachment: a file or a link.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    pub product: Product,
    pub module: String,
    pub record_id: String,
    pub file_name: String,
    pub size: u64,
    pub content_type: String,
    pub created: i64,
    pub modified: i64,
    /// The file-store id of the bytes (files only).
    pub file_id: Option<String>,
    /// The URL (links only).
    pub link_url: Option<String>,
}

/// A record photo.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Photo {
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub blob: String,
}

/// A file in the file store (attachments' bytes live here too).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredFile {
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub blob: String,
}

/// A file held by a record's file-upload or image-upload field: its id in the field (what
/// `download_fields_attachment` takes) and the stored file with its bytes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FieldFile {
    pub id: String,
    pub file_id: String,
}

/// An OAuth refresh token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RefreshToken {
    pub client_id: String,
    pub scopes: Vec<String>,
    /// The data centre it belongs to (`None`: the org's own).
    #[serde(default)]
    pub dc: Option<String>,
}

/// An access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccessToken {
    pub scopes: Vec<String>,
    /// Milliseconds since the epoch; `None` never expires (the printed demo token).
    pub expires_at_ms: Option<i64>,
    /// The refresh token that minted it.
    pub refresh: Option<String>,
    /// The data centre whose accounts server issued it (`None`: the org's own).
    #[serde(default)]
    pub dc: Option<String>,
}

/// A one-time grant code.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GrantCode {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub expires_at_ms: i64,
    /// The data centre it was granted in (`None`: the org's own).
    #[serde(default)]
    pub dc: Option<String>,
}

/// Everything the emulator remembers.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    /// Key `{product}/{module}/{id}`.
    pub records: BTreeMap<String, Record>,
    /// Key `{product}/{attachment id}`.
    pub attachments: BTreeMap<String, Attachment>,
    /// Key: the record key.
    pub photos: BTreeMap<String, Photo>,
    /// Key: file id.
    pub files: BTreeMap<String, StoredFile>,
    /// Key `{record key}#{field}`: the files each file-upload or image-upload field holds.
    #[serde(default)]
    pub field_files: BTreeMap<String, Vec<FieldFile>>,
    /// OAuth client id → secret.
    pub clients: BTreeMap<String, String>,
    pub refresh_tokens: BTreeMap<String, RefreshToken>,
    pub access_tokens: BTreeMap<String, AccessToken>,
    pub grant_codes: BTreeMap<String, GrantCode>,
    /// When each refresh token minted access tokens (ms), for the per-window limit.
    pub mint_log: BTreeMap<String, Vec<i64>>,
    /// v8 page tokens → (record key, offset, per_page).
    pub page_tokens: BTreeMap<String, (String, usize, usize)>,
    /// The next generated id.
    pub next_id: u64,
}

/// The key of one field of one record in [`State::field_files`].
pub fn field_key(record_key: &str, field: &str) -> String {
    format!("{record_key}#{field}")
}

/// The record key.
pub fn record_key(product: Product, module: &str, id: &str) -> String {
    format!("{}/{module}/{id}", product.as_str())
}

/// The attachment key.
pub fn attachment_key(product: Product, id: &str) -> String {
    format!("{}/{id}", product.as_str())
}

impl State {
    /// A fresh id: 19 digits.
    pub fn new_id(&mut self) -> String {
        if self.next_id < 5_725_767_000_500_000_000 {
            self.next_id = 5_725_767_000_500_000_000;
        }
        self.next_id += 1;
        self.next_id.to_string()
    }

    /// An opaque random-looking token with a prefix.
    /// A list answer's `info` for `count` items from `offset` of `total`, and in CRM v8 (`v8`)
    /// a `next_page_token` (valid 24 h) that resumes `list_key` after them.
    pub fn page_info(
        &mut self,
        list_key: &str,
        offset: usize,
        per_page: usize,
        count: usize,
        total: usize,
        v8: bool,
    ) -> serde_json::Value {
        let more = offset + count < total;
        let mut info = serde_json::json!({
            "per_page": per_page,
            "count": count,
            "page": offset / per_page.max(1) + 1,
            "more_records": more,
        });
        if v8 {
            let next = more.then(|| {
                let token = self.new_secret("pt.");
                let resume = (list_key.to_owned(), offset + per_page, per_page);
                self.page_tokens.insert(token.clone(), resume);
                token
            });
            let expiry = next
                .as_ref()
                .map(|_| crate::zoho::iso(crate::zoho::now_secs() + 86_400));
            info["next_page_token"] = serde_json::json!(next);
            info["previous_page_token"] = serde_json::Value::Null;
            info["page_token_expiry"] = serde_json::json!(expiry);
        }
        info
    }

    pub fn new_secret(&mut self, prefix: &str) -> String {
        use std::hash::{BuildHasher, Hasher};
        let mut out = String::from(prefix);
        for _ in 0..2 {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(self.next_id);
            out.push_str(&format!("{:016x}", h.finish()));
        }
        self.next_id += 1;
        out
    }

    /// Adds a record; returns its id.
    pub fn add_record(
        &mut self,
        product: Product,
        module: &str,
        id: Option<String>,
        name: Option<String>,
        locked: bool,
    ) -> Option<String> {
        let module = modules::canonical(product, module)?.to_owned();
        let id = id.unwrap_or_else(|| self.new_id());
        let name = name.unwrap_or_else(|| format!("{module} {id}"));
        self.records.insert(
            record_key(product, &module, &id),
            Record {
                product,
                module,
                id: id.clone(),
                name,
                locked,
            },
        );
        Some(id)
    }
}

/// Seeded credentials, printed by the binary and returned by the library.
pub const CLIENT_ID: &str = "1000.EMULATORCLIENTID0000000000";
/// Seeded client secret.
pub const CLIENT_SECRET: &str = "emulator-client-secret";
/// Seeded refresh token (all scopes).
pub const REFRESH_TOKEN: &str = "1000.emulator0refresh0token.0000000000000000";
/// Seeded access token that never expires (all scopes).
pub const ACCESS_TOKEN: &str = "1000.emulator0access0token.0000000000000000";
/// The org id (`soid` is `ZohoCRM.<this>` or `ZohoBigin.<this>`).
pub const ORG_ID: &str = "10234695";

/// Every scope the emulator knows, granted to the seeded tokens.
pub const ALL_SCOPES: &[&str] = &[
    "ZohoCRM.modules.ALL",
    "ZohoCRM.files.ALL",
    "ZohoCRM.users.ALL",
    "ZohoCRM.org.ALL",
    "ZohoCRM.settings.ALL",
    "ZohoBigin.modules.ALL",
    "ZohoBigin.settings.ALL",
];

/// A 1×1 PNG.
pub const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x02, 0x00,
    0x00, 0x05, 0x00, 0x01, 0xe9, 0xfa, 0xdc, 0xd8, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44,
    0xae, 0x42, 0x60, 0x82,
];

/// Where uploaded bytes live.
pub enum Blobs {
    /// In memory (the default).
    Memory(Mutex<HashMap<String, Bytes>>),
    /// Files in this directory.
    Disk(PathBuf),
}

/// A byte stream for a response body.
pub type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// A blob being written.
pub enum BlobWriter {
    /// Collecting in memory.
    Memory { key: String, buf: Vec<u8> },
    /// Streaming to a temporary file, renamed on finish.
    Disk {
        key: String,
        tmp: PathBuf,
        file: tokio::io::BufWriter<tokio::fs::File>,
    },
}

impl Blobs {
    /// Starts a new blob under `key`.
    pub async fn writer(&self, key: String) -> io::Result<BlobWriter> {
        match self {
            Blobs::Memory(_) => Ok(BlobWriter::Memory {
                key,
                buf: Vec::new(),
            }),
            Blobs::Disk(dir) => {
                let tmp = dir.join(format!("{key}.part"));
                let file = tokio::fs::File::create(&tmp).await?;
                let file = tokio::io::BufWriter::with_capacity(IO_CHUNK, file);
                Ok(BlobWriter::Disk { key, tmp, file })
            }
        }
    }

    /// Stores small bytes at once (seeds).
    pub async fn put(&self, key: &str, data: &[u8]) -> io::Result<()> {
        let mut w = self.writer(key.to_owned()).await?;
        w.write(data).await?;
        self.finish(w).await
    }

    /// Completes a blob.
    pub async fn finish(&self, w: BlobWriter) -> io::Result<()> {
        match (self, w) {
            (Blobs::Memory(map), BlobWriter::Memory { key, buf }) => {
                lock(map).insert(key, Bytes::from(buf));
                Ok(())
            }
            (Blobs::Disk(dir), BlobWriter::Disk { key, tmp, mut file }) => {
                file.flush().await?;
                file.get_mut().sync_all().await?;
                drop(file);
                tokio::fs::rename(&tmp, dir.join(&key)).await
            }
            _ => Err(io::Error::other("blob writer of another store")),
        }
    }

    /// Drops a blob being written.
    pub async fn abort(&self, w: BlobWriter) {
        if let BlobWriter::Disk { tmp, file, .. } = w {
            drop(file);
            let _ = tokio::fs::remove_file(tmp).await;
        }
    }

    /// A stream of the blob's bytes and its length.
    pub async fn read(&self, key: &str) -> io::Result<(u64, ByteStream)> {
        match self {
            Blobs::Memory(map) => {
                let data = lock(map)
                    .get(key)
                    .cloned()
                    .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such blob"))?;
                let len = data.len() as u64;
                let chunks: Vec<io::Result<Bytes>> = (0..data.len())
                    .step_by(64 * 1024)
                    .map(|i| Ok(data.slice(i..(i + 64 * 1024).min(data.len()))))
                    .collect();
                Ok((len, futures_util::stream::iter(chunks).boxed()))
            }
            Blobs::Disk(dir) => {
                let mut file = tokio::fs::File::open(dir.join(key)).await?;
                let len = file.metadata().await?.len();
                file.set_max_buf_size(IO_CHUNK);
                let stream = tokio_util::io::ReaderStream::with_capacity(file, IO_CHUNK);
                Ok((len, stream.boxed()))
            }
        }
    }

    /// Deletes a blob.
    pub async fn remove(&self, key: &str) {
        match self {
            Blobs::Memory(map) => {
                lock(map).remove(key);
            }
            Blobs::Disk(dir) => {
                let _ = tokio::fs::remove_file(dir.join(key)).await;
            }
        }
    }
}

impl BlobWriter {
    /// Appends bytes.
    pub async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        match self {
            BlobWriter::Memory { buf, .. } => {
                buf.extend_from_slice(chunk);
                Ok(())
            }
            BlobWriter::Disk { file, .. } => file.write_all(chunk).await,
        }
    }

    /// The blob's key.
    pub fn key(&self) -> &str {
        match self {
            BlobWriter::Memory { key, .. } | BlobWriter::Disk { key, .. } => key,
        }
    }
}

/// Locks a mutex, recovering the data if a thread panicked while holding it.
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes the `.part` files an earlier run left in `dir` (an upload killed mid-way); none is
/// in use when the emulator starts.
pub fn remove_stale_parts(dir: &Path) -> io::Result<usize> {
    let mut n = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let is_part = entry.file_name().to_string_lossy().ends_with(".part");
        if is_part && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
            n += 1;
        }
    }
    Ok(n)
}

/// Loads `state.json` from a data directory, if there is one.
pub fn load(dir: &Path) -> io::Result<Option<State>> {
    match std::fs::read(dir.join("state.json")) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Writes `state.json` atomically (temporary file, then rename).
pub fn save(dir: &Path, state: &State) -> io::Result<()> {
    let tmp = dir.join("state.json.tmp");
    let bytes = serde_json::to_vec(state).map_err(io::Error::other)?;
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, dir.join("state.json"))
}
