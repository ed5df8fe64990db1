-- tokctl schema: audit events name their actor, action, outcome, org and OS
-- account by a number into audit_names instead of repeating the text.
-- (Numbered 0010: 0009 is being written for service accounts at the same
-- time; the two are put in order when they meet.)
--
-- The repeated text was about 40 bytes of every event, the largest part of
-- the store's growth per token after the token row itself
-- (docs/PERFORMANCE.md). The hash chain covers the text exactly as before:
-- only how it is stored changes. `audit_events` stays, as a view with the
-- same columns, for anyone using the file with SQL: its triggers turn
-- inserts, updates and deletes on it into the same on audit_trail (tokctl
-- itself writes audit_trail directly, and never through them).

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

CREATE TRIGGER audit_events_insert INSTEAD OF INSERT ON audit_events BEGIN
    INSERT OR IGNORE INTO audit_names (name)
        SELECT name FROM (SELECT NEW.actor AS name UNION ALL SELECT NEW.action
            UNION ALL SELECT NEW.outcome UNION ALL SELECT NEW.org UNION ALL SELECT NEW.os_user)
        WHERE name IS NOT NULL;
    INSERT INTO audit_trail (id, at, actor, action, outcome, org, token_id, target, details, hash, os_user)
        VALUES (NEW.id, NEW.at,
            (SELECT n.id FROM audit_names n WHERE n.name = NEW.actor),
            (SELECT n.id FROM audit_names n WHERE n.name = NEW.action),
            (SELECT n.id FROM audit_names n WHERE n.name = NEW.outcome),
            (SELECT n.id FROM audit_names n WHERE n.name = NEW.org),
            NEW.token_id, NEW.target, NEW.details, NEW.hash,
            (SELECT n.id FROM audit_names n WHERE n.name = NEW.os_user));
END;

CREATE TRIGGER audit_events_update INSTEAD OF UPDATE ON audit_events BEGIN
    INSERT OR IGNORE INTO audit_names (name)
        SELECT name FROM (SELECT NEW.actor AS name UNION ALL SELECT NEW.action
            UNION ALL SELECT NEW.outcome UNION ALL SELECT NEW.org UNION ALL SELECT NEW.os_user)
        WHERE name IS NOT NULL;
    UPDATE audit_trail SET
        id = NEW.id,
        at = NEW.at,
        actor = (SELECT n.id FROM audit_names n WHERE n.name = NEW.actor),
        action = (SELECT n.id FROM audit_names n WHERE n.name = NEW.action),
        outcome = (SELECT n.id FROM audit_names n WHERE n.name = NEW.outcome),
        org = (SELECT n.id FROM audit_names n WHERE n.name = NEW.org),
        token_id = NEW.token_id,
        target = NEW.target,
        details = NEW.details,
        hash = NEW.hash,
        os_user = (SELECT n.id FROM audit_names n WHERE n.name = NEW.os_user)
    WHERE id = OLD.id;
END;

CREATE TRIGGER audit_events_delete INSTEAD OF DELETE ON audit_events BEGIN
    DELETE FROM audit_trail WHERE id = OLD.id;
END;
