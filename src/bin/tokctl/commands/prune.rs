//! `tokctl prune`: delete rows of tokens that ended long ago.

use clap::Args;
use tokctl::duration::PointInTime;
use tokctl::ops::{RevokeOutcome, Session};

use crate::cli::args::{parse_point_in_time, ListFormat};
use crate::exit;
use crate::input::confirm;
use crate::output::outcomes::{
    print_outcomes, report_keyring_failures, revoke_keyring_word, warn_skipped, OutcomeJson,
};
use crate::output::progress::Meter;
use crate::output::token_rows::TokenWriter;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Prune tokens revoked or expired before this: a duration back from now (90d) or a date
    #[arg(long, value_name = "DUR|TIME", value_parser = parse_point_in_time, allow_hyphen_values = true)]
    before: PointInTime,

    /// Only this org (default: every org you administer)
    #[arg(long)]
    org: Option<String>,

    /// Show what would be pruned, and change nothing
    #[arg(long)]
    dry_run: bool,

    /// Do not ask for confirmation (needed outside a terminal)
    #[arg(long, short)]
    yes: bool,

    /// Output format: of the prunable tokens (--dry-run) or of the pruned ones (table, csv); json
    /// and jsonl of a real run give one record per token with its outcome
    #[arg(long, value_enum, default_value_t)]
    format: ListFormat,
}

pub fn run(ui: &Ui, session: &mut Session, args: PruneArgs) -> anyhow::Result<u8> {
    // The plan fixes the token ids and the cutoff: the dry run lists them,
    // the prompt counts them, and the real run deletes exactly them.
    let plan = session.plan_prune(args.before, args.org.as_deref())?;
    if args.dry_run {
        let mut writer = TokenWriter::new(ui, args.format, session.now())?;
        for item in session.preview_prune(&plan) {
            writer.write(&item.token)?;
        }
        writer.finish()?;
        ui.note(format!(
            "dry run: {} token(s) would be pruned; nothing changed",
            plan.tokens.len()
        ));
        return Ok(exit::SUCCESS);
    }
    if plan.tokens.is_empty() {
        ui.note("no tokens ended before that time: nothing to prune");
        return Ok(exit::SUCCESS);
    }
    if !confirm(
        ui,
        args.yes,
        &format!("delete the rows of {} token(s)", plan.tokens.len()),
    )? {
        return Ok(exit::CONFIRMATION_REQUIRED);
    }
    let meter = Meter::new(ui);
    let done = session.prune_planned_with_progress(&plan, &meter)?;
    let took = meter.took();
    warn_skipped(ui, &done.skipped);
    let pruned = &done.pruned;
    if matches!(args.format, ListFormat::Table | ListFormat::Csv) {
        let mut writer = TokenWriter::new(ui, args.format, session.now())?;
        for item in pruned {
            writer.write(&item.token)?;
        }
        writer.finish()?;
    }
    let removed = pruned
        .iter()
        .filter(|item| item.keyring == RevokeOutcome::Deleted)
        .count();
    if removed > 0 {
        ui.note(format!(
            "removed the secrets of {removed} pruned token(s) from the OS keyring"
        ));
    }
    let failed: Vec<_> = pruned
        .iter()
        .filter_map(|item| match &item.keyring {
            RevokeOutcome::Failed(err) => Some((&item.token, err)),
            _ => None,
        })
        .collect();
    report_keyring_failures(ui, &failed, "the pruning");
    ui.note(format!(
        "pruned {} token(s){took}; their audit events are kept",
        pruned.len()
    ));
    let format = match args.format {
        ListFormat::Json | ListFormat::Jsonl => Some(args.format),
        ListFormat::Table | ListFormat::Csv => None,
    };
    let mut outcomes: Vec<OutcomeJson<'_>> = pruned
        .iter()
        .map(|item| OutcomeJson {
            keyring: Some(revoke_keyring_word(&item.keyring)),
            ..OutcomeJson::new(&item.token, "pruned")
        })
        .collect();
    outcomes.extend(
        done.skipped
            .iter()
            .map(|(token, why)| OutcomeJson::skipped(token, *why)),
    );
    print_outcomes(ui, format, &outcomes, "pruned")?;
    Ok(exit::SUCCESS)
}
