//! `zoho-emulator`: runs the emulator until Ctrl-C, printing its base URL and credentials.

use std::path::PathBuf;

use clap::Parser;
use zoho_emulator::{Access, Config, Emulator, FaultPlan, Limits};

/// A faithful local Zoho CRM and Bigin files server.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on. Anything but 127.0.0.1 or ::1 exposes the emulator to that network
    /// (its admin API still needs the admin token).
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Port (0 picks a free one).
    #[arg(long, default_value_t = 8089)]
    port: u16,
    /// Keep uploads and state on disk here (large files are streamed, state survives restarts).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    token_lifetime: u64,
    /// Access tokens per refresh token per window.
    #[arg(long, default_value_t = 10)]
    token_limit: usize,
    /// Run the clock this many times faster than real time (token lifetimes, the token limit's
    /// window); clients read the same time from the printed `time_anchor_unix_ms`.
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Largest attachment, in bytes (default 100 MiB).
    #[arg(long)]
    max_attachment_bytes: Option<u64>,
    /// A fault plan as JSON, e.g. '{"fail_next":{"status":429,"count":2}}'.
    #[arg(long)]
    faults: Option<String>,
    /// The admin token (default: a random one, printed as admin_token=...).
    #[arg(long, env = "ZOHO_EMULATOR_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// A host name requests may give in `Host` besides IP addresses and localhost (repeatable);
    /// any other name is refused, against DNS rebinding.
    #[arg(long = "allow-host")]
    allowed_hosts: Vec<String>,
    /// Serve https with a self-signed certificate made at start; its PEM is written to
    /// --tls-cert and printed as tls_cert=PATH (curl --cacert PATH, or SSL_CERT_FILE=PATH for
    /// the zoho clients and the CLI).
    #[arg(long)]
    tls: bool,
    /// Where --tls writes the certificate (default: emulator-cert.pem in --data-dir, else
    /// zoho-emulator-PORT-cert.pem in the temporary directory).
    #[arg(long, requires = "tls")]
    tls_cert: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let faults: FaultPlan = match args.faults.as_deref().map(serde_json::from_str).transpose() {
        Ok(f) => f.unwrap_or_default(),
        Err(e) => {
            eprintln!("zoho-emulator: --faults is not a valid fault plan: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut limits = Limits::default();
    if let Some(max) = args.max_attachment_bytes {
        limits.attachment_max_bytes = max;
    }
    let config = Config {
        host: args.host,
        port: args.port,
        data_dir: args.data_dir,
        limits,
        token_lifetime_secs: args.token_lifetime,
        token_limit: args.token_limit,
        time_scale: args.time_scale,
        faults,
        ..Config::default()
    };
    let mut access = Access::default();
    access.admin_token = args.admin_token;
    access.allowed_hosts = args.allowed_hosts;
    access.tls = args.tls;
    let data_dir = config.data_dir.clone();
    let emu = match Emulator::start_with(config, access) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("zoho-emulator: could not start on port {}: {e}", args.port);
            return std::process::ExitCode::FAILURE;
        }
    };
    let cert = match emu.tls_cert_pem() {
        Some(pem) => {
            let path = args.tls_cert.unwrap_or_else(|| match &data_dir {
                Some(d) => d.join("emulator-cert.pem"),
                None => {
                    let port = emu.base_url().rsplit(':').next().unwrap_or("0");
                    std::env::temp_dir().join(format!("zoho-emulator-{port}-cert.pem"))
                }
            });
            if let Err(e) = write_whole(&path, pem.as_bytes()) {
                eprintln!(
                    "zoho-emulator: could not write the certificate to {}: {e}",
                    path.display()
                );
                return std::process::ExitCode::FAILURE;
            }
            Some(path)
        }
        None => None,
    };
    if !args.host.is_loopback() {
        eprintln!(
            "zoho-emulator: listening on {}, beyond this machine: anyone who reaches it can use its API (the admin API needs the admin token)",
            args.host
        );
    }
    // One write, its failure ignored: a reader that stops after the line it needs (or a closed
    // stdout) must not take the server down with a broken pipe.
    let text = settings(&emu, cert.as_deref());
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("zoho-emulator: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let _ = rt.block_on(tokio::signal::ctrl_c());
    drop(emu);
    std::process::ExitCode::SUCCESS
}

/// Writes `bytes` beside `path` and renames it there: never half a certificate under its name.
fn write_whole(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    std::fs::write(&part, bytes)?;
    std::fs::rename(&part, path)
}

/// The lines printed at start, ending with the `export` line.
fn settings(emu: &Emulator, cert: Option<&std::path::Path>) -> String {
    let base = emu.base_url();
    let (id, secret, refresh) = (
        zoho_emulator::CLIENT_ID,
        zoho_emulator::CLIENT_SECRET,
        zoho_emulator::REFRESH_TOKEN,
    );
    let mut out = format!(
        "zoho-emulator listening on {base}\nbase_url={base}\naccess_token={}\nclient_id={id}\nclient_secret={secret}\nrefresh_token={refresh}\nadmin_token={}\nadmin={base}/__emulator/stats\n",
        emu.access_token(),
        emu.admin_token()
    );
    let (anchor, scale) = emu.time();
    if scale != 1.0 {
        let ms = anchor
            .duration_since(std::time::SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        out.push_str(&format!("time_anchor_unix_ms={ms} time_scale={scale}\n"));
    }
    let mut trust = String::new();
    if let Some(c) = cert {
        out.push_str(&format!("tls_cert={}\n", c.display()));
        trust = format!(" SSL_CERT_FILE={}", c.display());
    }
    out.push_str(&format!(
        "export ZOHO_BASE_URL={base} ZOHO_CLIENT_ID={id} ZOHO_CLIENT_SECRET={secret} ZOHO_REFRESH_TOKEN={refresh}{trust}\n"
    ));
    out
}
