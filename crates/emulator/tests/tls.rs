//! `--tls`: https with a self-signed certificate for the loopback names, refused by a client
//! that does not trust it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[tokio::test]
async fn tls_serves_https_to_a_client_that_trusts_its_certificate_only() {
    let emu = zoho_emulator::Emulator::start_with(
        zoho_emulator::Config::default(),
        zoho_emulator::Access::default().tls(),
    )
    .unwrap();
    let pem = emu.tls_cert_pem().unwrap();
    let trusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()])
        .build()
        .unwrap();
    for host in ["127.0.0.1", "localhost"] {
        let url = emu.base_url().replace("127.0.0.1", host);
        let r = trusting
            .get(format!("{url}/__emulator/stats"))
            .bearer_auth(emu.admin_token())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{host}");
    }
    // The connections counted are TCP connections, handshakes included.
    assert!(emu.stats().connections >= 1);
    let plain = reqwest::Client::builder()
        .tls_certs_only([])
        .build()
        .unwrap();
    let e = plain
        .get(format!("{}/__emulator/stats", emu.base_url()))
        .send()
        .await
        .unwrap_err();
    assert!(e.is_connect(), "{e:?}");
}
