//! Reading a token's secret back from the keyring.

use super::{keyring_entry, Session};
use crate::error::{Error, Result};
use crate::keyring::KeyringError;
use crate::secret::Secret;

impl Session {
    /// The secret of the token named by `reference`, from the keyring.
    /// Only its owner, or an admin of its org, may read it.
    pub fn token_secret(&self, reference: &str, org: Option<&str>) -> Result<Secret> {
        let q = self.store.read();
        let actor = self.ctx.actor(&q)?;
        let row = self.ctx.resolve_token(&q, actor, reference, org)?;
        self.ctx
            .require_manage(&q, actor, &row, "reading this token's secret")?;
        let entry = keyring_entry(&q, &row.token)?;
        match self.ctx.keyring.get(&entry) {
            Ok(secret) => Ok(secret),
            Err(KeyringError::NoEntry) => Err(Error::SecretNotInKeyring {
                token: format!("'{}' ({})", row.token.name, row.token.id),
            }),
            Err(err) => Err(err.into()),
        }
    }
}
