-- tokctl team store schema version 2: deactivating a token for a while, as
-- the local store's version 8 (src/store/sqlite/migrations/0008_deactivation.sql).
ALTER TABLE tokctl.tokens ADD COLUMN deactivated_at bigint;
ALTER TABLE tokctl.tokens ADD COLUMN deactivated_by bigint REFERENCES tokctl.users (id);
ALTER TABLE tokctl.tokens ADD COLUMN deactivate_reason text COLLATE "C";
