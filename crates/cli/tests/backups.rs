//! Backups you can trust and bring back: past a failing record, a dry run, a verify that finds
//! what changed, a backup cut by SIGINT and resumed, and a restore to another emulator (org)
//! interrupted and re-run with no duplicate, links restored as links.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{LEAD, T, json_lines};
use serde_json::Value;
use zoho_emulator::{Emulator, FailNth, FaultPlan};

/// Three files and a link on the lead.
fn seed(t: &T) {
    for name in ["one.txt", "two.txt", "three.txt"] {
        let f = t.file(name, format!("the file {name}").as_bytes());
        t.upload(LEAD, &f);
    }
    t.zoho_token()
        .args([
            "attachments",
            "upload-link",
            "Leads",
            LEAD,
            "https://www.zoho.com/crm",
        ])
        .args(["--title", "Zoho CRM"])
        .assert()
        .success();
}

/// `zoho --json backup Leads LEAD --out DIR`, which must succeed; its summary.
fn backup(t: &T, out: &Path) -> Value {
    let run = t
        .zoho_token()
        .args(["--json", "backup", "Leads", LEAD, "--out"])
        .arg(out)
        .assert()
        .success();
    json_lines(&run.get_output().stdout).remove(0)
}

/// `zoho backup verify DIR` passes.
fn verify_ok(t: &T, out: &Path) {
    t.zoho()
        .args(["backup", "verify"])
        .arg(out)
        .assert()
        .success();
}

fn manifest_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("manifest.jsonl")).map_or(0, |s| s.lines().count())
}

#[test]
fn a_backup_goes_past_a_failing_record_and_a_dry_run_writes_nothing() {
    let t = T::new("backup-failing");
    seed(&t);
    let out = t.dir.join("b");
    let plan = t
        .zoho_token()
        .args(["--json", "backup", "Leads", LEAD, "--dry-run", "--out"])
        .arg(&out)
        .assert()
        .success();
    let plan = &json_lines(&plan.get_output().stdout)[0];
    assert_eq!(
        (plan["files"].as_u64(), plan["links"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(plan["api_calls"]["downloads_to_make"], 3);
    assert!(!out.exists(), "a dry run writes nothing");
    // 4242 is no record: it is reported by id, and the lead is backed up all the same.
    let run = t
        .zoho_token()
        .args(["backup", "Leads", "4242", LEAD, "--out"])
        .arg(&out)
        .assert()
        .code(5);
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(stdout.contains("failed: record 4242:"), "{stdout}");
    assert_eq!(manifest_lines(&out), 4, "three files and the link");
}

#[test]
fn verify_finds_missing_changed_and_extra_files() {
    let t = T::new("backup-verify");
    seed(&t);
    let out = t.dir.join("b");
    backup(&t, &out);
    verify_ok(&t, &out);
    let files: Vec<String> = std::fs::read_to_string(out.join("manifest.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["link_url"].is_null())
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect();
    // Same size, one byte flipped; one removed; one added.
    let changed = out.join(&files[0]);
    let mut bytes = std::fs::read(&changed).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&changed, bytes).unwrap();
    std::fs::remove_file(out.join(&files[1])).unwrap();
    std::fs::write(out.join(LEAD).join("stray.bin"), b"?").unwrap();
    let v = t
        .zoho()
        .args(["--json", "backup", "verify"])
        .arg(&out)
        .assert()
        .code(5);
    let v = &json_lines(&v.get_output().stdout)[0];
    assert_eq!(v["ok"], 1);
    assert_eq!(v["changed"], serde_json::json!([files[0]]));
    assert_eq!(v["missing"], serde_json::json!([files[1]]));
    assert_eq!(v["extra"], serde_json::json!([format!("{LEAD}/stray.bin")]));
    // --fix forgets the missing and changed files; the same backup then fetches just those.
    t.zoho()
        .args(["backup", "verify", "--fix"])
        .arg(&out)
        .assert()
        .code(5);
    let s = backup(&t, &out);
    assert_eq!(s["downloaded"], 2, "{s}");
    std::fs::remove_file(out.join(LEAD).join("stray.bin")).unwrap();
    verify_ok(&t, &out);
}

#[test]
fn a_backup_cut_by_sigint_resumes_where_it_stopped() {
    let t = T::new("backup-sigint");
    seed(&t);
    let out = t.dir.join("b");
    // Slow answers, one download at a time: the signal comes after the first file is done.
    t.emu.set_faults(FaultPlan {
        delay_ms: 700,
        ..FaultPlan::default()
    });
    let child = t
        .std_zoho_token()
        .args(["backup", "Leads", LEAD, "--concurrency", "1", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    // The link is written first; then a file.
    while manifest_lines(&out) < 2 {
        assert!(Instant::now() < deadline, "no file was backed up");
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let done = child.wait_with_output().unwrap();
    assert_eq!(
        done.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let lines = manifest_lines(&out);
    assert!((2..4).contains(&lines), "interrupted part-way: {lines}");
    let leftovers: Vec<_> = std::fs::read_dir(out.join(LEAD))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    t.emu.set_faults(FaultPlan::default());
    let s = backup(&t, &out);
    assert_eq!(s["already_done"].as_u64(), Some(lines as u64));
    assert_eq!(manifest_lines(&out), 4);
    verify_ok(&t, &out);
}

#[test]
fn a_restore_to_another_org_interrupted_and_re_run_makes_no_duplicate() {
    let t = T::new("restore");
    seed(&t);
    let out = t.dir.join("b");
    backup(&t, &out);
    // Another org: a second emulator, and another record there.
    let other = Emulator::start(Default::default()).unwrap();
    let target = "5725767000000010002";
    let map = t.file(
        "map.txt",
        format!("# from to\n{LEAD} {target}\n").as_bytes(),
    );
    let restore = |emu: &Emulator| {
        let mut c = t.zoho_at(emu);
        c.args(["--json", "restore"])
            .arg(&out)
            .arg("--map")
            .arg(&map);
        c
    };
    let listed = |emu: &Emulator| -> Vec<Value> {
        let o = t
            .zoho_at(emu)
            .args(["--json", "attachments", "list", "Leads", target])
            .assert()
            .success();
        json_lines(&o.get_output().stdout)
    };
    let before = listed(&other).len();
    // The third upload fails (after the target's list and two uploads): partly done.
    other.set_faults(FaultPlan {
        fail_nth: Some(FailNth { n: 4, status: 500 }),
        ..FaultPlan::default()
    });
    let first = restore(&other).assert().code(5);
    let s = &json_lines(&first.get_output().stdout)[0];
    assert_eq!(s["failed"].as_array().unwrap().len(), 1, "{s}");
    let done = s["uploaded"].as_u64().unwrap();
    assert!((1..4).contains(&done), "{s}");
    other.set_faults(FaultPlan::default());
    let second = restore(&other).assert().success();
    let s = &json_lines(&second.get_output().stdout)[0];
    assert_eq!(
        (s["uploaded"].as_u64(), s["skipped"].as_u64()),
        (Some(4 - done), Some(done)),
        "only what is missing"
    );
    let now = listed(&other);
    assert_eq!(now.len(), before + 4, "three files and a link, none twice");
    let link = now
        .iter()
        .find(|a| a["link_url"] == "https://www.zoho.com/crm");
    assert!(link.is_some(), "the link is restored as a link: {now:?}");
    // A third run has nothing to do.
    let third = restore(&other).assert().success();
    let s = &json_lines(&third.get_output().stdout)[0];
    assert_eq!(
        (s["uploaded"].as_u64(), s["skipped"].as_u64()),
        (Some(0), Some(4))
    );
}

#[test]
fn a_whole_module_backup_walks_every_record() {
    let t = T::new("backup-all");
    seed(&t);
    let other = "5725767000000010002";
    let f = t.file("other.txt", b"on another lead");
    t.upload(other, &f);
    let out = t.dir.join("b");
    let plan = t
        .zoho_token()
        .args([
            "--json",
            "backup",
            "Leads",
            "--all-records",
            "--dry-run",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let plan = &json_lines(&plan.get_output().stdout)[0];
    assert!(plan["records"].as_u64().unwrap() >= 3, "{plan}");
    let run = t
        .zoho_token()
        .args(["--json", "backup", "Leads", "--all-records", "--out"])
        .arg(&out)
        .assert()
        .success();
    let s = &json_lines(&run.get_output().stdout)[0];
    assert_eq!(s["downloaded"], plan["files"], "{s}");
    assert!(
        out.join(other).is_dir() && out.join(LEAD).is_dir(),
        "both records backed up"
    );
    t.zoho_token()
        .args(["backup", "Leads", LEAD, "--all-records", "--out"])
        .arg(&out)
        .assert()
        .code(2);
}

/// With the day's credits and the org's concurrency limited, a backup of 500 attachments
/// never runs into either: it stops at the credits floor, saying so, and a re-run once the
/// credits are back fetches the rest.
#[test]
fn a_backup_keeps_within_the_credits_and_the_concurrency_limit() {
    let t = T::new("pacing");
    let files: Vec<_> = (0..500)
        .map(|i| t.file(&format!("f{i:03}.txt"), format!("file {i}").as_bytes()))
        .collect();
    t.zoho_token()
        .args(["attachments", "upload", "Leads", LEAD])
        .args(&files)
        .assert()
        .success();
    t.emu.set_faults(FaultPlan {
        api_credits: Some(400),
        max_in_flight: Some(5),
        ..FaultPlan::default()
    });
    let out = t.dir.join("b");
    let run = t
        .zoho_token()
        .args([
            "backup",
            "Leads",
            LEAD,
            "--concurrency",
            "4",
            "--credits-floor",
            "50",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .code(5);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(
        stderr.contains("stopped with") && stderr.contains("--credits-floor 50"),
        "{stderr}"
    );
    let s = t.emu.stats();
    assert_eq!(s.injected.credits_429, 0, "the credits never ran out");
    assert_eq!(
        s.injected.concurrency_429, 0,
        "the concurrency limit was never passed"
    );
    assert!(s.most_in_flight <= 4, "{}", s.most_in_flight);
    // 400 credits, 3 list calls, a floor of 50: 347 downloads, and up to the 4 that may be in
    // flight when the floor is seen.
    let done = manifest_lines(&out);
    let near = 400 - 3 - 50;
    assert!(
        (near..=near + 4).contains(&done),
        "stopped near the floor: {done}"
    );
    // The next day.
    t.emu.set_faults(FaultPlan::default());
    let s = backup(&t, &out);
    assert_eq!(s["downloaded"].as_u64(), Some(500 - done as u64));
    assert_eq!(manifest_lines(&out), 500);
}

/// An answer without Content-Length that ends early passes no HTTP check: the backup compares
/// it with the list's size, keeps nothing of it and reports it (exit 5).
#[test]
fn a_short_download_without_content_length_is_not_kept() {
    let t = T::new("backup-short");
    let f = t.file("long.txt", &[b'x'; 5000]);
    t.upload(LEAD, &f);
    t.emu.set_faults(FaultPlan {
        short_downloads: Some(1000),
        ..FaultPlan::default()
    });
    let out = t.dir.join("b");
    let run = t
        .zoho_token()
        .args(["backup", "Leads", LEAD, "--out"])
        .arg(&out)
        .assert()
        .code(5);
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        stdout.contains("after 1000 bytes where 5000 were expected"),
        "{stdout}"
    );
    assert_eq!(manifest_lines(&out), 0);
    let kept: Vec<_> = std::fs::read_dir(out.join(LEAD))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(kept.is_empty(), "nothing kept: {kept:?}");
    // Whole again: the same command fetches it.
    t.emu.set_faults(FaultPlan::default());
    assert_eq!(backup(&t, &out)["downloaded"], 1);
}
