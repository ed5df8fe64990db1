//! The accept loop: connection limits, TLS, HTTP/1.1 with a header
//! timeout, the timer that writes usage, and the graceful stop (no new
//! connections; requests in flight answered; usage written last).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::api::{router, ApiError};
use super::metrics::Outcome;
use super::state::Shared;
use super::{
    ServeEvent, ServeSummary, TlsFiles, HANDSHAKE_TIMEOUT, HEADER_TIMEOUT, SHUTDOWN_GRACE,
};
use crate::error::{Error, Result};

/// Connections beyond `max_connections` that are still answered (429)
/// before further ones are closed unanswered.
const OVERFLOW_CONNECTIONS: usize = 64;

/// Everything the serving task needs.
pub(super) struct Run {
    pub(super) listener: TcpListener,
    pub(super) tls: Option<TlsAcceptor>,
    pub(super) shared: Arc<Shared>,
    /// Set (to the cause) when the service is to stop.
    pub(super) stop: watch::Receiver<Option<&'static str>>,
    pub(super) stopper: Arc<watch::Sender<Option<&'static str>>>,
    pub(super) signals: Option<Signals>,
    pub(super) flush_interval: Duration,
    /// How often the replica's staleness is measured (when there is one).
    pub(super) probe_interval: Duration,
    pub(super) max_connections: usize,
}

impl Run {
    /// Serves until stopped; then answers what is in flight, writes the
    /// usage counted and returns what was done.
    pub(super) async fn serve(self) -> Result<ServeSummary> {
        let Run {
            listener,
            tls,
            shared,
            stop,
            stopper,
            signals,
            flush_interval,
            probe_interval,
            max_connections,
        } = self;
        if let Some(signals) = signals {
            let stopper = Arc::clone(&stopper);
            tokio::spawn(async move {
                let cause = signals.recv().await;
                stopper.send_if_modified(|current| {
                    let first = current.is_none();
                    if first {
                        *current = Some(cause);
                    }
                    first
                });
            });
        }
        let flusher = tokio::spawn(flush_periodically(
            Arc::clone(&shared),
            flush_interval,
            stop.clone(),
        ));
        let prober = shared.replication.is_some().then(|| {
            tokio::spawn(probe_periodically(
                Arc::clone(&shared),
                probe_interval,
                stop.clone(),
            ))
        });
        let permits = Arc::new(Semaphore::new(max_connections));
        let overflow = Arc::new(Semaphore::new(OVERFLOW_CONNECTIONS));
        let service = router(Arc::clone(&shared));
        let mut connections = JoinSet::new();
        let mut stopped = stop.clone();
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = stopped.wait_for(Option::is_some) => break,
            };
            // Reap finished connections so the set stays small.
            while connections.try_join_next().is_some() {}
            let stream = match accepted {
                Ok((stream, _peer)) => stream,
                Err(_) => {
                    // Out of descriptors, say: wait instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let slot = match Arc::clone(&permits).try_acquire_owned() {
                Ok(permit) => Slot::Served(permit),
                Err(_) => match Arc::clone(&overflow).try_acquire_owned() {
                    Ok(permit) => Slot::Refused(permit),
                    Err(_) => {
                        shared.metrics.connection_dropped();
                        continue;
                    }
                },
            };
            let connection = Connection {
                shared: Arc::clone(&shared),
                service: service.clone(),
                stop: stop.clone(),
                slot,
            };
            let tls = tls.clone();
            connections.spawn(async move {
                match tls {
                    None => connection.serve(stream).await,
                    Some(acceptor) => {
                        // A failed or slow handshake has nothing to answer in.
                        let handshake =
                            tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
                        if let Ok(Ok(stream)) = handshake.await {
                            connection.serve(stream).await;
                        }
                    }
                }
            });
        }
        drop(listener);
        if let Some(cause) = *stop.borrow() {
            shared.report(ServeEvent::Stopping { cause });
        }
        // Requests in flight get their answers; idle connections close.
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            // Past the grace period: what is still open is cut off. A
            // verification is never cut in half (it does not await).
            connections.abort_all();
            while connections.join_next().await.is_some() {}
        }
        // The timer's last write (if one is under way) ends before the final one.
        let _ = flusher.await;
        if let Some(prober) = prober {
            let _ = prober.await;
        }
        let last = Arc::clone(&shared);
        let flushed = tokio::task::spawn_blocking(move || last.flush())
            .await
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()));
        flushed?;
        Ok(shared.summary())
    }
}

/// Writes the usage counted once per interval until the service stops.
async fn flush_periodically(
    shared: Arc<Shared>,
    interval: Duration,
    mut stop: watch::Receiver<Option<&'static str>>,
) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    // A late write is followed by a full interval, never by a catch-up burst.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(Option::is_some) => return,
        }
        let writer = Arc::clone(&shared);
        // The write may wait for the store's lock: off the async workers.
        let flushed = tokio::task::spawn_blocking(move || writer.flush()).await;
        if let Ok(Err(error)) = flushed {
            shared.report(ServeEvent::FlushFailed { error });
        }
    }
}

/// Measures the replica's staleness once per interval until the service
/// stops. The first probe runs at once, so reads go to the replica as soon
/// as it is found complete.
async fn probe_periodically(
    shared: Arc<Shared>,
    interval: Duration,
    mut stop: watch::Receiver<Option<&'static str>>,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.wait_for(Option::is_some) => return,
        }
        let prober = Arc::clone(&shared);
        // Two round trips, and a connection made again after a restart.
        let _ = tokio::task::spawn_blocking(move || prober.probe()).await;
    }
}

/// Whether a connection is served or only told that there are too many.
enum Slot {
    Served(#[allow(dead_code)] OwnedSemaphorePermit),
    Refused(#[allow(dead_code)] OwnedSemaphorePermit),
}

struct Connection {
    shared: Arc<Shared>,
    service: axum::Router,
    stop: watch::Receiver<Option<&'static str>>,
    /// Held for the connection's life.
    slot: Slot,
}

impl Connection {
    async fn serve<S>(self, stream: S)
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let Connection {
            shared,
            service,
            mut stop,
            slot,
        } = self;
        let stopping = stop.borrow().is_some();
        if stopping {
            return;
        }
        shared.metrics.connection_opened();
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT);
        match slot {
            Slot::Served(_) => {
                let connection =
                    http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
                tokio::pin!(connection);
                let stopping = tokio::select! {
                    _ = connection.as_mut() => false,
                    stopped = stop.wait_for(Option::is_some) => stopped.is_ok(),
                };
                if stopping {
                    // Finish the request under way, take no further one.
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            Slot::Refused(_) => {
                http.keep_alive(false);
                let too_many = |_request: Request<Incoming>| {
                    let shared = Arc::clone(&shared);
                    async move {
                        shared
                            .metrics
                            .request(Outcome::TooManyConnections, Duration::ZERO);
                        Ok::<Response<Body>, Infallible>(
                            ApiError::new(
                                StatusCode::TOO_MANY_REQUESTS,
                                Outcome::TooManyConnections,
                                "too_many_connections",
                                "the service has as many connections as it serves at once; try again",
                            )
                            .into_response(),
                        )
                    }
                };
                let _ = http
                    .serve_connection(TokioIo::new(stream), hyper::service::service_fn(too_many))
                    .await;
            }
        }
        shared.metrics.connection_closed();
    }
}

/// SIGTERM and SIGINT (Ctrl-C elsewhere), registered before the service
/// says it is listening, so that no early signal kills it unflushed.
pub(super) struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    /// Registers the handlers (inside the runtime).
    pub(super) fn register() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// Waits for the first signal; its name.
    async fn recv(mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// The TLS acceptor for a certificate chain and key in PEM files.
pub(super) fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor> {
    fn pem_error<'p>(
        path: &'p std::path::Path,
        what: &'static str,
    ) -> impl Fn(rustls_pki_types::pem::Error) -> Error + 'p {
        move |err| match err {
            rustls_pki_types::pem::Error::Io(source) => Error::Io {
                path: path.to_owned(),
                source,
            },
            other => Error::invalid(what, &path.display().to_string(), other.to_string()),
        }
    }
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .map_err(pem_error(&files.cert, "TLS certificate file"))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(pem_error(&files.cert, "TLS certificate file"))?;
    if certs.is_empty() {
        return Err(Error::invalid(
            "TLS certificate file",
            &files.cert.display().to_string(),
            "it holds no PEM certificate",
        ));
    }
    let key =
        PrivateKeyDer::from_pem_file(&files.key).map_err(pem_error(&files.key, "TLS key file"))?;
    // ring, already the crate's cryptography; named, so that another
    // provider elsewhere in the build cannot make the choice ambiguous.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(certs, key))
        .map_err(|err| {
            Error::invalid(
                "TLS certificate and key",
                &files.key.display().to_string(),
                err.to_string(),
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
