//! A transport of your own: a closure that sends one request is the only HTTP code, and
//! [`zoho_core::engine::Engine`] gives it the whole call engine: tokens minted once and
//! refreshed, a refused token replaced and the call replayed, 429/503 retried. Here the closure
//! is a hand-written HTTP/1.1 exchange over a `TcpStream` (plain HTTP, for the emulator); any
//! HTTP client fits the same shape.
//!
//! `cargo run -p zoho-crm --no-default-features --example custom_transport`

mod http1;

use std::time::Duration;

use zoho_core::auth::Credentials;
use zoho_core::engine::Engine;
use zoho_core::{BaseUrl, ClientConfig};
use zoho_emulator::{FailNext, FaultPlan};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = zoho_emulator::Emulator::start(zoho_emulator::Config::default())?;
    let credentials = Credentials::refresh_token(
        zoho_emulator::CLIENT_ID,
        zoho_emulator::CLIENT_SECRET,
        zoho_emulator::REFRESH_TOKEN,
    );
    let mut config = ClientConfig::for_base_url(BaseUrl::new(emu.base_url())?, credentials);
    config.retry.base_delay = Duration::from_millis(50);
    let engine = Engine::new(config);
    // The transport: any `Fn(Request<Body>, &[S]) -> Result<Response<Bytes>, SendError>`.
    let send = |req, sources: &[&[u8]]| http1::send(req, sources);
    let record = zoho_crm::sans_io::Crm::default().attachments("Leads", "5725767000000010001")?;

    // Upload: the plan's one source is the file's bytes.
    let data: &[u8] = b"sent by a hand-written transport\n";
    let op = record.upload("hand-made.txt", data.len() as u64);
    let uploaded = engine.execute(&send, &op, &[data])?;
    println!("uploaded as {}", uploaded.id);

    // Zoho answers 429 twice: the engine waits and sends again.
    emu.set_faults(FaultPlan {
        fail_next: Some(FailNext {
            status: 429,
            count: 2,
            retry_after_secs: None,
        }),
        ..FaultPlan::default()
    });
    let before = emu.stats();
    let page = engine.execute(&send, &record.list(), &[])?;
    let after = emu.stats();
    println!(
        "429 retried: {} attachments after {} requests ({} answered 429)",
        page.attachments.len(),
        after.api_requests - before.api_requests,
        after.injected.status_429 - before.injected.status_429,
    );

    // The token is refused (it was expired early): the engine mints a new one and replays.
    emu.expire_tokens();
    let before = emu.stats();
    let (head, bytes) = engine.download_whole(&send, &record.download(uploaded.id))?;
    let after = emu.stats();
    println!(
        "401 refreshed and replayed: {} bytes of {:?} after {} requests and {} token request",
        bytes.len(),
        head.file_name,
        after.api_requests - before.api_requests,
        after.token_requests - before.token_requests,
    );
    if &bytes[..] != data {
        return Err("the downloaded bytes differ from the uploaded ones".into());
    }

    // Errors come back typed, whatever the transport.
    let op = zoho_crm::sans_io::Crm::default()
        .attachments("Leads", "42")?
        .list();
    match engine.execute(&send, &op, &[]) {
        Err(e) => println!("as expected: {e}"),
        Ok(_) => println!("unexpected success"),
    }
    Ok(())
}
