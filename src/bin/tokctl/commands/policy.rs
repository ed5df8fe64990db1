//! `tokctl policy check`: live tokens that break their org's current policy.

use clap::{Args, Subcommand};
use serde::Serialize;
use tokctl::ops::Session;

use crate::cli::args::Format;
use crate::exit;
use crate::input::confirm;
use crate::output::outcomes::warn_skipped;
use crate::output::token_rows::TokenJson;
use crate::output::ui::Ui;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// List live tokens that break their org's policy, with the rule each breaks; exits 23 if any
    #[command(after_help = "Examples:\n  tokctl policy check --org acme\n  \
        tokctl policy check --org acme --revoke --dry-run\n  tokctl policy check --org acme --revoke --yes")]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Only this org (default: every org you administer)
    #[arg(long)]
    org: Option<String>,

    /// Revoke the tokens found (the rule becomes the revocation reason)
    #[arg(long)]
    revoke: bool,

    /// With --revoke: show what would be revoked, and change nothing
    #[arg(long, requires = "revoke")]
    dry_run: bool,

    /// With --revoke: do not ask for confirmation (needed outside a terminal)
    #[arg(long, short, requires = "revoke")]
    yes: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    token: TokenJson<'a>,
    violations: Vec<ViolationJson>,
}

#[derive(Serialize)]
struct ViolationJson {
    rule: &'static str,
    message: String,
}

pub fn run(ui: &Ui, session: &mut Session, command: PolicyCommand) -> anyhow::Result<u8> {
    let PolicyCommand::Check(args) = command;
    let findings = session.policy_check(args.org.as_deref())?;
    let now = session.now();
    match args.format {
        Format::Json => ui.print_json(
            &findings
                .iter()
                .map(|finding| FindingJson {
                    token: TokenJson::new(&finding.token, now),
                    violations: finding
                        .violations
                        .iter()
                        .map(|v| ViolationJson {
                            rule: v.rule(),
                            message: v.to_string(),
                        })
                        .collect(),
                })
                .collect::<Vec<_>>(),
        )?,
        Format::Table if findings.is_empty() => ui.note("every live token meets its org's policy"),
        Format::Table => {
            let mut rows = ui.table(&["id", "name", "org", "owner", "breaks"]);
            for finding in &findings {
                let token = &finding.token;
                let rules: Vec<String> =
                    finding.violations.iter().map(ToString::to_string).collect();
                rows.add_row(vec![
                    token.id.to_string(),
                    token.name.clone(),
                    token.org.clone(),
                    token.owner.clone().unwrap_or_else(|| "-".into()),
                    rules.join("; "),
                ]);
            }
            ui.print_table(rows)?;
        }
    }
    if findings.is_empty() {
        return Ok(exit::SUCCESS);
    }
    if !args.revoke {
        return Ok(exit::POLICY_VIOLATIONS);
    }
    if args.dry_run {
        ui.note(format!(
            "dry run: {} token(s) would be revoked; nothing changed",
            findings.len()
        ));
        return Ok(exit::POLICY_VIOLATIONS);
    }
    if !confirm(
        ui,
        args.yes,
        &format!("revoke {} token(s) that break policy", findings.len()),
    )? {
        return Ok(exit::CONFIRMATION_REQUIRED);
    }
    // The findings shown and counted are the plan: exactly those are
    // revoked, each only if it still breaks the policy.
    let done = session.revoke_noncompliant(&findings)?;
    warn_skipped(ui, &done.skipped);
    ui.note(format!(
        "revoked {} token(s) that broke policy",
        done.revoked.len()
    ));
    Ok(exit::SUCCESS)
}
