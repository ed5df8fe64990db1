//! `tokctl list`: tokens as a table or a JSON array, streamed row by row.

use std::io::Write;

use clap::{Args, ValueEnum};
use tokctl::model::TokenKind;
use tokctl::ops::{ListRequest, Session, StatusChoice};
use tokctl::store::TokenSort;

use crate::cli::{parse_kind, Format};
use crate::exit;
use crate::output::{table, token_row, TokenJson, TOKEN_COLUMNS};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Include revoked and expired tokens (same as --status all)
    #[arg(long, conflicts_with = "status")]
    all: bool,

    /// Only tokens with this status
    #[arg(long, value_enum)]
    status: Option<StatusArg>,

    /// Only tokens of this org
    #[arg(long)]
    org: Option<String>,

    /// Only personal tokens of this user
    #[arg(long, value_name = "USER")]
    owner: Option<String>,

    /// Only tokens of this kind: personal or org
    #[arg(long, value_parser = parse_kind)]
    kind: Option<TokenKind>,

    /// Order of the rows
    #[arg(long, value_enum, default_value_t = SortArg::Created)]
    sort: SortArg,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StatusArg {
    Active,
    Expired,
    Revoked,
    All,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SortArg {
    Created,
    LastUsed,
    Expires,
    Name,
}

pub fn run(session: &Session, args: ListArgs) -> anyhow::Result<u8> {
    let status = match (args.all, args.status) {
        (true, _) | (false, Some(StatusArg::All)) => StatusChoice::All,
        (false, Some(StatusArg::Expired)) => StatusChoice::Expired,
        (false, Some(StatusArg::Revoked)) => StatusChoice::Revoked,
        (false, Some(StatusArg::Active) | None) => StatusChoice::Active,
    };
    let request = ListRequest {
        org: args.org,
        owner: args.owner,
        kind: args.kind,
        status,
        sort: match args.sort {
            SortArg::Created => TokenSort::Created,
            SortArg::LastUsed => TokenSort::LastUsed,
            SortArg::Expires => TokenSort::Expires,
            SortArg::Name => TokenSort::Name,
        },
    };
    let now = session.now();
    match args.format {
        Format::Json => {
            // A JSON array written element by element, so memory stays flat.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut first = true;
            out.write_all(b"[")?;
            session.list_tokens(&request, |token| -> anyhow::Result<()> {
                out.write_all(if first { b"\n  " } else { b",\n  " })?;
                first = false;
                serde_json::to_writer(&mut out, &TokenJson::new(token, now))?;
                Ok(())
            })?;
            out.write_all(if first { b"]\n" } else { b"\n]\n" })?;
            out.flush()?;
        }
        Format::Table => {
            let mut rows = table(TOKEN_COLUMNS);
            let mut count = 0usize;
            session.list_tokens(&request, |token| -> anyhow::Result<()> {
                rows.add_row(token_row(token, now));
                count += 1;
                Ok(())
            })?;
            if count == 0 {
                eprintln!("no tokens match (use --all to include revoked and expired ones)");
            } else {
                crate::output::print_line(rows)?;
            }
        }
    }
    Ok(exit::SUCCESS)
}
