//! Queries on org policies and quotas.

use rusqlite::{params, OptionalExtension};

use super::error::SqlResult as Result;
use super::Queries;
use crate::policy::{parse_allowed_scopes, Policy};
use crate::store::OrgKey;

/// A policy row as stored, before its text fields are parsed.
struct PolicyRow {
    max_lifetime: Option<String>,
    require_expiry: bool,
    member_tokens: String,
    allowed_scopes: Option<String>,
    max_tokens: Option<i64>,
}

impl Queries<'_> {
    /// The org's policy (the permissive default when none was set).
    pub fn policy(&self, org: OrgKey) -> Result<Policy> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT max_lifetime, require_expiry, member_tokens, allowed_scopes, max_tokens
                 FROM org_policies WHERE org_id = ?1",
            )?
            .query_row([org.raw()], |row| {
                Ok(PolicyRow {
                    max_lifetime: row.get(0)?,
                    require_expiry: row.get(1)?,
                    member_tokens: row.get(2)?,
                    allowed_scopes: row.get(3)?,
                    max_tokens: row.get(4)?,
                })
            })
            .optional()?;
        let Some(row) = row else {
            return Ok(Policy::default());
        };
        Ok(Policy {
            max_lifetime: row.max_lifetime.map(|text| text.parse()).transpose()?,
            require_expiry: row.require_expiry,
            member_tokens: row.member_tokens.parse()?,
            allowed_scopes: match row.allowed_scopes {
                Some(text) => parse_allowed_scopes(&text)?,
                None => None,
            },
            max_tokens: row.max_tokens.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
        })
    }

    /// Replaces the org's policy.
    pub fn set_policy(&self, org: OrgKey, policy: &Policy) -> Result<()> {
        let allowed = policy
            .allowed_scopes
            .as_ref()
            .map(|_| policy.allowed_scopes_text());
        self.conn
            .prepare_cached(
                "INSERT INTO org_policies (org_id, max_lifetime, require_expiry, member_tokens, allowed_scopes, max_tokens)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (org_id) DO UPDATE SET max_lifetime = excluded.max_lifetime,
                    require_expiry = excluded.require_expiry, member_tokens = excluded.member_tokens,
                    allowed_scopes = excluded.allowed_scopes, max_tokens = excluded.max_tokens",
            )?
            .execute(params![
                org.raw(),
                policy.max_lifetime.map(|span| span.to_string()),
                policy.require_expiry,
                policy.member_tokens.as_str(),
                allowed,
                policy.max_tokens,
            ])?;
        Ok(())
    }

    /// How many tokens of the org exist (every status; pruned ones are gone).
    pub fn token_count(&self, org: OrgKey) -> Result<u64> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT count(*) FROM tokens WHERE org_id = ?1")?;
        let count: i64 = stmt.query_row([org.raw()], |row| row.get(0))?;
        Ok(u64::try_from(count)
            .map_err(|_| crate::store::StoreError::corrupt("a negative token count"))?)
    }
}
