-- tokctl schema version 1. Times are Unix seconds (UTC).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- A random id for this store, used to keep keyring entries of two stores apart.
INSERT INTO meta (key, value) VALUES ('store_id', lower(hex(randomblob(16))));

CREATE TABLE orgs (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    org_id     INTEGER NOT NULL REFERENCES orgs (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
) WITHOUT ROWID;

CREATE INDEX memberships_by_user ON memberships (user_id);

-- id is the public token id (random, positive): verification is one rowid lookup.
CREATE TABLE tokens (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('personal', 'org')),
    org_id        INTEGER NOT NULL REFERENCES orgs (id),
    owner_user_id INTEGER REFERENCES users (id),
    name          TEXT NOT NULL,
    description   TEXT,
    scopes        TEXT NOT NULL,
    secret_hash   BLOB NOT NULL CHECK (length(secret_hash) = 32),
    created_at    INTEGER NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    expires_at    INTEGER,
    last_used_at  INTEGER,
    use_count     INTEGER NOT NULL DEFAULT 0,
    revoked_at    INTEGER,
    revoked_by    INTEGER REFERENCES users (id),
    revoke_reason TEXT,
    CHECK ((kind = 'org') = (owner_user_id IS NULL))
);

-- Name lookups and the per-owner uniqueness check.
CREATE INDEX tokens_by_owner_name ON tokens (org_id, owner_user_id, name);
CREATE INDEX tokens_by_name ON tokens (name);
