//! Attach a file to a CRM record, list every attachment across pages, download and delete,
//! with the blocking client (no tokio).
//!
//! Runs against an in-process zoho-emulator by default; see `async_attachments.rs` for the
//! environment variables that select a real account.
//!
//! `cargo run -p zoho-crm --features blocking --example blocking_attachments`

use zoho_crm::blocking::{Client, DownloadOptions};
use zoho_crm::{ClientConfig, Credentials, DataCenter, Environment};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Setup {
        config,
        module,
        record,
        _emulator,
    } = setup()?;
    let crm = Client::new(config)?;
    let attachments = crm.attachments(&module, &record)?;

    let dir = std::env::temp_dir().join("zoho-crm-blocking-example");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("contract.txt");
    std::fs::write(&file, b"Signed: yes\n")?;

    let uploaded = attachments.upload_file(&file)?;
    attachments.upload_link("https://www.zoho.com/crm/", Some("Zoho CRM"))?;
    println!("uploaded contract.txt as {}", uploaded.id);
    for a in attachments.list_all(attachments.list_op().per_page(50)) {
        let a = a?;
        println!("  {} {:?} link={:?}", a.id, a.file_name, a.link_url);
    }
    let copy = attachments.download_to_path(
        uploaded.id.clone(),
        dir.join("copy.txt"),
        &DownloadOptions {
            overwrite: true, // each run writes the same copy
            ..Default::default()
        },
    )?;
    println!("downloaded {} bytes to {}", copy.bytes, copy.path.display());
    let all: Vec<_> = attachments
        .list()?
        .attachments
        .into_iter()
        .map(|a| a.id)
        .collect();
    for r in attachments.delete_many(all)? {
        println!(
            "  delete {}: {}",
            r.id,
            if r.outcome.is_deleted() {
                "deleted"
            } else {
                "failed"
            }
        );
    }
    Ok(())
}

/// Where the example runs: a real account, or an emulator started here (kept alive with it).
struct Setup {
    config: ClientConfig,
    module: String,
    record: String,
    _emulator: Option<zoho_emulator::Emulator>,
}

/// A real account from the environment, or an emulator started here.
fn setup() -> Result<Setup, Box<dyn std::error::Error>> {
    let var = |k: &str| std::env::var(k).ok();
    if let (Some(id), Some(secret), Some(refresh)) = (
        var("ZOHO_CLIENT_ID"),
        var("ZOHO_CLIENT_SECRET"),
        var("ZOHO_REFRESH_TOKEN"),
    ) {
        let dc: DataCenter = var("ZOHO_DC").unwrap_or_else(|| "us".into()).parse()?;
        return Ok(Setup {
            config: ClientConfig::for_data_center(
                dc,
                Environment::Production,
                Credentials::refresh_token(id, secret, refresh),
            ),
            module: var("ZOHO_MODULE").unwrap_or_else(|| "Leads".into()),
            record: var("ZOHO_RECORD_ID").ok_or("set ZOHO_RECORD_ID")?,
            _emulator: None,
        });
    }
    let emu = zoho_emulator::Emulator::start(zoho_emulator::Config::default())?;
    println!("(using an in-process zoho-emulator at {})", emu.base_url());
    Ok(Setup {
        config: ClientConfig::for_base_url(
            emu.base_url().parse()?,
            Credentials::access_token(emu.access_token()),
        ),
        module: "Leads".into(),
        record: "5725767000000010001".into(),
        _emulator: Some(emu),
    })
}
