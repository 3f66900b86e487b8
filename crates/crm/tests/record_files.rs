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

const OTHER_LEAD: &str = "5725767000000010002";
const LOCKED_LEAD: &str = "5725767000000019999";

fn write_files(d: &std::path::Path, n: usize) -> Vec<std::path::PathBuf> {
    (0..n)
        .map(|i| {
            let p = d.join(format!("scan-{i:02}.pdf"));
            std::fs::write(&p, format!("%PDF-1.4 scan {i}\n")).unwrap();
            p
        })
        .collect()
}

#[tokio::test]
async fn async_client_sets_a_file_upload_field_once() {
    let emu = Emulator::start(zoho_emulator::Config::default()).unwrap();
    let crm = zoho_crm::Client::new(config(&emu)).unwrap();
    let lead = crm.record_files("Leads", OTHER_LEAD).unwrap();
    let field: zoho_crm::FieldName = "File_Upload".parse().unwrap();
    let src = dir("async-field-src");
    let paths = write_files(&src, 2);
    let report = lead.upload_to_field(&field, &paths).await.unwrap();
    assert!(report.is_complete(), "{report:?}");
    assert!(matches!(report.update, Some(Ok(_))), "{report:?}");
    let held = lead.field_files(&field).await.unwrap();
    let names: Vec<_> = held.iter().filter_map(|f| f.file_name.as_deref()).collect();
    assert_eq!(names, ["scan-00.pdf", "scan-01.pdf"]);
    // A re-run sends nothing again and adds nothing twice; a new file joins the others.
    let more = write_files(&src, 3);
    let before = emu.stats().api_requests;
    let again = lead.upload_to_field(&field, &more).await.unwrap();
    assert_eq!(
        again.files[..2],
        [
            zoho_crm::FieldFileOutcome::AlreadyThere,
            zoho_crm::FieldFileOutcome::AlreadyThere
        ]
    );
    assert!(matches!(
        again.files[2],
        zoho_crm::FieldFileOutcome::Stored(_)
    ));
    // The field's read, one file-store upload, one record update.
    assert_eq!(emu.stats().api_requests - before, 3);
    let held = lead.field_files(&field).await.unwrap();
    assert_eq!(held.len(), 3);
    // The field's file downloads by the id its value gives, with the bytes sent.
    let out = dir("async-field-out");
    let third = held[2].id.clone().unwrap();
    let got = lead
        .download_field_attachment_to_dir(third.clone(), &out, &DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(got.path, out.join("scan-02.pdf"));
    assert_eq!(
        std::fs::read(&got.path).unwrap(),
        std::fs::read(&more[2]).unwrap()
    );
    lead.remove_from_field(&field, [third]).await.unwrap();
    assert_eq!(lead.field_files(&field).await.unwrap().len(), 2);
}

#[test]
fn blocking_client_sets_a_field_in_batches_and_keeps_each_outcome() {
    let emu = Emulator::start(zoho_emulator::Config::default()).unwrap();
    let crm = zoho_crm::blocking::Client::new(config(&emu)).unwrap();
    let field: zoho_crm::FieldName = "Image_Upload".parse().unwrap();
    let src = dir("blocking-field-src");
    // Twelve files: two file-store calls of at most ten, one update.
    let paths = write_files(&src, 12);
    let lead = crm.record_files("Leads", OTHER_LEAD).unwrap();
    let before = emu.stats().api_requests;
    let report = lead.upload_to_field(&field, &paths).unwrap();
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(report.stored_ids().len(), 12);
    assert_eq!(emu.stats().api_requests - before, 4);
    assert_eq!(lead.field_files(&field).unwrap().len(), 12);
    // A locked record: the files are stored, the update's refusal is kept with them.
    let locked = crm.record_files("Leads", LOCKED_LEAD).unwrap();
    let report = locked.upload_to_field(&field, &paths[..1]).unwrap();
    assert!(!report.is_complete());
    let Some(Err(e)) = &report.update else {
        panic!("expected the update's refusal: {report:?}");
    };
    assert_eq!(e.code, ErrorCode::RecordLocked, "{e}");
    assert_eq!(report.stored_ids().len(), 1);
    // Bad input is refused before any request: a missing file, a blocked type, a name twice.
    let exe = src.join("setup.exe");
    std::fs::write(&exe, b"MZ").unwrap();
    let before = emu.stats().api_requests;
    let twice = [paths[0].clone(), paths[0].clone()];
    for bad in [
        vec![src.join("missing.pdf")],
        vec![exe],
        twice.to_vec(),
        vec![],
    ] {
        let e = lead.upload_to_field(&field, &bad).unwrap_err();
        assert!(
            matches!(e, zoho_crm::Error::Input(_) | zoho_crm::Error::File { .. }),
            "{e}"
        );
    }
    assert!("File-Upload".parse::<zoho_crm::FieldName>().is_err());
    assert_eq!(emu.stats().api_requests, before);
}
