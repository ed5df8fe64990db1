//! `tokctl list`: tokens as a table, JSON, JSON Lines or CSV, streamed.

use clap::Args;
use tokctl::ops::Session;

use crate::cli::args::ListFormat;
use crate::exit;
use crate::output::token_rows::TokenWriter;
use crate::output::ui::Ui;
use crate::selection::{SelectionArgs, SortArg};

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    select: SelectionArgs,

    /// Order of the rows
    #[arg(long, value_enum, default_value_t)]
    sort: SortArg,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: ListFormat,
}

pub fn run(ui: &Ui, session: &Session, args: ListArgs) -> anyhow::Result<u8> {
    let selection = args.select.to_selection(args.sort.into());
    let mut writer = TokenWriter::new(ui, args.format, session.now())?;
    session.list_tokens(&selection, |token| writer.write(token))?;
    let count = writer.finish()?;
    if count == 0 && args.format == ListFormat::Table {
        if args.select.all || args.select.status.is_some() {
            ui.note("no tokens match");
        } else {
            ui.note("no tokens match (add --all to include revoked and expired ones)");
        }
    }
    Ok(exit::SUCCESS)
}
