//! Runs [`zoho_core`] operations on [reqwest](https://docs.rs/reqwest) 0.13 (tokio).
//!
//! The same treatment as the blocking transport, with async I/O: a limit on calls in flight, one
//! token refresh in flight for all tasks (ahead of expiry, and once on `401 INVALID_TOKEN` with
//! one replay), retries as [`zoho_core::retry::decide`] says, connect/read/overall timeouts, no
//! redirects, uploads streamed from files or readers, downloads streamed to writers or files (a
//! temporary file renamed on success), and a `tracing` span per attempt with no secret in it.

mod body;
mod download;
mod handles;
mod tokens;

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Instant, SystemTime};

use futures_util::StreamExt;
use tokio::io::AsyncRead;
use tracing::Instrument;
use zoho_core::auth::authorize;
use zoho_core::bytes::Bytes;
use zoho_core::http::{Request, Response};
use zoho_core::retry::{self, Attempt, Decision, Failure};
use zoho_core::{BaseUrl, Body, Error, Operation};

pub use handles::{AllAttachments, Attachments, FileStore, Photo};
pub use zoho_core;

/// How a [`Transport`] behaves (shared with the blocking transport).
pub type Config = zoho_core::ClientConfig;

/// Largest error or JSON answer read into memory.
const MAX_SMALL_BODY: usize = 32 * 1024 * 1024;

/// Bytes for a multipart source slot.
pub enum Source {
    /// A file, opened (again for each retry) when sent.
    Path(PathBuf),
    /// Bytes in memory.
    Bytes(Bytes),
    /// A reader, read once: a call using it is not retried after it was sent.
    Reader(Mutex<Option<body::Reader>>),
    /// A file, like `Path`, that reports the bytes read so far (from 0 again on a retry). It is
    /// called from the thread that reads the file, at most 1 MiB ahead of the network.
    PathWithProgress(PathBuf, Arc<dyn Fn(u64) + Send + Sync>),
}

impl Source {
    /// A one-shot reader source.
    pub fn reader(r: impl AsyncRead + Send + 'static) -> Self {
        Source::Reader(Mutex::new(Some(Box::pin(r))))
    }

    fn rewindable(&self) -> bool {
        !matches!(self, Source::Reader(_))
    }

    async fn open(&self) -> io::Result<body::Opened> {
        match self {
            Source::Path(p) => Ok(body::Opened::read_ahead(
                tokio::fs::File::open(p).await?.into_std().await,
                None,
            )),
            Source::PathWithProgress(p, report) => Ok(body::Opened::read_ahead(
                tokio::fs::File::open(p).await?.into_std().await,
                Some(Arc::clone(report)),
            )),
            Source::Bytes(b) => Ok(body::Opened::Bytes(Some(b.clone()))),
            Source::Reader(m) => m
                .lock()
                .map_err(|_| io::Error::other("reader lock poisoned"))?
                .take()
                .map(body::Opened::Reader)
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

pub use zoho_core::{DownloadOptions, DownloadedFile};

enum Answer {
    Streaming(reqwest::Response),
    Whole(Response<Bytes>),
}

enum SendError {
    Connect(Error),
    AfterSend(Error),
    Fatal(Error),
}

pub(crate) fn transport_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Transport(Box::new(e))
}

/// Executes zoho-core operations over reqwest.
pub struct Transport {
    http: reqwest::Client,
    config: Config,
    tokens: tokens::Tokens,
    api_base: RwLock<BaseUrl>,
    gate: tokio::sync::Semaphore,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport with this configuration.
    pub fn new(config: Config) -> Result<Self, Error> {
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .user_agent(config.user_agent.clone())
            .no_proxy();
        if let Some(t) = config.overall_timeout {
            b = b.timeout(t);
        }
        if let Some(p) = &config.proxy {
            b = b.proxy(reqwest::Proxy::all(p).map_err(transport_err)?);
        }
        Ok(Self {
            http: b.build().map_err(transport_err)?,
            tokens: tokens::Tokens::default(),
            api_base: RwLock::new(config.endpoints.api.clone()),
            gate: tokio::sync::Semaphore::new(config.max_in_flight.max(1)),
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
    pub async fn execute<O: Operation + Sync>(&self, op: &O) -> Result<O::Output, Error> {
        self.execute_with(op, &[]).await
    }

    /// Runs an operation, filling its multipart sources from `sources` (in order).
    pub async fn execute_with<O: Operation + Sync>(
        &self,
        op: &O,
        sources: &[Source],
    ) -> Result<O::Output, Error> {
        let resp = match self
            .exchange(&|b| op.request(b), op.idempotent(), sources)
            .await?
        {
            Answer::Whole(r) => r,
            Answer::Streaming(r) => read_whole(r).await?,
        };
        op.response(resp)
    }

    /// One call with its retries and its token refresh.
    async fn exchange(
        &self,
        build: &(dyn Fn(&BaseUrl) -> Result<Request<Body>, Error> + Sync),
        idempotent: bool,
        sources: &[Source],
    ) -> Result<Answer, Error> {
        let _permit = self.gate.acquire().await.map_err(transport_err)?;
        let started = Instant::now();
        let rewindable = sources.iter().all(Source::rewindable);
        let mut replayed = false;
        let mut number = 0;
        loop {
            number += 1;
            let mut req = build(&self.api_base())?;
            let token = self.tokens.current(self).await?;
            authorize(&mut req, &token)?;
            let span = tracing::info_span!(
                "zoho.request",
                method = %req.method(),
                path = %req.uri().path(),
                attempt = number,
                status = tracing::field::Empty,
                duration_ms = tracing::field::Empty,
            );
            let t0 = Instant::now();
            let sent = self.send(req, sources).instrument(span.clone()).await;
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
                    let whole = read_whole(resp).await?;
                    if zoho_core::response::is_invalid_token(&whole) && !replayed && rewindable {
                        replayed = true;
                        span.in_scope(|| {
                            tracing::info!("access token refused; refreshing once and replaying")
                        });
                        self.tokens.refresh_after_rejection(self, &token).await?;
                        continue;
                    }
                    let headers = whole.headers().clone();
                    match retry::decide(
                        &self.config.retry,
                        Failure::Status(status, &headers),
                        attempt,
                    ) {
                        Decision::RetryAfter(d) => {
                            span.in_scope(|| {
                                tracing::info!(
                                    status = status.as_u16(),
                                    wait_ms = d.as_millis() as u64,
                                    "retrying"
                                )
                            });
                            tokio::time::sleep(d).await;
                            continue;
                        }
                        Decision::Stop => return Ok(Answer::Whole(whole)),
                    }
                }
            };
            match retry::decide(&self.config.retry, kind, attempt) {
                Decision::RetryAfter(d) => {
                    span.in_scope(|| {
                        tracing::info!(
                            wait_ms = d.as_millis() as u64,
                            "connection failed; retrying"
                        )
                    });
                    tokio::time::sleep(d).await;
                }
                Decision::Stop => return Err(error),
            }
        }
    }

    async fn send(
        &self,
        req: Request<Body>,
        sources: &[Source],
    ) -> Result<reqwest::Response, SendError> {
        let (parts, body) = req.into_parts();
        let body = match body {
            Body::Empty => reqwest::Body::from(Vec::new()),
            Body::Bytes(b) => reqwest::Body::from(b),
            Body::Multipart(plan) => {
                let mut readers = Vec::with_capacity(sources.len());
                for s in sources {
                    readers.push(
                        s.open()
                            .await
                            .map_err(|e| SendError::Fatal(transport_err(e)))?,
                    );
                }
                if readers.len() != plan.source_count() {
                    return Err(SendError::Fatal(Error::Body(
                        zoho_core::BodyError::MissingSource {
                            index: readers.len(),
                        },
                    )));
                }
                reqwest::Body::wrap_stream(body::stream(&plan, readers))
            }
        };
        let req = reqwest::Request::try_from(Request::from_parts(parts, body))
            .map_err(|e| SendError::Fatal(transport_err(e)))?;
        self.http.execute(req).await.map_err(classify)
    }

    /// Fetches a token from the accounts server with this transport's client (same timeouts,
    /// proxy and TLS as API calls).
    async fn fetch_token(
        &self,
        req: &zoho_core::auth::TokenRequest,
    ) -> Result<zoho_core::auth::Token, Error> {
        let resp = match self.send(req.request()?, &[]).await {
            Ok(r) => read_whole(r).await?,
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

fn classify(e: reqwest::Error) -> SendError {
    // A body source that broke its plan is the caller's problem, not the network's.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = source {
        if let Some(b) = s.downcast_ref::<zoho_core::BodyError>() {
            return SendError::Fatal(transport_err(io::Error::other(b.to_string())));
        }
        source = s.source();
    }
    if e.is_connect() {
        SendError::Connect(transport_err(e))
    } else {
        SendError::AfterSend(transport_err(e))
    }
}

fn head_of(resp: &reqwest::Response) -> zoho_core::http::response::Parts {
    let mut r = Response::new(());
    *r.status_mut() = resp.status();
    *r.headers_mut() = resp.headers().clone();
    r.into_parts().0
}

async fn read_whole(resp: reqwest::Response) -> Result<Response<Bytes>, Error> {
    let parts = head_of(&resp);
    let mut buf = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(transport_err)?;
        if buf.len() + chunk.len() > MAX_SMALL_BODY {
            return Err(transport_err(io::Error::other(
                "the answer is larger than 32 MiB",
            )));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Response::from_parts(parts, Bytes::from(buf)))
}
