-- tokctl schema version 8: deactivating a token for a while.

-- A deactivated token is refused by verify (as "deactivated") until it is
-- activated again; unlike a revocation this can be undone, so the three
-- columns are cleared on activation and the audit trail keeps the history.
-- Edits (name, description, expiry, narrower scopes) need no new column:
-- they change the row in place and their event records before and after.
ALTER TABLE tokens ADD COLUMN deactivated_at INTEGER;
ALTER TABLE tokens ADD COLUMN deactivated_by INTEGER REFERENCES users (id);
ALTER TABLE tokens ADD COLUMN deactivate_reason TEXT;
