//! The usage report: per org, what the tokens are and whether anyone uses them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Serialize, Serializer};

use super::policy::{member_roles, violations};
use super::Session;
use crate::clock::{rfc3339, Timestamp};
use crate::error::{Error, Result};
use crate::model::{Role, Token, TokenKind, TokenStatus, UserKind};
use crate::policy::Policy;
use crate::store::Tx;
use crate::store::{TokenFilter, Visibility};

/// How many of the most used tokens a report lists.
pub const TOP_USED: usize = 10;

/// Counts by status. Pruned tokens are gone and not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    /// Active.
    pub active: u64,
    /// Deactivated (not expired, not revoked).
    pub deactivated: u64,
    /// Expired, not revoked.
    pub expired: u64,
    /// Revoked.
    pub revoked: u64,
}

/// When active tokens were last used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LastUseBuckets {
    /// Within the last 30 days.
    pub under_30_days: u64,
    /// 30 to 90 days ago.
    pub under_90_days: u64,
    /// 90 days to a year ago.
    pub under_1_year: u64,
    /// More than a year ago.
    pub older: u64,
    /// Never.
    pub never: u64,
}

/// A token in the most-used list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsedToken {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Owner, or `None` for org tokens.
    pub owner: Option<String>,
    /// Whether the owner is a person or a service account (`None` for org tokens).
    pub owner_kind: Option<UserKind>,
    /// Recorded uses.
    pub use_count: u64,
}

/// How the live tokens of an org stand against its current policy: what
/// `policy check` would list, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PolicyCompliance {
    /// Whether the org has a policy (without one, nothing can break it).
    pub set: bool,
    /// Live tokens: active and deactivated.
    pub live: u64,
    /// Live tokens that break at least one rule.
    pub breaking: u64,
    /// Live tokens breaking each rule (`max_lifetime`, `require_expiry`,
    /// `allowed_scopes`, `member_tokens`); a token breaking two rules
    /// counts under both. Only rules something breaks are present.
    pub by_rule: BTreeMap<String, u64>,
}

/// One org's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrgReport {
    /// The org.
    pub org: String,
    /// When the figures were taken.
    #[serde(serialize_with = "as_rfc3339")]
    pub generated_at: Timestamp,
    /// Every token not yet pruned.
    pub total: u64,
    /// By status.
    pub by_status: StatusCounts,
    /// Active tokens by kind.
    pub active_by_kind: BTreeMap<String, u64>,
    /// Active tokens by owner (`(org)` for org tokens).
    pub active_by_owner: BTreeMap<String, u64>,
    /// Active tokens by who holds them: `person`, `service` (a service
    /// account) or `org` (org tokens).
    pub active_by_owner_kind: BTreeMap<String, u64>,
    /// Active tokens never used.
    pub never_used: u64,
    /// Active tokens by last use.
    pub last_use: LastUseBuckets,
    /// Active tokens expiring within 7 days.
    pub expiring_within_7_days: u64,
    /// Active tokens expiring within 30 days (including the 7-day ones).
    pub expiring_within_30_days: u64,
    /// The most used tokens (any status), most first.
    pub most_used: Vec<UsedToken>,
    /// Uses per UTC day over the last [`USAGE_DAYS`] days, days with uses
    /// only, oldest first (tokens not yet pruned).
    pub uses_by_day: Vec<DayUses>,
    /// The live tokens against the org's current policy.
    pub policy: PolicyCompliance,
}

/// A time in JSON: RFC 3339, UTC, whole seconds.
fn as_rfc3339<S: Serializer>(
    at: &Timestamp,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339(*at))
}

/// An org's policy and its members' roles, read once per report.
struct OrgRules {
    policy: Policy,
    roles: HashMap<String, Role>,
}

/// How many days of use history a report shows.
pub const USAGE_DAYS: i64 = 30;

/// Uses on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayUses {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// Successful verifications that day.
    pub uses: u64,
}

impl OrgReport {
    fn add(&mut self, token: &Token, now: Timestamp, rules: &OrgRules) {
        self.total += 1;
        let status = token.status(now);
        if status.not_ended() {
            self.policy.live += 1;
            if self.policy.set {
                let broken = violations(&rules.policy, &rules.roles, token);
                if !broken.is_empty() {
                    self.policy.breaking += 1;
                }
                let rules: BTreeSet<&'static str> = broken.iter().map(|v| v.rule()).collect();
                for rule in rules {
                    *self.policy.by_rule.entry(rule.to_owned()).or_default() += 1;
                }
            }
        }
        match status {
            TokenStatus::Active => self.by_status.active += 1,
            TokenStatus::Deactivated => self.by_status.deactivated += 1,
            TokenStatus::Expired => self.by_status.expired += 1,
            TokenStatus::Revoked => self.by_status.revoked += 1,
        }
        if token.use_count > 0 {
            self.most_used.push(UsedToken {
                id: token.id.to_string(),
                name: token.name.clone(),
                owner: token.owner.clone(),
                owner_kind: token.owner_kind,
                use_count: token.use_count,
            });
            self.most_used
                .sort_by(|a, b| b.use_count.cmp(&a.use_count).then(a.name.cmp(&b.name)));
            self.most_used.truncate(TOP_USED);
        }
        if status != TokenStatus::Active {
            return;
        }
        *self
            .active_by_kind
            .entry(token.kind.as_str().to_owned())
            .or_default() += 1;
        let owner = match token.kind {
            TokenKind::Org => "(org)".to_owned(),
            TokenKind::Personal => token.owner.clone().unwrap_or_default(),
        };
        *self.active_by_owner.entry(owner).or_default() += 1;
        let holder = match token.owner_kind {
            Some(kind) => kind.as_str(),
            None => "org",
        };
        *self
            .active_by_owner_kind
            .entry(holder.to_owned())
            .or_default() += 1;
        let days = |n| chrono::Duration::days(n);
        match token.last_used_at {
            None => {
                self.never_used += 1;
                self.last_use.never += 1;
            }
            Some(at) if now - at < days(30) => self.last_use.under_30_days += 1,
            Some(at) if now - at < days(90) => self.last_use.under_90_days += 1,
            Some(at) if now - at < days(365) => self.last_use.under_1_year += 1,
            Some(_) => self.last_use.older += 1,
        }
        if let Some(expires) = token.expires_at {
            if expires - now <= days(7) {
                self.expiring_within_7_days += 1;
            }
            if expires - now <= days(30) {
                self.expiring_within_30_days += 1;
            }
        }
    }
}

impl Session {
    /// Figures per org, for the orgs the actor administers (or the one named).
    pub fn usage_report(&self, org: Option<&str>) -> Result<Vec<OrgReport>> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let mut orgs = Vec::new();
        for (key, name, role) in q.orgs_of(actor.key)? {
            if org.is_some_and(|only| only != name) {
                continue;
            }
            if role < Role::Admin {
                if org.is_some() {
                    return Err(Error::Forbidden {
                        action: "reading the usage report".into(),
                        needed: Role::Admin.as_str(),
                        org: name,
                    });
                }
                continue;
            }
            orgs.push((key, name));
        }
        if let Some(name) = org {
            if orgs.is_empty() {
                // Not a member: say whether the org exists at all.
                self.ctx
                    .org_with_role(q, actor, name, Role::Admin, "reading the usage report")?;
            }
        } else if orgs.is_empty() {
            return Err(Error::Forbidden {
                action: "reading the usage report".into(),
                needed: Role::Admin.as_str(),
                org: "any".into(),
            });
        }
        let now = self.ctx.clock.now();
        let mut reports = Vec::with_capacity(orgs.len());
        for (key, name) in orgs {
            let policy = q.policy(key)?;
            let rules = OrgRules {
                roles: if policy == Policy::default() {
                    HashMap::new()
                } else {
                    member_roles(q, key)?
                },
                policy,
            };
            let mut report = OrgReport {
                org: name,
                generated_at: now,
                policy: PolicyCompliance {
                    set: rules.policy != Policy::default(),
                    ..PolicyCompliance::default()
                },
                ..OrgReport::default()
            };
            let filter = TokenFilter {
                visible_to: Some(Visibility {
                    user: actor.key,
                    full: vec![key],
                    own_only: Vec::new(),
                }),
                now,
                ..TokenFilter::default()
            };
            q.for_each_token(&filter, |row| {
                report.add(&row.token, now, &rules);
                Ok::<(), Error>(())
            })?;
            let since = now - chrono::Duration::days(USAGE_DAYS);
            report.uses_by_day = q
                .org_usage_by_day(key, since)?
                .into_iter()
                .map(|day| DayUses {
                    day: day.start.format("%Y-%m-%d").to_string(),
                    uses: day.uses,
                })
                .collect();
            reports.push(report);
        }
        Ok(reports)
    }
}
