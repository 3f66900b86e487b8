//! A transport of your own: zoho-core builds the request and reads the answer; this example
//! sends it with a hand-written HTTP/1.1 exchange over a `TcpStream` (plain HTTP, so it talks to
//! the emulator). Any HTTP client works the same way.
//!
//! `cargo run -p zoho-crm --no-default-features --example custom_transport`

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use zoho_core::auth::{Secret, authorize};
use zoho_core::bytes::Bytes;
use zoho_core::http::{Request, Response};
use zoho_core::{BaseUrl, Body, Error, MultipartReader, Operation};

/// Sends one request and reads the whole answer. Multipart sources come from `sources`.
fn send(req: Request<Body>, sources: Vec<&[u8]>) -> Result<Response<Bytes>, Error> {
    let io = |e: std::io::Error| Error::Transport(Box::new(e));
    let authority = req
        .uri()
        .authority()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let mut stream = TcpStream::connect(&authority).map_err(io)?;
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n",
        req.method()
    );
    for (k, v) in req.headers() {
        head.push_str(&format!("{k}: {}\r\n", v.to_str().unwrap_or_default()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).map_err(io)?;
    match req.body() {
        Body::Empty => {}
        Body::Bytes(b) => stream.write_all(b).map_err(io)?,
        Body::Multipart(plan) => {
            std::io::copy(&mut MultipartReader::new(plan, sources), &mut stream).map_err(io)?;
        }
    }
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).map_err(io)?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(502);
    let mut resp = Response::builder().status(status);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).map_err(io)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            resp = resp.header(k.trim(), v.trim());
        }
    }
    let mut body = Vec::new();
    reader.read_to_end(&mut body).map_err(io)?;
    resp.body(Bytes::from(body))
        .map_err(|e| Error::Transport(Box::new(e)))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = zoho_emulator::Emulator::start(zoho_emulator::Config::default())?;
    let base: BaseUrl = emu.base_url().parse()?;
    let token = Secret::new(emu.access_token());
    let record = zoho_crm::Crm::default().attachments("Leads", "5725767000000010001")?;

    // Upload: the plan's one source is the file's bytes.
    let data: &[u8] = b"sent by a hand-written transport\n";
    let op = record.upload("hand-made.txt", data.len() as u64);
    let mut req = op.request(&base)?;
    authorize(&mut req, &token)?;
    let uploaded = op.response(send(req, vec![data])?)?;
    println!("uploaded as {}", uploaded.id);

    // List.
    let op = record.list();
    let mut req = op.request(&base)?;
    authorize(&mut req, &token)?;
    for a in op.response(send(req, vec![])?)?.attachments {
        println!("  {} {:?}", a.id, a.file_name);
    }

    // Errors come back typed, whatever the transport.
    let op = zoho_crm::Crm::default().attachments("Leads", "42")?.list();
    let mut req = op.request(&base)?;
    authorize(&mut req, &token)?;
    match op.response(send(req, vec![])?) {
        Err(e) => println!("as expected: {e}"),
        Ok(_) => println!("unexpected success"),
    }
    Ok(())
}
