//! What commands that change tokens say about the outcome, shared by them:
//! where a new secret went (create, rotate), keyring entries that could not
//! be changed (create, rotate, revoke, prune), and planned tokens that were
//! skipped because they changed after the plan (revoke, prune, offboarding,
//! policy revoke).

use tokctl::keyring::KeyringError;
use tokctl::model::Token;
use tokctl::ops::{KeyringOutcome, SkipReason};

use super::ui::Ui;
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
