//! The accounts server's answers: a token, an error sent with HTTP 200, a revoke. Nothing may
//! panic, and no secret of the request may show in what is made of the answer (its Debug or
//! Display), whatever the server sends back.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use zoho_core::BaseUrl;
use zoho_core::auth::{Client, Grant, RevokeRequest, Secret, TokenRequest};

const CLIENT_SECRET: &str = "fuzz-client-5ecret";
const REFRESH: &str = "1000.fuzz-refresh.5ecret";

fuzz_target!(|data: &[u8]| {
    let resp = zoho_fuzz::answer(data);
    let Ok(accounts) = BaseUrl::new("https://accounts.zoho.com") else {
        return;
    };
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let req = TokenRequest {
        accounts: accounts.clone(),
        client: Client {
            id: "1000.ID".into(),
            secret: Secret::new(CLIENT_SECRET),
        },
        grant: Grant::RefreshToken(Secret::new(REFRESH)),
    };
    let shown = match req.response(resp.clone(), now) {
        Ok(t) => format!("{t:?}"),
        Err(e) => format!("{e:?} {e}"),
    };
    assert!(
        !shown.contains(CLIENT_SECRET) && !shown.contains(REFRESH),
        "{shown}"
    );
    let revoke = RevokeRequest {
        accounts,
        token: Secret::new(REFRESH),
    };
    if let Err(e) = revoke.response(resp) {
        let shown = format!("{e:?} {e}");
        assert!(!shown.contains(REFRESH), "{shown}");
    }
});
