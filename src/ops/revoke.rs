//! Revoking tokens: by id or name, in bulk by a selection, or by a leaked secret.
//!
//! Write order: the revocations and their audit events commit together first
//! (a revocation must never be lost), then the keyring entries are deleted; a
//! keyring entry that is already gone, or a keyring that fails, is reported
//! in the result, never as a failure, and a failure is audited once for all
//! the tokens it affected. A dry run goes through the same code in
//! a transaction that is rolled back, so it shows exactly what would happen.

use super::list::Selection;
use super::{keyring_entry, Actor, Ctx, Session};
use crate::audit::action;
use crate::clock::Timestamp;
use crate::error::{Error, Rejection, Result};
use crate::keyring::{KeyringEntry, KeyringError, KeyringMode};
use std::collections::HashMap;

use crate::model::{Token, TokenId, TokenStatus};
use crate::secret;
use crate::store::{Queries, TokenRow};

/// Which tokens to revoke.
#[derive(Debug, Clone, Copy)]
pub enum RevokeTarget<'a> {
    /// Ids or names, all or none.
    Named {
        /// The ids or names.
        references: &'a [String],
        /// Look names up in this org only.
        org: Option<&'a str>,
    },
    /// Every token the selection picks that is not revoked yet.
    Selected(&'a Selection),
    /// The token whose secret this is (found in a log or a paste). Holding
    /// the secret is authority enough to revoke it.
    Secret(&'a str),
}

/// What happened to one token.
#[derive(Debug)]
pub struct Revoked {
    /// The token, as it is now (or would be, in a dry run).
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
    /// Keyring off, a dry run, or the token was already revoked.
    Untouched,
}

const MAX_REASON_CHARS: usize = 500;

/// The tokens a bulk revoke will act on, fixed when it is planned: what a
/// dry run shows and a person confirms is exactly what runs.
#[derive(Debug, Clone)]
pub struct RevokePlan {
    /// The tokens, as they were when planned.
    pub tokens: Vec<Token>,
    selection: Selection,
}

/// What a planned bulk revoke did.
#[derive(Debug)]
pub struct BulkRevoked {
    /// The planned tokens that were revoked.
    pub revoked: Vec<Revoked>,
    /// The planned tokens left alone because they changed after the plan.
    pub skipped: Vec<(Token, SkipReason)>,
}

/// Why a planned token was not revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Someone revoked it in the meantime.
    AlreadyRevoked,
    /// It was pruned in the meantime.
    Gone,
    /// It no longer matches the selection (used, rotated, renewed...).
    NoLongerMatches,
}

impl SkipReason {
    /// A short explanation for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::AlreadyRevoked => "it was revoked in the meantime",
            SkipReason::Gone => "it was pruned in the meantime",
            SkipReason::NoLongerMatches => "it changed and no longer matches the filters",
        }
    }
}

/// How many planned ids one re-check query binds (SQLite caps parameters).
const RECHECK_CHUNK: usize = 5_000;

impl Session {
    /// Revokes tokens. Revoking an already revoked token changes nothing and
    /// is not an error. With `dry_run`, nothing is written and the result says
    /// what would be revoked.
    pub fn revoke(
        &mut self,
        target: RevokeTarget<'_>,
        reason: Option<&str>,
        dry_run: bool,
    ) -> Result<Vec<Revoked>> {
        if let Some(reason) = reason {
            validate_reason(reason)?;
        }
        match target {
            RevokeTarget::Named { references: [], .. } => {
                return Err(Error::request(
                    "name at least one token to revoke",
                    Some("tokctl revoke ID|NAME..."),
                ));
            }
            RevokeTarget::Selected(selection) => require_criteria(selection)?,
            _ => {}
        }
        let now = self.ctx.clock.now();
        let work = |q: &Queries<'_>,
                    ctx: &Ctx,
                    actor: Actor|
         -> Result<Vec<(Token, bool, KeyringEntry)>> {
            let rows = ctx.revoke_targets(q, actor, target)?;
            let mut out: Vec<(Token, bool, KeyringEntry)> = Vec::with_capacity(rows.len());
            for row in rows {
                if out.iter().any(|(token, _, _)| token.id == row.token.id) {
                    continue;
                }
                let why = match (reason, target) {
                    (Some(reason), _) => Some(reason.to_owned()),
                    (None, RevokeTarget::Selected(selection)) => {
                        Some(generated_reason(selection, &row.token))
                    }
                    (None, RevokeTarget::Secret(_)) => {
                        Some("leaked: revoked by presenting its secret".to_owned())
                    }
                    (None, RevokeTarget::Named { .. }) => None,
                };
                out.push(ctx.revoke_row(q, actor, row, why.as_deref(), now)?);
            }
            Ok(out)
        };
        let results = if dry_run {
            self.rehearse_as_actor(work)?
        } else {
            self.write_as_actor(work)?
        };
        Ok(self.finish_revocations(results, dry_run))
    }

    /// Fixes the tokens a bulk revoke by `selection` will act on: the
    /// selection's tokens the actor may manage that are not revoked yet.
    /// Writes nothing.
    pub fn plan_revoke(&self, selection: &Selection) -> Result<RevokePlan> {
        require_criteria(selection)?;
        let q = self.store.read();
        let actor = self.ctx.actor(&q)?;
        let rows = self.ctx.selected_for_revoke(&q, actor, selection, None)?;
        Ok(RevokePlan {
            tokens: rows.into_iter().map(|row| row.token).collect(),
            selection: selection.clone(),
        })
    }

    /// The planned tokens as a revoke now would leave them (revoked, by the
    /// actor, with the reason it would record): what a dry run shows.
    pub fn preview_revoke(&self, plan: &RevokePlan, reason: Option<&str>) -> Vec<Token> {
        let now = self.ctx.clock.now();
        plan.tokens
            .iter()
            .map(|token| Token {
                revoked_at: Some(now),
                revoked_by: Some(self.ctx.actor.clone()),
                revoke_reason: Some(match reason {
                    Some(reason) => reason.to_owned(),
                    None => generated_reason(&plan.selection, token),
                }),
                ..token.clone()
            })
            .collect()
    }

    /// Revokes exactly the planned tokens that still match the plan's
    /// selection; the others are reported as skipped, never revoked.
    pub fn revoke_planned(
        &mut self,
        plan: &RevokePlan,
        reason: Option<&str>,
    ) -> Result<BulkRevoked> {
        if let Some(reason) = reason {
            validate_reason(reason)?;
        }
        let now = self.ctx.clock.now();
        let (results, skipped) = self.write_as_actor(|q, ctx, actor| {
            let ids: Vec<TokenId> = plan.tokens.iter().map(|token| token.id).collect();
            let mut still: HashMap<TokenId, TokenRow> = HashMap::with_capacity(ids.len());
            for chunk in ids.chunks(RECHECK_CHUNK) {
                for row in ctx.selected_for_revoke(q, actor, &plan.selection, Some(chunk))? {
                    still.insert(row.token.id, row);
                }
            }
            let mut results = Vec::with_capacity(still.len());
            let mut skipped = Vec::new();
            for planned in &plan.tokens {
                let Some(row) = still.remove(&planned.id) else {
                    let why = match q.token(planned.id)? {
                        None => SkipReason::Gone,
                        Some(row) if row.token.revoked_at.is_some() => SkipReason::AlreadyRevoked,
                        Some(_) => SkipReason::NoLongerMatches,
                    };
                    skipped.push((planned.clone(), why));
                    continue;
                };
                let why = match reason {
                    Some(reason) => reason.to_owned(),
                    None => generated_reason(&plan.selection, &row.token),
                };
                results.push(ctx.revoke_row(q, actor, row, Some(&why), now)?);
            }
            Ok((results, skipped))
        })?;
        Ok(BulkRevoked {
            revoked: self.finish_revocations(results, false),
            skipped,
        })
    }

    /// After the revocations committed: deletes the keyring entries of the
    /// newly revoked tokens (none in a dry run) and reports each token.
    pub(super) fn finish_revocations(
        &mut self,
        results: Vec<(Token, bool, KeyringEntry)>,
        dry_run: bool,
    ) -> Vec<Revoked> {
        self.ctx.start_keyring_operation();
        let revoked: Vec<Revoked> = results
            .into_iter()
            .map(|(token, newly, entry)| {
                let keyring = if dry_run || !newly {
                    RevokeOutcome::Untouched
                } else {
                    self.delete_keyring_entry(&entry)
                };
                Revoked {
                    token,
                    newly,
                    keyring,
                }
            })
            .collect();
        let failed: Vec<(&Token, &KeyringError)> = revoked
            .iter()
            .filter_map(|item| match &item.keyring {
                RevokeOutcome::Failed(err) => Some((&item.token, err)),
                _ => None,
            })
            .collect();
        self.audit_keyring_failures("delete", &failed);
        revoked
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
        let Some((_, error)) = failed.first() else {
            return;
        };
        let tokens: Vec<&Token> = failed.iter().map(|(token, _)| *token).collect();
        if let Some(event) = self.ctx.keyring_failure_event(operation, error, &tokens) {
            let _ = self.store.write(|q| q.append_event(&event));
        }
    }
}

impl Ctx {
    /// The rows a target names, checked for permission.
    fn revoke_targets(
        &self,
        q: &Queries<'_>,
        actor: Actor,
        target: RevokeTarget<'_>,
    ) -> Result<Vec<TokenRow>> {
        match target {
            RevokeTarget::Named { references, org } => references
                .iter()
                .map(|reference| {
                    let row = self.resolve_token(q, actor, reference, org)?;
                    self.require_manage(q, actor, &row, "revoking this token")?;
                    Ok(row)
                })
                .collect(),
            RevokeTarget::Selected(selection) => {
                self.selected_for_revoke(q, actor, selection, None)
            }
            RevokeTarget::Secret(presented) => {
                let parsed = secret::parse(presented)?;
                let unknown = || Error::Rejected {
                    reason: Rejection::Unknown,
                };
                let row = q.token(parsed.id)?.ok_or_else(unknown)?;
                let presented_hash = parsed.hash();
                let current = q.secret_hash(parsed.id)?.unwrap_or_default();
                let matches = secret::hashes_match(&current, &presented_hash)
                    || q.retired_secrets(parsed.id)?
                        .iter()
                        .any(|old| secret::hashes_match(&old.hash, &presented_hash));
                if !matches || row.token.kind != parsed.kind {
                    return Err(unknown());
                }
                Ok(vec![row])
            }
        }
    }

    /// The tokens of `selection` (among `only`, when given) that a bulk
    /// revoke acts on: the same filter as `list`, minus tokens already
    /// revoked, each checked for permission.
    fn selected_for_revoke(
        &self,
        q: &Queries<'_>,
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
                Some("select active or expired tokens"),
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
        q: &Queries<'_>,
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
        Some(
            "add --stale, --never-used, --expired, --expiring, --owner, --kind, --scope or --name",
        ),
    ))
}

fn validate_reason(reason: &str) -> Result<()> {
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
