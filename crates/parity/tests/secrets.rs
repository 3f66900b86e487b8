//! No secret (client secret, refresh token, grant code, access token) in any `Debug` or
//! `Display` text of a public type that can hold one, in `tracing` output at TRACE, or in `log`
//! records at TRACE, for the blocking transport, the async transport and a closure.
//!
//! One exception, which the blocking transport warns about: `ureq_proto` dumps every byte on the
//! wire at TRACE (the `Authorization` header and token answers included), and ureq offers no way
//! to turn that off; its records are counted, and the warning is checked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../crm/examples/custom_transport/http1.rs"]
mod http1;

use std::io::Write;
use std::sync::{Arc, Mutex};

use zoho_core::auth::{Client, Credentials, Grant, RevokeRequest, Secret, TokenRequest};
use zoho_core::bytes::Bytes;
use zoho_core::engine::{Engine, SendError};
use zoho_core::http::{Request, Response};
use zoho_core::ops::Attachments;
use zoho_core::{Api, BaseUrl, Body, ClientConfig, DownloadOptions, Error, StoredToken};
use zoho_emulator::{CLIENT_ID, CLIENT_SECRET, Emulator, REFRESH_TOKEN};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every `log` record, with its target.
#[derive(Default)]
struct LogCapture(Mutex<Vec<(String, String)>>);

impl log::Log for LogCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, r: &log::Record<'_>) {
        let line = format!("{} {}", r.level(), r.args());
        self.0.lock().unwrap().push((r.target().to_owned(), line));
    }
    fn flush(&self) {}
}

fn record() -> Attachments {
    Attachments::parse(Api::CRM, "Leads", "5725767000000010001").unwrap()
}

fn credentials(id: &str) -> Credentials {
    Credentials::refresh_token(id, CLIENT_SECRET, REFRESH_TOKEN)
}

fn config(emu: &Emulator, id: &str) -> ClientConfig {
    ClientConfig::for_base_url(BaseUrl::new(emu.base_url()).unwrap(), credentials(id))
}

/// A token endpoint behind an echoing error page: it repeats the request's body (client secret
/// and refresh token) in a non-JSON answer.
fn echoing(req: Request<Body>, _: &[&[u8]]) -> Result<Response<Bytes>, SendError> {
    let body = match req.body() {
        Body::Bytes(b) => b.clone(),
        _ => Bytes::new(),
    };
    let page = format!(
        "<html>bad request: {}</html>",
        String::from_utf8_lossy(&body)
    );
    Ok(Response::builder()
        .status(400)
        .header("content-type", "text/html")
        .body(Bytes::from(page))
        .unwrap())
}

/// Runs everything that may touch a secret, and returns every `Debug`/`Display` text made.
fn exercise(emu: &Emulator) -> (Vec<String>, Vec<String>) {
    let mut texts = Vec::new();
    let mut secrets = vec![
        CLIENT_SECRET.to_owned(),
        REFRESH_TOKEN.to_owned(),
        emu.access_token().to_owned(),
    ];

    // The blocking transport: a one-shot upload, a download, a refresh and replay, a refusal.
    let t = zoho_blocking_transport::Transport::new(config(emu, CLIENT_ID)).unwrap();
    let a = zoho_blocking_transport::Attachments::new(&t, record());
    let up = a
        .upload_reader("a.txt", 3, std::io::Cursor::new(b"abc".to_vec()))
        .unwrap();
    a.download_to_writer(up.id.clone(), &mut Vec::new(), &DownloadOptions::default())
        .unwrap();
    emu.expire_tokens();
    a.list().unwrap();
    let bad = zoho_blocking_transport::Transport::new(config(emu, "1000.WRONG")).unwrap();
    let refused = zoho_blocking_transport::Attachments::new(&bad, record())
        .list()
        .unwrap_err();
    assert!(matches!(refused, Error::OAuth(_)), "{refused}");
    // A grant-code exchange and a revoke.
    let code = emu.grant_code(&["ZohoCRM.modules.ALL"]);
    secrets.push(code.clone());
    let exchange = TokenRequest {
        accounts: BaseUrl::new(emu.base_url()).unwrap(),
        client: Client {
            id: CLIENT_ID.into(),
            secret: Secret::new(CLIENT_SECRET),
        },
        grant: Grant::AuthorizationCode {
            code: Secret::new(code),
            redirect_uri: None,
        },
    };
    let minted = t.request_token(&exchange).unwrap();
    let issued_refresh = minted.refresh_token.clone().unwrap();
    secrets.push(issued_refresh.expose().to_owned());
    secrets.push(minted.access_token.expose().to_owned());
    let reused = t.request_token(&exchange).unwrap_err(); // a grant code works once
    let revoke = RevokeRequest {
        accounts: BaseUrl::new(emu.base_url()).unwrap(),
        token: issued_refresh,
    };
    t.revoke(&revoke).unwrap();
    texts.extend([
        format!("{t:?}"),
        format!("{a:?}"),
        format!("{refused:?} {refused}"),
        format!("{reused:?} {reused}"),
        format!("{exchange:?}"),
        format!("{:?}", exchange.request().unwrap()),
        format!("{revoke:?}"),
        format!("{:?}", revoke.request().unwrap()),
        format!("{minted:?}"),
        format!("{:?}", StoredToken::from(&minted)),
        format!("{:?} {:?}", config(emu, CLIENT_ID), credentials(CLIENT_ID)),
    ]);

    // The async transport: the same calls.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let t = zoho_async_transport::Transport::new(config(emu, CLIENT_ID)).unwrap();
        let a = zoho_async_transport::Attachments::new(&t, record());
        let up = a
            .upload_reader("b.txt", 3, std::io::Cursor::new(b"xyz".to_vec()))
            .await
            .unwrap();
        a.download_to_writer(up.id, &mut Vec::new(), &DownloadOptions::default())
            .await
            .unwrap();
        emu.expire_tokens();
        a.list().await.unwrap();
        let bad = zoho_async_transport::Transport::new(config(emu, "1000.WRONG")).unwrap();
        let refused = zoho_async_transport::Attachments::new(&bad, record())
            .list()
            .await
            .unwrap_err();
        texts.extend([
            format!("{t:?}"),
            format!("{a:?}"),
            format!("{refused:?} {refused}"),
        ]);
    });

    // A closure: the engine, and a token endpoint that echoes what it was sent.
    let engine = Engine::new(config(emu, CLIENT_ID));
    let send = |req, sources: &[&[u8]]| http1::send(req, sources);
    engine.execute(&send, &record().list(), &[]).unwrap();
    let echoed = Engine::new(config(emu, CLIENT_ID))
        .execute(&echoing, &record().list(), &[])
        .unwrap_err();
    assert!(
        matches!(echoed, Error::UnexpectedResponse { .. }),
        "{echoed:?}"
    );
    texts.extend([format!("{engine:?}"), format!("{echoed:?} {echoed}")]);
    (texts, secrets)
}

/// Issued access and refresh tokens are `1000.` and 32 hex digits (then, for refresh tokens, a
/// `.` and more): none may appear.
fn issued_token_in(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
        .any(|w| {
            w.strip_prefix("1000.").is_some_and(|rest| {
                let head: String = rest.chars().take_while(|c| *c != '.').collect();
                head.len() == 32 && head.bytes().all(|b| b.is_ascii_hexdigit())
            })
        })
}

#[test]
fn no_secret_in_debug_display_tracing_or_log_at_trace() {
    let logs: &'static LogCapture = Box::leak(Box::default());
    log::set_logger(logs).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let emu = Emulator::start(zoho_emulator::Config::default()).unwrap();
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let (texts, secrets) = tracing::subscriber::with_default(subscriber, || exercise(&emu));
    let traces = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        traces.contains("zoho.request"),
        "spans were recorded:\n{traces}"
    );
    assert!(traces.contains("refreshing once and replaying"), "{traces}");

    let records = logs.0.lock().unwrap().clone();
    let (wire, ours): (Vec<_>, Vec<_>) = records
        .iter()
        .partition(|(t, _)| t.starts_with("ureq_proto"));
    assert!(!wire.is_empty(), "ureq_proto's wire dump is on at TRACE");
    assert!(
        ours.iter().any(
            |(t, l)| t == "zoho_blocking_transport" && l.contains("ureq_proto logs every byte")
        ),
        "the blocking transport warns about ureq_proto's wire dump"
    );
    let log_text: Vec<String> = ours.iter().map(|(t, l)| format!("{t}: {l}")).collect();

    let all = [texts.join("\n"), traces, log_text.join("\n")].join("\n");
    for secret in &secrets {
        assert!(
            !all.contains(secret.as_str()),
            "a secret leaked: {secret}\n{all}"
        );
    }
    assert!(!issued_token_in(&all), "an issued token leaked:\n{all}");
    println!(
        "{} Debug/Display texts, {} trace bytes, {} log records checked; {} ureq_proto wire-dump records set aside",
        texts.len(),
        all.len(),
        ours.len(),
        wire.len()
    );
}
