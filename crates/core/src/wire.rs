//! A request as text, the way it goes on the wire, for logs, debugging and snapshots.
//!
//! The `Authorization` header (and any header marked sensitive) is always shown as
//! `[redacted]`; the body is streamed from the given sources, CRLF shown as `⏎` and other
//! non-printable bytes as `\xNN`.

use std::io::{self, Read};

use http::Request;

use crate::body::{Body, MultipartReader};

/// Renders `req`, filling multipart source `i` from `sources[i]`.
pub fn to_text<R: Read>(req: &Request<Body>, sources: Vec<R>) -> io::Result<String> {
    let mut out = format!("{} {}\n", req.method(), req.uri());
    for (k, v) in req.headers() {
        if v.is_sensitive() || k == http::header::AUTHORIZATION {
            let scheme = v
                .to_str()
                .ok()
                .and_then(|s| s.split_once(' '))
                .map(|(s, _)| s);
            match scheme {
                Some(s) => out.push_str(&format!("{k}: {s} [redacted]\n")),
                None => out.push_str(&format!("{k}: [redacted]\n")),
            }
        } else {
            out.push_str(&format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())));
        }
    }
    out.push('\n');
    let body = match req.body() {
        Body::Empty => Vec::new(),
        Body::Bytes(b) => b.to_vec(),
        Body::Multipart(m) => {
            let mut buf = Vec::new();
            MultipartReader::new(m, sources).read_to_end(&mut buf)?;
            buf
        }
    };
    out.push_str(&printable(&body));
    Ok(out)
}

fn printable(body: &[u8]) -> String {
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        match b {
            b'\r' if body.get(i + 1) == Some(&b'\n') => {
                out.push_str("⏎\n");
                i += 1;
            }
            b'\n' => out.push('\n'),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Secret, authorize};

    #[test]
    fn tokens_are_redacted() {
        let mut req = Request::new(Body::Bytes("a\r\nb\x01".into()));
        authorize(&mut req, &Secret::new("1000.topsecret")).unwrap();
        let text = to_text(&req, Vec::<&[u8]>::new()).unwrap();
        assert!(!text.contains("topsecret"), "{text}");
        assert!(text.contains("authorization: Zoho-oauthtoken [redacted]"));
        assert!(text.ends_with("a⏎\nb\\x01"));
    }
}
