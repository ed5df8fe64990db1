//! The token filters shared by `list` and `revoke`, declared once.

use clap::{Args, ValueEnum};
use tokctl::duration::Span;
use tokctl::model::TokenKind;
use tokctl::ops::{Selection, StatusChoice};
use tokctl::scope::Scope;
use tokctl::store::TokenSort;

use crate::cli::args::{parse_kind, parse_scope, parse_span};

#[derive(Debug, Args)]
pub struct SelectionArgs {
    /// Only tokens of this org
    #[arg(long)]
    pub org: Option<String>,

    /// Only personal tokens of this user
    #[arg(long, value_name = "USER")]
    pub owner: Option<String>,

    /// Only tokens of this kind: personal or org
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<TokenKind>,

    /// Last used longer ago than DUR, or never used and created longer ago (e.g. 1y)
    #[arg(long, value_name = "DUR", value_parser = parse_span, allow_hyphen_values = true)]
    pub stale: Option<Span>,

    /// Never used
    #[arg(long)]
    pub never_used: bool,

    /// Expiring within DUR from now (e.g. 14d)
    #[arg(long, value_name = "DUR", value_parser = parse_span, allow_hyphen_values = true)]
    pub expiring: Option<Span>,

    /// Holding this scope or a stronger one (repo:read also finds repo:write)
    #[arg(long, value_parser = parse_scope)]
    pub scope: Option<Scope>,

    /// Names matching this glob: '*', '?', '[abc]' (quote it in the shell)
    #[arg(long, value_name = "GLOB")]
    pub name: Option<String>,

    /// Include revoked and expired tokens (same as --status all)
    #[arg(long, conflicts_with = "status")]
    pub all: bool,

    /// Only tokens with this status [default: active and deactivated]
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
}

/// `--status` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Active,
    Deactivated,
    Expired,
    Revoked,
    All,
}

impl From<StatusArg> for StatusChoice {
    fn from(status: StatusArg) -> Self {
        match status {
            StatusArg::Active => StatusChoice::Active,
            StatusArg::Deactivated => StatusChoice::Deactivated,
            StatusArg::Expired => StatusChoice::Expired,
            StatusArg::Revoked => StatusChoice::Revoked,
            StatusArg::All => StatusChoice::All,
        }
    }
}

/// `--sort` values.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum SortArg {
    #[default]
    Created,
    LastUsed,
    Expires,
    Name,
}

impl From<SortArg> for TokenSort {
    fn from(sort: SortArg) -> Self {
        match sort {
            SortArg::Created => TokenSort::Created,
            SortArg::LastUsed => TokenSort::LastUsed,
            SortArg::Expires => TokenSort::Expires,
            SortArg::Name => TokenSort::Name,
        }
    }
}

impl SelectionArgs {
    /// The library's selection in this order. Every command reads the
    /// filters the same way: active and deactivated tokens unless `--status`
    /// or `--all` say otherwise.
    pub fn to_selection(&self, sort: TokenSort) -> Selection {
        let status = match (self.all, self.status) {
            (true, _) => StatusChoice::All,
            (false, Some(status)) => status.into(),
            (false, None) => StatusChoice::Current,
        };
        Selection {
            org: self.org.clone(),
            owner: self.owner.clone(),
            kind: self.kind,
            status,
            stale: self.stale,
            never_used: self.never_used,
            expiring: self.expiring,
            scope: self.scope.clone(),
            name: self.name.clone(),
            sort,
        }
    }
}
