//! Deactivating tokens for a while, and activating them again: by id or
//! name, or in bulk by a selection, planned then applied as revoke is.
//!
//! A deactivated token is refused by verify (as `deactivated`) but keeps its
//! secret, name and keyring entry, and counts against its org's quota. It
//! can be activated again while it has not expired; an expired or revoked
//! token never works again, so activating one is refused and nothing is
//! written. Each change is one audit event, committed with it.

use super::list::Selection;
use super::revoke::{validate_reason, SkipReason, RECHECK_CHUNK};
use super::{Actor, Ctx, Session};
use crate::audit::action;
use crate::clock::Timestamp;
use crate::error::{Error, RequestProblem, Result};
use crate::model::{Token, TokenId, TokenStatus};
use crate::store::{TokenRow, Tx};

/// Which way a plan switches its tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    /// Turn active tokens off.
    Deactivate,
    /// Turn deactivated tokens on again.
    Activate,
}

impl Switch {
    /// The status a token has before the switch acts on it.
    fn acts_on(self) -> TokenStatus {
        match self {
            Switch::Deactivate => TokenStatus::Active,
            Switch::Activate => TokenStatus::Deactivated,
        }
    }

    /// The verb, for messages and permission errors.
    pub fn verb(self) -> &'static str {
        match self {
            Switch::Deactivate => "deactivate",
            Switch::Activate => "activate",
        }
    }

    fn action(self) -> &'static str {
        match self {
            Switch::Deactivate => "deactivating this token",
            Switch::Activate => "activating this token",
        }
    }
}

/// The tokens a deactivate or activate will act on, fixed when planned.
#[derive(Debug, Clone)]
pub struct SwitchPlan {
    /// Which way.
    pub switch: Switch,
    /// The tokens, as they were when planned. A named plan may hold a token
    /// already switched (switching it again changes nothing).
    pub tokens: Vec<Token>,
    /// Bulk: the selection the tokens must still match.
    selection: Option<Selection>,
}

/// What happened to one token.
#[derive(Debug, Clone)]
pub struct Switched {
    /// The token as it is now (or would be, in a preview).
    pub token: Token,
    /// Whether this call switched it (false: it already was).
    pub newly: bool,
}

/// What a planned deactivate or activate did.
#[derive(Debug)]
pub struct BulkSwitched {
    /// The planned tokens switched (or found already switched: `newly` false).
    pub switched: Vec<Switched>,
    /// The planned tokens left alone because they changed after the plan.
    pub skipped: Vec<(Token, SkipReason)>,
}

impl Session {
    /// Fixes the tokens a bulk deactivate (active ones) or activate
    /// (deactivated ones) by `selection` acts on; the selection's status is
    /// replaced by the one the switch acts on. Writes nothing.
    pub fn plan_switch(&self, switch: Switch, selection: &Selection) -> Result<SwitchPlan> {
        if !selection.has_criteria() {
            return Err(Error::request(
                format!("a bulk {} needs a filter", switch.verb()),
                RequestProblem::NoBulkFilter,
            ));
        }
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let rows = self
            .ctx
            .selected_for_switch(q, actor, switch, selection, None)?;
        Ok(SwitchPlan {
            switch,
            tokens: rows.into_iter().map(|row| row.token).collect(),
            selection: Some(selection.clone()),
        })
    }

    /// Fixes the tokens named by ids or names (in `org` only, when given):
    /// all or none, each one the actor may manage and not ended. A revoked
    /// or expired token is refused, so nothing is written for any of them.
    pub fn plan_switch_named(
        &self,
        switch: Switch,
        references: &[String],
        org: Option<&str>,
    ) -> Result<SwitchPlan> {
        if references.is_empty() {
            return Err(Error::request(
                format!("name at least one token to {}", switch.verb()),
                RequestProblem::NoTokenNamed,
            ));
        }
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let now = self.ctx.clock.now();
        let mut tokens: Vec<Token> = Vec::with_capacity(references.len());
        for reference in references {
            let row = self.ctx.resolve_token(q, actor, reference, org)?;
            self.ctx.require_manage(q, actor, &row, switch.action())?;
            refuse_ended(switch, &row.token, now)?;
            if !tokens.iter().any(|token| token.id == row.token.id) {
                tokens.push(row.token);
            }
        }
        Ok(SwitchPlan {
            switch,
            tokens,
            selection: None,
        })
    }

    /// The planned tokens as the switch would leave them: what a dry run
    /// shows. Writes nothing.
    pub fn preview_switch(&self, plan: &SwitchPlan, reason: Option<&str>) -> Result<Vec<Switched>> {
        if let Some(reason) = reason {
            validate_reason(reason)?;
        }
        let now = self.ctx.clock.now();
        Ok(plan
            .tokens
            .iter()
            .map(|token| {
                let newly = token.status(now) == plan.switch.acts_on();
                let token = if newly {
                    switched(token.clone(), plan.switch, &self.ctx.actor, reason, now)
                } else {
                    token.clone()
                };
                Switched { token, newly }
            })
            .collect())
    }

    /// Switches exactly the planned tokens that still qualify (a bulk plan:
    /// still matching its selection; a named one: still the actor's to
    /// manage and not ended), each with its audit event; the others are
    /// reported as skipped. `reason` is recorded with a deactivation.
    pub fn switch_planned(
        &mut self,
        plan: &SwitchPlan,
        reason: Option<&str>,
    ) -> Result<BulkSwitched> {
        if let Some(reason) = reason {
            validate_reason(reason)?;
        }
        let now = self.ctx.clock.now();
        self.write_as_actor(|q, ctx, actor| {
            let mut still: std::collections::HashMap<TokenId, TokenRow> =
                std::collections::HashMap::with_capacity(plan.tokens.len());
            match &plan.selection {
                Some(selection) => {
                    let ids: Vec<TokenId> = plan.tokens.iter().map(|token| token.id).collect();
                    for chunk in ids.chunks(RECHECK_CHUNK) {
                        for row in
                            ctx.selected_for_switch(q, actor, plan.switch, selection, Some(chunk))?
                        {
                            still.insert(row.token.id, row);
                        }
                    }
                }
                None => {
                    for planned in &plan.tokens {
                        if let Some(row) = q.token(planned.id)? {
                            ctx.require_manage(q, actor, &row, plan.switch.action())?;
                            still.insert(row.token.id, row);
                        }
                    }
                }
            }
            let mut done = BulkSwitched {
                switched: Vec::with_capacity(still.len()),
                skipped: Vec::new(),
            };
            for planned in &plan.tokens {
                let Some(row) = still.remove(&planned.id) else {
                    let why = match q.token(planned.id)? {
                        None => SkipReason::Gone,
                        Some(row) => skip_reason(plan.switch, &row.token, now),
                    };
                    done.skipped.push((planned.clone(), why));
                    continue;
                };
                let status = row.token.status(now);
                if status == plan.switch.acts_on() {
                    done.switched
                        .push(ctx.switch_row(q, actor, plan.switch, row, reason, now)?);
                } else if status.not_ended() {
                    // Named, and already as asked: nothing to write.
                    done.switched.push(Switched {
                        token: row.token,
                        newly: false,
                    });
                } else {
                    done.skipped
                        .push((planned.clone(), skip_reason(plan.switch, &row.token, now)));
                }
            }
            Ok(done)
        })
    }
}

impl Ctx {
    /// The tokens of `selection` (among `only`, when given) a bulk switch
    /// acts on: the same filter as `list`, with the status the switch acts
    /// on, each checked for permission.
    fn selected_for_switch(
        &self,
        q: &dyn Tx,
        actor: Actor,
        switch: Switch,
        selection: &Selection,
        only: Option<&[TokenId]>,
    ) -> Result<Vec<TokenRow>> {
        let mut filter = self.selection_filter(q, actor, selection)?;
        filter.statuses = Some(vec![switch.acts_on()]);
        filter.ids = only.map(<[TokenId]>::to_vec);
        let rows = q.tokens(&filter)?;
        for row in &rows {
            self.require_manage(q, actor, row, switch.action())?;
        }
        Ok(rows)
    }

    /// Switches one row the caller found in the status the switch acts on,
    /// and audits it.
    fn switch_row(
        &self,
        q: &dyn Tx,
        actor: Actor,
        switch: Switch,
        row: TokenRow,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<Switched> {
        let before = row.token;
        let newly = match switch {
            Switch::Deactivate => q.deactivate_token(before.id, now, actor.key, reason)?,
            Switch::Activate => q.activate_token(before.id)?,
        };
        if !newly {
            return Ok(Switched {
                token: before,
                newly,
            });
        }
        let details = match switch {
            Switch::Deactivate => serde_json::json!({ "reason": reason }),
            Switch::Activate => serde_json::json!({
                "deactivated_at": before.deactivated_at.map(crate::clock::rfc3339),
                "deactivated_by": before.deactivated_by,
            }),
        };
        let token = switched(before, switch, &self.actor, reason, now);
        let event_action = match switch {
            Switch::Deactivate => action::TOKEN_DEACTIVATE,
            Switch::Activate => action::TOKEN_ACTIVATE,
        };
        q.append_event(&self.token_event(event_action, &token, details))?;
        Ok(Switched { token, newly })
    }
}

/// The token as the switch leaves it.
fn switched(
    mut token: Token,
    switch: Switch,
    actor: &str,
    reason: Option<&str>,
    now: Timestamp,
) -> Token {
    match switch {
        Switch::Deactivate => {
            token.deactivated_at = Some(now);
            token.deactivated_by = Some(actor.to_owned());
            token.deactivate_reason = reason.map(str::to_owned);
        }
        Switch::Activate => {
            token.deactivated_at = None;
            token.deactivated_by = None;
            token.deactivate_reason = None;
        }
    }
    token
}

/// A revoked or expired token never works again: switching it is refused.
fn refuse_ended(switch: Switch, token: &Token, now: Timestamp) -> Result<()> {
    let ended = match token.status(now) {
        TokenStatus::Revoked => "is revoked",
        TokenStatus::Expired => "has expired",
        TokenStatus::Active | TokenStatus::Deactivated => return Ok(()),
    };
    let consequence = match switch {
        Switch::Activate => "cannot be activated again",
        Switch::Deactivate => "cannot be used anyway",
    };
    Err(Error::request(
        format!("token '{}' {ended} and {consequence}", token.name),
        RequestProblem::TokenEnded,
    ))
}

/// Why a planned token found in another status than the switch acts on was skipped.
fn skip_reason(switch: Switch, token: &Token, now: Timestamp) -> SkipReason {
    match (token.status(now), switch) {
        (TokenStatus::Revoked, _) => SkipReason::AlreadyRevoked,
        (TokenStatus::Expired, _) => SkipReason::Expired,
        (TokenStatus::Deactivated, Switch::Deactivate) => SkipReason::AlreadyDeactivated,
        (TokenStatus::Active, Switch::Activate) => SkipReason::AlreadyActive,
        _ => SkipReason::NoLongerMatches,
    }
}
