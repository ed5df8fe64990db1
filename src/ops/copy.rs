//! `store copy`: the session's whole store, moved into an empty store (a
//! team store), rows as they are and the audit chain carried on.

use std::ops::ControlFlow;

use super::Session;
use crate::audit::{action, hex, ChainReport, ChainWalker, Checkpoint, NewEvent};
use crate::error::{Error, Result};
use crate::progress::{units, NoProgress, Progress, Stage};
use crate::store::{
    DumpSink, LoadEnd, Loader, RecordBatch, RecordCounts, Store, StoreError, StoreFacts,
    StoreRecord, Tx,
};

/// Rows sent to the target at once: large enough that each `COPY` carries
/// thousands of rows, small enough that memory stays a few megabytes.
const BATCH_ROWS: usize = 20_000;

/// What a copy moved (or, in a dry run, would move).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreCopy {
    /// Whether nothing was written (a dry run).
    pub dry_run: bool,
    /// Rows of each kind.
    pub counts: RecordCounts,
    /// The source store's random id.
    pub source_store_id: String,
    /// The source chain's newest event (or its checkpoint when it holds
    /// none), which the copy's `store.copy` event names and links to.
    pub source_head: Option<Checkpoint>,
    /// Where the source chain starts after a retention prune.
    pub source_checkpoint: Option<Checkpoint>,
    /// The `store.copy` event written into the target, the first of its
    /// own chain after the copied events (`None` in a dry run).
    pub copy_event: Option<Checkpoint>,
}

impl Session {
    /// Copies this session's whole store into `target`, which must be empty:
    /// orgs, users, memberships, policies, tokens (digests only, with every
    /// state, use count and rotation), use history and the audit trail,
    /// with their original keys, actors and times. Token ids stay, so every
    /// secret still verifies there.
    ///
    /// The source chain is verified as it is read; a broken one is refused
    /// ([`Error::AuditChainBroken`]) with nothing written. In the target
    /// the copied events keep their ids and hashes, and one `store.copy`
    /// event by the target's acting user (on a team store, the database
    /// login) follows them: it names the source's head and counts, and its
    /// hash links to that head, so one chain runs through both.
    ///
    /// Everything goes into the target in one transaction ([`Store::load`]):
    /// a copy that fails leaves it empty, and can be run again. The source
    /// is only read, but for one write first: uses that one-shot
    /// verifications left in its usage journal go into it
    /// ([`Session::fold_deferred_usage`]), so the copy (and a dry run's
    /// counts) carries every use. Reading every org's tokens and trail needs the owner
    /// role in every org, unless the OS user running this owns the store's
    /// file (as for a backup); writing needs what [`Store::check_load`]
    /// says. With `dry_run`, the same checks run and the rows are counted,
    /// and nothing is written.
    pub fn copy_store(&mut self, target: &mut Store, dry_run: bool) -> Result<StoreCopy> {
        self.copy_store_with_progress(target, dry_run, &NoProgress)
    }

    /// [`Session::copy_store`], reporting to `progress`: the stage
    /// [`Stage::Copying`], one unit per row read (and, unless a dry run,
    /// loaded), counted as each batch goes in.
    pub fn copy_store_with_progress(
        &mut self,
        target: &mut Store,
        dry_run: bool,
        progress: &dyn Progress,
    ) -> Result<StoreCopy> {
        if !self.store.file_owned_by_running_user() {
            let q: &dyn Tx = &*self.store.read();
            let actor = self.ctx.actor(q)?;
            super::require_owner_everywhere(q, actor, "copying the store")?;
        }
        target.check_load()?;
        // The dump reads the tables: a use still in the journal would be
        // missing from the copy's counts, history and trail, and the
        // journal stays behind with the local file.
        self.fold_deferred_usage()?;
        if dry_run {
            let mut sink = CopySink::new(None, progress);
            self.store.dump(&mut sink)?;
            let (counts, facts, report) = sink.end()?;
            progress.finish();
            return Ok(StoreCopy::new(true, counts, facts, &report, None));
        }
        let actor = target
            .server_user()
            .map_or_else(|| self.ctx.actor.clone(), str::to_owned);
        let source_path = self.store.path().map(|path| path.display().to_string());
        let copy = target.load(|q, loader| {
            let mut sink = CopySink::new(Some(loader), progress);
            self.store.dump(&mut sink)?;
            let (counts, facts, report) = sink.end()?;
            loader.finish(&LoadEnd {
                next_token_key: facts.next_token_key,
                checkpoint: facts.checkpoint.clone(),
            })?;
            let head = report.head.clone();
            let event = NewEvent {
                actor: Some(actor),
                target: source_path,
                details: serde_json::json!({
                    "source_store_id": facts.store_id,
                    "source_head_id": head.as_ref().map(|head| head.id),
                    "source_head_hash": head.as_ref().map(|head| hex(&head.hash)),
                    "source_events": counts.events,
                    "source_checkpoint_id": facts.checkpoint.as_ref().map(|c| c.id),
                    "copied": counts,
                }),
                ..self.ctx.event(action::STORE_COPY)
            };
            q.append_event(&event)?;
            let copy_event = q.audit_head()?;
            Ok(StoreCopy::new(false, counts, facts, &report, copy_event))
        })?;
        progress.finish();
        Ok(copy)
    }
}

impl StoreCopy {
    fn new(
        dry_run: bool,
        counts: RecordCounts,
        facts: StoreFacts,
        report: &ChainReport,
        copy_event: Option<Checkpoint>,
    ) -> StoreCopy {
        StoreCopy {
            dry_run,
            counts,
            source_store_id: facts.store_id,
            source_head: report.head.clone(),
            source_checkpoint: facts.checkpoint,
            copy_event,
        }
    }
}

/// Where the source's rows go: counted, their chain walked, and (unless a
/// dry run) loaded in batches.
struct CopySink<'l> {
    loader: Option<&'l dyn Loader>,
    progress: &'l dyn Progress,
    batch: RecordBatch,
    counts: RecordCounts,
    facts: Option<StoreFacts>,
    walker: Option<ChainWalker>,
    failure: Option<Error>,
}

impl<'l> CopySink<'l> {
    fn new(loader: Option<&'l dyn Loader>, progress: &'l dyn Progress) -> Self {
        CopySink {
            loader,
            progress,
            batch: RecordBatch::default(),
            counts: RecordCounts::default(),
            facts: None,
            walker: None,
            failure: None,
        }
    }

    /// Loads what is batched, if anything is to be loaded.
    fn flush(&mut self) -> Result<()> {
        if let Some(loader) = self.loader {
            if !self.batch.is_empty() {
                loader.load(&self.batch)?;
            }
        }
        self.counts.add(self.batch.counts());
        self.progress.advance(units(self.batch.len()));
        self.batch.clear();
        Ok(())
    }

    /// The last batch, then what was read: refused if the chain is broken.
    fn end(mut self) -> Result<(RecordCounts, StoreFacts, ChainReport)> {
        if let Some(err) = self.failure.take() {
            return Err(err);
        }
        self.flush()?;
        let facts = self
            .facts
            .ok_or_else(|| StoreError::corrupt("a dump without the store's facts"))?;
        let report = match self.walker {
            Some(walker) => walker.finish(),
            None => ChainWalker::new(facts.checkpoint.clone()).finish(),
        };
        if let Some(broken) = &report.broken {
            return Err(Error::AuditChainBroken {
                event_id: broken.event_id,
                problem: broken.problem.clone(),
            });
        }
        Ok((self.counts, facts, report))
    }
}

impl DumpSink for CopySink<'_> {
    fn facts(&mut self, facts: &StoreFacts) {
        self.progress.start(Stage::Copying, Some(facts.rows));
        self.walker = Some(ChainWalker::new(facts.checkpoint.clone()));
        self.facts = Some(facts.clone());
    }

    fn record(&mut self, record: StoreRecord) -> ControlFlow<()> {
        if let (StoreRecord::Event(event), Some(walker)) = (&record, self.walker.as_mut()) {
            walker.push(event);
        }
        self.batch.push(record);
        if self.batch.len() >= BATCH_ROWS {
            if let Err(err) = self.flush() {
                self.failure = Some(err);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }
}
