//! The call engine: what every call does between "send this operation" and "here is its
//! answer", decided once for every transport.
//!
//! - [`Call`]: one call's attempts. Told how an attempt went ([`Outcome`]), it answers what to do
//!   next ([`Next`]): done, refresh the token and send again, wait and send again, or fail.
//! - [`TokenCache`]: the client's token. Asked for one, it answers "here it is" or "send this
//!   token request" ([`TokenStep`]), takes the answer, keys tokens by the whole identity
//!   ([`TokenKey`]), follows `api_domain` only within the data centre, and remembers a refusal.
//! - [`Engine`]: the driver loop over both, generic over a [`SendRequest`] or
//!   [`AsyncSendRequest`]; closures are senders, so any HTTP client gets the whole engine.
//!
//! `Call` and `TokenCache` read no clock and do no I/O; `Engine` reads the clock and waits, and
//! leaves sockets and files to the sender. See `docs/architecture.md` for the states.

mod call;
mod download;
mod drive;
mod meter;
mod send;
mod tokens;

pub use call::{Call, Clock, Next, Outcome};
pub use download::{Begin, begin_download, small_download};
pub use drive::Engine;
pub use meter::{CREDITS_REMAINING, Throttle};
pub use send::{Answer, AsyncSendRequest, BoxFuture, Finish, SendError, SendRequest};
pub use tokens::{Ready, TokenCache, TokenKey, TokenStep};
