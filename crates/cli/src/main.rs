//! `zoho`: attachments, photos and backups for Zoho CRM and Bigin, from the command line.
//!
//! Exit codes are listed in `fail.rs` (and `zoho --help`).

#[macro_use]
mod fail;
mod attachments;
mod auth;
mod backup;
mod consent;
mod demo;
mod field_files;
mod interrupt;
mod manifest;
mod photo;
mod progress;
mod record_files;
mod restore;
mod settings;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use zoho_blocking_transport::Transport;

use crate::fail::Failure;
#[cfg(test)]
use crate::progress::Progress;

const AFTER_HELP: &str = "Credentials come from ZOHO_ACCESS_TOKEN, or ZOHO_CLIENT_ID + ZOHO_CLIENT_SECRET + \
ZOHO_REFRESH_TOKEN, or the file `zoho auth login` writes.\n\nExit codes: 0 success, 1 Zoho refused the request, \
2 bad usage or input (nothing sent), 3 authentication, 4 network or local file, 5 partly done (what was done is listed), \
130 interrupted (temporary files removed), 141 stdout closed.";

/// Attachments, photos and backups for Zoho CRM and Zoho Bigin.
#[derive(Parser)]
#[command(name = "zoho", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    cmd: Cmd,
}

/// Options for every command.
#[derive(Args, Clone, Debug)]
pub struct Global {
    /// Zoho product.
    #[arg(long, global = true, default_value = "crm", value_parser = ["crm", "bigin"])]
    pub product: String,
    /// API version (CRM: v2 ... v8, default v8; Bigin: v1, v2, default v2).
    #[arg(long, global = true)]
    pub api_version: Option<String>,
    /// Data centre: us, eu, in, au, cn, jp, ca, sa, uk (default us, or the one saved at login).
    #[arg(long, global = true)]
    pub dc: Option<String>,
    /// Environment: production, sandbox, developer.
    #[arg(long, global = true)]
    pub env: Option<String>,
    /// One base URL for API and token calls (the emulator, a proxy); overrides --dc.
    #[arg(long, global = true)]
    pub base_url: Option<String>,
    /// Machine-readable output (JSON), no progress bars.
    #[arg(long, global = true)]
    pub json: bool,
    /// Progress: a bar on a terminal (auto), JSON lines on stderr for dashboards (json: start,
    /// progress, retry, done, error), or none.
    #[arg(long, global = true, value_enum, default_value_t = progress::Mode::Auto)]
    pub progress: progress::Mode,
    /// At most this many API requests a second, across all of this command's calls (Zoho's
    /// credits and per-org concurrency are shared by every app of the org).
    #[arg(long, global = true, value_parser = positive_rate)]
    pub max_requests_per_second: Option<f64>,
    /// At most this many bytes a second sent and received, across all of this command's
    /// transfers: a number with K, M or G (KiB, MiB, GiB), as rclone's --bwlimit, e.g. 4M.
    #[arg(long, global = true, value_parser = byte_rate)]
    pub bwlimit: Option<u64>,
    /// Trace requests on stderr (-v, -vv); secrets never appear.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Where credentials and cached tokens are kept (default ~/.config/zoho).
    #[arg(long, global = true)]
    pub config_dir: Option<PathBuf>,
    /// A named login of its own (another org or data centre): its credentials and token cache
    /// are kept apart, in `profiles/NAME` of the config directory.
    #[arg(long, global = true, env = "ZOHO_PROFILE", value_parser = settings::profile_name)]
    pub profile: Option<String>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Log in, show the login, log out.
    Auth {
        #[command(subcommand)]
        cmd: auth::AuthCmd,
    },
    /// Attachments of a record.
    Attachments {
        #[command(subcommand)]
        cmd: attachments::AttachmentsCmd,
    },
    /// The photo of a record.
    Photo {
        #[command(subcommand)]
        cmd: photo::PhotoCmd,
    },
    /// A CRM record's files beyond its attachments: file-upload fields and emails' attachments.
    RecordFiles {
        #[command(subcommand)]
        cmd: record_files::RecordFilesCmd,
    },
    /// Download every attachment of records into a directory, with a manifest; a second run
    /// downloads only what is missing.
    Backup(backup::BackupArgs),
    /// Upload a backup again: to the same records, or to others by a mapping file, in the org
    /// the flags name (another profile, data centre or base URL migrates it). A re-run uploads
    /// only what is missing.
    Restore(restore::RestoreArgs),
    /// Start a local Zoho emulator and run a whole attachment and photo lifecycle on CRM and Bigin.
    Demo,
    /// Print a shell completion script: `zoho completions bash > ~/.local/share/bash-completion/completions/zoho`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    interrupt::install();
    if cli.global.verbose > 0 {
        let level = if cli.global.verbose > 1 {
            tracing::Level::DEBUG
        } else {
            tracing::Level::INFO
        };
        // One line per request as it ends (method, path, attempt, status, time), and the
        // engine's retries and refreshes; -vv adds a line as each starts and debug events.
        let spans = if cli.global.verbose > 1 {
            FmtSpan::NEW | FmtSpan::CLOSE
        } else {
            FmtSpan::CLOSE
        };
        tracing_subscriber::fmt()
            .with_max_level(level)
            .with_span_events(spans)
            .with_writer(std::io::stderr)
            .with_target(false)
            .init();
    }
    let result = match cli.cmd {
        Cmd::Auth { cmd } => auth::run(&cli.global, cmd),
        Cmd::Attachments { cmd } => attachments::run(&cli.global, cmd),
        Cmd::Photo { cmd } => photo::run(&cli.global, cmd),
        Cmd::RecordFiles { cmd } => record_files::run(&cli.global, cmd),
        Cmd::Backup(args) => backup::run(&cli.global, &args),
        Cmd::Restore(args) => restore::run(&cli.global, &args),
        Cmd::Demo => demo::run(&cli.global),
        Cmd::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "zoho", &mut out);
            fail::print_line(format_args!("{}", String::from_utf8_lossy(&out).trim_end()))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) if f.code == fail::CLOSED => ExitCode::from(f.code),
        Err(f) => {
            if cli.global.json {
                let line = json!({ "error": f.message, "exit_code": f.code });
                let _ = fail::print_line(format_args!("{line}"));
            }
            eprintln!("zoho: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// The transport for the flags and credentials.
pub fn transport(g: &Global) -> Result<Transport, Failure> {
    let (mut config, _) = settings::client_config(g)?;
    config.max_requests_per_second = g.max_requests_per_second;
    config.max_bytes_per_second = g.bwlimit;
    Ok(Transport::new(config)?)
}

/// `512K`, `4M`, `1.5G` (binary units) or plain bytes, above 0.
fn byte_rate(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], t[i..].to_ascii_uppercase()),
        None => (t, String::new()),
    };
    let scale: f64 = match unit.trim_end_matches("IB").trim_end_matches('B') {
        "" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "`{s}`: give bytes a second with K, M or G, e.g. 4M"
            ));
        }
    };
    match num.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n * scale >= 1.0 => Ok((n * scale) as u64),
        _ => Err(format!(
            "`{s}`: give bytes a second above 0 with K, M or G, e.g. 4M"
        )),
    }
}

fn positive_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err(String::from(
            "give a number of requests per second above 0, e.g. 5 or 0.5",
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn byte_rates_read_as_rclone_writes_them() {
        assert_eq!(super::byte_rate("4M"), Ok(4 << 20));
        assert_eq!(super::byte_rate("512k"), Ok(512 << 10));
        assert_eq!(super::byte_rate("1.5GiB"), Ok(3 << 29));
        assert_eq!(super::byte_rate("1000"), Ok(1000));
        for bad in ["0", "-1M", "fast", "4X", ""] {
            assert!(super::byte_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_transfer_that_starts_again_says_it_is_retrying() {
        use clap::Parser;
        let cli = super::Cli::parse_from(["zoho", "--progress", "none", "demo"]);
        let p = super::Progress::start(&cli.global, "big.bin", Some(100));
        p.report(0, Some(100));
        p.report(60, Some(100));
        assert_eq!(p.retries(), 0);
        p.report(0, Some(100)); // the attempt failed; the next starts from 0
        p.report(10, Some(100));
        assert_eq!(p.retries(), 1);
    }
}
