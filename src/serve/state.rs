//! What the service's tasks share: the sessions (one per worker, and the
//! writer of usage), the caller check, the metrics, and the writes of usage.
//! With a replica, each worker has a session on it too, and reads go where
//! [`Replication::route`] says, a read that fails on one store running
//! again on the other where that is allowed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex, MutexGuard, PoisonError};

use super::metrics::Metrics;
use super::replica::{ReadPath, Replication};
use super::{CallerAuth, ServeConfig, ServeEvent, ServeSummary, MAX_HELD_TOKEN_HOURS};
use crate::error::{Rejection, Result};
use crate::model::TokenKind;
use crate::ops::Session;
use crate::store::Store;
use crate::verdict::Verdict;

/// Shared by every task of one service.
#[derive(Debug)]
pub(super) struct Shared {
    /// One slot per worker: a request takes a free one.
    verifiers: Vec<Mutex<Verifier>>,
    /// Where the next request starts looking for a free session.
    next: AtomicUsize,
    /// Whether a store call blocks on the network (a team store): it then
    /// runs with [`tokio::task::block_in_place`], which also lets the
    /// PostgreSQL client, itself built on an async runtime, block there.
    blocking: bool,
    /// Writes what the verifiers counted; used by nothing else, so a write
    /// waiting for the store's lock holds up no request.
    writer: Mutex<WriterState>,
    pub(super) caller_auth: CallerAuth,
    pub(super) metrics: Metrics,
    events: Option<Mutex<mpsc::Sender<ServeEvent>>>,
    /// The replica's staleness and the probe's connections, when reads may
    /// go to a replica.
    pub(super) replication: Option<Replication>,
}

/// A worker's sessions: on the primary (`--db`), and on the replica when
/// there is one. Both only count usage; the writer writes it.
#[derive(Debug)]
struct Verifier {
    primary: Session,
    replica: Option<Session>,
}

impl Verifier {
    fn session(&mut self, path: ReadPath) -> &mut Session {
        match (path, &mut self.replica) {
            (ReadPath::Replica | ReadPath::StaleReplica, Some(replica)) => replica,
            _ => &mut self.primary,
        }
    }
}

#[derive(Debug)]
struct WriterState {
    session: Session,
    summary: ServeSummary,
}

/// Whether an error of a read means the store failed (so the read may run
/// again on the other store), rather than an answer.
pub(super) trait ReadFailure {
    fn store_failed(&self) -> bool;
}

impl ReadFailure for crate::Error {
    fn store_failed(&self) -> bool {
        true
    }
}

impl ReadFailure for CallerRefused {
    fn store_failed(&self) -> bool {
        matches!(self, CallerRefused::Store)
    }
}

/// The reads of one request, on one worker's sessions: each step runs on
/// the store the request was routed to, and a step that fails there runs
/// again on the other store where that is allowed (and the steps after it
/// stay there). A failed step counted nothing, so running it again keeps
/// the counts exact; the steps before it are not run again.
pub(super) struct Reads<'a> {
    shared: &'a Shared,
    verifier: &'a mut Verifier,
    path: ReadPath,
}

impl Reads<'_> {
    /// Runs one read, on the other store too if it fails where it ran.
    pub(super) fn run<T, E: ReadFailure>(
        &mut self,
        mut read: impl FnMut(&mut Session) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        loop {
            let session = self.verifier.session(self.path);
            self.shared.reconnect(session);
            let result = read(session);
            match &result {
                Err(err) if err.store_failed() => {
                    let next = self
                        .shared
                        .replication
                        .as_ref()
                        .and_then(|replication| replication.after_failure(self.path));
                    match next {
                        Some(path) if self.verifier.replica.is_some() => self.path = path,
                        _ => return result,
                    }
                }
                _ => {
                    self.shared.metrics.read(self.path);
                    return result;
                }
            }
        }
    }
}

/// Why a caller was not let in.
#[derive(Debug)]
pub(super) enum CallerRefused {
    /// No token, or one that is not valid: 401.
    Unauthenticated,
    /// A valid token that may not ask: 403, with the reason in words.
    Forbidden(String),
    /// The store failed while checking it: 503.
    Store,
}

impl Shared {
    /// Opens a session per worker next to `writer` (and one on `replica`,
    /// with the probe's connections, when there is one); every one of them
    /// writes usage only when told.
    pub(super) fn open(
        config: &ServeConfig,
        mut writer: Session,
        replica: Option<Store>,
    ) -> Result<Shared> {
        let mut verifiers = Vec::with_capacity(config.workers);
        let mut replica_sessions = Vec::new();
        if let Some(replica) = &replica {
            for _ in 0..config.workers.max(1) {
                let mut session = writer.sibling_on(replica.reopen()?);
                session.hold_usage();
                replica_sessions.push(session);
            }
        }
        let mut replica_sessions = replica_sessions.into_iter();
        for _ in 0..config.workers.max(1) {
            let mut session = writer.sibling()?;
            session.hold_usage();
            verifiers.push(Mutex::new(Verifier {
                primary: session,
                replica: replica_sessions.next(),
            }));
        }
        let replication = match replica {
            Some(replica) => Some(Replication::new(
                config.replica_reads,
                writer.store().reopen()?,
                replica,
            )),
            None => None,
        };
        writer.hold_usage();
        let blocking = writer.store().server_address().is_some();
        // Its writes are usage counts: a power cut may lose the last ones,
        // never a revocation (written by other commands, durably).
        writer.prefer_throughput()?;
        Ok(Shared {
            verifiers,
            next: AtomicUsize::new(0),
            blocking,
            writer: Mutex::new(WriterState {
                session: writer,
                summary: ServeSummary::default(),
            }),
            caller_auth: config.caller_auth.clone(),
            metrics: Metrics::default(),
            events: None,
            replication,
        })
    }

    pub(super) fn with_events(mut self, events: mpsc::Sender<ServeEvent>) -> Self {
        self.events = Some(Mutex::new(events));
        self
    }

    /// Tells the front end; an event nobody waits for any more is dropped.
    pub(super) fn report(&self, event: ServeEvent) {
        if let Some(events) = &self.events {
            let _ = lock(events).send(event);
        }
    }

    /// Runs `work` with a free worker's sessions (or waits for one), its
    /// reads routed to the replica or the primary ([`Reads::run`]). Called
    /// on an async worker: on a local store `work` must not block for long
    /// (a verification is a read and a hash); on a team store it is a round
    /// trip to the server, so the worker hands its other tasks on first.
    pub(super) fn with_reads<T>(&self, work: impl FnOnce(&mut Reads<'_>) -> T) -> T {
        if self.blocking {
            tokio::task::block_in_place(|| self.with_free_session(work))
        } else {
            self.with_free_session(work)
        }
    }

    fn with_free_session<T>(&self, work: impl FnOnce(&mut Reads<'_>) -> T) -> T {
        let count = self.verifiers.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % count;
        for offset in 0..count {
            if let Ok(mut verifier) = self.verifiers[(start + offset) % count].try_lock() {
                return self.work_on(&mut verifier, work);
            }
        }
        self.work_on(&mut lock(&self.verifiers[start]), work)
    }

    /// Runs `work` on `verifier`'s sessions. Each read first replaces a
    /// connection the server closed (a restart, a failover): the request
    /// that found it closed was answered 503 (or, with a replica, ran on
    /// the other store), the next one gets a new connection. While the
    /// server is down each request tries once more.
    ///
    /// With one store, the request's reads (the caller's check and the
    /// verifications) share one snapshot of it: on a local store one read
    /// transaction, its file locks taken once ([`Session::reading_together`]).
    fn work_on<T>(&self, verifier: &mut Verifier, work: impl FnOnce(&mut Reads<'_>) -> T) -> T {
        let path = self
            .replication
            .as_ref()
            .map_or(ReadPath::Primary, Replication::route);
        let shared = verifier.replica.is_none() && verifier.primary.begin_shared_read();
        let answer = work(&mut Reads {
            shared: self,
            verifier: &mut *verifier,
            path,
        });
        if shared {
            verifier.primary.end_shared_read();
        }
        answer
    }

    /// The metrics' exposition, with the replica's state when there is one.
    pub(super) fn render_metrics(&self) -> String {
        let gauges = self.replication.as_ref().map(|replication| {
            let (primary_up, replica_up, lag_bytes) = replication.state();
            super::metrics::ReplicaGauges {
                staleness: replication.staleness(),
                max_staleness: replication.reads().max_staleness,
                primary_up,
                replica_up,
                lag_bytes,
            }
        });
        self.metrics.render(gauges)
    }

    /// Measures the replica's staleness once (blocks: off the async workers).
    pub(super) fn probe(&self) {
        if let Some(replication) = &self.replication {
            replication.probe();
        }
    }

    fn reconnect(&self, session: &mut Session) {
        // A server still away is seen by the request itself (a 503).
        if let Ok(true) = session.reconnect_if_lost() {
            self.metrics.reconnected();
        }
    }

    /// Checks the caller's token (from `Authorization: Bearer`) on the
    /// verify path: it must be a valid org token holding the configured
    /// scope. Its use or refusal is counted like any other.
    pub(super) fn check_caller(
        &self,
        session: &mut Session,
        bearer: Option<&str>,
    ) -> Result<(), CallerRefused> {
        let CallerAuth::Required { scope } = &self.caller_auth else {
            return Ok(());
        };
        let Some(token) = bearer else {
            return Err(CallerRefused::Unauthenticated);
        };
        match session.verify(token, Some(scope)) {
            Ok(Verdict::Valid(caller)) if caller.kind == TokenKind::Org => Ok(()),
            Ok(Verdict::Valid(_)) => Err(CallerRefused::Forbidden(
                "the caller's token must be an org token".into(),
            )),
            Ok(Verdict::Refused(refusal)) if refusal.reason == Rejection::InsufficientScope => Err(
                CallerRefused::Forbidden(format!("the caller's token lacks the scope {scope}")),
            ),
            Ok(Verdict::Refused(_)) => Err(CallerRefused::Unauthenticated),
            Err(_) => Err(CallerRefused::Store),
        }
    }

    /// Writes everything the sessions counted, in one transaction. Nothing
    /// is written when nothing was counted. On failure the counts stay with
    /// the writer for the next try.
    ///
    /// While writes fail (the primary is down), the counts wait in memory,
    /// at most [`MAX_HELD_TOKEN_HOURS`] token-hours of uses: a token-hour
    /// beyond them that is not waiting already is dropped, and said so.
    pub(super) fn flush(&self) -> Result<()> {
        let mut writer = lock(&self.writer);
        self.reconnect(&mut writer.session);
        let mut dropped = 0;
        for verifier in &self.verifiers {
            let mut verifier = lock(verifier);
            let mut taken = vec![verifier.primary.take_usage()];
            if let Some(replica) = &mut verifier.replica {
                taken.push(replica.take_usage());
            }
            drop(verifier);
            for taken in taken {
                dropped += writer
                    .session
                    .absorb_usage_within(taken, MAX_HELD_TOKEN_HOURS);
            }
        }
        if dropped > 0 {
            self.metrics.uses_dropped(dropped);
            self.report(ServeEvent::UsageDropped { uses: dropped });
        }
        let waiting = writer.session.take_usage();
        if waiting.is_empty() {
            return Ok(());
        }
        let (uses, refusals) = (waiting.uses(), waiting.refusals());
        writer.session.absorb_usage(waiting);
        let mut written = writer.session.flush_usage();
        // A connection the server closed since the last write is only seen
        // closed once used: connect again and write once more.
        if written.is_err() && writer.session.store().connection_lost() {
            self.reconnect(&mut writer.session);
            written = writer.session.flush_usage();
        }
        match written {
            Ok(()) => {
                writer.summary.uses_written += uses;
                writer.summary.refusals_written += refusals;
                writer.summary.flushes += 1;
                self.metrics.flushed(true, uses, refusals);
                Ok(())
            }
            Err(err) => {
                self.metrics.flushed(false, 0, 0);
                self.metrics.store_error();
                Err(err)
            }
        }
    }

    /// What the service did so far.
    pub(super) fn summary(&self) -> ServeSummary {
        ServeSummary {
            requests: self.metrics.requests(),
            ..lock(&self.writer).summary
        }
    }
}

/// A lock that a panicking holder did not poison for good: a session's
/// state stays consistent between calls (counts are added in one step).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
