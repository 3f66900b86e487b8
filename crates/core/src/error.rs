//! The one error type of the SDK, and the input errors raised before anything is sent.

use std::fmt;

use bytes::Bytes;
use http::StatusCode;

use crate::api::Api;
use crate::api::Feature;

/// Everything that can go wrong. Secrets never appear in any variant's text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input, found before any byte was sent.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Zoho answered with its error envelope (`{code, details, message, status: "error"}`).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The accounts server refused a token request (often with HTTP 200).
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// An answer that is neither the expected success nor a Zoho error envelope, such as an HTML
    /// page from a proxy or a plain-text 502.
    #[error("unexpected answer: HTTP {status}{}{}", content_type_text(.content_type), snippet(.body))]
    UnexpectedResponse {
        /// HTTP status.
        status: StatusCode,
        /// The `Content-Type` header, if any.
        content_type: Option<String>,
        /// The raw body (bounded by the transport).
        body: Bytes,
    },
    /// A success answer whose JSON did not have the expected shape.
    #[error("could not read Zoho's answer (HTTP {status}) at `{path}`: {message}")]
    Decode {
        /// HTTP status.
        status: StatusCode,
        /// The JSON path where decoding failed, e.g. `data[0].details.id`.
        path: String,
        /// What was wrong there.
        message: String,
        /// The raw body, with token values redacted for answers of the accounts server.
        body: Bytes,
    },
    /// The server answered 204 No Content where a file was expected: the record has no photo, or
    /// the attachment id is not one of the record's.
    #[error("there is nothing to download: the server answered HTTP 204 No Content for {what}")]
    NoContent {
        /// What was asked for, e.g. `the record photo`.
        what: &'static str,
    },
    /// A streamed request body did not deliver what its plan promised.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// The server's paging cursor did not advance, which would loop forever.
    #[error("pagination stopped: the server returned the same {cursor} twice ({value})")]
    PaginationStalled {
        /// `page` or `page_token`.
        cursor: &'static str,
        /// The repeated value.
        value: String,
    },
    /// A download is larger than the cap the caller set.
    #[error("the download exceeds the {limit}-byte limit set for it")]
    DownloadTooLarge {
        /// The cap.
        limit: u64,
    },
    /// A local file or directory could not be used: it names the path and what was being done.
    #[error("could not {action} {}: {source}", path.display())]
    File {
        /// What was being done, e.g. `create a temporary file in`.
        action: &'static str,
        /// The file or directory.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A download's target exists and replacing it was not asked for; nothing was replaced.
    #[error("{} already exists: ask to overwrite it, or choose another name", path.display())]
    FileExists {
        /// The existing file.
        path: std::path::PathBuf,
    },
    /// The transport failed: it could not connect, timed out, or the connection broke; the
    /// [`TransportKind`] says which without downcasting.
    #[error("transport error: {0}")]
    Transport(#[source] TransportError),
}

impl Error {
    /// A transport failure of `kind`, over the HTTP client's error `source`.
    pub fn transport(
        kind: TransportKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Transport(TransportError {
            kind,
            source: source.into(),
        })
    }

    /// The kind of transport failure, if this is one.
    pub fn transport_kind(&self) -> Option<TransportKind> {
        match self {
            Error::Transport(t) => Some(t.kind),
            _ => None,
        }
    }

    /// True for a timeout (connecting, reading, or the whole call).
    pub fn is_timeout(&self) -> bool {
        self.transport_kind() == Some(TransportKind::Timeout)
    }

    /// True when the same call may succeed later unchanged: the network failed, Zoho was busy
    /// or rate-limited (429, 5xx, `TOO_MANY_REQUESTS`), or the accounts server refused more
    /// tokens for now (`Access Denied`). The SDK has already retried what it safely could; this
    /// says whether trying again later makes sense.
    pub fn is_retryable(&self) -> bool {
        let busy = |s: StatusCode| s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error();
        match self {
            Error::Transport(t) => t.kind != TransportKind::Other,
            Error::OAuth(o) => o.error == "Access Denied",
            Error::Api(a) => busy(a.status) || a.code == ErrorCode::TooManyRequests,
            Error::UnexpectedResponse { status, .. } => busy(*status),
            _ => false,
        }
    }

    /// True when what was asked for is not there: HTTP 404, or 204 No Content where a file was
    /// expected (no photo, or an attachment id that is not the record's).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NoContent { .. }) || self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// True for an authentication or authorization problem: a refused token request, an
    /// invalid or expired token, a missing scope or permission, or HTTP 401/403.
    pub fn is_auth(&self) -> bool {
        use ErrorCode as C;
        match self {
            Error::OAuth(_) => true,
            Error::Api(a) => {
                matches!(
                    a.code,
                    C::InvalidToken
                        | C::AuthenticationFailure
                        | C::OauthScopeMismatch
                        | C::NoPermission
                        | C::AuthorizationFailed
                ) || matches!(a.status.as_u16(), 401 | 403)
            }
            _ => matches!(self.status().map(|s| s.as_u16()), Some(401 | 403)),
        }
    }

    /// A local file error: `action` on `path` failed with `source`.
    pub fn file(
        action: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_owned();
        move |source| Error::File {
            action,
            path,
            source,
        }
    }

    /// The HTTP status of the answer that caused this error, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::UnexpectedResponse { status, .. } | Error::Decode { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// Zoho's error code, if this is a Zoho error envelope.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api(e) => Some(&e.code),
            _ => None,
        }
    }
}

/// What kind of transport failure an [`Error::Transport`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection: refused, unknown host, unreachable. Nothing reached the server.
    Connect,
    /// A connect, read or overall timeout.
    Timeout,
    /// The connection broke after the request went out, or a body ended short of its length.
    Cut,
    /// TLS failed (a refused certificate, the handshake): ureq says so, and the async
    /// transport finds rustls's error behind reqwest's. Nothing reached the server.
    Tls,
    /// Anything else.
    Other,
}

impl TransportKind {
    /// The kind of an I/O error met while reading an answer: a timeout, or a cut.
    pub fn of_read(e: &std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Self::Timeout,
            _ => Self::Cut,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Connect => "could not connect",
            Self::Timeout => "timed out",
            Self::Cut => "the connection was cut",
            Self::Tls => "TLS failed",
            Self::Other => "failed",
        }
    }
}

/// A transport failure: its kind, and the HTTP client's error underneath.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", kind.describe())]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportKind,
    /// The HTTP client's (or the operating system's) error.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

fn content_type_text(ct: &Option<String>) -> String {
    ct.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
}

fn snippet(body: &Bytes) -> String {
    if body.is_empty() {
        return String::from(" with an empty body");
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let more = if body.len() > 200 { "…" } else { "" };
    format!(": {}{more}", text.trim())
}

/// A Zoho error code. The documented ones are variants; anything else is kept as [`ErrorCode::Other`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum ErrorCode {
    InvalidToken,
    AuthenticationFailure,
    OauthScopeMismatch,
    InvalidModule,
    InvalidUrlPattern,
    InvalidRequestMethod,
    NoPermission,
    AuthorizationFailed,
    InvalidData,
    FileSizeMoreThanAllowedSize,
    RecordLocked,
    RequiredParamMissing,
    InvalidRequest,
    ApiNotSupported,
    TooManyRequests,
    LimitExceeded,
    LimitReached,
    InternalError,
    InternalServerError,
    NotAllowed,
    MandatoryNotFound,
    FailureInAttachmentHandling,
    VirusDetected,
    /// A code this SDK does not know, kept verbatim.
    Other(String),
}

const CODES: &[(ErrorCode, &str)] = &[
    (ErrorCode::InvalidToken, "INVALID_TOKEN"),
    (ErrorCode::AuthenticationFailure, "AUTHENTICATION_FAILURE"),
    (ErrorCode::OauthScopeMismatch, "OAUTH_SCOPE_MISMATCH"),
    (ErrorCode::InvalidModule, "INVALID_MODULE"),
    (ErrorCode::InvalidUrlPattern, "INVALID_URL_PATTERN"),
    (ErrorCode::InvalidRequestMethod, "INVALID_REQUEST_METHOD"),
    (ErrorCode::NoPermission, "NO_PERMISSION"),
    (ErrorCode::AuthorizationFailed, "AUTHORIZATION_FAILED"),
    (ErrorCode::InvalidData, "INVALID_DATA"),
    (
        ErrorCode::FileSizeMoreThanAllowedSize,
        "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
    ),
    (ErrorCode::RecordLocked, "RECORD_LOCKED"),
    (ErrorCode::RequiredParamMissing, "REQUIRED_PARAM_MISSING"),
    (ErrorCode::InvalidRequest, "INVALID_REQUEST"),
    (ErrorCode::ApiNotSupported, "API_NOT_SUPPORTED"),
    (ErrorCode::TooManyRequests, "TOO_MANY_REQUESTS"),
    (ErrorCode::LimitExceeded, "LIMIT_EXCEEDED"),
    (ErrorCode::LimitReached, "LIMIT_REACHED"),
    (ErrorCode::InternalError, "INTERNAL_ERROR"),
    (ErrorCode::InternalServerError, "INTERNAL_SERVER_ERROR"),
    (ErrorCode::NotAllowed, "NOT_ALLOWED"),
    (ErrorCode::MandatoryNotFound, "MANDATORY_NOT_FOUND"),
    (
        ErrorCode::FailureInAttachmentHandling,
        "failure_in_attachment_handling",
    ),
    (ErrorCode::VirusDetected, "VIRUS_DETECTED"),
];

impl ErrorCode {
    /// Reads a code as Zoho sends it.
    pub fn parse(code: &str) -> Self {
        CODES
            .iter()
            .find(|(_, s)| *s == code)
            .map(|(c, _)| c.clone())
            .unwrap_or_else(|| ErrorCode::Other(code.to_owned()))
    }

    /// The code as Zoho sends it.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::Other(s) => s,
            known => CODES
                .iter()
                .find(|(c, _)| c == known)
                .map(|(_, s)| *s)
                .unwrap_or("UNKNOWN"),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Zoho's error envelope: `{"code": ..., "details": {...}, "message": ..., "status": "error"}`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{code} (HTTP {status}): {message}{}{}", details_text(.details), scopes_text(.scopes_needed))]
pub struct ApiError {
    /// HTTP status of the answer.
    pub status: StatusCode,
    /// Zoho's code.
    pub code: ErrorCode,
    /// Zoho's message.
    pub message: String,
    /// Zoho's details object (`{}` when absent).
    pub details: serde_json::Value,
    /// For `OAUTH_SCOPE_MISMATCH`: the scopes the call needed ([`crate::scopes::needed`]).
    pub scopes_needed: Vec<String>,
}

impl ApiError {
    /// The field Zoho's details name (`api_name`), for an error about one field of a record,
    /// e.g. an unknown file id in a file-upload field.
    pub fn field(&self) -> Option<&str> {
        self.details
            .get("api_name")
            .and_then(serde_json::Value::as_str)
    }
}

fn scopes_text(scopes: &[String]) -> String {
    if scopes.is_empty() {
        return String::new();
    }
    format!(
        " — this call needs the scope(s) {}: log in again with a grant that includes them",
        scopes.join(", ")
    )
}

fn details_text(details: &serde_json::Value) -> String {
    match details {
        serde_json::Value::Object(m) if m.is_empty() => String::new(),
        serde_json::Value::Null => String::new(),
        other => format!(" {other}"),
    }
}

/// An error answer of the accounts server, e.g. `{"error":"invalid_client"}`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the Zoho accounts server refused the token request: {error}{}{}", description_text(.description), hint(.error, .accounts.as_ref()))]
pub struct OAuthError {
    /// HTTP status of the answer (Zoho often uses 200).
    pub status: StatusCode,
    /// The `error` value, e.g. `invalid_code`.
    pub error: String,
    /// The `error_description`, when given.
    pub description: Option<String>,
    /// The accounts server that answered (its data centre is named in the hint).
    pub accounts: Option<crate::BaseUrl>,
}

fn description_text(d: &Option<String>) -> String {
    d.as_deref().map(|d| format!(" ({d})")).unwrap_or_default()
}

fn hint(error: &str, accounts: Option<&crate::BaseUrl>) -> String {
    match error {
        "invalid_client" => {
            let dc = accounts
                .and_then(|a| crate::DataCenter::of_accounts_server(a.as_str()))
                .map_or_else(
                    || accounts.map_or_else(|| "the one asked".into(), |a| a.to_string()),
                    |dc| format!("{dc} ({})", dc.accounts_url()),
                );
            let all: Vec<&str> = crate::DataCenter::ALL.iter().map(|d| d.as_str()).collect();
            format!(
                " — either the account lives in another data centre than {dc}: choose the \
                 account's ({}); or this client is not enabled for that data centre in Zoho's \
                 API console (the client's Settings, Multi-DC). Check the client id and secret too",
                all.join(", ")
            )
        }
        "invalid_code" => {
            " — the grant code was already used or expired, or the refresh token was revoked".into()
        }
        "Access Denied" => {
            " — too many token requests; Zoho allows 10 per refresh token per 10 minutes".into()
        }
        _ => String::new(),
    }
}

/// A request body that did not match its plan.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// A source ended before its declared length (e.g. the file shrank while uploading).
    #[error("upload source {index} ended after {actual} of {expected} bytes")]
    SourceEnded {
        /// Which source of the plan.
        index: usize,
        /// Declared length.
        expected: u64,
        /// Bytes delivered before the end.
        actual: u64,
    },
    /// A source delivered more than its declared length (e.g. the file grew while uploading).
    #[error("upload source {index} is longer than its declared {expected} bytes")]
    SourceTooLong {
        /// Which source of the plan.
        index: usize,
        /// Declared length.
        expected: u64,
    },
    /// The plan names a source that was not supplied.
    #[error("upload source {index} was not supplied")]
    MissingSource {
        /// Which source of the plan.
        index: usize,
    },
}

impl BodyError {
    /// The body error somewhere in an HTTP client's error chain (a streamed body's reader fails
    /// with one, wrapped in `io::Error`s and the client's own errors), so that a broken source
    /// is reported as the caller's [`Error::Body`], not as the network's fault.
    pub fn find_in(e: &(dyn std::error::Error + 'static)) -> Option<BodyError> {
        find_source::<BodyError>(e).cloned()
    }
}

/// The first error of type `T` in `e`'s chain: `e` itself, its sources, and the errors that
/// `io::Error`s wrap (an `io::Error`'s `source` skips the error it wraps, and HTTP clients nest
/// them: hyper wraps rustls's refusal of a certificate in two).
pub fn find_source<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(t) = err.downcast_ref::<T>() {
            return Some(t);
        }
        next = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

/// Bad input, found before any byte is sent. Each variant names the problem and the fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A setting read from the environment is missing or not valid.
    #[error("{name} {why}")]
    Setting {
        /// The variable, e.g. `ZOHO_CLIENT_ID`.
        name: &'static str,
        /// What is wrong and how to fix it.
        why: String,
    },
    /// Not a valid id.
    #[error(
        "`{value}` is not a valid {kind}: expected Zoho's numeric id, e.g. 4150868000002728001"
    )]
    InvalidId {
        /// Which kind of id.
        kind: &'static str,
        /// The input (escaped, shortened).
        value: String,
    },
    /// Not a valid module API name.
    #[error(
        "`{value}` is not a valid module API name: use letters, digits and `_`, e.g. Leads or Price_Books"
    )]
    InvalidModule {
        /// The input (escaped, shortened).
        value: String,
    },
    /// The module does not support the operation in this API.
    #[error("module `{module}` does not support {feature} in {api} (supported: {supported})")]
    UnsupportedModule {
        /// The module.
        module: String,
        /// The operation family.
        feature: Feature,
        /// Product and version.
        api: Api,
        /// The modules that do.
        supported: String,
    },
    /// A parameter this API version does not have.
    #[error("`{param}` is not available in {api}: {why}")]
    UnsupportedParameter {
        /// The parameter.
        param: &'static str,
        /// Product and version.
        api: Api,
        /// What to do instead.
        why: &'static str,
    },
    /// A value out of its documented range.
    #[error("`{param}` is {value}, but it must be {range}")]
    OutOfRange {
        /// The parameter.
        param: &'static str,
        /// The value given.
        value: u64,
        /// The allowed range.
        range: &'static str,
    },
    /// A base URL that cannot be used.
    #[error("`{url}` cannot be used as a base URL: {why}")]
    InvalidBaseUrl {
        /// The input (escaped, shortened).
        url: String,
        /// Why not.
        why: &'static str,
    },
    /// An unknown data-centre name.
    #[error(
        "`{value}` is not a Zoho data centre: use one of us, eu, in, au, cn, jp, ca, sa (or a base URL)"
    )]
    UnknownDataCenter {
        /// The input (escaped, shortened).
        value: String,
    },
    /// A file over the size Zoho accepts.
    #[error("`{name}` is {size} bytes, over the {limit}-byte limit for {what}")]
    FileTooLarge {
        /// The file name.
        name: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
        /// What kind of upload.
        what: &'static str,
    },
    /// A file type Zoho refuses (`.exe` attachments).
    #[error("`{name}` cannot be uploaded: Zoho refuses `.{extension}` files as attachments")]
    BlockedFileType {
        /// The file name.
        name: String,
        /// The refused extension.
        extension: String,
    },
    /// A photo that is not PNG, JPEG, GIF or BMP.
    #[error("`{name}` cannot be a record photo: Zoho accepts PNG, JPEG, GIF and BMP images only")]
    UnsupportedImageType {
        /// The file name.
        name: String,
    },
    /// A file name that cannot be sent.
    #[error("`{name}` cannot be used as a file name: {why}")]
    InvalidFileName {
        /// The input (escaped, shortened).
        name: String,
        /// Why not.
        why: &'static str,
    },
    /// An empty list where at least one item is needed.
    #[error("{what} is empty: give at least one")]
    Empty {
        /// What was empty, e.g. `the list of attachment ids`.
        what: &'static str,
    },
    /// Any other invalid value.
    #[error("invalid {what}: `{value}` ({why})")]
    Invalid {
        /// What kind of value.
        what: &'static str,
        /// The input (escaped, shortened).
        value: String,
        /// Why it is invalid.
        why: &'static str,
    },
}

/// A bounded, escaped copy of user input for error messages.
pub(crate) fn printable(s: &str) -> String {
    let mut out: String = s.chars().take(64).flat_map(char::escape_debug).collect();
    if s.chars().count() > 64 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: ErrorCode) -> Error {
        Error::Api(ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
            code,
            message: String::new(),
            details: serde_json::Value::Null,
            scopes_needed: Vec::new(),
        })
    }

    fn oauth(error: &str) -> Error {
        Error::OAuth(OAuthError {
            status: StatusCode::OK,
            error: error.into(),
            description: None,
            accounts: None,
        })
    }

    #[test]
    fn helpers_sort_errors_without_matching_variants() {
        use ErrorCode as C;
        let timeout = Error::transport(TransportKind::Timeout, std::io::Error::other("slow"));
        let local = Error::transport(TransportKind::Other, std::io::Error::other("writer"));
        // (error, retryable, auth, not found, timeout)
        let table = [
            (api(429, C::TooManyRequests), true, false, false, false),
            (api(500, C::InternalError), true, false, false, false),
            (api(401, C::InvalidToken), false, true, false, false),
            (api(400, C::OauthScopeMismatch), false, true, false, false),
            (api(403, C::NoPermission), false, true, false, false),
            (api(404, C::InvalidUrlPattern), false, false, true, false),
            (api(400, C::InvalidData), false, false, false, false),
            (oauth("Access Denied"), true, true, false, false),
            (oauth("invalid_code"), false, true, false, false),
            (
                Error::NoContent {
                    what: "the record photo",
                },
                false,
                false,
                true,
                false,
            ),
            (timeout, true, false, false, true),
            (local, false, false, false, false),
            (
                Error::FileExists { path: "a".into() },
                false,
                false,
                false,
                false,
            ),
        ];
        for (e, retryable, auth, not_found, timeout) in table {
            let got = (
                e.is_retryable(),
                e.is_auth(),
                e.is_not_found(),
                e.is_timeout(),
            );
            assert_eq!(got, (retryable, auth, not_found, timeout), "{e:?}");
        }
    }

    #[test]
    fn a_transport_error_says_its_kind_and_keeps_its_source() {
        let e = Error::transport(TransportKind::Cut, std::io::Error::other("reset by peer"));
        assert_eq!(
            e.to_string(),
            "transport error: the connection was cut: reset by peer"
        );
        assert_eq!(e.transport_kind(), Some(TransportKind::Cut));
        let source = std::error::Error::source(&e).and_then(|s| s.source());
        assert_eq!(
            source.map(|s| s.to_string()).as_deref(),
            Some("reset by peer")
        );
    }

    #[test]
    fn codes_round_trip() {
        for (code, text) in CODES {
            assert_eq!(ErrorCode::parse(text), *code);
            assert_eq!(code.as_str(), *text);
        }
        assert_eq!(
            ErrorCode::parse("NEW_CODE"),
            ErrorCode::Other("NEW_CODE".into())
        );
        assert_eq!(ErrorCode::parse("NEW_CODE").as_str(), "NEW_CODE");
    }

    #[test]
    fn unexpected_response_text_is_bounded() {
        let e = Error::UnexpectedResponse {
            status: StatusCode::BAD_GATEWAY,
            content_type: Some("text/html".into()),
            body: Bytes::from("<html>\n".repeat(100)),
        };
        let text = e.to_string();
        assert!(text.starts_with("unexpected answer: HTTP 502 Bad Gateway (text/html): <html>"));
        assert!(text.len() < 260, "{}", text.len());
        assert!(!text.contains('\n'));
    }
}
