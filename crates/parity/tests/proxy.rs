//! Both transports through an HTTP proxy on loopback: taken from the environment by default,
//! set explicitly, or configured on an HTTP client of one's own that is handed in; and never
//! with `Proxy::Direct`. The proxy counts the connections that went through it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use zoho_core::auth::Credentials;
use zoho_core::ops::Attachments;
use zoho_core::{Api, BaseUrl, ClientConfig, Proxy};
use zoho_emulator::Emulator;

const LEAD: &str = "5725767000000010001";

/// A forward proxy: CONNECT tunnels (ureq) and absolute-form requests (reqwest, for `http://`)
/// are both piped to the host they name. It keeps the first line of every connection.
fn start_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let log = Arc::clone(&log);
            std::thread::spawn(move || relay(client, &log));
        }
    });
    (url, seen)
}

fn relay(client: TcpStream, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let first = head.lines().next().unwrap_or_default().to_owned();
    log.lock().unwrap().push(first.clone());
    let target = first.split(' ').nth(1).unwrap_or_default();
    let host = target
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default();
    let mut upstream = TcpStream::connect(host).unwrap();
    let mut client_w = client;
    if first.starts_with("CONNECT ") {
        client_w
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .unwrap();
    } else {
        upstream.write_all(head.as_bytes()).unwrap();
    }
    let mut up_w = upstream.try_clone().unwrap();
    std::thread::spawn(move || std::io::copy(&mut reader, &mut up_w));
    let _ = std::io::copy(&mut upstream, &mut client_w);
}

fn config(base: &str, proxy: Proxy) -> ClientConfig {
    let credentials = Credentials::refresh_token(
        zoho_emulator::CLIENT_ID,
        zoho_emulator::CLIENT_SECRET,
        zoho_emulator::REFRESH_TOKEN,
    );
    let mut c = ClientConfig::for_base_url(BaseUrl::new(base).unwrap(), credentials);
    c.proxy = proxy;
    c
}

fn list() -> zoho_core::ops::attachments::ListAttachments {
    Attachments::parse(Api::CRM, "Leads", LEAD).unwrap().list()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// Lists with both transports built from `config`; the two results in order.
fn both(config: ClientConfig) -> [Result<usize, zoho_core::Error>; 2] {
    let blocking = zoho_blocking_transport::Transport::new(config.clone()).unwrap();
    let rt = runtime();
    let asynchronous = {
        let _guard = rt.enter();
        zoho_async_transport::Transport::new(config).unwrap()
    };
    [
        blocking.execute(&list()).map(|p| p.attachments.len()),
        rt.block_on(asynchronous.execute(&list()))
            .map(|p| p.attachments.len()),
    ]
}

/// What went through the proxy, checked to hold ureq's tunnel to `host` and reqwest's
/// forwarded requests to it.
fn went_through(seen: &Mutex<Vec<String>>, host: &str) -> Vec<String> {
    let lines = seen.lock().unwrap().clone();
    let ureq = lines
        .iter()
        .any(|l| l.starts_with(&format!("CONNECT {host}")));
    let reqwest = lines
        .iter()
        .any(|l| l.starts_with(&format!("POST http://{host}/")));
    assert!(ureq && reqwest, "ureq {ureq}, reqwest {reqwest}: {lines:?}");
    lines
}

#[test]
fn an_explicit_proxy_carries_both_transports_and_direct_skips_it() {
    let emu = Emulator::start(Default::default()).unwrap();
    let host = emu.base_url().trim_start_matches("http://").to_owned();
    let (proxy, seen) = start_proxy();
    for r in both(config(emu.base_url(), Proxy::Url(proxy.clone()))) {
        assert_eq!(r.unwrap(), 0);
    }
    let lines = went_through(&seen, &host);
    let before = lines.len();
    for r in both(config(emu.base_url(), Proxy::Direct)) {
        assert_eq!(r.unwrap(), 0);
    }
    assert_eq!(
        seen.lock().unwrap().len(),
        before,
        "Direct went around the proxy"
    );
}

#[test]
fn a_client_of_ones_own_is_used_as_configured() {
    let emu = Emulator::start(Default::default()).unwrap();
    let host = emu.base_url().trim_start_matches("http://").to_owned();
    let (proxy, seen) = start_proxy();
    let config = config(emu.base_url(), Proxy::Direct);
    // ureq's defaults turn 4xx into errors and follow redirects; the transport undoes that
    // per request, so Zoho's error envelopes still arrive as typed errors.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .proxy(Some(ureq::Proxy::new(&proxy).unwrap()))
        .build()
        .into();
    let blocking = zoho_blocking_transport::Transport::with_ureq(config.clone(), agent);
    assert_eq!(blocking.execute(&list()).unwrap().attachments.len(), 0);
    let bad = Attachments::parse(Api::CRM, "Leads", "1").unwrap().list();
    let e = blocking.execute(&bad).unwrap_err();
    assert!(
        e.code().is_some(),
        "a Zoho envelope, read through the agent: {e:?}"
    );

    let rt = runtime();
    let client = reqwest::Client::builder()
        .proxy(reqwest::Proxy::all(&proxy).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let asynchronous = zoho_async_transport::Transport::with_reqwest(config, client);
    assert_eq!(
        rt.block_on(asynchronous.execute(&list()))
            .unwrap()
            .attachments
            .len(),
        0
    );
    // One connection each (kept alive): ureq's tunnel and reqwest's forwarded requests.
    went_through(&seen, &host);
}

/// Runs in a child process of this test binary (the environment is the process's); the parent
/// sets the proxy variables and counts what reached the proxy.
#[test]
fn child_lists_through_the_environments_proxy() {
    let Ok(base) = std::env::var("ZOHO_PROXY_CHILD_BASE") else {
        return; // only as the child of `the_environments_proxy_is_used_by_default`
    };
    for r in both(config(&base, Proxy::FromEnv)) {
        assert_eq!(r.unwrap(), 0);
    }
}

#[test]
fn the_environments_proxy_is_used_by_default() {
    let emu = Emulator::start(Default::default()).unwrap();
    let host = emu.base_url().trim_start_matches("http://").to_owned();
    let (proxy, seen) = start_proxy();
    let out = common::child("child_lists_through_the_environments_proxy")
        .env("ZOHO_PROXY_CHILD_BASE", emu.base_url())
        .env("HTTP_PROXY", &proxy)
        .env("HTTPS_PROXY", &proxy)
        .env("ALL_PROXY", &proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    went_through(&seen, &host);
}
