//! What verifying a presented token answers: a [`Verdict`], valid or
//! refused, as a value. A refusal is the normal answer to a bad token, not a
//! failure of the call, so it is no [`crate::Error`]: errors are left for
//! what stops an answer (an unusable store, I/O).
//!
//! A front end (the CLI, a service) matches on the verdict and on the
//! [`Rejection`] reason of a refusal; it never parses a message.

use crate::clock::Timestamp;
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

#[cfg(test)]
mod tests {
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
        ] {
            let refusal = Refusal::bare(reason);
            assert_eq!(refusal.to_string(), Error::from(refusal).to_string());
        }
    }
}
