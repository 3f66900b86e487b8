//! The CRM facade's clients, async and blocking, against the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zoho_crm::{ClientConfig, Credentials};
use zoho_emulator::Emulator;

fn config(emu: &Emulator) -> ClientConfig {
    ClientConfig::for_base_url(
        emu.base_url().parse().unwrap(),
        Credentials::refresh_token(
            zoho_emulator::CLIENT_ID,
            zoho_emulator::CLIENT_SECRET,
            zoho_emulator::REFRESH_TOKEN,
        ),
    )
}

fn scratch(name: &str, data: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zoho-crm-facade-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("a.txt");
    std::fs::write(&f, data).unwrap();
    f
}

#[tokio::test]
async fn async_client_round_trip() {
    let emu = Emulator::start(Default::default()).unwrap();
    let crm = zoho_crm::Client::new(config(&emu)).unwrap();
    let file = scratch("async", b"async bytes");
    let a = crm.attachments("Deals", "5725767000000040001").unwrap();
    let up = a.upload_file(&file).await.unwrap();
    let mut out = Vec::new();
    a.download_to_writer(up.id.clone(), &mut out, &Default::default())
        .await
        .unwrap();
    assert_eq!(out, b"async bytes");
    assert!(a.delete(up.id).await.is_ok());
    let stored = crm.files().upload_files(&[&file]).await.unwrap();
    assert_eq!(stored[0].as_ref().unwrap().name, "a.txt");
    assert!(
        crm.photo("Tasks", "5725767000000060001")
            .unwrap()
            .delete()
            .await
            .is_err()
    );
    // Older versions speak their own paths.
    let v2 = zoho_crm::Client::new(config(&emu))
        .unwrap()
        .with_version(zoho_crm::Version::V2);
    assert!(
        v2.attachments("Leads", "5725767000000010001")
            .unwrap()
            .list()
            .await
            .unwrap()
            .attachments
            .is_empty()
    );
    assert_eq!(emu.stats().token_requests, 2, "one token per client");
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_client_round_trip() {
    let emu = Emulator::start(Default::default()).unwrap();
    let crm = zoho_crm::blocking::Client::new(config(&emu)).unwrap();
    let file = scratch("blocking", b"blocking bytes");
    let a = crm.attachments("Leads", "5725767000000010001").unwrap();
    let up = a.upload_file(&file).unwrap();
    let mut out = Vec::new();
    a.download_to_writer(up.id.clone(), &mut out, &Default::default())
        .unwrap();
    assert_eq!(out, b"blocking bytes");
    let png = file.with_file_name("p.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n").unwrap();
    let p = crm.photo("Leads", "5725767000000010001").unwrap();
    p.upload_file(&png).unwrap();
    p.delete().unwrap();
    assert_eq!(emu.stats().token_requests, 1);
}
