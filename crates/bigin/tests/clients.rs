//! The Bigin facade's clients, async and blocking, against the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zoho_bigin::{ClientConfig, Credentials};
use zoho_emulator::Emulator;

fn config(emu: &Emulator) -> ClientConfig {
    ClientConfig::for_base_url(
        emu.base_url().parse().unwrap(),
        Credentials::access_token(emu.access_token()),
    )
}

#[tokio::test]
async fn async_client_round_trip() {
    let emu = Emulator::start(Default::default()).unwrap();
    let bigin = zoho_bigin::Client::new(config(&emu)).unwrap();
    let a = bigin
        .attachments("Pipelines", "5725768000000090001")
        .unwrap();
    let link = a
        .upload_link("https://www.bigin.com", Some("Bigin"))
        .await
        .unwrap();
    let page = a.list().await.unwrap();
    assert_eq!(
        page.attachments[0].link_url.as_deref(),
        Some("https://www.bigin.com")
    );
    a.delete(link.id).await.unwrap();
    // Bigin v1 still has Deals.
    let v1 = zoho_bigin::Client::new(config(&emu))
        .unwrap()
        .with_version(zoho_bigin::Version::V1);
    assert!(
        v1.attachments("Deals", "5725768000000070001")
            .unwrap()
            .list()
            .await
            .unwrap()
            .attachments
            .is_empty()
    );
    // v2 does not: refused before sending.
    let before = emu.stats().api_requests;
    assert!(matches!(
        bigin.attachments("Deals", "1").unwrap().list().await,
        Err(zoho_bigin::Error::Input(_))
    ));
    assert_eq!(emu.stats().api_requests, before);
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_client_round_trip() {
    let emu = Emulator::start(Default::default()).unwrap();
    let bigin = zoho_bigin::blocking::Client::new(config(&emu)).unwrap();
    let p = bigin.photo("Accounts", "5725768000000020001").unwrap();
    let dir = std::env::temp_dir().join(format!("zoho-bigin-facade-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("logo.gif");
    std::fs::write(&png, b"GIF89a....").unwrap();
    p.upload_file(&png).unwrap();
    let got = p
        .download_to_path(dir.join("copy.gif"), &Default::default())
        .unwrap();
    assert_eq!(got.head.content_type.as_deref(), Some("image/gif"));
    p.delete().unwrap();
}
