//! `tokctl store copy --to URL`: moving the local store (`--db`, or the
//! default file) into an empty team store, as its database's owner.

use clap::{Args, Subcommand};
use serde::Serialize;
use tokctl::audit::hex;
use tokctl::ops::{Session, StoreCopy};
use tokctl::store::{RecordCounts, Store};

use crate::cli::args::Format;
use crate::exit;
use crate::output::progress::Meter;
use crate::output::ui::Ui;

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy this local store into an empty team store: tokens (hashes), their state and history, the audit trail
    #[command(
        after_help = "Examples:\n  tokctl store copy --to postgres://postgres@db.internal/tokens --dry-run\n  \
        tokctl --db ~/old/tokctl.db store copy \\\n      \
        --to postgres://postgres@db.internal/tokens\n\n\
        Run it as the team store's database owner or a superuser, after 'tokctl team init',\n\
        into a store nobody has used yet. Everything goes in one transaction: a copy that\n\
        fails leaves the team store empty, so it can simply be run again. The local store\n\
        is only read, once uses of one-shot verifications waiting in its usage journal\n\
        are written into it (as any command does first). Its audit chain is verified\n\
        first and copied with its hashes; the team store's chain goes on from it with a\n\
        store.copy event naming its head.\n\n\
        Exit codes: 0 copied (or, --dry-run, would copy)  4 the team store is not empty\n  \
        5 not the database's owner, or not an owner of every org of the local store\n  \
        6 the team store is unreachable or not set up  9 the local audit chain is broken"
    )]
    Copy(CopyArgs),
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The empty team store to copy into: postgres://OWNER@HOST[:PORT]/DB (password from PGPASSWORD or ~/.pgpass)
    #[arg(long, value_name = "URL")]
    pub to: String,

    /// Check both stores and count what would be copied; write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Output format: table or json (the totals always go to stderr too)
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

impl StoreCommand {
    /// The team store the command writes to.
    pub fn target(&self) -> &str {
        match self {
            StoreCommand::Copy(args) => &args.to,
        }
    }
}

pub fn run(
    ui: &Ui,
    session: &mut Session,
    mut target: Store,
    command: StoreCommand,
) -> anyhow::Result<u8> {
    match command {
        StoreCommand::Copy(args) => run_copy(ui, session, &mut target, &args),
    }
}

fn run_copy(
    ui: &Ui,
    session: &mut Session,
    target: &mut Store,
    args: &CopyArgs,
) -> anyhow::Result<u8> {
    let meter = Meter::new(ui);
    let copy = session.copy_store_with_progress(target, args.dry_run, &meter)?;
    let took = meter.took();
    let address = target
        .server_address()
        .map_or_else(|| args.to.clone(), ToString::to_string);
    match args.format {
        Format::Json => ui.print_json(&CopyJson::new(&copy, &address))?,
        Format::Table => ui.print_table(ui.fields(&rows(&copy)))?,
    }
    let totals = totals(&copy.counts);
    if copy.dry_run {
        ui.note(format!(
            "would copy {totals} into {address}{took}; nothing was written"
        ));
        return Ok(exit::SUCCESS);
    }
    ui.note(format!("copied {totals} into {address}{took}"));
    if let Some(event) = &copy.copy_event {
        ui.note(format!(
            "note: the team store's audit chain goes on from the copied one with store.copy event {}; \
             check it with 'tokctl audit verify' there",
            event.id
        ));
    }
    ui.note("note: each user acts there as the database login of the same name: 'tokctl team grant LOGIN'");
    Ok(exit::SUCCESS)
}

/// "1234 tokens, 56 users, …": every kind, so a count of 0 shows too.
fn totals(counts: &RecordCounts) -> String {
    format!(
        "{} tokens, {} users, {} orgs, {} memberships, {} policies, {} retired secrets, \
         {} hours of use history, {} audit events",
        counts.tokens,
        counts.users,
        counts.orgs,
        counts.memberships,
        counts.policies,
        counts.retired_secrets,
        counts.usage_hours,
        counts.events
    )
}

/// The copy as a two-column table.
fn rows(copy: &StoreCopy) -> Vec<(&'static str, String)> {
    let counts = &copy.counts;
    let event = |checkpoint: &Option<tokctl::store::Checkpoint>| {
        checkpoint.as_ref().map_or_else(
            || "-".to_owned(),
            |c| format!("event {} {}", c.id, hex(&c.hash)),
        )
    };
    vec![
        ("orgs", counts.orgs.to_string()),
        ("users", counts.users.to_string()),
        ("memberships", counts.memberships.to_string()),
        ("policies", counts.policies.to_string()),
        ("tokens", counts.tokens.to_string()),
        ("retired secrets", counts.retired_secrets.to_string()),
        ("use history (hours)", counts.usage_hours.to_string()),
        ("audit events", counts.events.to_string()),
        ("source head", event(&copy.source_head)),
        ("store.copy event", event(&copy.copy_event)),
    ]
}

/// `store copy --format json` (docs/json.md): fields are only ever added.
#[derive(Serialize)]
struct CopyJson<'a> {
    dry_run: bool,
    target: &'a str,
    counts: RecordCounts,
    source_store_id: &'a str,
    source_head_id: Option<i64>,
    source_head_hash: Option<String>,
    source_checkpoint_id: Option<i64>,
    copy_event_id: Option<i64>,
    copy_event_hash: Option<String>,
}

impl<'a> CopyJson<'a> {
    fn new(copy: &'a StoreCopy, target: &'a str) -> Self {
        CopyJson {
            dry_run: copy.dry_run,
            target,
            counts: copy.counts,
            source_store_id: &copy.source_store_id,
            source_head_id: copy.source_head.as_ref().map(|head| head.id),
            source_head_hash: copy.source_head.as_ref().map(|head| hex(&head.hash)),
            source_checkpoint_id: copy.source_checkpoint.as_ref().map(|c| c.id),
            copy_event_id: copy.copy_event.as_ref().map(|event| event.id),
            copy_event_hash: copy.copy_event.as_ref().map(|event| hex(&event.hash)),
        }
    }
}
