//! Set, fetch and remove the photo of a Bigin contact, and attach a note file to a pipeline
//! record, with the async client. Runs against an in-process zoho-emulator.
//!
//! `cargo run -p zoho-bigin --example async_photo`

use zoho_bigin::{ClientConfig, Credentials, DownloadOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = zoho_emulator::Emulator::start(zoho_emulator::Config::default())?;
    let config = ClientConfig::for_base_url(
        emu.base_url().parse()?,
        Credentials::access_token(emu.access_token()),
    );
    let bigin = zoho_bigin::Client::new(config)?;

    let dir = std::env::temp_dir().join("zoho-bigin-example");
    tokio::fs::create_dir_all(&dir).await?;
    let png = dir.join("face.png");
    tokio::fs::write(&png, b"\x89PNG\r\n\x1a\n(not a real picture)").await?;

    let photo = bigin.photo("Contacts", "5725768000000010001")?;
    photo.upload_file(&png).await?;
    let copy = photo
        .download_to_path(
            &dir.join("face-copy.png"),
            &DownloadOptions {
                overwrite: true, // each run writes the same copy
                ..Default::default()
            },
        )
        .await?;
    println!(
        "photo round trip: {} bytes, type {:?}",
        copy.bytes, copy.head.content_type
    );
    photo.delete().await?;

    let notes = dir.join("notes.txt");
    tokio::fs::write(&notes, b"Call back on Monday\n").await?;
    let deal = bigin.attachments("Pipelines", "5725768000000090001")?;
    let up = deal.upload_file(&notes).await?;
    println!("attached notes.txt to the pipeline record as {}", up.id);
    Ok(())
}
