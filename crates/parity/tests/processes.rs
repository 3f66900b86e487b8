//! Several processes on one machine share a `FileTokenStore`: with the token expired, 8
//! processes × 16 concurrent calls make exactly one token request between them; the others
//! wait on the store's OS lock and read the token it wrote.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::{all_pass, calls_at_once, child, config, one_token_for, store_expired_token};
use zoho_core::ClientConfig;
use zoho_emulator::Emulator;
use zoho_token_store::FileTokenStore;

const PROCESSES: usize = 8;

fn file_config(base: &str, store: &str) -> ClientConfig {
    config(base, Arc::new(FileTokenStore::new(store)))
}

/// One of the processes (run by the test below): blocking transport on even processes and
/// async on odd ones.
#[test]
fn child_calls_with_the_shared_store() {
    let (Ok(base), Ok(store), Ok(n)) = (
        std::env::var("ZOHO_FLEET_BASE"),
        std::env::var("ZOHO_FLEET_STORE"),
        std::env::var("ZOHO_FLEET_N"),
    ) else {
        return; // only as a child of `processes_sharing_a_file_store_mint_one_token`
    };
    calls_at_once(
        file_config(&base, &store),
        n.parse::<usize>().unwrap() % 2 == 0,
    );
}

#[test]
fn processes_sharing_a_file_store_mint_one_token() {
    let emu = Emulator::start(Default::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("zoho-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("tokens.json");
    store_expired_token(&file_config(emu.base_url(), store.to_str().unwrap()));
    let before = emu.stats();
    let children = (0..PROCESSES).map(|n| {
        let mut c = child("child_calls_with_the_shared_store");
        c.env("ZOHO_FLEET_BASE", emu.base_url())
            .env("ZOHO_FLEET_STORE", &store)
            .env("ZOHO_FLEET_N", n.to_string());
        c.spawn().unwrap()
    });
    all_pass(children.collect());
    let after = emu.stats();
    one_token_for(&before, &after, PROCESSES);
    std::fs::remove_dir_all(dir).unwrap();
}
