//! What commands that change tokens say about the outcome, shared by them:
//! where a new secret went (create, rotate), keyring entries that could not
//! be changed (create, rotate, revoke, prune), and planned tokens that were
//! skipped because they changed after the plan (revoke, prune, offboarding,
//! policy revoke).

use serde::Serialize;
use tokctl::keyring::KeyringError;
use tokctl::model::Token;
use tokctl::ops::{KeyringOutcome, SkipReason};

use super::ui::Ui;
use crate::cli::args::ListFormat;
use crate::hints::UNLOCK_KEYRING;

/// The stable JSON word for where the secret went.
pub fn keyring_word(outcome: &KeyringOutcome) -> &'static str {
    match outcome {
        KeyringOutcome::Stored { .. } => "stored",
        KeyringOutcome::Failed { .. } => "failed",
        KeyringOutcome::Stale { .. } => "stale",
        KeyringOutcome::Off => "off",
    }
}

/// The note that says where a new secret went. It says one true thing: with
/// a keyring copy the secret can be read back; without one, this output is
/// the last time anyone sees it.
pub fn keyring_note(outcome: &KeyringOutcome, token: &Token) -> String {
    let place = match outcome {
        KeyringOutcome::Stored { backend } => format!(
            "the secret is shown once, here; a copy is kept in the OS keyring ({backend}): \
             'tokctl secret {}' reads it back",
            token.id
        ),
        KeyringOutcome::Failed { .. } => {
            "the secret is not saved anywhere: it will not be shown again".to_owned()
        }
        KeyringOutcome::Stale { .. } => {
            "the secret is not saved anywhere and will not be shown again; the OS keyring \
             may still hold the old one, which no longer works"
                .to_owned()
        }
        KeyringOutcome::Off => {
            "the keyring is off: the secret is not saved anywhere and will not be shown again"
                .to_owned()
        }
    };
    format!("  {place}")
}

/// One warning per planned token that changed between the plan and the run
/// and was therefore left alone (revoke, prune, offboarding, policy revoke).
pub fn warn_skipped(ui: &Ui, skipped: &[(Token, SkipReason)]) {
    for (token, why) in skipped {
        ui.warning(format!(
            "skipped token '{}' ({}): {}",
            token.name,
            token.id,
            why.as_str()
        ));
    }
}

/// One warning for every entry a revoke or prune could not remove: on a host
/// without a usable keyring that is every token, and one line says it.
/// `change` names what stands regardless ("the revocation").
pub fn report_keyring_failures(ui: &Ui, failed: &[(&Token, &KeyringError)], change: &str) {
    let Some((first, error)) = failed.first() else {
        return;
    };
    let which = match failed.len() {
        1 => format!("the secret of '{}'", first.name),
        many => format!("the secrets of {many} tokens"),
    };
    ui.keyring_warning(
        format!("could not remove {which} from the OS keyring ({error}); {change} stands"),
        keyring_advice(error),
    );
}

/// What to do about a keyring that failed, for the note after a warning.
pub fn keyring_advice(error: &tokctl::keyring::KeyringError) -> String {
    use tokctl::keyring::KeyringError;
    match error {
        KeyringError::Locked => {
            format!("{UNLOCK_KEYRING}; 'tokctl doctor' then shows which entries are out of step")
        }
        KeyringError::Unavailable(_) => {
            "no Secret Service is running (usual on servers and in cron): --keyring off skips the keyring; \
             'tokctl doctor' shows which entries are out of step once one is reachable"
                .to_owned()
        }
        _ => "'tokctl doctor' shows which entries are out of step".to_owned(),
    }
}

/// One token's outcome in the JSON and JSON Lines output of a real (not
/// dry-run) revoke, deactivate, activate, prune, offboarding or policy
/// revoke: what a script reads to know what was done (docs/json.md).
#[derive(Debug, Serialize)]
pub struct OutcomeJson<'a> {
    pub id: String,
    pub name: &'a str,
    pub org: &'a str,
    /// What happened: the verb done (`revoked`, `deactivated`, ...),
    /// `unchanged` (it already was), or `skipped` (it changed after the plan).
    pub outcome: &'a str,
    /// Why it was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<&'a str>,
    /// What happened to its keyring entry (revoke, prune).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyring: Option<&'static str>,
}

impl<'a> OutcomeJson<'a> {
    pub fn new(token: &'a Token, outcome: &'a str) -> Self {
        OutcomeJson {
            id: token.id.to_string(),
            name: &token.name,
            org: &token.org,
            outcome,
            why: None,
            keyring: None,
        }
    }

    /// A planned token left alone, and why.
    pub fn skipped(token: &'a Token, why: SkipReason) -> Self {
        OutcomeJson {
            why: Some(why.as_str()),
            ..OutcomeJson::new(token, "skipped")
        }
    }
}

/// The outcomes of a revocation of planned tokens (a bulk or named revoke,
/// offboarding, a policy revoke): each revoked one with its keyring entry,
/// then each one skipped because it changed after the plan.
pub fn revoked_outcomes<'a>(
    revoked: &'a [tokctl::ops::Revoked],
    skipped: &'a [(Token, SkipReason)],
) -> Vec<OutcomeJson<'a>> {
    let mut outcomes: Vec<OutcomeJson<'a>> = revoked
        .iter()
        .map(|item| OutcomeJson {
            keyring: Some(revoke_keyring_word(&item.keyring)),
            ..OutcomeJson::new(
                &item.token,
                if item.newly { "revoked" } else { "unchanged" },
            )
        })
        .collect();
    outcomes.extend(
        skipped
            .iter()
            .map(|(token, why)| OutcomeJson::skipped(token, *why)),
    );
    outcomes
}

/// The stable JSON word for what a revoke or prune did to a keyring entry.
pub fn revoke_keyring_word(outcome: &tokctl::ops::RevokeOutcome) -> &'static str {
    use tokctl::ops::RevokeOutcome;
    match outcome {
        RevokeOutcome::Deleted => "deleted",
        RevokeOutcome::Missing => "missing",
        RevokeOutcome::Failed(_) => "failed",
        RevokeOutcome::Untouched => "untouched",
    }
}

/// The format of a real bulk change's report: notes on stderr only
/// (`table`), or also one JSON array or JSON Lines on stdout.
pub fn outcome_format(format: ListFormat) -> anyhow::Result<Option<ListFormat>> {
    match format {
        ListFormat::Table => Ok(None),
        ListFormat::Json | ListFormat::Jsonl => Ok(Some(format)),
        ListFormat::Csv => anyhow::bail!(crate::hints::Usage::new(
            "--format csv lists tokens of a --dry-run; a real run reports as json or jsonl",
            "use --format json or --format jsonl",
        )),
    }
}

/// Prints the outcomes on stdout as JSON (one array) or JSON Lines, and the
/// one-line total on stderr (`revoked 35 tokens`), which `--quiet` keeps
/// too: a script reading stdout still gets a line for its log. Without a
/// format (`table`) nothing: the notes said it all.
pub fn print_outcomes(
    ui: &Ui,
    format: Option<ListFormat>,
    outcomes: &[OutcomeJson<'_>],
    verb: &str,
) -> anyhow::Result<()> {
    match format {
        Some(ListFormat::Json) => ui.print_json(&outcomes)?,
        Some(ListFormat::Jsonl) => {
            for outcome in outcomes {
                ui.print_line(serde_json::to_string(outcome)?)?;
            }
        }
        _ => return Ok(()),
    }
    let done = outcomes
        .iter()
        .filter(|outcome| outcome.outcome == verb)
        .count();
    let plural = if done == 1 { "" } else { "s" };
    ui.stderr_line(format!("{verb} {done} token{plural}"));
    Ok(())
}
