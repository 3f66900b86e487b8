//! No token or secret in any Debug or Display text, nor in tracing output of a full run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing::instrument::WithSubscriber;
use zoho_async_transport::{Attachments, Config, DownloadOptions, Transport};
use zoho_core::auth::{Client, Credentials, Secret};
use zoho_core::{Api, BaseUrl, Endpoints};
use zoho_emulator::Emulator;

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

#[tokio::test]
async fn secrets_stay_out_of_debug_display_and_traces() {
    let emu = Emulator::start(zoho_emulator::Config::default()).unwrap();
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let base = BaseUrl::new(emu.base_url()).unwrap();
    let credentials = Credentials::RefreshToken {
        client: Client {
            id: zoho_emulator::CLIENT_ID.into(),
            secret: Secret::new(zoho_emulator::CLIENT_SECRET),
        },
        refresh_token: Secret::new(zoho_emulator::REFRESH_TOKEN),
    };
    let config = Config::new(Endpoints::custom(base.clone()), credentials.clone());
    let texts = async {
        let t = Transport::new(config.clone()).unwrap();
        let a = Attachments::new(
            &t,
            zoho_core::ops::Attachments::parse(Api::CRM, "Leads", "5725767000000010001").unwrap(),
        );
        let up = a
            .upload_reader("a.txt", 3, std::io::Cursor::new(b"abc".to_vec()))
            .await
            .unwrap();
        let mut sink = Vec::new();
        a.download_to_writer(up.id.clone(), &mut sink, &DownloadOptions::default())
            .await
            .unwrap();
        emu.expire_tokens();
        a.list().await.unwrap();
        let err = Attachments::new(
            &t,
            zoho_core::ops::Attachments::parse(Api::CRM, "Leads", "1").unwrap(),
        )
        .list()
        .await
        .unwrap_err();
        let bad = Transport::new(Config::new(
            Endpoints::custom(base.clone()),
            Credentials::RefreshToken {
                client: Client {
                    id: "1000.WRONG".into(),
                    secret: Secret::new(zoho_emulator::CLIENT_SECRET),
                },
                refresh_token: Secret::new(zoho_emulator::REFRESH_TOKEN),
            },
        ))
        .unwrap();
        let oauth_err = Attachments::new(
            &bad,
            zoho_core::ops::Attachments::parse(Api::CRM, "Leads", "1").unwrap(),
        )
        .list()
        .await
        .unwrap_err();
        assert!(oauth_err.to_string().contains("invalid_client"));
        vec![
            format!("{config:?}"),
            format!("{credentials:?}"),
            format!("{t:?}"),
            format!("{a:?}"),
            format!("{err:?} {err}"),
            format!("{oauth_err:?} {oauth_err}"),
        ]
    }
    .with_subscriber(subscriber)
    .await;
    let traces = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(traces.contains("zoho.request"), "{traces}");
    assert!(traces.contains("refreshing once and replaying"), "{traces}");
    let all = format!("{}\n{traces}", texts.join("\n"));
    for secret in [
        zoho_emulator::CLIENT_SECRET,
        zoho_emulator::REFRESH_TOKEN,
        emu.access_token(),
        "1000.emulator0",
    ] {
        assert!(!all.contains(secret), "a secret leaked: {secret}\n{all}");
    }
    let leaked = all
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
        .any(|w| {
            w.strip_prefix("1000.")
                .is_some_and(|rest| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
        });
    assert!(!leaked, "an issued access token leaked:\n{all}");
}
