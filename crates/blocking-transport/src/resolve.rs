//! Name resolution without a thread per request. With a timeout in force, ureq's default
//! resolver runs every lookup on a new thread, and it looks up the host before it looks in its
//! connection pool: one thread per request, even for an IP address (strace: 1000 `clone3` for
//! 1000 calls). Here an IP address is taken as it is, and a name's addresses are kept for
//! [`KEEP`] so that only a lookup that is needed pays for the thread that bounds it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a name's addresses are reused (browsers keep them about a minute).
const KEEP: Duration = Duration::from_secs(30);

/// IP addresses as they are; names looked up by ureq's resolver, and kept for a while.
#[derive(Debug, Default)]
pub(crate) struct Resolve {
    inner: DefaultResolver,
    kept: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for Resolve {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = uri
            .scheme()
            .zip(uri.authority())
            .and_then(|(s, a)| DefaultResolver::host_and_port(s, a));
        let Some(key) = key else {
            return self.inner.resolve(uri, config, timeout);
        };
        if let Ok(addr) = key.parse::<SocketAddr>() {
            let mut one = self.empty();
            one.push(addr);
            return Ok(one);
        }
        let now = Instant::now();
        if let Ok(kept) = self.kept.lock()
            && let Some((at, addrs)) = kept.get(&key)
            && now.duration_since(*at) < KEEP
        {
            return Ok(addrs.clone());
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if let Ok(mut kept) = self.kept.lock() {
            kept.retain(|_, (at, _)| now.duration_since(*at) < KEEP);
            kept.insert(key, (now, addrs.clone()));
        }
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_ip_address_is_taken_as_it_is_and_a_name_is_kept() {
        let r = Resolve::default();
        let config = Config::default();
        let at = |u: &str| {
            let uri: Uri = u.parse().unwrap();
            let got = r.resolve(&uri, &config, NextTimeout::default()).unwrap();
            got.iter().copied().collect::<Vec<_>>()
        };
        assert_eq!(
            at("http://127.0.0.9:8089/x"),
            ["127.0.0.9:8089".parse().unwrap()]
        );
        assert_eq!(at("https://[::1]/x"), ["[::1]:443".parse().unwrap()]);
        let first = at("http://localhost:8089/");
        assert!(!first.is_empty());
        assert!(r.kept.lock().unwrap().contains_key("localhost:8089"));
        assert_eq!(at("http://localhost:8089/other"), first);
    }
}
