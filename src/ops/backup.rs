//! `backup`: a consistent copy of the whole store.

use std::path::Path;

use super::Session;
use crate::audit::{action, NewEvent};
use crate::error::Result;
use crate::store::{Store, Tx};

impl Session {
    /// Copies the store to `dest`, a file that must not exist yet. The copy
    /// holds every org's tokens (hashes, never secrets) and audit trail, so it
    /// needs the owner role in every org, unless the OS user running this
    /// owns the store's file: they can copy the file anyway, so a role would
    /// stop nobody (and on a shared host the file's owner is who runs the
    /// backups). The backup is audited in the store once the copy is
    /// complete, with the authority it went on.
    pub fn backup(&mut self, dest: &Path) -> Result<()> {
        let file_owner = self.store.file_owned_by_running_user();
        if !file_owner {
            let q: &dyn Tx = &*self.store.read();
            let actor = self.ctx.actor(q)?;
            super::require_owner_everywhere(q, actor, "backing up the store")?;
        }
        Store::reserve_backup_file(dest)?;
        if let Err(err) = self.store.admin().backup_into(dest) {
            let _ = std::fs::remove_file(dest);
            return Err(err);
        }
        let authority = if file_owner {
            "file owner"
        } else {
            "owner role"
        };
        let event = NewEvent {
            target: Some(dest.display().to_string()),
            details: serde_json::json!({ "authority": authority }),
            ..self.ctx.event(action::STORE_BACKUP)
        };
        self.store.write(|q| q.append_event(&event).map(|_| ()))
    }
}
