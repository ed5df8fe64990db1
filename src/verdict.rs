//! What verifying a presented token answers: a [`Verdict`], valid or
//! refused, as a value. A refusal is the normal answer to a bad token, not a
//! failure of the call, so it is no [`crate::Error`]: errors are left for
//! a store that fails.
//!
//! A front end (the CLI, a service) matches on the verdict and on the
//! [`Rejection`] reason of a refusal; it never parses a message. The JSON
//! shapes live here too (`Verdict` is [`Serialize`], [`BatchLine`] is one
//! line of a batch), so every front end writes the same bytes; they are
//! documented in `docs/json.md`.

use serde::{Serialize, Serializer};

use crate::clock::{rfc3339, Timestamp};
use crate::error::{Error, Rejection};
use crate::model::{TokenId, TokenKind};
use crate::scope::ScopeSet;

/// The answer to one presented token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a verdict says whether the token may be trusted"]
pub enum Verdict {
    /// The token is genuine, live and holds the required scope.
    Valid(Verified),
    /// The token is not to be trusted, and why.
    Refused(Refusal),
}

/// A token that passed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Its public id.
    pub id: TokenId,
    /// Personal or org.
    pub kind: TokenKind,
    /// Its name.
    pub name: String,
    /// Its org.
    pub org: String,
    /// Its owner (personal tokens).
    pub owner: Option<String>,
    /// Its scopes.
    pub scopes: ScopeSet,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// Set when the presented secret is an old one still inside its grace
    /// period: the caller should switch to the new secret before this time.
    pub old_secret_valid_until: Option<Timestamp>,
}

/// A presented token that was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// Why.
    pub reason: Rejection,
    /// The token the presented secret belongs to, when the secret proved it
    /// (revoked, expired, lacking the scope, or a secret rotated away).
    /// Never set for a malformed or unknown presentation, so a refusal does
    /// not tell whether an id exists.
    pub token: Option<TokenId>,
}

impl Verdict {
    /// Whether the token may be trusted.
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid(_))
    }

    /// The refusal, if the token was refused.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Verdict::Valid(_) => None,
            Verdict::Refused(refusal) => Some(refusal),
        }
    }

    /// The verified token, or the refusal: for `?` and combinators.
    pub fn into_result(self) -> Result<Verified, Refusal> {
        match self {
            Verdict::Valid(verified) => Ok(verified),
            Verdict::Refused(refusal) => Err(refusal),
        }
    }
}

impl Refusal {
    /// A refusal naming no token.
    pub fn bare(reason: Rejection) -> Self {
        Refusal {
            reason,
            token: None,
        }
    }
}

impl std::fmt::Display for Refusal {
    /// The same words as [`Error::Rejected`]: "token rejected: …".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "token rejected: {}", self.reason.describe())
    }
}

impl From<Refusal> for Error {
    /// For a caller that treats a refusal as the failure of its own request.
    fn from(refusal: Refusal) -> Self {
        Error::Rejected {
            reason: refusal.reason,
        }
    }
}

impl Verdict {
    /// This verdict as one line of a batch: `{"line": N, …the verdict…}`.
    pub fn in_batch(&self, line: u64) -> BatchLine<'_> {
        BatchLine {
            line,
            verdict: self,
        }
    }
}

/// A verdict as JSON: `{"valid": true, "id", "name", "kind", "org", "owner",
/// "scopes", "expires_at", "old_secret_valid_until"}` (absent values left
/// out), or `{"valid": false, "reason"}`. A refusal shows nothing but its
/// reason, whatever it knows about the token.
impl Serialize for Verdict {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        VerdictJson::new(self).serialize(serializer)
    }
}

/// One result of a batch: the input line number, then the verdict's fields.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BatchLine<'a> {
    /// The number of the input line the token came from (1-based).
    pub line: u64,
    /// The answer.
    #[serde(flatten)]
    pub verdict: &'a Verdict,
}

/// The fields of a verdict's JSON, in their order.
#[derive(Serialize)]
struct VerdictJson<'a> {
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    org: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    /// Present when an old secret within its rotation grace period was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    old_secret_valid_until: Option<String>,
}

impl<'a> VerdictJson<'a> {
    fn new(verdict: &'a Verdict) -> Self {
        match verdict {
            Verdict::Valid(verified) => VerdictJson {
                valid: true,
                reason: None,
                id: Some(verified.id.to_string()),
                name: Some(&verified.name),
                kind: Some(verified.kind.as_str()),
                org: Some(&verified.org),
                owner: verified.owner.as_deref(),
                scopes: Some(verified.scopes.to_strings()),
                expires_at: verified.expires_at.map(rfc3339),
                old_secret_valid_until: verified.old_secret_valid_until.map(rfc3339),
            },
            Verdict::Refused(refusal) => VerdictJson {
                valid: false,
                reason: Some(refusal.reason.as_str()),
                id: None,
                name: None,
                kind: None,
                org: None,
                owner: None,
                scopes: None,
                expires_at: None,
                old_secret_valid_until: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_refusal_reads_as_the_rejected_error_does() {
        for reason in [
            Rejection::Malformed,
            Rejection::Unknown,
            Rejection::Expired,
            Rejection::Revoked,
            Rejection::InsufficientScope,
            Rejection::Rotated,
            Rejection::Deactivated,
        ] {
            let refusal = Refusal::bare(reason);
            assert_eq!(refusal.to_string(), Error::from(refusal).to_string());
        }
    }

    fn verified() -> Verified {
        Verified {
            id: TokenId::from_key(7).unwrap(),
            kind: TokenKind::Personal,
            name: "ci".into(),
            org: "acme".into(),
            owner: Some("alice".into()),
            scopes: ScopeSet::new([
                "repo:read".parse().unwrap(),
                "issues:write".parse().unwrap(),
            ]),
            expires_at: Some(crate::duration::parse_time("2027-02-20T10:00:00Z").unwrap()),
            old_secret_valid_until: None,
        }
    }

    /// The bytes every front end writes: a change here changes docs/json.md.
    #[test]
    fn a_verdict_serializes_to_the_documented_shape() {
        let valid = Verdict::Valid(verified());
        let id = TokenId::from_key(7).unwrap();
        assert_eq!(
            serde_json::to_string(&valid).unwrap(),
            format!(
                r#"{{"valid":true,"id":"{id}","name":"ci","kind":"personal","org":"acme","owner":"alice","scopes":["issues:write","repo:read"],"expires_at":"2027-02-20T10:00:00Z"}}"#
            )
        );
        let org_token = Verdict::Valid(Verified {
            kind: TokenKind::Org,
            owner: None,
            expires_at: None,
            old_secret_valid_until: Some(
                crate::duration::parse_time("2026-11-23T10:00:00Z").unwrap(),
            ),
            ..verified()
        });
        assert_eq!(
            serde_json::to_string(&org_token).unwrap(),
            format!(
                r#"{{"valid":true,"id":"{id}","name":"ci","kind":"org","org":"acme","scopes":["issues:write","repo:read"],"old_secret_valid_until":"2026-11-23T10:00:00Z"}}"#
            )
        );
        // What a refusal knows about the token stays out of the JSON.
        let refused = Verdict::Refused(Refusal {
            reason: Rejection::Revoked,
            token: Some(id),
        });
        assert_eq!(
            serde_json::to_string(&refused).unwrap(),
            r#"{"valid":false,"reason":"revoked"}"#
        );
        assert_eq!(
            serde_json::to_string(&refused.in_batch(3)).unwrap(),
            r#"{"line":3,"valid":false,"reason":"revoked"}"#
        );
        assert_eq!(
            serde_json::to_string(&valid.in_batch(12)).unwrap(),
            format!(
                r#"{{"line":12,"valid":true,"id":"{id}","name":"ci","kind":"personal","org":"acme","owner":"alice","scopes":["issues:write","repo:read"],"expires_at":"2027-02-20T10:00:00Z"}}"#
            )
        );
    }
}
