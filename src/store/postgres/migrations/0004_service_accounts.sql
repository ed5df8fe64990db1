-- tokctl team store schema version 4: service accounts, what a directory
-- knows about a user, and removed users kept for the record, as the local
-- store's version 9 (src/store/sqlite/migrations/0009_service_accounts.sql);
-- and what the database enforces about them. Runs as tokctl_owner, like
-- migration 3; grants.sql grants the new columns and function.

ALTER TABLE tokctl.users ADD COLUMN display_name text COLLATE "C";
ALTER TABLE tokctl.users ADD COLUMN email text COLLATE "C";
ALTER TABLE tokctl.users ADD COLUMN kind text COLLATE "C" NOT NULL DEFAULT 'person'
    CHECK (kind IN ('person', 'service'));
ALTER TABLE tokctl.users ADD COLUMN removed_at bigint;

-- Users offboarded before this version: no membership left, and their last
-- `user.remove` event says when. The migration is no user's change, so it
-- appends no event: the check for one is off for this one statement.
ALTER TABLE tokctl.users DISABLE TRIGGER require_event;
UPDATE tokctl.users u SET removed_at = (
    SELECT max(e.at) FROM tokctl.audit_events e WHERE e.action = 'user.remove' AND e.target = u.name)
WHERE NOT EXISTS (SELECT 1 FROM tokctl.memberships m WHERE m.user_id = u.id)
  AND EXISTS (SELECT 1 FROM tokctl.audit_events e WHERE e.action = 'user.remove' AND e.target = u.name);
ALTER TABLE tokctl.users ENABLE TRIGGER require_event;

ALTER TABLE tokctl.org_policies DROP CONSTRAINT org_policies_member_tokens_check;
ALTER TABLE tokctl.org_policies ADD CONSTRAINT org_policies_member_tokens_check
    CHECK (member_tokens IN ('allow', 'deny', 'deny-except-service-accounts'));

-- A removed user is no one: they may not act (every policy and function that
-- asks who the caller is goes through tokctl.me()).
CREATE OR REPLACE FUNCTION tokctl.me() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT id FROM tokctl.users WHERE name = session_user::text AND removed_at IS NULL $$;

-- The key, kind and status of a user: what every command asks about its
-- actor, verifiers included (who read no table).
CREATE FUNCTION tokctl.user_standing(user_name text)
RETURNS TABLE (id bigint, kind text, removed boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT id, kind, removed_at IS NOT NULL FROM tokctl.users WHERE name = user_name $$;

-- Changing users: admins and owners of some org (tokctl's rule for `user add`
-- and `user edit`); the trigger below says what they may change.
CREATE POLICY change_user ON tokctl.users FOR UPDATE
    USING (tokctl.me() IS NOT NULL) WITH CHECK (tokctl.me() IS NOT NULL);

-- Who is a service account decides what an org's policy lets them hold, so
-- only admins and owners mark one, on insert or later; a new user is never
-- already removed; a user is marked removed only once they belong to no org
-- (offboarding removes the memberships first, which needs the admin role in
-- each org), so no admin of one org can lock out a member of another.
CREATE FUNCTION tokctl.check_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.kind <> 'person' AND NOT tokctl.administers_any() THEN
            PERFORM tokctl.refuse('only admins and owners mark service accounts');
        END IF;
        IF NEW.removed_at IS NOT NULL THEN
            PERFORM tokctl.refuse('a new user is not removed');
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.kind IS DISTINCT FROM OLD.kind AND NOT tokctl.administers_any() THEN
        PERFORM tokctl.refuse('only admins and owners mark service accounts');
    END IF;
    IF NOT tokctl.administers_any() THEN
        PERFORM tokctl.refuse('only admins and owners change users');
    END IF;
    IF NEW.removed_at IS NOT NULL AND OLD.removed_at IS NULL
       AND EXISTS (SELECT 1 FROM tokctl.memberships WHERE user_id = NEW.id) THEN
        PERFORM tokctl.refuse(format('user %s still belongs to an org and cannot be marked removed',
            NEW.name));
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER check_user BEFORE INSERT OR UPDATE ON tokctl.users
    FOR EACH ROW EXECUTE FUNCTION tokctl.check_user();

-- A removed user gets no membership and no token until restored.
CREATE FUNCTION tokctl.check_member_active() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (SELECT removed_at FROM tokctl.users WHERE id = NEW.user_id) IS NOT NULL THEN
        PERFORM tokctl.refuse(format('user %s was removed and gets no membership',
            (SELECT name FROM tokctl.users WHERE id = NEW.user_id)));
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER check_member_active BEFORE INSERT OR UPDATE ON tokctl.memberships
    FOR EACH ROW EXECUTE FUNCTION tokctl.check_member_active();

CREATE FUNCTION tokctl.check_token_owner() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.owner_user_id IS NOT NULL
       AND (SELECT removed_at FROM tokctl.users WHERE id = NEW.owner_user_id) IS NOT NULL THEN
        PERFORM tokctl.refuse('a removed user gets no token');
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER check_token_owner BEFORE INSERT ON tokctl.tokens
    FOR EACH ROW EXECUTE FUNCTION tokctl.check_token_owner();

-- The policy rules of migration 3, with the member-tokens rule as
-- src/policy.rs has it now: `deny` refuses a plain member's personal token,
-- `deny-except-service-accounts` unless its owner is a service account.
CREATE OR REPLACE FUNCTION tokctl.policy_violations(t tokctl.tokens) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p tokctl.org_policies;
    broken_rules text[] := '{}';
    latest bigint;
    scope text;
BEGIN
    SELECT * INTO p FROM tokctl.org_policies WHERE org_id = t.org_id;
    IF NOT FOUND THEN
        RETURN broken_rules;
    END IF;
    IF p.max_lifetime IS NOT NULL THEN
        latest := tokctl.latest_expiry(p.max_lifetime, t.issued_at);
        IF t.expires_at IS NULL OR t.expires_at > latest THEN
            broken_rules := broken_rules || format('expires later than the max lifetime of %s allows', p.max_lifetime);
        END IF;
    END IF;
    IF p.require_expiry AND t.expires_at IS NULL THEN
        broken_rules := broken_rules || 'never expires, but the org requires an expiry'::text;
    END IF;
    IF p.allowed_scopes IS NOT NULL AND btrim(p.allowed_scopes) <> '*' THEN
        FOR scope IN SELECT s FROM regexp_split_to_table(t.scopes, ' ') AS s WHERE s <> '' LOOP
            IF NOT EXISTS (
                SELECT 1 FROM regexp_split_to_table(p.allowed_scopes, ',') AS pattern
                WHERE (split_part(btrim(pattern), ':', 1) = '*'
                       OR split_part(btrim(pattern), ':', 1) = substring(scope FROM '^([^:]+):'))
                  AND (split_part(btrim(pattern), ':', 2) = '*'
                       OR tokctl.action_rank(substring(scope FROM '^[^:]+:([a-z]+)'))
                          <= tokctl.action_rank(split_part(btrim(pattern), ':', 2)))) THEN
                broken_rules := broken_rules || format('scope %s is not in the allowed scopes', scope);
            END IF;
        END LOOP;
    END IF;
    IF p.member_tokens IN ('deny', 'deny-except-service-accounts') AND t.kind = 'personal'
       AND (SELECT role FROM tokctl.memberships
            WHERE org_id = t.org_id AND user_id = t.owner_user_id) = 'member'
       AND NOT (p.member_tokens = 'deny-except-service-accounts'
                AND (SELECT kind FROM tokctl.users WHERE id = t.owner_user_id) = 'service') THEN
        broken_rules := broken_rules || 'the org does not allow members to hold personal tokens'::text;
    END IF;
    RETURN broken_rules;
END
$$;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA tokctl FROM PUBLIC;
