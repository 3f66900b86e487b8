//! `zoho` over https against the emulator's `--tls`: with its certificate trusted through
//! `SSL_CERT_FILE` the commands work; with another certificate as the only root the command
//! fails before anything is sent, saying TLS failed and why.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{LEAD, T};
use zoho_emulator::{Access, Emulator};

fn tls_emulator() -> Emulator {
    Emulator::start_with(Default::default(), Access::default().tls()).unwrap()
}

#[test]
fn commands_over_https_with_the_certificate_trusted_and_not() {
    let mut t = T::new("tls");
    t.emu = tls_emulator();
    assert!(t.emu.base_url().starts_with("https://"));
    let trusted = t.file("emulator.pem", t.emu.tls_cert_pem().unwrap().as_bytes());
    let file = t.file("over-tls.txt", b"sent over TLS\n");

    t.zoho_token()
        .env("SSL_CERT_FILE", &trusted)
        .args(["attachments", "upload", "Leads", LEAD])
        .arg(&file)
        .assert()
        .success();
    let listed = common::ok_json(t.zoho_token().env("SSL_CERT_FILE", &trusted).args([
        "--json",
        "attachments",
        "list",
        "Leads",
        LEAD,
    ]));
    assert!(
        listed.iter().any(|a| a["file_name"] == "over-tls.txt"),
        "{listed:?}"
    );

    let other = tls_emulator();
    let untrusted = t.file("other.pem", other.tls_cert_pem().unwrap().as_bytes());
    let before = t.emu.stats().api_requests;
    let out = t
        .zoho_token()
        .env("SSL_CERT_FILE", &untrusted)
        .args(["attachments", "list", "Leads", LEAD])
        .assert()
        .code(4)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(
        err.contains("TLS failed") && err.contains("invalid peer certificate"),
        "{err}"
    );
    assert_eq!(t.emu.stats().api_requests, before, "nothing was answered");
}
