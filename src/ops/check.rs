//! `check`: what a nightly job should look at: tokens expiring soon, stale tokens.

use super::list::{Selection, StatusChoice};
use super::Session;
use crate::duration::Span;
use crate::error::{Error, Result};
use crate::model::Token;

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    /// Only this org.
    pub org: Option<String>,
    /// Active tokens expiring within this span.
    pub expiring: Option<Span>,
    /// Active tokens unused for longer than this span.
    pub stale: Option<Span>,
}

/// What was found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Active tokens expiring soon.
    pub expiring: Vec<Token>,
    /// Active stale tokens.
    pub stale: Vec<Token>,
}

impl Session {
    /// Finds active tokens that expire soon or have gone stale.
    pub fn check_tokens(&self, request: &CheckRequest) -> Result<CheckReport> {
        if request.expiring.is_none() && request.stale.is_none() {
            return Err(Error::request(
                "nothing to check",
                crate::error::RequestProblem::NothingToCheck,
            ));
        }
        let base = Selection {
            org: request.org.clone(),
            status: StatusChoice::Active,
            ..Selection::default()
        };
        let mut report = CheckReport::default();
        if let Some(span) = request.expiring {
            report.expiring = self.select_tokens(&Selection {
                expiring: Some(span),
                sort: crate::store::TokenSort::Expires,
                ..base.clone()
            })?;
        }
        if let Some(span) = request.stale {
            report.stale = self.select_tokens(&Selection {
                stale: Some(span),
                sort: crate::store::TokenSort::LastUsed,
                ..base
            })?;
        }
        Ok(report)
    }
}
