//! `--tls` ([`Config::tls`](crate::Config::tls)): a self-signed certificate made at start for
//! `localhost`, the loopback addresses, the listening address and the allowed host names, and a
//! listener that does each TLS handshake in its own task (a slow client never holds up others).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

/// The server side: what accepts handshakes, and the certificate clients are to trust.
pub(crate) struct Tls {
    pub(crate) acceptor: TlsAcceptor,
    pub(crate) cert_pem: String,
}

/// A fresh self-signed certificate and key for these names and addresses.
pub(crate) fn self_signed(host: IpAddr, names: &[String]) -> io::Result<Tls> {
    let mut sans = vec![
        String::from("localhost"),
        String::from("127.0.0.1"),
        String::from("::1"),
    ];
    sans.push(host.to_string());
    sans.extend(names.iter().cloned());
    sans.sort();
    sans.dedup();
    let made = rcgen::generate_simple_self_signed(sans).map_err(io::Error::other)?;
    let key = pki_types::PrivateKeyDer::Pkcs8(made.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![made.cert.der().clone()], key)
        .map_err(io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        cert_pem: made.cert.pem(),
    })
}

/// Connections whose handshake is done, for `axum::serve`.
pub(crate) struct TlsListener {
    ready: mpsc::Receiver<(tokio_rustls::server::TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

/// How long a client may take over its handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

impl TlsListener {
    /// Accepts on `tcp` (calling `accepted` for every TCP connection) and hands on those whose
    /// handshake succeeds; a failed handshake closes that connection only.
    pub(crate) fn new(
        tcp: TcpListener,
        acceptor: TlsAcceptor,
        accepted: impl Fn() + Send + 'static,
    ) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let (stream, peer) = match tcp.accept().await {
                    Ok(c) => c,
                    Err(_) => {
                        // Out of file descriptors and the like: wait, as axum's listener does.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                accepted();
                crate::no_delay(&stream);
                if tx.is_closed() {
                    return; // the server has stopped
                }
                let (acceptor, done) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await
                    {
                        let _ = done.send((tls, peer)).await;
                    }
                });
            }
        });
        Ok(Self { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(c) => c,
            // The accepting task has ended: no connection will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use axum::serve::Listener;
    use tokio_rustls::rustls::pki_types::pem::PemObject;

    #[tokio::test]
    async fn a_connection_handed_on_sends_without_delay() {
        let tls = self_signed(IpAddr::from([127, 0, 0, 1]), &[]).unwrap();
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let at = tcp.local_addr().unwrap();
        let mut listener = TlsListener::new(tcp, tls.acceptor, || ()).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(pki_types::CertificateDer::from_pem_slice(tls.cert_pem.as_bytes()).unwrap())
            .unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
        let name = pki_types::ServerName::try_from("localhost").unwrap();
        let connecting = tokio::spawn(async move {
            let tcp = TcpStream::connect(at).await.unwrap();
            connector.connect(name, tcp).await.unwrap()
        });
        let (served, _) = listener.accept().await;
        let _client = connecting.await.unwrap();
        assert!(served.get_ref().0.nodelay().unwrap());
    }
}
