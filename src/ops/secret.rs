//! Reading a token's secret back from the keyring.

use super::{keyring_entry, Session};
use crate::error::{Error, Result};
use crate::keyring::{KeyringError, KeyringMode};
use crate::secret::Secret;
use crate::store::Tx;

impl Session {
    /// The secret of the token named by `reference`, from the keyring.
    /// Only its owner, or an admin of its org, may read it. A secret that is
    /// not the token's current one (a rotation could not update the keyring)
    /// is refused rather than handed out: presenting it would fail, and past
    /// the grace period it would be audited as a possible leak.
    pub fn token_secret(&self, reference: &str, org: Option<&str>) -> Result<Secret> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let row = self.ctx.resolve_token(q, actor, reference, org)?;
        self.ctx
            .require_manage(q, actor, &row, "reading this token's secret")?;
        let token = format!("'{}' ({})", row.token.name, row.token.id);
        if self.ctx.keyring_mode == KeyringMode::Off {
            return Err(Error::KeyringOff { token });
        }
        let entry = keyring_entry(q, &row.token)?;
        match self.ctx.keyring.get(&entry) {
            Ok(secret) => {
                let current = q.secret_hash(row.token.id)?.unwrap_or_default();
                if secret.is_current(row.token.id, &current) {
                    Ok(secret)
                } else {
                    Err(Error::SecretOutdatedInKeyring { token })
                }
            }
            Err(KeyringError::NoEntry) => Err(Error::SecretNotInKeyring { token }),
            Err(source) => Err(Error::SecretUnreadable { token, source }),
        }
    }
}
