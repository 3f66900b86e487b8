//! The built `zoho` binary against the emulator: every subcommand, a resumed backup, a refused
//! overwrite, an oversize upload refused before any request, a wrong token's message and exit
//! code, and --json output parsed back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

mod common;

use common::{LEAD, T, json_lines};

/// The crate README's `sh` block runs as pasted (after `cargo install`, which is this binary).
#[test]
fn readme_commands_run() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let block = readme.split("```sh\n").nth(1).unwrap();
    let block = &block[..block.find("```").unwrap()];
    let commands: Vec<&str> = block
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| l.starts_with("zoho "))
        .collect();
    assert!(commands.len() >= 2, "{block}");
    for line in commands {
        let args: Vec<&str> = line.split_whitespace().skip(1).collect();
        let out = Command::cargo_bin("zoho")
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{line}: {out:?}");
        assert!(!out.stdout.is_empty(), "{line} printed nothing");
    }
}

#[test]
fn demo_runs_and_exits_zero() {
    let out = Command::cargo_bin("zoho")
        .unwrap()
        .arg("demo")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("22 of 22 steps succeeded"), "{text}");
    let out = Command::cargo_bin("zoho")
        .unwrap()
        .args(["demo", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lines = json_lines(&out);
    assert!(
        lines
            .iter()
            .filter(|l| l.get("step").is_some())
            .all(|l| l["ok"] == true)
    );
    assert_eq!(lines.last().unwrap()["steps_failed"], 0);
}

#[test]
fn attachments_lifecycle_with_json_output() {
    let t = T::new("att");
    let a = t.file("a.txt", b"first");
    let b = t.file("b.txt", b"second file");
    t.zoho_token()
        .args(["attachments", "upload", "Leads", LEAD])
        .arg(&a)
        .arg(&b)
        .assert()
        .success();
    t.zoho_token()
        .args([
            "attachments",
            "upload-link",
            "Leads",
            LEAD,
            "https://www.zoho.com",
            "--title",
            "Zoho",
        ])
        .assert()
        .success();
    let out = t
        .zoho_token()
        .args(["--json", "attachments", "list", "Leads", LEAD])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let items = json_lines(&out);
    assert_eq!(items.len(), 3);
    let id_b = items.iter().find(|i| i["file_name"] == "b.txt").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let limited = t
        .zoho_token()
        .args([
            "--json",
            "attachments",
            "list",
            "Leads",
            LEAD,
            "--limit",
            "2",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json_lines(&limited).len(), 2);
    // Download, then refuse to overwrite, then overwrite with --force.
    let out_dir = t.dir.join("out");
    t.zoho_token()
        .args(["attachments", "download", "Leads", LEAD, &id_b, "--out"])
        .arg(&out_dir)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(out_dir.join("b.txt")).unwrap(),
        b"second file"
    );
    let refused = t
        .zoho_token()
        .args(["attachments", "download", "Leads", LEAD, &id_b, "--out"])
        .arg(&out_dir)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8_lossy(&refused).contains("b.txt already exists (in ")
            && String::from_utf8_lossy(&refused).contains("pass --force"),
        "{}",
        String::from_utf8_lossy(&refused)
    );
    t.zoho_token()
        .args([
            "attachments",
            "download",
            "Leads",
            LEAD,
            &id_b,
            "--force",
            "--out",
        ])
        .arg(&out_dir)
        .assert()
        .success();
    // Delete two, one unknown: partly done, exit 5, each id reported.
    let ids: Vec<String> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    let out = t
        .zoho_token()
        .args([
            "--json",
            "attachments",
            "delete",
            "Leads",
            LEAD,
            &ids[0],
            &ids[1],
            "1234567890",
        ])
        .assert()
        .code(5)
        .get_output()
        .stdout
        .clone();
    let results = json_lines(&out);
    assert_eq!(results.iter().filter(|r| r["deleted"] == true).count(), 2);
    assert!(
        results
            .iter()
            .any(|r| r["id"] == "1234567890" && r["deleted"] == false)
    );
    assert!(results.last().unwrap()["exit_code"] == 5);
    // Bigin works the same way.
    t.zoho_token()
        .args([
            "--product",
            "bigin",
            "attachments",
            "upload",
            "Pipelines",
            "5725768000000090001",
        ])
        .arg(&a)
        .assert()
        .success();
    let out = t
        .zoho_token()
        .args([
            "--product",
            "bigin",
            "--json",
            "attachments",
            "list",
            "Pipelines",
            "5725768000000090001",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json_lines(&out).len(), 1);
}

#[test]
fn photo_commands() {
    let t = T::new("photo");
    let png = t.file("face.png", b"\x89PNG\r\n\x1a\nimage");
    t.zoho_token()
        .args([
            "--product",
            "bigin",
            "photo",
            "upload",
            "Contacts",
            "5725768000000010001",
        ])
        .arg(&png)
        .assert()
        .success();
    let target = t.dir.join("copy.png");
    t.zoho_token()
        .args([
            "--product",
            "bigin",
            "photo",
            "download",
            "Contacts",
            "5725768000000010001",
            "--out",
        ])
        .arg(&target)
        .assert()
        .success();
    assert_eq!(std::fs::read(&target).unwrap(), b"\x89PNG\r\n\x1a\nimage");
    t.zoho_token()
        .args([
            "--product",
            "bigin",
            "photo",
            "download",
            "Contacts",
            "5725768000000010001",
            "--out",
        ])
        .arg(&target)
        .assert()
        .code(2);
    t.zoho_token()
        .args([
            "--product",
            "bigin",
            "photo",
            "delete",
            "Contacts",
            "5725768000000010001",
        ])
        .assert()
        .success();
    // Not an image, or a module without photos: refused before sending.
    let txt = t.file("notes.txt", b"hello");
    t.zoho_token()
        .args(["photo", "upload", "Leads", LEAD])
        .arg(&txt)
        .assert()
        .code(2);
    t.zoho_token()
        .args([
            "--product",
            "bigin",
            "photo",
            "delete",
            "Pipelines",
            "5725768000000090001",
        ])
        .assert()
        .code(2);
    assert_eq!(
        t.emu.stats().api_requests,
        3,
        "upload, download, delete; the refusals sent nothing"
    );
}

#[test]
fn an_oversize_upload_is_refused_before_any_request() {
    let t = T::new("big");
    let big = t.dir.join("huge.bin");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(100_000_001)
        .unwrap(); // sparse: no disk used
    let out = t
        .zoho_token()
        .args(["attachments", "upload", "Leads", LEAD])
        .arg(&big)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let msg = String::from_utf8_lossy(&out);
    assert!(
        msg.contains("huge.bin") && msg.contains("over the 100000000-byte limit"),
        "{msg}"
    );
    assert_eq!(t.emu.stats().api_requests, 0);
    let exe = t.file("setup.exe", b"MZ");
    t.zoho_token()
        .args(["attachments", "upload", "Leads", LEAD])
        .arg(&exe)
        .assert()
        .code(2);
    assert_eq!(t.emu.stats().api_requests, 0);
}

#[test]
fn a_wrong_token_gets_the_documented_message_and_exit_code() {
    let t = T::new("wrong");
    let out = t
        .zoho()
        .env("ZOHO_ACCESS_TOKEN", "1000.wrong")
        .args(["attachments", "list", "Leads", LEAD])
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    let msg = String::from_utf8_lossy(&out);
    assert!(
        msg.contains("INVALID_TOKEN") && msg.contains("zoho auth login") && msg.contains("--dc"),
        "{msg}"
    );
    assert!(
        !msg.contains("1000.wrong"),
        "the token must not be echoed: {msg}"
    );
    // No credentials at all.
    let out = t
        .zoho()
        .args(["attachments", "list", "Leads", LEAD])
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("zoho auth login"));
    // --json errors are JSON too.
    let out = t
        .zoho()
        .env("ZOHO_ACCESS_TOKEN", "1000.wrong")
        .args(["--json", "attachments", "list", "Leads", LEAD])
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    assert_eq!(json_lines(&out)[0]["exit_code"], 3);
}

#[test]
fn auth_login_status_and_logout() {
    let t = T::new("auth");
    let code = t
        .emu
        .grant_code(&["ZohoCRM.modules.ALL", "ZohoBigin.modules.ALL"]);
    t.login(&[], &code).success();
    let saved = t.dir.join("config/credentials.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Commands now work with the saved login, and share one cached access token.
    t.zoho()
        .args(["attachments", "list", "Leads", LEAD])
        .assert()
        .success();
    t.zoho()
        .args(["attachments", "list", "Leads", LEAD])
        .assert()
        .success();
    assert_eq!(
        t.emu.stats().token_requests,
        2,
        "the code exchange, then one token for both commands"
    );
    let out = t
        .zoho()
        .args(["--json", "auth", "status"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let status = &json_lines(&out)[0];
    assert_eq!(status["token_ok"], true);
    assert!(status["expires_in_secs"].as_u64().unwrap() > 0);
    // Status reads the cached token: 20 runs mint nothing.
    let before = t.emu.stats().token_requests;
    for _ in 0..20 {
        t.zoho().args(["auth", "status"]).assert().success();
    }
    assert_eq!(
        t.emu.stats().token_requests,
        before,
        "auth status minted a token"
    );
    assert!(!String::from_utf8_lossy(&out).contains(zoho_emulator::CLIENT_SECRET));
    // A used grant code is refused with the documented hint.
    let out = t
        .zoho()
        .args([
            "auth",
            "login",
            "--client-id",
            zoho_emulator::CLIENT_ID,
            "--client-secret",
            zoho_emulator::CLIENT_SECRET,
            "--grant-code",
            &code,
        ])
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("invalid_code"));
    t.zoho().args(["auth", "logout"]).assert().success();
    assert!(!saved.exists());
    t.zoho()
        .args(["attachments", "list", "Leads", LEAD])
        .assert()
        .code(3);
}

fn manifest(dir: &Path) -> Vec<Value> {
    json_lines(&std::fs::read(dir.join("manifest.jsonl")).unwrap())
}

#[test]
fn backup_resumes_where_it_stopped() {
    let t = T::new("backup");
    let records = ["5725767000000010001", "5725767000000010002"];
    for (i, r) in records.iter().enumerate() {
        for j in 0..3 {
            let f = t.file(
                &format!("r{i}-f{j}.txt"),
                format!("record {i} file {j}").as_bytes(),
            );
            t.zoho_token()
                .args(["attachments", "upload", "Leads", r])
                .arg(&f)
                .assert()
                .success();
        }
    }
    t.zoho_token()
        .args([
            "attachments",
            "upload-link",
            "Leads",
            records[0],
            "https://www.zoho.com",
        ])
        .assert()
        .success();
    let ids_file = t.file(
        "ids.txt",
        format!("# records\n{}\n\n{}\n", records[0], records[1]).as_bytes(),
    );
    let out_dir = t.dir.join("backup");
    let out = t
        .zoho_token()
        .args([
            "--json",
            "backup",
            "Leads",
            "--concurrency",
            "3",
            "--ids-from",
        ])
        .arg(&ids_file)
        .arg("--out")
        .arg(&out_dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let summary = &json_lines(&out)[0];
    assert_eq!(
        (summary["downloaded"].as_u64(), summary["links"].as_u64()),
        (Some(6), Some(1))
    );
    let entries = manifest(&out_dir);
    assert_eq!(entries.len(), 7, "six files and the link");
    let link = &entries[0];
    assert_eq!(link["link_url"], "https://www.zoho.com");
    assert_eq!(link["module"], "Leads");
    for e in &entries[1..] {
        let body = std::fs::read(out_dir.join(e["path"].as_str().unwrap())).unwrap();
        assert_eq!(body.len() as u64, e["size"].as_u64().unwrap());
        let digest = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(&body));
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            e["sha256"].as_str(),
            Some(hex.as_str()),
            "the digest of the file kept"
        );
    }
    // Simulate an interrupted run: the last two entries never made it into the manifest.
    let kept: Vec<String> = entries[..5].iter().map(|e| e.to_string()).collect();
    std::fs::write(
        out_dir.join("manifest.jsonl"),
        kept.join("\n") + "\n{\"record\":\"cut-off",
    )
    .unwrap();
    let before = t.emu.stats().api_requests;
    let out = t
        .zoho_token()
        .args(["--json", "backup", "Leads", records[0], records[1], "--out"])
        .arg(&out_dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let summary = &json_lines(&out)[0];
    assert_eq!(
        (
            summary["downloaded"].as_u64(),
            summary["already_done"].as_u64()
        ),
        (Some(2), Some(5))
    );
    assert_eq!(
        t.emu.stats().api_requests - before,
        2 + 2,
        "two list calls and two downloads only"
    );
    // Records from standard input work too.
    t.zoho_token()
        .args(["backup", "Leads", "--ids-from", "-", "--out"])
        .arg(&out_dir)
        .write_stdin(format!("{}\n", records[1]))
        .assert()
        .success();
}

#[test]
fn profiles_keep_logins_and_token_caches_apart() {
    let t = T::new("profiles");
    let login = |profile: &str| {
        let code = t.emu.grant_code(&["ZohoCRM.modules.ALL"]);
        t.login(&["--profile", profile], &code).success();
    };
    login("eu-org");
    let profile = t.dir.join("config/profiles/eu-org");
    assert!(profile.join("credentials.json").exists());
    assert!(
        !t.dir.join("config/credentials.json").exists(),
        "the default profile is untouched"
    );
    // The profile's own login, also chosen by the environment variable.
    t.zoho()
        .env("ZOHO_PROFILE", "eu-org")
        .args(["attachments", "list", "Leads", LEAD])
        .assert()
        .success();
    assert!(profile.join("tokens.json").exists());
    // Another profile has no login of its own.
    let out =
        auth_failure(
            t.zoho()
                .args(["--profile", "us-org", "attachments", "list", "Leads", LEAD]),
        );
    assert!(out.contains("no credentials"), "{out}");
    // A name that is not a plain directory name is refused before anything is read.
    let bad = t
        .zoho()
        .args(["--profile", "../x", "auth", "status"])
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&bad.get_output().stderr).contains("letters, digits"));
    // Logging out of one profile clears its login and token cache only.
    login("us-org");
    t.zoho()
        .args(["--profile", "eu-org", "auth", "logout"])
        .assert()
        .success();
    assert!(!profile.join("credentials.json").exists() && !profile.join("tokens.json").exists());
    assert!(
        t.dir
            .join("config/profiles/us-org/credentials.json")
            .exists()
    );
}

#[test]
fn consent_url_scopes_and_a_pasted_redirect() {
    let t = T::new("consent");
    let out = |args: &[&str]| {
        let o = t
            .zoho()
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(o).unwrap().trim().to_owned()
    };
    assert_eq!(
        out(&["auth", "scopes"]),
        "ZohoCRM.modules.ALL,ZohoCRM.files.ALL"
    );
    assert_eq!(
        out(&[
            "--product",
            "bigin",
            "auth",
            "scopes",
            "--module",
            "Contacts"
        ]),
        "ZohoBigin.modules.Contacts.ALL,ZohoBigin.modules.attachments.ALL"
    );
    let url = out(&[
        "--dc",
        "eu",
        "auth",
        "url",
        "--client-id",
        "1000.ID",
        "--redirect-uri",
        "http://localhost/cb",
    ]);
    // With a base URL (the emulator), the consent page is its own.
    let consent = format!(
        "{}/oauth/v2/auth?scope=ZohoCRM.modules.ALL%2CZohoCRM.files.ALL&client_id=1000.ID",
        t.emu.base_url()
    );
    assert!(url.starts_with(&consent), "{url}");
    assert!(
        url.contains("access_type=offline") && url.contains("prompt=consent"),
        "{url}"
    );
    // The scopes `auth scopes --module Leads` prints are enough for the Leads commands.
    let narrow = out(&["auth", "scopes", "--module", "Leads"]);
    let scopes: Vec<&str> = narrow.split(',').collect();
    let code = t.emu.grant_code(&scopes);
    let redirect = format!(
        "http://localhost/cb?code={code}&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu"
    );
    t.zoho()
        .args(["auth", "login", "--client-id", zoho_emulator::CLIENT_ID])
        .args([
            "--client-secret",
            zoho_emulator::CLIENT_SECRET,
            "--redirect-url",
            &redirect,
        ])
        .assert()
        .success();
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(t.dir.join("config/credentials.json")).unwrap())
            .unwrap();
    assert_eq!(saved["dc"], "eu", "the redirect's data centre was kept");
    t.zoho()
        .args(["attachments", "list", "Leads", LEAD])
        .assert()
        .success();
    let refused =
        auth_failure(
            t.zoho()
                .args(["attachments", "list", "Deals", "5725767000000040001"]),
        );
    assert!(refused.contains("OAUTH_SCOPE_MISMATCH"), "{refused}");
    let named = "it needs ZohoCRM.modules.Deals.READ, ZohoCRM.modules.attachments.READ";
    assert!(refused.contains(named), "{refused}");
    // The whole flow against the emulator's consent page, which approves at once: the URL
    // `auth url` prints, the browser's redirect, `auth login --redirect-url`, a call.
    let url = out(&[
        "auth",
        "url",
        "--client-id",
        zoho_emulator::CLIENT_ID,
        "--redirect-uri",
        "http://localhost/cb",
    ]);
    let redirect = redirect_of(&url);
    assert!(
        redirect.starts_with("http://localhost/cb?code="),
        "{redirect}"
    );
    assert!(
        redirect.contains("&location=us&accounts-server="),
        "{redirect}"
    );
    t.zoho()
        .args(["auth", "login", "--client-id", zoho_emulator::CLIENT_ID])
        .args(["--client-secret", zoho_emulator::CLIENT_SECRET])
        .args(["--redirect-url", &redirect])
        .assert()
        .success();
    t.zoho()
        .args(["attachments", "list", "Deals", "5725767000000040001"])
        .assert()
        .success();
}

/// Where a plain HTTP GET of `url` is redirected to, as a browser would be sent.
fn redirect_of(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 302"), "{answer}");
    answer
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("location"))
        })
        .map(|(_, v)| v.trim().to_owned())
        .unwrap()
}

/// The stderr of a command that fails with the authentication exit code (3).
fn auth_failure(cmd: &mut Command) -> String {
    let out = cmd.assert().code(3).get_output().stderr.clone();
    String::from_utf8_lossy(&out).into_owned()
}

/// `zoho record-files field|email`: the files land under their server names, a second run is
/// refused without --force (naming it), and Bigin is refused before anything is sent.
#[test]
fn record_files_downloads_field_and_email_attachments() {
    let t = T::new("record-files");
    let out = t.dir.join("out");
    let out_s = out.to_str().unwrap();
    t.zoho_token()
        .args([
            "record-files",
            "field",
            "Leads",
            LEAD,
            "5725767000000500001",
            "--out",
            out_s,
        ])
        .assert()
        .success();
    let body = std::fs::read(out.join("signed-contract.pdf")).unwrap();
    assert!(body.starts_with(b"%PDF-1.4"));
    let again = t
        .zoho_token()
        .args([
            "record-files",
            "field",
            "Leads",
            LEAD,
            "5725767000000500001",
            "--out",
            out_s,
        ])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&again).contains("--force"));
    let email = [
        "record-files",
        "email",
        "Leads",
        LEAD,
        "--user-id",
        "5725767000000000001",
        "--message-id",
        "c6085fae06cbd7b75001fc3e1ea1e7dac4f6b6ad9f9c0f4b1a3e1c6d2b5a4f3e",
        "--id",
        "5725767000000600001",
        "--name",
        "quote 42.pdf",
        "--json",
        "--out",
        out_s,
    ];
    let printed = t
        .zoho_token()
        .args(email)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&printed).unwrap();
    assert_eq!(v["content_type"], "multipart/form-data");
    assert!(out.join("quote 42.pdf").is_file());
    let before = t.emu.stats().api_requests;
    let refused = t
        .zoho_token()
        .args([
            "--product",
            "bigin",
            "record-files",
            "field",
            "Contacts",
            LEAD,
            "1",
        ])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&refused).contains("CRM only"));
    assert_eq!(t.emu.stats().api_requests, before);
}

/// One id goes to the single delete (the one Bigin documents), not the bulk `?ids=`; ids that
/// all fail are not "partly done" (5) but Zoho's refusal (1).
#[test]
fn delete_uses_the_single_call_for_one_id_and_exit_1_when_nothing_was_deleted() {
    let t = T::new("delete-one");
    let file = t.file("one.txt", b"one");
    let id = t.upload(LEAD, &file);
    let out = t
        .zoho_token()
        .args(["-v", "attachments", "delete", "Leads", LEAD, &id])
        .assert()
        .success()
        .get_output()
        .clone();
    let trace = String::from_utf8_lossy(&out.stderr);
    assert!(trace.contains(&format!("/Attachments/{id}")), "{trace}");
    assert!(!trace.contains("ids="), "{trace}");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("Deleted {id}.")));
    // Bigin: the single delete too.
    let contact = "5725768000000010001";
    let up = t
        .zoho_token()
        .args([
            "--product",
            "bigin",
            "--json",
            "attachments",
            "upload",
            "Contacts",
            contact,
        ])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let bigin_id = json_lines(&up)[0]["id"].as_str().unwrap().to_owned();
    t.zoho_token()
        .args([
            "--product",
            "bigin",
            "attachments",
            "delete",
            "Contacts",
            contact,
            &bigin_id,
        ])
        .assert()
        .success();
    // Two unknown ids: nothing deleted, exit 1.
    t.zoho_token()
        .args([
            "attachments",
            "delete",
            "Leads",
            LEAD,
            "1234567890",
            "1234567891",
        ])
        .assert()
        .code(1);
}
