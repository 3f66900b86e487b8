//! The access token of a transport: minted from the credentials when needed, refreshed ahead of
//! expiry, shared through the token store, and fetched by one thread at a time (the others wait
//! on the lock and then find the fresh token), so concurrent callers cause one token request.

use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use zoho_core::Error;
use zoho_core::StoredToken;
use zoho_core::auth::{Credentials, Secret};

use crate::{Config, Transport};

pub struct Tokens {
    current: Mutex<Option<StoredToken>>,
}

impl Tokens {
    pub fn new(_config: &Config) -> Self {
        Self {
            current: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<StoredToken>> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A token good for at least the refresh margin.
    pub fn current(&self, t: &Transport) -> Result<Secret, Error> {
        if let Credentials::AccessToken(s) = &t.config.credentials {
            return Ok(s.clone());
        }
        let mut slot = self.lock();
        let now = SystemTime::now();
        let margin = t.config.refresh_margin;
        if let Some(tok) = slot.as_ref().filter(|x| !x.needs_refresh(now, margin)) {
            return Ok(tok.access_token.clone());
        }
        let key = t.config.credentials.store_key();
        if let Some(store) = &t.config.token_store
            && let Ok(Some(stored)) = store.load(&key)
            && !stored.needs_refresh(now, margin)
        {
            let s = stored.access_token.clone();
            *slot = Some(stored);
            return Ok(s);
        }
        self.mint(t, &mut slot)
    }

    /// After `401 INVALID_TOKEN` for `rejected`: refresh unless another thread already did.
    pub fn refresh_after_rejection(&self, t: &Transport, rejected: &Secret) -> Result<(), Error> {
        if matches!(t.config.credentials, Credentials::AccessToken(_)) {
            return Ok(()); // nothing to refresh; the replay answers with the same error
        }
        let mut slot = self.lock();
        if slot.as_ref().is_some_and(|x| &x.access_token != rejected) {
            return Ok(());
        }
        self.mint(t, &mut slot).map(|_| ())
    }

    fn mint(&self, t: &Transport, slot: &mut Option<StoredToken>) -> Result<Secret, Error> {
        let Some(req) = t
            .config
            .credentials
            .token_request(&t.config.endpoints.accounts)
        else {
            return Err(Error::Input(zoho_core::InputError::Empty {
                what: "the credentials",
            }));
        };
        let token = t.fetch_token(&req)?;
        let stored = StoredToken::from(&token);
        if let Some(store) = &t.config.token_store
            && let Err(e) = store.store(&t.config.credentials.store_key(), &stored)
        {
            tracing::warn!(error = %e, "could not save the access token in the token store");
        }
        let s = stored.access_token.clone();
        *slot = Some(stored);
        Ok(s)
    }
}
