//! No answer makes a parser panic: random bytes, any status, odd headers, and mutated fixtures
//! go through every operation's response parser, the download head logic, the token and revoke
//! parsers and the Content-Disposition parser. Errors must also format without panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderValue, Response, header};
use proptest::prelude::*;
use zoho_core::auth::{Client, Grant, RevokeRequest, Secret, TokenRequest};
use zoho_core::ops::files::{GetFile, UploadFiles};
use zoho_core::ops::{Attachments, Photo};
use zoho_core::pager::Pager;
use zoho_core::{
    Api, AttachmentId, BaseUrl, CrmVersion, Download, DownloadStart, FileId, ModuleName, Operation,
    RecordId, disposition, response,
};

fn check<O: Operation>(op: &O, resp: &Response<Bytes>) -> Option<O::Output> {
    match op.response(resp.clone()) {
        Ok(out) => Some(out),
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"), e.status(), e.code());
            None
        }
    }
}

fn check_download<D: Download>(d: &D, resp: &Response<Bytes>) {
    let (parts, body) = resp.clone().into_parts();
    match d.start(&parts) {
        Ok(DownloadStart::Stream(head)) => {
            let name = head.safe_file_name("fallback");
            assert!(
                !name.is_empty() && !name.contains('/') && !name.contains('\\') && name != ".."
            );
        }
        Ok(DownloadStart::ReadBody) => {
            if let Err(e) = d.small_body(Response::from_parts(parts, body)) {
                let _ = e.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// Runs every parser over one answer.
fn run_all(resp: &Response<Bytes>) {
    for api in [Api::CRM, Api::BIGIN] {
        let m = ModuleName::new("Contacts").unwrap();
        let r = RecordId::new("1").unwrap();
        let a = Attachments::new(api, m.clone(), r.clone());
        let p = Photo::new(api, m, r);
        let id = AttachmentId::new("2").unwrap();
        if let Some(page) = check(&a.list(), resp) {
            let mut pager = Pager::new(a.list());
            let _ = pager.advance(&page);
        }
        check(&a.upload("a.txt", 1), resp);
        check(&a.upload_link("https://zoho.com"), resp);
        check(&a.delete(id.clone()), resp);
        for b in a
            .delete_many([id.clone(), AttachmentId::new("3").unwrap()])
            .batches()
            .unwrap()
        {
            check(&b, resp);
        }
        check_download(&a.download(id.clone()), resp);
        check(&p.upload("a.png", 1), resp);
        check(&p.delete(), resp);
        check_download(&p.download(), resp);
    }
    check(&UploadFiles::new(CrmVersion::V8).file("a", 1), resp);
    check_download(
        &GetFile::new(CrmVersion::V8, FileId::new("x").unwrap()),
        resp,
    );
    let _ = response::is_invalid_token(resp);

    let accounts = BaseUrl::new("https://accounts.zoho.com").unwrap();
    let token = TokenRequest {
        accounts: accounts.clone(),
        client: Client {
            id: "id".into(),
            secret: Secret::new("s"),
        },
        grant: Grant::RefreshToken(Secret::new("r")),
    };
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    match token.response(resp.clone(), now) {
        Ok(t) => {
            let _ = zoho_core::StoredToken::from(&t).needs_refresh(now, Duration::from_secs(60));
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let revoke = RevokeRequest {
        accounts,
        token: Secret::new("r"),
    };
    if let Err(e) = revoke.response(resp.clone()) {
        let _ = e.to_string();
    }
}

fn fixtures() -> &'static Vec<(String, Vec<u8>)> {
    static F: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    F.get_or_init(common::all_fixtures)
}

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json;charset=UTF-8",
    "text/html",
    "application/x-download",
    "image/png",
    "text/json",
    "",
];

fn header_value() -> impl Strategy<Value = Option<HeaderValue>> {
    prop_oneof![
        Just(None),
        proptest::collection::vec(any::<u8>(), 0..80)
            .prop_map(|b| HeaderValue::from_bytes(&b).ok()),
        "attachment; filename\\*?=[\"'%A-Za-z0-9./\\\\ ;=-]{0,40}"
            .prop_map(|s| HeaderValue::from_str(&s).ok()),
    ]
}

fn interesting_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        // JSON-ish text made from Zoho's own keys.
        proptest::collection::vec(
            prop_oneof![
                Just("{".to_string()),
                Just("}".to_string()),
                Just("[".to_string()),
                Just("]".to_string()),
                Just(",".to_string()),
                Just(":".to_string()),
                Just("\"data\"".to_string()),
                Just("\"info\"".to_string()),
                Just("\"id\"".to_string()),
                Just("\"code\"".to_string()),
                Just("\"status\"".to_string()),
                Just("\"error\"".to_string()),
                Just("\"success\"".to_string()),
                Just("\"details\"".to_string()),
                Just("\"more_records\"".to_string()),
                Just("\"next_page_token\"".to_string()),
                Just("\"access_token\"".to_string()),
                Just("\"expires_in\"".to_string()),
                Just("\"Size\"".to_string()),
                Just("true".to_string()),
                Just("null".to_string()),
                Just("18446744073709551616".to_string()),
                Just("-1".to_string()),
                Just("1e400".to_string()),
                Just("\"4150868000002728012\"".to_string()),
            ],
            0..60,
        )
        .prop_map(|parts| parts.concat().into_bytes()),
    ]
}

fn build(
    status: u16,
    ct: &str,
    cd: Option<HeaderValue>,
    cl: Option<HeaderValue>,
    body: Vec<u8>,
) -> Response<Bytes> {
    let mut resp = Response::new(Bytes::from(body));
    *resp.status_mut() = http::StatusCode::from_u16(status).unwrap();
    if !ct.is_empty() {
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
    }
    if let Some(v) = cd {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(v) = cl {
        resp.headers_mut().insert(header::CONTENT_LENGTH, v);
    }
    resp
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..20).prop_map(|(i, n)| Mutation::Delete(i, n)),
    ]
}

fn apply(body: &mut Vec<u8>, m: &Mutation) {
    let len = body.len();
    match m {
        Mutation::Flip(i, b) if len > 0 => body[i % len] ^= b | 1,
        Mutation::Truncate(i) => body.truncate(i % (len + 1)),
        Mutation::Insert(i, bytes) => {
            let at = i % (len + 1);
            body.splice(at..at, bytes.iter().copied());
        }
        Mutation::Delete(i, n) if len > 0 => {
            let at = i % len;
            body.drain(at..(at + n).min(len));
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 768, ..ProptestConfig::default() })]

    #[test]
    fn random_answers_never_panic(
        status in 100u16..600,
        ct in proptest::sample::select(CONTENT_TYPES),
        cd in header_value(),
        cl in header_value(),
        body in interesting_body(),
    ) {
        run_all(&build(status, ct, cd, cl, body));
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in any::<prop::sample::Index>(),
        status in prop_oneof![Just(None), (100u16..600).prop_map(Some)],
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let (name, raw) = which.get(fixtures());
        let mut resp = common::parse_response(raw).unwrap_or_else(|| panic!("{name}"));
        let mut body = resp.body().to_vec();
        for m in &mutations {
            apply(&mut body, m);
        }
        if let Some(s) = status {
            *resp.status_mut() = http::StatusCode::from_u16(s).unwrap();
        }
        *resp.body_mut() = Bytes::from(body);
        run_all(&resp);
    }

    #[test]
    fn content_disposition_never_panics_and_safe_names_are_safe(raw in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Some(name) = disposition::file_name(&raw) {
            let safe = disposition::safe_file_name(&name, "f");
            prop_assert!(!safe.is_empty());
            prop_assert!(!safe.contains('/') && !safe.contains('\\'));
            prop_assert!(!safe.starts_with('.'));
            prop_assert!(safe.len() <= 200);
            prop_assert!(!safe.chars().any(char::is_control));
        }
    }
}

#[test]
fn every_fixture_parses_as_a_fixture() {
    for (name, raw) in fixtures() {
        let resp = common::parse_response(raw).unwrap_or_else(|| panic!("{name}"));
        run_all(&resp);
    }
    assert!(fixtures().len() >= 50);
}
