//! What the service's tasks share: the sessions (one per worker, and the
//! writer of usage), the caller check, the metrics, and the writes of usage.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex, MutexGuard, PoisonError};

use super::metrics::Metrics;
use super::{CallerAuth, ServeConfig, ServeEvent, ServeSummary};
use crate::error::{Rejection, Result};
use crate::model::TokenKind;
use crate::ops::Session;
use crate::verdict::Verdict;

/// Shared by every task of one service.
#[derive(Debug)]
pub(super) struct Shared {
    /// One session per worker: a request takes a free one.
    verifiers: Vec<Mutex<Session>>,
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
}

#[derive(Debug)]
struct WriterState {
    session: Session,
    summary: ServeSummary,
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
    /// Opens a session per worker next to `writer`; every one of them
    /// writes usage only when told.
    pub(super) fn open(config: &ServeConfig, mut writer: Session) -> Result<Shared> {
        let mut verifiers = Vec::with_capacity(config.workers);
        for _ in 0..config.workers.max(1) {
            let mut session = writer.sibling()?;
            session.hold_usage();
            verifiers.push(Mutex::new(session));
        }
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

    /// Runs `work` with a free session (or waits for one). Called on an
    /// async worker: on a local store `work` must not block for long (a
    /// verification is a read and a hash); on a team store it is a round
    /// trip to the server, so the worker hands its other tasks on first.
    pub(super) fn with_session<T>(&self, work: impl FnOnce(&mut Session) -> T) -> T {
        if self.blocking {
            tokio::task::block_in_place(|| self.with_free_session(work))
        } else {
            self.with_free_session(work)
        }
    }

    fn with_free_session<T>(&self, work: impl FnOnce(&mut Session) -> T) -> T {
        let count = self.verifiers.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % count;
        for offset in 0..count {
            if let Ok(mut session) = self.verifiers[(start + offset) % count].try_lock() {
                return self.work_on(&mut session, work);
            }
        }
        self.work_on(&mut lock(&self.verifiers[start]), work)
    }

    /// Runs `work` on `session`, first replacing a connection the server
    /// closed (a restart, a failover): the request that found it closed was
    /// answered 503, the next one gets a new connection. While the server
    /// is down each request tries once more and is answered 503.
    fn work_on<T>(&self, session: &mut Session, work: impl FnOnce(&mut Session) -> T) -> T {
        self.reconnect(session);
        work(session)
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
    pub(super) fn flush(&self) -> Result<()> {
        let mut writer = lock(&self.writer);
        self.reconnect(&mut writer.session);
        for verifier in &self.verifiers {
            let taken = lock(verifier).take_usage();
            writer.session.absorb_usage(taken);
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
