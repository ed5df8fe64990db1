//! Reading from a replica of the team store: how stale it is, measured
//! against the primary by a background probe, and which store a read goes
//! to (docs/services.md, "Reading from a replica").
//!
//! Staleness is measured, not guessed from timestamps: each probe notes
//! when it started and reads the primary's flushed WAL position, then the
//! replica's replayed position. Once the replica has replayed up to a
//! position the primary had flushed at a probe's start, the replica holds
//! every transaction that committed before that start (a durable commit is
//! flushed before it returns), and that start is the newest moment the
//! replica is known to be complete up to: `fresh_as_of`. A read may go to
//! the replica while `now - fresh_as_of` is within the bound; so a
//! revocation committed at time T is seen by every read that starts after
//! T + bound, whichever store answers it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::ReplicaReads;
use crate::error::Result;
use crate::store::{Store, WalPosition};

/// The fewest and most probes per second: a probe is two round trips.
const PROBE_INTERVAL_MIN: Duration = Duration::from_millis(10);
const PROBE_INTERVAL_MAX: Duration = Duration::from_millis(250);

/// Probes whose positions the replica has not replayed yet are kept for
/// comparing with its later positions, this many at most (the oldest go).
const SAMPLES_KEPT: usize = 256;

/// How often the replica's staleness is measured for a bound: a quarter of
/// it, so that a replica that keeps up is always known fresh within the
/// bound, between 10 and 250 ms.
pub(super) fn probe_interval(max_staleness: Duration) -> Duration {
    (max_staleness / 4).clamp(PROBE_INTERVAL_MIN, PROBE_INTERVAL_MAX)
}

/// Which store answers a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReadPath {
    /// The primary (`--db`): no replica, or it is too stale or down.
    Primary,
    /// The replica, known complete up to within the bound.
    Replica,
    /// The replica beyond the bound, because the primary is down and stale
    /// reads are allowed.
    StaleReplica,
}

impl ReadPath {
    pub(super) const ALL: [ReadPath; 3] =
        [ReadPath::Primary, ReadPath::Replica, ReadPath::StaleReplica];

    /// The `path` label of `tokctl_serve_store_reads_total`.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            ReadPath::Primary => "primary",
            ReadPath::Replica => "replica",
            ReadPath::StaleReplica => "stale_replica",
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }
}

/// What the probe knows about the primary and the replica, shared with
/// every request (atomics: a request only loads them).
#[derive(Debug)]
pub(super) struct Replication {
    reads: ReplicaReads,
    /// The instant every time below counts from.
    base: Instant,
    /// Nanoseconds after `base` of `fresh_as_of`, plus one; 0: not known
    /// (no probe has seen the replica complete, or it failed since).
    fresh_as_of: AtomicU64,
    primary_up: AtomicBool,
    replica_up: AtomicBool,
    /// Bytes of WAL the primary had flushed that the replica had not
    /// replayed, at the last probe that reached both.
    lag_bytes: AtomicU64,
    prober: Mutex<Prober>,
}

/// The probe's own connections and the positions it has yet to see replayed.
#[derive(Debug)]
struct Prober {
    primary: Store,
    replica: Store,
    /// (nanoseconds after `base` the probe started, the primary's flushed
    /// position then), oldest first.
    samples: VecDeque<(u64, u64)>,
}

impl Replication {
    /// Starts measuring with a connection of its own to each store.
    pub(super) fn new(reads: ReplicaReads, primary: Store, replica: Store) -> Replication {
        Replication {
            reads,
            base: Instant::now(),
            fresh_as_of: AtomicU64::new(0),
            primary_up: AtomicBool::new(true),
            replica_up: AtomicBool::new(true),
            lag_bytes: AtomicU64::new(0),
            prober: Mutex::new(Prober {
                primary,
                replica,
                samples: VecDeque::new(),
            }),
        }
    }

    pub(super) fn reads(&self) -> ReplicaReads {
        self.reads
    }

    fn nanos(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_nanos()).unwrap_or(u64::MAX - 1)
    }

    /// How long ago the replica was last known complete, if it is.
    pub(super) fn staleness(&self) -> Option<Duration> {
        let fresh = self.fresh_as_of.load(Ordering::Acquire);
        let fresh = fresh.checked_sub(1)?;
        let now = self.nanos(Instant::now());
        Some(Duration::from_nanos(now.saturating_sub(fresh)))
    }

    /// Where a read goes now: the replica while it is known fresh within
    /// the bound; else the primary, or, with stale reads allowed and the
    /// primary found down, the replica anyway.
    pub(super) fn route(&self) -> ReadPath {
        let replica_up = self.replica_up.load(Ordering::Acquire);
        if replica_up
            && self
                .staleness()
                .is_some_and(|stale| stale <= self.reads.max_staleness)
        {
            return ReadPath::Replica;
        }
        if replica_up && self.reads.allow_stale_reads && !self.primary_up.load(Ordering::Acquire) {
            return ReadPath::StaleReplica;
        }
        ReadPath::Primary
    }

    /// Where a read goes after it failed on `failed`: the primary after the
    /// replica failed (which is then not used until a probe finds it
    /// complete again); the replica after the primary failed, if stale
    /// reads are allowed; else nowhere.
    pub(super) fn after_failure(&self, failed: ReadPath) -> Option<ReadPath> {
        match failed {
            ReadPath::Replica | ReadPath::StaleReplica => {
                self.replica_down();
                (failed == ReadPath::Replica).then_some(ReadPath::Primary)
            }
            ReadPath::Primary => {
                self.primary_up.store(false, Ordering::Release);
                (self.reads.allow_stale_reads && self.replica_up.load(Ordering::Acquire))
                    .then_some(ReadPath::StaleReplica)
            }
        }
    }

    fn replica_down(&self) {
        self.replica_up.store(false, Ordering::Release);
        self.fresh_as_of.store(0, Ordering::Release);
    }

    /// One measurement: the primary's flushed position (noted with the
    /// probe's start), then the replica's replayed position, which makes
    /// fresh every earlier probe whose position it reached. Blocks on both
    /// servers: call it off the async workers.
    pub(super) fn probe(&self) {
        let mut prober = self
            .prober
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let started = self.nanos(Instant::now());
        match position(&mut prober.primary) {
            Ok(Some(WalPosition::Primary { flushed })) => {
                self.primary_up.store(true, Ordering::Release);
                if prober.samples.len() == SAMPLES_KEPT {
                    prober.samples.pop_front();
                }
                prober.samples.push_back((started, flushed));
            }
            // Down, or no longer a primary (a replica promoted in its
            // place is another store's history): no new sample.
            _ => self.primary_up.store(false, Ordering::Release),
        }
        let replayed = match position(&mut prober.replica) {
            Ok(Some(WalPosition::Replica {
                replayed: Some(replayed),
            })) => replayed,
            // Down, or promoted (no longer following the primary).
            _ => {
                self.replica_down();
                return;
            }
        };
        self.replica_up.store(true, Ordering::Release);
        let mut newest = None;
        while let Some(&(at, flushed)) = prober.samples.front() {
            if flushed > replayed {
                break;
            }
            newest = Some(at);
            prober.samples.pop_front();
        }
        if let Some(at) = newest {
            self.fresh_as_of.fetch_max(at + 1, Ordering::AcqRel);
        }
        let behind = prober
            .samples
            .back()
            .map_or(0, |&(_, flushed)| flushed.saturating_sub(replayed));
        self.lag_bytes.store(behind, Ordering::Release);
    }

    /// For the metrics: whether each store answered the last probe, and the
    /// replica's lag in bytes then.
    pub(super) fn state(&self) -> (bool, bool, u64) {
        (
            self.primary_up.load(Ordering::Acquire),
            self.replica_up.load(Ordering::Acquire),
            self.lag_bytes.load(Ordering::Acquire),
        )
    }
}

/// A store's WAL position, connecting again first if the server had closed
/// the connection (a restart).
fn position(store: &mut Store) -> Result<Option<WalPosition>> {
    if store.connection_lost() {
        *store = store.reopen()?;
    }
    store.wal_position()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_are_a_quarter_of_the_bound_within_limits() {
        assert_eq!(
            probe_interval(Duration::from_secs(1)),
            Duration::from_millis(250)
        );
        assert_eq!(
            probe_interval(Duration::from_millis(200)),
            Duration::from_millis(50)
        );
        assert_eq!(probe_interval(Duration::ZERO), PROBE_INTERVAL_MIN);
        assert_eq!(probe_interval(Duration::from_secs(60)), PROBE_INTERVAL_MAX);
    }
}
