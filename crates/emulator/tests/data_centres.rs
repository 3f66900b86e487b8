//! The multi-data-centre flow: the consent redirect names the org's data centre, grants and
//! refresh tokens work only at its accounts server, the client only where it is enabled, each
//! token names its data centre's API and works only there, and the token limit counts across
//! every accounts server. And emulated time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{CRM_LEAD, Config, T, json};
use serde_json::Value;
use std::time::Duration;

const CLIENT: (&str, &str) = ("client_id", zoho_emulator::CLIENT_ID);
const SECRET: (&str, &str) = ("client_secret", zoho_emulator::CLIENT_SECRET);

async fn token_at(t: &T, accounts: &str, form: &[(&str, &str)]) -> Value {
    let r = t.http.post(t.url(&format!("{accounts}/oauth/v2/token")));
    let (status, v) = json(r.form(form).send().await.unwrap()).await;
    assert_eq!(status, 200, "{v}");
    v
}

fn refresh(rt: &str) -> [(&'static str, String); 4] {
    [
        ("grant_type", "refresh_token".to_owned()),
        (CLIENT.0, CLIENT.1.to_owned()),
        (SECRET.0, SECRET.1.to_owned()),
        ("refresh_token", rt.to_owned()),
    ]
}

fn form<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The consent page's redirect, as a browser would be sent.
async fn consent(t: &T, query: &[(&str, &str)]) -> (u16, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .get(t.url("/oauth/v2/auth"))
        .query(query)
        .send()
        .await
        .unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (r.status().as_u16(), location.unwrap_or_default())
}

fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn the_consent_redirect_names_the_data_centre_and_its_grant_works_only_there() {
    let t = T::with(Config {
        home_data_centre: String::from("eu"),
        ..Config::default()
    });
    let (status, to) = consent(
        &t,
        &[
            CLIENT,
            ("scope", "ZohoCRM.modules.ALL"),
            ("response_type", "code"),
            ("access_type", "offline"),
            ("redirect_uri", "https://app.example/cb?state=1"),
        ],
    )
    .await;
    assert_eq!(status, 302);
    assert!(
        to.starts_with("https://app.example/cb?state=1&code="),
        "{to}"
    );
    assert_eq!(param(&to, "location").as_deref(), Some("eu"));
    let server = param(&to, "accounts-server").unwrap();
    assert_eq!(server, t.url("/accounts/eu"));
    let code = param(&to, "code").unwrap();
    let grant = |code: &str| {
        [
            ("grant_type", "authorization_code".to_owned()),
            (CLIENT.0, CLIENT.1.to_owned()),
            (SECRET.0, SECRET.1.to_owned()),
            ("code", code.to_owned()),
        ]
    };
    // At another data centre's accounts server the code is unknown (and stays unused).
    let v = token_at(&t, "/accounts/us", &form(&grant(&code))).await;
    assert_eq!(v["error"], "invalid_code");
    let v = token_at(&t, "/accounts/eu", &form(&grant(&code))).await;
    assert_eq!(v["api_domain"], t.url("/dc/eu"), "{v}");
    let rt = v["refresh_token"].as_str().unwrap().to_owned();
    let access = v["access_token"].as_str().unwrap().to_owned();
    // The refresh token, too, belongs to the EU.
    let v = token_at(&t, "/accounts/in", &form(&refresh(&rt))).await;
    assert_eq!(v["error"], "invalid_code");
    assert!(token_at(&t, "/accounts/eu", &form(&refresh(&rt))).await["access_token"].is_string());
    // The token works at its data centre's API, and is unknown at another's.
    let list = |dc: &str| {
        t.http
            .get(t.url(&format!(
                "/dc/{dc}/crm/v8/Leads/{CRM_LEAD}/Attachments?fields=id"
            )))
            .header("Authorization", format!("Zoho-oauthtoken {access}"))
            .send()
    };
    assert!(list("eu").await.unwrap().status().is_success());
    let (status, v) = json(list("us").await.unwrap()).await;
    assert_eq!((status, v["code"].as_str()), (401, Some("INVALID_TOKEN")));
    let (status, _) = json(list("xx").await.unwrap()).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn consent_refusals_go_back_to_the_redirect() {
    let t = T::new();
    let (status, to) = consent(
        &t,
        &[
            ("client_id", "1000.UNKNOWN"),
            ("scope", "ZohoCRM.modules.ALL"),
            ("response_type", "code"),
            ("redirect_uri", "https://app.example/cb"),
        ],
    )
    .await;
    assert_eq!(status, 302);
    assert_eq!(param(&to, "error").as_deref(), Some("invalid_client"));
    assert_eq!(param(&to, "code"), None);
    let (status, _) = consent(&t, &[CLIENT, ("scope", "x"), ("response_type", "code")]).await;
    assert_eq!(status, 400, "no redirect_uri: nowhere to go");
}

#[tokio::test]
async fn a_client_not_enabled_for_a_data_centre_is_an_invalid_client_there() {
    let t = T::with(Config {
        client_data_centres: vec![String::from("us")],
        ..Config::default()
    });
    let seeded = refresh(zoho_emulator::REFRESH_TOKEN);
    let v = token_at(&t, "/accounts/jp", &form(&seeded)).await;
    assert_eq!(v["error"], "invalid_client");
    let v = token_at(&t, "/accounts/us", &form(&seeded)).await;
    assert_eq!(v["api_domain"], t.url("/dc/us"));
    // The root accounts server is the org's own data centre, with the emulator as API.
    let v = token_at(&t, "", &form(&seeded)).await;
    assert_eq!(v["api_domain"], t.url(""));
}

#[tokio::test]
async fn the_token_limit_counts_across_every_accounts_server() {
    let t = T::with(Config {
        token_limit: 3,
        ..Config::default()
    });
    let seeded = refresh(zoho_emulator::REFRESH_TOKEN);
    for accounts in ["", "/accounts/us", ""] {
        assert!(token_at(&t, accounts, &form(&seeded)).await["access_token"].is_string());
    }
    let v = token_at(&t, "/accounts/us", &form(&seeded)).await;
    assert_eq!(v["error"], "Access Denied");
    let s = t.emu.stats();
    assert_eq!((s.token_limit_refusals, s.most_tokens_in_a_window), (1, 3));
}

#[tokio::test]
async fn emulated_time_runs_tokens_out_faster() {
    // 600 times real time: a 60 s token lasts 0.1 s.
    let t = T::with(Config {
        token_lifetime_secs: 60,
        time_scale: 600.0,
        ..Config::default()
    });
    let (anchor, scale) = t.emu.time();
    assert_eq!(scale, 600.0);
    assert!(anchor <= std::time::SystemTime::now());
    let v = token_at(&t, "", &form(&refresh(zoho_emulator::REFRESH_TOKEN))).await;
    assert_eq!(v["expires_in"], 60);
    let access = v["access_token"].as_str().unwrap().to_owned();
    let list = || {
        t.http
            .get(t.url(&format!("/crm/v8/Leads/{CRM_LEAD}/Attachments?fields=id")))
            .header("Authorization", format!("Zoho-oauthtoken {access}"))
            .send()
    };
    assert!(list().await.unwrap().status().is_success());
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        list().await.unwrap().status(),
        401,
        "expired after 90 emulated seconds"
    );
}
