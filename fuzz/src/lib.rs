//! What the fuzz targets share: reading an input as an HTTP answer (the fixtures' format, so
//! that the fixtures seed the corpus), and an emulator reached over loopback.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::Duration;

use zoho_core::bytes::Bytes;
use zoho_core::http::Response;

/// The fixtures' reader, shared with the core's tests.
#[path = "../../crates/core/tests/common/mod.rs"]
mod fixtures;

/// The input as an answer: `HTTP/1.1 <status> ...`, headers, a blank line, the body (as the
/// fixtures are written, and read by the same code). Anything else is a 200 JSON answer with the
/// input as its body, so no input is wasted.
pub fn answer(data: &[u8]) -> Response<Bytes> {
    fixtures::parse_response(data).unwrap_or_else(|| {
        let mut resp = Response::new(Bytes::copy_from_slice(data));
        resp.headers_mut().insert(
            "content-type",
            zoho_core::http::HeaderValue::from_static("application/json;charset=UTF-8"),
        );
        resp
    })
}

/// One emulator for the whole run (in this process, so its code is covered and a panic in it
/// aborts the run), and its access token.
pub fn emulator() -> &'static (zoho_emulator::Emulator, String) {
    static EMU: OnceLock<(zoho_emulator::Emulator, String)> = OnceLock::new();
    EMU.get_or_init(|| {
        let emu = match zoho_emulator::Emulator::start(zoho_emulator::Config::default()) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("the emulator did not start: {e}");
                std::process::abort()
            }
        };
        let addr = emu.base_url().trim_start_matches("http://").to_owned();
        (emu, addr)
    })
}

/// Sends one request (head lines without the final blank line, then `body`) and reads the
/// whole answer. An emulator that does not answer within 10 s is a finding.
pub fn exchange(head: &str, body: &[u8]) -> Vec<u8> {
    let (emu, addr) = emulator();
    let mut s = match TcpStream::connect(addr.as_str()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot reach the emulator: {e}");
            std::process::abort()
        }
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let req = format!(
        "{head}\r\nHost: {addr}\r\nAuthorization: Zoho-oauthtoken {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        emu.access_token(),
        body.len()
    );
    let _ = s.write_all(req.as_bytes());
    let _ = s.write_all(body);
    let mut out = Vec::new();
    match s.read_to_end(&mut out) {
        Err(e)
            if e.kind() == std::io::ErrorKind::WouldBlock
                || e.kind() == std::io::ErrorKind::TimedOut =>
        {
            panic!("the emulator did not answer within 10 s: {head}")
        }
        _ => out,
    }
}
