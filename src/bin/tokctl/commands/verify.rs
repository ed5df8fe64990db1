//! `tokctl verify`: check a presented token. The token comes from
//! `TOKCTL_TOKEN` or stdin, never from argv (where `ps` would show it).

use std::io::{IsTerminal, Write};

use clap::Args;
use indicatif::HumanCount;
use tokctl::error::Rejection;
use tokctl::ops::Session;
use tokctl::scope::{compose_scopes, CompositionError, Scope, ScopePart};
use tokctl::verdict::Verdict;
use tokctl::Error;
use zeroize::Zeroizing;

use crate::cli::args::{parse_resource, parse_scope, Format};
use crate::exit;
use crate::input::{read_secret, SecretInput, MAX_SECRET_INPUT_BYTES, TOKEN_ENV};
use crate::output::progress::{counted, Meter};
use crate::output::time_format::rfc3339;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Require this scope (a token holding resource:write also satisfies resource:read)
    #[arg(long, value_parser = parse_scope)]
    scope: Option<Scope>,

    /// With --scope: require the token to cover this named resource, e.g. repo=api
    #[arg(long, value_name = "RESOURCE=NAME", value_parser = parse_resource, requires = "scope")]
    resource: Option<(String, Vec<String>)>,

    /// Read one token per line from stdin and write one JSON result per line
    #[arg(long, conflicts_with = "format")]
    batch: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

impl VerifyArgs {
    /// Whether this is `--batch` (many tokens, one write at the end).
    pub fn is_batch(&self) -> bool {
        self.batch
    }
}

pub fn run(ui: &Ui, session: &mut Session, args: VerifyArgs) -> anyhow::Result<u8> {
    let scope = match (args.scope, args.resource) {
        (Some(scope), Some((resource, names))) => {
            let about = scope.resource().to_owned();
            // As for create: the names narrow the scope, adding to any it lists.
            let parts = [
                ScopePart::Scope(scope),
                ScopePart::Names { resource, names },
            ];
            match compose_scopes(parts) {
                Ok(mut composed) => composed.pop(),
                Err(CompositionError::Narrowing { source, .. }) => return Err(source.into()),
                Err(
                    CompositionError::NoScopeForNames { resource, .. }
                    | CompositionError::NamesBeforeScope { resource, .. },
                ) => anyhow::bail!(crate::hints::Usage::new(
                    format!("--resource names '{resource}' but --scope is about '{about}'"),
                    "e.g. --scope repo:read --resource repo=api",
                )),
            }
        }
        (scope, _) => scope,
    };
    // Usage counters may lose their last seconds on a power cut; revocations never.
    session.prefer_throughput()?;
    if args.batch {
        return run_batch(ui, session, scope.as_ref());
    }
    // One verification: its use goes to the store's usage journal rather
    // than into a write transaction; the next other command folds it in.
    session.defer_usage();
    let presented = match read_secret("Token", Some(TOKEN_ENV)) {
        Ok(presented) => presented,
        Err(err) if is_malformed(&err) => {
            let refusal = session.reject_unreadable()?;
            record(ui, session);
            return Err(Error::from(refusal).into());
        }
        Err(err) => return Err(err),
    };
    let verdict = session.verify(&presented, scope.as_ref());
    drop(presented);
    record(ui, session);
    let verdict = verdict?;
    if args.format == Format::Json {
        ui.print_json(&verdict)?;
    }
    match verdict {
        Verdict::Valid(verified) => {
            if args.format == Format::Table {
                ui.print_fields(&[
                    ("valid", "yes".into()),
                    ("id", verified.id.to_string()),
                    ("name", verified.name.clone()),
                    ("kind", verified.kind.as_str().into()),
                    ("org", verified.org.clone()),
                    (
                        "owner",
                        verified
                            .owner
                            .clone()
                            .unwrap_or_else(|| "- (org token)".into()),
                    ),
                    ("scopes", verified.scopes.to_string()),
                    (
                        "expires",
                        verified.expires_at.map_or_else(|| "never".into(), rfc3339),
                    ),
                    (
                        "secret",
                        verified.old_secret_valid_until.map_or_else(
                            || "current".into(),
                            |until| format!("an old one, working until {}", rfc3339(until)),
                        ),
                    ),
                ])?;
            }
            Ok(exit::SUCCESS)
        }
        Verdict::Refused(refusal) => {
            ui.error(refusal);
            Ok(exit::code_for_rejection(refusal.reason))
        }
    }
}

/// Writes this process's use or refusal (one event per reason at most).
/// The verdict stands if that fails: it is reported, not turned into an error.
fn record(ui: &Ui, session: &mut Session) {
    if let Err(err) = session.flush_usage() {
        ui.warning(format!(
            "could not record this verification in the store: {err}"
        ));
    }
}

fn is_malformed(err: &anyhow::Error) -> bool {
    matches!(
        err.downcast_ref::<Error>(),
        Some(Error::Rejected {
            reason: Rejection::Malformed
        })
    )
}

/// One token per line in, one JSON object per line out, in order.
/// Blank lines are skipped; results carry the line number and are flushed
/// whenever no more input is waiting. Memory stays
/// bounded: a line longer than a token can be is one malformed result, the
/// rest of it skipped unread into memory; uses and refusals are counted and
/// written coalesced, also when the output is closed early.
///
/// A file read in at a terminal gets a counter on stderr and a total at the
/// end. Not a pipe: a program keeping tokctl open as a co-process sends its
/// lines down a pipe, and a counter would draw over whatever that program
/// writes to the terminal they share. Not answers on the terminal either,
/// which the counter would draw over.
fn run_batch(ui: &Ui, session: &mut Session, scope: Option<&Scope>) -> anyhow::Result<u8> {
    let meter = Meter::shown_if(ui, stdin_is_file() && !std::io::stdout().is_terminal());
    meter.start_counter("verifying tokens");
    let checked = check_lines(session, scope, &meter);
    let recorded = session.flush_usage();
    let tally = checked?;
    recorded?;
    if meter.is_shown() {
        ui.note(format!(
            "verified {}{}: {} valid, {} refused",
            counted(tally.answered(), "token", "tokens"),
            meter.took(),
            HumanCount(tally.valid),
            HumanCount(tally.refused),
        ));
    }
    Ok(exit::SUCCESS)
}

/// How many answers of a batch were valid and how many refusals.
#[derive(Debug, Default)]
struct Tally {
    valid: u64,
    refused: u64,
}

impl Tally {
    fn answered(&self) -> u64 {
        self.valid + self.refused
    }
}

/// Lines between two updates of the counter when answers go out in bulk
/// (one is also made at every flush): counting then costs nothing per line.
const COUNT_EVERY: u64 = 1024;

fn check_lines(
    session: &mut Session,
    scope: Option<&Scope>,
    meter: &Meter,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    let mut input = SecretInput::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // Room for the longest line kept, so it never reallocates (leaving a copy).
    let mut line = Zeroizing::new(Vec::with_capacity(MAX_SECRET_INPUT_BYTES));
    let mut number = 0u64;
    while let Some(overlong) = input.next_line(&mut line, MAX_SECRET_INPUT_BYTES)? {
        number += 1;
        let text = std::str::from_utf8(&line)
            .map(str::trim)
            .unwrap_or("\u{fffd}");
        if text.is_empty() && !overlong {
            continue;
        }
        let outcome = if overlong {
            session.reject_unreadable().map(Verdict::Refused)
        } else {
            session.verify(text, scope)
        };
        // Wiped before the answer goes out: a caller that got it may assume
        // the token is gone from this process.
        crate::input::wipe(&mut line);
        let verdict = match outcome {
            Ok(verdict) => verdict,
            Err(err) => {
                out.flush()?;
                return Err(err.into());
            }
        };
        serde_json::to_writer(&mut out, &verdict.in_batch(number))?;
        out.write_all(b"\n")?;
        match verdict {
            Verdict::Valid(_) => tally.valid += 1,
            Verdict::Refused(_) => tally.refused += 1,
        }
        // Answer what was asked before waiting for more: a caller may send
        // one line and wait for its result.
        if !input.has_buffered() {
            out.flush()?;
            meter.set_count(tally.answered());
        } else if tally.answered() % COUNT_EVERY == 0 {
            meter.set_count(tally.answered());
        }
    }
    out.flush()?;
    Ok(tally)
}

/// Whether stdin is a regular file (`< tokens.txt`), not a terminal, pipe
/// or socket.
#[cfg(unix)]
fn stdin_is_file() -> bool {
    use rustix::fs::{fstat, FileType};
    fstat(std::io::stdin())
        .is_ok_and(|stat| FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile)
}

#[cfg(not(unix))]
fn stdin_is_file() -> bool {
    false
}
