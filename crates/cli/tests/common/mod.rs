//! What the CLI tests share: the built `zoho` against an emulator, in a scratch directory.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;
use zoho_emulator::Emulator;

pub const LEAD: &str = "5725767000000010001";

pub struct T {
    pub emu: Emulator,
    pub dir: PathBuf,
}

impl T {
    pub fn new(name: &str) -> T {
        let dir = std::env::temp_dir().join(format!("zoho-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        T {
            emu: Emulator::start(Default::default()).unwrap(),
            dir,
        }
    }

    /// `zoho` with the emulator's base URL, an isolated config dir, and no ZOHO_* from outside.
    pub fn zoho(&self) -> Command {
        Command::from_std(self.std_zoho())
    }

    /// [`T::zoho`] as a plain command, to spawn and signal.
    pub fn std_zoho(&self) -> std::process::Command {
        self.std_zoho_at(self.emu.base_url())
    }

    /// `zoho` against another emulator (another org), with its ready token.
    pub fn zoho_at(&self, other: &Emulator) -> Command {
        let mut c = self.std_zoho_at(other.base_url());
        c.env("ZOHO_ACCESS_TOKEN", other.access_token());
        Command::from_std(c)
    }

    fn std_zoho_at(&self, base: &str) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("zoho"));
        for k in [
            "ZOHO_ACCESS_TOKEN",
            "ZOHO_CLIENT_ID",
            "ZOHO_CLIENT_SECRET",
            "ZOHO_REFRESH_TOKEN",
            "XDG_CONFIG_HOME",
            "ZOHO_PROFILE",
        ] {
            c.env_remove(k);
        }
        c.env("ZOHO_CONFIG_DIR", self.dir.join("config"))
            .arg("--base-url")
            .arg(base);
        c
    }

    /// `zoho [pre…] auth login` with the emulator's client and a grant `code`.
    pub fn login(&self, pre: &[&str], code: &str) -> assert_cmd::assert::Assert {
        self.zoho()
            .args(pre)
            .args(["auth", "login", "--client-id", zoho_emulator::CLIENT_ID])
            .args([
                "--client-secret",
                zoho_emulator::CLIENT_SECRET,
                "--grant-code",
                code,
            ])
            .assert()
    }

    /// `zoho` with the emulator's ready token.
    pub fn zoho_token(&self) -> Command {
        Command::from_std(self.std_zoho_token())
    }

    /// [`T::zoho_token`] as a plain command.
    pub fn std_zoho_token(&self) -> std::process::Command {
        let mut c = self.std_zoho();
        c.env("ZOHO_ACCESS_TOKEN", self.emu.access_token());
        c
    }

    /// Uploads `file` to a Leads record with the ready token; the new attachment's id.
    pub fn upload(&self, record: &str, file: &std::path::Path) -> String {
        let out = self
            .zoho_token()
            .args(["--json", "attachments", "upload", "Leads", record])
            .arg(file)
            .assert()
            .success();
        json_lines(&out.get_output().stdout)[0]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub fn file(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, data).unwrap();
        p
    }
}

/// Runs a `zoho` command that must succeed, and gives its stdout as JSON lines.
pub fn ok_json(cmd: &mut assert_cmd::Command) -> Vec<Value> {
    json_lines(&cmd.assert().success().get_output().stdout)
}

pub fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
