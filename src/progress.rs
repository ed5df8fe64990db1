//! How far a long operation got: the seam through which the bulk use cases
//! (a bulk or policy revoke, prune, a policy fix, `user import`, `store
//! copy`) report their progress, for a front end to show. The library never
//! prints; it only calls a [`Progress`] it is handed, and [`NoProgress`]
//! when it is handed none.

/// What a long operation is busy with, so a front end can say it.
///
/// Exhaustive on purpose: a front end names every stage, and a new one
/// fails to compile until it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Revoking planned tokens in the store: one unit per planned token
    /// (revoked or skipped).
    Revoking,
    /// Deleting the rows of planned tokens: one unit per planned token.
    Pruning,
    /// Cutting planned expiries down to the policy's max lifetime: one unit
    /// per planned token.
    Clamping,
    /// Writing a directory file's changes: one unit per row of the file.
    Importing,
    /// Copying a whole store into another: one unit per row (of any table).
    Copying,
    /// Deleting the keyring entries of tokens just revoked or pruned, after
    /// the change committed: one unit per entry.
    KeyringCleanup,
}

/// Receives the progress of a long operation, stage by stage: [`start`],
/// then [`advance`] as units of work get done, then [`finish`].
///
/// The methods take `&self` because the reports come from inside store
/// transactions, which hold the session mutably; an implementation that
/// keeps counts uses interior mutability. They are called on the thread
/// doing the work, and should return quickly (a report may come once per
/// token).
///
/// A stage may start again before it finished: a team store runs a write
/// transaction again after a conflict with another session, and the
/// stage's count starts over with it. An operation that fails returns its
/// error without finishing the stage it was in.
///
/// [`start`]: Progress::start
/// [`advance`]: Progress::advance
/// [`finish`]: Progress::finish
pub trait Progress {
    /// A stage begins with `total` units of work (`None`: not known ahead).
    fn start(&self, stage: Stage, total: Option<u64>);

    /// `done` more units of the current stage are done.
    fn advance(&self, done: u64);

    /// The current stage is over.
    fn finish(&self);
}

/// Reports nowhere: what an operation called without a [`Progress`] uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _stage: Stage, _total: Option<u64>) {}

    fn advance(&self, _done: u64) {}

    fn finish(&self) {}
}

/// A count as the seam takes it (lengths never come near `u64::MAX`).
pub(crate) fn units(count: usize) -> u64 {
    u64::try_from(count).unwrap_or(u64::MAX)
}
