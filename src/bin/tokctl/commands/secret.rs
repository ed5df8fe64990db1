//! `tokctl secret`: print a token's secret from the OS keyring, nothing else.

use clap::Args;
use tokctl::ops::Session;

use crate::exit;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct SecretArgs {
    /// The token's id or name
    #[arg(value_name = "ID|NAME")]
    token: String,

    /// Look the name up in this org only
    #[arg(long)]
    org: Option<String>,
}

pub fn run(ui: &Ui, session: &Session, args: SecretArgs) -> anyhow::Result<u8> {
    let secret = session.token_secret(&args.token, args.org.as_deref())?;
    ui.print_line(secret.expose())?;
    Ok(exit::SUCCESS)
}
