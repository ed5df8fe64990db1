-- tokctl team store schema version 8: verify_lookup does less per call.
-- Measured as server CPU per call on 1M tokens (docs/PERFORMANCE.md), the
-- version 6 function took four times a plain primary-key SELECT: its one
-- query built every result column through CASE and a LATERAL subquery, and
-- asked the retired secrets even when the presented digest was the current
-- one. Now the row is read once into the result, the retired secrets are
-- asked only when the digest is not the current one, and what an unproven
-- caller may not learn is blanked in PL/pgSQL's simple expressions (no
-- query each). It returns exactly one row: all NULL when no token has a key
-- at or below `key`, which the caller reads as "no such token" as before.
--
-- Same rule as before: `id`, `kind` and `current` always (the row with the
-- greatest key not above `key`, one index seek, so an unknown id costs what
-- a known one does); the other fields only when `key` is that row's and the
-- digest is its current or a retired secret. Its result columns change
-- shape, so it is dropped and made again, and grants.sql (run by `team
-- init` after the migrations) grants it again. Runs as tokctl_owner.

DROP FUNCTION tokctl.verify_lookup(bigint, bytea);

CREATE FUNCTION tokctl.verify_lookup(key bigint, digest bytea,
    OUT id bigint, OUT kind text, OUT current boolean, OUT expires_at bigint,
    OUT revoked_at bigint, OUT scopes text, OUT org_id bigint, OUT owner_user_id bigint,
    OUT name text, OUT deactivated_at bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    stored bytea;
BEGIN
    SELECT t.id, t.kind, t.secret_hash, t.expires_at, t.revoked_at, t.scopes, t.org_id,
           t.owner_user_id, t.name, t.deactivated_at
      INTO id, kind, stored, expires_at, revoked_at, scopes, org_id, owner_user_id, name,
           deactivated_at
      FROM tokctl.tokens t WHERE t.id <= key ORDER BY t.id DESC LIMIT 1;
    current := stored = digest;
    IF id = key AND current THEN
        RETURN;
    END IF;
    IF id = key AND EXISTS (SELECT 1 FROM tokctl.retired_secrets r
                            WHERE r.token_id = key AND r.secret_hash = digest) THEN
        RETURN;
    END IF;
    expires_at := NULL;
    revoked_at := NULL;
    scopes := '';
    org_id := 0;
    owner_user_id := NULL;
    name := '';
    deactivated_at := NULL;
END
$$;
