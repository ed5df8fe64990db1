//! Reading the audit trail: query and export, chain verification, retention.

use super::{Actor, Ctx, Session};
use crate::audit::{action, hex, ChainReport, ChainWalker, Event, NewEvent};
use crate::clock::Timestamp;
use crate::duration::PointInTime;
use crate::error::{Error, Result};
use crate::model::{Role, TokenId};
use crate::store::{Checkpoint, EventFilter, TokenFilter, Tx};

/// Which events to read. Every field narrows.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this org (default: every org the actor administers, plus events that concern no org).
    pub org: Option<String>,
    /// Only events about this token: an id (works after the token was pruned) or a name.
    pub token: Option<String>,
    /// Only events by this user.
    pub actor: Option<String>,
    /// Only this action (`token.revoke`) or family (`token`).
    pub action: Option<String>,
    /// Only events at or after this time.
    pub since: Option<PointInTime>,
    /// Only events before this time.
    pub until: Option<PointInTime>,
}

/// The events `audit prune` will remove, fixed before it asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPrunePlan {
    /// Events dated before this go (and use history from hours before it).
    pub cutoff: Timestamp,
    /// The last event to go, the chain's new checkpoint (`None`: nothing to remove).
    pub through: Option<Checkpoint>,
    /// How many events go.
    pub events: u64,
}

/// What `audit prune` removed.
#[derive(Debug, Clone)]
pub struct AuditPruned {
    /// How many events.
    pub removed: u64,
    /// The new checkpoint (the last removed event).
    pub checkpoint: Option<Checkpoint>,
}

/// Whose events an actor may read: every event of the orgs they administer
/// (and events that concern no org), and the events about their own tokens
/// in orgs where they are a plain member.
#[derive(Debug, Default)]
struct Readable {
    orgs: Vec<String>,
    own_tokens: Vec<TokenId>,
}

impl Ctx {
    /// Orgs the actor administers: needed to verify or prune the whole chain.
    fn audit_orgs(&self, q: &dyn Tx, actor: Actor, only: Option<&str>) -> Result<Vec<String>> {
        if let Some(name) = only {
            self.org_with_role(q, actor, name, Role::Admin, "reading the audit trail")?;
            return Ok(vec![name.to_owned()]);
        }
        let orgs: Vec<String> = super::administered_orgs(q, actor)?
            .into_iter()
            .map(|(_, name)| name)
            .collect();
        if orgs.is_empty() {
            return Err(Error::Forbidden {
                action: "reading the audit trail".into(),
                needed: Role::Admin.as_str(),
                org: "any".into(),
            });
        }
        Ok(orgs)
    }

    /// What the acting user may read of the trail, in one org or in all of theirs.
    fn readable_events(&self, q: &dyn Tx, actor: Actor, only: Option<&str>) -> Result<Readable> {
        let mut readable = Readable::default();
        let mut member_orgs = Vec::new();
        for (key, name, role) in q.orgs_of(actor.key)? {
            if only.is_some_and(|only| only != name) {
                continue;
            }
            if role >= Role::Admin {
                readable.orgs.push(name);
            } else {
                member_orgs.push(key);
            }
        }
        if let Some(name) = only {
            if readable.orgs.is_empty() && member_orgs.is_empty() {
                // Not a member at all: the usual not-found or forbidden answer.
                self.org_with_role(q, actor, name, Role::Member, "reading the audit trail")?;
            }
        }
        if readable.orgs.is_empty() && member_orgs.is_empty() {
            return Err(Error::Forbidden {
                action: "reading the audit trail".into(),
                needed: Role::Member.as_str(),
                org: "any".into(),
            });
        }
        if !member_orgs.is_empty() {
            let filter = TokenFilter {
                orgs: Some(member_orgs),
                owner: Some(actor.key),
                now: self.clock.now(),
                ..TokenFilter::default()
            };
            q.for_each_token(&filter, |row| {
                readable.own_tokens.push(row.token.id);
                Ok::<(), Error>(())
            })?;
        }
        Ok(readable)
    }
}

impl Session {
    /// Streams the events the query selects, oldest first. Owners and
    /// admins see their orgs' events and the events that concern no org;
    /// members see the events about their own tokens. The query's `actor`
    /// only narrows the rows: it never changes what may be seen.
    pub fn audit_events<E: From<Error>>(
        &self,
        query: &AuditQuery,
        mut each: impl FnMut(&Event) -> Result<(), E>,
    ) -> Result<(), E> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let readable = self.ctx.readable_events(q, actor, query.org.as_deref())?;
        let now = self.ctx.clock.now();
        let token = match &query.token {
            None => None,
            Some(reference) => Some(match reference.parse::<TokenId>() {
                Ok(id) => id,
                Err(_) => {
                    self.ctx
                        .resolve_token(q, actor, reference, query.org.as_deref())?
                        .token
                        .id
                }
            }),
        };
        let filter = EventFilter {
            include_org_less: query.org.is_none() && !readable.orgs.is_empty(),
            orgs: Some(readable.orgs),
            also_tokens: readable.own_tokens,
            token,
            actor: query.actor.clone(),
            action: query.action.clone(),
            since: query.since.map(|at| at.resolve(now)).transpose()?,
            until: query.until.map(|at| at.resolve(now)).transpose()?,
        };
        q.for_each_event(&filter, |event| each(&event))
    }

    /// Walks the whole chain and reports the first problem: a broken link,
    /// a checkpoint that no `audit.prune` event records, or (with `expect`)
    /// a head recorded earlier that the chain no longer holds. Needs the
    /// admin role in at least one org.
    pub fn verify_audit_chain(&self, expect: Option<Checkpoint>) -> Result<ChainReport> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        self.ctx.audit_orgs(q, actor, None)?;
        walk_chain(q, expect)
    }

    /// The newest event's id and hash, for keeping outside the store and
    /// passing to [`Session::verify_audit_chain`] later. Reads one row; it
    /// does not check the chain.
    pub fn audit_head(&self) -> Result<Option<Checkpoint>> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        self.ctx.audit_orgs(q, actor, None)?;
        q.audit_head()
    }

    /// What `audit prune` would remove: the events before `before`, fixed
    /// now, to be shown, confirmed and handed to
    /// [`Session::prune_audit_planned`]. Needs the owner role in every org.
    pub fn plan_audit_prune(&self, before: PointInTime) -> Result<AuditPrunePlan> {
        let cutoff = before.resolve(self.ctx.clock.now())?;
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        super::require_owner_everywhere(q, actor, "pruning the audit trail")?;
        let through = q.last_event_before(cutoff)?;
        let events = match &through {
            Some(checkpoint) => q.count_events_through(checkpoint)?,
            None => 0,
        };
        Ok(AuditPrunePlan {
            cutoff,
            through,
            events,
        })
    }

    /// Removes exactly the planned events, leaving a checkpoint so the rest
    /// of the chain still verifies, and the use history older than the
    /// plan's cutoff. If the trail changed since the plan (another prune, an
    /// event dated before the cutoff), nothing is removed
    /// ([`Error::PlanOutdated`]).
    pub fn prune_audit_planned(&mut self, plan: &AuditPrunePlan) -> Result<AuditPruned> {
        self.write_as_actor(|q, ctx, actor| {
            super::require_owner_everywhere(q, actor, "pruning the audit trail")?;
            let Some(checkpoint) = &plan.through else {
                return Ok(AuditPruned {
                    removed: 0,
                    checkpoint: None,
                });
            };
            let unchanged = q.last_event_before(plan.cutoff)?.as_ref() == Some(checkpoint)
                && q.count_events_through(checkpoint)? == plan.events;
            if !unchanged {
                return Err(Error::PlanOutdated {
                    what: "the audit trail",
                });
            }
            let removed = q.prune_events_through(checkpoint)?;
            // Use history follows the same retention as the events.
            let usage_hours = q.prune_usage_before(plan.cutoff)?;
            q.append_event(&NewEvent {
                details: serde_json::json!({
                    "removed": removed,
                    "usage_hours_removed": usage_hours,
                    "through_id": checkpoint.id,
                    // Vouches for the checkpoint exactly: `audit verify`
                    // accepts a checkpoint only when a prune event records it.
                    "checkpoint_hash": hex(&checkpoint.hash),
                    "before": plan.cutoff.timestamp(),
                }),
                ..ctx.event(action::AUDIT_PRUNE)
            })?;
            Ok(AuditPruned {
                removed,
                checkpoint: Some(checkpoint.clone()),
            })
        })
    }
}

/// Walks the whole chain from the retention checkpoint (or the genesis).
pub(super) fn walk_chain(q: &dyn Tx, expect: Option<Checkpoint>) -> Result<ChainReport> {
    let mut walker = ChainWalker::new(q.audit_checkpoint()?);
    if let Some(head) = expect {
        walker.expect(head);
    }
    q.for_each_event(&EventFilter::default(), |event| {
        walker.push(&event);
        Ok::<(), Error>(())
    })?;
    Ok(walker.finish())
}
