//! `zoho`: attachments, photos and backups for Zoho CRM and Bigin, from the command line.
//!
//! Exit codes are listed in `fail.rs` (and `zoho --help`).

#[macro_use]
mod fail;
mod backup;
mod consent;
mod demo;
mod interrupt;
mod manifest;
mod progress;
mod restore;
mod settings;
mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use zoho_blocking_transport::{Attachments, DownloadOptions, Photo, Transport};
use zoho_core::auth::{Client, Grant, RevokeRequest, Secret, TokenRequest};
use zoho_core::ops::attachments::DeleteOutcome;
use zoho_core::{AttachmentId, Operation};

use crate::fail::Failure;
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
        cmd: AuthCmd,
    },
    /// Attachments of a record.
    Attachments {
        #[command(subcommand)]
        cmd: AttachmentsCmd,
    },
    /// The photo of a record.
    Photo {
        #[command(subcommand)]
        cmd: PhotoCmd,
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

#[derive(Subcommand)]
enum AuthCmd {
    /// Exchange a grant code from Zoho's self-client page for a refresh token, or save one given.
    Login {
        #[arg(long)]
        client_id: String,
        /// The client secret (or ZOHO_CLIENT_SECRET).
        #[arg(long, env = "ZOHO_CLIENT_SECRET", hide_env_values = true)]
        client_secret: String,
        /// A grant code (one use, a few minutes).
        #[arg(
            long,
            conflicts_with_all = ["refresh_token", "redirect_url"],
            required_unless_present_any = ["refresh_token", "redirect_url"]
        )]
        grant_code: Option<String>,
        /// The URL the browser went to after `zoho auth url`: its code, and the account's data
        /// centre (which replaces --dc).
        #[arg(long, conflicts_with = "refresh_token")]
        redirect_url: Option<String>,
        /// A refresh token you already have.
        #[arg(long)]
        refresh_token: Option<String>,
        /// The redirect URI the grant code was issued for, if any.
        #[arg(long)]
        redirect_uri: Option<String>,
    },
    /// Show where credentials come from and check that a token can be had.
    Status,
    /// Print the scopes to ask for (every module, or `--module` ones, and CRM's file store).
    Scopes {
        /// Only these modules' API names (repeatable), e.g. --module Deals.
        #[arg(long)]
        module: Vec<String>,
    },
    /// Print Zoho's consent page URL for a grant code with those scopes (offline access).
    Url {
        #[arg(long)]
        client_id: String,
        /// Where Zoho sends the browser afterwards, as registered for the client.
        #[arg(long)]
        redirect_uri: String,
        /// Only these modules (repeatable).
        #[arg(long)]
        module: Vec<String>,
    },
    /// Revoke the saved refresh token and forget it.
    Logout,
}

#[derive(Subcommand)]
enum AttachmentsCmd {
    /// List attachments, walking all pages.
    List {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// Stop after this many.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Upload files (every one is checked before the first is sent).
    Upload {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// Regular files to upload.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Skip files whose name and size are already on the record (a re-run after a failure
        /// sends only what is missing).
        #[arg(long)]
        skip_existing: bool,
    },
    /// Attach a link.
    UploadLink {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// The link to attach (http or https).
        url: String,
        #[arg(long)]
        title: Option<String>,
    },
    /// Download attachments into a directory under their (safe) names.
    Download {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// Attachment ids (from `zoho attachments list`).
        #[arg(required = true)]
        ids: Vec<String>,
        /// Directory to write into.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Replace files that exist.
        #[arg(long)]
        force: bool,
    },
    /// Delete one or more attachments.
    Delete {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// Attachment ids (from `zoho attachments list`).
        #[arg(required = true)]
        ids: Vec<String>,
    },
}

#[derive(Subcommand)]
enum PhotoCmd {
    /// Upload a PNG, JPEG, GIF or BMP image as the record's photo.
    Upload {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// A PNG, JPEG, GIF or BMP file.
        file: PathBuf,
    },
    /// Download the record's photo.
    Download {
        /// The module's API name, e.g. Leads or Deals.
        module: String,
        /// The record's id.
        record_id: String,
        /// File to write.
        #[arg(long)]
        out: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Delete the record's photo.
    Delete {
        /// The module's API name, e.g. Contacts.
        module: String,
        /// The record's id.
        record_id: String,
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
        Cmd::Auth { cmd } => auth(&cli.global, cmd),
        Cmd::Attachments { cmd } => attachments(&cli.global, cmd),
        Cmd::Photo { cmd } => photo(&cli.global, cmd),
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

fn ids(raw: &[String]) -> Result<Vec<AttachmentId>, Failure> {
    raw.iter()
        .map(|s| AttachmentId::new(s.as_str()).map_err(|e| Failure::usage(format!("{e}."))))
        .collect()
}

fn auth(g: &Global, cmd: AuthCmd) -> Result<(), Failure> {
    match cmd {
        AuthCmd::Scopes { module } => consent::print_scopes(g, &module),
        AuthCmd::Url {
            client_id,
            redirect_uri,
            module,
        } => consent::print_url(g, &client_id, &redirect_uri, &module),
        AuthCmd::Login {
            client_id,
            client_secret,
            grant_code,
            redirect_url,
            refresh_token,
            redirect_uri,
        } => {
            // A pasted redirect carries the code and names the account's data centre.
            let mut g = g.clone();
            let grant_code = match redirect_url {
                Some(url) => {
                    let r = zoho_core::consent::Redirect::parse(&url)
                        .map_err(|e| Failure::usage(format!("{e}.")))?;
                    if let Some(dc) = r.data_center {
                        g.dc = Some(dc.as_str().to_owned());
                    }
                    Some(r.code.expose().to_owned())
                }
                None => grant_code,
            };
            let g = &g;
            let (endpoints, _) = settings::endpoints(g, None)?;
            let client = Client {
                id: client_id.clone(),
                secret: Secret::new(client_secret.clone()),
            };
            let refresh = match (grant_code, refresh_token) {
                (_, Some(t)) => t,
                (Some(code), None) => {
                    let t = Transport::new(zoho_core::ClientConfig::new(
                        endpoints.clone(),
                        zoho_core::auth::Credentials::access_token(""),
                    ))?;
                    let req = TokenRequest {
                        accounts: endpoints.accounts.clone(),
                        client,
                        grant: Grant::AuthorizationCode {
                            code: Secret::new(code),
                            redirect_uri,
                        },
                    };
                    let token = t.request_token(&req)?;
                    match token.refresh_token {
                        Some(r) => r.expose().to_owned(),
                        None => {
                            return Err(Failure::auth(
                                "Zoho returned no refresh token: create the grant code with access type offline, then log in again.",
                            ));
                        }
                    }
                }
                (None, None) => return Err(Failure::usage("give --grant-code or --refresh-token")),
            };
            let saved = settings::Saved {
                client_id,
                client_secret,
                refresh_token: refresh,
                dc: g.dc.clone().unwrap_or_else(|| "us".into()),
                env: g.env.clone().unwrap_or_else(|| "production".into()),
                base_url: g.base_url.clone(),
            };
            let path = settings::save(g, &saved)?;
            if g.json {
                out!(
                    "{}",
                    json!({ "saved": path, "client_id": saved.client_id, "dc": saved.dc })
                );
            } else {
                out!(
                    "Logged in: credentials saved to {} (readable by you only).",
                    path.display()
                );
            }
            Ok(())
        }
        AuthCmd::Status => {
            let (config, origin) = settings::client_config(g)?;
            let source = match &origin {
                settings::Origin::Env => "environment variables".to_owned(),
                settings::Origin::File(p) => p.display().to_string(),
            };
            let t = Transport::new(config.clone())?;
            // The cached token while it is valid (shared with every other command through the
            // token store); one is minted only when none is.
            let token = match config.credentials.token_request(&config.endpoints.accounts) {
                Some(_) => Some(t.token_status()?),
                None => None,
            };
            let expires_in = token.as_ref().and_then(|r| r.expires_at).map(|at| {
                at.duration_since(std::time::SystemTime::now())
                    .unwrap_or_default()
                    .as_secs()
            });
            if g.json {
                out!(
                    "{}",
                    json!({
                        "credentials": source,
                        "client_id": config.credentials.client_id(),
                        "api": t.api_base().as_str(),
                        "accounts": config.endpoints.accounts.as_str(),
                        "token_ok": true,
                        "expires_in_secs": expires_in,
                    })
                );
            } else {
                out!("Credentials: {source}");
                out!(
                    "Client:      {}",
                    config
                        .credentials
                        .client_id()
                        .unwrap_or("(a fixed access token)")
                );
                out!("Accounts:    {}", config.endpoints.accounts);
                match &token {
                    Some(tok) => out!(
                        "Token:       OK, valid for {} s, API at {}",
                        expires_in.unwrap_or_default(),
                        tok.api
                    ),
                    None => out!("Token:       a fixed access token (not checked)"),
                }
            }
            Ok(())
        }
        AuthCmd::Logout => {
            let Some(saved) = settings::load_saved(g)? else {
                return Err(Failure::usage(
                    "not logged in: there is no saved login to remove",
                ));
            };
            let (endpoints, _) = settings::endpoints(g, Some(&saved))?;
            let t = Transport::new(zoho_core::ClientConfig::new(
                endpoints.clone(),
                zoho_core::auth::Credentials::access_token(""),
            ))?;
            let revoked = t.revoke(&RevokeRequest {
                accounts: endpoints.accounts.clone(),
                token: Secret::new(saved.refresh_token.clone()),
            });
            let _ = std::fs::remove_file(settings::credentials_path(g));
            let _ = std::fs::remove_file(settings::tokens_path(g));
            revoked?;
            if g.json {
                out!("{}", json!({ "logged_out": true }));
            } else {
                out!("Logged out: the refresh token is revoked and the saved login removed.");
            }
            Ok(())
        }
    }
}

fn handle(g: &Global, t: &Transport, module: &str, record: &str) -> Result<Attachments, Failure> {
    let ops = zoho_core::ops::Attachments::parse(settings::api(g)?, module, record)
        .map_err(|e| Failure::usage(format!("{e}.")))?;
    Ok(Attachments::new(t, ops))
}

fn attachments(g: &Global, cmd: AttachmentsCmd) -> Result<(), Failure> {
    let t = transport(g)?;
    match cmd {
        AttachmentsCmd::List {
            module,
            record_id,
            limit,
        } => {
            let a = handle(g, &t, &module, &record_id)?;
            let mut n = 0;
            for item in a
                .list_all(a.list_op().per_page(200))
                .take(limit.unwrap_or(usize::MAX))
            {
                let item = item?;
                n += 1;
                if g.json {
                    out!(
                        "{}",
                        json!({ "id": item.id, "file_name": item.file_name, "size": item.size, "created_time": item.created_time, "link_url": item.link_url })
                    );
                } else {
                    let what = item.link_url.as_deref().map_or_else(
                        || format!("{} bytes", item.size.unwrap_or(0)),
                        |u| format!("link {u}"),
                    );
                    out!(
                        "{}  {}  {}",
                        item.id,
                        item.file_name.as_deref().unwrap_or("-"),
                        what
                    );
                }
            }
            if !g.json {
                eprintln!("{n} attachment(s)");
            }
            Ok(())
        }
        AttachmentsCmd::Upload {
            module,
            record_id,
            files,
            skip_existing,
        } => {
            let a = handle(g, &t, &module, &record_id)?;
            let plan = check_uploads(&t, &a, &files)?;
            // Same name and size already on the record: a re-run after a failure sends only
            // what is missing.
            let present: std::collections::HashSet<(String, u64)> = if skip_existing {
                let mut seen = std::collections::HashSet::new();
                for item in a.list_all(a.list_op().per_page(200)) {
                    let item = item?;
                    if let (Some(n), Some(s)) = (item.file_name, item.size) {
                        seen.insert((n, s));
                    }
                }
                seen
            } else {
                Default::default()
            };
            let (mut uploaded, mut skipped) = (Vec::new(), 0usize);
            for (i, (f, name, len)) in plan.iter().enumerate() {
                if present.contains(&(name.clone(), *len)) {
                    skipped += 1;
                    if g.json {
                        out!(
                            "{}",
                            json!({ "skipped": f, "reason": "already on the record" })
                        );
                    } else {
                        out!("Skipped {}: already on the record.", f.display());
                    }
                    continue;
                }
                let p = Arc::new(Progress::start(g, name, Some(*len)));
                let report = Arc::clone(&p);
                let opts = zoho_core::UploadOptions {
                    progress: Some(Arc::new(move |n, len| report.report(n, Some(len)))),
                    ..Default::default()
                };
                let up = match a.upload_file_with(f, &opts) {
                    Ok(up) => up,
                    Err(e) => {
                        let failed = Failure::from(e);
                        p.failed(&failed.message);
                        if uploaded.is_empty() {
                            return Err(failed);
                        }
                        let rest: Vec<String> = plan[i + 1..]
                            .iter()
                            .map(|p| p.0.display().to_string())
                            .collect();
                        return Err(Failure::partial(format!(
                            "uploaded {}; {} failed: {} Not tried: {}. Run the same command with --skip-existing to send only what is missing.",
                            uploaded.join(", "),
                            f.display(),
                            failed.message,
                            if rest.is_empty() {
                                "none".to_owned()
                            } else {
                                rest.join(", ")
                            }
                        )));
                    }
                };
                p.done(*len);
                uploaded.push(f.display().to_string());
                if g.json {
                    out!("{}", json!({ "uploaded": f, "id": up.id }));
                } else {
                    out!("Uploaded {} as attachment {}.", f.display(), up.id);
                }
            }
            if skipped > 0 && !g.json {
                eprintln!(
                    "{} uploaded, {skipped} skipped (already on the record).",
                    uploaded.len()
                );
            }
            Ok(())
        }
        AttachmentsCmd::UploadLink {
            module,
            record_id,
            url,
            title,
        } => {
            let up = handle(g, &t, &module, &record_id)?.upload_link(&url, title.as_deref())?;
            if g.json {
                out!("{}", json!({ "uploaded": url, "id": up.id }));
            } else {
                out!("Attached {url} as attachment {}.", up.id);
            }
            Ok(())
        }
        AttachmentsCmd::Download {
            module,
            record_id,
            ids: raw,
            out,
            force,
        } => {
            let a = handle(g, &t, &module, &record_id)?;
            std::fs::create_dir_all(&out)
                .map_err(|e| Failure::io(&format!("cannot create {}", out.display()), e))?;
            interrupt::watch(&out);
            for id in ids(&raw)? {
                let p = Progress::start(g, id.as_str(), None);
                let report = |n, total| p.report(n, total);
                let opts = DownloadOptions {
                    progress: Some(&report),
                    overwrite: force,
                    ..Default::default()
                };
                let got = a
                    .download_to_dir(id.clone(), &out, &opts)
                    .map_err(|e| refuse_overwrite(e, &out))
                    .inspect_err(|f| p.failed(&f.message))?;
                p.done(got.bytes);
                if g.json {
                    out!(
                        "{}",
                        json!({ "id": id, "path": got.path, "bytes": got.bytes })
                    );
                } else {
                    out!(
                        "Downloaded attachment {id} to {} ({} bytes).",
                        got.path.display(),
                        got.bytes
                    );
                }
            }
            Ok(())
        }
        AttachmentsCmd::Delete {
            module,
            record_id,
            ids: raw,
        } => {
            let a = handle(g, &t, &module, &record_id)?;
            let results = a.delete_many(ids(&raw)?)?;
            let failed = results.iter().filter(|r| !r.outcome.is_deleted()).count();
            for r in &results {
                let why = match &r.outcome {
                    DeleteOutcome::Deleted { .. } => None,
                    DeleteOutcome::Failed(e) => Some(e.to_string()),
                    DeleteOutcome::NoResult => Some(String::from("Zoho returned no result for it")),
                    DeleteOutcome::BatchFailed(e) => Some(e.to_string()),
                };
                if g.json {
                    out!(
                        "{}",
                        json!({ "id": r.id, "deleted": why.is_none(), "error": why })
                    );
                } else {
                    match why {
                        None => out!("Deleted {}.", r.id),
                        Some(w) => out!("Not deleted {}: {w}", r.id),
                    }
                }
            }
            if failed > 0 {
                return Err(Failure::partial(format!(
                    "{failed} of {} attachment(s) were not deleted.",
                    results.len()
                )));
            }
            Ok(())
        }
    }
}

/// Every file of an upload checked before the first byte goes out: a regular file (no
/// directory, FIFO or device), readable, and within Zoho's size and type rules. Returns each
/// with its name and length.
fn check_uploads(
    t: &Transport,
    a: &Attachments,
    files: &[PathBuf],
) -> Result<Vec<(PathBuf, String, u64)>, Failure> {
    let mut plan = Vec::with_capacity(files.len());
    for f in files {
        let local = |e: zoho_core::Error| Failure::usage(format!("{e}. Nothing was uploaded."));
        let len = zoho_fs::file_len(f).map_err(local)?;
        std::fs::File::open(f).map_err(|e| {
            Failure::usage(format!(
                "cannot read {}: {e}. Nothing was uploaded.",
                f.display()
            ))
        })?;
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        a.upload_op(&name, len)
            .request(&t.api_base())
            .map_err(|e| Failure::usage(format!("{}: {e}. Nothing was uploaded.", f.display())))?;
        plan.push((f.clone(), name, len));
    }
    Ok(plan)
}

/// A refused overwrite is a usage error with its fix.
fn refuse_overwrite(e: zoho_core::Error, dir: &Path) -> Failure {
    match e {
        zoho_core::Error::FileExists { path } => Failure::usage(format!(
            "{} already exists (in {}): pass --force to replace it.",
            path.file_name()
                .map_or(path.display(), |n| Path::new(n).display()),
            dir.display()
        )),
        e => Failure::from(e),
    }
}

fn photo(g: &Global, cmd: PhotoCmd) -> Result<(), Failure> {
    let t = transport(g)?;
    let handle = |module: &str, record: &str| -> Result<Photo, Failure> {
        let ops = zoho_core::ops::Photo::parse(settings::api(g)?, module, record)
            .map_err(|e| Failure::usage(format!("{e}.")))?;
        Ok(Photo::new(&t, ops))
    };
    match cmd {
        PhotoCmd::Upload {
            module,
            record_id,
            file,
        } => {
            handle(&module, &record_id)?.upload_file(&file)?;
            if g.json {
                out!("{}", json!({ "uploaded": file }));
            } else {
                out!("Uploaded {} as the photo of {record_id}.", file.display());
            }
        }
        PhotoCmd::Download {
            module,
            record_id,
            out,
            force,
        } => {
            interrupt::watch(out.parent().unwrap_or(Path::new(".")));
            let opts = DownloadOptions {
                overwrite: force,
                ..Default::default()
            };
            let got = handle(&module, &record_id)?
                .download_to_path(&out, &opts)
                .map_err(|e| refuse_overwrite(e, out.parent().unwrap_or(Path::new("."))))?;
            if g.json {
                out!(
                    "{}",
                    json!({ "path": got.path, "bytes": got.bytes, "content_type": got.head.content_type })
                );
            } else {
                out!(
                    "Downloaded the photo of {record_id} to {} ({} bytes).",
                    got.path.display(),
                    got.bytes
                );
            }
        }
        PhotoCmd::Delete { module, record_id } => {
            handle(&module, &record_id)?.delete()?;
            if g.json {
                out!("{}", json!({ "deleted": record_id }));
            } else {
                out!("Deleted the photo of {record_id}.");
            }
        }
    }
    Ok(())
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
