//! How a request is sent, as the engine sees it: the sender traits (blocking and async), their
//! blanket impls for closures, and what a sender reports.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};

use super::call::Outcome;
use crate::body::Body;
use crate::error::Error;

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
    pub(super) fn outcome(&self) -> Outcome<'static> {
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

/// What reading an answer ended in, for [`Engine::run`](super::Engine::run).
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

/// A boxed future, as [`AsyncSendRequest`] and [`Engine::run_async`](super::Engine::run_async) pass them.
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

impl Finish {
    /// The same failure, never sent again: for a cut whose target cannot be reset (a caller's
    /// writer that already took some bytes).
    pub fn no_retry(self) -> Self {
        Finish::Fail(self.into_error())
    }

    /// The error, whatever the kind.
    pub fn into_error(self) -> Error {
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

/// A timer for any executor: a helper thread sleeps, then wakes the task.
pub(super) fn thread_sleep(d: Duration) -> impl Future<Output = ()> + Send {
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
