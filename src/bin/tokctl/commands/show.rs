//! `tokctl show`: every field of one token, the old secrets that still work,
//! and with `--usage` when it was used.

use clap::Args;
use serde::Serialize;
use tokctl::duration::PointInTime;
use tokctl::ops::{Session, TokenDetails};

use crate::cli::args::{parse_point_in_time, Format};
use crate::exit;
use crate::output::time_format::rfc3339;
use crate::output::token_rows::{token_fields, uses_per_day, TokenJson};
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The token's id or name
    #[arg(value_name = "ID|NAME")]
    token: String,

    /// Look the name up in this org only
    #[arg(long)]
    org: Option<String>,

    /// Also show when it was used: uses per day (per hour in JSON)
    #[arg(long)]
    usage: bool,

    /// With --usage: from this time on, a duration back from now (7d) or a time
    #[arg(long, value_name = "DUR|TIME", value_parser = parse_point_in_time,
          allow_hyphen_values = true, requires = "usage", default_value = "30d")]
    since: PointInTime,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// `show --format json`: the token's fields, then what `show` adds (docs/json.md).
#[derive(Serialize)]
struct ShowJson<'a> {
    #[serde(flatten)]
    token: TokenJson<'a>,
    old_secrets: Vec<OldSecretJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Vec<UsageJson>>,
}

#[derive(Serialize)]
struct OldSecretJson {
    rotated_at: String,
    valid_until: String,
}

#[derive(Serialize)]
struct UsageJson {
    hour: String,
    uses: u64,
}

pub fn run(ui: &Ui, session: &Session, args: ShowArgs) -> anyhow::Result<u8> {
    let usage_since = args.usage.then_some(args.since);
    let details = session.token_details(&args.token, args.org.as_deref(), usage_since)?;
    let now = session.now();
    match args.format {
        Format::Table => render_table(ui, &details, now)?,
        Format::Json => ui.print_json(&ShowJson {
            token: TokenJson::new(&details.token, now),
            old_secrets: details
                .old_secrets
                .iter()
                .map(|old| OldSecretJson {
                    rotated_at: rfc3339(old.rotated_at),
                    valid_until: rfc3339(old.valid_until),
                })
                .collect(),
            usage: details.usage.as_ref().map(|hours| {
                hours
                    .iter()
                    .map(|hour| UsageJson {
                        hour: rfc3339(hour.start),
                        uses: hour.uses,
                    })
                    .collect()
            }),
        })?,
    }
    Ok(exit::SUCCESS)
}

fn render_table(
    ui: &Ui,
    details: &TokenDetails,
    now: tokctl::clock::Timestamp,
) -> anyhow::Result<()> {
    let mut fields = token_fields(ui, &details.token, now);
    for old in &details.old_secrets {
        fields.add_row(vec![
            "old secret:".to_owned(),
            format!(
                "still works until {} (replaced {})",
                rfc3339(old.valid_until),
                rfc3339(old.rotated_at)
            ),
        ]);
    }
    ui.print_table(fields)?;
    let Some(hours) = &details.usage else {
        return Ok(());
    };
    ui.print_line("")?;
    if hours.is_empty() {
        ui.print_line("no recorded uses in this period")?;
        return Ok(());
    }
    // People read days; the hours are in the JSON.
    ui.print_table(uses_per_day(ui, hours))?;
    Ok(())
}
