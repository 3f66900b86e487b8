//! Wire details found by comparing our requests with Zoho's own SDK's, each checked through
//! the built `zoho` binary against the emulator: the photo upload's `restrict_triggers`, the
//! list's `--fields`, `--page` and `--per-page` (and default fields that tell a link from a
//! file when only what was asked comes back), and a backslash kept in an upload's name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{LEAD, T, ok_json};

const RECORD: &str = "5725767000000010003";

#[test]
fn photo_upload_restricts_triggers_only_when_asked() {
    let t = T::new("restrict-triggers");
    let png = t.file("face.png", b"\x89PNG\r\n\x1a\nimage");
    let upload = |extra: &[&str]| {
        t.zoho_token()
            .args(["photo", "upload", "Leads", LEAD])
            .arg(&png)
            .args(extra)
            .assert()
            .success();
        t.emu.recent_requests().pop().unwrap()
    };
    let restricted = upload(&["--restrict-triggers"]);
    assert!(
        restricted.ends_with(&format!("/Leads/{LEAD}/photo?restrict_triggers=workflow")),
        "{restricted}"
    );
    let plain = upload(&[]);
    assert!(plain.ends_with(&format!("/Leads/{LEAD}/photo")), "{plain}");
}

#[test]
fn list_fields_and_pages_as_asked() {
    let t = T::new("list-fields");
    for name in ["one.txt", "two.txt", "three.txt"] {
        let f = t.file(name, name.as_bytes());
        t.upload(RECORD, &f);
    }
    t.zoho_token()
        .args([
            "attachments",
            "upload-link",
            "Leads",
            RECORD,
            "https://example.com/spec",
        ])
        .assert()
        .success();
    let list = |extra: &[&str]| {
        ok_json(
            t.zoho_token()
                .args(["--json", "attachments", "list", "Leads", RECORD])
                .args(extra),
        )
    };
    // The default fields carry `$link_url`: the link is told from the files.
    let all = list(&[]);
    assert_eq!(all.len(), 4);
    let links: Vec<_> = all.iter().filter(|a| a["link_url"].is_string()).collect();
    assert_eq!(links.len(), 1, "{all:?}");
    assert!(all.iter().any(|a| a["file_id"].is_string()), "{all:?}");
    // Only the fields asked come back; --json prints the extra ones too.
    let some = list(&["--fields", "id,File_Name,$type"]);
    assert!(some.iter().all(|a| a["size"].is_null()), "{some:?}");
    assert!(some.iter().any(|a| a["$type"] == "Attachment"), "{some:?}");
    // One page of one: the second attachment only.
    let second = list(&["--page", "2", "--per-page", "1"]);
    assert_eq!(second.len(), 1);
    assert_eq!(second[0]["id"], all[1]["id"]);
    // Out of range is a usage error before anything is sent.
    let before = t.emu.stats().api_requests;
    for bad in [["--per-page", "201"], ["--page", "0"]] {
        t.zoho_token()
            .args(["attachments", "list", "Leads", RECORD])
            .args(bad)
            .assert()
            .code(2);
    }
    assert_eq!(t.emu.stats().api_requests, before);
}

#[cfg(unix)]
#[test]
fn a_backslash_stays_in_the_uploaded_name() {
    let t = T::new("backslash");
    let f = t.file("back\\slash.pdf", b"%PDF back slash");
    let up = |extra: &[&str]| {
        let out = t
            .zoho_token()
            .args(["attachments", "upload", "Leads", RECORD])
            .arg(&f)
            .args(extra)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8_lossy(&out).into_owned()
    };
    up(&[]);
    let listed = ok_json(
        t.zoho_token()
            .args(["--json", "attachments", "list", "Leads", RECORD]),
    );
    let names: Vec<_> = listed.iter().map(|a| a["file_name"].clone()).collect();
    assert_eq!(names, ["back\\slash.pdf"]);
    // A re-run recognises it, under its whole name.
    let again = up(&["--skip-existing"]);
    assert!(again.contains("Skipped"), "{again}");
}
