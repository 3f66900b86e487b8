//! Where access tokens are kept, so that every call of a client, and several processes, share
//! one token instead of each minting its own (Zoho allows 10 per refresh token per 10 minutes).
//!
//! [`TokenStore`] (from `zoho-core`) is the hook; [`MemoryTokenStore`] keeps tokens for one process and
//! [`FileTokenStore`] in a JSON file written atomically with mode 0600, with an OS lock so that
//! the processes of one machine mint one token per expiry between them.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use zoho_core::BaseUrl;
use zoho_core::auth::Secret;

pub use zoho_core::config::{StoredToken, TokenStore};

#[cfg(feature = "redis")]
mod redis_store;
#[cfg(feature = "redis")]
pub use redis_store::RedisTokenStore;

/// Tokens kept in this process's memory (and the times they were minted, so that the clients of
/// the process share one token budget).
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<BTreeMap<String, StoredToken>>,
    mints: Mutex<BTreeMap<String, Vec<SystemTime>>>,
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, key: &str) -> io::Result<Option<StoredToken>> {
        Ok(self
            .tokens
            .lock()
            .map_err(|_| poisoned())?
            .get(key)
            .cloned())
    }

    fn store(&self, key: &str, token: &StoredToken) -> io::Result<()> {
        self.tokens
            .lock()
            .map_err(|_| poisoned())?
            .insert(key.to_owned(), token.clone());
        Ok(())
    }

    fn mints(&self, key: &str, since: SystemTime) -> io::Result<Option<Vec<SystemTime>>> {
        let mut all = self.mints.lock().map_err(|_| poisoned())?;
        let log = all.entry(key.to_owned()).or_default();
        log.retain(|t| *t > since);
        Ok(Some(log.clone()))
    }

    fn record_mint(&self, key: &str, at: SystemTime) -> io::Result<()> {
        let mut all = self.mints.lock().map_err(|_| poisoned())?;
        all.entry(key.to_owned()).or_default().push(at);
        Ok(())
    }
}

fn poisoned() -> io::Error {
    io::Error::other("token store lock poisoned")
}

/// Tokens kept in a JSON file that several processes can share. Each write goes to a temporary
/// file beside it (mode 0600 on Unix) and is renamed over it, so a reader never sees half a file.
#[derive(Debug)]
pub struct FileTokenStore {
    path: PathBuf,
    lock: Mutex<()>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct FileEntry {
    access_token: String,
    expires_at_unix: u64,
    api_domain: Option<String>,
}

/// What the file keeps per key: the token, and when tokens were minted in the last window.
#[derive(Serialize, Deserialize, Default)]
struct FileSlot {
    #[serde(flatten, default)]
    token: Option<FileEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    minted_unix_ms: Vec<u64>,
}

/// Milliseconds since the epoch (0 before it).
pub(crate) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The time `ms` milliseconds after the epoch.
pub(crate) fn from_unix_ms(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
}

impl FileEntry {
    pub(crate) fn of(token: &StoredToken) -> Self {
        FileEntry {
            access_token: token.access_token.expose().to_owned(),
            expires_at_unix: unix_ms(token.expires_at) / 1000,
            api_domain: token.api_domain.as_ref().map(|d| d.as_str().to_owned()),
        }
    }

    pub(crate) fn token(self) -> StoredToken {
        StoredToken {
            access_token: Secret::new(self.access_token),
            expires_at: SystemTime::UNIX_EPOCH + Duration::from_secs(self.expires_at_unix),
            api_domain: self.api_domain.and_then(|d| BaseUrl::new(d).ok()),
        }
    }
}

impl FileTokenStore {
    /// A store in `path` (created on the first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Changes the slot of `key` and writes the file again (an unreadable file is replaced).
    fn update(&self, key: &str, change: impl FnOnce(&mut FileSlot)) -> io::Result<()> {
        let _guard = self.lock.lock().map_err(|_| poisoned())?;
        let mut all = self.read_all().unwrap_or_default();
        change(all.entry(key.to_owned()).or_default());
        let bytes = serde_json::to_vec_pretty(&all).map_err(io::Error::other)?;
        if let Some(dir) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        write_private_atomic(&self.path, &bytes)
    }

    fn read_all(&self) -> io::Result<BTreeMap<String, FileSlot>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: {e}", self.path.display()),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e),
        }
    }
}

impl TokenStore for FileTokenStore {
    fn load(&self, key: &str) -> io::Result<Option<StoredToken>> {
        let _guard = self.lock.lock().map_err(|_| poisoned())?;
        let slot = self.read_all()?.remove(key);
        Ok(slot.and_then(|s| s.token).map(FileEntry::token))
    }

    fn store(&self, key: &str, token: &StoredToken) -> io::Result<()> {
        self.update(key, |slot| slot.token = Some(FileEntry::of(token)))
    }

    /// Kept in the file beside the token, so CLI runs and workers on one machine share Zoho's
    /// budget of tokens per window.
    fn mints(&self, key: &str, since: SystemTime) -> io::Result<Option<Vec<SystemTime>>> {
        let _guard = self.lock.lock().map_err(|_| poisoned())?;
        let slot = self.read_all()?.remove(key).unwrap_or_default();
        let since = unix_ms(since);
        let times = slot.minted_unix_ms.into_iter().filter(|t| *t > since);
        Ok(Some(times.map(from_unix_ms).collect()))
    }

    fn record_mint(&self, key: &str, at: SystemTime) -> io::Result<()> {
        // Older than a day is of no use to any budget.
        let day_before = unix_ms(at).saturating_sub(86_400_000);
        self.update(key, |slot| {
            slot.minted_unix_ms.retain(|t| *t > day_before);
            slot.minted_unix_ms.push(unix_ms(at));
        })
    }

    /// An OS advisory lock on `{path}.lock` (`flock` on Unix, `LockFileEx` on Windows), so one
    /// process on the machine mints while the others wait and then read its token. The OS lets
    /// go if the holder dies.
    fn try_lease(&self, _key: &str) -> io::Result<Option<Box<dyn Send>>> {
        let mut name = self.path.clone().into_os_string();
        name.push(".lock");
        let path = PathBuf::from(name);
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = std::fs::File::options();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Box::new(file))),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

/// Replaces `path` with `bytes` through a temporary file beside it, created readable and
/// writable by its owner only (mode 0600 on Unix) and renamed over `path`: a reader sees the old
/// file or the new one, never half of one. For any file holding secrets.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("secrets");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    write_private(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Creates `path` readable and writable by its owner only, and writes `bytes` to it.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn token(s: &str) -> StoredToken {
        StoredToken {
            access_token: Secret::new(s),
            expires_at: SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000),
            api_domain: Some(BaseUrl::new("https://www.zohoapis.eu").unwrap()),
        }
    }

    #[test]
    fn memory_store_round_trips() {
        let m = MemoryTokenStore::default();
        assert!(m.load("a").unwrap().is_none());
        m.store("a", &token("t1")).unwrap();
        assert_eq!(m.load("a").unwrap().unwrap(), token("t1"));
    }

    #[test]
    fn file_store_round_trips_privately_and_atomically() {
        let dir = std::env::temp_dir().join(format!("zoho-token-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("tokens.json");
        let a = FileTokenStore::new(&path);
        a.store("client-1", &token("t1")).unwrap();
        a.store("client-2", &token("t2")).unwrap();
        // A second store on the same file (another process) sees both.
        let b = FileTokenStore::new(&path);
        assert_eq!(b.load("client-1").unwrap().unwrap(), token("t1"));
        assert_eq!(
            b.load("client-2").unwrap().unwrap().access_token.expose(),
            "t2"
        );
        assert!(b.load("client-3").unwrap().is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn mints_are_counted_across_stores_of_one_file_beside_the_token() {
        let dir = std::env::temp_dir().join(format!("zoho-token-mints-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("tokens.json");
        // A file written before mints were counted is read as it is.
        std::fs::create_dir_all(&dir).unwrap();
        let old = r#"{"k":{"access_token":"t0","expires_at_unix":2000000000,"api_domain":null}}"#;
        std::fs::write(&path, old).unwrap();
        let (a, b) = (FileTokenStore::new(&path), FileTokenStore::new(&path));
        assert_eq!(a.load("k").unwrap().unwrap().access_token.expose(), "t0");
        let t = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s);
        a.record_mint("k", t(0)).unwrap();
        a.record_mint("k", t(100)).unwrap();
        b.record_mint("other", t(100)).unwrap();
        assert_eq!(b.mints("k", t(0)).unwrap().unwrap(), vec![t(100)]);
        assert_eq!(
            b.mints("k", t(0) - Duration::from_secs(1))
                .unwrap()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(b.load("k").unwrap().unwrap().access_token.expose(), "t0");
        b.store("k", &token("t1")).unwrap();
        assert_eq!(a.mints("k", t(0)).unwrap().unwrap(), vec![t(100)]);
        assert!(
            a.load("other").unwrap().is_none(),
            "mints alone are no token"
        );
        let m = MemoryTokenStore::default();
        m.record_mint("k", t(5)).unwrap();
        assert_eq!(m.mints("k", t(4)).unwrap().unwrap(), vec![t(5)]);
        assert_eq!(m.mints("k", t(5)).unwrap().unwrap(), vec![]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_corrupt_file_is_an_error_not_a_panic() {
        let path =
            std::env::temp_dir().join(format!("zoho-token-store-bad-{}.json", std::process::id()));
        std::fs::write(&path, b"{not json").unwrap();
        let s = FileTokenStore::new(&path);
        let e = s.load("x").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let _ = std::fs::remove_file(&path);
    }
}
