//! What goes on the wire, seen by a raw socket: a streamed upload carries its exact
//! Content-Length (no chunked encoding), the token header, and no redirect is followed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use zoho_blocking_transport::{Attachments, Config, Transport};
use zoho_core::auth::{Credentials, Secret};
use zoho_core::{Api, BaseUrl, Endpoints};

/// Serves one connection: records the request head and body, answers `answer`.
fn one_shot(answer: String) -> (String, std::thread::JoinHandle<(String, Vec<u8>)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        stream.write_all(answer.as_bytes()).unwrap();
        (head, body)
    });
    (base, handle)
}

fn transport(base: &str) -> Transport {
    let mut c = Config::new(
        Endpoints::custom(BaseUrl::new(base).unwrap()),
        Credentials::AccessToken(Secret::new("1000.wire-token")),
    );
    c.retry = zoho_core::retry::RetryPolicy::never();
    Transport::new(c).unwrap()
}

#[test]
fn a_streamed_upload_has_its_exact_content_length() {
    let json = r#"{"data":[{"code":"SUCCESS","details":{"id":"5725767000500000001"},"message":"attachment uploaded","status":"success"}]}"#;
    let (base, server) = one_shot(format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
        json.len()
    ));
    let t = transport(&base);
    let a = Attachments::new(
        &t,
        zoho_core::ops::Attachments::parse(Api::CRM, "Leads", "1").unwrap(),
    );
    let up = a
        .upload_reader(
            "notes.txt",
            11,
            std::io::Cursor::new(b"hello world".to_vec()),
        )
        .unwrap();
    assert_eq!(up.id.as_str(), "5725767000500000001");
    let (head, body) = server.join().unwrap();
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.starts_with("post /crm/v8/leads/1/attachments http/1.1"),
        "{head}"
    );
    assert!(!lower.contains("transfer-encoding"), "{head}");
    assert!(
        lower.contains("authorization: zoho-oauthtoken 1000.wire-token"),
        "{head}"
    );
    assert!(
        lower.contains("content-type: multipart/form-data; boundary=zoho-rs-"),
        "{head}"
    );
    let declared: usize = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(declared, body.len());
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("name=\"file\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\nhello world\r\n"), "{text}");
}

#[test]
fn redirects_are_not_followed() {
    let (base, server) = one_shot(String::from(
        "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:9/elsewhere\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    ));
    let t = transport(&base);
    let a = Attachments::new(
        &t,
        zoho_core::ops::Attachments::parse(Api::CRM, "Leads", "1").unwrap(),
    );
    let e = a.list().unwrap_err();
    assert_eq!(e.status().unwrap(), 302, "{e}");
    server.join().unwrap();
}

/// An answer without Content-Length, its body ended by closing the connection: with the size
/// the list gave (`expected_len`), a short body is a cut download and nothing is kept.
#[test]
fn a_body_shorter_than_expected_without_content_length_is_not_kept() {
    let (base, server) = one_shot(String::from(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-disposition: attachment; filename=\"a.txt\"\r\nconnection: close\r\n\r\nabc",
    ));
    let t = transport(&base);
    let a = Attachments::new(
        &t,
        zoho_core::ops::Attachments::parse(Api::CRM, "Leads", "1").unwrap(),
    );
    let dir = std::env::temp_dir().join(format!("zoho-wire-short-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let id = zoho_core::AttachmentId::new("2").unwrap();
    let opts = zoho_core::DownloadOptions {
        expected_len: Some(5),
        ..Default::default()
    };
    let e = a.download_to_dir(id, &dir, &opts).unwrap_err();
    assert!(
        e.to_string()
            .contains("after 3 bytes where 5 were expected"),
        "{e}"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "nothing kept");
    server.join().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
