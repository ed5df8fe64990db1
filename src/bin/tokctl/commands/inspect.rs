//! `tokctl inspect`: which token a found secret is, whose, and whether it
//! still works, without counting a use (leak response).

use clap::Args;
use serde::Serialize;
use tokctl::ops::{SecretMatch, Session};

use crate::cli::args::Format;
use crate::exit;
use crate::input::{read_secret, TOKEN_ENV};
use crate::output::time_format::rfc3339;
use crate::output::token_rows::{token_fields, TokenJson};
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// `inspect --format json` (docs/json.md).
#[derive(Serialize)]
struct InspectJson<'a> {
    token: TokenJson<'a>,
    secret: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_secret_valid_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_secret_ended_at: Option<String>,
}

pub fn run(ui: &Ui, session: &mut Session, args: InspectArgs) -> anyhow::Result<u8> {
    let presented = read_secret("Found token", Some(TOKEN_ENV))?;
    let inspection = session.inspect(&presented)?;
    drop(presented);
    let now = session.now();
    let (valid_until, ended_at) = match inspection.secret {
        SecretMatch::OldStillValid { until } => (Some(rfc3339(until)), None),
        SecretMatch::OldEnded { ended } => (None, Some(rfc3339(ended))),
        _ => (None, None),
    };
    match args.format {
        Format::Json => ui.print_json(&InspectJson {
            token: TokenJson::new(&inspection.token, now),
            secret: inspection.secret.as_str(),
            old_secret_valid_until: valid_until,
            old_secret_ended_at: ended_at,
        })?,
        Format::Table => {
            let mut table = token_fields(ui, &inspection.token, now);
            let verdict = match inspection.secret {
                SecretMatch::Current => "this is its current secret".to_owned(),
                SecretMatch::OldStillValid { until } => format!(
                    "an old secret, still working until {} (grace period)",
                    rfc3339(until)
                ),
                SecretMatch::OldEnded { ended } => {
                    format!("an old secret that stopped working at {}", rfc3339(ended))
                }
                SecretMatch::NotThisToken => {
                    "no: the id is this token's, the secret is not".to_owned()
                }
            };
            table.add_row(vec!["secret:".to_owned(), verdict]);
            ui.print_table(table)?;
            if inspection.secret_works(now) {
                ui.hint(format!(
                    "this secret works; revoke it with: tokctl revoke {} --reason leaked",
                    inspection.token.id
                ));
            }
        }
    }
    Ok(exit::SUCCESS)
}
