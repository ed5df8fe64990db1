-- tokctl schema version 3: org policies, and when each token's secret was issued.

-- One row per org that has a policy; an org without a row allows everything.
CREATE TABLE org_policies (
    org_id         INTEGER PRIMARY KEY REFERENCES orgs (id),
    max_lifetime   TEXT,                          -- a span such as 1y; NULL: no limit
    require_expiry INTEGER NOT NULL DEFAULT 0,
    member_tokens  TEXT NOT NULL DEFAULT 'allow' CHECK (member_tokens IN ('allow', 'deny')),
    allowed_scopes TEXT,                          -- comma-separated patterns; NULL: any scope
    max_tokens     INTEGER                        -- NULL: no quota
);

-- When the current secret was minted or last rotated: the max lifetime counts from here.
ALTER TABLE tokens ADD COLUMN issued_at INTEGER NOT NULL DEFAULT 0;
UPDATE tokens SET issued_at = created_at;
