//! Attach a file to a CRM record, list, download and delete it, with the async client.
//!
//! Runs against an in-process zoho-emulator by default. For a real account set
//! `ZOHO_CLIENT_ID`, `ZOHO_CLIENT_SECRET`, `ZOHO_REFRESH_TOKEN`, `ZOHO_DC` (us, eu, in, au, cn,
//! jp, ca, sa), `ZOHO_MODULE` and `ZOHO_RECORD_ID`.
//!
//! `cargo run -p zoho-crm --example async_attachments`

use zoho_crm::{ClientConfig, Credentials, DataCenter, DownloadOptions, Environment};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Setup {
        config,
        module,
        record,
        _emulator,
    } = setup()?;
    let crm = zoho_crm::Client::new(config)?;
    let attachments = crm.attachments(&module, &record)?;

    let dir = std::env::temp_dir().join("zoho-crm-example");
    tokio::fs::create_dir_all(&dir).await?;
    let file = dir.join("invoice.txt");
    tokio::fs::write(&file, b"Invoice #42: 1 x widget\n").await?;

    let uploaded = attachments.upload_file(&file).await?;
    println!("uploaded invoice.txt as attachment {}", uploaded.id);
    for a in attachments.list().await?.attachments {
        println!("  {} {:?} {:?} bytes", a.id, a.file_name, a.size);
    }
    let copy = attachments
        .download_to_dir(
            uploaded.id.clone(),
            &dir,
            &DownloadOptions {
                overwrite: true,
                ..Default::default()
            },
        )
        .await?;
    println!("downloaded {} bytes to {}", copy.bytes, copy.path.display());
    attachments.delete(uploaded.id).await?;
    println!("deleted");
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
