//! The drivers of the engine, generic over how a request is sent: the one loop that steps a
//! [`Call`] and a [`TokenCache`] for every transport, the built-in ones and yours. This is the
//! one module of the core that reads the clock and waits (a blocking sleep, or the sender's
//! async sleep); it opens no file and no socket: the sender does.
//!
//! A sender is any [`SendRequest`] (blocking) or [`AsyncSendRequest`] (async), and every closure
//! `Fn(Request<Body>, &[S]) -> Result<Response<Bytes>, SendError>` is one, so a closure is a
//! whole client with refresh, replay and retries behind it.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{Request, Response};

use super::call::{Call, Clock, Next, Outcome};
use super::tokens::{Ready, TokenCache, TokenStep};
use crate::auth::{RevokeRequest, Secret, Token, TokenRequest, authorize};
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::config::ClientConfig;
use crate::error::Error;
use crate::operation::{Download, DownloadHead, DownloadStart, Operation, check_download_complete};
use crate::retry;

/// Why a request got no answer.
#[derive(Debug)]
pub enum SendError {
    /// Nothing was sent (DNS, refused, TLS handshake): safe to send again.
    Connect(Error),
    /// The connection failed after (part of) the request went out.
    AfterSend(Error),
    /// A local problem (a source that cannot be opened, a request the sender cannot express).
    Local(Error),
}

impl SendError {
    fn outcome(&self) -> Outcome<'static> {
        match self {
            SendError::Connect(_) => Outcome::Connect,
            SendError::AfterSend(_) => Outcome::AfterSend,
            SendError::Local(_) => Outcome::Local,
        }
    }

    /// The error, whatever the kind.
    pub fn into_error(self) -> Error {
        match self {
            SendError::Connect(e) | SendError::AfterSend(e) | SendError::Local(e) => e,
        }
    }
}

/// What an exchange gave back.
#[derive(Debug)]
pub enum Answer<B> {
    /// A 2xx answer whose body is still the sender's (on the wire, for a streaming sender).
    Success(Response<B>),
    /// Any other answer, read whole.
    Whole(Response<Bytes>),
}

/// What reading an answer ended in, for [`Engine::run`].
#[derive(Debug)]
pub enum Finish {
    /// The body was cut on the way (the network, or fewer bytes than declared): sent again when
    /// the call may be repeated.
    Cut(Error),
    /// Any other failure: returned as it is.
    Fail(Error),
}

impl From<Error> for Finish {
    fn from(e: Error) -> Self {
        Finish::Fail(e)
    }
}

/// Sends one request and waits for its answer's head (blocking). `S` is what fills a multipart
/// plan's source slots, in order.
pub trait SendRequest<S> {
    /// The answer's body as this sender returns it (`Bytes` for a closure).
    type Body;
    /// Sends `req`, filling its multipart sources from `sources`.
    fn send(&self, req: Request<Body>, sources: &[S]) -> Result<Response<Self::Body>, SendError>;
    /// Reads a body whole (bounded by the sender).
    fn read_whole(&self, resp: Response<Self::Body>) -> Result<Response<Bytes>, SendError>;
    /// True when `sources` can be sent again (a reader read once cannot).
    fn rewindable(&self, sources: &[S]) -> bool {
        let _ = sources;
        true
    }
}

impl<F, S> SendRequest<S> for F
where
    F: Fn(Request<Body>, &[S]) -> Result<Response<Bytes>, SendError>,
{
    type Body = Bytes;
    fn send(&self, req: Request<Body>, sources: &[S]) -> Result<Response<Bytes>, SendError> {
        self(req, sources)
    }
    fn read_whole(&self, resp: Response<Bytes>) -> Result<Response<Bytes>, SendError> {
        Ok(resp)
    }
}

/// A boxed future, as [`AsyncSendRequest`] and [`Engine::run_async`] pass them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one request and waits for its answer's head (async).
pub trait AsyncSendRequest<S: Sync>: Sync {
    /// The answer's body as this sender returns it (`Bytes` for a closure).
    type Body: Send;
    /// Sends `req`, filling its multipart sources from `sources`.
    fn send<'a>(
        &'a self,
        req: Request<Body>,
        sources: &'a [S],
    ) -> BoxFuture<'a, Result<Response<Self::Body>, SendError>>;
    /// Reads a body whole (bounded by the sender).
    fn read_whole(
        &self,
        resp: Response<Self::Body>,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>>;
    /// True when `sources` can be sent again (a reader read once cannot).
    fn rewindable(&self, sources: &[S]) -> bool {
        let _ = sources;
        true
    }
    /// Waits `d` (a runtime's timer; the default parks a helper thread, for any executor).
    fn sleep(&self, d: Duration) -> BoxFuture<'_, ()> {
        Box::pin(thread_sleep(d))
    }
}

impl<F, S, Fut> AsyncSendRequest<S> for F
where
    S: Sync,
    F: Fn(Request<Body>, &[S]) -> Fut + Sync,
    Fut: Future<Output = Result<Response<Bytes>, SendError>> + Send + 'static,
{
    type Body = Bytes;
    fn send<'a>(
        &'a self,
        req: Request<Body>,
        sources: &'a [S],
    ) -> BoxFuture<'a, Result<Response<Bytes>, SendError>> {
        Box::pin(self(req, sources))
    }
    fn read_whole(
        &self,
        resp: Response<Bytes>,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        Box::pin(std::future::ready(Ok(resp)))
    }
}

/// The engine of one client: its configuration and its token cache. Share it (it is `Sync`);
/// every call through it shares the token.
pub struct Engine {
    config: ClientConfig,
    tokens: Mutex<TokenCache>,
    async_tokens: futures_util::lock::Mutex<()>,
    api: Mutex<BaseUrl>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The request of one attempt: built from the API base the token goes with, token set.
type Build<'a> = &'a dyn Fn(&BaseUrl) -> Result<Request<Body>, Error>;
/// [`Build`], shareable across an `.await`.
type BuildSync<'a> = &'a (dyn Fn(&BaseUrl) -> Result<Request<Body>, Error> + Sync);

impl Engine {
    /// An engine with this configuration.
    pub fn new(config: ClientConfig) -> Self {
        Self {
            tokens: Mutex::new(TokenCache::new(&config)),
            async_tokens: futures_util::lock::Mutex::new(()),
            api: Mutex::new(config.endpoints.api.clone()),
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The API base of the latest call (a token's `api_domain`, where it may be followed).
    pub fn api_base(&self) -> BaseUrl {
        self.api
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, TokenCache> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn can_refresh(&self) -> bool {
        self.cache().can_refresh()
    }

    fn adopt(&self, ready: Ready) -> Ready {
        *self.api.lock().unwrap_or_else(PoisonError::into_inner) = ready.api.clone();
        ready
    }

    /// Runs an operation: one call with its retries and its token refresh.
    pub fn execute<S, T: SendRequest<S>, O: Operation>(
        &self,
        sender: &T,
        op: &O,
        sources: &[S],
    ) -> Result<O::Output, Error> {
        let rewindable = sender.rewindable(sources);
        self.run(
            sender,
            &|b| op.request(b),
            op.idempotent(),
            rewindable,
            sources,
            |a| {
                let whole = match a {
                    Answer::Whole(r) => r,
                    Answer::Success(r) => sender.read_whole(r).map_err(Finish::from)?,
                };
                Ok(op.response(whole)?)
            },
        )
    }

    /// Downloads into memory, for senders that read answers whole (a closure): the file and what
    /// the head said. A body shorter than its `Content-Length` is sent again, as a cut.
    pub fn download_whole<S, T: SendRequest<S>, D: Download>(
        &self,
        sender: &T,
        d: &D,
    ) -> Result<(DownloadHead, Bytes), Error> {
        self.run(sender, &|b| d.request(b), true, true, &[], |answer| {
            let resp = match answer {
                Answer::Whole(r) => {
                    let e = d.small_body(r).err();
                    return Err(Finish::Fail(
                        e.unwrap_or(Error::NoContent { what: d.what() }),
                    ));
                }
                Answer::Success(r) => sender.read_whole(r)?,
            };
            let (parts, body) = resp.into_parts();
            match d.start(&parts)? {
                DownloadStart::Stream(head) => {
                    check_download_complete(body.len() as u64, head.content_length)
                        .map_err(Finish::Cut)?;
                    Ok((head, body))
                }
                DownloadStart::ReadBody => Ok(d.small_body(Response::from_parts(parts, body))?),
            }
        })
    }

    /// One call: sends, steps the engine, and hands each answer to `finish`; a [`Finish::Cut`]
    /// is sent again when the call may be repeated (`finish` then resets what it wrote).
    /// `rewindable`: the sources (and whatever `finish` writes) can be sent (reset) again.
    pub fn run<S, T: SendRequest<S>, R>(
        &self,
        sender: &T,
        build: Build<'_>,
        idempotent: bool,
        rewindable: bool,
        sources: &[S],
        mut finish: impl FnMut(Answer<T::Body>) -> Result<R, Finish>,
    ) -> Result<R, Error> {
        let started = Instant::now();
        let mut call = Call::new(
            self.config.retry,
            idempotent,
            rewindable,
            self.can_refresh(),
        );
        let mut rejected: Option<Secret> = None;
        loop {
            let ready = self.token(sender, rejected.take().as_ref())?;
            let mut req = build(&ready.api)?;
            authorize(&mut req, &ready.token)?;
            let number = call.start_attempt();
            let span = attempt_span(&req, number);
            let _entered = span.enter();
            let sent = sender.send(req, sources);
            let (next, failed) = match sent {
                Ok(resp) if resp.status().is_success() => match finish(Answer::Success(resp)) {
                    Ok(r) => return Ok(r),
                    Err(Finish::Fail(e)) => return Err(e),
                    Err(Finish::Cut(e)) => (call.step(Outcome::AfterSend, clock(started)), Err(e)),
                },
                Ok(resp) => {
                    span.record("status", resp.status().as_u16());
                    let whole = sender.read_whole(resp).map_err(SendError::into_error)?;
                    (
                        call.step(Outcome::Answer(&whole), clock(started)),
                        Ok(whole),
                    )
                }
                Err(e) => (call.step(e.outcome(), clock(started)), Err(e.into_error())),
            };
            match (next, failed) {
                (Next::Refresh, _) => {
                    tracing::info!("access token refused; refreshing once and replaying");
                    rejected = Some(ready.token);
                }
                (Next::Retry(d), _) => {
                    tracing::info!(wait_ms = d.as_millis() as u64, "retrying");
                    std::thread::sleep(d);
                }
                (Next::Done | Next::Fail, Ok(whole)) => {
                    return finish(Answer::Whole(whole)).map_err(Finish::into_error);
                }
                (_, Err(e)) => return Err(e),
            }
        }
    }

    /// A token for the next attempt: from the cache, or minted once for all callers.
    fn token<S, T: SendRequest<S>>(
        &self,
        sender: &T,
        rejected: Option<&Secret>,
    ) -> Result<Ready, Error> {
        let mut cache = self.cache();
        let req = match cache.next(SystemTime::now(), rejected) {
            TokenStep::Ready(r) => return Ok(self.adopt(r)),
            TokenStep::Refused(e) => return Err(e),
            TokenStep::Fetch(req) => req,
        };
        let answer = fetch_token(sender, &req);
        let ready = cache.answer(answer, SystemTime::now())?;
        Ok(self.adopt(ready))
    }

    /// Sends a token request (an authorization-code exchange, say) with `sender`; the engine's
    /// own token is untouched.
    pub fn request_token<S, T: SendRequest<S>>(
        &self,
        sender: &T,
        req: &TokenRequest,
    ) -> Result<Token, Error> {
        fetch_token(sender, req)
    }

    /// Revokes a refresh token (and the access tokens minted from it).
    pub fn revoke<S, T: SendRequest<S>>(
        &self,
        sender: &T,
        req: &RevokeRequest,
    ) -> Result<(), Error> {
        let resp = sender
            .send(req.request()?, &[])
            .map_err(SendError::into_error)?;
        let whole = sender.read_whole(resp).map_err(SendError::into_error)?;
        req.response(whole)
    }

    /// [`execute`](Self::execute), async.
    pub async fn execute_async<S: Sync, T: AsyncSendRequest<S>, O: Operation + Sync>(
        &self,
        sender: &T,
        op: &O,
        sources: &[S],
    ) -> Result<O::Output, Error> {
        let rewindable = sender.rewindable(sources);
        self.run_async(
            sender,
            &|b| op.request(b),
            op.idempotent(),
            rewindable,
            sources,
            &mut |a| {
                Box::pin(async move {
                    let whole = match a {
                        Answer::Whole(r) => r,
                        Answer::Success(r) => sender.read_whole(r).await.map_err(Finish::from)?,
                    };
                    Ok(op.response(whole)?)
                })
            },
        )
        .await
    }

    /// [`run`](Self::run), async: `finish` gives a boxed future per answer.
    pub async fn run_async<'s, S: Sync, T: AsyncSendRequest<S>, R>(
        &self,
        sender: &'s T,
        build: BuildSync<'_>,
        idempotent: bool,
        rewindable: bool,
        sources: &[S],
        finish: &mut (dyn FnMut(Answer<T::Body>) -> BoxFuture<'s, Result<R, Finish>> + Send),
    ) -> Result<R, Error> {
        let started = Instant::now();
        let mut call = Call::new(
            self.config.retry,
            idempotent,
            rewindable,
            self.can_refresh(),
        );
        let mut rejected: Option<Secret> = None;
        loop {
            let ready = self.token_async(sender, rejected.take().as_ref()).await?;
            let mut req = build(&ready.api)?;
            authorize(&mut req, &ready.token)?;
            let number = call.start_attempt();
            let span = attempt_span(&req, number);
            let sent =
                tracing::Instrument::instrument(sender.send(req, sources), span.clone()).await;
            let (next, failed) = match sent {
                Ok(resp) if resp.status().is_success() => match finish(Answer::Success(resp)).await
                {
                    Ok(r) => return Ok(r),
                    Err(Finish::Fail(e)) => return Err(e),
                    Err(Finish::Cut(e)) => (call.step(Outcome::AfterSend, clock(started)), Err(e)),
                },
                Ok(resp) => {
                    span.record("status", resp.status().as_u16());
                    let whole = sender
                        .read_whole(resp)
                        .await
                        .map_err(SendError::into_error)?;
                    (
                        call.step(Outcome::Answer(&whole), clock(started)),
                        Ok(whole),
                    )
                }
                Err(e) => (call.step(e.outcome(), clock(started)), Err(e.into_error())),
            };
            match (next, failed) {
                (Next::Refresh, _) => {
                    span.in_scope(|| {
                        tracing::info!("access token refused; refreshing once and replaying")
                    });
                    rejected = Some(ready.token);
                }
                (Next::Retry(d), _) => {
                    span.in_scope(|| tracing::info!(wait_ms = d.as_millis() as u64, "retrying"));
                    sender.sleep(d).await;
                }
                (Next::Done | Next::Fail, Ok(whole)) => {
                    return finish(Answer::Whole(whole))
                        .await
                        .map_err(Finish::into_error);
                }
                (_, Err(e)) => return Err(e),
            }
        }
    }

    async fn token_async<S: Sync, T: AsyncSendRequest<S>>(
        &self,
        sender: &T,
        rejected: Option<&Secret>,
    ) -> Result<Ready, Error> {
        // A cached token (or refusal) is answered at once; only a token request takes turns.
        match self.cache().next(SystemTime::now(), rejected) {
            TokenStep::Ready(r) => return Ok(self.adopt(r)),
            TokenStep::Refused(e) => return Err(e),
            TokenStep::Fetch(_) => {}
        }
        // One caller at a time past this point, across the token request: the others then find
        // its token (or its refusal) in the cache.
        let _flight = self.async_tokens.lock().await;
        let step = self.cache().next(SystemTime::now(), rejected);
        let req = match step {
            TokenStep::Ready(r) => return Ok(self.adopt(r)),
            TokenStep::Refused(e) => return Err(e),
            TokenStep::Fetch(req) => req,
        };
        let answer = fetch_token_async(sender, &req).await;
        let ready = self.cache().answer(answer, SystemTime::now())?;
        Ok(self.adopt(ready))
    }

    /// [`request_token`](Self::request_token), async.
    pub async fn request_token_async<S: Sync, T: AsyncSendRequest<S>>(
        &self,
        sender: &T,
        req: &TokenRequest,
    ) -> Result<Token, Error> {
        fetch_token_async(sender, req).await
    }

    /// [`revoke`](Self::revoke), async.
    pub async fn revoke_async<S: Sync, T: AsyncSendRequest<S>>(
        &self,
        sender: &T,
        req: &RevokeRequest,
    ) -> Result<(), Error> {
        let resp = sender
            .send(req.request()?, &[])
            .await
            .map_err(SendError::into_error)?;
        let whole = sender
            .read_whole(resp)
            .await
            .map_err(SendError::into_error)?;
        req.response(whole)
    }
}

impl Finish {
    fn into_error(self) -> Error {
        match self {
            Finish::Cut(e) | Finish::Fail(e) => e,
        }
    }
}

/// A body read that failed on the network is a cut; a local failure fails as it is.
impl From<SendError> for Finish {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Local(e) => Finish::Fail(e),
            SendError::Connect(e) | SendError::AfterSend(e) => Finish::Cut(e),
        }
    }
}

fn clock(started: Instant) -> Clock {
    Clock {
        now: SystemTime::now(),
        elapsed: started.elapsed(),
        jitter: retry::jitter(),
    }
}

fn attempt_span(req: &Request<Body>, number: u32) -> tracing::Span {
    tracing::info_span!(
        "zoho.request",
        method = %req.method(),
        path = %req.uri().path(),
        attempt = number,
        status = tracing::field::Empty,
    )
}

fn fetch_token<S, T: SendRequest<S>>(sender: &T, req: &TokenRequest) -> Result<Token, Error> {
    let resp = sender
        .send(req.request()?, &[])
        .map_err(SendError::into_error)?;
    let whole = sender.read_whole(resp).map_err(SendError::into_error)?;
    req.response(whole, SystemTime::now())
}

async fn fetch_token_async<S: Sync, T: AsyncSendRequest<S>>(
    sender: &T,
    req: &TokenRequest,
) -> Result<Token, Error> {
    let resp = sender
        .send(req.request()?, &[])
        .await
        .map_err(SendError::into_error)?;
    let whole = sender
        .read_whole(resp)
        .await
        .map_err(SendError::into_error)?;
    req.response(whole, SystemTime::now())
}

/// A timer for any executor: a helper thread sleeps, then wakes the task.
fn thread_sleep(d: Duration) -> impl Future<Output = ()> + Send {
    use std::sync::Arc;
    use std::task::{Poll, Waker};
    let state: Arc<Mutex<(bool, Option<Waker>, bool)>> = Arc::new(Mutex::new((false, None, false)));
    std::future::poll_fn(move |cx| {
        let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
        if s.0 {
            return Poll::Ready(());
        }
        s.1 = Some(cx.waker().clone());
        if !s.2 {
            s.2 = true;
            let state = Arc::clone(&state);
            std::thread::spawn(move || {
                std::thread::sleep(d);
                let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
                s.0 = true;
                if let Some(w) = s.1.take() {
                    w.wake();
                }
            });
        }
        Poll::Pending
    })
}
