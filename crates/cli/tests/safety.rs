//! The built `zoho` is safe by default: a closed stdout ends a listing quietly, Ctrl-C and
//! SIGTERM leave no temporary file behind and exit 130.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{LEAD, T};
use zoho_emulator::FaultPlan;

/// A listing whose reader has gone (`zoho … | head -1`): no panic, no message, exit 141.
#[test]
fn a_closed_stdout_ends_every_listing_quietly() {
    let t = T::new("closed-stdout");
    let f = t.file("a.txt", b"a");
    for _ in 0..3 {
        t.upload(LEAD, &f);
    }
    // The answer comes late, so the reader is surely gone when the first line is written.
    t.emu.set_faults(FaultPlan {
        delay_ms: 300,
        ..FaultPlan::default()
    });
    let listings: [&[&str]; 2] = [
        &["attachments", "list", "Leads", LEAD],
        &["--json", "attachments", "list", "Leads", LEAD],
    ];
    for args in listings {
        let mut cmd = t.std_zoho_token();
        let mut child = cmd
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("zoho:"),
            "{args:?}: no error message: {stderr}"
        );
        assert_eq!(out.status.code(), Some(141), "{args:?}: {stderr}");
    }
}

/// Ctrl-C (or SIGTERM) during a download: the temporary file is removed, the exit code is 130.
#[test]
fn an_interrupted_download_leaves_nothing_behind() {
    for signal in ["-INT", "-TERM"] {
        let t = T::new(&format!("interrupt{signal}"));
        let f = t.file("big.bin", &vec![7u8; 1 << 20]);
        let id = t.upload(LEAD, &f);
        // The answer waits, with the temporary file already created beside the target.
        t.emu.set_faults(FaultPlan {
            delay_ms: 20_000,
            ..FaultPlan::default()
        });
        let out = t.dir.join("out");
        std::fs::create_dir_all(&out).unwrap();
        let mut cmd = t.std_zoho_token();
        let child = cmd
            .args(["attachments", "download", "Leads", LEAD, &id, "--out"])
            .arg(&out)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let entries = || -> Vec<String> {
            std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while entries().is_empty() {
            assert!(Instant::now() < deadline, "no temporary file appeared");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(entries()[0].ends_with(".part"), "{:?}", entries());
        let killed = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let done = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(130), "{signal}: {stderr}");
        assert!(
            stderr.contains("interrupted; 1 temporary file(s) removed"),
            "{stderr}"
        );
        assert_eq!(entries(), Vec::<String>::new(), "{signal}: nothing left");
    }
}

/// How many attachments the lead has.
fn count(t: &T) -> usize {
    let out = t
        .zoho_token()
        .args(["--json", "attachments", "list", "Leads", LEAD])
        .assert()
        .success();
    common::json_lines(&out.get_output().stdout).len()
}

/// Every file of an upload is checked before the first is sent: an .exe behind trailing dots,
/// a directory or a FIFO anywhere in the list means nothing is sent, exit 2, and no hang.
#[test]
fn every_upload_input_is_checked_before_anything_is_sent() {
    let t = T::new("upload-checks");
    let good = t.file("a.txt", b"a");
    let exe = t.file("setup.exe.", b"MZ");
    let dir = t.dir.join("folder");
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = t.dir.join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let before = count(&t);
    let mut bad = vec![(exe, ".exe"), (dir, "not a regular file")];
    if made.is_ok_and(|s| s.success()) {
        bad.push((fifo, "not a regular file"));
    }
    for (path, why) in bad {
        let out = t
            .zoho_token()
            .args(["attachments", "upload", "Leads", LEAD])
            .arg(&good)
            .arg(&path)
            .timeout(Duration::from_secs(20))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains(why), "{}: {stderr}", path.display());
        assert!(stderr.contains("Nothing was uploaded"), "{stderr}");
        assert!(
            !stderr.contains("network"),
            "no network advice for a local file: {stderr}"
        );
    }
    assert_eq!(count(&t), before, "nothing went out");
}

/// A multi-file upload that fails part-way exits 5 naming what was done and what was not; a
/// re-run with --skip-existing sends only what is missing.
#[test]
fn a_partial_upload_says_what_was_done_and_a_rerun_sends_only_the_rest() {
    let t = T::new("upload-partial");
    let files: Vec<_> = ["a.txt", "b.txt", "c.txt"]
        .iter()
        .map(|n| t.file(n, n.as_bytes()))
        .collect();
    let before = count(&t);
    // The second upload's request gets a 500, which an upload is not retried on.
    t.emu.set_faults(FaultPlan {
        fail_nth: Some(zoho_emulator::FailNth { n: 2, status: 500 }),
        ..FaultPlan::default()
    });
    let out = t
        .zoho_token()
        .args(["attachments", "upload", "Leads", LEAD])
        .args(&files)
        .assert()
        .code(5);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("uploaded") && stderr.contains("a.txt"),
        "{stderr}"
    );
    assert!(stderr.contains("b.txt failed"), "{stderr}");
    assert!(
        stderr.contains("Not tried:") && stderr.contains("c.txt"),
        "{stderr}"
    );
    t.emu.set_faults(FaultPlan::default());
    assert_eq!(count(&t), before + 1);
    let out = t
        .zoho_token()
        .args(["attachments", "upload", "--skip-existing", "Leads", LEAD])
        .args(&files)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        stdout.contains("Skipped") && stdout.contains("a.txt"),
        "{stdout}"
    );
    assert_eq!(count(&t), before + 3, "no duplicate of a.txt");
}

/// `-v` traces each request on stderr (as docs/cli.md says), with no secret in it.
#[test]
fn verbose_traces_requests_without_secrets() {
    let t = T::new("verbose");
    let out = t
        .zoho_token()
        .args(["-v", "attachments", "list", "Leads", LEAD])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("zoho.request"), "{stderr}");
    assert!(stderr.contains("method=GET"), "{stderr}");
    assert!(
        stderr.contains(&format!("/crm/v8/Leads/{LEAD}/Attachments")),
        "{stderr}"
    );
    assert!(!stderr.contains(t.emu.access_token()), "{stderr}");
}

/// Completion scripts come from the same definition as the commands.
#[test]
fn completions_for_each_shell() {
    let t = T::new("completions");
    for (shell, mark) in [
        ("bash", "_zoho()"),
        ("zsh", "#compdef zoho"),
        ("fish", "complete -c zoho"),
    ] {
        let out = t.zoho().args(["completions", shell]).assert().success();
        let script = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        assert!(script.contains(mark), "{shell}");
        assert!(
            script.contains("restore") && script.contains("attachments"),
            "{shell}"
        );
    }
    t.zoho().args(["completions", "tcsh"]).assert().code(2);
}

/// `--progress json`: start, progress, a retry when a cut download starts again, done — as JSON
/// lines on stderr, stdout left to the results.
#[test]
fn progress_as_json_lines_for_dashboards() {
    let t = T::new("progress-json");
    let f = t.file("big.bin", &vec![5u8; 600_000]);
    let up = t
        .zoho_token()
        .args([
            "--json",
            "--progress",
            "json",
            "attachments",
            "upload",
            "Leads",
            LEAD,
        ])
        .arg(&f)
        .assert()
        .success();
    let events: Vec<serde_json::Value> = common::json_lines(&up.get_output().stderr);
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert_eq!(kinds.first(), Some(&"start"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"done"), "{kinds:?}");
    assert!(kinds.contains(&"progress"));
    let id = common::json_lines(&up.get_output().stdout)[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The first download is cut after 100 kB; the retry starts from 0 and is reported.
    t.emu.set_faults(FaultPlan {
        drop_downloads: Some(zoho_emulator::DropDownloads {
            after_bytes: 100_000,
            count: 1,
        }),
        ..FaultPlan::default()
    });
    let out = t.dir.join("out");
    let down = t
        .zoho_token()
        .args([
            "--progress",
            "json",
            "attachments",
            "download",
            "Leads",
            LEAD,
            &id,
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let events = common::json_lines(&down.get_output().stderr);
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
    assert!(kinds.contains(&"retry"), "{kinds:?}");
    let done = events.iter().find(|e| e["event"] == "done").unwrap();
    assert_eq!(
        (done["item"].as_str(), done["bytes"].as_u64()),
        (Some(id.as_str()), Some(600_000))
    );
}

/// An existing target is refused from the answer's head, before any of its body is read, and
/// the message names --force.
#[test]
fn an_existing_target_is_refused_before_the_body() {
    let t = T::new("refuse-early");
    let f = t.file("big.bin", &vec![1u8; 2_000_000]);
    let id = t.upload(LEAD, &f);
    let out = t.dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("big.bin"), b"mine").unwrap();
    let run = t
        .zoho_token()
        .args([
            "--progress",
            "json",
            "attachments",
            "download",
            "Leads",
            LEAD,
            &id,
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(stderr.contains("pass --force"), "{stderr}");
    let moved: Vec<u64> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "progress")
        .filter_map(|e| e["bytes"].as_u64())
        .collect();
    assert!(
        moved.iter().all(|b| *b == 0),
        "no body byte was read: {moved:?}"
    );
    assert_eq!(std::fs::read(out.join("big.bin")).unwrap(), b"mine");
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
}

/// The pacing flags take rclone's forms and refuse what is not a rate, before anything is sent.
#[test]
fn pacing_flags_are_checked_and_applied() {
    let t = T::new("pacing-flags");
    for bad in [
        "--bwlimit=0",
        "--bwlimit=fast",
        "--max-requests-per-second=-1",
    ] {
        let run = t
            .zoho_token()
            .arg(bad)
            .args(["attachments", "list", "Leads", LEAD])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
        assert!(stderr.contains("e.g."), "the fix is named: {stderr}");
    }
    assert_eq!(t.emu.stats().api_requests, 0, "nothing was sent");
    let f = t.file("a.txt", b"paced");
    t.zoho_token()
        .args(["--bwlimit", "64M", "--max-requests-per-second", "50"])
        .args(["attachments", "upload", "Leads", LEAD])
        .arg(&f)
        .assert()
        .success();
}
