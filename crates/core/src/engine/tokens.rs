//! The token cache of a client, as a value: asked for a token it answers "here is one" or "send
//! this token request", takes the answer, and remembers a refusal so that callers get the same
//! error without a new request until a back-off has passed. Time is passed in.
//!
//! The driver holds the cache under one lock across the token request, so concurrent callers
//! cause one request and then find its token (or its refusal).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use crate::auth::{Credentials, Grant, Secret, Token, TokenRequest};
use crate::base_url::BaseUrl;
use crate::config::{ClientConfig, StoredToken, TokenStore};
use crate::datacenter::DataCenter;
use crate::error::{Error, OAuthError};

/// Longest wait after repeated refusals: Zoho's token limit counts over 10 minutes.
const MAX_REFUSAL_BACKOFF: Duration = Duration::from_secs(600);

/// How long a token request that got no answer (the accounts server unreachable, a timeout) is
/// answered from memory: long enough that the callers who queued behind it get its error at
/// once instead of each trying again in turn, short enough that the next call tries anew.
const FAILURE_MEMORY: Duration = Duration::from_secs(1);

/// The identity a token belongs to, as a token store key: the accounts server, the client id and
/// a SHA-256 fingerprint of the grant (refresh token, or scope and org). No secret can be read
/// back from it; a token stored under another identity is never used.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TokenKey(String);

impl TokenKey {
    /// The key of a token request's identity.
    pub fn of(req: &TokenRequest) -> Self {
        let mut h = Sha256::new();
        h.update(b"zoho-files token identity v1\0");
        match &req.grant {
            Grant::RefreshToken(t) => {
                h.update(b"refresh\0");
                h.update(t.expose().as_bytes());
            }
            Grant::AuthorizationCode { code, .. } => {
                h.update(b"code\0");
                h.update(code.expose().as_bytes());
            }
            Grant::ClientCredentials { scope, soid } => {
                h.update(b"client_credentials\0");
                h.update(scope.as_bytes());
                h.update(b"\0");
                h.update(soid.as_bytes());
            }
        }
        let fingerprint: String = h.finalize()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Self(format!(
            "{} {} {fingerprint}",
            req.accounts.as_str(),
            req.client.id
        ))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A token ready for a request, and the API base that very request goes to.
#[derive(Clone, Debug)]
pub struct Ready {
    /// The access token.
    pub token: Secret,
    /// Where the request goes: the token's `api_domain` when it may be followed, otherwise the
    /// configured API base.
    pub api: BaseUrl,
    /// When the token expires (`None`: a fixed access token, whose expiry is not known).
    pub expires_at: Option<SystemTime>,
}

/// What the cache answers.
#[derive(Debug)]
pub enum TokenStep {
    /// Use this token.
    Ready(Ready),
    /// Send this token request and hand the answer to [`TokenCache::answer`].
    Fetch(TokenRequest),
    /// The accounts server refused recently: this error, without a new request.
    Refused(Error),
    /// Another process holds the store's lease and is minting: wait this long, then ask again
    /// (its token is then in the store).
    Wait(Duration),
}

/// How often a caller waiting for another process's token looks at the store again.
const LEASE_POLL: Duration = Duration::from_millis(25);

/// How often a caller waiting for the token budget to free looks again (another process may
/// mint first and store its token).
const BUDGET_POLL: Duration = Duration::from_millis(250);

/// Added to the budget's window: the fleet's hosts and Zoho read slightly different clocks, and a
/// mint is counted here before its request reaches Zoho. It costs a token per window at most.
const BUDGET_SLACK: Duration = Duration::from_secs(10);

/// What the token budget allows.
enum Budget {
    Mint,
    Keep(Ready),
    Wait(Duration),
}

/// The longest wait for another process's token; after it, this one mints (a holder that
/// hangs must not stop the fleet).
const LEASE_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug)]
struct Refusal {
    until: SystemTime,
    error: OAuthError,
}

/// The token of one client (see the module docs).
pub struct TokenCache {
    fixed: Option<Secret>,
    request: Option<TokenRequest>,
    key: Option<TokenKey>,
    store: Option<Arc<dyn TokenStore>>,
    current: Option<StoredToken>,
    refusal: Option<Refusal>,
    failure: Option<(SystemTime, String, crate::TransportKind)>,
    backoff: Duration,
    first_backoff: Duration,
    margin: Duration,
    api: BaseUrl,
    follow: Option<DataCenter>,
    /// The store's lease while this cache mints, and since when it has waited for one.
    lease: Option<Box<dyn Send>>,
    waiting_since: Option<SystemTime>,
    budget: crate::config::TokenBudget,
    /// This client's own mints in the budget's window, when the store does not count them.
    minted: Vec<SystemTime>,
    /// Since when callers have waited for the budget (to warn once per wait).
    budget_wait: Option<SystemTime>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("key", &self.key)
            .field("has_token", &self.current.is_some())
            .field("refusal", &self.refusal)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    /// The cache of a client with this configuration.
    pub fn new(config: &ClientConfig) -> Self {
        let request = config.credentials.token_request(&config.endpoints.accounts);
        let fixed = match &config.credentials {
            Credentials::AccessToken(s) => Some(s.clone()),
            _ => None,
        };
        Self {
            key: request.as_ref().map(TokenKey::of),
            request,
            fixed,
            store: config.token_store.clone(),
            current: None,
            refusal: None,
            failure: None,
            backoff: config.token_refusal_backoff,
            first_backoff: config.token_refusal_backoff,
            margin: config.refresh_margin,
            api: config.endpoints.api.clone(),
            follow: config
                .endpoints
                .data_center
                .filter(|_| !config.fixed_api_base),
            lease: None,
            waiting_since: None,
            budget: config.token_budget,
            minted: Vec::new(),
            budget_wait: None,
        }
    }

    /// True when a new token can be minted (false for a fixed access token).
    pub fn can_refresh(&self) -> bool {
        self.request.is_some()
    }

    /// The identity key (none for a fixed access token).
    pub fn key(&self) -> Option<&TokenKey> {
        self.key.as_ref()
    }

    /// What [`next`](Self::next) answers from memory alone (a token in use, a refusal being
    /// remembered), without the store, a lease or the budget: `None` when a token must be
    /// looked for or minted. For callers that take turns for the rest.
    pub fn cached(&mut self, now: SystemTime, rejected: Option<&Secret>) -> Option<TokenStep> {
        if let Some(s) = &self.fixed {
            return Some(TokenStep::Ready(Ready {
                token: s.clone(),
                api: self.api.clone(),
                expires_at: None,
            }));
        }
        if let Some(r) = rejected
            && self.current.as_ref().is_some_and(|c| &c.access_token == r)
        {
            self.current = None;
        }
        if let Some(c) = self.current.as_ref().filter(|c| self.usable(c, now)) {
            return Some(TokenStep::Ready(self.ready(c)));
        }
        if let Some(r) = &self.refusal
            && now < r.until
        {
            return Some(TokenStep::Refused(Error::OAuth(r.error.clone())));
        }
        if let Some((until, why, kind)) = &self.failure
            && now < *until
        {
            let e = std::io::Error::other(format!("the token request failed just now: {why}"));
            return Some(TokenStep::Refused(Error::transport(*kind, e)));
        }
        None
    }

    /// A token at `now`. `rejected` names a token the API just refused (`401 INVALID_TOKEN`): it
    /// is dropped unless another caller already replaced it.
    pub fn next(&mut self, now: SystemTime, rejected: Option<&Secret>) -> TokenStep {
        if let Some(step) = self.cached(now, rejected) {
            return step;
        }
        if let Some(ready) = self.stored_token(now, rejected) {
            return TokenStep::Ready(ready);
        }
        let Some(req) = self.request.clone() else {
            return TokenStep::Refused(Error::Input(crate::InputError::Empty {
                what: "the credentials",
            }));
        };
        // Across processes: one mints, under the store's lease; the others wait for its token.
        if let (Some(store), Some(key), None) = (&self.store, &self.key, &self.lease) {
            match store.try_lease(key.as_str()) {
                Ok(Some(lease)) => self.lease = Some(lease),
                Ok(None) => {
                    let since = *self.waiting_since.get_or_insert(now);
                    if now.duration_since(since).unwrap_or_default() < LEASE_WAIT {
                        return TokenStep::Wait(LEASE_POLL);
                    }
                    tracing::warn!("the token store's lease was held too long; minting anyway");
                }
                Err(e) => tracing::warn!(error = %e, "the token store's lease failed; minting"),
            }
            self.waiting_since = None;
            // The holder before us may have stored its token just before letting go.
            if let Some(ready) = self.stored_token(now, rejected) {
                self.lease = None;
                return TokenStep::Ready(ready);
            }
        }
        match self.budget(now, rejected) {
            Budget::Mint => TokenStep::Fetch(req),
            Budget::Keep(ready) => {
                self.lease = None;
                TokenStep::Ready(ready)
            }
            Budget::Wait(d) => {
                self.lease = None;
                TokenStep::Wait(d)
            }
        }
    }

    /// Whether a token may be minted now within [`TokenBudget`](crate::config::TokenBudget),
    /// counted by the store across the fleet when it counts, otherwise by this client. A token
    /// that has not expired yet is kept past the refresh margin rather than minting faster than
    /// one per `window / tokens`, and when the window is full callers wait for it to move on.
    /// A mint allowed is counted before the request goes out.
    fn budget(&mut self, now: SystemTime, rejected: Option<&Secret>) -> Budget {
        let window = self.budget.window + BUDGET_SLACK;
        let since = now.checked_sub(window).unwrap_or(SystemTime::UNIX_EPOCH);
        let shared = match (&self.store, &self.key) {
            (Some(store), Some(key)) => store.mints(key.as_str(), since).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the token store could not count mints; counting here");
                None
            }),
            _ => None,
        };
        self.minted.retain(|t| *t > since);
        let mints = shared.as_ref().unwrap_or(&self.minted);
        let (count, oldest, last) = (mints.len(), mints.iter().min(), mints.iter().max());
        let (oldest, last) = (oldest.copied(), last.copied());
        let limit = self.budget.tokens.max(1) as usize;
        let full = count >= limit;
        let pace = self.budget.window / self.budget.tokens.max(1);
        let recent = last.is_some_and(|last| now.duration_since(last).unwrap_or_default() < pace);
        if (full || recent)
            && let Some(ready) = self.still_valid(now, rejected)
        {
            return Budget::Keep(ready);
        }
        if full {
            let oldest = oldest.unwrap_or(now);
            let free_at = oldest.checked_add(window).unwrap_or(now);
            let left = free_at.duration_since(now).unwrap_or_default();
            if self.budget_wait.is_none() {
                tracing::warn!(
                    tokens = limit,
                    window_secs = window.as_secs(),
                    wait_secs = left.as_secs(),
                    "the refresh token's budget of access tokens is used up; waiting for it"
                );
            }
            self.budget_wait = Some(now);
            return Budget::Wait(left.clamp(Duration::from_millis(1), BUDGET_POLL));
        }
        self.budget_wait = None;
        self.minted.push(now);
        if let (Some(store), Some(key)) = (&self.store, &self.key)
            && let Err(e) = store.record_mint(key.as_str(), now)
        {
            tracing::warn!(error = %e, "the token store could not count this mint");
        }
        Budget::Mint
    }

    /// The token in use (or stored) if it has not expired, even within the refresh margin.
    fn still_valid(&mut self, now: SystemTime, rejected: Option<&Secret>) -> Option<Ready> {
        let fresh = |t: &StoredToken| {
            !t.needs_refresh(now, Duration::ZERO) && rejected.is_none_or(|r| &t.access_token != r)
        };
        if let Some(c) = self.current.as_ref().filter(|c| fresh(c)) {
            return Some(self.ready(c));
        }
        let (store, key) = (self.store.as_ref()?, self.key.as_ref()?);
        let stored = store.load(key.as_str()).ok()??;
        fresh(&stored).then(|| {
            let ready = self.ready(&stored);
            self.current = Some(stored);
            ready
        })
    }

    /// A usable token of this identity from the store (not the one just `rejected`).
    fn stored_token(&mut self, now: SystemTime, rejected: Option<&Secret>) -> Option<Ready> {
        let (store, key) = (self.store.as_ref()?, self.key.as_ref()?);
        let stored = store.load(key.as_str()).ok()??;
        if rejected.is_some_and(|r| &stored.access_token == r) || !self.usable(&stored, now) {
            return None;
        }
        let ready = self.ready(&stored);
        self.current = Some(stored);
        Some(ready)
    }

    /// Takes the answer to the token request [`next`](Self::next) asked for, received at `now`.
    pub fn answer(
        &mut self,
        answer: Result<Token, Error>,
        now: SystemTime,
    ) -> Result<Ready, Error> {
        // The store's lease, if held, goes once the answer is taken (a new token stored first).
        let _lease = self.lease.take();
        let token = match answer {
            Ok(t) => t,
            Err(Error::OAuth(e)) => {
                self.refusal = Some(Refusal {
                    until: now.checked_add(self.backoff).unwrap_or(now),
                    error: e.clone(),
                });
                self.backoff = (self.backoff * 2).min(MAX_REFUSAL_BACKOFF);
                return Err(Error::OAuth(e));
            }
            Err(e) => {
                self.failure = Some((
                    now.checked_add(FAILURE_MEMORY).unwrap_or(now),
                    e.to_string(),
                    e.transport_kind().unwrap_or(crate::TransportKind::Other),
                ));
                return Err(e);
            }
        };
        self.refusal = None;
        self.failure = None;
        self.backoff = self.first_backoff;
        // A token that lives less than twice the margin is used for half its life, not re-minted
        // on every call.
        self.margin = self.margin.min(token.expires_in / 2);
        let stored = StoredToken::from(&token);
        if let (Some(store), Some(key)) = (&self.store, &self.key)
            && let Err(e) = store.store(key.as_str(), &stored)
        {
            tracing::warn!(error = %e, "could not save the access token in the token store");
        }
        let ready = self.ready(&stored);
        self.current = Some(stored);
        Ok(ready)
    }

    fn usable(&self, t: &StoredToken, now: SystemTime) -> bool {
        !t.needs_refresh(now, self.margin)
    }

    fn ready(&self, t: &StoredToken) -> Ready {
        let api = match (self.follow, &t.api_domain) {
            (Some(dc), Some(d)) if dc.accepts_api_domain(d) => d.clone(),
            _ => self.api.clone(),
        };
        Ready {
            token: t.access_token.clone(),
            api,
            expires_at: Some(t.expires_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datacenter::Environment;
    use std::collections::HashMap;
    use std::sync::Mutex;

    fn t0() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    fn config(refresh: &str) -> ClientConfig {
        ClientConfig::for_data_center(
            DataCenter::Eu,
            Environment::Production,
            Credentials::refresh_token("1000.ID", "client-secret", refresh),
        )
    }

    fn token(access: &str, secs: u64, api: Option<&str>) -> Token {
        Token {
            access_token: Secret::new(access),
            refresh_token: None,
            api_domain: api.map(|a| BaseUrl::new(a).unwrap()),
            scope: None,
            expires_in: Duration::from_secs(secs),
            expires_at: t0() + Duration::from_secs(secs),
        }
    }

    fn fetch(c: &mut TokenCache, now: SystemTime) -> TokenRequest {
        match c.next(now, None) {
            TokenStep::Fetch(r) => r,
            other => panic!("expected a token request, got {other:?}"),
        }
    }

    fn ready_after(c: &mut TokenCache, rejected: &Secret) -> Ready {
        match c.next(t0(), Some(rejected)) {
            TokenStep::Ready(r) => r,
            other => panic!("expected a token, got {other:?}"),
        }
    }

    fn ready(c: &mut TokenCache, now: SystemTime) -> Ready {
        match c.next(now, None) {
            TokenStep::Ready(r) => r,
            other => panic!("expected a token, got {other:?}"),
        }
    }

    /// A store that counts mints, as the file and Redis stores do.
    #[derive(Default)]
    struct Store(Mutex<HashMap<String, StoredToken>>, Mutex<Vec<SystemTime>>);
    impl TokenStore for Store {
        fn load(&self, key: &str) -> std::io::Result<Option<StoredToken>> {
            Ok(self.0.lock().unwrap().get(key).cloned())
        }
        fn store(&self, key: &str, token: &StoredToken) -> std::io::Result<()> {
            self.0.lock().unwrap().insert(key.to_owned(), token.clone());
            Ok(())
        }
        fn mints(&self, _: &str, since: SystemTime) -> std::io::Result<Option<Vec<SystemTime>>> {
            let all = self.1.lock().unwrap();
            Ok(Some(all.iter().copied().filter(|t| *t > since).collect()))
        }
        fn record_mint(&self, _: &str, at: SystemTime) -> std::io::Result<()> {
            self.1.lock().unwrap().push(at);
            Ok(())
        }
    }

    /// A store whose lease another process holds while `busy`.
    #[derive(Default)]
    struct Leased(Store, std::sync::atomic::AtomicBool);
    impl TokenStore for Leased {
        fn load(&self, key: &str) -> std::io::Result<Option<StoredToken>> {
            self.0.load(key)
        }
        fn store(&self, key: &str, token: &StoredToken) -> std::io::Result<()> {
            self.0.store(key, token)
        }
        fn try_lease(&self, _key: &str) -> std::io::Result<Option<Box<dyn Send>>> {
            let busy = self.1.load(std::sync::atomic::Ordering::SeqCst);
            Ok((!busy).then(|| Box::new(()) as Box<dyn Send>))
        }
    }

    #[test]
    fn while_another_process_mints_the_cache_waits_then_reads_its_token() {
        let store = Arc::new(Leased::default());
        store.1.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut c = config("1000.r");
        c.token_store = Some(store.clone());
        let mut cache = TokenCache::new(&c);
        assert!(matches!(cache.next(t0(), None), TokenStep::Wait(d) if d == LEASE_POLL));
        // The other process stores its token and lets go: it is read, nothing is minted.
        let key = cache.key().unwrap().as_str().to_owned();
        store
            .store(&key, &StoredToken::from(&token("1000.theirs", 3600, None)))
            .unwrap();
        store.1.store(false, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(ready(&mut cache, t0()).token.expose(), "1000.theirs");
    }

    #[test]
    fn a_lease_held_too_long_is_minted_past() {
        let store = Arc::new(Leased::default());
        store.1.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut c = config("1000.r");
        c.token_store = Some(store);
        let mut cache = TokenCache::new(&c);
        assert!(matches!(cache.next(t0(), None), TokenStep::Wait(_)));
        assert!(matches!(
            cache.next(t0() + LEASE_WAIT / 2, None),
            TokenStep::Wait(_)
        ));
        fetch(&mut cache, t0() + LEASE_WAIT);
    }

    #[test]
    fn the_key_names_the_whole_identity_and_no_secret() {
        let key = |refresh: &str, accounts: &str| {
            let mut c = config(refresh);
            c.endpoints.accounts = BaseUrl::new(accounts).unwrap();
            TokenCache::new(&c).key().unwrap().clone()
        };
        let a = key("1000.refresh-a", "https://accounts.zoho.eu");
        assert_eq!(a, key("1000.refresh-a", "https://accounts.zoho.eu"));
        assert_ne!(a, key("1000.refresh-b", "https://accounts.zoho.eu"));
        assert_ne!(a, key("1000.refresh-a", "https://accounts.zoho.com"));
        assert!(a.as_str().starts_with("https://accounts.zoho.eu 1000.ID "));
        assert!(!a.as_str().contains("refresh-a") && !a.as_str().contains("client-secret"));
    }

    #[test]
    fn a_stored_token_of_another_identity_is_never_used() {
        let store = Arc::new(Store::default());
        let mut old = config("1000.old-org");
        old.token_store = Some(store.clone());
        let mut c = TokenCache::new(&old);
        fetch(&mut c, t0());
        c.answer(Ok(token("old-token", 3600, None)), t0()).unwrap();
        let mut new = config("1000.new-org");
        new.token_store = Some(store.clone());
        let mut c = TokenCache::new(&new);
        fetch(&mut c, t0());
        // The same identity finds the stored token without a request.
        let mut same = TokenCache::new(&old);
        assert_eq!(ready(&mut same, t0()).token.expose(), "old-token");
    }

    #[test]
    fn a_refusal_is_remembered_for_a_back_off_that_doubles() {
        let mut cfg = config("1000.r");
        cfg.token_refusal_backoff = Duration::from_secs(30);
        let mut c = TokenCache::new(&cfg);
        let denied = || {
            Err(Error::OAuth(OAuthError {
                status: http::StatusCode::OK,
                error: String::from("Access Denied"),
                description: None,
                accounts: None,
            }))
        };
        fetch(&mut c, t0());
        assert!(c.answer(denied(), t0()).is_err());
        assert!(matches!(
            c.next(t0() + Duration::from_secs(29), None),
            TokenStep::Refused(Error::OAuth(_))
        ));
        let later = t0() + Duration::from_secs(30);
        fetch(&mut c, later);
        assert!(c.answer(denied(), later).is_err());
        assert!(matches!(
            c.next(later + Duration::from_secs(59), None),
            TokenStep::Refused(_)
        ));
        fetch(&mut c, later + Duration::from_secs(60));
    }

    #[test]
    fn a_token_request_without_an_answer_is_not_repeated_by_each_waiting_caller() {
        let mut c = TokenCache::new(&config("1000.r"));
        fetch(&mut c, t0());
        let down = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(
            c.answer(
                Err(Error::transport(crate::TransportKind::Connect, down)),
                t0()
            )
            .is_err()
        );
        match c.next(t0() + Duration::from_millis(999), None) {
            TokenStep::Refused(e) => assert!(e.to_string().contains("refused"), "{e}"),
            other => panic!("expected the remembered failure, got {other:?}"),
        }
        fetch(&mut c, t0() + FAILURE_MEMORY);
    }

    #[test]
    fn a_token_shorter_than_the_margin_is_used_for_half_its_life() {
        let mut cfg = config("1000.r"); // margin 60 s
        cfg.token_budget.tokens = 100; // one token per 6 s at most
        let mut c = TokenCache::new(&cfg);
        fetch(&mut c, t0());
        c.answer(Ok(token("short", 40, None)), t0()).unwrap();
        assert_eq!(
            ready(&mut c, t0() + Duration::from_secs(19)).token.expose(),
            "short"
        );
        fetch(&mut c, t0() + Duration::from_secs(20));
    }

    #[test]
    fn a_valid_token_is_kept_rather_than_minting_faster_than_the_budget_allows() {
        // 10 per 600 s: one per 60 s. A 40 s token is kept past its margin, to its expiry.
        let mut c = TokenCache::new(&config("1000.r"));
        fetch(&mut c, t0());
        c.answer(Ok(token("short", 40, None)), t0()).unwrap();
        assert_eq!(
            ready(&mut c, t0() + Duration::from_secs(39)).token.expose(),
            "short"
        );
        // Expired, it is replaced at once: the pace keeps valid tokens, it never stalls calls.
        fetch(&mut c, t0() + Duration::from_secs(40));
    }

    #[test]
    fn a_full_budget_waits_for_the_window_instead_of_asking_for_an_eleventh_token() {
        let mut c = TokenCache::new(&config("1000.r"));
        let mut last = None;
        for i in 0..10 {
            let now = t0() + Duration::from_secs(i);
            assert!(matches!(c.next(now, last.as_ref()), TokenStep::Fetch(_)));
            let t = format!("t{i}");
            c.answer(Ok(token(&t, 3600, None)), now).unwrap();
            last = Some(Secret::new(t)); // the API refused it: it is needed again at once
        }
        let now = t0() + Duration::from_secs(10);
        assert!(
            matches!(c.next(now, last.as_ref()), TokenStep::Wait(d) if d == BUDGET_POLL),
            "an 11th token within 10 minutes"
        );
        // The first mint leaves the window 600 s after it (and the slack for clocks that
        // differ): one more token then.
        let later = t0() + Duration::from_secs(609);
        assert!(matches!(c.next(later, last.as_ref()), TokenStep::Wait(_)));
        let free = t0() + Duration::from_secs(610);
        assert!(matches!(c.next(free, last.as_ref()), TokenStep::Fetch(_)));
    }

    #[test]
    fn a_counting_store_shares_the_budget_between_processes() {
        let store = Arc::new(Store::default());
        let mut cfg = config("1000.r");
        cfg.token_store = Some(store.clone());
        cfg.token_budget.tokens = 2;
        let (mut a, mut b) = (TokenCache::new(&cfg), TokenCache::new(&cfg));
        fetch(&mut a, t0());
        a.answer(Ok(token("a1", 3600, None)), t0()).unwrap();
        let a1 = Secret::new("a1");
        // B finds a1 refused too and mints the second token of the window.
        assert!(matches!(b.next(t0(), Some(&a1)), TokenStep::Fetch(_)));
        b.answer(Ok(token("b1", 3600, None)), t0()).unwrap();
        let b1 = Secret::new("b1");
        // A third process that sees b1 refused may not mint a third token: it waits.
        let mut c = TokenCache::new(&cfg);
        assert!(matches!(c.next(t0(), Some(&b1)), TokenStep::Wait(_)));
        // A, whose a1 was refused, takes B's token from the store.
        assert_eq!(ready_after(&mut a, &a1).token.expose(), "b1");
        assert_eq!(store.1.lock().unwrap().len(), 2);
    }

    #[test]
    fn api_domain_is_followed_only_within_the_data_centre_and_at_once() {
        let mut c = TokenCache::new(&config("1000.r"));
        fetch(&mut c, t0());
        let r = c
            .answer(
                Ok(token("a", 3600, Some("https://sandbox.zohoapis.eu"))),
                t0(),
            )
            .unwrap();
        assert_eq!(r.api.as_str(), "https://sandbox.zohoapis.eu");
        let mut c = TokenCache::new(&config("1000.r"));
        fetch(&mut c, t0());
        let r = c
            .answer(Ok(token("a", 3600, Some("http://127.0.0.9:9"))), t0())
            .unwrap();
        assert_eq!(r.api.as_str(), "https://www.zohoapis.eu");
        // A custom base wins over any api_domain.
        let base = BaseUrl::new("http://127.0.0.1:8080").unwrap();
        let cfg =
            ClientConfig::for_base_url(base.clone(), Credentials::refresh_token("i", "s", "r"));
        let mut c = TokenCache::new(&cfg);
        fetch(&mut c, t0());
        let r = c
            .answer(Ok(token("a", 3600, Some("https://www.zohoapis.com"))), t0())
            .unwrap();
        assert_eq!(r.api, base);
    }

    #[test]
    fn a_rejected_token_is_dropped_once_and_a_fixed_token_is_kept() {
        let mut c = TokenCache::new(&config("1000.r"));
        fetch(&mut c, t0());
        c.answer(Ok(token("first", 3600, None)), t0()).unwrap();
        assert!(matches!(
            c.next(t0(), Some(&Secret::new("first"))),
            TokenStep::Fetch(_)
        ));
        c.answer(Ok(token("second", 3600, None)), t0()).unwrap();
        // Another caller that saw "first" refused finds "second" without a request.
        assert!(
            matches!(c.next(t0(), Some(&Secret::new("first"))), TokenStep::Ready(r) if r.token.expose() == "second")
        );
        let fixed = ClientConfig::for_data_center(
            DataCenter::Us,
            Environment::Production,
            Credentials::access_token("fixed"),
        );
        let mut c = TokenCache::new(&fixed);
        assert!(!c.can_refresh() && c.key().is_none());
        assert!(matches!(
            c.next(t0(), Some(&Secret::new("fixed"))),
            TokenStep::Ready(_)
        ));
    }
}
