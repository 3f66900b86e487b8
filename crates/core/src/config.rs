//! What every client needs to know, whichever transport runs it: hosts, credentials, where
//! tokens are shared, retries, limits, timeouts. Pure data; the transports act on it.

use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::auth::{Credentials, Secret, Token};
use crate::base_url::BaseUrl;
use crate::datacenter::Endpoints;
use crate::retry::RetryPolicy;

/// A token as a [`TokenStore`] keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredToken {
    /// The access token.
    pub access_token: Secret,
    /// When it expires.
    pub expires_at: SystemTime,
    /// The API domain it belongs to.
    pub api_domain: Option<BaseUrl>,
}

impl From<&Token> for StoredToken {
    fn from(t: &Token) -> Self {
        Self {
            access_token: t.access_token.clone(),
            expires_at: t.expires_at,
            api_domain: t.api_domain.clone(),
        }
    }
}

impl StoredToken {
    /// True when it should not be used at `now` (it expires within `margin`).
    pub fn needs_refresh(&self, now: SystemTime, margin: Duration) -> bool {
        self.expires_at
            .duration_since(now)
            .map_or(true, |left| left <= margin)
    }
}

/// Loads and stores access tokens by key (a client id; never a secret), so that every call of a
/// client, and several processes, share one token. Implementations: `zoho-token-store`.
pub trait TokenStore: Send + Sync {
    /// The stored token for `key`, if any.
    fn load(&self, key: &str) -> io::Result<Option<StoredToken>>;
    /// Replaces the token for `key`.
    fn store(&self, key: &str, token: &StoredToken) -> io::Result<()>;
    /// Tries to take, for `key`, the right to mint a token across every process (and host)
    /// sharing this store: `Ok(Some(lease))` when taken, held until the lease is dropped (after
    /// the new token is stored); `Ok(None)` while another holder has it: wait, then `load`
    /// again. The default grants it at once: a store used by one process needs no more than
    /// the client's own single flight.
    fn try_lease(&self, key: &str) -> io::Result<Option<Box<dyn Send>>> {
        let _ = key;
        Ok(Some(Box::new(())))
    }
    /// When tokens were minted for `key` since `since`, oldest first, by every process sharing
    /// this store: the fleet-wide count that keeps it within Zoho's limit ([`TokenBudget`]).
    /// `Ok(None)`: this store does not count (the default), and each client counts its own.
    fn mints(&self, key: &str, since: SystemTime) -> io::Result<Option<Vec<SystemTime>>> {
        let _ = (key, since);
        Ok(None)
    }
    /// Counts a token about to be minted for `key` at `at`; called under the lease, before the
    /// token request goes out (a request that fails still counts, as it may at Zoho).
    fn record_mint(&self, key: &str, at: SystemTime) -> io::Result<()> {
        let _ = (key, at);
        Ok(())
    }
}

/// How many access tokens one refresh token may mint in a window: Zoho allows 10 per 10
/// minutes and refuses the 11th with `Access Denied` until the window has passed
/// (zoho-api-facts §6). Clients wait for a token rather than ask for one past it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenBudget {
    /// Tokens per window.
    pub tokens: u32,
    /// The sliding window.
    pub window: Duration,
}

impl Default for TokenBudget {
    fn default() -> Self {
        Self {
            tokens: 10,
            window: Duration::from_secs(600),
        }
    }
}

/// Where a client reads the time of day: the system clock, unless a test or a simulation runs
/// faster than real time (the emulator's `--time-scale`).
pub trait TimeSource: Send + Sync {
    /// Now.
    fn now(&self) -> SystemTime;
}

/// Time that runs `scale` times faster than the system clock from `anchor` on: at system time
/// `anchor + d` it reads `anchor + d * scale`. Two sources with the same anchor and scale agree
/// across processes, as the emulator's and its clients' must.
#[derive(Clone, Copy, Debug)]
pub struct ScaledTime {
    /// Where scaled and system time meet.
    pub anchor: SystemTime,
    /// How much faster it runs (1: real time).
    pub scale: f64,
}

impl TimeSource for ScaledTime {
    fn now(&self) -> SystemTime {
        let real = SystemTime::now()
            .duration_since(self.anchor)
            .unwrap_or_default();
        self.anchor + real.mul_f64(self.scale.max(0.0))
    }
}

/// How a client behaves, for any transport.
#[derive(Clone)]
pub struct ClientConfig {
    /// API and accounts hosts.
    pub endpoints: Endpoints,
    /// Keep `endpoints.api` even when a token names another `api_domain` (set this when the API
    /// base is a proxy or the emulator).
    pub fixed_api_base: bool,
    /// How tokens are obtained.
    pub credentials: Credentials,
    /// Where tokens are shared (default: this client only).
    pub token_store: Option<Arc<dyn TokenStore>>,
    /// Refresh this long before a token expires (at most half of a token's lifetime).
    pub refresh_margin: Duration,
    /// After the accounts server refuses a token request (`Access Denied` once 10 tokens were
    /// minted in 10 minutes, say), callers get that refusal without a new request for this long;
    /// doubled for each refusal in a row, up to 10 minutes.
    pub token_refusal_backoff: Duration,
    /// Tokens per refresh token per window, counted fleet-wide when the store counts.
    pub token_budget: TokenBudget,
    /// Where the time of day comes from (`None`: the system clock).
    pub clock: Option<Arc<dyn TimeSource>>,
    /// Retry limits.
    pub retry: RetryPolicy,
    /// Calls in flight at once (Zoho's limit per org: Free 5, Standard 10, Professional 15,
    /// Enterprise 20, Ultimate 25).
    pub max_in_flight: usize,
    /// At most this many requests a second across the client's calls (`None`: no pace), to stay
    /// within Zoho's API credits or a shared org's share of them.
    pub max_requests_per_second: Option<f64>,
    /// At most this many body bytes a second, sent and received, across all of the client's
    /// transfers (`None`: no limit), as rclone's `--bwlimit`.
    pub max_bytes_per_second: Option<u64>,
    /// Connection set-up, TLS included.
    pub connect_timeout: Duration,
    /// Longest wait for any one read or write on the connection.
    pub read_timeout: Duration,
    /// Longest time for a whole call, body included (`None`: no limit).
    pub overall_timeout: Option<Duration>,
    /// The HTTP proxy for API and token calls alike: by default the environment's, as curl
    /// reads it.
    pub proxy: Proxy,
    /// `User-Agent`.
    pub user_agent: String,
}

impl ClientConfig {
    /// Now, by this configuration's clock.
    pub fn now(&self) -> SystemTime {
        self.clock
            .as_ref()
            .map_or_else(SystemTime::now, |c| c.now())
    }

    /// Defaults for these endpoints and credentials.
    pub fn new(endpoints: Endpoints, credentials: Credentials) -> Self {
        Self {
            endpoints,
            fixed_api_base: false,
            credentials,
            token_store: None,
            refresh_margin: Duration::from_secs(60),
            token_refusal_backoff: Duration::from_secs(30),
            token_budget: TokenBudget::default(),
            clock: None,
            retry: RetryPolicy::default(),
            max_in_flight: 10,
            max_requests_per_second: None,
            max_bytes_per_second: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            overall_timeout: Some(Duration::from_secs(3600)),
            proxy: Proxy::FromEnv,
            user_agent: format!("zoho-files-rs/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

impl ClientConfig {
    /// A client of a Zoho data centre (`DataCenter::Eu`, `Environment::Production`, ...). The
    /// `api_domain` a token names is followed.
    pub fn for_data_center(
        dc: crate::DataCenter,
        env: crate::Environment,
        credentials: Credentials,
    ) -> Self {
        Self::new(Endpoints::for_data_center(dc, env), credentials)
    }

    /// A client configured by environment variables, as a deployment (or the README's examples)
    /// sets them: `ZOHO_CLIENT_ID`, `ZOHO_CLIENT_SECRET` and `ZOHO_REFRESH_TOKEN`, and either
    /// `ZOHO_BASE_URL` (one URL for the API and the accounts server: the emulator prints it) or
    /// `ZOHO_DC` (`us` when unset; `eu`, `in`, `au`, `jp`, `ca`, `sa`, `cn`, `uk`).
    pub fn from_env() -> Result<Self, crate::Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`ClientConfig::from_env`] over any lookup (a test's map, say).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, crate::Error> {
        use crate::InputError::Setting;
        let get = |name: &'static str, what: &str| {
            var(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| Setting {
                    name,
                    why: format!("is not set: set it to {what}"),
                })
        };
        let credentials = Credentials::refresh_token(
            get("ZOHO_CLIENT_ID", "your client id from Zoho's API console")?,
            get(
                "ZOHO_CLIENT_SECRET",
                "your client secret from Zoho's API console",
            )?,
            get(
                "ZOHO_REFRESH_TOKEN",
                "a refresh token (`zoho auth login` prints one)",
            )?,
        );
        if let Some(base) = var("ZOHO_BASE_URL").filter(|v| !v.trim().is_empty()) {
            let base = BaseUrl::new(base.trim()).map_err(|e| Setting {
                name: "ZOHO_BASE_URL",
                why: format!("is not a usable URL: {e}"),
            })?;
            return Ok(Self::for_base_url(base, credentials));
        }
        let dc = match var("ZOHO_DC").filter(|v| !v.trim().is_empty()) {
            None => crate::DataCenter::Us,
            Some(v) => v.trim().parse().map_err(|e| Setting {
                name: "ZOHO_DC",
                why: format!("is not a data centre: {e}"),
            })?,
        };
        Ok(Self::for_data_center(
            dc,
            crate::Environment::Production,
            credentials,
        ))
    }

    /// A client of one base URL serving both the API and the token endpoint (the emulator, or a
    /// proxy); it stays on that URL whatever `api_domain` a token names.
    pub fn for_base_url(base: BaseUrl, credentials: Credentials) -> Self {
        let mut c = Self::new(Endpoints::custom(base), credentials);
        c.fixed_api_base = true;
        c
    }
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("endpoints", &self.endpoints)
            .field("fixed_api_base", &self.fixed_api_base)
            .field("credentials", &self.credentials)
            .field(
                "token_store",
                &self.token_store.as_ref().map(|_| "dyn TokenStore"),
            )
            .field("refresh_margin", &self.refresh_margin)
            .field("token_refusal_backoff", &self.token_refusal_backoff)
            .field("token_budget", &self.token_budget)
            .field("clock", &self.clock.as_ref().map(|_| "dyn TimeSource"))
            .field("retry", &self.retry)
            .field("max_in_flight", &self.max_in_flight)
            .field("max_requests_per_second", &self.max_requests_per_second)
            .field("max_bytes_per_second", &self.max_bytes_per_second)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("overall_timeout", &self.overall_timeout)
            .field("proxy", &self.proxy)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// Which HTTP proxy a transport uses.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Proxy {
    /// The environment's: `HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY` (either case), minus the
    /// hosts in `NO_PROXY`. Each HTTP client applies its own scheme rule: reqwest uses
    /// `HTTP_PROXY` for `http://` URLs and `HTTPS_PROXY` for `https://` ones, ureq one proxy for
    /// both (`ALL_PROXY`, then `HTTPS_PROXY`, then `HTTP_PROXY`); Zoho is always `https://`.
    #[default]
    FromEnv,
    /// No proxy, whatever the environment says.
    Direct,
    /// This proxy (`http://host:port`, with `user:password@` if it needs them).
    Url(String),
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Proxy::FromEnv => f.write_str("FromEnv"),
            Proxy::Direct => f.write_str("Direct"),
            // The URL may carry a password.
            Proxy::Url(_) => f.write_str("Url([set])"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    const CREDENTIALS: [(&str, &str); 3] = [
        ("ZOHO_CLIENT_ID", "1000.ID"),
        ("ZOHO_CLIENT_SECRET", "s3cret"),
        ("ZOHO_REFRESH_TOKEN", "1000.r"),
    ];

    #[test]
    fn the_environment_names_the_data_centre_or_a_base_url() {
        let us = ClientConfig::from_vars(vars(&CREDENTIALS)).unwrap();
        assert_eq!(us.endpoints.api.as_str(), "https://www.zohoapis.com");
        let mut eu = CREDENTIALS.to_vec();
        eu.push(("ZOHO_DC", "EU"));
        let eu = ClientConfig::from_vars(vars(&eu)).unwrap();
        assert_eq!(eu.endpoints.accounts.as_str(), "https://accounts.zoho.eu");
        let mut local = CREDENTIALS.to_vec();
        local.extend([
            ("ZOHO_DC", "eu"),
            ("ZOHO_BASE_URL", "http://127.0.0.1:8089"),
        ]);
        let local = ClientConfig::from_vars(vars(&local)).unwrap();
        assert_eq!(local.endpoints.api.as_str(), "http://127.0.0.1:8089");
        assert!(local.fixed_api_base);
        assert!(!format!("{local:?}").contains("s3cret"));
    }

    #[test]
    fn a_missing_or_bad_setting_is_named_with_its_fix() {
        let e = ClientConfig::from_vars(vars(&CREDENTIALS[..2])).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("ZOHO_REFRESH_TOKEN is not set: set it to"),
            "{e}"
        );
        let mut bad = CREDENTIALS.to_vec();
        bad.push(("ZOHO_DC", "mars"));
        let e = ClientConfig::from_vars(vars(&bad)).unwrap_err();
        assert!(
            e.to_string().starts_with("ZOHO_DC is not a data centre"),
            "{e}"
        );
        assert!(!e.to_string().contains("s3cret"));
    }
}
