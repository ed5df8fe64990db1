-- tokctl schema version 11: audit events name their actor, action, outcome,
-- org and OS account by a number into audit_names instead of repeating the
-- text.
--
-- The repeated text was about 40 bytes of every event, the largest part of
-- the store's growth per token after the token row itself
-- (docs/PERFORMANCE.md). The hash chain covers the text exactly as before:
-- only how it is stored changes. `audit_events` stays, as a view with the
-- same columns, for anyone reading the file with SQL (tokctl reads and
-- writes audit_trail; the view costs each process that opens the store
-- about 0.15 M instructions of parsing, triggers to make it writable cost
-- four times that, so there are none: edit audit_trail).

CREATE TABLE audit_names (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

INSERT INTO audit_names (name)
    SELECT actor FROM audit_events WHERE actor IS NOT NULL
    UNION SELECT action FROM audit_events
    UNION SELECT outcome FROM audit_events
    UNION SELECT org FROM audit_events WHERE org IS NOT NULL
    UNION SELECT os_user FROM audit_events WHERE os_user IS NOT NULL;

-- Append-only, consecutive ids, hash-chained; the names are numbers into
-- audit_names (no foreign keys: events outlive everything, and the names
-- are never deleted).
CREATE TABLE audit_trail (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    actor    INTEGER,
    action   INTEGER NOT NULL,
    outcome  INTEGER NOT NULL,
    org      INTEGER,
    token_id INTEGER,
    target   TEXT,
    details  TEXT NOT NULL,
    hash     BLOB NOT NULL,
    os_user  INTEGER
);

INSERT INTO audit_trail (id, at, actor, action, outcome, org, token_id, target, details, hash, os_user)
    SELECT e.id, e.at,
        (SELECT n.id FROM audit_names n WHERE n.name = e.actor),
        (SELECT n.id FROM audit_names n WHERE n.name = e.action),
        (SELECT n.id FROM audit_names n WHERE n.name = e.outcome),
        (SELECT n.id FROM audit_names n WHERE n.name = e.org),
        e.token_id, e.target, e.details, e.hash,
        (SELECT n.id FROM audit_names n WHERE n.name = e.os_user)
    FROM audit_events e ORDER BY e.id;

DROP TABLE audit_events;

-- Only events about a token are looked up by token: the others (users,
-- orgs, usage writes) no longer take room in the index.
CREATE INDEX audit_trail_by_token ON audit_trail (token_id) WHERE token_id IS NOT NULL;

CREATE VIEW audit_events AS
    SELECT e.id, e.at, a.name AS actor, c.name AS action, o.name AS outcome,
        g.name AS org, e.token_id, e.target, e.details, e.hash, u.name AS os_user
    FROM audit_trail e
    LEFT JOIN audit_names a ON a.id = e.actor
    LEFT JOIN audit_names c ON c.id = e.action
    LEFT JOIN audit_names o ON o.id = e.outcome
    LEFT JOIN audit_names g ON g.id = e.org
    LEFT JOIN audit_names u ON u.id = e.os_user;

