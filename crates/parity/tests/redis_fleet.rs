//! A fleet on one Redis server (a real `redis-server` on loopback, started here; `.ci/run`
//! installs it): with the token expired, 4 processes × 16 calls make one token request; when
//! the lease holder is killed mid-mint, its lease expires and one other worker mints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{all_pass, calls_at_once, child, one_token_for, store_expired_token};
use zoho_core::ClientConfig;
use zoho_emulator::Emulator;
use zoho_parity::RedisServer;
use zoho_token_store::RedisTokenStore;

const PROCESSES: usize = 4;

/// A `redis-server` of its own. `None` (with a note) when the binary is missing outside CI;
/// under `CI=true` that is a failure.
fn redis() -> Option<RedisServer> {
    match RedisServer::start() {
        Ok(r) => Some(r),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && std::env::var_os("CI").is_none() => {
            eprintln!("skipped: redis-server is not installed ({e}); apt-get install redis-server");
            None
        }
        Err(e) => panic!("redis-server is needed ({e}): .ci/run installs it"),
    }
}

fn config(base: &str, redis: &str) -> ClientConfig {
    let store = RedisTokenStore::new(redis)
        .unwrap()
        .with_lease_ttl(Duration::from_secs(1));
    common::config(base, Arc::new(store))
}

fn key(base: &str, redis: &str) -> String {
    zoho_core::engine::TokenCache::new(&config(base, redis))
        .key()
        .unwrap()
        .as_str()
        .to_owned()
}

/// A worker process (run by the tests below): 16 list calls at once, or, with
/// `ZOHO_FLEET_HOLD`, a holder that takes the lease, says so and hangs until it is killed.
#[test]
fn child_worker() {
    let (Ok(base), Ok(url)) = (
        std::env::var("ZOHO_FLEET_BASE"),
        std::env::var("ZOHO_FLEET_REDIS"),
    ) else {
        return; // only as a child of the tests below
    };
    let config = config(&base, &url);
    if std::env::var_os("ZOHO_FLEET_HOLD").is_some() {
        let store = config.token_store.clone().unwrap();
        let lease = store.try_lease(&key(&base, &url)).unwrap();
        assert!(lease.is_some());
        println!("held");
        std::thread::sleep(Duration::from_secs(60));
        return;
    }
    calls_at_once(config, true);
}

fn worker(emu: &Emulator, redis: &RedisServer, hold: bool) -> Command {
    let mut c = child("child_worker");
    c.env("ZOHO_FLEET_BASE", emu.base_url())
        .env("ZOHO_FLEET_REDIS", redis.url());
    if hold {
        c.env("ZOHO_FLEET_HOLD", "1");
    }
    c
}

/// Runs the workers at once; every one must succeed.
fn run_workers(emu: &Emulator, redis: &RedisServer) {
    all_pass(
        (0..PROCESSES)
            .map(|_| worker(emu, redis, false).spawn().unwrap())
            .collect(),
    );
}

#[test]
fn a_fleet_on_redis_mints_one_token() {
    let Some(redis) = redis() else { return };
    let emu = Emulator::start(Default::default()).unwrap();
    store_expired_token(&config(emu.base_url(), redis.url()));
    let before = emu.stats();
    run_workers(&emu, &redis);
    let after = emu.stats();
    one_token_for(&before, &after, PROCESSES);
}

#[test]
fn a_lease_holder_killed_mid_mint_is_replaced() {
    let Some(redis) = redis() else { return };
    let emu = Emulator::start(Default::default()).unwrap();
    store_expired_token(&config(emu.base_url(), redis.url()));
    let mut holder = worker(&emu, &redis, true).spawn().unwrap();
    // The test harness prints its own lines first.
    let out = BufReader::new(holder.stdout.take().unwrap());
    let held = out
        .lines()
        .map_while(Result::ok)
        .any(|l| l.trim() == "held");
    assert!(held, "the holder took the lease");
    holder.kill().unwrap();
    holder.wait().unwrap();
    let before = emu.stats();
    let started = Instant::now();
    run_workers(&emu, &redis);
    let after = emu.stats();
    assert!(after.token_requests - before.token_requests <= 2);
    assert!(after.token_requests - before.token_requests >= 1);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the dead holder's lease expired"
    );
}

#[test]
fn the_fleet_counts_its_mints_in_redis() {
    use std::time::SystemTime;
    use zoho_core::TokenStore;
    let Some(redis) = redis() else { return };
    let (a, b) = (
        RedisTokenStore::new(redis.url()).unwrap(),
        RedisTokenStore::new(redis.url()).unwrap(),
    );
    let t = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s);
    assert_eq!(b.mints("k", t(0)).unwrap(), Some(vec![]));
    a.record_mint("k", t(1)).unwrap();
    a.record_mint("k", t(1)).unwrap(); // two workers in the same millisecond are two mints
    b.record_mint("k", t(300)).unwrap();
    b.record_mint("other", t(300)).unwrap();
    assert_eq!(
        a.mints("k", t(0)).unwrap().unwrap(),
        vec![t(1), t(1), t(300)]
    );
    // The window moves on: what is before it is forgotten, by every store.
    assert_eq!(b.mints("k", t(1)).unwrap().unwrap(), vec![t(300)]);
    assert_eq!(a.mints("k", t(0)).unwrap().unwrap(), vec![t(300)]);
    let other = RedisTokenStore::new(redis.url())
        .unwrap()
        .with_prefix("fleet-b:");
    assert_eq!(other.mints("k", t(0)).unwrap(), Some(vec![]));
}
