//! Revoking tokens: by id or name, in bulk by a selection, or by a leaked secret.
//!
//! Every revoke is planned, then applied: a plan fixes the token ids (what a
//! dry run shows and a person confirms), and the apply re-checks each planned
//! id inside its write transaction, revokes those that still qualify and
//! reports the others as skipped; it never acts on a token the plan did not
//! hold. Offboarding and the policy revoke apply their plans the same way.
//!
//! Write order: the revocations and their audit events commit together first
//! (a revocation must never be lost), then the keyring entries are deleted; a
//! keyring entry that is already gone, or a keyring that fails, is reported
//! in the result, never as a failure, and a failure is audited once for all
//! the tokens it affected.

use std::collections::HashMap;

use super::inspect::SecretMatch;
use super::list::Selection;
use super::{keyring_entry, Actor, Ctx, Session};
use crate::audit::action;
use crate::clock::Timestamp;
use crate::error::{Error, Rejection, Result};
use crate::keyring::{KeyringEntry, KeyringError, KeyringMode};

use crate::model::{Token, TokenId, TokenStatus};
use crate::progress::{units, NoProgress, Progress, Stage};
use crate::secret;
use crate::store::{TokenRow, Tx};

/// What happened to one token.
#[derive(Debug)]
pub struct Revoked {
    /// The token, as it is now (or would be, in a preview).
    pub token: Token,
    /// Whether this call revoked it (false: it already was).
    pub newly: bool,
    /// What happened to its keyring entry.
    pub keyring: RevokeOutcome,
}

/// The keyring side of a revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// The entry was deleted.
    Deleted,
    /// There was no entry (made with the keyring off, elsewhere, or removed by hand).
    Missing,
    /// The keyring failed; the entry may remain.
    Failed(KeyringError),
    /// Keyring off, a preview, or the token was already revoked.
    Untouched,
}

const MAX_REASON_CHARS: usize = 500;

/// The reason recorded for a token revoked by presenting its secret.
const LEAKED_REASON: &str = "leaked: revoked by presenting its secret";

/// The tokens a revoke will act on, fixed when it is planned: what a dry run
/// shows and a person confirms is exactly what runs.
#[derive(Debug, Clone)]
pub struct RevokePlan {
    /// The tokens, as they were when planned. A bulk plan holds live and
    /// expired tokens only; a named or leaked one may hold a token already
    /// revoked (revoking it again changes nothing and is not an error).
    pub tokens: Vec<Token>,
    basis: PlanBasis,
}

/// What made a token part of a plan, and so what the apply re-checks.
#[derive(Debug, Clone)]
enum PlanBasis {
    /// Bulk: it matched the selection, and must still match it.
    Selection(Selection),
    /// The actor named it by id or name, and must still be allowed to manage it.
    Named,
    /// Its secret was presented: holding the secret is authority enough.
    Leaked,
}

impl RevokePlan {
    /// The reason recorded for `token`: the one given, else what the plan's
    /// basis says (none for a named revoke).
    fn reason_for(&self, given: Option<&str>, token: &Token) -> Option<String> {
        match (given, &self.basis) {
            (Some(reason), _) => Some(reason.to_owned()),
            (None, PlanBasis::Selection(selection)) => Some(generated_reason(selection, token)),
            (None, PlanBasis::Leaked) => Some(LEAKED_REASON.to_owned()),
            (None, PlanBasis::Named) => None,
        }
    }
}

/// What a planned revoke did.
#[derive(Debug)]
pub struct BulkRevoked {
    /// The planned tokens that were revoked (or, for a named or leaked
    /// plan, found already revoked: `newly` is false).
    pub revoked: Vec<Revoked>,
    /// The planned tokens left alone because they changed after the plan.
    pub skipped: Vec<(Token, SkipReason)>,
}

/// Why a planned token was not acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Someone revoked it in the meantime.
    AlreadyRevoked,
    /// It was pruned in the meantime.
    Gone,
    /// It no longer matches the selection (used, rotated, renewed...).
    NoLongerMatches,
    /// A prune: it was renewed (rotated with a new expiry) and no longer
    /// ended before the cutoff.
    Renewed,
    /// A policy revoke: it no longer breaks its org's policy (it expired,
    /// or it or the policy changed).
    Complies,
    /// A deactivate: someone deactivated it in the meantime.
    AlreadyDeactivated,
    /// An activate: someone activated it in the meantime.
    AlreadyActive,
    /// A deactivate or activate: it expired in the meantime.
    Expired,
}

impl SkipReason {
    /// A short explanation for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::AlreadyRevoked => "it was revoked in the meantime",
            SkipReason::Gone => "it was pruned in the meantime",
            SkipReason::NoLongerMatches => "it changed and no longer matches the filters",
            SkipReason::Renewed => "it was renewed in the meantime and has not ended",
            SkipReason::Complies => "it no longer breaks its org's policy",
            SkipReason::AlreadyDeactivated => "it was deactivated in the meantime",
            SkipReason::AlreadyActive => "it was activated in the meantime",
            SkipReason::Expired => "it has expired in the meantime",
        }
    }
}

/// How many planned ids one re-check query binds (SQLite caps parameters).
pub(super) const RECHECK_CHUNK: usize = 5_000;

/// The planned tokens that still qualify, found again inside the apply's
/// transaction, each with the reason its revocation records.
pub(super) type StillQualifying = HashMap<TokenId, (TokenRow, Option<String>)>;

/// Revocations written by an apply (token, newly revoked, keyring entry),
/// and the planned tokens it skipped.
pub(super) type AppliedRevocations = (Vec<(Token, bool, KeyringEntry)>, Vec<(Token, SkipReason)>);

impl Session {
    /// Fixes the tokens a bulk revoke by `selection` will act on: the
    /// selection's tokens the actor may manage that are not revoked yet.
    /// Writes nothing.
    pub fn plan_revoke(&self, selection: &Selection) -> Result<RevokePlan> {
        require_criteria(selection)?;
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let rows = self.ctx.selected_for_revoke(q, actor, selection, None)?;
        Ok(RevokePlan {
            tokens: rows.into_iter().map(|row| row.token).collect(),
            basis: PlanBasis::Selection(selection.clone()),
        })
    }

    /// Fixes the tokens named by ids or names (looked up in `org` only, when
    /// given): all or none, each one the actor may manage. A token already
    /// revoked is planned too; revoking it again changes nothing. Writes
    /// nothing.
    pub fn plan_revoke_named(
        &self,
        references: &[String],
        org: Option<&str>,
    ) -> Result<RevokePlan> {
        if references.is_empty() {
            return Err(Error::request(
                "name at least one token to revoke",
                crate::error::RequestProblem::NoTokenNamed,
            ));
        }
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let mut tokens: Vec<Token> = Vec::with_capacity(references.len());
        for reference in references {
            let row = self.ctx.resolve_token(q, actor, reference, org)?;
            self.ctx
                .require_manage(q, actor, &row, "revoking this token")?;
            if !tokens.iter().any(|token| token.id == row.token.id) {
                tokens.push(row.token);
            }
        }
        Ok(RevokePlan {
            tokens,
            basis: PlanBasis::Named,
        })
    }

    /// Fixes the token whose secret this is (found in a log or a paste, its
    /// current or an old one). Holding the secret is authority enough to
    /// revoke it. Writes nothing.
    pub fn plan_revoke_secret(&self, presented: &str) -> Result<RevokePlan> {
        let q: &dyn Tx = &*self.store.read();
        self.ctx.actor(q)?;
        let parsed = secret::parse(presented)?;
        let unknown = || Error::Rejected {
            reason: Rejection::Unknown,
        };
        // Any secret the token ever had counts, even one that no longer works.
        let row = match super::inspect::match_presented(q, &parsed, self.ctx.clock.now())? {
            Some((row, matched)) if matched != SecretMatch::NotThisToken => row,
            _ => return Err(unknown()),
        };
        Ok(RevokePlan {
            tokens: vec![row.token],
            basis: PlanBasis::Leaked,
        })
    }

    /// The planned tokens as a revoke now would leave them (revoked, by the
    /// actor, with the reason it would record; one already revoked as it
    /// is): what a dry run shows. Writes nothing, touches no keyring.
    pub fn preview_revoke(&self, plan: &RevokePlan, reason: Option<&str>) -> Result<Vec<Revoked>> {
        if let Some(reason) = reason {
            validate_reason(reason)?;
        }
        let now = self.ctx.clock.now();
        Ok(plan
            .tokens
            .iter()
            .map(|token| {
                let newly = token.revoked_at.is_none();
                let token = if newly {
                    Token {
                        revoked_at: Some(now),
                        revoked_by: Some(self.ctx.actor.clone()),
                        revoke_reason: plan.reason_for(reason, token),
                        ..token.clone()
                    }
                } else {
                    token.clone()
                };
                Revoked {
                    token,
                    newly,
                    keyring: RevokeOutcome::Untouched,
                }
            })
            .collect())
    }

    /// Revokes exactly the planned tokens that still qualify: for a bulk
    /// plan, those that still match its selection; for a named plan, those
    /// the actor may still manage; for a leaked secret, its token. The
    /// others are reported as skipped, never revoked, and no token outside
    /// the plan is touched.
    pub fn revoke_planned(
        &mut self,
        plan: &RevokePlan,
        reason: Option<&str>,
    ) -> Result<BulkRevoked> {
        self.revoke_planned_with_progress(plan, reason, &NoProgress)
    }

    /// [`Session::revoke_planned`], reporting to `progress`: the stage
    /// [`Stage::Revoking`] (one unit per planned token), then
    /// [`Stage::KeyringCleanup`] when keyring entries are to be deleted.
    pub fn revoke_planned_with_progress(
        &mut self,
        plan: &RevokePlan,
        reason: Option<&str>,
        progress: &dyn Progress,
    ) -> Result<BulkRevoked> {
        if let Some(reason) = reason {
            validate_reason(reason)?;
        }
        let now = self.ctx.clock.now();
        let (results, skipped) = self.write_as_actor(|q, ctx, actor| {
            progress.start(Stage::Revoking, Some(units(plan.tokens.len())));
            let mut still = StillQualifying::with_capacity(plan.tokens.len());
            match &plan.basis {
                PlanBasis::Selection(selection) => {
                    let ids: Vec<TokenId> = plan.tokens.iter().map(|token| token.id).collect();
                    for chunk in ids.chunks(RECHECK_CHUNK) {
                        for row in ctx.selected_for_revoke(q, actor, selection, Some(chunk))? {
                            let why = plan.reason_for(reason, &row.token);
                            still.insert(row.token.id, (row, why));
                        }
                    }
                }
                PlanBasis::Named | PlanBasis::Leaked => {
                    for planned in &plan.tokens {
                        let Some(row) = q.token(planned.id)? else {
                            continue;
                        };
                        if matches!(plan.basis, PlanBasis::Named) {
                            ctx.require_manage(q, actor, &row, "revoking this token")?;
                        }
                        let why = plan.reason_for(reason, &row.token);
                        still.insert(row.token.id, (row, why));
                    }
                }
            }
            ctx.revoke_each_planned(
                q,
                actor,
                &plan.tokens,
                still,
                SkipReason::NoLongerMatches,
                now,
                progress,
            )
        })?;
        progress.finish();
        Ok(BulkRevoked {
            revoked: self.finish_revocations(results, progress),
            skipped,
        })
    }

    /// After the revocations committed: deletes the keyring entries of the
    /// newly revoked tokens and reports each token. The deletions are a
    /// stage of their own ([`Stage::KeyringCleanup`]): each can be a round
    /// trip to the Secret Service, often slower than the revocation.
    pub(super) fn finish_revocations(
        &mut self,
        results: Vec<(Token, bool, KeyringEntry)>,
        progress: &dyn Progress,
    ) -> Vec<Revoked> {
        self.ctx.start_keyring_operation();
        let deletions = results.iter().filter(|(_, newly, _)| *newly).count();
        let cleanup = self.keyring_cleanup(deletions, progress);
        let revoked: Vec<Revoked> = results
            .into_iter()
            .map(|(token, newly, entry)| {
                let keyring = if newly {
                    let outcome = self.delete_keyring_entry(&entry);
                    cleanup.advance(1);
                    outcome
                } else {
                    RevokeOutcome::Untouched
                };
                Revoked {
                    token,
                    newly,
                    keyring,
                }
            })
            .collect();
        cleanup.finish();
        self.audit_failed_deletions(revoked.iter().map(|item| (&item.token, &item.keyring)));
        revoked
    }

    /// Where the keyring deletions after a bulk change report: `progress`,
    /// as [`Stage::KeyringCleanup`] of `deletions` entries, unless the
    /// keyring is off or there is nothing to delete (then nowhere: a
    /// stage that does nothing is not worth showing).
    pub(super) fn keyring_cleanup<'p>(
        &self,
        deletions: usize,
        progress: &'p dyn Progress,
    ) -> &'p dyn Progress {
        if deletions == 0 || self.ctx.keyring_mode == KeyringMode::Off {
            return &NoProgress;
        }
        progress.start(Stage::KeyringCleanup, Some(units(deletions)));
        progress
    }

    /// Audits the keyring deletions of one operation that failed (one event
    /// for all of them, see `audit_keyring_failures`).
    pub(super) fn audit_failed_deletions<'a>(
        &mut self,
        outcomes: impl Iterator<Item = (&'a Token, &'a RevokeOutcome)>,
    ) {
        let failed: Vec<(&Token, &KeyringError)> = outcomes
            .filter_map(|(token, outcome)| match outcome {
                RevokeOutcome::Failed(err) => Some((token, err)),
                _ => None,
            })
            .collect();
        self.audit_keyring_failures("delete", &failed);
    }

    /// Deletes the keyring entry of a token whose row changed for good
    /// (revoked, pruned); a failure is returned, not raised.
    pub(super) fn delete_keyring_entry(&self, entry: &KeyringEntry) -> RevokeOutcome {
        if self.ctx.keyring_mode == KeyringMode::Off {
            return RevokeOutcome::Untouched;
        }
        match self.ctx.keyring_call(|keyring| keyring.delete(entry)) {
            Ok(()) => RevokeOutcome::Deleted,
            Err(KeyringError::NoEntry) => RevokeOutcome::Missing,
            Err(err) => RevokeOutcome::Failed(err),
        }
    }

    /// Audits keyring deletions that failed after their change committed:
    /// the operation's one `keyring.failure` event, counting the tokens. Best
    /// effort: the change itself is already committed.
    pub(super) fn audit_keyring_failures(
        &mut self,
        operation: &str,
        failed: &[(&Token, &KeyringError)],
    ) {
        if let Some(event) = self.ctx.keyring_failure_event(operation, failed) {
            let _ = self.store.write(|q| q.append_event(&event));
        }
    }
}

impl Ctx {
    /// Applies a plan inside its write transaction: revokes each planned
    /// token found in `still` (re-checked in this transaction), in plan
    /// order, and skips the others with why: gone, revoked in the meantime,
    /// or else `otherwise`. Tokens outside the plan are never touched.
    /// Each planned token, revoked or skipped, is one unit of `progress`.
    #[allow(clippy::too_many_arguments)] // the plan's parts, as every caller holds them
    pub(super) fn revoke_each_planned(
        &self,
        q: &dyn Tx,
        actor: Actor,
        planned: &[Token],
        mut still: StillQualifying,
        otherwise: SkipReason,
        now: Timestamp,
        progress: &dyn Progress,
    ) -> Result<AppliedRevocations> {
        let mut results = Vec::with_capacity(still.len());
        let mut skipped = Vec::new();
        for token in planned {
            progress.advance(1);
            let Some((row, reason)) = still.remove(&token.id) else {
                let why = match q.token(token.id)? {
                    None => SkipReason::Gone,
                    Some(row) if row.token.revoked_at.is_some() => SkipReason::AlreadyRevoked,
                    Some(_) => otherwise,
                };
                skipped.push((token.clone(), why));
                continue;
            };
            results.push(self.revoke_row(q, actor, row, reason.as_deref(), now)?);
        }
        Ok((results, skipped))
    }

    /// The tokens of `selection` (among `only`, when given) that a bulk
    /// revoke acts on: the same filter as `list`, minus tokens already
    /// revoked, each checked for permission.
    fn selected_for_revoke(
        &self,
        q: &dyn Tx,
        actor: Actor,
        selection: &Selection,
        only: Option<&[TokenId]>,
    ) -> Result<Vec<TokenRow>> {
        let mut filter = self.selection_filter(q, actor, selection)?;
        let statuses: Vec<TokenStatus> = filter
            .statuses
            .take()
            .unwrap_or_else(|| {
                vec![
                    TokenStatus::Active,
                    TokenStatus::Deactivated,
                    TokenStatus::Expired,
                    TokenStatus::Revoked,
                ]
            })
            .into_iter()
            .filter(|status| *status != TokenStatus::Revoked)
            .collect();
        if statuses.is_empty() {
            return Err(Error::request(
                "revoked tokens cannot be revoked again",
                crate::error::RequestProblem::AlreadyRevoked,
            ));
        }
        filter.statuses = Some(statuses);
        filter.ids = only.map(<[TokenId]>::to_vec);
        let rows = q.tokens(&filter)?;
        for row in &rows {
            self.require_manage(q, actor, row, "revoking this token")?;
        }
        Ok(rows)
    }

    /// Revokes one row (if not yet revoked) and audits it.
    pub(super) fn revoke_row(
        &self,
        q: &dyn Tx,
        actor: Actor,
        row: TokenRow,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<(Token, bool, KeyringEntry)> {
        let newly = q.revoke_token(row.token.id, now, actor.key, reason)?;
        let mut token = row.token;
        if newly {
            token.revoked_at = Some(now);
            token.revoked_by = Some(self.actor.clone());
            token.revoke_reason = reason.map(str::to_owned);
            q.append_event(&self.token_event(
                action::TOKEN_REVOKE,
                &token,
                serde_json::json!({ "reason": reason }),
            ))?;
        }
        let entry = keyring_entry(q, &token)?;
        Ok((token, newly, entry))
    }
}

/// Why a bulk revoke revoked this token, when no reason was given.
fn generated_reason(selection: &Selection, token: &Token) -> String {
    let day = |at: Timestamp| at.format("%Y-%m-%d").to_string();
    if selection.stale.is_some() {
        return match token.last_used_at {
            Some(last) => format!("stale: unused since {}", day(last)),
            None => format!(
                "stale: never used since its creation on {}",
                day(token.created_at)
            ),
        };
    }
    if selection.never_used {
        return format!("never used since its creation on {}", day(token.created_at));
    }
    match (token.expires_at, token.revoked_at) {
        (Some(at), None) if selection.status == crate::ops::StatusChoice::Expired => {
            format!("expired on {}", day(at))
        }
        (Some(at), None) if selection.expiring.is_some() => format!("expiring on {}", day(at)),
        _ => "bulk revoke".to_owned(),
    }
}

/// A bulk revoke must name some criterion, never "everything".
fn require_criteria(selection: &Selection) -> Result<()> {
    if selection.has_criteria() {
        return Ok(());
    }
    Err(Error::request(
        "a bulk revoke needs a filter",
        crate::error::RequestProblem::NoBulkFilter,
    ))
}

pub(super) fn validate_reason(reason: &str) -> Result<()> {
    crate::model::refuse_token_text("reason", reason)?;
    if reason.chars().count() > MAX_REASON_CHARS || reason.chars().any(char::is_control) {
        return Err(Error::invalid(
            "reason",
            reason,
            "must be one line of at most 500 characters",
        ));
    }
    Ok(())
}
