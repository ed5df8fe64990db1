//! `tokctl deactivate` and `tokctl activate`: switch tokens off for a
//! while and on again, by id or name or in bulk by filter. One file for
//! both: they are the same command run in two directions (`Switch`).
//!
//! As revoke: every form plans the exact tokens first; `--dry-run` shows
//! the plan; a bulk run asks at a terminal with the count and elsewhere
//! needs `--yes` (exit 8 without it); a named one asks at a terminal only.

use clap::Args;
use tokctl::ops::{Selection, Session, Switch, Switched};
use tokctl::store::TokenSort;

use crate::cli::args::ListFormat;
use crate::exit;
use crate::input::{at_terminal, confirm};
use crate::output::outcomes::{outcome_format, print_outcomes, warn_skipped, OutcomeJson};
use crate::output::token_rows::TokenWriter;
use crate::output::ui::Ui;
use crate::selection::SelectionArgs;

#[derive(Debug, Args)]
pub struct SwitchArgs {
    /// Ids or names of the tokens
    #[arg(value_name = "ID|NAME")]
    tokens: Vec<String>,

    #[command(flatten)]
    select: SelectionArgs,

    /// Show what would change, in list's formats, and change nothing
    #[arg(long)]
    dry_run: bool,

    /// Do not ask for confirmation (at a terminal a named or bulk run asks; outside one a bulk run needs this)
    #[arg(long, short)]
    yes: bool,

    /// Output format: of the tokens a --dry-run would change, or of what a real run did (json, jsonl)
    #[arg(long, value_enum, default_value_t)]
    format: ListFormat,
}

#[derive(Debug, Args)]
pub struct DeactivateArgs {
    #[command(flatten)]
    switch: SwitchArgs,

    /// Why, recorded with the deactivation and shown by 'tokctl show'
    #[arg(long)]
    reason: Option<String>,
}

pub fn run_deactivate(ui: &Ui, session: &mut Session, args: DeactivateArgs) -> anyhow::Result<u8> {
    run(
        ui,
        session,
        Switch::Deactivate,
        &args.switch,
        args.reason.as_deref(),
    )
}

pub fn run_activate(ui: &Ui, session: &mut Session, args: SwitchArgs) -> anyhow::Result<u8> {
    run(ui, session, Switch::Activate, &args, None)
}

fn run(
    ui: &Ui,
    session: &mut Session,
    switch: Switch,
    args: &SwitchArgs,
    reason: Option<&str>,
) -> anyhow::Result<u8> {
    let verb = switch.verb();
    if args.select.all || args.select.status.is_some() {
        anyhow::bail!(crate::hints::Usage::new(
            format!(
                "{verb} picks the tokens it can change itself; --all and --status do not apply"
            ),
            "leave out --all/--status",
        ));
    }
    let selection: Selection = args.select.to_selection(TokenSort::Created);
    let bulk = selection.has_criteria();
    let plan = match (bulk, args.tokens.is_empty()) {
        (true, false) => anyhow::bail!(crate::hints::Usage::new(
            "name tokens or give filters, not both",
            "name tokens (ID|NAME...), or give filters such as --owner bob or --name 'ci-*'",
        )),
        (false, true) => anyhow::bail!(crate::hints::Usage::new(
            format!("nothing to {verb}"),
            "name tokens (ID|NAME...), or give filters such as --owner bob or --name 'ci-*'",
        )),
        (true, true) => session.plan_switch(switch, &selection)?,
        (false, false) => {
            session.plan_switch_named(switch, &args.tokens, args.select.org.as_deref())?
        }
    };
    let done_word = past(switch);
    if args.dry_run {
        let preview = session.preview_switch(&plan, reason)?;
        let mut writer = TokenWriter::new(ui, args.format, session.now())?;
        for item in &preview {
            writer.write(&item.token)?;
        }
        writer.finish()?;
        let count = preview.iter().filter(|item| item.newly).count();
        ui.note(format!(
            "dry run: {count} token(s) would be {done_word}; nothing changed"
        ));
        return Ok(exit::SUCCESS);
    }
    let format = outcome_format(args.format)?;
    if plan.tokens.is_empty() {
        ui.note(format!("no tokens match: nothing to {verb}"));
        print_outcomes(ui, format, &[], done_word)?;
        return Ok(exit::SUCCESS);
    }
    if bulk {
        if !confirm(
            ui,
            args.yes,
            &format!("{verb} {} token(s)", plan.tokens.len()),
        )? {
            return Ok(exit::CONFIRMATION_REQUIRED);
        }
    } else if !args.yes && at_terminal() {
        let names: Vec<String> = session
            .preview_switch(&plan, reason)?
            .iter()
            .filter(|item| item.newly)
            .map(|item| format!("'{}' ({})", item.token.name, item.token.id))
            .collect();
        if !names.is_empty() && !confirm(ui, false, &format!("{verb} {}", names.join(", ")))? {
            return Ok(exit::CONFIRMATION_REQUIRED);
        }
    }
    let done = session.switch_planned(&plan, reason)?;
    warn_skipped(ui, &done.skipped);
    for item in &done.switched {
        note_switched(ui, switch, item);
    }
    let mut outcomes: Vec<OutcomeJson<'_>> = done
        .switched
        .iter()
        .map(|item| {
            OutcomeJson::new(
                &item.token,
                if item.newly { done_word } else { "unchanged" },
            )
        })
        .collect();
    outcomes.extend(
        done.skipped
            .iter()
            .map(|(token, why)| OutcomeJson::skipped(token, *why)),
    );
    print_outcomes(ui, format, &outcomes, done_word)?;
    Ok(exit::SUCCESS)
}

/// The past tense, as notes and the JSON `outcome` say it.
fn past(switch: Switch) -> &'static str {
    match switch {
        Switch::Deactivate => "deactivated",
        Switch::Activate => "activated",
    }
}

fn note_switched(ui: &Ui, switch: Switch, item: &Switched) {
    let token = &item.token;
    if item.newly {
        ui.note(format!(
            "{} token '{}' ({}) in org '{}'",
            past(switch),
            token.name,
            token.id,
            token.org
        ));
    } else {
        let already = match switch {
            Switch::Deactivate => "was already deactivated",
            Switch::Activate => "is not deactivated",
        };
        ui.note(format!(
            "token '{}' ({}) {already}; nothing changed",
            token.name, token.id
        ));
    }
}
