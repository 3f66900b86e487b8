//! Every documented error, with its documented status and code, over loopback HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::json;

const CRM: &str = "/crm/v8/Leads/5725767000000010001/Attachments";

#[tokio::test]
async fn url_method_module_and_record_errors() {
    let t = T::new();
    for path in [
        "/crm/v9/Leads/1/Attachments",
        "/crm/v8/Leads/1/Attachment",
        "/crm/v8/Leads/1/Nothing",
        "/crm/v8/settings/layouts",
        "/bigin/v2/Contacts/1",
        "/bigin/v3/Contacts/1/photo",
        "/nothing/here",
        "/",
    ] {
        expect_error(t.get(path).await, 404, "INVALID_URL_PATTERN").await;
    }
    let r = t
        .http
        .put(t.url(CRM))
        .header("Authorization", t.auth())
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "INVALID_REQUEST_METHOD").await;
    let r = t
        .http
        .patch(t.url("/crm/v8/Leads/5725767000000010001/photo"))
        .header("Authorization", t.auth())
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "INVALID_REQUEST_METHOD").await;
    let v = expect_error(
        t.get("/crm/v8/Nonsense/1/Attachments?fields=id").await,
        400,
        "INVALID_MODULE",
    )
    .await;
    assert_eq!(v["message"], "the module name given seems to be invalid");
    let v = expect_error(
        t.get("/crm/v8/Users/1/Attachments?fields=id").await,
        400,
        "INVALID_MODULE",
    )
    .await;
    assert_eq!(v["message"], "the given module is not supported in api");
    expect_error(
        t.get("/crm/v2/Calls/5725767000000180001/Attachments").await,
        400,
        "INVALID_MODULE",
    )
    .await;
    assert_eq!(
        t.get("/crm/v2.1/Calls/5725767000000180001/Attachments")
            .await
            .status(),
        204
    );
    expect_error(
        t.get("/bigin/v2/Deals/1/Attachments").await,
        400,
        "INVALID_MODULE",
    )
    .await;
    let v = expect_error(
        t.get("/crm/v8/Leads/4242/Attachments?fields=id").await,
        400,
        "INVALID_DATA",
    )
    .await;
    assert_eq!(v["message"], "the related id given seems to be invalid");
    expect_error(t.get(&format!("{CRM}/4242")).await, 400, "INVALID_DATA").await;
    expect_error(t.delete(&format!("{CRM}/4242")).await, 400, "INVALID_DATA").await;
}

#[tokio::test]
async fn required_fields_from_crm_v3() {
    let t = T::new();
    let v = expect_error(t.get(CRM).await, 400, "REQUIRED_PARAM_MISSING").await;
    assert_eq!(v["details"], json!({"param": "fields"}));
    for v in ["v3", "v5", "v7"] {
        expect_error(
            t.get(&format!("/crm/{v}/Leads/{CRM_LEAD}/Attachments"))
                .await,
            400,
            "REQUIRED_PARAM_MISSING",
        )
        .await;
    }
    for v in ["v2", "v2.1"] {
        assert_eq!(
            t.get(&format!("/crm/{v}/Leads/{CRM_LEAD}/Attachments"))
                .await
                .status(),
            204
        );
    }
    assert_eq!(
        t.get(&format!("/bigin/v2/Contacts/{BIGIN_CONTACT}/Attachments"))
            .await
            .status(),
        204
    );
}

#[tokio::test]
async fn upload_refusals() {
    let t = T::with(Config {
        limits: zoho_emulator::Limits {
            attachment_max_bytes: 1000,
            ..Default::default()
        },
        ..Config::default()
    });
    let v = expect_error(
        t.post_file(CRM, "setup.EXE", b"MZ".to_vec()).await,
        415,
        "INVALID_DATA",
    )
    .await;
    assert_eq!(v["message"], "invalid file type");
    // Windows drops trailing dots and spaces: these are .exe files too.
    for name in ["setup.exe.", "setup.exe ", "setup.Exe. ."] {
        let r = t.post_file(CRM, name, b"MZ".to_vec()).await;
        expect_error(r, 415, "INVALID_DATA").await;
    }
    let v = expect_error(
        t.post_file(CRM, "big.bin", vec![0; 1001]).await,
        415,
        "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
    )
    .await;
    assert_eq!(
        v["message"],
        "please check if the file size is in the correct range"
    );
    assert_eq!(
        t.post_file(CRM, "ok.bin", vec![0; 1000]).await.status(),
        200
    );
    // Neither a file nor a link; both at once; a bad link.
    let r = t
        .http
        .post(t.url(CRM))
        .header("Authorization", t.auth())
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "REQUIRED_PARAM_MISSING").await;
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a.txt"),
        )
        .text("attachmentUrl", "https://zoho.com");
    let r = t
        .http
        .post(t.url(CRM))
        .header("Authorization", t.auth())
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "INVALID_DATA").await;
    let r = t
        .http
        .post(t.url(&format!("{CRM}?attachmentUrl=ftp%3A%2F%2Fx")))
        .header("Authorization", t.auth())
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "INVALID_DATA").await;
    // The legacy SDK's empty `file` part next to a link is accepted as a link.
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(Vec::new()))
        .text("attachmentUrl", "https://zoho.com");
    let r = t
        .http
        .post(t.url(CRM))
        .header("Authorization", t.auth())
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn locked_records_refuse_changes() {
    let t = T::new();
    let base = format!("/crm/v8/Leads/{LOCKED_LEAD}");
    let v = expect_error(
        t.post_file(&format!("{base}/Attachments"), "a.txt", b"x".to_vec())
            .await,
        400,
        "RECORD_LOCKED",
    )
    .await;
    assert_eq!(
        v["message"],
        "You cannot perform this operation as the record is locked."
    );
    expect_error(
        t.post_file(
            &format!("{base}/photo"),
            "a.png",
            b"\x89PNG\r\n\x1a\n".to_vec(),
        )
        .await,
        400,
        "RECORD_LOCKED",
    )
    .await;
    expect_error(
        t.delete(&format!("{base}/photo")).await,
        400,
        "RECORD_LOCKED",
    )
    .await;
    expect_error(
        t.delete(&format!("{base}/Attachments?ids=1")).await,
        400,
        "RECORD_LOCKED",
    )
    .await;
    expect_error(
        t.delete(&format!("{base}/Attachments/1")).await,
        400,
        "RECORD_LOCKED",
    )
    .await;
    // Reading still works.
    assert_eq!(
        t.get(&format!("{base}/Attachments?fields=id"))
            .await
            .status(),
        204
    );
}

#[tokio::test]
async fn tokens_and_scopes() {
    let t = T::new();
    let r = t
        .http
        .get(t.url(&format!("{CRM}?fields=id")))
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "AUTHENTICATION_FAILURE").await;
    for bad in [
        "Zoho-oauthtoken 1000.unknown",
        "Bearer 1000.emulator0access0token.0000000000000000",
        "garbage",
    ] {
        let r = t
            .http
            .get(t.url(&format!("{CRM}?fields=id")))
            .header("Authorization", bad)
            .send()
            .await
            .unwrap();
        let v = expect_error(r, 401, "INVALID_TOKEN").await;
        assert_eq!(v["message"], "invalid oauth token");
    }
    // A token with the module scope but not the attachments scope.
    let token = t.emu.token_with_scopes(&["ZohoCRM.modules.leads.READ"]);
    let r = t
        .http
        .get(t.url(&format!("{CRM}?fields=id")))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "OAUTH_SCOPE_MISMATCH").await;
    let token = t.emu.token_with_scopes(&[
        "ZohoCRM.modules.leads.READ",
        "ZohoCRM.modules.attachments.READ",
    ]);
    let auth = format!("Zoho-oauthtoken {token}");
    let r = t
        .http
        .get(t.url(&format!("{CRM}?fields=id")))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = t
        .http
        .delete(t.url(&format!("{CRM}/1")))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "OAUTH_SCOPE_MISMATCH").await;
    // A CRM token is no Bigin token.
    let token = t.emu.token_with_scopes(&["ZohoCRM.modules.ALL"]);
    let r = t
        .http
        .get(t.url(&format!("/bigin/v2/Contacts/{BIGIN_CONTACT}/photo")))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "OAUTH_SCOPE_MISMATCH").await;
}

async fn token_call(t: &T, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    json(
        t.http
            .post(t.url("/oauth/v2/token"))
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

const CLIENT: (&str, &str) = ("client_id", zoho_emulator::CLIENT_ID);
const SECRET: (&str, &str) = ("client_secret", zoho_emulator::CLIENT_SECRET);

#[tokio::test]
async fn oauth_grants_and_refusals() {
    let t = T::new();
    // refresh_token
    let (s, v) = token_call(
        &t,
        &[
            ("grant_type", "refresh_token"),
            CLIENT,
            SECRET,
            ("refresh_token", zoho_emulator::REFRESH_TOKEN),
        ],
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["api_domain"], t.emu.base_url());
    assert!(v.get("refresh_token").is_none());
    let access = v["access_token"].as_str().unwrap().to_owned();
    let r = t
        .http
        .get(t.url(&format!("{CRM}?fields=id")))
        .header("Authorization", format!("Zoho-oauthtoken {access}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // authorization_code: one use only.
    let code = t.emu.grant_code(&["ZohoCRM.modules.ALL"]);
    let (_, v) = token_call(
        &t,
        &[
            ("grant_type", "authorization_code"),
            CLIENT,
            SECRET,
            ("code", &code),
            ("redirect_uri", "https://x"),
        ],
    )
    .await;
    let refresh = v["refresh_token"].as_str().unwrap().to_owned();
    assert!(v["access_token"].is_string());
    let (s, v) = token_call(
        &t,
        &[
            ("grant_type", "authorization_code"),
            CLIENT,
            SECRET,
            ("code", &code),
        ],
    )
    .await;
    assert_eq!((s, v), (200, json!({"error": "invalid_code"})));
    // client_credentials needs soid.
    let (_, v) = token_call(
        &t,
        &[
            ("grant_type", "client_credentials"),
            CLIENT,
            SECRET,
            ("scope", "ZohoCRM.modules.ALL"),
            ("soid", "ZohoCRM.10234695"),
        ],
    )
    .await;
    assert_eq!(v["scope"], "ZohoCRM.modules.ALL");
    let (_, v) = token_call(
        &t,
        &[
            ("grant_type", "client_credentials"),
            CLIENT,
            SECRET,
            ("scope", "ZohoCRM.modules.ALL"),
        ],
    )
    .await;
    assert_eq!(v, json!({"error": "missing_org_info"}));
    // Refusals come with HTTP 200, as Zoho sends them.
    let (s, v) = token_call(
        &t,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "1000.WRONG"),
            SECRET,
            ("refresh_token", &refresh),
        ],
    )
    .await;
    assert_eq!((s, v), (200, json!({"error": "invalid_client"})));
    let (_, v) = token_call(
        &t,
        &[
            ("grant_type", "refresh_token"),
            CLIENT,
            SECRET,
            ("refresh_token", "1000.nope"),
        ],
    )
    .await;
    assert_eq!(v, json!({"error": "invalid_code"}));
    let (_, v) = token_call(&t, &[("grant_type", "password"), CLIENT, SECRET]).await;
    assert_eq!(v, json!({"error": "unsupported_grant_type"}));
    // Parameters in the query string work too.
    let q = format!(
        "/oauth/v2/token?grant_type=refresh_token&client_id={}&client_secret={}&refresh_token={refresh}",
        zoho_emulator::CLIENT_ID,
        zoho_emulator::CLIENT_SECRET
    );
    let (_, v) = json(t.http.post(t.url(&q)).send().await.unwrap()).await;
    assert!(v["access_token"].is_string(), "{v}");
    // Revoke: the refresh token and its access tokens stop working.
    let (_, v) = token_call(
        &t,
        &[
            ("grant_type", "refresh_token"),
            CLIENT,
            SECRET,
            ("refresh_token", &refresh),
        ],
    )
    .await;
    let minted = v["access_token"].as_str().unwrap().to_owned();
    let (s, v) = json(
        t.http
            .post(t.url("/oauth/v2/token/revoke"))
            .form(&[("token", &refresh)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, v), (200, json!({"status": "success"})));
    let (_, v) = token_call(
        &t,
        &[
            ("grant_type", "refresh_token"),
            CLIENT,
            SECRET,
            ("refresh_token", &refresh),
        ],
    )
    .await;
    assert_eq!(v, json!({"error": "invalid_code"}));
    let r = t
        .http
        .get(t.url(&format!("{CRM}?fields=id")))
        .header("Authorization", format!("Zoho-oauthtoken {minted}"))
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "INVALID_TOKEN").await;
    let (_, v) = json(
        t.http
            .post(t.url(&format!("/oauth/v2/token/revoke?token={refresh}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(v, json!({"error": "invalid_token"}));
}

#[tokio::test]
async fn ten_tokens_per_refresh_token_per_window() {
    let t = T::with(Config {
        token_limit: 3,
        ..Config::default()
    });
    let form = [
        ("grant_type", "refresh_token"),
        CLIENT,
        SECRET,
        ("refresh_token", zoho_emulator::REFRESH_TOKEN),
    ];
    for _ in 0..3 {
        let (_, v) = token_call(&t, &form).await;
        assert!(v["access_token"].is_string());
    }
    let (s, v) = token_call(&t, &form).await;
    assert_eq!(s, 200);
    assert_eq!(v["error"], "Access Denied");
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .contains("too many requests")
    );
    let stats = t.emu.stats();
    assert_eq!(
        (
            stats.token_requests,
            stats.tokens_issued,
            stats.token_limit_refusals
        ),
        (4, 3, 1)
    );
    // The default is Zoho's 10.
    assert_eq!(Config::default().token_limit, 10);
    assert_eq!(Config::default().token_limit_window_secs, 600);
}
