//! Reading a secret that a person or a script hands to tokctl: from an
//! environment variable, a hidden prompt on a terminal, or stdin. Never argv,
//! where `ps` would show it.

use std::io::{IsTerminal, Read};

use tokctl::error::Rejection;
use tokctl::Error;
use zeroize::Zeroizing;

/// No token is longer than this; more input is not a token.
pub const MAX_SECRET_INPUT_BYTES: u64 = 4096;

/// The secret: `env_var` if given and set, else a hidden prompt when stdin is
/// a terminal, else stdin (surrounding white space ignored). Oversized or
/// non-UTF-8 input is a malformed token; empty input is a usage error.
pub fn read_secret(prompt: &str, env_var: Option<&str>) -> anyhow::Result<Zeroizing<String>> {
    let malformed = || Error::Rejected {
        reason: Rejection::Malformed,
    };
    if let Some(value) = env_var.and_then(std::env::var_os) {
        return match value.into_string() {
            Ok(text) => Ok(Zeroizing::new(text.trim().to_owned())),
            Err(_) => Err(malformed().into()),
        };
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let text = Zeroizing::new(dialoguer::Password::new().with_prompt(prompt).interact()?);
        return Ok(Zeroizing::new(text.trim().to_owned()));
    }
    let mut bytes = Zeroizing::new(Vec::new());
    stdin
        .lock()
        .take(MAX_SECRET_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SECRET_INPUT_BYTES {
        return Err(malformed().into());
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| malformed())?.trim();
    if text.is_empty() {
        return Err(Error::request(
            "no token given",
            Some("pipe the token on stdin (printf '%s' \"$TOKEN\" | tokctl ...) or, for verify, set TOKCTL_TOKEN"),
        )
        .into());
    }
    Ok(Zeroizing::new(text.to_owned()))
}

/// Whether a person is at the keyboard: stdin and stderr are terminals.
pub fn at_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks before a destructive change such as "revoke 12 token(s)". With
/// `yes`, goes ahead. In a terminal, asks (default no). Elsewhere prints why
/// nothing happened and returns false: scripts must say `--yes`.
pub fn confirm(yes: bool, what: &str) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if at_terminal() {
        let confirmed = dialoguer::Confirm::new()
            .with_prompt(format!("{}?", capitalized(what)))
            .default(false)
            .interact()?;
        if !confirmed {
            crate::output::note("nothing was changed");
        }
        return Ok(confirmed);
    }
    eprintln!("error: this would {what}; outside a terminal that needs --yes");
    eprintln!("hint: review it with --dry-run, then run again with --yes; nothing was changed");
    Ok(false)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
