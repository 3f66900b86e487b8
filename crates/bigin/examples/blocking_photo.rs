//! Set, fetch and remove the photo of a Bigin contact with the blocking client (no tokio).
//! Runs against an in-process zoho-emulator.
//!
//! `cargo run -p zoho-bigin --features blocking --example blocking_photo`

use zoho_bigin::blocking::{Client, DownloadOptions};
use zoho_bigin::{ClientConfig, Credentials};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = zoho_emulator::Emulator::start(zoho_emulator::Config::default())?;
    let config = ClientConfig::for_base_url(
        emu.base_url().parse()?,
        Credentials::access_token(emu.access_token()),
    );
    let bigin = Client::new(config)?;

    let dir = std::env::temp_dir().join("zoho-bigin-blocking-example");
    std::fs::create_dir_all(&dir)?;
    let png = dir.join("face.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n(not a real picture)")?;

    let photo = bigin.photo("Contacts", "5725768000000010001")?;
    photo.upload_file(&png)?;
    let copy = photo.download_to_path(
        dir.join("face-copy.png"),
        &DownloadOptions {
            overwrite: true, // each run writes the same copy
            ..Default::default()
        },
    )?;
    println!("photo round trip: {} bytes", copy.bytes);
    photo.delete()?;
    // Pipelines have no photo in Bigin: refused before anything is sent.
    match bigin.photo("Pipelines", "5725768000000090001")?.delete() {
        Err(zoho_bigin::Error::Input(e)) => println!("as expected, refused before sending: {e}"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
