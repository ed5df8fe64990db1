//! Pruning: deleting the rows of tokens that ended (revoked or expired) long
//! ago. Each deletion is audited, and the audit trail itself is kept.
//!
//! Write order as for revoke: the deletions and their events commit first,
//! then the tokens' keyring entries are deleted (an expired token still has
//! one; a keyring failure is reported and audited, never undoes the prune).

use super::{keyring_entry, RevokeOutcome, Session};
use crate::audit::action;
use crate::duration::PointInTime;
use crate::error::Result;
use crate::keyring::{KeyringEntry, KeyringError};
use crate::model::{Role, Token};
use crate::store::{TokenFilter, Visibility};

/// A pruned token (or, in a dry run, one that would be).
#[derive(Debug)]
pub struct Pruned {
    /// The token as it was when its row was deleted.
    pub token: Token,
    /// What happened to its keyring entry ([`RevokeOutcome::Untouched`] in a dry run).
    pub keyring: RevokeOutcome,
}

impl Session {
    /// Deletes tokens revoked, or expired, before `before`, in the orgs the
    /// actor administers (all of them, or `org`). With `dry_run`, nothing is
    /// written and the result lists what would go. The keyring entries of
    /// pruned tokens are deleted after the commit.
    pub fn prune_tokens(
        &mut self,
        before: PointInTime,
        org: Option<&str>,
        dry_run: bool,
    ) -> Result<Vec<Pruned>> {
        let cutoff = before.resolve(self.ctx.clock.now())?;
        let work = |q: &crate::store::Queries<'_>,
                    ctx: &super::Ctx,
                    actor: super::Actor|
         -> Result<Vec<(Token, KeyringEntry)>> {
            let only = match org {
                Some(name) => {
                    Some(ctx.org_with_role(q, actor, name, Role::Admin, "pruning tokens")?)
                }
                None => None,
            };
            let administered = q
                .orgs_of(actor.key)?
                .into_iter()
                .filter(|(key, _, role)| {
                    *role >= Role::Admin && only.is_none_or(|only| only == *key)
                })
                .map(|(key, _, _)| key)
                .collect();
            let filter = TokenFilter {
                visible_to: Some(Visibility {
                    user: actor.key,
                    full: administered,
                    own_only: Vec::new(),
                }),
                ended_before: Some(cutoff),
                now: ctx.clock.now(),
                ..TokenFilter::default()
            };
            let rows = q.tokens(&filter)?;
            let mut pruned = Vec::with_capacity(rows.len());
            for row in rows {
                q.delete_token(row.token.id)?;
                q.append_event(&ctx.token_event(
                    action::TOKEN_PRUNE,
                    &row.token,
                    serde_json::json!({
                        "revoked_at": row.token.revoked_at.map(|t| t.timestamp()),
                        "expires_at": row.token.expires_at.map(|t| t.timestamp()),
                    }),
                ))?;
                let entry = keyring_entry(q, &row.token)?;
                pruned.push((row.token, entry));
            }
            Ok(pruned)
        };
        if dry_run {
            let rows = self.rehearse_as_actor(work)?;
            return Ok(rows
                .into_iter()
                .map(|(token, _)| Pruned {
                    token,
                    keyring: RevokeOutcome::Untouched,
                })
                .collect());
        }
        let rows = self.write_as_actor(work)?;
        self.ctx.start_keyring_operation();
        let pruned: Vec<Pruned> = rows
            .into_iter()
            .map(|(token, entry)| Pruned {
                keyring: self.delete_keyring_entry(&entry),
                token,
            })
            .collect();
        let failed: Vec<(&Token, &KeyringError)> = pruned
            .iter()
            .filter_map(|item| match &item.keyring {
                RevokeOutcome::Failed(err) => Some((&item.token, err)),
                _ => None,
            })
            .collect();
        self.audit_keyring_failures("delete", &failed);
        Ok(pruned)
    }
}
