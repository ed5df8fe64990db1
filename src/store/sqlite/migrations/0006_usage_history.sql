-- tokctl schema version 6: per-token use history.

-- One row per token per hour in which it was used, written with the coalesced
-- usage (never per verification). `token_key` is the token's storage key
-- (tokens.id). No foreign key: the history of a pruned token stays until the
-- audit retention (`audit prune`) removes that hour.
CREATE TABLE token_usage (
    token_key INTEGER NOT NULL,
    hour      INTEGER NOT NULL,  -- Unix seconds / 3600
    uses      INTEGER NOT NULL CHECK (uses > 0),
    PRIMARY KEY (token_key, hour)
) WITHOUT ROWID;
