//! One connection per concurrent call at most: N calls at once, again and again, reuse N
//! connections on both transports (counted by the emulator as it accepts them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zoho_core::auth::Credentials;
use zoho_core::ops::Attachments;
use zoho_core::{Api, BaseUrl, ClientConfig};
use zoho_emulator::Emulator;

const AT_ONCE: usize = 10;
const ROUNDS: usize = 20;

fn config(emu: &Emulator) -> ClientConfig {
    let mut c = ClientConfig::for_base_url(
        BaseUrl::new(emu.base_url()).unwrap(),
        Credentials::access_token(emu.access_token()),
    );
    c.max_in_flight = AT_ONCE;
    c
}

fn op() -> zoho_core::ops::attachments::ListAttachments {
    Attachments::parse(Api::CRM, "Leads", "5725767000000010001")
        .unwrap()
        .list()
}

#[test]
fn the_blocking_transport_reuses_one_connection_per_concurrent_call() {
    let emu = Emulator::start(Default::default()).unwrap();
    let t = zoho_blocking_transport::Transport::new(config(&emu)).unwrap();
    let op = op();
    for _ in 0..ROUNDS {
        std::thread::scope(|s| {
            let calls: Vec<_> = (0..AT_ONCE).map(|_| s.spawn(|| t.execute(&op))).collect();
            for c in calls {
                c.join().unwrap().unwrap();
            }
        });
    }
    let s = emu.stats();
    assert_eq!(s.api_requests, (AT_ONCE * ROUNDS) as u64);
    // ureq puts a connection back in its pool as the answer is read: never one more.
    assert!(
        s.connections <= AT_ONCE as u64,
        "{} connections",
        s.connections
    );
}

#[test]
fn the_async_transport_reuses_one_connection_per_concurrent_call() {
    let emu = Emulator::start(Default::default()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let t = zoho_async_transport::Transport::new(config(&emu)).unwrap();
        let op = op();
        for _ in 0..ROUNDS {
            let calls = (0..AT_ONCE).map(|_| t.execute(&op));
            for r in futures_util::future::join_all(calls).await {
                r.unwrap();
            }
        }
    });
    let s = emu.stats();
    assert_eq!(s.api_requests, (AT_ONCE * ROUNDS) as u64);
    // hyper hands a connection back to its pool a moment after the answer is read, so a call
    // that starts at that moment may open one more; reuse still bounds them (without it: 200).
    assert!(
        s.connections <= AT_ONCE as u64 + 2,
        "{} connections",
        s.connections
    );
}
