//! `tokctl check`: for cron. Prints what it finds; the exit code says what.

use clap::Args;
use serde::Serialize;
use tokctl::duration::Span;
use tokctl::ops::{CheckRequest, Session};

use crate::cli::args::{parse_span, Format};
use crate::exit;
use crate::output::token_rows::{token_row, TokenJson, TOKEN_COLUMNS};
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Report active tokens expiring within DUR
    #[arg(long, value_name = "DUR", value_parser = parse_span, allow_hyphen_values = true)]
    expiring: Option<Span>,

    /// Report active tokens unused for longer than DUR (or never used and older)
    #[arg(long, value_name = "DUR", value_parser = parse_span, allow_hyphen_values = true)]
    stale: Option<Span>,

    /// Only this org
    #[arg(long)]
    org: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct CheckJson<'a> {
    expiring: Vec<TokenJson<'a>>,
    stale: Vec<TokenJson<'a>>,
}

pub fn run(ui: &Ui, session: &Session, args: CheckArgs) -> anyhow::Result<u8> {
    let report = session.check_tokens(&CheckRequest {
        org: args.org,
        expiring: args.expiring,
        stale: args.stale,
    })?;
    let now = session.now();
    match args.format {
        Format::Json => ui.print_json(&CheckJson {
            expiring: report
                .expiring
                .iter()
                .map(|t| TokenJson::new(t, now))
                .collect(),
            stale: report
                .stale
                .iter()
                .map(|t| TokenJson::new(t, now))
                .collect(),
        })?,
        Format::Table => {
            let mut header = vec!["finding"];
            header.extend_from_slice(TOKEN_COLUMNS);
            let mut rows = ui.table(&header);
            for (finding, tokens) in [("expiring", &report.expiring), ("stale", &report.stale)] {
                for token in tokens {
                    let mut row = vec![comfy_table::Cell::new(finding)];
                    row.extend(token_row(ui, token, now));
                    rows.add_row(row);
                }
            }
            if report.expiring.is_empty() && report.stale.is_empty() {
                ui.note("nothing found");
            } else {
                ui.print_table(rows)?;
            }
        }
    }
    Ok(
        match (report.expiring.is_empty(), report.stale.is_empty()) {
            (true, true) => exit::SUCCESS,
            (false, true) => exit::CHECK_EXPIRING,
            (true, false) => exit::CHECK_STALE,
            (false, false) => exit::CHECK_BOTH,
        },
    )
}
