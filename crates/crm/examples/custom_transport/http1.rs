//! The only HTTP code of the custom-transport example: one plain HTTP/1.1 exchange over a
//! `TcpStream`, as a closure-shaped function `(Request<Body>, &[&[u8]]) -> Response<Bytes>`.
//! Any HTTP client fits the same shape. (The parity tests drive the engine with it too.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use zoho_core::bytes::Bytes;
use zoho_core::engine::SendError;
use zoho_core::http::{Request, Response};
use zoho_core::{Body, Error, MultipartReader, TransportKind};

fn connect(e: std::io::Error) -> Error {
    Error::transport(TransportKind::Connect, e)
}

fn cut(e: std::io::Error) -> Error {
    Error::transport(TransportKind::of_read(&e), e)
}

/// Sends one request and reads the whole answer; multipart sources come from `sources`. A
/// failed connect is `Connect`; anything that fails later, a body shorter than its
/// `Content-Length` included, is `AfterSend`.
pub fn send(req: Request<Body>, sources: &[&[u8]]) -> Result<Response<Bytes>, SendError> {
    let authority = req
        .uri()
        .authority()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let mut stream = TcpStream::connect(&authority).map_err(|e| SendError::Connect(connect(e)))?;
    exchange(&mut stream, &req, &authority, sources).map_err(|e| SendError::AfterSend(cut(e)))
}

fn exchange(
    stream: &mut TcpStream,
    req: &Request<Body>,
    authority: &str,
    sources: &[&[u8]],
) -> std::io::Result<Response<Bytes>> {
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n",
        req.method()
    );
    for (k, v) in req.headers() {
        head.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap_or_default()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    match req.body() {
        Body::Empty => {}
        Body::Bytes(b) => stream.write_all(b)?,
        Body::Multipart(plan) => {
            std::io::copy(&mut MultipartReader::new(plan, sources.to_vec()), stream)?;
        }
    }
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("not an HTTP answer"))?;
    let mut resp = Response::builder().status(status);
    let mut length = None;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse::<usize>().ok();
            }
            resp = resp.header(k.trim(), v.trim());
        }
    }
    let mut body = Vec::new();
    reader.read_to_end(&mut body)?;
    if length.is_some_and(|n| body.len() < n) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the connection closed before the whole body came",
        ));
    }
    resp.body(Bytes::from(body)).map_err(std::io::Error::other)
}
