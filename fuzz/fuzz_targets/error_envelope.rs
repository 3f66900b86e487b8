//! Zoho's error envelope, whatever the status and body: the error made of it, its code, its
//! Display, and the `INVALID_TOKEN` check; none may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zoho_core::response::{error_from, is_invalid_token, unexpected};

fuzz_target!(|data: &[u8]| {
    let resp = zoho_fuzz::answer(data);
    let e = error_from(&resp);
    let _ = (e.code(), e.status(), e.to_string());
    let _ = unexpected(&resp).to_string();
    let _ = is_invalid_token(&resp);
});
