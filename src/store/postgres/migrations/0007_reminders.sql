-- tokctl team store schema version 7: what `tokctl notify` has already
-- sent, as the local store's version 10
-- (src/store/sqlite/migrations/0010_reminders.sql), and who may read and
-- write it. Runs as tokctl_owner, like migrations 3 and 4; grants.sql grants
-- the table.

-- One row per expiry reminder handed over: about which token (its storage
-- key) at which expiry, for which threshold (the span as written, `7d`), to
-- which user, and when. Rows go with the token's row when it is pruned.
CREATE TABLE tokctl.reminders (
    token_id   bigint NOT NULL REFERENCES tokctl.tokens (id) ON DELETE CASCADE,
    threshold  text COLLATE "C" NOT NULL,
    expires_at bigint NOT NULL,
    user_id    bigint NOT NULL REFERENCES tokctl.users (id),
    sent_at    bigint NOT NULL,
    PRIMARY KEY (token_id, threshold, expires_at, user_id)
);

-- Reminders are the business of whoever reminds: the admins and owners of
-- the token's org (`tokctl notify` needs that role) read and write them;
-- members, also of other orgs, neither see nor write any. The token's org is
-- read as the caller sees tokens (migration 3's `manage` policy), which
-- shows an admin every token of their orgs; a token the caller cannot see
-- has no org here, and `administers(NULL)` is false.
ALTER TABLE tokctl.reminders ENABLE ROW LEVEL SECURITY;

CREATE POLICY read_reminders ON tokctl.reminders FOR SELECT USING (
    tokctl.administers((SELECT t.org_id FROM tokctl.tokens t WHERE t.id = token_id)));
CREATE POLICY remember ON tokctl.reminders FOR INSERT WITH CHECK (
    tokctl.administers((SELECT t.org_id FROM tokctl.tokens t WHERE t.id = token_id)));
CREATE POLICY remember_again ON tokctl.reminders FOR UPDATE
    USING (tokctl.administers((SELECT t.org_id FROM tokctl.tokens t WHERE t.id = token_id)))
    WITH CHECK (tokctl.administers((SELECT t.org_id FROM tokctl.tokens t WHERE t.id = token_id)));

-- A reminder is remembered in the transaction of its `notify.sent` event.
CREATE CONSTRAINT TRIGGER require_event AFTER INSERT OR UPDATE OR DELETE ON tokctl.reminders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tokctl.require_event();

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA tokctl FROM PUBLIC;
