//! Selecting tokens (shared by list, bulk revoke and check), listing and showing them.

use super::{Actor, Ctx, Session};
use crate::clock::Timestamp;
use crate::duration::{PointInTime, Span};
use crate::error::{Error, Result};
use crate::model::{Role, Token, TokenId, TokenKind, TokenStatus};
use crate::scope::Scope;
use crate::store::{TokenFilter, TokenSort, Tx, UsagePeriod};

/// A token as `show` presents it.
#[derive(Debug, Clone)]
pub struct TokenDetails {
    /// The token.
    pub token: Token,
    /// Secrets replaced by a rotation that still verify (at most one: the
    /// one the last rotation replaced, during its grace period).
    pub old_secrets: Vec<OldSecret>,
    /// Uses per hour, oldest first, when asked for.
    pub usage: Option<Vec<UsagePeriod>>,
}

/// A secret replaced by a rotation that still verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OldSecret {
    /// When it was replaced.
    pub rotated_at: Timestamp,
    /// Until when it still verifies.
    pub valid_until: Timestamp,
}

/// Which statuses a selection includes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusChoice {
    /// Tokens that have not ended: active and deactivated (the default of `list`).
    #[default]
    Current,
    /// Active tokens only.
    Active,
    /// Deactivated only.
    Deactivated,
    /// Expired only.
    Expired,
    /// Revoked only.
    Revoked,
    /// Active and expired: everything that can still be revoked.
    NotRevoked,
    /// Everything: expired and revoked tokens never silently disappear.
    All,
}

impl StatusChoice {
    fn statuses(self) -> Option<Vec<TokenStatus>> {
        match self {
            StatusChoice::Current => Some(vec![TokenStatus::Active, TokenStatus::Deactivated]),
            StatusChoice::Active => Some(vec![TokenStatus::Active]),
            StatusChoice::Deactivated => Some(vec![TokenStatus::Deactivated]),
            StatusChoice::Expired => Some(vec![TokenStatus::Expired]),
            StatusChoice::Revoked => Some(vec![TokenStatus::Revoked]),
            StatusChoice::NotRevoked => Some(vec![
                TokenStatus::Active,
                TokenStatus::Deactivated,
                TokenStatus::Expired,
            ]),
            StatusChoice::All => None,
        }
    }
}

/// Which tokens a command works on. Every field narrows; all combine.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only this org (default: every org the actor belongs to).
    pub org: Option<String>,
    /// Only personal tokens of this user.
    pub owner: Option<String>,
    /// Only this kind.
    pub kind: Option<TokenKind>,
    /// Which statuses.
    pub status: StatusChoice,
    /// Last used longer ago than this, or never used and created longer ago.
    pub stale: Option<Span>,
    /// Never used.
    pub never_used: bool,
    /// Expiring within this span from now.
    pub expiring: Option<Span>,
    /// Holding this scope or a stronger one.
    pub scope: Option<Scope>,
    /// Name glob (`*`, `?`, `[...]`).
    pub name: Option<String>,
    /// The order.
    pub sort: TokenSort,
}

impl Selection {
    /// Whether the selection narrows by anything beyond org and status
    /// (a bulk revoke must name some criterion, never "everything").
    pub fn has_criteria(&self) -> bool {
        self.owner.is_some()
            || self.kind.is_some()
            || self.stale.is_some()
            || self.never_used
            || self.expiring.is_some()
            || self.scope.is_some()
            || self.name.is_some()
            || self.status == StatusChoice::Expired
            || self.status == StatusChoice::Deactivated
    }
}

impl Ctx {
    /// The store filter for a selection, limited to what the actor may see.
    pub(super) fn selection_filter(
        &self,
        q: &dyn Tx,
        actor: Actor,
        selection: &Selection,
    ) -> Result<TokenFilter> {
        let now = self.clock.now();
        let only_org = match &selection.org {
            Some(name) => {
                Some(self.org_with_role(q, actor, name, Role::Member, "listing tokens")?)
            }
            None => None,
        };
        let owner = match &selection.owner {
            Some(name) => Some(super::registered_user(q, name)?),
            None => None,
        };
        let span_back = |span: &Span| {
            span.before(now).ok_or_else(|| {
                Error::invalid("duration", &span.to_string(), "reaches before year 0")
            })
        };
        let span_ahead = |span: &Span| {
            span.after(now).ok_or_else(|| {
                Error::invalid("duration", &span.to_string(), "too far in the future")
            })
        };
        Ok(TokenFilter {
            visible_to: Some(self.visibility(q, actor, only_org)?),
            owner,
            kind: selection.kind,
            statuses: selection.status.statuses(),
            name_glob: selection.name.clone(),
            stale_before: selection.stale.as_ref().map(span_back).transpose()?,
            never_used: selection.never_used,
            expiring_by: selection.expiring.as_ref().map(span_ahead).transpose()?,
            scope: selection.scope.clone(),
            now,
            sort: selection.sort,
            ..TokenFilter::default()
        })
    }
}

impl Session {
    /// Calls `each` for every selected token the actor may see, streaming
    /// from the store. `each` may fail with its own error type (an output
    /// error, say), which stops the walk.
    pub fn list_tokens<E: From<Error>>(
        &self,
        selection: &Selection,
        mut each: impl FnMut(&Token) -> Result<(), E>,
    ) -> Result<(), E> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let filter = self.ctx.selection_filter(q, actor, selection)?;
        q.for_each_token(&filter, |row| each(&row.token))
    }

    /// Calls `each` with the id and name of every selected token the actor
    /// may see: what a completion offers, read without the rest of the row.
    pub fn list_token_names(
        &self,
        selection: &Selection,
        mut each: impl FnMut(TokenId, &str),
    ) -> Result<()> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let filter = self.ctx.selection_filter(q, actor, selection)?;
        q.visit_token_names(&filter, &mut |id, name| {
            each(id, name);
            std::ops::ControlFlow::Continue(())
        })
    }

    /// The selected tokens, collected.
    pub fn select_tokens(&self, selection: &Selection) -> Result<Vec<Token>> {
        let mut out = Vec::new();
        self.list_tokens(selection, |token| {
            out.push(token.clone());
            Ok::<(), Error>(())
        })?;
        Ok(out)
    }

    /// The token named by `reference` (an id or a name).
    pub fn show_token(&self, reference: &str, org: Option<&str>) -> Result<Token> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        Ok(self.ctx.resolve_token(q, actor, reference, org)?.token)
    }

    /// The token named by `reference` with the old secrets that still work
    /// and, when `usage_since` is given, its hourly use history from then on.
    pub fn token_details(
        &self,
        reference: &str,
        org: Option<&str>,
        usage_since: Option<PointInTime>,
    ) -> Result<TokenDetails> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let token = self.ctx.resolve_token(q, actor, reference, org)?.token;
        let now = self.ctx.clock.now();
        let old_secrets = q
            .retired_secrets(token.id)?
            .into_iter()
            .filter(|old| old.valid_until > now)
            .map(|old| OldSecret {
                rotated_at: old.rotated_at,
                valid_until: old.valid_until,
            })
            .collect();
        let usage = match usage_since {
            Some(since) => Some(q.usage_history(token.id, since.resolve(now)?)?),
            None => None,
        };
        Ok(TokenDetails {
            token,
            old_secrets,
            usage,
        })
    }

    /// The current time as this session sees it (for rendering statuses).
    pub fn now(&self) -> Timestamp {
        self.ctx.clock.now()
    }
}
