//! Expiry reminders (`notify`): who should hear that which tokens expire
//! soon, one reminder per person ([`Session::plan_reminders`]), and
//! remembering the reminders that went out ([`Session::remember_reminders`]),
//! in one transaction with their `notify.sent` events, so a nightly job
//! tells each person once per token, expiry and threshold. Handing the
//! reminders over (a mail program, JSON Lines for another notifier) is the
//! front end's: the library only knows what was handed over.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::{administered_orgs, require_role, Session};
use crate::audit::action;
use crate::clock::{rfc3339, Timestamp};
use crate::duration::Span;
use crate::error::{Error, Result};
use crate::model::{Role, Token, TokenId, TokenKind, TokenStatus, User};
use crate::store::{OrgKey, SentReminder, TokenFilter, TokenSort, Tx, UserKey, Visibility};

/// What to remind of.
#[derive(Debug, Clone)]
pub struct ReminderRequest {
    /// Active tokens expiring within this span from now; the span's text
    /// (`7d`) is the threshold reminders are remembered under.
    pub within: Span,
    /// Only this org (default: every org the actor administers).
    pub org: Option<String>,
    /// Remind also of what was reminded of before.
    pub resend: bool,
}

/// Why a person hears about a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderReason {
    /// It is their personal token.
    OwnToken,
    /// An org token of an org they are an admin of.
    OrgAdmin,
    /// An org token of an org they own.
    OrgOwner,
}

impl ReminderReason {
    /// The name JSON uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderReason::OwnToken => "own_token",
            ReminderReason::OrgAdmin => "org_admin",
            ReminderReason::OrgOwner => "org_owner",
        }
    }
}

/// A token in a reminder.
#[derive(Debug, Clone)]
pub struct RemindedToken {
    /// The token (active, expiring within the threshold).
    pub token: Token,
    /// Why this recipient hears about it.
    pub reason: ReminderReason,
}

/// One person's reminder: every expiring token they look after that they
/// were not reminded of yet (for this threshold and expiry).
#[derive(Debug, Clone)]
pub struct Reminder {
    /// Who: their name, display name, e-mail address (`None`: nowhere to
    /// mail it) and kind.
    pub recipient: User,
    recipient_key: UserKey,
    /// Their tokens, soonest expiry first.
    pub tokens: Vec<RemindedToken>,
}

impl Reminder {
    /// Where to mail it, if the recipient has an address.
    pub fn address(&self) -> Option<&str> {
        self.recipient.email.as_deref()
    }
}

/// The reminders due now, fixed when planned.
#[derive(Debug, Clone)]
pub struct ReminderPlan {
    /// The threshold (`within` of the request).
    pub threshold: Span,
    /// When it was planned.
    pub at: Timestamp,
    /// One per recipient, by name.
    pub reminders: Vec<Reminder>,
    /// How many (token, recipient) pairs were left out because that
    /// reminder was handed over before (none with `resend`).
    pub already_sent: usize,
}

/// How reminders went out, as `notify.sent` events record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderChannel {
    /// A mail program accepted the message.
    Mail,
    /// Written as JSON Lines for another notifier.
    JsonLines,
}

impl ReminderChannel {
    /// The name events record (`details.via`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderChannel::Mail => "mail",
            ReminderChannel::JsonLines => "jsonl",
        }
    }
}

/// The action a refusal names.
const ACTION: &str = "sending expiry reminders";

impl Session {
    /// The reminders due: for every active token of the orgs the actor
    /// administers (or the one named) that expires within the threshold,
    /// its owner (a personal token) or the org's admins and owners (an org
    /// token) hear about it, each person once, in one reminder listing all
    /// their tokens. Left out: what was handed over before for the same
    /// token, expiry, threshold and person (unless `resend`), and removed
    /// users. People without an e-mail address are in the plan: the caller
    /// says where they were not reached. Writes nothing.
    pub fn plan_reminders(&self, request: &ReminderRequest) -> Result<ReminderPlan> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let now = self.ctx.clock.now();
        let until = request.within.after(now).ok_or_else(|| {
            Error::invalid(
                "duration",
                &request.within.to_string(),
                "too far in the future",
            )
        })?;
        let threshold = request.within.to_string();
        let orgs: Vec<(OrgKey, String)> = match &request.org {
            Some(name) => vec![(
                self.ctx
                    .org_with_role(q, actor, name, Role::Admin, ACTION)?,
                name.clone(),
            )],
            None => administered_orgs(q, actor)?,
        };
        if orgs.is_empty() {
            return Err(Error::Forbidden {
                action: ACTION.into(),
                needed: Role::Admin.as_str(),
                org: "any".into(),
            });
        }
        let remembered: HashSet<(TokenId, i64, UserKey)> = if request.resend {
            HashSet::new()
        } else {
            q.reminders_sent(&threshold, now)?
                .into_iter()
                .map(|sent| (sent.token, sent.expires_at.timestamp(), sent.user))
                .collect()
        };
        let mut people = People::default();
        let mut reminders: BTreeMap<String, Reminder> = BTreeMap::new();
        let mut already_sent = 0;
        for (org, _) in orgs {
            let admins: Vec<(String, ReminderReason)> = q
                .memberships(Some(org))?
                .into_iter()
                .filter_map(|membership| match membership.role {
                    Role::Owner => Some((membership.user, ReminderReason::OrgOwner)),
                    Role::Admin => Some((membership.user, ReminderReason::OrgAdmin)),
                    Role::Member => None,
                })
                .collect();
            let filter = TokenFilter {
                visible_to: Some(Visibility {
                    user: actor.key,
                    full: vec![org],
                    own_only: Vec::new(),
                }),
                statuses: Some(vec![TokenStatus::Active]),
                expiring_by: Some(until),
                now,
                sort: TokenSort::Expires,
                ..TokenFilter::default()
            };
            // Collected first: the expiring few, and the walk then needs no
            // other query while its cursor is open.
            for row in q.tokens(&filter)? {
                let token = row.token;
                let Some(expires_at) = token.expires_at else {
                    continue;
                };
                let recipients = match (token.kind, &token.owner) {
                    (TokenKind::Personal, Some(owner)) => {
                        vec![(owner.clone(), ReminderReason::OwnToken)]
                    }
                    (TokenKind::Personal, None) => Vec::new(),
                    (TokenKind::Org, _) => admins.clone(),
                };
                for (name, reason) in recipients {
                    let Some((key, user)) = people.get(q, &name)? else {
                        continue;
                    };
                    if user.removed_at.is_some() {
                        continue;
                    }
                    if remembered.contains(&(token.id, expires_at.timestamp(), key)) {
                        already_sent += 1;
                        continue;
                    }
                    reminders
                        .entry(name)
                        .or_insert_with(|| Reminder {
                            recipient: user.clone(),
                            recipient_key: key,
                            tokens: Vec::new(),
                        })
                        .tokens
                        .push(RemindedToken {
                            token: token.clone(),
                            reason,
                        });
                }
            }
        }
        let mut reminders: Vec<Reminder> = reminders.into_values().collect();
        for reminder in &mut reminders {
            reminder.tokens.sort_by(|a, b| {
                (a.token.expires_at, &a.token.org, &a.token.name).cmp(&(
                    b.token.expires_at,
                    &b.token.org,
                    &b.token.name,
                ))
            });
        }
        Ok(ReminderPlan {
            threshold: request.within,
            at: now,
            reminders,
            already_sent,
        })
    }

    /// Remembers `delivered` (reminders of `plan` that were handed over) so
    /// later plans for the same threshold leave them out, with one
    /// `notify.sent` event per token and recipient, in one transaction.
    /// Needs admin in each token's org. A token pruned since the plan has
    /// nothing left to remember it by and is passed over. Returns how many
    /// (token, recipient) pairs were remembered.
    pub fn remember_reminders(
        &mut self,
        plan: &ReminderPlan,
        delivered: &[&Reminder],
        channel: ReminderChannel,
    ) -> Result<usize> {
        if delivered.is_empty() {
            return Ok(0);
        }
        let threshold = plan.threshold.to_string();
        self.write_as_actor(|q, ctx, actor| {
            let now = ctx.clock.now();
            let mut allowed: HashSet<OrgKey> = HashSet::new();
            let mut remembered = 0;
            for reminder in delivered {
                for reminded in &reminder.tokens {
                    let token = &reminded.token;
                    let (Some(row), Some(expires_at)) = (q.token(token.id)?, token.expires_at)
                    else {
                        continue;
                    };
                    if allowed.insert(row.org_key) {
                        require_role(q, actor, row.org_key, &row.token.org, Role::Admin, ACTION)?;
                    }
                    q.remember_reminder(&SentReminder {
                        token: token.id,
                        threshold: threshold.clone(),
                        expires_at,
                        user: reminder.recipient_key,
                        sent_at: now,
                    })?;
                    q.append_event(&ctx.token_event(
                        action::NOTIFY_SENT,
                        token,
                        serde_json::json!({
                            "recipient": reminder.recipient.name,
                            "email": reminder.recipient.email,
                            "reason": reminded.reason.as_str(),
                            "threshold": threshold,
                            "expires_at": rfc3339(expires_at),
                            "via": channel.as_str(),
                        }),
                    ))?;
                    remembered += 1;
                }
            }
            Ok(remembered)
        })
    }
}

/// Users looked up by name once each.
#[derive(Default)]
struct People {
    known: HashMap<String, Option<(UserKey, User)>>,
}

impl People {
    fn get(&mut self, q: &dyn Tx, name: &str) -> Result<Option<(UserKey, &User)>> {
        if !self.known.contains_key(name) {
            let found = q.user(name)?;
            self.known.insert(name.to_owned(), found);
        }
        Ok(self
            .known
            .get(name)
            .and_then(Option::as_ref)
            .map(|(key, user)| (*key, user)))
    }
}
