//! A faithful local Zoho CRM and Bigin files server, for tests, demos and offline development.
//!
//! It serves attachments, record photos and the CRM file store under `/crm/{v2..v8}` and
//! `/bigin/{v1,v2}`, the accounts token endpoint under `/oauth/v2/token`, and answers the way
//! Zoho's documentation says Zoho answers: the same paths, parameters, status codes and error
//! envelopes. Faults (429 bursts, 500/503, delays, cut downloads, early token expiry) can be
//! injected, and every injected fault is counted.
//!
//! ```
//! let emu = zoho_emulator::Emulator::start(zoho_emulator::Config::default())?;
//! println!("{} {}", emu.base_url(), emu.access_token());
//! // point any Zoho client at emu.base_url(); the server stops when `emu` is dropped
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! See `docs/emulator.md` for the seeded records, the admin API and the fault knobs.

// Handlers return `Result<_, Response>` to answer early with Zoho's error; boxing every error
// answer would add noise for no gain in a test server.
#![allow(clippy::result_large_err)]

mod admin;
mod api;
mod faults;
mod field_files;
mod modules;
mod oauth;
mod record_files;
mod records;
mod settings;
mod store;
mod tls;
mod zoho;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::routing::{get, post};

pub use api::MAX_TEXT_FIELD;
pub use faults::{DropDownloads, FailNext, FailNth, FaultPlan, Injected, Stats};
pub use modules::Product;
pub use store::{ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, ORG_ID, REFRESH_TOKEN};

use faults::FaultState;
use store::{Blobs, State, lock};

/// Upload limits the emulator enforces, read as binary megabytes (MiB).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Attachments: 415 FILE_SIZE_MORE_THAN_ALLOWED_SIZE above this (100 MiB).
    pub attachment_max_bytes: u64,
    /// Record photos (10 MiB).
    pub photo_max_bytes: u64,
    /// Each file of a file-store upload (20 MiB).
    pub file_store_max_bytes: u64,
    /// Extensions refused with 415 INVALID_DATA (`exe`).
    pub blocked_extensions: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            attachment_max_bytes: 100 * 1024 * 1024,
            photo_max_bytes: 10 * 1024 * 1024,
            file_store_max_bytes: 20 * 1024 * 1024,
            blocked_extensions: vec![String::from("exe")],
        }
    }
}

/// How to run the emulator.
#[derive(Clone, Debug)]
pub struct Config {
    /// The address to listen on: 127.0.0.1 by default (only this machine); another address
    /// exposes the emulator to that network (its admin API still needs the admin token).
    pub host: std::net::IpAddr,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// Keep uploads as files here, with the state in `state.json`, so that large files are
    /// streamed to disk and everything survives a restart. `None` keeps all in memory.
    pub data_dir: Option<PathBuf>,
    /// Upload limits.
    pub limits: Limits,
    /// Lifetime of issued access tokens (Zoho: 3600 s).
    pub token_lifetime_secs: u64,
    /// Access tokens one refresh token may mint per window (Zoho: 10).
    pub token_limit: usize,
    /// The window of that limit (Zoho: 600 s).
    pub token_limit_window_secs: u64,
    /// Most ids in one bulk delete.
    pub max_delete_ids: usize,
    /// How much faster than real time the emulator's clock runs (token lifetimes, the token
    /// limit's window, grant codes): 60 makes a minute pass in a second. Clients read the same
    /// time from [`Emulator::time`].
    pub time_scale: f64,
    /// The org's data centre (`us`, `eu`, `in`, `au`, `jp`, `ca`, `sa`, `cn`, `uk`): where its
    /// grants and refresh tokens belong, named by the consent redirect's `location`.
    pub home_data_centre: String,
    /// The data centres the seeded client is enabled for in the API console; elsewhere its
    /// token requests get `invalid_client`. Default: all.
    pub client_data_centres: Vec<String>,
    /// Faults to inject from the start.
    pub faults: FaultPlan,
}

/// Who may reach the emulator and how, for [`Emulator::start_with`]: the admin token, host names
/// besides IP addresses and `localhost` that requests may give in `Host`, and TLS.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Access {
    /// The token every admin call (`/__emulator/...`) must carry; `None` makes a random one at
    /// start ([`Emulator::admin_token`] tells it, and the program prints it).
    pub admin_token: Option<String>,
    /// Names allowed in `Host` (any other name is refused, against DNS rebinding).
    pub allowed_hosts: Vec<String>,
    /// Serve `https` with a self-signed certificate made at start, for `localhost`, the
    /// loopback addresses, the listening address and the allowed names
    /// ([`Emulator::tls_cert_pem`] is the certificate to trust).
    pub tls: bool,
}

impl Access {
    /// A fixed admin token instead of a random one.
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.admin_token = Some(token.into());
        self
    }

    /// Allows one more host name in `Host`.
    pub fn allow_host(mut self, name: impl Into<String>) -> Self {
        self.allowed_hosts.push(name.into());
        self
    }

    /// Serves `https` ([`Access::tls`]).
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }
}

/// The data centres the emulator serves accounts servers and APIs for, under
/// `/accounts/{dc}` and `/dc/{dc}`.
pub const DATA_CENTRES: &[&str] = &["us", "eu", "in", "au", "jp", "ca", "sa", "cn", "uk"];

impl Default for Config {
    fn default() -> Self {
        Self {
            host: std::net::IpAddr::from([127, 0, 0, 1]),
            port: 0,
            data_dir: None,
            limits: Limits::default(),
            token_lifetime_secs: 3600,
            token_limit: 10,
            token_limit_window_secs: 600,
            max_delete_ids: 100,
            time_scale: 1.0,
            home_data_centre: String::from("us"),
            client_data_centres: DATA_CENTRES.iter().map(|d| (*d).to_owned()).collect(),
            faults: FaultPlan::default(),
        }
    }
}

impl Config {
    pub(crate) fn token_limit_window_ms(&self) -> i64 {
        i64::try_from(self.token_limit_window_secs.saturating_mul(1000)).unwrap_or(i64::MAX)
    }
}

/// Shared server state.
pub(crate) struct App {
    pub config: Config,
    pub base_url: String,
    pub state: Mutex<State>,
    pub blobs: Arc<Blobs>,
    pub faults: Mutex<FaultState>,
    pub stats: Mutex<Stats>,
    pub in_flight: Arc<AtomicUsize>,
    /// What admin calls must carry.
    pub admin_token: String,
    /// Names allowed in `Host` besides IP addresses and localhost.
    pub allowed_hosts: Vec<String>,
    /// Where emulated and real time meet.
    pub anchor: SystemTime,
    /// The last [`RECENT_REQUESTS`] API request lines (`METHOD /path?query`), oldest first.
    pub recent: Mutex<std::collections::VecDeque<String>>,
}

/// How many API request lines [`Emulator::recent_requests`] keeps.
pub const RECENT_REQUESTS: usize = 256;

impl App {
    /// The emulator's time, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(self.anchor)
            .unwrap_or_default();
        let now = self.anchor + real.mul_f64(self.config.time_scale.max(0.0));
        now.duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    /// Saves the state when running with a data directory.
    pub fn persist(&self, st: &State) {
        if let Some(dir) = &self.config.data_dir
            && let Err(e) = store::save(dir, st)
        {
            eprintln!("zoho-emulator: could not save state: {e}");
        }
    }

    /// Deletes a blob in the background.
    pub fn remove_blob_later(&self, blob: Option<String>) {
        if let Some(key) = blob {
            let blobs = Arc::clone(&self.blobs);
            tokio::spawn(async move { blobs.remove(&key).await });
        }
    }
}

/// A running emulator. It serves on its own thread and runtime, so it works the same from
/// blocking code, async tests and other programs; dropping it stops the server.
pub struct Emulator {
    base_url: String,
    tls_cert_pem: Option<String>,
    app: Arc<App>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Emulator {
    /// Starts a server on 127.0.0.1 and returns once it accepts connections; its admin token is
    /// a random one.
    pub fn start(config: Config) -> io::Result<Emulator> {
        Self::start_with(config, Access::default())
    }

    /// [`Emulator::start`] with a chosen admin token or allowed host names.
    pub fn start_with(config: Config, access: Access) -> io::Result<Emulator> {
        let listener = TcpListener::bind(SocketAddr::new(config.host, config.port))?;
        listener.set_nonblocking(true)?;
        let tls = match access.tls {
            true => Some(tls::self_signed(config.host, &access.allowed_hosts)?),
            false => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{}", listener.local_addr()?);
        let tls_cert_pem = tls.as_ref().map(|t| t.cert_pem.clone());
        let (blobs, loaded) = match &config.data_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                store::remove_stale_parts(dir)?;
                (Blobs::Disk(dir.clone()), store::load(dir)?)
            }
            None => (Blobs::Memory(Mutex::new(Default::default())), None),
        };
        let fresh = loaded.is_none();
        let mut fault_state = FaultState::default();
        fault_state.set(config.faults.clone());
        let app = Arc::new(App {
            base_url: base_url.clone(),
            state: Mutex::new(loaded.unwrap_or_default()),
            blobs: Arc::new(blobs),
            faults: Mutex::new(fault_state),
            stats: Mutex::new(Stats::default()),
            in_flight: Arc::new(AtomicUsize::new(0)),
            admin_token: access.admin_token.unwrap_or_else(admin::new_admin_token),
            allowed_hosts: access.allowed_hosts,
            anchor: SystemTime::now(),
            recent: Mutex::new(std::collections::VecDeque::new()),
            config,
        });
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<io::Result<()>>();
        let (shutdown, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let server_app = Arc::clone(&app);
        let thread = std::thread::Builder::new()
            .name(String::from("zoho-emulator"))
            .spawn(move || serve(server_app, listener, tls, fresh, ready_tx, shutdown_rx))?;
        ready_rx
            .recv()
            .map_err(|_| io::Error::other("the emulator thread stopped while starting"))??;
        Ok(Emulator {
            base_url,
            tls_cert_pem,
            app,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The base URL of both the API and the accounts server, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The PEM certificate to trust when it serves `https` ([`Access::tls`]).
    pub fn tls_cert_pem(&self) -> Option<&str> {
        self.tls_cert_pem.as_deref()
    }

    /// The token admin calls must carry (`Authorization: Bearer <token>`).
    pub fn admin_token(&self) -> &str {
        &self.app.admin_token
    }

    /// An access token with every scope that never expires.
    pub fn access_token(&self) -> &'static str {
        ACCESS_TOKEN
    }

    /// The emulator's clock: it reads `anchor + d * scale` at real time `anchor + d`
    /// ([`Config::time_scale`]), for clients to read the same time (`zoho_core::ScaledTime`).
    pub fn time(&self) -> (SystemTime, f64) {
        (self.app.anchor, self.app.config.time_scale)
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        lock(&self.app.stats).clone()
    }

    /// The last [`RECENT_REQUESTS`] API requests as `METHOD /path?query`, oldest first: what a
    /// client put on the wire, for tests (tokens travel in headers, never here). Also
    /// `GET /__emulator/requests`.
    pub fn recent_requests(&self) -> Vec<String> {
        lock(&self.app.recent).iter().cloned().collect()
    }

    /// Replaces the fault plan (its request count restarts).
    pub fn set_faults(&self, plan: FaultPlan) {
        lock(&self.app.faults).set(plan);
    }

    /// Adds a record to a module (`None` for a module the product does not have); returns its id.
    pub fn add_record(&self, product: Product, module: &str) -> Option<String> {
        let mut st = lock(&self.app.state);
        let id = st.add_record(product, module, None, None, false);
        self.app.persist(&st);
        id
    }

    /// Locks or unlocks a record; false when there is no such record.
    pub fn set_locked(&self, product: Product, module: &str, id: &str, locked: bool) -> bool {
        admin::set_locked(&self.app, product, module, id, locked)
    }

    /// Issues a one-time grant code for the seeded client, as Zoho's self-client page does.
    pub fn grant_code(&self, scopes: &[&str]) -> String {
        admin::grant_code(&self.app, scopes.iter().map(|s| (*s).to_owned()).collect())
    }

    /// Mints an access token with exactly these scopes (for scope tests).
    pub fn token_with_scopes(&self, scopes: &[&str]) -> String {
        admin::mint(&self.app, scopes.iter().map(|s| (*s).to_owned()).collect())
    }

    /// Expires every issued access token now (the seeded one too); returns how many.
    pub fn expire_tokens(&self) -> usize {
        admin::expire_tokens(&self.app)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Every accepted connection, http or https, sends what it is given at once (`TCP_NODELAY`), as production
/// servers do (nginx's `tcp_nodelay on`) and hyper does not by default. With Nagle's algorithm
/// a TLS 1.3 answer waited for the client's delayed ACK of the session tickets sent before it:
/// 40 ms on the first answer of a connection (the CLI's start plus one list took 50 ms, 7 ms
/// with this).
pub(crate) fn no_delay(tcp: &tokio::net::TcpStream) {
    // A socket that cannot take the option still serves, only slower.
    let _ = tcp.set_nodelay(true);
}

fn serve(
    app: Arc<App>,
    listener: TcpListener,
    tls: Option<tls::Tls>,
    fresh: bool,
    ready: std::sync::mpsc::Sender<io::Result<()>>,
    shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    rt.block_on(async move {
        if fresh && let Err(e) = admin::seed(&app).await {
            let _ = ready.send(Err(e));
            return;
        }
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        // Every accepted connection is counted, for checks of connection reuse.
        let counted = Arc::clone(&app);
        let count = move || lock(&counted.stats).connections += 1;
        let router = Router::new()
            .route("/oauth/v2/auth", get(oauth::consent))
            .route("/oauth/v2/token", post(oauth::token))
            .route("/oauth/v2/token/revoke", post(oauth::revoke))
            .route("/accounts/{dc}/oauth/v2/auth", get(oauth::consent_at))
            .route("/accounts/{dc}/oauth/v2/token", post(oauth::token_at))
            .route("/accounts/{dc}/oauth/v2/token/revoke", post(oauth::revoke))
            .nest(
                "/__emulator",
                admin::router().route_layer(axum::middleware::from_fn_with_state(
                    Arc::clone(&app),
                    admin::guard,
                )),
            )
            .fallback(api::dispatch)
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&app),
                admin::host_check,
            ))
            .with_state(app);
        let served = match tls {
            Some(t) => match tls::TlsListener::new(listener, t.acceptor, count) {
                Ok(l) => {
                    let _ = ready.send(Ok(()));
                    axum::serve(l, router).into_future()
                }
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            },
            None => {
                let l = axum::serve::ListenerExt::tap_io(listener, move |tcp| {
                    no_delay(tcp);
                    count();
                });
                let _ = ready.send(Ok(()));
                axum::serve(l, router).into_future()
            }
        };
        tokio::select! {
            r = served => {
                if let Err(e) = r {
                    eprintln!("zoho-emulator: server stopped: {e}");
                }
            }
            _ = shutdown => {}
        }
    });
    rt.shutdown_timeout(Duration::from_secs(2));
}
