//! The async transport over https against the emulator's `--tls`: the system's trusted roots
//! are read once, at the first handshake (`SSL_CERT_FILE` names them here), a certificate they
//! do not vouch for is refused, and calls share one TLS connection.
//!
//! `SSL_CERT_FILE` is read by the process, so each case runs this test binary again as a child
//! with it set (the `child` test, ignored unless asked for).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use zoho_async_transport::{Attachments, Config, Transport};
use zoho_core::auth::{Credentials, Secret};
use zoho_core::{Api, BaseUrl, Endpoints, Error};
use zoho_emulator::{Access, Emulator};

/// Runs the `child` test with this base URL and roots file; returns its exit status and output.
fn run_child(base: &str, roots: &std::path::Path, expect: &str) -> (bool, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--ignored", "--nocapture"])
        .env("SSL_CERT_FILE", roots)
        .env("ZOHO_TLS_TEST_BASE", base)
        .env("ZOHO_TLS_TEST_EXPECT", expect)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn https_with_the_emulators_certificate_trusted_and_not() {
    let emu =
        Emulator::start_with(zoho_emulator::Config::default(), Access::default().tls()).unwrap();
    assert!(emu.base_url().starts_with("https://"), "{}", emu.base_url());
    let dir = std::env::temp_dir().join(format!("zoho-tls-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trusted = dir.join("emulator.pem");
    std::fs::write(&trusted, emu.tls_cert_pem().unwrap()).unwrap();

    let (ok, out) = run_child(emu.base_url(), &trusted, "ok");
    assert!(ok, "{out}");
    let s = emu.stats();
    assert_eq!(s.api_requests, 5, "{out}");
    assert_eq!(s.connections, 1, "five calls, one TLS connection: {out}");

    // Another self-signed certificate as the only root: the emulator's is not vouched for.
    let other =
        Emulator::start_with(zoho_emulator::Config::default(), Access::default().tls()).unwrap();
    let untrusted = dir.join("other.pem");
    std::fs::write(&untrusted, other.tls_cert_pem().unwrap()).unwrap();
    let (ok, out) = run_child(emu.base_url(), &untrusted, "refused");
    assert!(ok, "{out}");
    assert_eq!(emu.stats().api_requests, 5, "nothing was answered: {out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
#[ignore = "run by https_with_the_emulators_certificate_trusted_and_not, with SSL_CERT_FILE set"]
async fn child() {
    let base = std::env::var("ZOHO_TLS_TEST_BASE").unwrap();
    let expect = std::env::var("ZOHO_TLS_TEST_EXPECT").unwrap();
    let mut config = Config::new(
        Endpoints::custom(BaseUrl::new(&base).unwrap()),
        Credentials::AccessToken(Secret::new(zoho_emulator::ACCESS_TOKEN)),
    );
    config.fixed_api_base = true;
    let t = Transport::new(config).unwrap();
    let leads = Attachments::new(
        &t,
        zoho_core::ops::Attachments::parse(Api::CRM, "Leads", "5725767000000010001").unwrap(),
    );
    if expect == "ok" {
        for _ in 0..5 {
            leads.list().await.unwrap();
        }
    } else {
        match leads.list().await {
            Err(Error::Transport(e)) => {
                assert_eq!(e.kind, zoho_core::TransportKind::Tls, "{e}");
                assert!(e.to_string().contains("invalid peer certificate"), "{e}");
            }
            other => panic!("expected a refused certificate, got {other:?}"),
        }
    }
}
