//! A token store for fleets, on Redis: every worker of every host reads the one token, and a
//! lease (`SET NX PX`) lets exactly one of them mint when it expires while the others wait and
//! then read. A lease holder that dies is replaced once its lease expires. The times of the
//! fleet's mints are kept in a sorted set, so that all of it together stays within Zoho's
//! budget of tokens per refresh token per window.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::{FileEntry, StoredToken, TokenStore, from_unix_ms, unix_ms};

/// Tokens in Redis, shared by every process and host that uses the same server and prefix.
///
/// The access token itself is kept in Redis (never the client secret or refresh token): give
/// the server a password and keep it on a private network, as for any secret (this build speaks
/// plain `redis://`; the redis crate's TLS features are off), and give each fleet a key prefix
/// of its own ([`with_prefix`](Self::with_prefix)).
///
/// ```no_run
/// # fn main() -> std::io::Result<()> {
/// let store = zoho_token_store::RedisTokenStore::new("redis://:password@10.0.0.5:6379/0")?;
/// let mut config = zoho_core::ClientConfig::from_env().map_err(std::io::Error::other)?;
/// config.token_store = Some(std::sync::Arc::new(store));
/// # Ok(()) }
/// ```
pub struct RedisTokenStore {
    shared: Arc<Shared>,
    lease_ttl: Duration,
}

struct Shared {
    client: redis::Client,
    conn: Mutex<Option<redis::Connection>>,
    prefix: String,
}

impl std::fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("RedisTokenStore")
            .field("prefix", &self.shared.prefix)
            .field("lease_ttl", &self.lease_ttl)
            .finish_non_exhaustive()
    }
}

impl RedisTokenStore {
    /// A store on the Redis server at `url` (`redis://host:port/db`, with a password if it
    /// needs one); keys start with `zoho:`. Nothing is sent until the first call.
    pub fn new(url: &str) -> io::Result<Self> {
        let client = redis::Client::open(url).map_err(|e| io_err("the Redis URL", e))?;
        Ok(Self {
            shared: Arc::new(Shared {
                client,
                conn: Mutex::new(None),
                prefix: String::from("zoho:"),
            }),
            lease_ttl: Duration::from_secs(30),
        })
    }

    /// The same store with its keys under `prefix` (several fleets on one server).
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        if let Some(s) = Arc::get_mut(&mut self.shared) {
            s.prefix = prefix.to_owned();
        }
        self
    }

    /// How long a lease lasts if its holder never lets go (it died mid-mint, say): after it,
    /// another worker mints. Longer than a token request can take; 30 s by default.
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }
}

impl Shared {
    /// Runs `f` on the kept connection, opening one (again) when there is none or it failed.
    fn with<T>(
        &self,
        f: impl Fn(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> io::Result<T> {
        let mut slot = self
            .conn
            .lock()
            .map_err(|_| io::Error::other("Redis lock poisoned"))?;
        if let Some(conn) = slot.as_mut()
            && let Ok(v) = f(conn)
        {
            return Ok(v);
        }
        let mut conn = self
            .client
            .get_connection()
            .map_err(|e| io_err("connecting to Redis", e))?;
        let v = f(&mut conn).map_err(|e| io_err("a Redis command", e))?;
        *slot = Some(conn);
        Ok(v)
    }
}

impl TokenStore for RedisTokenStore {
    fn load(&self, key: &str) -> io::Result<Option<StoredToken>> {
        let k = format!("{}token:{key}", self.shared.prefix);
        let raw: Option<String> = self.shared.with(|c| redis::cmd("GET").arg(&k).query(c))?;
        raw.map(|r| serde_json::from_str::<FileEntry>(&r).map(FileEntry::token))
            .transpose()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{k}: {e}")))
    }

    fn store(&self, key: &str, token: &StoredToken) -> io::Result<()> {
        let k = format!("{}token:{key}", self.shared.prefix);
        let json = serde_json::to_string(&FileEntry::of(token)).map_err(io::Error::other)?;
        // Kept until it expires (at least a second, so a just-expired token is not refused).
        let left = token
            .expires_at
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        let ms = u64::try_from(left.as_millis())
            .unwrap_or(u64::MAX)
            .max(1000);
        self.shared.with(|c| {
            redis::cmd("SET")
                .arg(&k)
                .arg(&json)
                .arg("PX")
                .arg(ms)
                .query::<()>(c)
        })
    }

    fn mints(&self, key: &str, since: SystemTime) -> io::Result<Option<Vec<SystemTime>>> {
        let k = format!("{}mints:{key}", self.shared.prefix);
        // Kept: later than `since`.
        let (upto, after) = (unix_ms(since), format!("({}", unix_ms(since)));
        let scores: Vec<(String, f64)> = self.shared.with(|c| {
            redis::cmd("ZREMRANGEBYSCORE")
                .arg(&k)
                .arg("-inf")
                .arg(upto)
                .query::<()>(c)?;
            redis::cmd("ZRANGEBYSCORE")
                .arg(&k)
                .arg(&after)
                .arg("+inf")
                .arg("WITHSCORES")
                .query(c)
        })?;
        let times = scores.into_iter().map(|(_, ms)| from_unix_ms(ms as u64));
        Ok(Some(times.collect()))
    }

    fn record_mint(&self, key: &str, at: SystemTime) -> io::Result<()> {
        let k = format!("{}mints:{key}", self.shared.prefix);
        let ms = unix_ms(at);
        let member = format!("{ms}-{}", lease_id());
        self.shared.with(|c| {
            redis::cmd("ZADD")
                .arg(&k)
                .arg(ms)
                .arg(&member)
                .query::<()>(c)?;
            // Older than a day is of no use to any budget.
            redis::cmd("PEXPIRE").arg(&k).arg(86_400_000).query::<()>(c)
        })
    }

    fn try_lease(&self, key: &str) -> io::Result<Option<Box<dyn Send>>> {
        let k = format!("{}lease:{key}", self.shared.prefix);
        let id = lease_id();
        let ms = u64::try_from(self.lease_ttl.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let set: Option<String> = self.shared.with(|c| {
            redis::cmd("SET")
                .arg(&k)
                .arg(&id)
                .arg("NX")
                .arg("PX")
                .arg(ms)
                .query(c)
        })?;
        // A SET sent again after a broken connection may find the lease its first try took.
        let ours = match set {
            Some(_) => true,
            None => {
                let holder: Option<String> =
                    self.shared.with(|c| redis::cmd("GET").arg(&k).query(c))?;
                holder.as_deref() == Some(id.as_str())
            }
        };
        Ok(ours.then(|| {
            Box::new(Lease {
                shared: Arc::clone(&self.shared),
                key: k,
                id,
            }) as Box<dyn Send>
        }))
    }
}

/// A held lease: deleted on drop, if it is still ours (it may have expired and been taken).
struct Lease {
    shared: Arc<Shared>,
    key: String,
    id: String,
}

const RELEASE: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

impl Drop for Lease {
    fn drop(&mut self) {
        let script = redis::Script::new(RELEASE);
        // A lease not released here expires by itself.
        let _ = self
            .shared
            .with(|c| script.key(&self.key).arg(&self.id).invoke::<i64>(c));
    }
}

/// A value no other lease holder has: this process, this thread, and the time.
fn lease_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}-{:?}-{nanos}",
        std::process::id(),
        std::thread::current().id()
    )
}

fn io_err(what: &str, e: redis::RedisError) -> io::Error {
    io::Error::other(format!("{what}: {e}"))
}
