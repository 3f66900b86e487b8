//! One table of scenarios, run against the blocking transport, the async transport and a closure
//! transport (the custom-transport example's HTTP/1.1 function): the same outcome, the same API
//! requests and the same token requests, as the emulator counts them.
//!
//! `cargo test -p zoho-parity -- --nocapture` prints the table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../crm/examples/custom_transport/http1.rs"]
mod http1;

use std::sync::Arc;
use std::time::Duration;

use zoho_core::auth::Credentials;
use zoho_core::bytes::Bytes;
use zoho_core::engine::Engine;
use zoho_core::ops::Attachments;
use zoho_core::{Api, AttachmentId, BaseUrl, ClientConfig, DataCenter, Endpoints, Error};
use zoho_emulator::{DropDownloads, Emulator, FailNext, FaultPlan, Stats};

const LEAD: &str = "5725767000000010001";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Blocking,
    Async,
    Closure,
}

const KINDS: [Kind; 3] = [Kind::Blocking, Kind::Async, Kind::Closure];

/// A client of any of the three kinds, with the few calls the scenarios make.
enum Client {
    Blocking(zoho_blocking_transport::Transport),
    Async(zoho_async_transport::Transport, tokio::runtime::Runtime),
    Closure(Box<Engine>),
}

fn send(
    req: zoho_core::http::Request<zoho_core::Body>,
    sources: &[&[u8]],
) -> Result<zoho_core::http::Response<Bytes>, zoho_core::engine::SendError> {
    http1::send(req, sources)
}

fn record() -> Attachments {
    Attachments::parse(Api::CRM, "Leads", LEAD).unwrap()
}

impl Client {
    fn new(kind: Kind, config: ClientConfig) -> Self {
        match kind {
            Kind::Blocking => {
                Client::Blocking(zoho_blocking_transport::Transport::new(config).unwrap())
            }
            Kind::Async => {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                let t = {
                    let _guard = rt.enter();
                    zoho_async_transport::Transport::new(config).unwrap()
                };
                Client::Async(t, rt)
            }
            Kind::Closure => Client::Closure(Box::new(Engine::new(config))),
        }
    }

    fn list(&self) -> Result<usize, Error> {
        let op = record().list();
        let page = match self {
            Client::Blocking(t) => t.execute(&op),
            Client::Async(t, rt) => rt.block_on(t.execute(&op)),
            Client::Closure(e) => e.execute(&send, &op, &[]),
        }?;
        Ok(page.attachments.len())
    }

    fn upload(&self, data: &[u8]) -> Result<AttachmentId, Error> {
        let op = record().upload("parity.bin", data.len() as u64);
        let bytes = Bytes::copy_from_slice(data);
        let up = match self {
            Client::Blocking(t) => {
                t.execute_with(&op, &[zoho_blocking_transport::Source::Bytes(bytes)])
            }
            Client::Async(t, rt) => {
                rt.block_on(t.execute_with(&op, &[zoho_async_transport::Source::Bytes(bytes)]))
            }
            Client::Closure(e) => e.execute(&send, &op, &[data]),
        }?;
        Ok(up.id)
    }

    fn download(&self, id: AttachmentId) -> Result<Vec<u8>, Error> {
        let d = record().download(id);
        let dir = std::env::temp_dir().join(format!("zoho-parity-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{:?}.bin", std::thread::current().id()));
        let opts = zoho_core::DownloadOptions::default();
        match self {
            Client::Blocking(t) => t.download_to_path(&d, &path, &opts).map(|_| ()),
            Client::Async(t, rt) => rt
                .block_on(t.download_to_path(&d, &path, &opts))
                .map(|_| ()),
            Client::Closure(e) => e
                .download_whole(&send, &d)
                .map(|(_, b)| std::fs::write(&path, b).unwrap()),
        }?;
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        Ok(bytes)
    }

    /// A download into memory: a writer for the transports, whole answers for the closure.
    fn download_to_writer(&self, id: AttachmentId) -> Result<Vec<u8>, Error> {
        let d = record().download(id);
        let opts = zoho_core::DownloadOptions::default();
        let mut out = Vec::new();
        match self {
            Client::Blocking(t) => t.download(&d, &mut out, &opts).map(|_| out),
            Client::Async(t, rt) => rt.block_on(t.download(&d, &mut out, &opts)).map(|_| out),
            Client::Closure(e) => e.download_whole(&send, &d).map(|(_, b)| b.to_vec()),
        }
    }

    /// `n` list calls at once: threads for the blocking kinds, futures on one runtime for async.
    fn list_concurrently(&self, n: usize) -> Vec<Result<usize, Error>> {
        match self {
            Client::Async(t, rt) => rt.block_on(async {
                let op = record().list();
                let calls = (0..n).map(|_| t.execute(&op));
                futures_util::future::join_all(calls)
                    .await
                    .into_iter()
                    .map(|r| r.map(|p| p.attachments.len()))
                    .collect()
            }),
            _ => std::thread::scope(|s| {
                let handles: Vec<_> = (0..n).map(|_| s.spawn(|| self.list())).collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            }),
        }
    }
}

fn refresh_credentials() -> Credentials {
    Credentials::refresh_token(
        zoho_emulator::CLIENT_ID,
        zoho_emulator::CLIENT_SECRET,
        zoho_emulator::REFRESH_TOKEN,
    )
}

fn config(emu: &Emulator, credentials: Credentials) -> ClientConfig {
    let mut c = ClientConfig::for_base_url(BaseUrl::new(emu.base_url()).unwrap(), credentials);
    c.retry.base_delay = Duration::from_millis(5);
    c.token_refusal_backoff = Duration::from_millis(300);
    c
}

fn start(config: zoho_emulator::Config) -> Emulator {
    Emulator::start(config).unwrap()
}

fn emulator() -> Emulator {
    start(zoho_emulator::Config::default())
}

/// What a scenario ended in, for the table.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    outcome: String,
    requests: u64,
    token_requests: u64,
}

fn outcome<T>(r: &Result<T, Error>) -> String {
    match r {
        Ok(_) => String::from("ok"),
        Err(Error::OAuth(e)) => format!("refused: {}", e.error),
        Err(e) => match (e.code(), e.status()) {
            (Some(c), _) => c.as_str().to_owned(),
            (None, Some(s)) => format!("HTTP {}", s.as_u16()),
            (None, None) => format!("error: {e}"),
        },
    }
}

/// Every result's outcome, when they agree.
fn all_same<T>(rs: &[Result<T, Error>]) -> String {
    let first = outcome(&rs[0]);
    for r in rs {
        assert_eq!(outcome(r), first, "callers disagree");
    }
    format!("{} x{}", first, rs.len())
}

fn row(before: &Stats, after: &Stats, outcome: String) -> Row {
    Row {
        outcome,
        requests: after.api_requests - before.api_requests,
        token_requests: after.token_requests - before.token_requests,
    }
}

fn faults(emu: &Emulator, plan: FaultPlan) {
    emu.set_faults(plan);
}

fn fail_next(status: u16, count: u32, retry_after_secs: Option<u64>) -> FaultPlan {
    FaultPlan {
        fail_next: Some(FailNext {
            status,
            count,
            retry_after_secs,
        }),
        ..FaultPlan::default()
    }
}

/// Runs `body` with a warmed-up client (one call made, its token minted) and counts what the
/// scenario itself sent.
fn warm(kind: Kind, body: impl FnOnce(&Emulator, &Client) -> String) -> Row {
    let emu = emulator();
    let client = Client::new(kind, config(&emu, refresh_credentials()));
    client.list().unwrap();
    let before = emu.stats();
    let outcome = body(&emu, &client);
    row(&before, &emu.stats(), outcome)
}

fn burst_429(kind: Kind) -> Row {
    warm(kind, |emu, c| {
        faults(emu, fail_next(429, 3, None));
        outcome(&c.list())
    })
}

fn unavailable_503_retry_after(kind: Kind) -> Row {
    warm(kind, |emu, c| {
        faults(emu, fail_next(503, 1, Some(1)));
        outcome(&c.list())
    })
}

fn error_500_get(kind: Kind) -> Row {
    warm(kind, |emu, c| {
        faults(emu, fail_next(500, 1, None));
        outcome(&c.list())
    })
}

fn error_500_post(kind: Kind) -> Row {
    warm(kind, |emu, c| {
        faults(emu, fail_next(500, 1, None));
        outcome(&c.upload(b"not sent twice"))
    })
}

fn invalid_token_refreshable(kind: Kind) -> Row {
    warm(kind, |emu, c| {
        emu.expire_tokens();
        outcome(&c.list())
    })
}

fn invalid_token_fixed(kind: Kind) -> Row {
    let emu = emulator();
    let token = Credentials::access_token(emu.access_token());
    let client = Client::new(kind, config(&emu, token));
    client.list().unwrap();
    emu.expire_tokens();
    let before = emu.stats();
    let r = client.upload(b"sent once");
    row(&before, &emu.stats(), outcome(&r))
}

fn cut_download(kind: Kind) -> Row {
    let data = vec![7u8; 2_000_000];
    warm(kind, |emu, c| {
        let id = c.upload(&data).unwrap();
        faults(
            emu,
            FaultPlan {
                drop_downloads: Some(DropDownloads {
                    after_bytes: 500_000,
                    count: 1,
                }),
                ..FaultPlan::default()
            },
        );
        let before = emu.stats().api_requests;
        let got = c.download(id);
        assert_eq!(emu.stats().api_requests - before, 2);
        assert_eq!(got.as_ref().ok(), Some(&data), "the whole file, once");
        outcome(&got)
    })
}

fn writer_download_after_503_and_401(kind: Kind) -> Row {
    warm(kind, |emu, c| {
        let id = c.upload(b"to a writer").unwrap();
        faults(emu, fail_next(503, 1, None));
        emu.expire_tokens();
        let before = emu.stats().api_requests;
        let got = c.download_to_writer(id);
        assert_eq!(
            emu.stats().api_requests - before,
            3,
            "503, then 401, then the file"
        );
        assert_eq!(
            got.as_ref().ok().map(Vec::as_slice),
            Some(&b"to a writer"[..])
        );
        outcome(&got)
    })
}

fn expired_token_64_callers(kind: Kind) -> Row {
    let emu = emulator();
    faults(
        &emu,
        FaultPlan {
            token_lifetime_secs: Some(1),
            ..FaultPlan::default()
        },
    );
    let client = Client::new(kind, config(&emu, refresh_credentials()));
    client.list().unwrap();
    faults(&emu, FaultPlan::default());
    std::thread::sleep(Duration::from_millis(1100));
    let before = emu.stats();
    let rs = client.list_concurrently(64);
    row(&before, &emu.stats(), all_same(&rs))
}

fn access_denied_64_callers(kind: Kind) -> Row {
    let emu = start(zoho_emulator::Config {
        token_limit: 0,
        ..zoho_emulator::Config::default()
    });
    let client = Client::new(kind, config(&emu, refresh_credentials()));
    let before = emu.stats();
    let rs = client.list_concurrently(64);
    let first = row(&before, &emu.stats(), all_same(&rs));
    // After the back-off (300 ms here), one new request; then the back-off doubles.
    std::thread::sleep(Duration::from_millis(350));
    let rs = client.list_concurrently(64);
    let second = row(&before, &emu.stats(), all_same(&rs));
    assert_eq!(
        (second.requests, second.token_requests),
        (0, 2),
        "{second:?}"
    );
    first
}

fn token_shorter_than_margin(kind: Kind) -> Row {
    let emu = emulator();
    faults(
        &emu,
        FaultPlan {
            token_lifetime_secs: Some(20), // the refresh margin is 60 s
            ..FaultPlan::default()
        },
    );
    let client = Client::new(kind, config(&emu, refresh_credentials()));
    let before = emu.stats();
    let rs: Vec<_> = (0..5).map(|_| client.list()).collect();
    row(&before, &emu.stats(), all_same(&rs))
}

fn foreign_api_domain(kind: Kind) -> Row {
    let emu = emulator();
    let foreign = emulator();
    faults(
        &emu,
        FaultPlan {
            api_domain: Some(foreign.base_url().to_owned()),
            ..FaultPlan::default()
        },
    );
    // Hosts of the US data centre in all but name: the emulator stands in for them.
    let base = BaseUrl::new(emu.base_url()).unwrap();
    let mut endpoints = Endpoints::custom(base);
    endpoints.data_center = Some(DataCenter::Us);
    let mut c = config(&emu, refresh_credentials());
    c.endpoints = endpoints;
    c.fixed_api_base = false;
    let client = Client::new(kind, c);
    let before = emu.stats();
    let rs: Vec<_> = (0..3).map(|_| client.list()).collect();
    assert_eq!(
        foreign.stats().api_requests,
        0,
        "no request reached the foreign host"
    );
    assert_eq!(foreign.stats().token_requests, 0);
    row(&before, &emu.stats(), all_same(&rs))
}

fn relogin_other_server(kind: Kind) -> Row {
    let store = Arc::new(zoho_token_store::MemoryTokenStore::default());
    let old = emulator();
    let mut c = config(&old, refresh_credentials());
    c.token_store = Some(store.clone());
    Client::new(kind, c).list().unwrap();
    let new = emulator();
    let mut c = config(&new, refresh_credentials());
    c.token_store = Some(store);
    let before = new.stats();
    let r = Client::new(kind, c).list();
    row(&before, &new.stats(), outcome(&r))
}

type Scenario = fn(Kind) -> Row;

fn expect(outcome: &str, requests: u64, token_requests: u64) -> Row {
    Row {
        outcome: outcome.to_owned(),
        requests,
        token_requests,
    }
}

#[test]
fn every_transport_gives_the_same_outcome_with_the_same_requests() {
    // One row a scenario: name, scenario, expected (outcome, API requests, token requests).
    #[rustfmt::skip]
    let table: Vec<(&str, Scenario, Row)> = vec![
        ("429 burst (3), GET",                      burst_429,                         expect("ok", 4, 0)),
        ("503 with Retry-After: 1, GET",            unavailable_503_retry_after,       expect("ok", 2, 0)),
        ("500 on GET",                              error_500_get,                     expect("ok", 2, 0)),
        ("500 on POST (upload)",                    error_500_post,                    expect("INTERNAL_ERROR", 1, 0)),
        ("401, refresh credentials",                invalid_token_refreshable,         expect("ok", 2, 1)),
        ("401, fixed token (upload)",               invalid_token_fixed,               expect("INVALID_TOKEN", 1, 0)),
        ("download cut at 500 kB of 2 MB",          cut_download,                      expect("ok", 3, 0)),
        ("download to a writer after 503 and 401",  writer_download_after_503_and_401, expect("ok", 4, 1)),
        ("expired token, 64 callers",               expired_token_64_callers,          expect("ok x64", 64, 1)),
        ("Access Denied, 64 callers",               access_denied_64_callers,          expect("refused: Access Denied x64", 0, 1)),
        ("token living 20 s < 60 s margin, 5 calls", token_shorter_than_margin,         expect("ok x5", 5, 1)),
        ("api_domain names a foreign host, 3 calls", foreign_api_domain,                expect("ok x3", 3, 1)),
        ("re-login on another server, shared store", relogin_other_server,              expect("ok", 1, 1)),
    ];
    println!("| scenario | blocking | async | closure |");
    println!("|---|---|---|---|");
    let mut failures = Vec::new();
    for (name, scenario, expected) in &table {
        let rows: Vec<Row> = KINDS.iter().map(|&k| scenario(k)).collect();
        let cell = |r: &Row| {
            format!(
                "{}, {} req, {} tok",
                r.outcome, r.requests, r.token_requests
            )
        };
        println!(
            "| {name} | {} | {} | {} |",
            cell(&rows[0]),
            cell(&rows[1]),
            cell(&rows[2])
        );
        for (kind, r) in KINDS.iter().zip(&rows) {
            if r != expected {
                failures.push(format!(
                    "{name}, {kind:?}: got {r:?}, expected {expected:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An async closure is a sender too: the engine's async loop, with the executor-free timer of
/// the core for its waits, retries a 429 burst and refreshes a refused token.
#[test]
fn an_async_closure_gets_the_whole_engine() {
    let emu = emulator();
    let engine = Engine::new(config(&emu, refresh_credentials()));
    let send = |req, _: &[&[u8]]| {
        let answer = http1::send(req, &[]);
        async move { answer }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let op = record().list();
    rt.block_on(engine.execute_async(&send, &op, &[])).unwrap();
    faults(&emu, fail_next(429, 3, None));
    emu.expire_tokens();
    let before = emu.stats();
    rt.block_on(engine.execute_async(&send, &op, &[])).unwrap();
    let r = row(&before, &emu.stats(), String::from("ok"));
    // 3 answered 429, then 401 (the token was expired), then the replay with a new token.
    assert_eq!(r, expect("ok", 5, 1));
}

/// A body cut part-way into a caller's writer is not sent again by either transport: the writer
/// already took bytes and cannot be reset (the `download_to_*` methods can, and are).
#[test]
fn a_writer_cut_part_way_is_not_sent_again() {
    for kind in [Kind::Blocking, Kind::Async] {
        let emu = emulator();
        let c = Client::new(kind, config(&emu, refresh_credentials()));
        let id = c.upload(&vec![1u8; 1_000_000]).unwrap();
        faults(
            &emu,
            FaultPlan {
                drop_downloads: Some(DropDownloads {
                    after_bytes: 300_000,
                    count: 1,
                }),
                ..FaultPlan::default()
            },
        );
        let before = emu.stats().api_requests;
        let got = c.download_to_writer(id);
        assert!(got.is_err(), "{kind:?}: {got:?}");
        assert_eq!(emu.stats().api_requests - before, 1, "{kind:?}");
    }
}

/// When the accounts server cannot be reached, the callers who queued behind the one token
/// request get its error at once, instead of each trying (and waiting) in turn.
#[test]
fn an_unreachable_accounts_server_is_tried_once_for_the_waiting_callers() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let emu = emulator();
    let engine = Engine::new(config(&emu, refresh_credentials()));
    let token_requests = AtomicUsize::new(0);
    let send = |req: zoho_core::http::Request<zoho_core::Body>, sources: &[&[u8]]| {
        if req.uri().path().starts_with("/oauth/") {
            token_requests.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(100)); // a slow connect that fails
            let e = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "accounts down");
            let e = Error::transport(zoho_core::TransportKind::Connect, e);
            return Err(zoho_core::engine::SendError::Connect(e));
        }
        http1::send(req, sources)
    };
    let op = record().list();
    let results: Vec<_> = std::thread::scope(|s| {
        let calls: Vec<_> = (0..16)
            .map(|_| s.spawn(|| engine.execute(&send, &op, &[])))
            .collect();
        calls.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(results.iter().all(|r| {
        r.as_ref()
            .is_err_and(|e| e.to_string().contains("accounts down"))
    }));
    assert_eq!(token_requests.load(Ordering::SeqCst), 1);
    assert_eq!(emu.stats().api_requests, 0);
}

/// A transport failure says what kind it is, the same in every transport, without downcasting:
/// no listener is `Connect`, a body cut part-way `Cut`, a stalled answer `Timeout` (not for the
/// closure, which has no timeouts); all three are worth trying again later.
#[test]
fn transport_failures_say_their_kind() {
    use zoho_core::TransportKind;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    for kind in KINDS {
        let mut c = ClientConfig::for_base_url(
            BaseUrl::new(&nowhere).unwrap(),
            Credentials::access_token("1000.fixed"),
        );
        c.retry.base_delay = Duration::from_millis(1);
        let e = Client::new(kind, c).list().unwrap_err();
        assert_eq!(
            e.transport_kind(),
            Some(TransportKind::Connect),
            "{kind:?}: {e}"
        );
        assert!(
            e.is_retryable() && !e.is_timeout() && !e.is_auth(),
            "{kind:?}"
        );

        let emu = emulator();
        let client = Client::new(kind, config(&emu, refresh_credentials()));
        let id = client.upload(&vec![1u8; 1_000_000]).unwrap();
        let drop_once = DropDownloads {
            after_bytes: 300_000,
            count: 1,
        };
        faults(
            &emu,
            FaultPlan {
                drop_downloads: Some(drop_once),
                ..FaultPlan::default()
            },
        );
        if kind != Kind::Closure {
            let e = client.download_to_writer(id).unwrap_err();
            assert_eq!(
                e.transport_kind(),
                Some(TransportKind::Cut),
                "{kind:?}: {e}"
            );
            assert!(e.is_retryable(), "{kind:?}");
        }

        if kind == Kind::Closure {
            continue;
        }
        let mut slow = config(&emu, refresh_credentials());
        slow.read_timeout = Duration::from_millis(100);
        slow.retry.max_attempts = 2;
        let slow = Client::new(kind, slow);
        slow.list().unwrap();
        let stall = FaultPlan {
            delay_ms: 400,
            ..FaultPlan::default()
        };
        faults(&emu, stall);
        let e = slow.list().unwrap_err();
        assert!(e.is_timeout(), "{kind:?}: {e}");
        assert!(e.is_retryable(), "{kind:?}");
    }
}
