//! `tokctl serve`: verification over HTTP, the library behind a thin HTTP
//! layer (docs/services.md, docs/openapi.yaml).
//!
//! [`Server::start`] checks the configuration, binds the address, opens one
//! session per worker and returns; the service then runs on threads of its
//! own until it is stopped (SIGTERM or SIGINT, or a [`Stopper`]). It never
//! prints: what it has to say comes back as values ([`Server::notes`]) and
//! events ([`Server::next_event`]), which the front end renders.
//!
//! Handlers parse, call [`Session::verify`] and write the [`Verdict`]'s own
//! JSON (`crate::verdict`); limits, timeouts and graceful shutdown are
//! middleware and the accept loop, not handler code. Verification runs on
//! the async workers themselves, each request taking a free session from a
//! pool with one per worker: a verification is a rowid read and a SHA-256
//! (microseconds), and a hand-off to another thread would cost more than it.
//!
//! Usage is counted in memory by each session and written by one more
//! session, the writer, in one transaction at most once per flush interval
//! and once at shutdown, after the last request has been answered: the
//! writer takes the counts of every worker's session ([`Session::take_usage`])
//! into its own, so they stay exact. Nothing positive is cached: every
//! request reads the token's row, so a revocation or rotation committed by
//! another process is seen by the next request.
//!
//! With a replica of the team store ([`Server::start_with_read_replica`]),
//! each worker also has a session on the replica, reads go there while a
//! background probe finds it complete up to within
//! [`ReplicaReads::max_staleness`] (`replica.rs`), and usage is still
//! written to the primary.

mod api;
mod listener;
mod metrics;
mod replica;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use tokio::sync::watch;

use crate::error::{Error, RequestProblem, Result};
use crate::ops::Session;
use crate::scope::Scope;
use crate::store::{Store, WalPosition};

pub use crate::verdict::Verdict;

/// The address `tokctl serve` listens on unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8700";
/// The scope a caller's org token must hold unless configured otherwise.
pub const DEFAULT_CALLER_SCOPE: &str = "tokctl:read";
/// The largest request body accepted (413 above it).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The most tokens one batch request may carry (400 above it).
pub const MAX_BATCH_TOKENS: usize = 100;
/// Connections served at once unless configured otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// A client must send a request's head within this time of starting it (or
/// of the previous response on a kept-alive connection), else it is
/// disconnected.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// A request, its body included, must be read and answered within this
/// time, else it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// A TLS handshake must finish within this time.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// At shutdown, requests in flight get this long to finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// How stale a replica may be and still answer, unless configured otherwise.
pub const DEFAULT_MAX_STALENESS: Duration = Duration::from_secs(1);
/// While usage cannot be written (the primary is down), at most this many
/// token-hours of uses wait in memory; uses of further tokens are dropped
/// and counted (`tokctl_serve_uses_dropped_total`). Refusals are bounded
/// by their counters anyway.
pub const MAX_HELD_TOKEN_HOURS: usize = crate::ops::MAX_PENDING_TOKENS;

/// How the service is to run.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where to listen. Port 0 picks a free port ([`Server::local_addr`]).
    pub listen: SocketAddr,
    /// Serve HTTPS with this certificate and key; plain HTTP without.
    pub tls: Option<TlsFiles>,
    /// Allow plain HTTP on an address other than loopback (behind a proxy
    /// that terminates TLS, or on a network trusted otherwise).
    pub insecure_listen: bool,
    /// Who may ask.
    pub caller_auth: CallerAuth,
    /// Async worker threads, and so sessions (store connections) verifying.
    pub workers: usize,
    /// Usage is written at most once per this interval (and at shutdown).
    pub flush_interval: Duration,
    /// Connections served at once; a few more are answered 429, further
    /// ones closed at once.
    pub max_connections: usize,
    /// Stop on SIGTERM or SIGINT (Ctrl-C).
    pub stop_on_signals: bool,
    /// How reads use a replica, when the service is started with one
    /// ([`Server::start_with_read_replica`]).
    pub replica_reads: ReplicaReads,
}

/// How a service reads from a replica of its team store: token lookups go
/// to the replica while it is known to hold every transaction the primary
/// committed up to `max_staleness` ago, else to the primary; usage is
/// always written to the primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicaReads {
    /// The staleness beyond which reads go to the primary: a revocation
    /// committed on the primary is refused by every request that starts
    /// at least this long after its commit, whichever store answers it.
    pub max_staleness: Duration,
    /// When the primary is down, answer from the replica however stale it
    /// is, instead of 503.
    pub allow_stale_reads: bool,
}

impl Default for ReplicaReads {
    fn default() -> Self {
        ReplicaReads {
            max_staleness: DEFAULT_MAX_STALENESS,
            allow_stale_reads: false,
        }
    }
}

impl ServeConfig {
    /// The defaults for `listen`: caller authentication required with
    /// [`DEFAULT_CALLER_SCOPE`], one worker per CPU (at most 8), usage
    /// written once a minute, stopped by signals.
    pub fn new(listen: SocketAddr) -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        ServeConfig {
            listen,
            tls: None,
            insecure_listen: false,
            caller_auth: CallerAuth::Required {
                // The constant parses; tested in `the_default_caller_scope_parses`.
                scope: DEFAULT_CALLER_SCOPE
                    .parse()
                    .unwrap_or_else(|_| unreachable!("the default caller scope parses")),
            },
            workers: cpus.clamp(1, 8),
            flush_interval: Duration::from_secs(crate::ops::COALESCE_WINDOW_SECONDS as u64),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            stop_on_signals: true,
            replica_reads: ReplicaReads::default(),
        }
    }

    /// Refuses what would expose the service: plain HTTP away from
    /// loopback without `insecure_listen`, or no caller authentication
    /// away from loopback.
    pub fn check(&self) -> Result<()> {
        let loopback = self.listen.ip().is_loopback();
        if !loopback && self.tls.is_none() && !self.insecure_listen {
            return Err(Error::request(
                format!(
                    "refusing to serve plain HTTP on {}, which is not a loopback address",
                    self.listen
                ),
                RequestProblem::ListenWithoutTls,
            ));
        }
        if !loopback && self.caller_auth == CallerAuth::Off {
            return Err(Error::request(
                format!(
                    "refusing to serve without caller authentication on {}, which is not a loopback address",
                    self.listen
                ),
                RequestProblem::CallerAuthOffAwayFromLoopback,
            ));
        }
        Ok(())
    }
}

/// The certificate chain and private key of an HTTPS service, PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Who may ask the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerAuth {
    /// Every API request carries `Authorization: Bearer` with an org token
    /// holding this scope, checked on the same verify path as the tokens it
    /// asks about.
    Required {
        /// The scope the caller's token must hold.
        scope: Scope,
    },
    /// Anyone who can connect may ask (loopback only).
    Off,
}

/// Something the front end should tell whoever started the service.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartupNote {
    /// Caller authentication is off: anyone who can connect may ask.
    CallerAuthOff,
    /// Plain HTTP on an address other than loopback.
    InsecureListen,
    /// Reads go to a replica while it is at most `max_staleness` behind.
    ReadReplica {
        /// The replica's address.
        replica: String,
        /// The bound.
        max_staleness: Duration,
        /// Whether the replica answers beyond it while the primary is down.
        allow_stale_reads: bool,
    },
}

/// What happened while serving.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeEvent {
    /// A stop was asked for (by a signal, named here, or a [`Stopper`]):
    /// no new connections; requests in flight finish, usage is written.
    Stopping {
        /// "SIGTERM", "SIGINT", or "stop".
        cause: &'static str,
    },
    /// Writing the usage counted failed; the counts are kept and written
    /// with the next flush.
    FlushFailed {
        /// Why.
        error: Error,
    },
    /// Writes have been failing for so long that the counts kept in memory
    /// reached [`MAX_HELD_TOKEN_HOURS`]: these uses were not kept.
    UsageDropped {
        /// How many.
        uses: u64,
    },
}

/// What a service did, once it has stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServeSummary {
    /// Requests answered.
    pub requests: u64,
    /// Successful verifications written to the store.
    pub uses_written: u64,
    /// Refused verifications written to the store.
    pub refusals_written: u64,
    /// Writes of usage (each one transaction).
    pub flushes: u64,
}

/// Stops a running service, from any thread.
#[derive(Debug, Clone)]
pub struct Stopper {
    stop: Arc<watch::Sender<Option<&'static str>>>,
}

impl Stopper {
    /// Asks the service to stop as on SIGTERM.
    pub fn stop(&self) {
        self.stop.send_if_modified(|cause| {
            let first = cause.is_none();
            if first {
                *cause = Some("stop");
            }
            first
        });
    }
}

/// A running service.
#[derive(Debug)]
pub struct Server {
    local_addr: SocketAddr,
    tls: bool,
    notes: Vec<StartupNote>,
    stopper: Stopper,
    events: mpsc::Receiver<ServeEvent>,
    thread: std::thread::JoinHandle<Result<ServeSummary>>,
}

impl Server {
    /// Checks `config`, loads the TLS files, binds the address, opens a
    /// session per worker next to `session` (which becomes the writer of
    /// usage) and starts serving on threads of its own. Errors come before
    /// anything is served.
    pub fn start(config: ServeConfig, session: Session) -> Result<Server> {
        Server::start_on(config, session, None)
    }

    /// As [`Server::start`], with token lookups on `replica`, a hot
    /// standby of `session`'s team store (the primary), as
    /// `config.replica_reads` says; usage is written to the primary. Both
    /// must be team stores, the replica in recovery and holding the same
    /// store (its store id), else nothing starts.
    pub fn start_with_read_replica(
        config: ServeConfig,
        session: Session,
        replica: Store,
    ) -> Result<Server> {
        check_replica(&session, &replica)?;
        Server::start_on(config, session, Some(replica))
    }

    fn start_on(config: ServeConfig, session: Session, replica: Option<Store>) -> Result<Server> {
        config.check()?;
        let tls = config
            .tls
            .as_ref()
            .map(listener::tls_acceptor)
            .transpose()?;
        let mut notes = Vec::new();
        if config.caller_auth == CallerAuth::Off {
            notes.push(StartupNote::CallerAuthOff);
        }
        if !config.listen.ip().is_loopback() && config.tls.is_none() {
            notes.push(StartupNote::InsecureListen);
        }
        if let Some(address) = replica.as_ref().and_then(Store::server_address) {
            notes.push(StartupNote::ReadReplica {
                replica: address.to_string(),
                max_staleness: config.replica_reads.max_staleness,
                allow_stale_reads: config.replica_reads.allow_stale_reads,
            });
        }
        let probe_interval = replica::probe_interval(config.replica_reads.max_staleness);
        let shared = state::Shared::open(&config, session, replica)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.workers.max(1))
            .thread_name("tokctl-serve")
            .enable_all()
            .build()
            .map_err(|source| Error::Io {
                path: PathBuf::from("(async runtime)"),
                source,
            })?;
        let (stop_tx, stop_rx) = watch::channel(None);
        let stopper = Stopper {
            stop: Arc::new(stop_tx),
        };
        let (events_tx, events) = mpsc::channel();
        let (listener, signals) = {
            // Sockets and signal handlers belong to the runtime's reactor.
            let _entered = runtime.enter();
            let listener = bind(config.listen)?;
            let signals = if config.stop_on_signals {
                Some(listener::Signals::register().map_err(|source| Error::Io {
                    path: PathBuf::from("(signal handlers)"),
                    source,
                })?)
            } else {
                None
            };
            (listener, signals)
        };
        let local_addr = listener.local_addr().map_err(|source| Error::Listen {
            addr: config.listen,
            source,
        })?;
        let shared = Arc::new(shared.with_events(events_tx));
        let run = listener::Run {
            listener,
            tls: tls.clone(),
            shared: Arc::clone(&shared),
            stop: stop_rx,
            stopper: Arc::clone(&stopper.stop),
            signals,
            flush_interval: config.flush_interval,
            probe_interval,
            max_connections: config.max_connections.max(1),
        };
        let thread = std::thread::Builder::new()
            .name("tokctl-serve-main".into())
            .spawn(move || {
                let summary = runtime.block_on(run.serve());
                runtime.shutdown_timeout(Duration::from_secs(1));
                // The sessions close last, outside the runtime: a team
                // store's client blocks on a runtime of its own to close,
                // which tokio refuses inside another.
                drop(shared);
                summary
            })
            .map_err(|source| Error::Io {
                path: PathBuf::from("(server thread)"),
                source,
            })?;
        Ok(Server {
            local_addr,
            tls: tls.is_some(),
            notes,
            stopper,
            events,
            thread,
        })
    }

    /// The address it listens on (the port chosen, for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Whether it serves HTTPS.
    pub fn tls(&self) -> bool {
        self.tls
    }

    /// What to tell whoever started it.
    pub fn notes(&self) -> &[StartupNote] {
        &self.notes
    }

    /// A handle that stops it.
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// Waits for the next event; `None` once the service has stopped.
    pub fn next_event(&self) -> Option<ServeEvent> {
        self.events.recv().ok()
    }

    /// Waits until it has stopped: every request answered and the usage
    /// written. An `Err` means the last write of usage failed (those counts
    /// are lost) or the service could not go on.
    pub fn wait(self) -> Result<ServeSummary> {
        match self.thread.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// Refuses a replica that is not one of the primary's: both must be team
/// stores, the replica a server in recovery, with the primary's store id.
fn check_replica(primary: &Session, replica: &Store) -> Result<()> {
    let refuse = |why: String| Err(Error::request(why, RequestProblem::Other));
    let (Some(primary_address), Some(replica_address)) =
        (primary.store().server_address(), replica.server_address())
    else {
        return refuse(
            "reading from a replica needs a team store (PostgreSQL) for both the store and its replica"
                .into(),
        );
    };
    if !matches!(replica.wal_position()?, Some(WalPosition::Replica { .. })) {
        return refuse(format!(
            "{replica_address} is not a replica: the server is not in recovery (a hot standby is)"
        ));
    }
    let primary_id = primary.store().read().store_id()?;
    let replica_id = replica.read().store_id()?;
    if primary_id != replica_id {
        return refuse(format!(
            "{replica_address} holds another store than {primary_address} (its store id differs): \
             it is no replica of it"
        ));
    }
    Ok(())
}

/// Binds the listening socket (inside the runtime).
fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener> {
    let listen = |source| Error::Listen { addr, source };
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .map_err(listen)?;
    // A restarted service must not wait for the old one's TIME_WAIT sockets.
    #[cfg(unix)]
    socket.set_reuseaddr(true).map_err(listen)?;
    socket.bind(addr).map_err(listen)?;
    socket.listen(1024).map_err(listen)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_default_caller_scope_parses() {
        assert!(DEFAULT_CALLER_SCOPE.parse::<Scope>().is_ok());
        assert!(DEFAULT_LISTEN.parse::<SocketAddr>().is_ok());
    }

    #[test]
    fn plain_http_or_no_caller_auth_away_from_loopback_is_refused() {
        let open: SocketAddr = "0.0.0.0:8700".parse().unwrap();
        let err = ServeConfig::new(open).check().unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidRequest {
                reason: RequestProblem::ListenWithoutTls,
                ..
            }
        ));
        let mut insecure = ServeConfig::new(open);
        insecure.insecure_listen = true;
        insecure.check().unwrap();
        insecure.caller_auth = CallerAuth::Off;
        assert!(matches!(
            insecure.check().unwrap_err(),
            Error::InvalidRequest {
                reason: RequestProblem::CallerAuthOffAwayFromLoopback,
                ..
            }
        ));
        let mut local = ServeConfig::new(DEFAULT_LISTEN.parse().unwrap());
        local.caller_auth = CallerAuth::Off;
        local.check().unwrap();
    }
}
