//! Several processes on one machine share a `FileTokenStore`: with the token expired, 8
//! processes × 16 concurrent calls make exactly one token request between them; the others
//! wait on the store's OS lock and read the token it wrote.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use zoho_core::auth::Credentials;
use zoho_core::ops::Attachments;
use zoho_core::{Api, BaseUrl, ClientConfig};
use zoho_emulator::Emulator;
use zoho_token_store::FileTokenStore;

const PROCESSES: usize = 8;
const CALLS: usize = 16;

fn config(base: &str, store: &str) -> ClientConfig {
    let credentials = Credentials::refresh_token(
        zoho_emulator::CLIENT_ID,
        zoho_emulator::CLIENT_SECRET,
        zoho_emulator::REFRESH_TOKEN,
    );
    let mut c = ClientConfig::for_base_url(BaseUrl::new(base).unwrap(), credentials);
    c.token_store = Some(Arc::new(FileTokenStore::new(store)));
    c
}

/// One of the processes (run by the test below): 16 list calls at once, blocking transport on
/// even processes and async on odd ones.
#[test]
fn child_calls_with_the_shared_store() {
    let (Ok(base), Ok(store), Ok(n)) = (
        std::env::var("ZOHO_FLEET_BASE"),
        std::env::var("ZOHO_FLEET_STORE"),
        std::env::var("ZOHO_FLEET_N"),
    ) else {
        return; // only as a child of `processes_sharing_a_file_store_mint_one_token`
    };
    let config = config(&base, &store);
    let op = Attachments::parse(Api::CRM, "Leads", "5725767000000010001")
        .unwrap()
        .list();
    if n.parse::<usize>().unwrap() % 2 == 0 {
        let t = zoho_blocking_transport::Transport::new(config).unwrap();
        std::thread::scope(|s| {
            let calls: Vec<_> = (0..CALLS).map(|_| s.spawn(|| t.execute(&op))).collect();
            for c in calls {
                c.join().unwrap().unwrap();
            }
        });
    } else {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let t = zoho_async_transport::Transport::new(config).unwrap();
            let calls = (0..CALLS).map(|_| t.execute(&op));
            for r in futures_util::future::join_all(calls).await {
                r.unwrap();
            }
        });
    }
}

#[test]
fn processes_sharing_a_file_store_mint_one_token() {
    let emu = Emulator::start(Default::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("zoho-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("tokens.json");
    // An expired token of this identity is in the store: every process must replace it.
    let expired = zoho_core::StoredToken {
        access_token: zoho_core::auth::Secret::new("1000.expired"),
        expires_at: std::time::SystemTime::UNIX_EPOCH,
        api_domain: None,
    };
    let cache =
        zoho_core::engine::TokenCache::new(&config(emu.base_url(), store.to_str().unwrap()));
    let key = cache.key().unwrap().as_str();
    zoho_core::TokenStore::store(&FileTokenStore::new(&store), key, &expired).unwrap();
    let before = emu.stats();
    let children: Vec<_> = (0..PROCESSES)
        .map(|n| {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "child_calls_with_the_shared_store",
                    "--nocapture",
                ])
                .env("ZOHO_FLEET_BASE", emu.base_url())
                .env("ZOHO_FLEET_STORE", &store)
                .env("ZOHO_FLEET_N", n.to_string())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let after = emu.stats();
    assert_eq!(
        after.api_requests - before.api_requests,
        (PROCESSES * CALLS) as u64
    );
    assert_eq!(
        after.token_requests - before.token_requests,
        1,
        "one token for 8 processes"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
