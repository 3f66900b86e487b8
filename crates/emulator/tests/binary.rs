//! The `zoho-emulator` binary: what it prints at start, and that a reader which goes away (as
//! scripts do once they have `base_url=`) does not stop the server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the emulator when the test ends, passed or not.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the emulator with `args`; returns it and the settings lines before `export`.
fn settings(args: &[&str]) -> (Running, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zoho-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the emulator binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let running = Running(child);
    let lines = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .take_while(|l| !l.starts_with("export "))
        .collect();
    (running, lines)
}

#[test]
fn a_closed_stdout_leaves_the_server_running() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zoho-emulator"))
        .args(["--port", &port.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the emulator binary starts");
    // The reader goes away before the emulator has printed anything.
    drop(child.stdout.take());
    let mut running = Running(child);
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let http = reqwest::Client::new();
    let mut status = None;
    for _ in 0..100 {
        if let Some(code) = running.0.try_wait().expect("the child's state") {
            panic!("the emulator exited ({code}) when its stdout closed");
        }
        let sent = rt.block_on(
            http.post(format!("http://127.0.0.1:{port}/oauth/v2/token"))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", zoho_emulator::CLIENT_ID),
                    ("client_secret", zoho_emulator::CLIENT_SECRET),
                    ("refresh_token", zoho_emulator::REFRESH_TOKEN),
                ])
                .send(),
        );
        if let Ok(r) = sent {
            status = Some(r.status().as_u16());
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(status, Some(200), "the emulator never answered");
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(running.0.try_wait().expect("the child's state").is_none());
}

#[test]
fn the_settings_end_with_an_export_line_a_shell_can_eval() {
    let (_running, lines) = settings(&["--port", "0"]);
    let keys: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    assert_eq!(
        keys,
        [
            "base_url",
            "access_token",
            "client_id",
            "client_secret",
            "refresh_token",
            "admin_token",
            "admin"
        ]
    );
}

#[test]
fn tls_prints_an_https_base_url_and_writes_the_certificate_whole() {
    let dir = std::env::temp_dir().join(format!("zoho-emu-tls-{}", std::process::id()));
    let cert = dir.join("cert.pem");
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let cert_arg = cert.to_str().expect("a UTF-8 temp path");
    let (_running, lines) = settings(&["--port", "0", "--tls", "--tls-cert", cert_arg]);
    let value = |k: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix('=')))
            .map(str::to_owned)
    };
    assert!(
        value("base_url").is_some_and(|b| b.starts_with("https://127.0.0.1:")),
        "{lines:?}"
    );
    assert_eq!(value("tls_cert").as_deref(), cert.to_str(), "{lines:?}");
    let pem = std::fs::read_to_string(&cert).expect("the certificate file");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert!(!dir.join("cert.pem.part").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
