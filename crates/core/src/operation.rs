//! The operation traits: a small value that becomes an `http::Request` and reads the answer.

use bytes::Bytes;
use http::response::Parts;
use http::{HeaderValue, Method, Request, Response, StatusCode, Uri, header};

use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::disposition;
use crate::error::Error;
use crate::response;

/// An API call whose whole answer is read into memory (JSON answers are small).
///
/// A transport calls [`request`](Operation::request), adds the `Authorization` header (see
/// [`crate::auth::authorize`]), sends it, reads the answer and passes it to
/// [`response`](Operation::response). Nothing here does I/O.
pub trait Operation {
    /// What a successful call yields.
    type Output;

    /// Builds the request against `base`. Fails on bad input before anything is sent.
    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error>;

    /// Reads the answer.
    fn response(&self, resp: Response<Bytes>) -> Result<Self::Output, Error>;

    /// True when sending the request twice has the effect of sending it once (GET, DELETE), so
    /// that it may be retried after a failure in which the server may have processed it.
    fn idempotent(&self) -> bool;
}

/// An API call whose successful answer is a file, streamed by the transport.
///
/// The transport sends [`request`](Download::request), then passes the answer's head to
/// [`start`](Download::start): on [`DownloadStart::Stream`] it streams the body to its
/// destination; on [`DownloadStart::ReadBody`] it reads the (small, bounded) body and passes the
/// whole answer to [`small_body`](Download::small_body), which yields the error it stands for,
/// or the file when it was a small JSON file after all.
pub trait Download {
    /// Builds the request against `base`. Fails on bad input before anything is sent.
    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error>;

    /// What is downloaded, for messages: e.g. `the record photo`.
    fn what(&self) -> &'static str;

    /// Decides from the head alone whether the body is the file.
    fn start(&self, head: &Parts) -> Result<DownloadStart, Error> {
        download_start(head, self.what())
    }

    /// Reads a body that [`start`](Download::start) asked to see.
    fn small_body(&self, resp: Response<Bytes>) -> Result<(DownloadHead, Bytes), Error> {
        let (parts, body) = resp.into_parts();
        let resp = Response::from_parts(parts, body);
        if resp.status().is_success()
            && !matches!(response::error_from(&resp), Error::Api(_))
            && serde_json::from_slice::<serde_json::Value>(resp.body()).is_ok()
        {
            // A 2xx JSON body that is not an error envelope is the file itself.
            let (parts, body) = resp.into_parts();
            return Ok((DownloadHead::from_parts(&parts), body));
        }
        Err(response::error_from(&resp))
    }
}

/// What to do with a download's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownloadStart {
    /// The body is the file: stream it.
    Stream(DownloadHead),
    /// The body is probably an error: read it (bounded) and call [`Download::small_body`].
    ReadBody,
}

/// What the answer's head says about a downloaded file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadHead {
    /// The name from `Content-Disposition`, decoded but not yet safe as a path.
    pub file_name: Option<String>,
    /// The `Content-Type` media type, lower-cased.
    pub content_type: Option<String>,
    /// The `Content-Length`, when given.
    pub content_length: Option<u64>,
}

impl DownloadHead {
    /// Reads the head of an answer.
    pub fn from_parts(parts: &Parts) -> Self {
        Self {
            file_name: parts
                .headers
                .get(header::CONTENT_DISPOSITION)
                .and_then(|v| disposition::file_name(v.as_bytes())),
            content_type: response::media_type(&parts.headers),
            content_length: parts
                .headers
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok()),
        }
    }

    /// A name safe to create inside a directory of the caller's choosing (see
    /// [`disposition::safe_file_name`]), or `fallback`.
    pub fn safe_file_name(&self, fallback: &str) -> String {
        disposition::safe_file_name(self.file_name.as_deref().unwrap_or_default(), fallback)
    }
}

fn download_start(head: &Parts, what: &'static str) -> Result<DownloadStart, Error> {
    let status = head.status;
    if status == StatusCode::NO_CONTENT {
        return Err(Error::NoContent { what });
    }
    if !status.is_success() {
        return Ok(DownloadStart::ReadBody);
    }
    let json = response::is_json(response::media_type(&head.headers).as_deref());
    let named = head.headers.contains_key(header::CONTENT_DISPOSITION);
    if json && !named {
        Ok(DownloadStart::ReadBody)
    } else {
        Ok(DownloadStart::Stream(DownloadHead::from_parts(head)))
    }
}

/// Assembles a request with the headers every operation needs: `Content-Type` for multipart
/// bodies and `Content-Length` whenever the method carries a body.
pub(crate) fn build(method: Method, uri: Uri, body: Body) -> Result<Request<Body>, Error> {
    let content_type = match &body {
        Body::Multipart(m) => Some(m.content_type()),
        _ => None,
    };
    let len = body.len();
    let sends_length = len > 0 || method == Method::POST || method == Method::PUT;
    let mut req = Request::new(body);
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    if let Some(ct) = content_type {
        // A checked boundary only holds header-safe characters.
        let ct = HeaderValue::try_from(ct).map_err(|_| crate::error::InputError::Invalid {
            what: "multipart boundary",
            value: String::new(),
            why: "not a valid header value",
        })?;
        req.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    if sends_length {
        req.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    Ok(req)
}

/// Fails with [`Error::DownloadTooLarge`] when `n` bytes exceed `limit`; transports call it with
/// the declared length first and with the running count as bytes arrive.
pub fn check_download_size(n: u64, limit: Option<u64>) -> Result<(), Error> {
    match limit {
        Some(limit) if n > limit => Err(Error::DownloadTooLarge { limit }),
        _ => Ok(()),
    }
}

/// Fails when a body that declared `total` bytes ended after `n`: a connection cut short of
/// its Content-Length, reported as an [`Error::Transport`] of kind
/// [`TransportKind::Cut`](crate::TransportKind::Cut) (over an `UnexpectedEof` I/O error).
pub fn check_download_complete(n: u64, total: Option<u64>) -> Result<(), Error> {
    match total {
        Some(t) if n != t => Err(Error::transport(
            crate::TransportKind::Cut,
            std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("the download ended after {n} bytes where {t} were expected"),
            ),
        )),
        _ => Ok(()),
    }
}

/// A longest time for each attempt of one call, in a request's extensions: the transports use
/// it instead of `ClientConfig::overall_timeout` (a long transfer, say).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallTimeout(pub std::time::Duration);

/// `req` with `timeout`, if any, as its [`CallTimeout`].
pub fn with_timeout(
    req: Result<Request<Body>, Error>,
    timeout: Option<std::time::Duration>,
) -> Result<Request<Body>, Error> {
    let mut req = req?;
    if let Some(t) = timeout {
        req.extensions_mut().insert(CallTimeout(t));
    }
    Ok(req)
}

/// An operation whose requests carry a [`CallTimeout`] (none: the configured one).
#[derive(Debug)]
pub struct Timed<'a, O>(pub &'a O, pub Option<std::time::Duration>);

impl<O: Operation> Operation for Timed<'_, O> {
    type Output = O::Output;
    fn request(&self, base: &BaseUrl) -> Result<Request<Body>, Error> {
        with_timeout(self.0.request(base), self.1)
    }
    fn response(&self, resp: Response<Bytes>) -> Result<Self::Output, Error> {
        self.0.response(resp)
    }
    fn idempotent(&self) -> bool {
        self.0.idempotent()
    }
}

/// Options of an upload, for any transport.
#[derive(Clone, Default)]
pub struct UploadOptions {
    /// Called with (bytes read so far, the file's length) as the file is read (from 0 again on
    /// a retry), on the thread that reads the file.
    pub progress: Option<std::sync::Arc<dyn Fn(u64, u64) + Send + Sync>>,
    /// The longest time for each attempt, instead of `ClientConfig::overall_timeout`.
    pub timeout: Option<std::time::Duration>,
    /// The name the file goes up under, instead of its own (a restore giving back the name a
    /// backup stored under another).
    pub file_name: Option<String>,
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("progress", &self.progress.is_some())
            .field("timeout", &self.timeout)
            .field("file_name", &self.file_name)
            .finish()
    }
}

/// Options of a download, for any transport.
#[derive(Default)]
pub struct DownloadOptions<'a> {
    /// Fail when the file is larger than this.
    pub max_bytes: Option<u64>,
    /// Flush the file to disk before it takes its final name (`fsync`), so that it survives a
    /// power loss too. Off by default, as in curl: a failed or interrupted download never
    /// leaves a partial file under the target name either way.
    pub sync: bool,
    /// Called with (bytes so far, total when known) as the body arrives.
    pub progress: Option<&'a (dyn Fn(u64, Option<u64>) + Send + Sync)>,
    /// Replace an existing file at the target. Off by default: an existing file is refused
    /// (`Error::FileExists`) before its body is fetched, and never replaced at the end.
    pub overwrite: bool,
    /// The longest time for each attempt, instead of `ClientConfig::overall_timeout` (a large
    /// file over a slow line, say).
    pub timeout: Option<std::time::Duration>,
    /// The size the file should have (an attachment list's `Size`): an answer without
    /// `Content-Length` whose body ends at another size is a cut download (retried where it can
    /// be, never kept under the target name), as one short of its `Content-Length` is.
    pub expected_len: Option<u64>,
    /// Compute the SHA-256 of the body as it is written ([`DownloadedFile::sha256`]), so a
    /// backup need not read the file back. For a retried download, of the attempt kept.
    pub sha256: bool,
}

impl DownloadOptions<'_> {
    /// The length a body must have: its `Content-Length`, else [`Self::expected_len`].
    pub fn length_of(&self, head: &DownloadHead) -> Option<u64> {
        head.content_length.or(self.expected_len)
    }
}

impl std::fmt::Debug for DownloadOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("max_bytes", &self.max_bytes)
            .field("sync", &self.sync)
            .field("expected_len", &self.expected_len)
            .field("progress", &self.progress.is_some())
            .field("overwrite", &self.overwrite)
            .field("timeout", &self.timeout)
            .field("sha256", &self.sha256)
            .finish()
    }
}

/// A finished download to a file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadedFile {
    /// Where it is.
    pub path: std::path::PathBuf,
    /// Bytes written.
    pub bytes: u64,
    /// What the answer's head said.
    pub head: DownloadHead,
    /// The SHA-256 of the bytes written, when [`DownloadOptions::sha256`] asked for it.
    pub sha256: Option<[u8; 32]>,
}

impl DownloadedFile {
    /// What a transport made: the file at `path`, its length and digest, and the head.
    pub fn new(
        path: std::path::PathBuf,
        bytes: u64,
        sha256: Option<[u8; 32]>,
        head: DownloadHead,
    ) -> Self {
        Self {
            path,
            bytes,
            head,
            sha256,
        }
    }

    /// [`Self::sha256`] as lower-case hex, the form `sha256sum` prints.
    pub fn sha256_hex(&self) -> Option<String> {
        use std::fmt::Write;
        self.sha256.map(|d| {
            d.iter().fold(String::with_capacity(64), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            })
        })
    }
}

/// The running SHA-256 of one attempt's body, when [`DownloadOptions::sha256`] asks for one:
/// both transports feed it every chunk they write, and start a new one for a new attempt.
#[derive(Clone, Debug, Default)]
pub struct BodyDigest(Option<sha2::Sha256>);

impl BodyDigest {
    /// A digest when `opts` asks for one, else one that does nothing.
    pub fn new(opts: &DownloadOptions<'_>) -> Self {
        Self(opts.sha256.then(<sha2::Sha256 as sha2::Digest>::new))
    }

    /// Adds the next bytes of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        if let Some(h) = &mut self.0 {
            sha2::Digest::update(h, chunk);
        }
    }

    /// The digest of everything added, if one was asked for.
    pub fn finish(self) -> Option<[u8; 32]> {
        self.0.map(|h| sha2::Digest::finalize(h).into())
    }
}
