//! What the multi-process tests share: a config with the emulator's refresh credentials and a
//! token store, the worker's calls, an expired token to replace, and child processes of the
//! test binary.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use zoho_core::auth::{Credentials, Secret};
use zoho_core::ops::Attachments;
use zoho_core::{Api, BaseUrl, ClientConfig, StoredToken, TokenStore};

/// Calls each worker process makes at once.
pub const CALLS: usize = 16;

/// The emulator at `base` with its refresh credentials, sharing tokens through `store`.
pub fn config(base: &str, store: Arc<dyn TokenStore>) -> ClientConfig {
    let credentials = Credentials::refresh_token(
        zoho_emulator::CLIENT_ID,
        zoho_emulator::CLIENT_SECRET,
        zoho_emulator::REFRESH_TOKEN,
    );
    let mut c = ClientConfig::for_base_url(BaseUrl::new(base).unwrap(), credentials);
    c.token_store = Some(store);
    c
}

/// Puts an expired token of `config`'s identity in its store: every worker must replace it.
pub fn store_expired_token(config: &ClientConfig) {
    let key = zoho_core::engine::TokenCache::new(config)
        .key()
        .unwrap()
        .as_str()
        .to_owned();
    let expired = StoredToken {
        access_token: Secret::new("1000.expired"),
        expires_at: std::time::SystemTime::UNIX_EPOCH,
        api_domain: None,
    };
    config
        .token_store
        .as_ref()
        .unwrap()
        .store(&key, &expired)
        .unwrap();
}

/// [`CALLS`] list calls at once, on the blocking transport or on the async one.
pub fn calls_at_once(config: ClientConfig, blocking: bool) {
    let op = Attachments::parse(Api::CRM, "Leads", "5725767000000010001")
        .unwrap()
        .list();
    if blocking {
        let t = zoho_blocking_transport::Transport::new(config).unwrap();
        std::thread::scope(|s| {
            let calls: Vec<_> = (0..CALLS).map(|_| s.spawn(|| t.execute(&op))).collect();
            for c in calls {
                c.join().unwrap().unwrap();
            }
        });
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    rt.unwrap().block_on(async {
        let t = zoho_async_transport::Transport::new(config).unwrap();
        let calls = (0..CALLS).map(|_| t.execute(&op));
        for r in futures_util::future::join_all(calls).await {
            r.unwrap();
        }
    });
}

/// This test binary running only `test`, its output captured (the environment is per
/// process, so a child is how a test gets its own).
pub fn child(test: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", test, "--nocapture"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// Waits for every child; each must pass.
pub fn all_pass(children: Vec<Child>) {
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// Between `before` and `after`, `processes` × [`CALLS`] API calls were made on one token.
pub fn one_token_for(
    before: &zoho_emulator::Stats,
    after: &zoho_emulator::Stats,
    processes: usize,
) {
    assert_eq!(
        after.api_requests - before.api_requests,
        (processes * CALLS) as u64
    );
    assert_eq!(
        after.token_requests - before.token_requests,
        1,
        "one token for {processes} processes"
    );
}
