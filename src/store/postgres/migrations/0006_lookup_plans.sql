-- tokctl team store schema version 6: the verify path's functions in
-- PL/pgSQL. A SECURITY DEFINER function in plain SQL is never inlined, so
-- PostgreSQL planned its query again on every call: about ten times the
-- cost of the lookup itself (docs/PERFORMANCE.md). PL/pgSQL keeps the plan
-- of each statement for the session. Same queries, same results, same
-- owner and grants (CREATE OR REPLACE keeps both). Runs as tokctl_owner.

CREATE OR REPLACE FUNCTION tokctl.verify_lookup(key bigint, digest bytea)
RETURNS TABLE (id bigint, kind text, current boolean, expires_at bigint, revoked_at bigint,
               scopes text, org_id bigint, owner_user_id bigint, name text, deactivated_at bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT t.id, t.kind, t.secret_hash = digest,
           CASE WHEN proven THEN t.expires_at END, CASE WHEN proven THEN t.revoked_at END,
           CASE WHEN proven THEN t.scopes ELSE '' END, CASE WHEN proven THEN t.org_id ELSE 0 END,
           CASE WHEN proven THEN t.owner_user_id END, CASE WHEN proven THEN t.name ELSE '' END,
           CASE WHEN proven THEN t.deactivated_at END
    FROM (SELECT * FROM tokctl.tokens WHERE tokens.id <= key ORDER BY tokens.id DESC LIMIT 1) t
    CROSS JOIN LATERAL (SELECT t.id = key AND (t.secret_hash = digest OR EXISTS (
        SELECT 1 FROM tokctl.retired_secrets r
        WHERE r.token_id = t.id AND r.secret_hash = digest)) AS proven) p;
END
$$;

CREATE OR REPLACE FUNCTION tokctl.verify_retired(key bigint, digest bytea) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT valid_until FROM tokctl.retired_secrets
            WHERE token_id = key AND secret_hash = digest ORDER BY rotated_at DESC LIMIT 1);
END
$$;

CREATE OR REPLACE FUNCTION tokctl.org_name(org bigint) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT name FROM tokctl.orgs WHERE id = org);
END
$$;

CREATE OR REPLACE FUNCTION tokctl.user_name(u bigint) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT name FROM tokctl.users WHERE id = u);
END
$$;
