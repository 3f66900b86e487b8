//! Runs [`zoho_core`] operations on [reqwest](https://docs.rs/reqwest) 0.13 (tokio).
//!
//! A [`Transport`] is a short driver of [`zoho_core::engine::Engine`], as the blocking transport
//! is, with the same decisions on tokens, refresh, replay and retries; it sends with reqwest,
//! reads, sleeps on tokio's timer and streams: a limit on calls in flight, connect/read/overall
//! timeouts, no redirects, uploads streamed from files or readers, downloads streamed to writers
//! or files (a temporary file renamed on success, and made anew when a cut download is sent
//! again).

mod body;
mod download;
mod handles;
mod local;
#[cfg(feature = "rustls")]
mod tls;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use zoho_core::bytes::Bytes;
use zoho_core::engine::{AsyncSendRequest, BoxFuture, Engine, SendError};
use zoho_core::http::{Request, Response};
use zoho_core::operation::CallTimeout;
use zoho_core::{BaseUrl, Body, Error, Operation, TransportKind};

pub use handles::{AllAttachments, Attachments, FileStore, Pages, Photo, RecordFiles, Source};
pub use zoho_core;

/// How a [`Transport`] behaves (shared with the blocking transport).
pub type Config = zoho_core::ClientConfig;

/// Largest error or JSON answer read into memory.
const MAX_SMALL_BODY: usize = 32 * 1024 * 1024;

impl Source {
    async fn open(&self) -> Result<body::Opened, Error> {
        let (path, report) = match self {
            Source::Path(p) => (p, None),
            Source::PathWithProgress(p, report) => (p, Some(Arc::clone(report))),
            Source::Bytes(b) => return Ok(body::Opened::Bytes(Some(b.clone()))),
            Source::Reader(m) => return Source::take_reader(m).map(body::Opened::Reader),
        };
        let path = path.clone();
        let open = move || std::fs::File::open(&path).map_err(Error::file("read", &path));
        let file = local::blocking(open).await?;
        Ok(body::Opened::read_ahead(file, report))
    }
}

pub use zoho_core::{DownloadOptions, DownloadedFile};

pub(crate) fn transport_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::transport(TransportKind::Other, e)
}

/// A reqwest failure, by kind (a timeout, no connection, TLS, or a connection broken later).
pub(crate) fn net_err(e: reqwest::Error) -> Error {
    #[cfg(feature = "rustls")]
    if let Some(tls) = tls::cause(&e) {
        return Error::transport(TransportKind::Tls, tls);
    }
    let kind = match (e.is_timeout(), e.is_connect()) {
        (true, _) => TransportKind::Timeout,
        (false, true) => TransportKind::Connect,
        (false, false) => TransportKind::Cut,
    };
    Error::transport(kind, e)
}

/// Executes zoho-core operations over reqwest.
/// Cheap to clone: clones share one connection pool, token cache and limit on calls in flight.
#[derive(Clone)]
pub struct Transport(Arc<Shared>);

struct Shared {
    http: Reqwest,
    engine: Engine,
    gate: tokio::sync::Semaphore,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("config", self.0.engine.config())
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport with this configuration, on a reqwest client of its own: no redirects, the
    /// configured timeouts and proxy ([`zoho_core::Proxy`]: the environment's by default), and
    /// rustls with the operating system's trusted roots, read once per process at the first
    /// `https` handshake (so making a transport, or calling `http://`, never reads them).
    pub fn new(config: Config) -> Result<Self, Error> {
        let b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .user_agent(config.user_agent.clone());
        #[cfg(feature = "rustls")]
        let b = b.tls_backend_preconfigured(tls::config().map_err(transport_err)?);
        let b = match &config.proxy {
            zoho_core::Proxy::Direct => b.no_proxy(),
            zoho_core::Proxy::Url(p) => b.proxy(reqwest::Proxy::all(p).map_err(transport_err)?),
            _ => b, // reqwest reads the environment itself
        };
        Ok(Self::with_client(
            config,
            b.build().map_err(transport_err)?,
            true,
        ))
    }

    /// A transport on your own reqwest client (a corporate proxy, your own roots or TLS
    /// settings). `config.overall_timeout` is set on every request; the connect and read
    /// timeouts, the proxy and the user agent are the client's. An answer your client reached
    /// by following a redirect is refused (`Error::Transport`): build it with
    /// `redirect(reqwest::redirect::Policy::none())`.
    pub fn with_reqwest(config: Config, client: reqwest::Client) -> Self {
        Self::with_client(config, client, false)
    }

    fn with_client(config: Config, client: reqwest::Client, own: bool) -> Self {
        let overall = config.overall_timeout;
        let gate = tokio::sync::Semaphore::new(config.max_in_flight.max(1));
        let engine = Engine::new(config);
        let throttle = engine.throttle().cloned();
        Self(Arc::new(Shared {
            http: Reqwest(client, overall, own, throttle),
            gate,
            engine,
        }))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        self.0.engine.config()
    }

    /// The API base of the latest call (a token's `api_domain` may have replaced the configured
    /// one, within the data centre).
    pub fn api_base(&self) -> BaseUrl {
        self.0.engine.api_base()
    }

    /// The API credits left today, as Zoho's latest answer that said so gave them
    /// (`X-API-CREDITS-REMAINING`, sent by CRM v8 once half the day's credits are used).
    pub fn credits_remaining(&self) -> Option<u64> {
        self.0.engine.credits_remaining()
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
        let _permit = self.0.gate.acquire().await.map_err(transport_err)?;
        self.0.engine.execute_async(&self.0.http, op, sources).await
    }

    /// Sends a token request (an authorization-code exchange, say) with this transport's client
    /// and reads the answer; the transport's own token is untouched.
    pub async fn request_token(
        &self,
        req: &zoho_core::auth::TokenRequest,
    ) -> Result<zoho_core::auth::Token, Error> {
        self.0.engine.request_token_async(&self.0.http, req).await
    }

    /// The token the next call will use (minted only when none is valid), for its expiry and
    /// API base; [`zoho_core::engine::Ready`] shows no secret in `Debug`.
    pub async fn token_status(&self) -> Result<zoho_core::engine::Ready, Error> {
        self.0.engine.token_status_async(&self.0.http).await
    }

    /// Revokes a refresh token (and the access tokens minted from it).
    pub async fn revoke(&self, req: &zoho_core::auth::RevokeRequest) -> Result<(), Error> {
        self.0.engine.revoke_async(&self.0.http, req).await
    }
}

/// reqwest as the engine's sender: the client, the overall timeout of each request, and
/// whether the client is ours (built with redirects off).
struct Reqwest(
    reqwest::Client,
    Option<Duration>,
    bool,
    Option<Arc<zoho_core::engine::Throttle>>,
);

impl AsyncSendRequest<Source> for Reqwest {
    type Body = reqwest::Response;

    fn send<'a>(
        &'a self,
        req: Request<Body>,
        sources: &'a [Source],
    ) -> BoxFuture<'a, Result<Response<reqwest::Response>, SendError>> {
        Box::pin(async move {
            let timeout = req.extensions().get::<CallTimeout>().map(|t| t.0);
            let (parts, body) = req.into_parts();
            let body = match body {
                Body::Empty => reqwest::Body::from(Vec::new()),
                Body::Bytes(b) => reqwest::Body::from(b),
                Body::Multipart(plan) => {
                    let mut readers = Vec::with_capacity(sources.len());
                    for s in sources {
                        readers.push(s.open().await.map_err(SendError::Local)?);
                    }
                    plan.check_sources(readers.len())
                        .map_err(SendError::Local)?;
                    let stream = body::stream(&plan, readers);
                    reqwest::Body::wrap_stream(body::throttled(stream, self.3.clone()))
                }
            };
            let req = reqwest::Request::try_from(Request::from_parts(parts, body))
                .map_err(|e| SendError::Local(transport_err(e)))?;
            let (url, mut req) = ((!self.2).then(|| req.url().clone()), req);
            if let Some(t) = timeout.or(self.1) {
                *req.timeout_mut() = Some(t);
            }
            let resp = self.0.execute(req).await.map_err(classify)?;
            if url.is_some_and(|u| u != *resp.url()) {
                let why =
                    "the HTTP client followed a redirect: build it with redirect::Policy::none()";
                return Err(SendError::Local(transport_err(io::Error::other(why))));
            }
            let head = head_of(&resp);
            Ok(Response::from_parts(head, resp))
        })
    }

    fn read_whole(
        &self,
        resp: Response<reqwest::Response>,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        Box::pin(read_whole(resp.into_body()))
    }

    fn rewindable(&self, sources: &[Source]) -> bool {
        sources.iter().all(Source::rewindable)
    }

    fn sleep(&self, d: Duration) -> BoxFuture<'_, ()> {
        Box::pin(tokio::time::sleep(d))
    }
}

fn classify(e: reqwest::Error) -> SendError {
    match zoho_core::BodyError::find_in(&e) {
        Some(b) => SendError::Local(Error::Body(b)),
        None if e.is_connect() => SendError::Connect(net_err(e)),
        None => SendError::AfterSend(net_err(e)),
    }
}

fn head_of(resp: &reqwest::Response) -> zoho_core::http::response::Parts {
    let mut r = Response::new(());
    *r.status_mut() = resp.status();
    *r.headers_mut() = resp.headers().clone();
    r.into_parts().0
}

async fn read_whole(resp: reqwest::Response) -> Result<Response<Bytes>, SendError> {
    let parts = head_of(&resp);
    let mut buf = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| SendError::AfterSend(net_err(e)))?;
        if buf.len() + chunk.len() > MAX_SMALL_BODY {
            return Err(SendError::Local(transport_err(io::Error::other(
                "the answer is larger than 32 MiB",
            ))));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Response::from_parts(parts, Bytes::from(buf)))
}
