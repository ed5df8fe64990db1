-- tokctl schema version 2: rotation with grace periods, and the audit trail.

-- Secrets a token had before it was rotated. A secret keeps working until
-- valid_until (the grace period); presented later, it is refused and the
-- attempt is audited as a possible leak.
CREATE TABLE retired_secrets (
    token_id    INTEGER NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),
    rotated_at  INTEGER NOT NULL,
    rotated_by  INTEGER NOT NULL REFERENCES users (id),
    valid_until INTEGER NOT NULL
);

CREATE INDEX retired_secrets_by_token ON retired_secrets (token_id);

-- Append-only, hash-chained: hash = SHA-256(prev_hash ‖ the event's fields),
-- see src/audit.rs. No foreign keys: events outlive pruned tokens and users.
CREATE TABLE audit_events (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT,
    action    TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    org       TEXT,
    token_id  INTEGER,
    target    TEXT,
    details   TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
);

CREATE INDEX audit_events_by_token ON audit_events (token_id);
CREATE INDEX audit_events_by_time ON audit_events (at);

-- Cleanup filters: stale and expiring scans.
CREATE INDEX tokens_by_last_used ON tokens (last_used_at);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);
