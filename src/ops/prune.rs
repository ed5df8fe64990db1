//! Pruning: deleting the rows of tokens that ended (revoked or expired) long
//! ago. Each deletion is audited, and the audit trail itself is kept.

use super::Session;
use crate::audit::action;
use crate::duration::PointInTime;
use crate::error::Result;
use crate::model::{Role, Token};
use crate::store::{TokenFilter, Visibility};

impl Session {
    /// Deletes tokens revoked, or expired, before `before`, in the orgs the
    /// actor administers (all of them, or `org`). With `dry_run`, nothing is
    /// written and the result lists what would go.
    pub fn prune_tokens(
        &mut self,
        before: PointInTime,
        org: Option<&str>,
        dry_run: bool,
    ) -> Result<Vec<Token>> {
        let cutoff = before.resolve(self.ctx.clock.now())?;
        let work = |q: &crate::store::Queries<'_>,
                    ctx: &super::Ctx,
                    actor: super::Actor|
         -> Result<Vec<Token>> {
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
                pruned.push(row.token);
            }
            Ok(pruned)
        };
        if dry_run {
            self.rehearse_as_actor(work)
        } else {
            self.write_as_actor(work)
        }
    }
}
