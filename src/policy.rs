//! Org token policy: what may be minted, for how long, by whom, how many.
//! Pure rules; `ops` applies them when minting and rotating, and lists the
//! live tokens that break them (`tokctl policy check`).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::clock::Timestamp;
use crate::duration::Span;
use crate::error::{Error, Result};
use crate::scope::{Action, Scope, ScopeSet};

/// Whether plain members may hold personal tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberTokens {
    /// They may (the default).
    #[default]
    Allow,
    /// They may not; owners and admins still may.
    Deny,
    /// People who are plain members may not; service accounts may (a
    /// pipeline's account is a member, but its tokens are how it works).
    /// Owners and admins still may.
    DenyExceptServiceAccounts,
}

impl FromStr for MemberTokens {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text {
            "allow" => Ok(MemberTokens::Allow),
            "deny" => Ok(MemberTokens::Deny),
            "deny-except-service-accounts" => Ok(MemberTokens::DenyExceptServiceAccounts),
            _ => Err(Error::invalid(
                "member-tokens setting",
                text,
                "expected allow, deny or deny-except-service-accounts",
            )),
        }
    }
}

impl MemberTokens {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberTokens::Allow => "allow",
            MemberTokens::Deny => "deny",
            MemberTokens::DenyExceptServiceAccounts => "deny-except-service-accounts",
        }
    }

    /// Whether a plain member's personal token is refused: under `deny`
    /// always, under `deny-except-service-accounts` unless its owner is a
    /// service account.
    pub fn refuses(self, held_by_service_account: bool) -> bool {
        match self {
            MemberTokens::Allow => false,
            MemberTokens::Deny => true,
            MemberTokens::DenyExceptServiceAccounts => !held_by_service_account,
        }
    }
}

/// One entry of an allow-list: `repo:write` (that action or weaker),
/// `repo:*` (any action), `*:read` (read on anything) or `*:*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopePattern {
    resource: Option<String>,
    action: Option<Action>,
}

impl ScopePattern {
    /// Whether a held scope is within this pattern. Named resources do not
    /// matter: narrowing a scope never makes it broader.
    pub fn permits(&self, scope: &Scope) -> bool {
        self.resource
            .as_deref()
            .is_none_or(|resource| resource == scope.resource())
            && self.action.is_none_or(|action| scope.action() <= action)
    }
}

impl FromStr for ScopePattern {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let invalid = || {
            Error::invalid(
                "scope pattern",
                text,
                "expected resource:action with '*' for any, e.g. repo:*",
            )
        };
        let (resource, action) = text.split_once(':').ok_or_else(invalid)?;
        let resource = match resource {
            "*" => None,
            name => Some(
                format!("{name}:read")
                    .parse::<Scope>()
                    .map_err(|_| invalid())?
                    .resource()
                    .to_owned(),
            ),
        };
        let action = match action {
            "*" => None,
            name => Some(
                format!("x:{name}")
                    .parse::<Scope>()
                    .map_err(|_| invalid())?
                    .action(),
            ),
        };
        Ok(ScopePattern { resource, action })
    }
}

impl fmt::Display for ScopePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let resource = self.resource.as_deref().unwrap_or("*");
        let action = self.action.map_or("*", Action::as_str);
        write!(f, "{resource}:{action}")
    }
}

/// An org's policy. The default allows everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// Longest a token may live from when it is issued (minted or rotated); `None`: no limit.
    pub max_lifetime: Option<Span>,
    /// Whether every token must expire.
    pub require_expiry: bool,
    /// Whether plain members may hold personal tokens.
    pub member_tokens: MemberTokens,
    /// Scopes that may be granted; `None`: any.
    pub allowed_scopes: Option<Vec<ScopePattern>>,
    /// Most tokens the org may have, counting every token not yet pruned; `None`: no limit.
    pub max_tokens: Option<u32>,
}

/// A change to a policy: each `Some` field replaces the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyChange {
    /// New max lifetime (`Some(None)` removes the limit).
    pub max_lifetime: Option<Option<Span>>,
    /// New require-expiry setting.
    pub require_expiry: Option<bool>,
    /// New member-tokens setting.
    pub member_tokens: Option<MemberTokens>,
    /// New allow-list (`Some(None)` allows any scope).
    pub allowed_scopes: Option<Option<Vec<ScopePattern>>>,
    /// New quota (`Some(None)` removes it).
    pub max_tokens: Option<Option<u32>>,
}

impl PolicyChange {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == PolicyChange::default()
    }
}

/// Parses an allow-list: comma-separated patterns, or `*` for any scope.
pub fn parse_allowed_scopes(text: &str) -> Result<Option<Vec<ScopePattern>>> {
    if text.trim() == "*" {
        return Ok(None);
    }
    text.split(',')
        .map(|part| part.trim().parse::<ScopePattern>())
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// A rule a token breaks (or would break).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// Expires later than the max lifetime allows, or never.
    LifetimeTooLong {
        /// The policy's maximum.
        max: Span,
        /// The latest allowed expiry.
        latest: Option<Timestamp>,
    },
    /// Never expires, and expiry is required.
    ExpiryRequired,
    /// Holds a scope outside the allow-list.
    ScopeNotAllowed {
        /// The scope.
        scope: String,
    },
    /// A plain member's personal token, and member tokens are denied.
    MemberTokensDenied,
}

impl Violation {
    /// A stable machine name for the rule.
    pub fn rule(&self) -> &'static str {
        match self {
            Violation::LifetimeTooLong { .. } => "max_lifetime",
            Violation::ExpiryRequired => "require_expiry",
            Violation::ScopeNotAllowed { .. } => "allowed_scopes",
            Violation::MemberTokensDenied => "member_tokens",
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::LifetimeTooLong {
                max,
                latest: Some(latest),
            } => write!(
                f,
                "expires later than the org's max lifetime of {max} allows (at the latest {})",
                latest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            Violation::LifetimeTooLong { max, latest: None } => {
                write!(
                    f,
                    "expires later than the org's max lifetime of {max} allows"
                )
            }
            Violation::ExpiryRequired => {
                f.write_str("never expires, but the org requires an expiry")
            }
            Violation::ScopeNotAllowed { scope } => {
                write!(f, "scope {scope} is not in the org's allowed scopes")
            }
            Violation::MemberTokensDenied => {
                f.write_str("the org does not allow members to hold personal tokens")
            }
        }
    }
}

/// What a token looks like to the policy.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Its scopes.
    pub scopes: &'a ScopeSet,
    /// When it was minted or last rotated.
    pub issued_at: Timestamp,
    /// Its expiry.
    pub expires_at: Option<Timestamp>,
    /// Whether it is the personal token of a plain member.
    pub held_by_plain_member: bool,
    /// Whether its owner is a service account (false for org tokens).
    pub held_by_service_account: bool,
}

/// The policy gate's answer for one token: the expiry it would have, and
/// every rule it breaks with that expiry (none: admissible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    /// The expiry to use: the one asked for, or the maximum when clamped.
    pub expires_at: Option<Timestamp>,
    /// Whether the expiry was cut down to the max lifetime.
    pub clamped: bool,
    /// The rules broken, in a fixed order (lifetime, expiry, scopes, member tokens).
    pub violations: Vec<Violation>,
}

impl Admission {
    /// Whether the token may exist under the policy.
    pub fn is_admissible(&self) -> bool {
        self.violations.is_empty()
    }
}

impl Policy {
    /// The one policy gate for new, rotated and existing tokens. With
    /// `clamp`, an expiry beyond the max lifetime (or none, where there is a
    /// max) is cut down to the maximum first; then every rule is checked.
    pub fn admit(&self, token: &Candidate<'_>, clamp: bool) -> Admission {
        let (expires_at, clamped) = match self.latest_expiry(token.issued_at) {
            Some(latest) if clamp && token.expires_at.is_none_or(|at| at > latest) => {
                (Some(latest), true)
            }
            _ => (token.expires_at, false),
        };
        let violations = self.violations(&Candidate {
            expires_at,
            ..*token
        });
        Admission {
            expires_at,
            clamped,
            violations,
        }
    }

    /// Whether the policy lets a token never expire (without clamping): it
    /// has no max lifetime and does not require an expiry. What a front end
    /// asks before offering "never"; [`Policy::admit`] stays the gate.
    pub fn allows_never_expiring(&self) -> bool {
        !self.require_expiry && self.max_lifetime.is_none()
    }

    /// The latest expiry allowed for a token issued at `issued_at`.
    pub fn latest_expiry(&self, issued_at: Timestamp) -> Option<Timestamp> {
        self.max_lifetime.and_then(|max| max.after(issued_at))
    }

    /// Every rule the token breaks (use [`Policy::admit`], the gate).
    fn violations(&self, token: &Candidate<'_>) -> Vec<Violation> {
        let mut found = Vec::new();
        if let Some(max) = self.max_lifetime {
            let latest = self.latest_expiry(token.issued_at);
            let too_long = match (token.expires_at, latest) {
                (None, _) => true,
                (Some(at), Some(latest)) => at > latest,
                (Some(_), None) => false,
            };
            if too_long {
                found.push(Violation::LifetimeTooLong { max, latest });
            }
        }
        if self.require_expiry && token.expires_at.is_none() {
            found.push(Violation::ExpiryRequired);
        }
        if let Some(allowed) = &self.allowed_scopes {
            for scope in token.scopes.iter() {
                if !allowed.iter().any(|pattern| pattern.permits(scope)) {
                    found.push(Violation::ScopeNotAllowed {
                        scope: scope.to_string(),
                    });
                }
            }
        }
        if token.held_by_plain_member && self.member_tokens.refuses(token.held_by_service_account) {
            found.push(Violation::MemberTokensDenied);
        }
        found
    }

    /// Applies a change.
    pub fn apply(&mut self, change: &PolicyChange) {
        if let Some(value) = change.max_lifetime {
            self.max_lifetime = value;
        }
        if let Some(value) = change.require_expiry {
            self.require_expiry = value;
        }
        if let Some(value) = change.member_tokens {
            self.member_tokens = value;
        }
        if let Some(value) = &change.allowed_scopes {
            self.allowed_scopes = value.clone();
        }
        if let Some(value) = change.max_tokens {
            self.max_tokens = value;
        }
    }

    /// The allow-list as text (`*` for any).
    pub fn allowed_scopes_text(&self) -> String {
        match &self.allowed_scopes {
            None => "*".to_owned(),
            Some(patterns) => patterns
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duration::parse_time;

    fn scopes(list: &[&str]) -> ScopeSet {
        ScopeSet::new(list.iter().map(|s| s.parse().unwrap()))
    }

    #[test]
    fn allow_lists_permit_that_action_or_weaker() {
        let allowed = parse_allowed_scopes("repo:*, issues:write, *:read")
            .unwrap()
            .unwrap();
        let permitted = |scope: &str| allowed.iter().any(|p| p.permits(&scope.parse().unwrap()));
        assert!(permitted("repo:admin"));
        assert!(permitted("issues:read") && permitted("issues:write"));
        assert!(!permitted("issues:admin"));
        assert!(permitted("packages:read"));
        assert!(!permitted("packages:write"));
        assert!(parse_allowed_scopes("*").unwrap().is_none());
        assert!(parse_allowed_scopes("repo").is_err());
        assert!(parse_allowed_scopes("repo:all").is_err());
    }

    #[test]
    fn max_lifetime_is_measured_from_issue_and_exact_at_the_boundary() {
        let policy = Policy {
            max_lifetime: Some("1y".parse().unwrap()),
            ..Policy::default()
        };
        let issued = parse_time("2026-01-01").unwrap();
        let set = scopes(&["repo:read"]);
        let candidate = |expires: Option<&str>| Candidate {
            scopes: &set,
            issued_at: issued,
            expires_at: expires.map(|t| parse_time(t).unwrap()),
            held_by_plain_member: false,
            held_by_service_account: false,
        };
        assert!(policy.violations(&candidate(Some("2027-01-01"))).is_empty());
        assert_eq!(
            policy.violations(&candidate(Some("2027-01-01T00:00:01Z")))[0].rule(),
            "max_lifetime"
        );
        assert_eq!(
            policy.violations(&candidate(None))[0].rule(),
            "max_lifetime"
        );
    }

    #[test]
    fn each_rule_is_reported() {
        let policy = Policy {
            require_expiry: true,
            member_tokens: MemberTokens::Deny,
            allowed_scopes: parse_allowed_scopes("repo:read").unwrap(),
            ..Policy::default()
        };
        let set = scopes(&["repo:write", "issues:read"]);
        let found = policy.violations(&Candidate {
            scopes: &set,
            issued_at: parse_time("2026-01-01").unwrap(),
            expires_at: None,
            held_by_plain_member: true,
            held_by_service_account: false,
        });
        let rules: Vec<&str> = found.iter().map(Violation::rule).collect();
        assert_eq!(
            rules,
            [
                "require_expiry",
                "allowed_scopes",
                "allowed_scopes",
                "member_tokens"
            ]
        );
    }

    #[test]
    fn deny_except_service_accounts_refuses_people_only() {
        let policy = Policy {
            member_tokens: MemberTokens::DenyExceptServiceAccounts,
            ..Policy::default()
        };
        let set = scopes(&["repo:read"]);
        let rules = |plain_member: bool, service: bool| {
            policy
                .violations(&Candidate {
                    scopes: &set,
                    issued_at: parse_time("2026-01-01").unwrap(),
                    expires_at: None,
                    held_by_plain_member: plain_member,
                    held_by_service_account: service,
                })
                .iter()
                .map(Violation::rule)
                .collect::<Vec<_>>()
        };
        assert_eq!(rules(true, false), ["member_tokens"]);
        assert!(rules(true, true).is_empty());
        assert!(rules(false, false).is_empty());
        let deny = Policy {
            member_tokens: MemberTokens::Deny,
            ..Policy::default()
        };
        assert!(!deny
            .violations(&Candidate {
                scopes: &set,
                issued_at: parse_time("2026-01-01").unwrap(),
                expires_at: None,
                held_by_plain_member: true,
                held_by_service_account: true,
            })
            .is_empty());
        for value in ["allow", "deny", "deny-except-service-accounts"] {
            assert_eq!(value.parse::<MemberTokens>().unwrap().as_str(), value);
        }
    }

    /// What `allows_never_expiring` answers is what the gate decides.
    #[test]
    fn never_expiring_is_allowed_exactly_when_the_gate_admits_it() {
        let scopes = scopes(&["repo:read"]);
        let never = Candidate {
            scopes: &scopes,
            issued_at: parse_time("2026-01-01").unwrap(),
            expires_at: None,
            held_by_plain_member: false,
            held_by_service_account: false,
        };
        for (max_lifetime, require_expiry) in [
            (None, false),
            (None, true),
            (Some("1y".parse().unwrap()), false),
            (Some("1y".parse().unwrap()), true),
        ] {
            let policy = Policy {
                max_lifetime,
                require_expiry,
                ..Policy::default()
            };
            assert_eq!(
                policy.allows_never_expiring(),
                policy.admit(&never, false).is_admissible(),
                "{policy:?}"
            );
        }
        assert!(Policy::default().allows_never_expiring());
    }

    #[test]
    fn the_gate_clamps_only_when_asked_and_then_checks_every_rule() {
        let policy = Policy {
            max_lifetime: Some("1y".parse().unwrap()),
            ..Policy::default()
        };
        let scopes = scopes(&["repo:read"]);
        let issued_at = parse_time("2026-01-01").unwrap();
        let never = Candidate {
            scopes: &scopes,
            issued_at,
            expires_at: None,
            held_by_plain_member: false,
            held_by_service_account: false,
        };
        let refused = policy.admit(&never, false);
        assert!(!refused.is_admissible());
        assert!(!refused.clamped);
        let clamped = policy.admit(&never, true);
        assert!(clamped.is_admissible());
        assert!(clamped.clamped);
        assert_eq!(clamped.expires_at, Some(parse_time("2027-01-01").unwrap()));
        // An expiry within the limit is kept as it is, clamp or not.
        let soon = Candidate {
            expires_at: Some(parse_time("2026-02-01").unwrap()),
            ..never
        };
        assert_eq!(policy.admit(&soon, true), policy.admit(&soon, false));
    }
}
