//! Errors as one sentence naming the cause and the fix, and the exit codes.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | Zoho refused the request, or answered unexpectedly |
//! | 2 | bad usage or input, found before anything was sent |
//! | 3 | authentication: no credentials, a refused token or grant, a missing scope |
//! | 4 | the network or a local file failed |
//! | 5 | partly done: some items failed (they are listed) |
//! | 130 | interrupted (Ctrl-C, SIGTERM): temporary files removed, manifests consistent |
//! | 141 | stdout was closed (`zoho … \| head -1`), as a shell reports a command SIGPIPE ended |

use zoho_core::{Error, ErrorCode};

/// A failure to report and exit with.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

pub const API: u8 = 1;
pub const USAGE: u8 = 2;
pub const AUTH: u8 = 3;
pub const NETWORK: u8 = 4;
pub const PARTIAL: u8 = 5;
pub const INTERRUPTED: u8 = 130;
pub const CLOSED: u8 = 141;

/// Writes one line to stdout. A closed stdout (`zoho … | head -1`) is no error to report: the
/// command stops quietly with [`CLOSED`], its cleanup done as for any failure.
pub fn print_line(args: std::fmt::Arguments<'_>) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Failure {
            message: String::new(),
            code: CLOSED,
        }),
        Err(e) => Err(Failure::io("cannot write to stdout", e)),
    }
}

/// `println!` that ends the command quietly when stdout is closed (see [`print_line`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::fail::print_line(format_args!($($arg)*))?
    };
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: USAGE,
        }
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: AUTH,
        }
    }

    pub fn partial(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: PARTIAL,
        }
    }

    pub fn io(what: &str, e: std::io::Error) -> Self {
        Self {
            message: format!("{what}: {e}"),
            code: NETWORK,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let (message, code) = match &e {
            Error::Input(i) => (format!("{i}."), USAGE),
            Error::OAuth(o) => {
                let m = match o.error.as_str() {
                    "invalid_client" => {
                        let asked = o.accounts.as_ref().map_or_else(|| "the accounts server".to_owned(), ToString::to_string);
                        format!("{asked} does not know this client (invalid_client): the account lives in another data centre (pass --dc with the account's: us, eu, in, au, cn, jp, ca, sa, uk), or this client is not enabled for this data centre in Zoho's API console (the client's Settings, Multi-DC); check the client id and secret too.")
                    }
                    "invalid_code" => "The grant code or refresh token was refused (invalid_code): grant codes work once and for a few minutes, so create a new one on Zoho's self-client page and run `zoho auth login` again.".to_owned(),
                    "Access Denied" => "Too many token requests (Access Denied): Zoho allows 10 access tokens per refresh token every 10 minutes, so wait a few minutes and try again.".to_owned(),
                    _ => format!("The accounts server refused the token request ({}): run `zoho auth login` again.", o.error),
                };
                (m, AUTH)
            }
            Error::Api(a) => match &a.code {
                ErrorCode::InvalidToken => ("Zoho refused the access token (INVALID_TOKEN): run `zoho auth login` again, and check --dc, since a token from one data centre is invalid in another.".to_owned(), AUTH),
                ErrorCode::AuthenticationFailure => ("Zoho could not authenticate the request (AUTHENTICATION_FAILURE): run `zoho auth login` again.".to_owned(), AUTH),
                ErrorCode::OauthScopeMismatch => {
                    let needed = if a.scopes_needed.is_empty() { "the module's and the attachments scopes".to_owned() } else { a.scopes_needed.join(", ") };
                    (format!("The token lacks the scope for this operation (OAUTH_SCOPE_MISMATCH): it needs {needed}. Log in again with a grant that includes them (`zoho auth scopes` prints the string, `zoho auth url` the consent page)."), AUTH)
                }
                ErrorCode::FileSizeMoreThanAllowedSize => ("The file is larger than Zoho accepts (FILE_SIZE_MORE_THAN_ALLOWED_SIZE): attachments may be up to 100 MB, photos up to 10 MB.".to_owned(), API),
                ErrorCode::TooManyRequests => ("Zoho's API limit was reached (TOO_MANY_REQUESTS) and the retries did not get through: try again later, or lower --concurrency.".to_owned(), API),
                ErrorCode::InvalidModule => (format!("Zoho does not know this module here: {a}. Check the module's API name and --product."), API),
                ErrorCode::RecordLocked => ("The record is locked (RECORD_LOCKED): wait until it is unlocked, then try again.".to_owned(), API),
                _ => (format!("Zoho refused the request: {a}."), API),
            },
            Error::File { .. } => (format!("{e}."), NETWORK),
            Error::FileExists { path } => (format!("{} already exists: pass --force to replace it.", path.display()), USAGE),
            Error::Transport(t) => (format!("Could not complete the transfer: {t}. Check the network, --dc and --base-url."), NETWORK),
            other => (format!("{other}."), API),
        };
        Self { message, code }
    }
}
