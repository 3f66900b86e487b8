//! Runs [`zoho_core`] operations on [ureq](https://docs.rs/ureq) 3, blocking.
//!
//! A [`Transport`] is a short driver of [`zoho_core::engine::Engine`], which decides every
//! call's tokens, refresh, replay and retries; the transport sends with ureq, reads, sleeps and
//! streams: a limit on calls in flight, connect/read/overall timeouts, no redirects, uploads
//! streamed from files or readers, downloads streamed to writers or files (a temporary file
//! renamed on success, and reset when a cut download is sent again).

mod gate;
mod handles;
mod local;
mod resolve;

use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zoho_core::bytes::Bytes;
use zoho_core::engine::{
    Begin, Engine, Finish, SendError, SendRequest, begin_download, small_download,
};
use zoho_core::http::{Request, Response};
use zoho_core::operation::{BodyDigest, CallTimeout, with_timeout};
use zoho_core::{
    BaseUrl, Body, Download, DownloadHead, Error, MultipartReader, Operation, TransportKind,
};

pub use handles::{AllAttachments, Attachments, FileStore, Pages, Photo, RecordFiles, Source};
pub use zoho_core;
use zoho_fs::TempFile;

/// Largest error or JSON answer read into memory.
const MAX_SMALL_BODY: u64 = 32 * 1024 * 1024;

/// How a [`Transport`] behaves (shared with the async transport).
pub type Config = zoho_core::ClientConfig;

impl Source {
    fn open(&self) -> Result<Box<dyn Read + Send + '_>, Error> {
        let open = |p: &Path| File::open(p).map_err(Error::file("read", p));
        Ok(match self {
            Source::Path(p) => Box::new(open(p)?),
            Source::PathWithProgress(p, report) => Box::new(Counting {
                inner: open(p)?,
                read: 0,
                report: Arc::clone(report),
            }),
            Source::Bytes(b) => Box::new(&b[..]),
            Source::Reader(m) => Box::new(Source::take_reader(m)?),
        })
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
        if n > 0 {
            self.read += n as u64;
            (self.report)(self.read);
        }
        Ok(n)
    }
}

pub use zoho_core::{DownloadOptions, DownloadedFile};

/// Executes zoho-core operations over ureq.
/// Cheap to clone: clones share one connection pool, token cache and limit on calls in flight.
#[derive(Clone)]
pub struct Transport(Arc<Shared>);

struct Shared {
    http: Ureq,
    engine: Engine,
    gate: gate::Gate,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("config", self.0.engine.config())
            .finish_non_exhaustive()
    }
}

pub(crate) fn transport_err(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::transport(TransportKind::Other, e)
}

impl Transport {
    /// A transport with this configuration, on a ureq agent of its own: no redirects, the
    /// configured timeouts and proxy ([`zoho_core::Proxy`]: the environment's by default), and
    /// rustls with the operating system's trusted roots (as the async transport).
    pub fn new(config: Config) -> Result<Self, Error> {
        let proxy = match &config.proxy {
            zoho_core::Proxy::Url(p) => Some(ureq::Proxy::new(p).map_err(transport_err)?),
            zoho_core::Proxy::Direct => None,
            _ => ureq::Proxy::try_from_env(),
        };
        let tls =
            ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::PlatformVerifier);
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_per_read(Some(config.read_timeout))
            .timeout_per_write(Some(config.read_timeout))
            .timeout_global(config.overall_timeout)
            // As many idle connections as calls may run at once (ureq keeps 3 per host by
            // default), so N calls at a time reuse N connections.
            .max_idle_connections_per_host(config.max_in_flight.max(1))
            .max_idle_connections(config.max_in_flight.max(1).max(10))
            .proxy(proxy)
            .tls_config(tls.build())
            .user_agent(config.user_agent.as_str())
            .build();
        let agent = ureq::Agent::with_parts(
            agent_config,
            ureq::unversioned::transport::DefaultConnector::default(),
            resolve::Resolve::default(),
        );
        Ok(Self::with_agent(config, Ureq(agent, None, None)))
    }

    /// A transport on your own ureq agent (a corporate proxy, your own roots or TLS settings).
    /// Each request still reads error bodies, refuses redirects and has `config.overall_timeout`;
    /// the connect and read timeouts, the proxy and the user agent are the agent's.
    pub fn with_ureq(config: Config, agent: ureq::Agent) -> Self {
        let overall = config.overall_timeout;
        Self::with_agent(config, Ureq(agent, Some(overall), None))
    }

    fn with_agent(config: Config, mut http: Ureq) -> Self {
        if log::log_enabled!(target: "ureq_proto", log::Level::Trace) {
            let why = "ureq_proto logs every byte on the wire at TRACE, the Authorization header \
                       and token answers included: keep the `ureq_proto` target at DEBUG or below";
            log::warn!(target: "zoho_blocking_transport", "{why}");
            tracing::warn!("{why}");
        }
        let gate = gate::Gate::new(config.max_in_flight.max(1));
        let engine = Engine::new(config);
        http.2 = engine.throttle().cloned();
        Self(Arc::new(Shared { http, gate, engine }))
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
    pub fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        self.execute_with(op, &[])
    }

    /// Runs an operation, filling its multipart sources from `sources` (in order).
    pub fn execute_with<O: Operation>(
        &self,
        op: &O,
        sources: &[Source],
    ) -> Result<O::Output, Error> {
        let _permit = self.0.gate.enter();
        self.0.engine.execute(&self.0.http, op, sources)
    }

    /// Streams a download into `out`; returns what the head said. A writer cannot be reset, so
    /// a download cut mid-body is not sent again here (it is with the `download_to_*` methods).
    pub fn download<D: Download>(
        &self,
        d: &D,
        out: &mut dyn Write,
        opts: &DownloadOptions<'_>,
    ) -> Result<(DownloadHead, u64), Error> {
        let (head, n, _) = self.download_into(d, Sink::Writer(out), opts)?;
        Ok((head, n))
    }

    /// The head, the bytes written and their digest (when `opts.sha256`).
    fn download_into<D: Download>(
        &self,
        d: &D,
        mut sink: Sink<'_>,
        opts: &DownloadOptions<'_>,
    ) -> Result<(DownloadHead, u64, Option<[u8; 32]>), Error> {
        let _permit = self.0.gate.enter();
        // Answers before the body (429, 503, 401) are sent again for any target; a body cut
        // part-way only when the target can be reset.
        let resettable = matches!(sink, Sink::File(..));
        let mut first = true;
        self.0.engine.run(
            &self.0.http,
            &|b| with_timeout(d.request(b), opts.timeout),
            true,
            true,
            &[],
            |answer| {
                let begun = begin_download(d, answer, opts.max_bytes)?;
                if !std::mem::replace(&mut first, false) {
                    tracing::info!("the download was cut; starting again from byte 0");
                    sink.reset()?;
                }
                match begun {
                    Begin::Stream(head, body) => {
                        sink.refuse_existing(&head)?;
                        let body =
                            Throttled(body.into_reader(), self.0.engine.throttle().map(|t| &**t));
                        let copied = copy_body(body, &mut sink, opts.length_of(&head), opts);
                        let (n, sha) =
                            copied.map_err(|f| if resettable { f } else { f.no_retry() })?;
                        Ok((head, n, sha))
                    }
                    Begin::ReadWhole(r) => {
                        let (head, bytes) = small_download(d, read_whole(r)?, opts.max_bytes)?;
                        sink.refuse_existing(&head)?;
                        // Written as a streamed body is (progress and digest too), as the
                        // async transport does.
                        let len = Some(bytes.len() as u64);
                        let (n, sha) = copy_body(&bytes[..], &mut sink, len, opts)?;
                        Ok((head, n, sha))
                    }
                }
            },
        )
    }

    /// Downloads into a temporary file beside `beside`, emptied for a new attempt (a cut
    /// download is sent again from byte 0). `refuse` names the target a head points to, to
    /// stop before the body when it exists.
    pub(crate) fn download_to_temp<D: Download>(
        &self,
        d: &D,
        beside: &Path,
        refuse: Option<&(dyn Fn(&DownloadHead) -> PathBuf + Sync)>,
        opts: &DownloadOptions<'_>,
    ) -> Result<Temp, Error> {
        let (tmp, mut file) = TempFile::create_beside(beside)?;
        let sink = Sink::File(&mut file, tmp.path(), refuse);
        let (head, n, sha256) = self.download_into(d, sink, opts)?;
        if opts.sync {
            file.sync_all().map_err(Error::file("write", tmp.path()))?;
        }
        Ok((tmp, head, n, sha256))
    }

    /// Sends a token request (an authorization-code exchange, say) with this transport's agent
    /// and reads the answer; the transport's own token is untouched.
    pub fn request_token(
        &self,
        req: &zoho_core::auth::TokenRequest,
    ) -> Result<zoho_core::auth::Token, Error> {
        self.0.engine.request_token(&self.0.http, req)
    }

    /// The token the next call will use (minted only when none is valid), for its expiry and
    /// API base; [`zoho_core::engine::Ready`] shows no secret in `Debug`.
    pub fn token_status(&self) -> Result<zoho_core::engine::Ready, Error> {
        self.0.engine.token_status(&self.0.http)
    }

    /// Revokes a refresh token (and the access tokens minted from it).
    pub fn revoke(&self, req: &zoho_core::auth::RevokeRequest) -> Result<(), Error> {
        self.0.engine.revoke(&self.0.http, req)
    }
}

/// Where a download goes: a caller's writer, or a temporary file that can be reset for a new
/// attempt (with, for a download into a directory, the target a head names, refused if it
/// exists).
enum Sink<'a> {
    Writer(&'a mut dyn Write),
    File(
        &'a mut File,
        &'a Path,
        Option<&'a (dyn Fn(&DownloadHead) -> PathBuf + Sync)>,
    ),
}

impl Sink<'_> {
    /// Stops a download into a directory before its body when the file it names exists.
    fn refuse_existing(&self, head: &DownloadHead) -> Result<(), Error> {
        match self {
            Sink::File(_, _, Some(name)) => zoho_fs::refuse_existing(&name(head)),
            _ => Ok(()),
        }
    }

    fn reset(&mut self) -> Result<(), Finish> {
        match self {
            Sink::File(f, path, _) => f
                .set_len(0)
                .and_then(|()| f.rewind())
                .map_err(|e| Finish::Fail(Error::file("reset", path)(e))),
            Sink::Writer(_) => Err(Finish::Fail(transport_err(io::Error::other(
                "a writer cannot be reset for a new attempt",
            )))),
        }
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Writer(w) => w.write(buf),
            Sink::File(f, ..) => f.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Writer(w) => w.flush(),
            Sink::File(f, ..) => f.flush(),
        }
    }
}

/// ureq as the engine's sender; for an agent handed in, the overall timeout to set on each
/// request along with the settings the engine needs.
struct Ureq(
    ureq::Agent,
    Option<Option<std::time::Duration>>,
    Option<Arc<zoho_core::engine::Throttle>>,
);

impl Ureq {
    fn run(
        &self,
        req: Request<impl ureq::AsSendBody>,
    ) -> Result<Response<ureq::Body>, ureq::Error> {
        let call = req.extensions().get::<CallTimeout>().map(|t| Some(t.0));
        let req = match (self.1, call) {
            (None, None) => return self.0.run(req),
            (None, Some(t)) => self.0.configure_request(req).timeout_global(t),
            (Some(overall), call) => {
                let req = self.0.configure_request(req).http_status_as_error(false);
                let req = req.max_redirects(0).max_redirects_will_error(false);
                req.timeout_global(call.unwrap_or(overall))
            }
        };
        self.0.run(req.build())
    }
}

impl SendRequest<Source> for Ureq {
    type Body = ureq::Body;

    fn send(
        &self,
        req: Request<Body>,
        sources: &[Source],
    ) -> Result<Response<ureq::Body>, SendError> {
        let (parts, body) = req.into_parts();
        let result = match body {
            Body::Empty => self.run(Request::from_parts(parts, ())),
            Body::Bytes(b) => self.run(Request::from_parts(parts, b.to_vec())),
            Body::Multipart(plan) => {
                let mut readers = Vec::with_capacity(sources.len());
                for s in sources {
                    readers.push(s.open().map_err(SendError::Local)?);
                }
                plan.check_sources(readers.len())
                    .map_err(SendError::Local)?;
                let reader = MultipartReader::new(&plan, readers);
                let mut reader = Throttled(reader, self.2.as_deref());
                self.run(Request::from_parts(
                    parts,
                    ureq::SendBody::from_reader(&mut reader),
                ))
            }
        };
        result.map_err(classify)
    }

    fn read_whole(&self, resp: Response<ureq::Body>) -> Result<Response<Bytes>, SendError> {
        read_whole(resp)
    }

    fn rewindable(&self, sources: &[Source]) -> bool {
        sources.iter().all(Source::rewindable)
    }
}

fn classify(e: ureq::Error) -> SendError {
    use TransportKind::{Connect, Other, Timeout, Tls};
    use ureq::Timeout as T;
    // A body source that broke its plan is the caller's problem, not the network's. (ureq's
    // `Io` does not name its error as a source.)
    let found = match &e {
        ureq::Error::Io(io) => zoho_core::BodyError::find_in(io),
        other => zoho_core::BodyError::find_in(other),
    };
    if let Some(b) = found {
        return SendError::Local(Error::Body(b));
    }
    let kind = match &e {
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => Connect,
        ureq::Error::Timeout(_) => Timeout,
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused => Connect,
        // A refused certificate or a failed handshake, which ureq hands on as I/O.
        #[cfg(feature = "rustls")]
        ureq::Error::Io(io) if zoho_core::error::find_source::<rustls::Error>(io).is_some() => Tls,
        ureq::Error::Io(io) => TransportKind::of_read(io),
        ureq::Error::Tls(_) => Tls,
        #[cfg(feature = "rustls")]
        ureq::Error::Rustls(_) => Tls,
        _ => Other,
    };
    match e {
        ureq::Error::Timeout(T::Connect | T::Resolve) => {
            SendError::Connect(Error::transport(kind, e))
        }
        e if kind == Connect => SendError::Connect(Error::transport(kind, e)),
        e => SendError::AfterSend(Error::transport(kind, e)),
    }
}

fn read_whole(resp: Response<ureq::Body>) -> Result<Response<Bytes>, SendError> {
    let (parts, body) = resp.into_parts();
    let mut buf = Vec::new();
    body.into_with_config()
        .limit(MAX_SMALL_BODY)
        .reader()
        .read_to_end(&mut buf)
        .map_err(|e| SendError::AfterSend(Error::transport(TransportKind::of_read(&e), e)))?;
    Ok(Response::from_parts(parts, Bytes::from(buf)))
}

fn check_cap(n: u64, opts: &DownloadOptions<'_>) -> Result<(), Error> {
    zoho_core::operation::check_download_size(n, opts.max_bytes)
}

/// A body read at the client's bandwidth budget, if it has one: each piece read waits for
/// the time the pieces before it (of every transfer) booked.
struct Throttled<'t, R>(R, Option<&'t zoho_core::engine::Throttle>);

impl<R: Read> Read for Throttled<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        if let Some(t) = self.1 {
            let wait = t.take(n as u64, std::time::Instant::now());
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
        }
        Ok(n)
    }
}

/// The largest copy buffer of a download.
const COPY_BUF: usize = 256 * 1024;

/// Copies a body (and its digest, when `opts.sha256`): a read that fails, or a body shorter
/// than declared, is a cut (sent again when the target can be reset); a write that fails, or a
/// body over the cap, is not.
fn copy_body(
    mut r: impl Read,
    out: &mut dyn Write,
    total: Option<u64>,
    opts: &DownloadOptions<'_>,
) -> Result<(u64, Option<[u8; 32]>), Finish> {
    // 256 KiB, or less for a body known to be smaller: a small file need not zero and touch
    // 256 KiB, in each of up to `max_in_flight` threads (a 10-way backup of 2 KiB files).
    let size = total.map_or(COPY_BUF, |t| {
        usize::try_from(t).map_or(COPY_BUF, |t| t.clamp(8 * 1024, COPY_BUF))
    });
    let mut buf = vec![0u8; size];
    let mut n = 0u64;
    let mut digest = BodyDigest::new(opts);
    if let Some(p) = opts.progress {
        p(0, total);
    }
    loop {
        let k = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Finish::Cut(Error::transport(TransportKind::of_read(&e), e))),
        };
        n += k as u64;
        check_cap(n, opts)?;
        out.write_all(&buf[..k]).map_err(transport_err)?;
        digest.update(&buf[..k]);
        if let Some(p) = opts.progress {
            p(n, total);
        }
    }
    zoho_core::operation::check_download_complete(n, total).map_err(Finish::Cut)?;
    Ok((n, digest.finish()))
}

/// A download in its temporary file: the file, the head, the bytes written and their digest.
type Temp = (TempFile, DownloadHead, u64, Option<[u8; 32]>);
