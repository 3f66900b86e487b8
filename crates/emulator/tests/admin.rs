//! The admin API is locked: without the admin token a call gets 401, from a page of another
//! origin 403 even with it, and a `Host` that is not this machine's (DNS rebinding) gets 403 on
//! every route; none of those refused calls has any effect.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};

use zoho_emulator::{Access, Config, Emulator};

fn start() -> Emulator {
    Emulator::start(Config::default()).unwrap()
}

/// A raw HTTP/1.1 exchange, so the `Host` header is exactly what the test says.
fn raw(emu: &Emulator, head: &str) -> String {
    let addr = emu.base_url().trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "{head}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

/// The API's own authorization (the seeded access token).
fn api_auth(emu: &Emulator) -> String {
    format!("Zoho-oauthtoken {}", emu.access_token())
}

/// The API still takes the seeded access token (so no token was expired).
async fn api_works(emu: &Emulator) {
    let r = reqwest::Client::new()
        .get(format!(
            "{}/crm/v8/Leads/5725767000000010001/Attachments?fields=id,File_Name",
            emu.base_url()
        ))
        .header("Authorization", api_auth(emu))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

#[tokio::test]
async fn a_cross_site_form_post_without_the_token_is_refused_and_changes_nothing() {
    let emu = start();
    let http = reqwest::Client::new();
    // What a browser sends for <form method=post action=http://127.0.0.1:PORT/__emulator/tokens/expire>.
    let r = http
        .post(format!("{}/__emulator/tokens/expire", emu.base_url()))
        .header("Origin", "https://evil.example")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("x=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "CROSS_ORIGIN");
    assert!(!body.to_string().contains(emu.admin_token()));
    api_works(&emu).await;
    // Even with the token, another origin is refused.
    let r = http
        .post(format!("{}/__emulator/tokens/expire", emu.base_url()))
        .header("Origin", "https://evil.example")
        .bearer_auth(emu.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    api_works(&emu).await;
}

#[tokio::test]
async fn admin_calls_need_the_admin_token() {
    let emu = start();
    let http = reqwest::Client::new();
    let url = format!("{}/__emulator/stats", emu.base_url());
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "ADMIN_TOKEN_REQUIRED");
    assert!(body["message"].as_str().unwrap().contains("admin_token="));
    for wrong in ["admin.0000", "", emu.access_token()] {
        let r = http.get(&url).bearer_auth(wrong).send().await.unwrap();
        assert_eq!(r.status(), 401, "{wrong:?}");
    }
    // The API's own token is not the admin token.
    let r = http
        .get(&url)
        .header("Authorization", api_auth(&emu))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(&url)
        .bearer_auth(emu.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .get(&url)
        .header("X-Emulator-Token", emu.admin_token())
        .header("Origin", emu.base_url())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The request log is the admin API's too, and holds what the API was sent, query included.
    let requests = format!("{}/__emulator/requests", emu.base_url());
    assert_eq!(http.get(&requests).send().await.unwrap().status(), 401);
    let lead = "/crm/v8/Leads/5725767000000010001/Attachments?fields=id";
    http.get(format!("{}{lead}", emu.base_url()))
        .header("Authorization", api_auth(&emu))
        .send()
        .await
        .unwrap();
    let r = http
        .get(&requests)
        .bearer_auth(emu.admin_token())
        .send()
        .await
        .unwrap();
    let log: Vec<String> = r.json().await.unwrap();
    assert_eq!(
        log.last().map(String::as_str),
        Some(&*format!("GET {lead}"))
    );
    assert_eq!(emu.recent_requests(), log);
    // Each emulator makes its own.
    assert_ne!(start().admin_token(), emu.admin_token());
    assert!(emu.admin_token().len() >= 32);
}

#[test]
fn a_rebound_host_name_is_refused_on_every_route() {
    let emu = start();
    let port = emu.base_url().rsplit(':').next().unwrap().to_owned();
    let token = emu.access_token();
    let api = format!(
        "GET /crm/v8/Leads/5725767000000010001/Attachments?fields=id HTTP/1.1\r\nAuthorization: Zoho-oauthtoken {token}"
    );
    let admin = format!(
        "POST /__emulator/tokens/expire HTTP/1.1\r\nAuthorization: Bearer {}",
        emu.admin_token()
    );
    for head in [&api, &admin] {
        let out = raw(
            &emu,
            &format!("{head}\r\nHost: rebound.evil.example:{port}"),
        );
        assert!(out.starts_with("HTTP/1.1 403"), "{out}");
        assert!(out.contains("HOST_NOT_ALLOWED"), "{out}");
    }
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let out = raw(&emu, &format!("{api}\r\nHost: {host}"));
        assert!(out.starts_with("HTTP/1.1 20"), "{host}: {out}");
    }
    // The refused admin call expired nothing.
    let out = raw(&emu, &format!("{api}\r\nHost: 127.0.0.1:{port}"));
    assert!(out.starts_with("HTTP/1.1 20"), "{out}");
}

#[test]
fn a_named_host_can_be_allowed() {
    let access = Access::default()
        .allow_host("crm.test")
        .admin_token("admin.fixed-for-this-test");
    let emu = Emulator::start_with(Config::default(), access).unwrap();
    assert_eq!(emu.admin_token(), "admin.fixed-for-this-test");
    let out = raw(
        &emu,
        "GET /__emulator/stats HTTP/1.1\r\nHost: crm.test\r\nX-Emulator-Token: admin.fixed-for-this-test",
    );
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
}
