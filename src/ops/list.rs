//! Listing and showing tokens.

use super::Session;
use crate::error::{Error, Result};
use crate::model::{Token, TokenKind, TokenStatus};
use crate::store::{TokenFilter, TokenSort};

/// Which statuses a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusChoice {
    /// Active tokens only (the default).
    #[default]
    Active,
    /// Expired only.
    Expired,
    /// Revoked only.
    Revoked,
    /// Everything: expired and revoked tokens never silently disappear.
    All,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// Only this org (default: every org the actor belongs to).
    pub org: Option<String>,
    /// Only personal tokens of this user.
    pub owner: Option<String>,
    /// Only this kind.
    pub kind: Option<TokenKind>,
    /// Which statuses.
    pub status: StatusChoice,
    /// The order.
    pub sort: TokenSort,
}

impl Session {
    /// Calls `each` for every token the request selects that the actor may
    /// see, streaming from the store.
    /// `each` may fail with its own error type (an output error, say), which stops the walk.
    pub fn list_tokens<E: From<Error>>(
        &self,
        request: &ListRequest,
        mut each: impl FnMut(&Token) -> Result<(), E>,
    ) -> Result<(), E> {
        let q = self.store.read();
        let actor = self.ctx.actor(&q)?;
        let only_org = match &request.org {
            Some(name) => Some(self.ctx.org_with_role(
                &q,
                actor,
                name,
                crate::model::Role::Member,
                "listing tokens",
            )?),
            None => None,
        };
        let owner = match &request.owner {
            Some(name) => Some(q.user_key(name)?.ok_or_else(|| Error::NotFound {
                kind: "user",
                name: name.clone(),
            })?),
            None => None,
        };
        let statuses = match request.status {
            StatusChoice::Active => Some(vec![TokenStatus::Active]),
            StatusChoice::Expired => Some(vec![TokenStatus::Expired]),
            StatusChoice::Revoked => Some(vec![TokenStatus::Revoked]),
            StatusChoice::All => None,
        };
        let filter = TokenFilter {
            visible_to: Some(self.ctx.visibility(&q, actor, only_org)?),
            owner,
            kind: request.kind,
            statuses,
            now: self.ctx.clock.now(),
            sort: request.sort,
            ..TokenFilter::default()
        };
        q.for_each_token(&filter, |row| each(&row.token))
    }

    /// The token named by `reference` (an id or a name).
    pub fn show_token(&self, reference: &str, org: Option<&str>) -> Result<Token> {
        let q = self.store.read();
        let actor = self.ctx.actor(&q)?;
        Ok(self.ctx.resolve_token(&q, actor, reference, org)?.token)
    }

    /// The current time as this session sees it (for rendering statuses).
    pub fn now(&self) -> crate::clock::Timestamp {
        self.ctx.clock.now()
    }
}
