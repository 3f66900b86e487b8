//! The parity suite (`tests/parity.rs`) runs one table of scenarios against the blocking
//! transport, the async transport and a closure transport, and checks that each gives the same
//! outcome with the same requests and token requests, as counted by the emulator. The library
//! holds what the fleet tests and `cargo xtask fleet` share: a real `redis-server` on loopback.

use std::io;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` of its own on a free loopback port, with no persistence; stopped on drop.
pub struct RedisServer {
    child: Child,
    url: String,
}

impl RedisServer {
    /// Starts one and waits (at most 10 s) until it accepts connections. `NotFound` when the
    /// binary is missing (`apt-get install redis-server`; `.ci/run` installs it). A port taken
    /// meanwhile by another test's server (which would answer in its place) is detected by this
    /// server exiting, and another port is tried.
    pub fn start() -> io::Result<Self> {
        let mut last = None;
        for _ in 0..5 {
            match Self::start_on_free_port() {
                Ok(Some(s)) => return Ok(s),
                Ok(None) => {}
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("redis-server could not bind a port")))
    }

    fn start_on_free_port() -> io::Result<Option<Self>> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()?;
        let mut server = Self {
            child,
            url: format!("redis://127.0.0.1:{port}/"),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if server.child.try_wait()?.is_some() {
                return Ok(None);
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                std::thread::sleep(Duration::from_millis(50));
                return Ok(server.child.try_wait()?.is_none().then_some(server));
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "redis-server did not accept connections within 10 s",
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
