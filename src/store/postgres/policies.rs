//! Queries on org policies and quotas.

use super::{get, Queries};
use crate::error::Result;
use crate::policy::{parse_allowed_scopes, Policy};
use crate::store::{OrgKey, StoreError};

impl Queries<'_> {
    /// The org's policy (the permissive default when none was set).
    pub fn policy(&self, org: OrgKey) -> Result<Policy> {
        let row = self.opt(
            "SELECT max_lifetime, require_expiry, member_tokens, allowed_scopes, max_tokens
             FROM tokctl.org_policies WHERE org_id = $1",
            &[&org.raw()],
        )?;
        let Some(row) = row else {
            return Ok(Policy::default());
        };
        let max_lifetime: Option<String> = get(&row, 0)?;
        let member_tokens: String = get(&row, 2)?;
        let allowed_scopes: Option<String> = get(&row, 3)?;
        let max_tokens: Option<i64> = get(&row, 4)?;
        Ok(Policy {
            max_lifetime: max_lifetime.map(|text| text.parse()).transpose()?,
            require_expiry: get(&row, 1)?,
            member_tokens: member_tokens.parse()?,
            allowed_scopes: match allowed_scopes {
                Some(text) => parse_allowed_scopes(&text)?,
                None => None,
            },
            max_tokens: max_tokens.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        })
    }

    /// Replaces the org's policy.
    pub fn set_policy(&self, org: OrgKey, policy: &Policy) -> Result<()> {
        let allowed = policy
            .allowed_scopes
            .as_ref()
            .map(|_| policy.allowed_scopes_text());
        self.run(
            "INSERT INTO tokctl.org_policies
                (org_id, max_lifetime, require_expiry, member_tokens, allowed_scopes, max_tokens)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (org_id) DO UPDATE SET max_lifetime = excluded.max_lifetime,
                require_expiry = excluded.require_expiry, member_tokens = excluded.member_tokens,
                allowed_scopes = excluded.allowed_scopes, max_tokens = excluded.max_tokens",
            &[
                &org.raw(),
                &policy.max_lifetime.map(|span| span.to_string()),
                &policy.require_expiry,
                &policy.member_tokens.as_str(),
                &allowed,
                &policy.max_tokens.map(i64::from),
            ],
        )?;
        Ok(())
    }

    /// How many tokens of the org exist (every status; pruned ones are gone).
    /// Through a function: the quota counts tokens a member may not see.
    pub fn token_count(&self, org: OrgKey) -> Result<u64> {
        let count: i64 = get(
            &self.one("SELECT tokctl.org_token_count($1)", &[&org.raw()])?,
            0,
        )?;
        u64::try_from(count).map_err(|_| StoreError::corrupt("a negative token count"))
    }
}
