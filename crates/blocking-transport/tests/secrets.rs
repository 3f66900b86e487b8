//! No token or secret in any Debug or Display text, nor in tracing output of a full run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use zoho_blocking_transport::{Attachments, Config, DownloadOptions, Transport};
use zoho_core::auth::{Client, Credentials, Secret};
use zoho_core::{Api, BaseUrl, Endpoints};
use zoho_emulator::Emulator;

const CLIENT_SECRET: &str = zoho_emulator::CLIENT_SECRET;
const REFRESH: &str = zoho_emulator::REFRESH_TOKEN;

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

#[test]
fn secrets_stay_out_of_debug_display_and_traces() {
    let emu = Emulator::start(zoho_emulator::Config::default()).unwrap();
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let mut texts = Vec::new();
    tracing::subscriber::with_default(subscriber, || {
        let credentials = Credentials::RefreshToken {
            client: Client {
                id: zoho_emulator::CLIENT_ID.into(),
                secret: Secret::new(CLIENT_SECRET),
            },
            refresh_token: Secret::new(REFRESH),
        };
        let mut config = Config::new(
            Endpoints::custom(BaseUrl::new(emu.base_url()).unwrap()),
            credentials.clone(),
        );
        config.proxy = None;
        let t = Transport::new(config.clone()).unwrap();
        let a = Attachments::new(
            &t,
            zoho_core::ops::Attachments::parse(Api::CRM, "Leads", "5725767000000010001").unwrap(),
        );
        let up = a
            .upload_reader("a.txt", 3, std::io::Cursor::new(b"abc".to_vec()))
            .unwrap();
        let mut sink = Vec::new();
        a.download_to_writer(up.id.clone(), &mut sink, &DownloadOptions::default())
            .unwrap();
        emu.expire_tokens();
        a.list().unwrap(); // a refresh and a replay, traced
        let err = Attachments::new(
            &t,
            zoho_core::ops::Attachments::parse(Api::CRM, "Leads", "1").unwrap(),
        )
        .list()
        .unwrap_err();
        let bad = Transport::new(Config::new(
            Endpoints::custom(BaseUrl::new(emu.base_url()).unwrap()),
            Credentials::RefreshToken {
                client: Client {
                    id: "1000.WRONG".into(),
                    secret: Secret::new(CLIENT_SECRET),
                },
                refresh_token: Secret::new(REFRESH),
            },
        ))
        .unwrap();
        let oauth_err = Attachments::new(
            &bad,
            zoho_core::ops::Attachments::parse(Api::CRM, "Leads", "1").unwrap(),
        )
        .list()
        .unwrap_err();
        texts.push(format!("{config:?}"));
        texts.push(format!("{credentials:?}"));
        texts.push(format!("{t:?}"));
        texts.push(format!("{a:?}"));
        texts.push(format!("{err:?} {err}"));
        texts.push(format!("{oauth_err:?} {oauth_err}"));
        assert!(oauth_err.to_string().contains("invalid_client"));
    });
    let traces = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        traces.contains("zoho.request"),
        "spans were recorded:\n{traces}"
    );
    assert!(traces.contains("refreshing once and replaying"), "{traces}");
    texts.push(traces);
    let all = texts.join("\n");
    for secret in [CLIENT_SECRET, REFRESH, emu.access_token(), "1000.emulator0"] {
        assert!(!all.contains(secret), "a secret leaked: {secret}\n{all}");
    }
    // Issued access tokens are `1000.` + 32 hex digits; none may appear either.
    let leaked = all
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
        .any(|w| {
            w.strip_prefix("1000.")
                .is_some_and(|rest| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
        });
    assert!(!leaked, "an issued access token leaked:\n{all}");
}
