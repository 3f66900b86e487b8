//! Runs [`zoho_core`] operations on [ureq](https://docs.rs/ureq) 3, blocking.
//!
//! A [`Transport`] owns the HTTP agent, the credentials and the token, and gives every call the
//! same treatment: a limit on calls in flight, a fresh token (one refresh for all threads, ahead
//! of expiry, and once more on `401 INVALID_TOKEN` with one replay), retries as
//! [`zoho_core::retry::decide`] says, connect/read/overall timeouts, no redirects, uploads
//! streamed from files or readers, downloads streamed to writers or files (a temporary file
//! renamed on success), and a `tracing` span per attempt with no secret in it.

mod gate;
mod handles;
mod tokens;

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Instant, SystemTime};

use zoho_core::auth::authorize;
use zoho_core::bytes::Bytes;
use zoho_core::http::{Request, Response};
use zoho_core::retry::{self, Attempt, Decision, Failure};
use zoho_core::{
    BaseUrl, Body, Download, DownloadHead, DownloadStart, Error, MultipartReader, Operation,
};

pub use handles::{Attachments, FileStore, Photo};
pub use zoho_core;
pub use zoho_token_store;

/// Largest error or JSON answer read into memory.
const MAX_SMALL_BODY: u64 = 32 * 1024 * 1024;

/// How a [`Transport`] behaves (shared with the async transport).
pub type Config = zoho_core::ClientConfig;

/// Bytes for a multipart source slot.
pub enum Source {
    /// A file, opened (again for each retry) when sent.
    Path(PathBuf),
    /// Bytes in memory.
    Bytes(Bytes),
    /// A reader, read once: a call using it is not retried after it was sent.
    Reader(Mutex<Option<Box<dyn Read + Send>>>),
    /// A file, like `Path`, that reports the bytes read so far (from 0 again on a retry).
    PathWithProgress(PathBuf, Arc<dyn Fn(u64) + Send + Sync>),
}

impl Source {
    /// A one-shot reader source.
    pub fn reader(r: impl Read + Send + 'static) -> Self {
        Source::Reader(Mutex::new(Some(Box::new(r))))
    }

    fn rewindable(&self) -> bool {
        !matches!(self, Source::Reader(_))
    }

    fn open(&self) -> io::Result<Box<dyn Read + Send + '_>> {
        match self {
            Source::Path(p) => Ok(Box::new(File::open(p)?)),
            Source::PathWithProgress(p, report) => Ok(Box::new(Counting {
                inner: File::open(p)?,
                read: 0,
                report: Arc::clone(report),
            })),
            Source::Bytes(b) => Ok(Box::new(&b[..])),
            Source::Reader(m) => m
                .lock()
                .map_err(|_| io::Error::other("reader lock poisoned"))?
                .take()
                .map(|r| Box::new(r) as Box<dyn Read + Send>)
                .ok_or_else(|| io::Error::other("this upload's reader was already consumed")),
        }
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Path(p) | Source::PathWithProgress(p, _) => {
                write!(f, "Source::Path({})", p.display())
            }
            Source::Bytes(b) => write!(f, "Source::Bytes({} bytes)", b.len()),
            Source::Reader(_) => f.write_str("Source::Reader"),
        }
    }
}

/// A reader that reports how much it has read.
struct Counting<R> {
    inner: R,
    read: u64,
    report: Arc<dyn Fn(u64) + Send + Sync>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        (self.report)(self.read);
        Ok(n)
    }
}

pub use zoho_core::{DownloadOptions, DownloadedFile};

/// What came back from one exchange.
enum Answer {
    /// A 2xx answer whose body is still on the wire.
    Streaming(Response<ureq::Body>),
    /// Any other answer, read whole (bounded).
    Whole(Response<Bytes>),
}

/// Executes zoho-core operations over ureq.
pub struct Transport {
    agent: ureq::Agent,
    config: Config,
    tokens: tokens::Tokens,
    api_base: RwLock<BaseUrl>,
    gate: gate::Gate,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

pub(crate) fn transport_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Transport(Box::new(e))
}

impl Transport {
    /// A transport with this configuration.
    pub fn new(config: Config) -> Result<Self, Error> {
        let proxy = match &config.proxy {
            Some(p) => Some(ureq::Proxy::new(p).map_err(transport_err)?),
            None => None,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_per_read(Some(config.read_timeout))
            .timeout_per_write(Some(config.read_timeout))
            .timeout_global(config.overall_timeout)
            .proxy(proxy)
            .user_agent(config.user_agent.as_str())
            .build()
            .into();
        Ok(Self {
            agent,
            tokens: tokens::Tokens::new(&config),
            api_base: RwLock::new(config.endpoints.api.clone()),
            gate: gate::Gate::new(config.max_in_flight.max(1)),
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The API base currently used (a token's `api_domain` may have replaced the configured one).
    pub fn api_base(&self) -> BaseUrl {
        self.api_base
            .read()
            .map_or_else(|p| p.into_inner().clone(), |b| b.clone())
    }

    /// Runs an operation whose request has no caller-supplied sources.
    pub fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        self.execute_with(op, &[])
    }

    /// Runs an operation, filling its multipart sources from `sources` (in order).
    pub fn execute_with<O: Operation>(
        &self,
        op: &O,
        sources: &[Source],
    ) -> Result<O::Output, Error> {
        let resp = match self.exchange(|b| op.request(b), op.idempotent(), sources)? {
            Answer::Whole(r) => r,
            Answer::Streaming(r) => read_whole(r)?,
        };
        op.response(resp)
    }

    /// Streams a download into `out`; returns what the head said.
    pub fn download<D: Download>(
        &self,
        d: &D,
        out: &mut dyn Write,
        opts: &DownloadOptions<'_>,
    ) -> Result<(DownloadHead, u64), Error> {
        let resp = match self.exchange(|b| d.request(b), true, &[])? {
            Answer::Whole(r) => {
                return Err(d
                    .small_body(r)
                    .err()
                    .unwrap_or_else(|| Error::NoContent { what: d.what() }));
            }
            Answer::Streaming(r) => r,
        };
        let (parts, body) = resp.into_parts();
        match d.start(&parts)? {
            DownloadStart::Stream(head) => {
                let n = copy_body(body.into_reader(), out, head.content_length, opts)?;
                Ok((head, n))
            }
            DownloadStart::ReadBody => {
                let whole = read_whole(Response::from_parts(parts, body))?;
                let (head, bytes) = d.small_body(whole)?;
                check_cap(bytes.len() as u64, opts)?;
                out.write_all(&bytes).map_err(transport_err)?;
                Ok((head, bytes.len() as u64))
            }
        }
    }

    /// Downloads to exactly `path`, through a temporary file beside it that is renamed on
    /// success and removed on failure, so `path` never holds a partial file.
    pub fn download_to_path<D: Download>(
        &self,
        d: &D,
        path: &Path,
        opts: &DownloadOptions<'_>,
    ) -> Result<DownloadedFile, Error> {
        let tmp = zoho_core::disposition::temp_path_beside(path);
        let result = (|| {
            let (head, bytes) = self.download_to_temp(d, &tmp, opts)?;
            std::fs::rename(&tmp, path).map_err(transport_err)?;
            Ok(DownloadedFile {
                path: path.to_owned(),
                bytes,
                head,
            })
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Downloads into directory `dir` under the server's file name made safe
    /// ([`DownloadHead::safe_file_name`]), or `fallback_name`. Refuses to replace an existing
    /// file unless `overwrite`.
    pub fn download_to_dir<D: Download>(
        &self,
        d: &D,
        dir: &Path,
        fallback_name: &str,
        overwrite: bool,
        opts: &DownloadOptions<'_>,
    ) -> Result<DownloadedFile, Error> {
        let tmp = zoho_core::disposition::temp_path_beside(&dir.join(fallback_name));
        let result = (|| {
            let (head, bytes) = self.download_to_temp(d, &tmp, opts)?;
            let path = dir.join(head.safe_file_name(fallback_name));
            if !overwrite && path.exists() {
                return Err(transport_err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists; pass overwrite to replace it", path.display()),
                )));
            }
            std::fs::rename(&tmp, &path).map_err(transport_err)?;
            Ok(DownloadedFile { path, bytes, head })
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Downloads into the temporary file `tmp` (synced when asked).
    fn download_to_temp<D: Download>(
        &self,
        d: &D,
        tmp: &Path,
        opts: &DownloadOptions<'_>,
    ) -> Result<(DownloadHead, u64), Error> {
        let mut file = File::create(tmp).map_err(transport_err)?;
        let out = self.download(d, &mut file, opts)?;
        if opts.sync {
            file.sync_all().map_err(transport_err)?;
        }
        Ok(out)
    }

    /// One call with its retries and its token refresh.
    fn exchange(
        &self,
        build: impl Fn(&BaseUrl) -> Result<Request<Body>, Error>,
        idempotent: bool,
        sources: &[Source],
    ) -> Result<Answer, Error> {
        let _permit = self.gate.enter();
        let started = Instant::now();
        let rewindable = sources.iter().all(Source::rewindable);
        let mut replayed = false;
        let mut number = 0;
        loop {
            number += 1;
            let mut req = build(&self.api_base())?;
            let token = self.tokens.current(self)?;
            authorize(&mut req, &token)?;
            let span = tracing::info_span!(
                "zoho.request",
                method = %req.method(),
                path = %req.uri().path(),
                attempt = number,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            let _entered = span.enter();
            let t0 = Instant::now();
            let sent = self.send(req, sources);
            span.record("duration_ms", t0.elapsed().as_millis() as u64);
            let attempt = Attempt {
                number,
                elapsed: started.elapsed(),
                idempotent,
                rewindable,
                now: SystemTime::now(),
                jitter: retry::jitter(),
            };
            let (kind, error) = match sent {
                Err(SendError::Fatal(e)) => return Err(e),
                Err(SendError::Connect(e)) => (Failure::Connect, e),
                Err(SendError::AfterSend(e)) => (Failure::AfterSend, e),
                Ok(resp) => {
                    let status = resp.status();
                    span.record("status", status.as_u16());
                    if status.is_success() {
                        return Ok(Answer::Streaming(resp));
                    }
                    let whole = read_whole(resp)?;
                    if zoho_core::response::is_invalid_token(&whole) && !replayed && rewindable {
                        replayed = true;
                        tracing::info!("access token refused; refreshing once and replaying");
                        self.tokens.refresh_after_rejection(self, &token)?;
                        continue;
                    }
                    let headers = whole.headers().clone();
                    match retry::decide(
                        &self.config.retry,
                        Failure::Status(status, &headers),
                        attempt,
                    ) {
                        Decision::RetryAfter(d) => {
                            tracing::info!(
                                status = status.as_u16(),
                                wait_ms = d.as_millis() as u64,
                                "retrying"
                            );
                            std::thread::sleep(d);
                            continue;
                        }
                        Decision::Stop => return Ok(Answer::Whole(whole)),
                    }
                }
            };
            match retry::decide(&self.config.retry, kind, attempt) {
                Decision::RetryAfter(d) => {
                    tracing::info!(
                        wait_ms = d.as_millis() as u64,
                        "connection failed; retrying"
                    );
                    std::thread::sleep(d);
                }
                Decision::Stop => return Err(error),
            }
        }
    }

    /// Sends one request.
    fn send(
        &self,
        req: Request<Body>,
        sources: &[Source],
    ) -> Result<Response<ureq::Body>, SendError> {
        let (parts, body) = req.into_parts();
        let result = match body {
            Body::Empty => self.agent.run(Request::from_parts(parts, ())),
            Body::Bytes(b) => self.agent.run(Request::from_parts(parts, b.to_vec())),
            Body::Multipart(plan) => {
                let mut readers = Vec::with_capacity(sources.len());
                for s in sources {
                    readers.push(s.open().map_err(|e| SendError::Fatal(transport_err(e)))?);
                }
                if readers.len() != plan.source_count() {
                    return Err(SendError::Fatal(Error::Body(
                        zoho_core::BodyError::MissingSource {
                            index: readers.len(),
                        },
                    )));
                }
                let mut reader = MultipartReader::new(&plan, readers);
                self.agent.run(Request::from_parts(
                    parts,
                    ureq::SendBody::from_reader(&mut reader),
                ))
            }
        };
        result.map_err(classify)
    }

    /// Sends a token request (an authorization-code exchange, say) with this transport's agent
    /// and reads the answer; the transport's own token is untouched.
    pub fn request_token(
        &self,
        req: &zoho_core::auth::TokenRequest,
    ) -> Result<zoho_core::auth::Token, Error> {
        let resp = match self.send(req.request()?, &[]) {
            Ok(r) => read_whole(r)?,
            Err(SendError::Fatal(e) | SendError::Connect(e) | SendError::AfterSend(e)) => {
                return Err(e);
            }
        };
        req.response(resp, SystemTime::now())
    }

    /// Revokes a refresh token (and the access tokens minted from it).
    pub fn revoke(&self, req: &zoho_core::auth::RevokeRequest) -> Result<(), Error> {
        let resp = match self.send(req.request()?, &[]) {
            Ok(r) => read_whole(r)?,
            Err(SendError::Fatal(e) | SendError::Connect(e) | SendError::AfterSend(e)) => {
                return Err(e);
            }
        };
        req.response(resp)
    }

    /// Fetches a token from the accounts server, with this transport's agent (same timeouts,
    /// proxy and TLS as API calls).
    fn fetch_token(
        &self,
        req: &zoho_core::auth::TokenRequest,
    ) -> Result<zoho_core::auth::Token, Error> {
        let http_req = req.request()?;
        let resp = match self.send(http_req, &[]) {
            Ok(r) => read_whole(r)?,
            Err(SendError::Fatal(e) | SendError::Connect(e) | SendError::AfterSend(e)) => {
                return Err(e);
            }
        };
        let token = req.response(resp, SystemTime::now())?;
        if !self.config.fixed_api_base
            && let Some(domain) = &token.api_domain
            && let Ok(mut base) = self.api_base.write()
        {
            *base = domain.clone();
        }
        Ok(token)
    }
}

enum SendError {
    /// Nothing was sent.
    Connect(Error),
    /// The connection failed after (part of) the request was sent.
    AfterSend(Error),
    /// Not a network failure (a source could not be opened, a bad body).
    Fatal(Error),
}

fn classify(e: ureq::Error) -> SendError {
    use ureq::Timeout;
    match e {
        ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::Timeout(Timeout::Connect | Timeout::Resolve) => {
            SendError::Connect(transport_err(e))
        }
        ureq::Error::Io(io) => {
            // A body source that broke its plan is the caller's problem, not the network's.
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<zoho_core::BodyError>())
            {
                let inner = io
                    .into_inner()
                    .and_then(|b| b.downcast::<zoho_core::BodyError>().ok());
                return SendError::Fatal(inner.map_or_else(
                    || transport_err(io::Error::other("upload source failed")),
                    |b| Error::Body(*b),
                ));
            }
            if io.kind() == io::ErrorKind::ConnectionRefused {
                SendError::Connect(transport_err(io))
            } else {
                SendError::AfterSend(transport_err(io))
            }
        }
        other => SendError::AfterSend(transport_err(other)),
    }
}

fn read_whole(resp: Response<ureq::Body>) -> Result<Response<Bytes>, Error> {
    let (parts, body) = resp.into_parts();
    let mut buf = Vec::new();
    body.into_with_config()
        .limit(MAX_SMALL_BODY)
        .reader()
        .read_to_end(&mut buf)
        .map_err(transport_err)?;
    Ok(Response::from_parts(parts, Bytes::from(buf)))
}

fn check_cap(n: u64, opts: &DownloadOptions<'_>) -> Result<(), Error> {
    zoho_core::operation::check_download_size(n, opts.max_bytes)
}

fn copy_body(
    mut r: impl Read,
    out: &mut dyn Write,
    total: Option<u64>,
    opts: &DownloadOptions<'_>,
) -> Result<u64, Error> {
    if let Some(t) = total {
        check_cap(t, opts)?;
    }
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(transport_err(e)),
        };
        n += k as u64;
        check_cap(n, opts)?;
        out.write_all(&buf[..k]).map_err(transport_err)?;
        if let Some(p) = opts.progress {
            p(n, total);
        }
    }
    zoho_core::operation::check_download_complete(n, total)?;
    Ok(n)
}
