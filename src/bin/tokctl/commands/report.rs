//! `tokctl report`: per org, what the tokens are and whether anyone uses them.

use clap::Args;
use tokctl::model::UserKind;
use tokctl::ops::{Session, USAGE_DAYS};

use crate::cli::args::Format;
use crate::exit;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Only this org (default: every org you administer)
    #[arg(long)]
    org: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(ui: &Ui, session: &Session, args: ReportArgs) -> anyhow::Result<u8> {
    let reports = session.usage_report(args.org.as_deref())?;
    if args.format == Format::Json {
        ui.print_json(&reports)?;
        return Ok(exit::SUCCESS);
    }
    for (index, report) in reports.iter().enumerate() {
        if index > 0 {
            ui.print_line("")?;
        }
        ui.print_line(format!("org {}", report.org))?;
        let s = &report.by_status;
        let u = &report.last_use;
        let by = |map: &std::collections::BTreeMap<String, u64>| {
            map.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        ui.print_table(ui.fields(&[
            (
                "tokens",
                if s.deactivated > 0 {
                    format!(
                        "{} ({} active, {} deactivated, {} expired, {} revoked)",
                        report.total, s.active, s.deactivated, s.expired, s.revoked
                    )
                } else {
                    format!(
                        "{} ({} active, {} expired, {} revoked)",
                        report.total, s.active, s.expired, s.revoked
                    )
                },
            ),
            ("active by kind", by(&report.active_by_kind)),
            ("active by owner", by(&report.active_by_owner)),
            ("active by owner kind", by(&report.active_by_owner_kind)),
            ("never used", report.never_used.to_string()),
            (
                "last used",
                format!(
                    "<30d {}, 30-90d {}, 90d-1y {}, older {}, never {}",
                    u.under_30_days, u.under_90_days, u.under_1_year, u.older, u.never
                ),
            ),
            (
                "expiring",
                format!(
                    "{} within 7 days, {} within 30 days",
                    report.expiring_within_7_days, report.expiring_within_30_days
                ),
            ),
        ]))?;
        if !report.most_used.is_empty() {
            let mut rows = ui.table(&["most used", "id", "owner", "uses"]);
            for token in &report.most_used {
                rows.add_row(vec![
                    token.name.clone(),
                    token.id.clone(),
                    match (&token.owner, token.owner_kind) {
                        (Some(owner), Some(UserKind::Service)) => format!("{owner} (service)"),
                        (Some(owner), _) => owner.clone(),
                        (None, _) => "(org)".into(),
                    },
                    token.use_count.to_string(),
                ]);
            }
            ui.print_table(rows)?;
        }
        if !report.uses_by_day.is_empty() {
            let mut days = ui.table(&["day (UTC)", "uses"]);
            for day in &report.uses_by_day {
                days.add_row(vec![day.day.clone(), day.uses.to_string()]);
            }
            ui.print_line(format!("uses over the last {USAGE_DAYS} days"))?;
            ui.print_table(days)?;
        }
    }
    Ok(exit::SUCCESS)
}
