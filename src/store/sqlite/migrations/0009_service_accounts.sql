-- tokctl schema version 9: service accounts, what a directory knows about
-- a user, and removed users kept for the record.

-- A user is a person or a service account (a pipeline, a bot); a display
-- name and an e-mail address are optional. removed_at: when the user was
-- offboarded (`user remove`); the row stays, so tokens and events that name
-- them still say who, and the user cannot act until restored.
ALTER TABLE users ADD COLUMN display_name TEXT;
ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'person'
    CHECK (kind IN ('person', 'service'));
ALTER TABLE users ADD COLUMN removed_at INTEGER;

-- Users offboarded before this version: no membership left, and their last
-- `user.remove` event says when.
UPDATE users SET removed_at = (
    SELECT max(e.at) FROM audit_events e WHERE e.action = 'user.remove' AND e.target = users.name)
WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id)
  AND EXISTS (SELECT 1 FROM audit_events e WHERE e.action = 'user.remove' AND e.target = users.name);

-- member_tokens gains 'deny-except-service-accounts'. SQLite cannot change a
-- CHECK in place: the small table is copied into one with the new rule.
ALTER TABLE org_policies RENAME TO org_policies_before_9;
CREATE TABLE org_policies (
    org_id         INTEGER PRIMARY KEY REFERENCES orgs (id),
    max_lifetime   TEXT,                          -- a span such as 1y; NULL: no limit
    require_expiry INTEGER NOT NULL DEFAULT 0,
    member_tokens  TEXT NOT NULL DEFAULT 'allow'
        CHECK (member_tokens IN ('allow', 'deny', 'deny-except-service-accounts')),
    allowed_scopes TEXT,                          -- comma-separated patterns; NULL: any scope
    max_tokens     INTEGER                        -- NULL: no quota
);
INSERT INTO org_policies (org_id, max_lifetime, require_expiry, member_tokens, allowed_scopes, max_tokens)
SELECT org_id, max_lifetime, require_expiry, member_tokens, allowed_scopes, max_tokens
FROM org_policies_before_9;
DROP TABLE org_policies_before_9;
