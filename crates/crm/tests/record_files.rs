//! A record's files beyond its attachments, end to end on both clients against the emulator: a
//! file-upload field's file and an email's attachment land under their server names with the
//! seeded bytes; an unknown id is Zoho's INVALID_DATA and leaves no file; bad input is refused
//! before any request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use zoho_crm::{ClientConfig, Credentials, DownloadOptions, ErrorCode};
use zoho_emulator::Emulator;

const LEAD: &str = "5725767000000010001";
const FIELD_ATTACHMENT: &str = "5725767000000500001";
const USER: &str = "5725767000000000001";
const MESSAGE: &str = "c6085fae06cbd7b75001fc3e1ea1e7dac4f6b6ad9f9c0f4b1a3e1c6d2b5a4f3e";
const EMAIL_ATTACHMENT: &str = "5725767000000600001";

fn config(emu: &Emulator) -> ClientConfig {
    ClientConfig::for_base_url(
        emu.base_url().parse().unwrap(),
        Credentials::access_token(emu.access_token()),
    )
}

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "zoho-crm-record-files-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn files_in(d: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn async_client_downloads_field_and_email_attachments() {
    let emu = Emulator::start(zoho_emulator::Config::default()).unwrap();
    let crm = zoho_crm::Client::new(config(&emu)).unwrap();
    let lead = crm.record_files("Leads", LEAD).unwrap();
    let out = dir("async");
    let opts = DownloadOptions::default();
    let f = lead
        .download_field_attachment_to_dir(FIELD_ATTACHMENT.parse().unwrap(), &out, &opts)
        .await
        .unwrap();
    assert_eq!(f.path, out.join("signed-contract.pdf"));
    assert!(
        std::fs::read(&f.path)
            .unwrap()
            .starts_with(b"%PDF-1.4\n% a signed contract")
    );
    let e = lead
        .download_email_attachment_to_dir(
            USER,
            MESSAGE,
            EMAIL_ATTACHMENT,
            "quote 42.pdf",
            &out,
            &opts,
        )
        .await
        .unwrap();
    assert_eq!(e.path, out.join("quote 42.pdf"));
    assert_eq!(e.bytes, std::fs::metadata(&e.path).unwrap().len());
    let wrong = lead
        .download_field_attachment_to_path(
            "5725767000000500999".parse().unwrap(),
            out.join("x.pdf"),
            &opts,
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Some(&ErrorCode::InvalidData), "{wrong}");
    assert_eq!(
        files_in(&out),
        ["quote 42.pdf", "signed-contract.pdf"],
        "no partial file"
    );
}

#[test]
fn blocking_client_downloads_field_and_email_attachments() {
    let emu = Emulator::start(zoho_emulator::Config::default()).unwrap();
    let crm = zoho_crm::blocking::Client::new(config(&emu)).unwrap();
    let lead = crm.record_files("Leads", LEAD).unwrap();
    let out = dir("blocking");
    let opts = zoho_crm::blocking::DownloadOptions::default();
    let f = lead
        .download_field_attachment_to_path(
            FIELD_ATTACHMENT.parse().unwrap(),
            out.join("c.pdf"),
            &opts,
        )
        .unwrap();
    assert!(
        std::fs::read(&f.path)
            .unwrap()
            .starts_with(b"%PDF-1.4\n% a signed contract")
    );
    let e = lead
        .download_email_attachment_to_dir(
            USER,
            MESSAGE,
            EMAIL_ATTACHMENT,
            "quote 42.pdf",
            &out,
            &opts,
        )
        .unwrap();
    assert_eq!(e.path, out.join("quote 42.pdf"));
    // Another name for the same attachment is another attachment: Zoho's INVALID_DATA.
    let wrong = lead
        .download_email_attachment_to_dir(USER, MESSAGE, EMAIL_ATTACHMENT, "other.pdf", &out, &opts)
        .unwrap_err();
    assert_eq!(wrong.code(), Some(&ErrorCode::InvalidData), "{wrong}");
    // Refused before anything is sent.
    let before = emu.stats().api_requests;
    for (user, message) in [("not-a-user", MESSAGE), (USER, ""), (USER, "a\nb")] {
        let e = lead
            .download_email_attachment_to_dir(user, message, EMAIL_ATTACHMENT, "q.pdf", &out, &opts)
            .unwrap_err();
        assert!(matches!(e, zoho_crm::Error::Input(_)), "{e}");
    }
    assert!(crm.record_files("Leads", "12ab").is_err());
    assert_eq!(emu.stats().api_requests, before);
    assert_eq!(files_in(&out), ["c.pdf", "quote 42.pdf"]);
}
