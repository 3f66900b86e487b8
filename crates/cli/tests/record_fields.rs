//! `zoho record-files list|upload|remove` against the emulator: files put in a file-upload
//! field once (a re-run sends none again), each file's outcome in --json, a locked record's
//! refusal as exit 1 with the stored files named, a mixed run as exit 5, and bad input refused
//! before any request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use zoho_emulator::{FailNth, FaultPlan};

mod common;

use common::{T, json_lines, ok_json};

const OTHER_LEAD: &str = "5725767000000010002";
const LOCKED_LEAD: &str = "5725767000000019999";

fn listed(t: &T, record: &str) -> Vec<Value> {
    ok_json(
        t.zoho_token()
            .args(["--json", "record-files", "list", "Leads", record])
            .args(["--field", "File_Upload"]),
    )
}

#[test]
fn upload_sets_a_file_field_once_and_remove_empties_it() {
    let t = T::new("record-fields");
    let a = t.file("a.pdf", b"%PDF a");
    let b = t.file("b.pdf", b"%PDF bb");
    let (a_s, b_s) = (a.to_str().unwrap(), b.to_str().unwrap());
    let up = |files: &[&str]| {
        let mut args = vec!["--json", "record-files", "upload", "Leads", OTHER_LEAD];
        args.extend(["--field", "File_Upload"]);
        args.extend(files);
        t.zoho_token().args(args).assert()
    };
    let out = up(&[a_s]).success().get_output().stdout.clone();
    let lines = json_lines(&out);
    assert_eq!(lines[0]["outcome"], "added", "{lines:?}");
    assert!(lines[0]["file_id"].is_string());
    // A re-run with one more file sends only that one.
    let out = up(&[a_s, b_s]).success().get_output().stdout.clone();
    let outcomes: Vec<_> = json_lines(&out)
        .iter()
        .map(|l| l["outcome"].clone())
        .collect();
    assert_eq!(outcomes, ["already_there", "added"]);
    let held = listed(&t, OTHER_LEAD);
    let names: Vec<_> = held.iter().map(|f| f["file_name"].clone()).collect();
    assert_eq!(names, ["a.pdf", "b.pdf"]);
    assert_eq!(held[1]["size"], 7);
    // The field's file downloads by the id `list` prints.
    let out_dir = t.dir.join("out");
    let id = held[0]["id"].as_str().unwrap().to_owned();
    t.zoho_token()
        .args(["record-files", "field", "Leads", OTHER_LEAD, &id])
        .args(["--out", out_dir.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(std::fs::read(out_dir.join("a.pdf")).unwrap(), b"%PDF a");
    let text = t
        .zoho_token()
        .args([
            "record-files",
            "remove",
            "Leads",
            OTHER_LEAD,
            "--field",
            "File_Upload",
            &id,
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8_lossy(&text).contains("Removed 1 file(s) from File_Upload"));
    assert_eq!(listed(&t, OTHER_LEAD).len(), 1);
}

#[test]
fn refusals_keep_each_files_outcome_and_the_exit_code_says_how_far_it_got() {
    let t = T::new("record-fields-refused");
    let a = t.file("a.pdf", b"%PDF a");
    let a_s = a.to_str().unwrap();
    // A locked record: the file is stored but not set; nothing is in the field, exit 1.
    let out = t
        .zoho_token()
        .args(["--json", "record-files", "upload", "Leads", LOCKED_LEAD])
        .args(["--field", "File_Upload", a_s])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let lines = json_lines(&out.stdout);
    assert_eq!(lines[0]["outcome"], "stored_not_set", "{lines:?}");
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap()
            .contains("RECORD_LOCKED")
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("locked"));
    // One file already there, the next stored but the update cut by a 500 (not sent again: a
    // second update could add the file twice): partly done, exit 5.
    t.zoho_token()
        .args([
            "record-files",
            "upload",
            "Leads",
            OTHER_LEAD,
            "--field",
            "File_Upload",
            a_s,
        ])
        .assert()
        .success();
    let b = t.file("b.pdf", b"%PDF b");
    // The third request from now: the field's read, the file-store upload, the update.
    t.emu.set_faults(FaultPlan {
        fail_nth: Some(FailNth { n: 3, status: 500 }),
        ..FaultPlan::default()
    });
    let out = t
        .zoho_token()
        .args([
            "--json",
            "record-files",
            "upload",
            "Leads",
            OTHER_LEAD,
            "--field",
            "File_Upload",
        ])
        .args([a_s, b.to_str().unwrap()])
        .assert()
        .code(5)
        .get_output()
        .clone();
    let lines = json_lines(&out.stdout);
    let outcomes: Vec<_> = lines[..2].iter().map(|l| l["outcome"].clone()).collect();
    assert_eq!(outcomes, ["already_there", "stored_not_set"]);
    // --json ends with the failure as an object too.
    let last = lines.last().unwrap().to_string();
    assert!(last.contains("run the same command again"), "{last}");
    t.emu.set_faults(FaultPlan::default());
    assert_eq!(listed(&t, OTHER_LEAD).len(), 1);
    // Bad input is refused before any request: a blocked type, a bad field name, Bigin.
    let exe = t.file("setup.exe", b"MZ");
    let before = t.emu.stats().api_requests;
    for args in [
        vec![
            "record-files",
            "upload",
            "Leads",
            OTHER_LEAD,
            "--field",
            "File_Upload",
            a_s,
            exe.to_str().unwrap(),
        ],
        vec![
            "record-files",
            "upload",
            "Leads",
            OTHER_LEAD,
            "--field",
            "File-Upload",
            a_s,
        ],
        vec![
            "--product",
            "bigin",
            "record-files",
            "list",
            "Contacts",
            OTHER_LEAD,
            "--field",
            "File_Upload",
        ],
    ] {
        let err = t
            .zoho_token()
            .args(&args)
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        assert!(!err.is_empty(), "{args:?}");
    }
    assert_eq!(t.emu.stats().api_requests, before);
}
