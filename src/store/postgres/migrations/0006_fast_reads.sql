-- tokctl team store schema version 6: reads as fast as the rules allow.
-- A SECURITY DEFINER function in plain SQL is never inlined, so PostgreSQL
-- planned its query again on every call (docs/PERFORMANCE.md):
--
-- * the verify path's functions are now PL/pgSQL, which keeps the plan of
--   each statement for the session: about ten times the cost of the lookup
--   itself before. Same queries, same results, same owner and grants
--   (CREATE OR REPLACE keeps both).
-- * the tokens' SELECT policy called may_manage (three such functions) for
--   every row a listing looked at: 13 s for `list --stale 1y` at 1M tokens.
--   It now compares each row with the caller's orgs, found once per query
--   (scalar subqueries are run once, as init plans). The rule is the same:
--   every token of an org the caller administers, and the caller's own
--   personal tokens in orgs they belong to.
--
-- Runs as tokctl_owner.

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

-- The orgs where the session user is admin or owner, and those where they
-- are a member at all (as role_in reads memberships: by session_user).
CREATE FUNCTION tokctl.administered_orgs() RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(m.org_id), '{}') FROM tokctl.memberships m
    JOIN tokctl.users u ON u.id = m.user_id
    WHERE u.name = session_user::text AND m.role IN ('admin', 'owner')
$$;

CREATE FUNCTION tokctl.member_orgs() RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(m.org_id), '{}') FROM tokctl.memberships m
    JOIN tokctl.users u ON u.id = m.user_id
    WHERE u.name = session_user::text
$$;

-- may_manage(org_id, owner_user_id), with the caller's facts looked up once.
DROP POLICY manage ON tokctl.tokens;
CREATE POLICY manage ON tokctl.tokens FOR SELECT USING (
    org_id = ANY ((SELECT tokctl.administered_orgs())::bigint[])
    OR (owner_user_id IS NOT NULL
        AND owner_user_id = (SELECT tokctl.me())
        AND org_id = ANY ((SELECT tokctl.member_orgs())::bigint[])));
