//! `tokctl secret`: print a token's secret from the OS keyring, nothing else.

use clap::Args;
use tokctl::ops::Session;

use crate::exit;
use crate::output::secret_print::print_secret_line;
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

// It prints the secret and nothing else, so it has no use for the `Ui`.
pub fn run(_ui: &Ui, session: &Session, args: SecretArgs) -> anyhow::Result<u8> {
    let secret = session.token_secret(&args.token, args.org.as_deref())?;
    print_secret_line(secret.expose())?;
    Ok(exit::SUCCESS)
}
