//! Helpers shared by the core's integration tests: load response fixtures, render requests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::path::PathBuf;

use bytes::Bytes;
use http::{Request, Response};
use zoho_core::auth::{Secret, authorize};
use zoho_core::ops::{Attachments, Photo};
use zoho_core::{Api, AttachmentId, BaseUrl, Body, Boundary, MultipartReader};

/// The fake access token the request snapshots are built with; it must never show in them.
pub const TOKEN: &str = "1000.fake-access-token.5ecret";
/// Fake secrets used in OAuth request tests.
pub const SECRETS: &[&str] = &[
    TOKEN,
    "fake-client-5ecret",
    "1000.fake-refresh.5ecret",
    "1000.fake-code.5ecret",
];

/// The record every test acts on.
pub const RECORD: &str = "4150868000002728001";

pub fn att(api: Api, module: &str) -> Attachments {
    Attachments::parse(api, module, RECORD).unwrap()
}

pub fn photo(api: Api, module: &str) -> Photo {
    Photo::parse(api, module, RECORD).unwrap()
}

pub fn id(s: &str) -> AttachmentId {
    AttachmentId::new(s).unwrap()
}

pub fn base() -> BaseUrl {
    BaseUrl::new("https://www.zohoapis.com").unwrap()
}

pub fn boundary() -> Boundary {
    Boundary::new("zoho-test-boundary").unwrap()
}

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Parses a fixture: a status line, headers, a blank line, the body (as is).
pub fn parse_response(raw: &[u8]) -> Option<Response<Bytes>> {
    let split = raw.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2))?;
    let (head, body) = (&raw[..split.0], &raw[split.0 + split.1..]);
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut b = Response::builder().status(status);
    for line in lines {
        let (k, v) = line.split_once(':')?;
        b = b.header(k.trim(), v.trim());
    }
    b.body(Bytes::copy_from_slice(body)).ok()
}

pub fn load(name: &str) -> Response<Bytes> {
    let raw = std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    parse_response(&raw).unwrap_or_else(|| panic!("{name}: not a fixture"))
}

/// Every fixture file, as (relative name, bytes).
pub fn all_fixtures() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["crm", "bigin", "oauth"] {
        let mut names: Vec<_> = std::fs::read_dir(fixture_path(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        for n in names {
            let rel = format!("{dir}/{n}");
            out.push((rel.clone(), std::fs::read(fixture_path(&rel)).unwrap()));
        }
    }
    out
}

/// Renders a request as it goes on the wire: method and URI, headers (the token redacted), a
/// blank line and the body, with multipart sources filled from `sources`.
pub fn render(mut req: Request<Body>, sources: &[&[u8]]) -> String {
    authorize(&mut req, &Secret::new(TOKEN)).unwrap();
    let auth = req.headers()[http::header::AUTHORIZATION].clone();
    assert!(
        auth.is_sensitive(),
        "the Authorization header must be marked sensitive"
    );
    assert_eq!(auth.to_str().unwrap(), format!("Zoho-oauthtoken {TOKEN}"));
    render_plain(req, sources)
}

/// Like [`render`] without adding a token (token endpoint requests). Also checks that the
/// streamed body has exactly the declared length.
pub fn render_plain(req: Request<Body>, sources: &[&[u8]]) -> String {
    let declared = req.body().len();
    assert_eq!(req.body().source_count(), sources.len(), "sources supplied");
    let mut streamed = Vec::new();
    if let Body::Multipart(m) = req.body() {
        MultipartReader::new(m, sources.to_vec())
            .read_to_end(&mut streamed)
            .unwrap();
        assert_eq!(
            streamed.len() as u64,
            declared,
            "declared length equals streamed length"
        );
    }
    if let Some(cl) = req.headers().get(http::header::CONTENT_LENGTH) {
        assert_eq!(
            cl.to_str().unwrap(),
            declared.to_string(),
            "Content-Length header"
        );
    }
    let mut out = zoho_core::wire::to_text(&req, sources.to_vec()).unwrap();
    for s in SECRETS {
        out = out.replace(s, "[redacted]");
    }
    out
}
