//! `tokctl backup PATH`: a consistent copy of the store, taken while other
//! processes keep working.

use std::path::PathBuf;

use clap::Args;
use tokctl::ops::Session;

use crate::exit;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy: a new file (never overwritten), created readable only by you
    #[arg(value_name = "PATH")]
    path: PathBuf,
}

pub fn run(ui: &Ui, session: &mut Session, args: BackupArgs) -> anyhow::Result<u8> {
    session.backup(&args.path)?;
    ui.note(format!(
        "backed up the store to {} (token hashes and the audit trail; no secrets)",
        args.path.display()
    ));
    ui.note("restore: stop tokctl, then copy it over the store file and remove the old -wal and -shm files (docs/SECURITY.md)");
    Ok(exit::SUCCESS)
}
