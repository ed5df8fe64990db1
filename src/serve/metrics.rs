//! The service's counters and their Prometheus text exposition (format
//! 0.0.4). Labels come from fixed sets (outcomes, refusal reasons), never
//! from a request: no presented token can reach a label.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use super::replica::ReadPath;
use crate::error::Rejection;

/// How a request ended: the `outcome` label of `tokctl_serve_requests_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// `/v1/verify`: the token is valid.
    Valid,
    /// `/v1/verify`: the token was refused (still a 200).
    Refused,
    /// `/v1/verify/batch` answered.
    Batch,
    /// `/healthz` or `/metrics` answered.
    Ok,
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Timeout,
    TooLarge,
    TooManyConnections,
    StoreError,
    OtherError,
}

impl Outcome {
    const ALL: [Outcome; 14] = [
        Outcome::Valid,
        Outcome::Refused,
        Outcome::Batch,
        Outcome::Ok,
        Outcome::BadRequest,
        Outcome::Unauthenticated,
        Outcome::Forbidden,
        Outcome::NotFound,
        Outcome::MethodNotAllowed,
        Outcome::Timeout,
        Outcome::TooLarge,
        Outcome::TooManyConnections,
        Outcome::StoreError,
        Outcome::OtherError,
    ];

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Refused => "refused",
            Outcome::Batch => "batch",
            Outcome::Ok => "ok",
            Outcome::BadRequest => "bad_request",
            Outcome::Unauthenticated => "unauthenticated",
            Outcome::Forbidden => "forbidden",
            Outcome::NotFound => "not_found",
            Outcome::MethodNotAllowed => "method_not_allowed",
            Outcome::Timeout => "timeout",
            Outcome::TooLarge => "too_large",
            Outcome::TooManyConnections => "too_many_connections",
            Outcome::StoreError => "store_error",
            Outcome::OtherError => "other_error",
        }
    }

    fn index(self) -> usize {
        Outcome::ALL
            .iter()
            .position(|outcome| *outcome == self)
            .unwrap_or(Outcome::ALL.len() - 1)
    }
}

/// The verdicts counted by `tokctl_serve_verifications_total{result}`.
const RESULTS: [&str; 7] = [
    "valid",
    "malformed",
    "unknown",
    "expired",
    "revoked",
    "insufficient_scope",
    "rotated",
];

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Every counter of one service.
#[derive(Debug, Default)]
pub(super) struct Metrics {
    requests: [AtomicU64; 14],
    verifications: [AtomicU64; 7],
    /// Requests per bucket (not cumulative; summed when written out).
    latency: [AtomicU64; 15],
    latency_micros: AtomicU64,
    flushes_ok: AtomicU64,
    flushes_failed: AtomicU64,
    uses_written: AtomicU64,
    refusals_written: AtomicU64,
    store_errors: AtomicU64,
    store_reconnects: AtomicU64,
    /// Reads answered, per [`ReadPath`].
    reads: [AtomicU64; 3],
    uses_dropped: AtomicU64,
    connections_open: AtomicI64,
    connections_closed_at_once: AtomicU64,
}

impl Metrics {
    /// Counts an answered request and how long it took.
    pub(super) fn request(&self, outcome: Outcome, took: Duration) {
        self.requests[outcome.index()].fetch_add(1, Ordering::Relaxed);
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        self.latency[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Counts a verdict given.
    pub(super) fn verdict(&self, valid: bool, reason: Option<Rejection>) {
        let name = match (valid, reason) {
            (true, _) | (false, None) => "valid",
            (false, Some(reason)) => reason.as_str(),
        };
        if let Some(index) = RESULTS.iter().position(|result| *result == name) {
            self.verifications[index].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(super) fn flushed(&self, ok: bool, uses: u64, refusals: u64) {
        if ok {
            self.flushes_ok.fetch_add(1, Ordering::Relaxed);
            self.uses_written.fetch_add(uses, Ordering::Relaxed);
            self.refusals_written.fetch_add(refusals, Ordering::Relaxed);
        } else {
            self.flushes_failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(super) fn store_error(&self) {
        self.store_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// A read answered by the store `path` names.
    pub(super) fn read(&self, path: ReadPath) {
        self.reads[path.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Uses counted that could not be kept while writes failed.
    pub(super) fn uses_dropped(&self, uses: u64) {
        self.uses_dropped.fetch_add(uses, Ordering::Relaxed);
    }

    /// A store connection the server had closed, replaced by a new one.
    pub(super) fn reconnected(&self) {
        self.store_reconnects.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn connection_opened(&self) {
        self.connections_open.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn connection_closed(&self) {
        self.connections_open.fetch_sub(1, Ordering::Relaxed);
    }

    /// A connection beyond every limit, closed without an answer.
    pub(super) fn connection_dropped(&self) {
        self.connections_closed_at_once
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Requests answered so far.
    pub(super) fn requests(&self) -> u64 {
        self.requests
            .iter()
            .map(|count| count.load(Ordering::Relaxed))
            .sum()
    }

    /// The Prometheus text exposition of every counter, and of the
    /// replica's state when reads may go to one.
    pub(super) fn render(&self, replica: Option<ReplicaGauges>) -> String {
        let mut out = String::with_capacity(4096);
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        // Writing to a String cannot fail.
        let _ = self.render_into(&mut out, load);
        if let Some(replica) = replica {
            let _ = replica.render_into(&mut out);
        }
        out
    }

    fn render_into(&self, out: &mut String, load: impl Fn(&AtomicU64) -> u64) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP tokctl_serve_requests_total HTTP requests answered, by outcome."
        )?;
        writeln!(out, "# TYPE tokctl_serve_requests_total counter")?;
        for outcome in Outcome::ALL {
            writeln!(
                out,
                "tokctl_serve_requests_total{{outcome=\"{}\"}} {}",
                outcome.as_str(),
                load(&self.requests[outcome.index()])
            )?;
        }
        writeln!(out, "# HELP tokctl_serve_verifications_total Tokens verified (single and batch), by result.")?;
        writeln!(out, "# TYPE tokctl_serve_verifications_total counter")?;
        for (index, result) in RESULTS.iter().enumerate() {
            writeln!(
                out,
                "tokctl_serve_verifications_total{{result=\"{result}\"}} {}",
                load(&self.verifications[index])
            )?;
        }
        writeln!(out, "# HELP tokctl_serve_request_duration_seconds Time from a request's head to its answer.")?;
        writeln!(
            out,
            "# TYPE tokctl_serve_request_duration_seconds histogram"
        )?;
        let mut cumulative = 0;
        for (index, bound) in BUCKETS.iter().enumerate() {
            cumulative += load(&self.latency[index]);
            writeln!(
                out,
                "tokctl_serve_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            )?;
        }
        cumulative += load(&self.latency[BUCKETS.len()]);
        writeln!(
            out,
            "tokctl_serve_request_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        )?;
        writeln!(
            out,
            "tokctl_serve_request_duration_seconds_sum {}",
            load(&self.latency_micros) as f64 / 1e6
        )?;
        writeln!(
            out,
            "tokctl_serve_request_duration_seconds_count {cumulative}"
        )?;
        writeln!(
            out,
            "# HELP tokctl_serve_usage_flushes_total Writes of the usage counted, by result."
        )?;
        writeln!(out, "# TYPE tokctl_serve_usage_flushes_total counter")?;
        writeln!(
            out,
            "tokctl_serve_usage_flushes_total{{result=\"ok\"}} {}",
            load(&self.flushes_ok)
        )?;
        writeln!(
            out,
            "tokctl_serve_usage_flushes_total{{result=\"failed\"}} {}",
            load(&self.flushes_failed)
        )?;
        writeln!(
            out,
            "# HELP tokctl_serve_uses_written_total Successful verifications written to the store."
        )?;
        writeln!(out, "# TYPE tokctl_serve_uses_written_total counter")?;
        writeln!(
            out,
            "tokctl_serve_uses_written_total {}",
            load(&self.uses_written)
        )?;
        writeln!(out, "# HELP tokctl_serve_refusals_written_total Refused verifications written to the store.")?;
        writeln!(out, "# TYPE tokctl_serve_refusals_written_total counter")?;
        writeln!(
            out,
            "tokctl_serve_refusals_written_total {}",
            load(&self.refusals_written)
        )?;
        writeln!(out, "# HELP tokctl_serve_store_errors_total Store failures (reads while verifying or checking health, writes of usage).")?;
        writeln!(out, "# TYPE tokctl_serve_store_errors_total counter")?;
        writeln!(
            out,
            "tokctl_serve_store_errors_total {}",
            load(&self.store_errors)
        )?;
        writeln!(out, "# HELP tokctl_serve_store_reconnects_total Store connections the server closed, replaced by new ones.")?;
        writeln!(out, "# TYPE tokctl_serve_store_reconnects_total counter")?;
        writeln!(
            out,
            "tokctl_serve_store_reconnects_total {}",
            load(&self.store_reconnects)
        )?;
        writeln!(out, "# HELP tokctl_serve_store_reads_total Store reads answered (caller checks, verifications, health checks), by the store that answered.")?;
        writeln!(out, "# TYPE tokctl_serve_store_reads_total counter")?;
        for path in ReadPath::ALL {
            writeln!(
                out,
                "tokctl_serve_store_reads_total{{path=\"{}\"}} {}",
                path.as_str(),
                load(&self.reads[path.index()])
            )?;
        }
        writeln!(out, "# HELP tokctl_serve_uses_dropped_total Successful verifications not kept while usage could not be written (beyond the bound held in memory).")?;
        writeln!(out, "# TYPE tokctl_serve_uses_dropped_total counter")?;
        writeln!(
            out,
            "tokctl_serve_uses_dropped_total {}",
            load(&self.uses_dropped)
        )?;
        writeln!(
            out,
            "# HELP tokctl_serve_connections_open Connections being served."
        )?;
        writeln!(out, "# TYPE tokctl_serve_connections_open gauge")?;
        writeln!(
            out,
            "tokctl_serve_connections_open {}",
            self.connections_open.load(Ordering::Relaxed)
        )?;
        writeln!(out, "# HELP tokctl_serve_connections_dropped_total Connections beyond every limit, closed unanswered.")?;
        writeln!(out, "# TYPE tokctl_serve_connections_dropped_total counter")?;
        writeln!(
            out,
            "tokctl_serve_connections_dropped_total {}",
            load(&self.connections_closed_at_once)
        )
    }
}

/// The replica's state for the exposition, as the last probe found it.
#[derive(Debug, Clone, Copy)]
pub(super) struct ReplicaGauges {
    /// How long ago the replica was last known complete (`None`: not known).
    pub(super) staleness: Option<Duration>,
    /// The bound beyond which reads go to the primary.
    pub(super) max_staleness: Duration,
    pub(super) primary_up: bool,
    pub(super) replica_up: bool,
    /// WAL the primary had flushed and the replica had not replayed.
    pub(super) lag_bytes: u64,
}

impl ReplicaGauges {
    fn render_into(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "# HELP tokctl_serve_replica_staleness_seconds Time since the replica was last known to hold every transaction the primary had committed (+Inf: not known).")?;
        writeln!(out, "# TYPE tokctl_serve_replica_staleness_seconds gauge")?;
        match self.staleness {
            Some(stale) => writeln!(
                out,
                "tokctl_serve_replica_staleness_seconds {}",
                stale.as_secs_f64()
            )?,
            None => writeln!(out, "tokctl_serve_replica_staleness_seconds +Inf")?,
        }
        writeln!(out, "# HELP tokctl_serve_replica_max_staleness_seconds The staleness beyond which reads go to the primary.")?;
        writeln!(
            out,
            "# TYPE tokctl_serve_replica_max_staleness_seconds gauge"
        )?;
        writeln!(
            out,
            "tokctl_serve_replica_max_staleness_seconds {}",
            self.max_staleness.as_secs_f64()
        )?;
        writeln!(out, "# HELP tokctl_serve_replica_lag_bytes WAL the primary had flushed that the replica had not replayed, at the last probe.")?;
        writeln!(out, "# TYPE tokctl_serve_replica_lag_bytes gauge")?;
        writeln!(out, "tokctl_serve_replica_lag_bytes {}", self.lag_bytes)?;
        writeln!(
            out,
            "# HELP tokctl_serve_store_up Whether each store answered the last probe."
        )?;
        writeln!(out, "# TYPE tokctl_serve_store_up gauge")?;
        writeln!(
            out,
            "tokctl_serve_store_up{{store=\"primary\"}} {}",
            u8::from(self.primary_up)
        )?;
        writeln!(
            out,
            "tokctl_serve_store_up{{store=\"replica\"}} {}",
            u8::from(self.replica_up)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_every_family_and_consistent_buckets() {
        let metrics = Metrics::default();
        metrics.request(Outcome::Valid, Duration::from_micros(300));
        metrics.request(Outcome::Unauthenticated, Duration::from_secs(30));
        metrics.verdict(false, Some(Rejection::Revoked));
        metrics.read(ReadPath::Replica);
        let text = metrics.render(None);
        assert!(text.contains("tokctl_serve_store_reads_total{path=\"replica\"} 1\n"));
        assert!(text.contains("tokctl_serve_store_reads_total{path=\"primary\"} 0\n"));
        assert!(!text.contains("tokctl_serve_replica_staleness_seconds"));
        let replica = ReplicaGauges {
            staleness: None,
            max_staleness: Duration::from_millis(1500),
            primary_up: true,
            replica_up: false,
            lag_bytes: 7,
        };
        let with_replica = metrics.render(Some(replica));
        assert!(with_replica.contains("tokctl_serve_replica_staleness_seconds +Inf\n"));
        assert!(with_replica.contains("tokctl_serve_replica_max_staleness_seconds 1.5\n"));
        assert!(with_replica.contains("tokctl_serve_store_up{store=\"replica\"} 0\n"));
        assert!(text.contains("tokctl_serve_requests_total{outcome=\"valid\"} 1\n"));
        assert!(text.contains("tokctl_serve_requests_total{outcome=\"unauthenticated\"} 1\n"));
        assert!(text.contains("tokctl_serve_verifications_total{result=\"revoked\"} 1\n"));
        assert!(text.contains("tokctl_serve_request_duration_seconds_bucket{le=\"0.0005\"} 1\n"));
        assert!(text.contains("tokctl_serve_request_duration_seconds_bucket{le=\"5\"} 1\n"));
        assert!(text.contains("tokctl_serve_request_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
        assert!(text.contains("tokctl_serve_request_duration_seconds_count 2\n"));
        assert_eq!(metrics.requests(), 2);
    }
}
