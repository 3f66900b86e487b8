//! The drivers of the engine, generic over how a request is sent: the one loop that steps a
//! [`Call`] and a [`TokenCache`] for every transport, the built-in ones and yours. This is the
//! one module of the core that reads the clock and waits (a blocking sleep, or the sender's
//! async sleep); it opens no file and no socket: the sender does.
//!
//! A sender is any [`SendRequest`] (blocking) or [`AsyncSendRequest`] (async), and every closure
//! `Fn(Request<Body>, &[S]) -> Result<Response<Bytes>, SendError>` is one, so a closure is a
//! whole client with refresh, replay and retries behind it.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{Request, Response};

use super::call::{Call, Clock, Next, Outcome};
use super::send::{Answer, AsyncSendRequest, BoxFuture, Finish, SendError, SendRequest};
use super::tokens::{Ready, TokenCache, TokenStep};
use crate::auth::{RevokeRequest, Secret, Token, TokenRequest, authorize};
use crate::base_url::BaseUrl;
use crate::body::Body;
use crate::config::ClientConfig;
use crate::error::Error;
use crate::operation::{Download, DownloadHead, DownloadStart, Operation, check_download_complete};
use crate::retry;

/// The engine of one client: its configuration and its token cache. Share it (it is `Sync`);
/// every call through it shares the token.
pub struct Engine {
    config: ClientConfig,
    tokens: Mutex<TokenCache>,
    async_tokens: futures_util::lock::Mutex<()>,
    api: Mutex<BaseUrl>,
    meter: super::meter::Meter,
    throttle: Option<std::sync::Arc<super::meter::Throttle>>,
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
            meter: super::meter::Meter::new(config.max_requests_per_second),
            throttle: config
                .max_bytes_per_second
                .and_then(super::meter::Throttle::new),
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

    /// The bandwidth budget the transports' bodies take their time from, if one is set
    /// (`ClientConfig::max_bytes_per_second`).
    pub fn throttle(&self) -> Option<&std::sync::Arc<super::meter::Throttle>> {
        self.throttle.as_ref()
    }

    /// The API credits left today, as Zoho's latest answer that said so gave them
    /// (`X-API-CREDITS-REMAINING`, which CRM v8 sends once half of them are used).
    pub fn credits_remaining(&self) -> Option<u64> {
        self.meter.credits()
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
        finish: impl FnMut(Answer<T::Body>) -> Result<R, Finish>,
    ) -> Result<R, Error> {
        let result = self.attempts(sender, build, idempotent, rewindable, sources, finish);
        result.map_err(|e| self.name_scopes(e, build))
    }

    /// An `OAUTH_SCOPE_MISMATCH` with the scopes the call's request needed.
    fn name_scopes(&self, mut e: Error, build: Build<'_>) -> Error {
        if let Error::Api(a) = &mut e
            && a.code == crate::ErrorCode::OauthScopeMismatch
            && let Ok(req) = build(&self.api_base())
        {
            a.scopes_needed = crate::scopes::needed(&req);
        }
        e
    }

    fn attempts<S, T: SendRequest<S>, R>(
        &self,
        sender: &T,
        build: Build<'_>,
        idempotent: bool,
        rewindable: bool,
        sources: &[S],
        mut finish: impl FnMut(Answer<T::Body>) -> Result<R, Finish>,
    ) -> Result<R, Error> {
        let mut a = Attempts::new(self, idempotent, rewindable);
        loop {
            let ready = self.token(sender, a.rejected.take().as_ref())?;
            let (req, span) = a.request(build, &ready)?;
            let _entered = span.enter();
            let wait = self.meter.slot(Instant::now());
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
            let act = match self.meter.noted(sender.send(req, sources)) {
                Ok(resp) if resp.status().is_success() => a.finished(finish(Answer::Success(resp))),
                Ok(resp) => {
                    span.record("status", resp.status().as_u16());
                    a.answered(sender.read_whole(resp).map_err(SendError::into_error)?)
                }
                Err(e) => a.failed(e),
            };
            match a.then(act, ready) {
                Act::Return(r) => return r,
                Act::Whole(whole) => {
                    return finish(Answer::Whole(whole)).map_err(Finish::into_error);
                }
                Act::Wait(d) => std::thread::sleep(d),
                Act::Again => {}
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
        let req = loop {
            match cache.next(self.config.now(), rejected) {
                TokenStep::Ready(r) => return Ok(self.adopt(r)),
                TokenStep::Refused(e) => return Err(e),
                TokenStep::Fetch(req) => break req,
                TokenStep::Wait(d) => {
                    drop(cache);
                    std::thread::sleep(d);
                    cache = self.cache();
                }
            }
        };
        let answer = fetch_token(sender, &req, &self.config);
        let ready = cache.answer(answer, self.config.now())?;
        Ok(self.adopt(ready))
    }

    /// The token the next call will use, minted only when none is valid (in this client or its
    /// store), as its expiry and API base: no secret. What `zoho auth status` shows.
    pub fn token_status<S, T: SendRequest<S>>(&self, sender: &T) -> Result<Ready, Error> {
        self.token(sender, None)
    }

    /// Sends a token request (an authorization-code exchange, say) with `sender`; the engine's
    /// own token is untouched.
    pub fn request_token<S, T: SendRequest<S>>(
        &self,
        sender: &T,
        req: &TokenRequest,
    ) -> Result<Token, Error> {
        fetch_token(sender, req, &self.config)
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
        let result = self
            .attempts_async(sender, build, idempotent, rewindable, sources, finish)
            .await;
        result.map_err(|e| self.name_scopes(e, build))
    }

    async fn attempts_async<'s, S: Sync, T: AsyncSendRequest<S>, R>(
        &self,
        sender: &'s T,
        build: BuildSync<'_>,
        idempotent: bool,
        rewindable: bool,
        sources: &[S],
        finish: &mut (dyn FnMut(Answer<T::Body>) -> BoxFuture<'s, Result<R, Finish>> + Send),
    ) -> Result<R, Error> {
        let mut a = Attempts::new(self, idempotent, rewindable);
        loop {
            let ready = self.token_async(sender, a.rejected.take().as_ref()).await?;
            let (req, span) = a.request(build, &ready)?;
            let wait = self.meter.slot(Instant::now());
            if !wait.is_zero() {
                sender.sleep(wait).await;
            }
            let sent = tracing::Instrument::instrument(sender.send(req, sources), span.clone());
            let act = match self.meter.noted(sent.await) {
                Ok(resp) if resp.status().is_success() => {
                    a.finished(finish(Answer::Success(resp)).await)
                }
                Ok(resp) => {
                    span.record("status", resp.status().as_u16());
                    a.answered(
                        sender
                            .read_whole(resp)
                            .await
                            .map_err(SendError::into_error)?,
                    )
                }
                Err(e) => a.failed(e),
            };
            match span.in_scope(|| a.then(act, ready)) {
                Act::Return(r) => return r,
                Act::Whole(whole) => {
                    return finish(Answer::Whole(whole))
                        .await
                        .map_err(Finish::into_error);
                }
                Act::Wait(d) => sender.sleep(d).await,
                Act::Again => {}
            }
        }
    }

    async fn token_async<S: Sync, T: AsyncSendRequest<S>>(
        &self,
        sender: &T,
        rejected: Option<&Secret>,
    ) -> Result<Ready, Error> {
        // A cached token (or refusal) is answered at once; only a token request takes turns.
        match self.cache().cached(self.config.now(), rejected) {
            Some(TokenStep::Ready(r)) => return Ok(self.adopt(r)),
            Some(TokenStep::Refused(e)) => return Err(e),
            Some(TokenStep::Fetch(_) | TokenStep::Wait(_)) | None => {}
        }
        // One caller at a time past this point, across the token request: the others then find
        // its token (or its refusal) in the cache.
        let _flight = self.async_tokens.lock().await;
        let req = loop {
            let step = self.cache().next(self.config.now(), rejected);
            match step {
                TokenStep::Ready(r) => return Ok(self.adopt(r)),
                TokenStep::Refused(e) => return Err(e),
                TokenStep::Fetch(req) => break req,
                TokenStep::Wait(d) => sender.sleep(d).await,
            }
        };
        let answer = fetch_token_async(sender, &req, &self.config).await;
        let ready = self.cache().answer(answer, self.config.now())?;
        Ok(self.adopt(ready))
    }

    /// [`token_status`](Self::token_status), async.
    pub async fn token_status_async<S: Sync, T: AsyncSendRequest<S>>(
        &self,
        sender: &T,
    ) -> Result<Ready, Error> {
        self.token_async(sender, None).await
    }

    /// [`request_token`](Self::request_token), async.
    pub async fn request_token_async<S: Sync, T: AsyncSendRequest<S>>(
        &self,
        sender: &T,
        req: &TokenRequest,
    ) -> Result<Token, Error> {
        fetch_token_async(sender, req, &self.config).await
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

/// One call's attempts as the drivers keep them: the engine's [`Call`], the clock, and the
/// token the API last refused. Both drivers go through it, so the only difference between
/// them is where they wait.
struct Attempts {
    call: Call,
    started: Instant,
    rejected: Option<Secret>,
}

/// What a driver does after an attempt.
enum Act<R> {
    /// Return this.
    Return(Result<R, Error>),
    /// Hand this (non-2xx) answer to `finish`, which turns it into the operation's error.
    Whole(Response<Bytes>),
    /// Wait, then send again.
    Wait(Duration),
    /// Send again now (with a new token).
    Again,
}

/// How an attempt ended: the engine's next step and what the attempt left in hand.
type Settled<R> = Result<(Next, Result<Response<Bytes>, Error>), Result<R, Error>>;

impl Attempts {
    fn new(engine: &Engine, idempotent: bool, rewindable: bool) -> Self {
        let can_refresh = engine.can_refresh();
        Self {
            call: Call::new(engine.config.retry, idempotent, rewindable, can_refresh),
            started: Instant::now(),
            rejected: None,
        }
    }

    /// The next attempt's request, built for the token's API base, and its span.
    fn request(
        &mut self,
        build: Build<'_>,
        ready: &Ready,
    ) -> Result<(Request<Body>, tracing::Span), Error> {
        let mut req = build(&ready.api)?;
        authorize(&mut req, &ready.token)?;
        let span = attempt_span(&req, self.call.start_attempt());
        Ok((req, span))
    }

    /// A 2xx answer went to `finish`, which ended so.
    fn finished<R>(&mut self, r: Result<R, Finish>) -> Settled<R> {
        match r {
            Ok(r) => Err(Ok(r)),
            Err(Finish::Fail(e)) => Err(Err(e)),
            Err(Finish::Cut(e)) => Ok((self.step(Outcome::AfterSend), Err(e))),
        }
    }

    /// A non-2xx answer, read whole.
    fn answered<R>(&mut self, whole: Response<Bytes>) -> Settled<R> {
        Ok((self.step(Outcome::Answer(&whole)), Ok(whole)))
    }

    /// No answer.
    fn failed<R>(&mut self, e: SendError) -> Settled<R> {
        Ok((self.step(e.outcome()), Err(e.into_error())))
    }

    fn step(&mut self, outcome: Outcome<'_>) -> Next {
        self.call.step(outcome, clock(self.started))
    }

    /// What to do, given how the attempt settled; `ready` is the token it was sent with.
    fn then<R>(&mut self, settled: Settled<R>, ready: Ready) -> Act<R> {
        let (next, held) = match settled {
            Err(done) => return Act::Return(done),
            Ok(s) => s,
        };
        match (next, held) {
            (Next::Refresh, _) => {
                tracing::info!("access token refused; refreshing once and replaying");
                self.rejected = Some(ready.token);
                Act::Again
            }
            (Next::Retry(d), _) => {
                tracing::info!(wait_ms = d.as_millis() as u64, "retrying");
                Act::Wait(d)
            }
            (Next::Done | Next::Fail, Ok(whole)) => Act::Whole(whole),
            (_, Err(e)) => Act::Return(Err(e)),
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

fn fetch_token<S, T: SendRequest<S>>(
    sender: &T,
    req: &TokenRequest,
    config: &ClientConfig,
) -> Result<Token, Error> {
    let resp = sender
        .send(req.request()?, &[])
        .map_err(SendError::into_error)?;
    let whole = sender.read_whole(resp).map_err(SendError::into_error)?;
    req.response(whole, config.now())
}

async fn fetch_token_async<S: Sync, T: AsyncSendRequest<S>>(
    sender: &T,
    req: &TokenRequest,
    config: &ClientConfig,
) -> Result<Token, Error> {
    let resp = sender
        .send(req.request()?, &[])
        .await
        .map_err(SendError::into_error)?;
    let whole = sender
        .read_whole(resp)
        .await
        .map_err(SendError::into_error)?;
    req.response(whole, config.now())
}
