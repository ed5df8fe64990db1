-- tokctl schema version 10: what `tokctl notify` has already sent.

-- One row per expiry reminder handed over: about which token (its storage
-- key) at which expiry, for which threshold (the span as written, `7d`), to
-- which user, and when. A nightly job thus tells each person once per token
-- and threshold; a new expiry (a rotation, an edit) is a new reminder. Rows
-- are written in the transaction of their `notify.sent` audit events and go
-- with the token's row when it is pruned.
CREATE TABLE reminders (
    token_id   INTEGER NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    threshold  TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    sent_at    INTEGER NOT NULL,
    PRIMARY KEY (token_id, threshold, expires_at, user_id)
) WITHOUT ROWID;
