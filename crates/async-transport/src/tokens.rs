//! The access token of a transport: one refresh in flight for all tasks (the lock is held across
//! the token request, so the others wait and then find the fresh token), ahead of expiry, shared
//! through the token store, and once more after `401 INVALID_TOKEN`.

use std::time::SystemTime;

use tokio::sync::Mutex;
use zoho_core::auth::{Credentials, Secret};
use zoho_core::{Error, StoredToken};

use crate::Transport;

#[derive(Default)]
pub struct Tokens {
    current: Mutex<Option<StoredToken>>,
}

impl Tokens {
    /// A token good for at least the refresh margin.
    pub async fn current(&self, t: &Transport) -> Result<Secret, Error> {
        if let Credentials::AccessToken(s) = &t.config.credentials {
            return Ok(s.clone());
        }
        let mut slot = self.current.lock().await;
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
        self.mint(t, &mut slot).await
    }

    /// After `401 INVALID_TOKEN` for `rejected`: refresh unless another task already did.
    pub async fn refresh_after_rejection(
        &self,
        t: &Transport,
        rejected: &Secret,
    ) -> Result<(), Error> {
        if matches!(t.config.credentials, Credentials::AccessToken(_)) {
            return Ok(());
        }
        let mut slot = self.current.lock().await;
        if slot.as_ref().is_some_and(|x| &x.access_token != rejected) {
            return Ok(());
        }
        self.mint(t, &mut slot).await.map(|_| ())
    }

    async fn mint(&self, t: &Transport, slot: &mut Option<StoredToken>) -> Result<Secret, Error> {
        let Some(req) = t
            .config
            .credentials
            .token_request(&t.config.endpoints.accounts)
        else {
            return Err(Error::Input(zoho_core::InputError::Empty {
                what: "the credentials",
            }));
        };
        let token = t.fetch_token(&req).await?;
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
