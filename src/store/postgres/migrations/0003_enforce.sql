-- tokctl team store, schema version 3: the database enforces what tokctl
-- enforces, whoever sends the SQL. Runs as the schema's owner role
-- (tokctl_owner, which nobody logs in as) from `tokctl team init`, in one
-- transaction under the writers' advisory lock; the grants to the group
-- roles tokctl_user and tokctl_verifier are made by `team init` afterwards
-- (src/store/postgres/grants.sql), so columns added by later migrations get
-- them too.
--
-- Who is acting is always the database's session_user, matched to the
-- registered tokctl user of that name. Refusals raise SQLSTATE 42501
-- (insufficient_privilege), which tokctl reports as forbidden (exit 5).
-- Every function is SECURITY DEFINER only where it must read past the
-- caller's rows, with a fixed search_path and every name schema-qualified.

-- The one row the audit chain is linked from: the newest event's id and
-- hash (or the checkpoint's, or the genesis), the transaction that wrote
-- it, and a prune waiting for its `audit.prune` event. Appends lock it, so
-- they are serialised with no gap and no fork.
CREATE TABLE tokctl.audit_head (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    id            bigint NOT NULL,
    hash          bytea NOT NULL,
    xact          bigint,
    prune_through bigint
);

INSERT INTO tokctl.audit_head (id, hash)
SELECT coalesce(
           (SELECT id FROM tokctl.audit_events ORDER BY id DESC LIMIT 1),
           (SELECT split_part(value, ':', 1)::bigint FROM tokctl.meta WHERE key = 'audit_checkpoint'),
           0),
       coalesce(
           (SELECT hash FROM tokctl.audit_events ORDER BY id DESC LIMIT 1),
           (SELECT decode(split_part(value, ':', 2), 'hex') FROM tokctl.meta WHERE key = 'audit_checkpoint'),
           '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);

-- Who the caller is ----------------------------------------------------------

-- The registered tokctl user the session acts as, if any.
CREATE FUNCTION tokctl.me() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT id FROM tokctl.users WHERE name = session_user::text $$;

-- The caller's role in an org, if a member.
CREATE FUNCTION tokctl.role_in(org bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT m.role FROM tokctl.memberships m
    JOIN tokctl.users u ON u.id = m.user_id
    WHERE m.org_id = org AND u.name = session_user::text
$$;

-- Admin or owner of the org.
CREATE FUNCTION tokctl.administers(org bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT coalesce(tokctl.role_in(org) IN ('admin', 'owner'), false) $$;

-- Admin or owner of at least one org.
CREATE FUNCTION tokctl.administers_any() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM tokctl.memberships m JOIN tokctl.users u ON u.id = m.user_id
                   WHERE u.name = session_user::text AND m.role IN ('admin', 'owner'))
$$;

-- Owner of every org: what store-wide operations (audit retention) need.
CREATE FUNCTION tokctl.owns_every_org() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT tokctl.me() IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM tokctl.orgs o WHERE tokctl.role_in(o.id) IS DISTINCT FROM 'owner')
$$;

-- What tokctl lets the caller see and manage of a token: every token of an
-- org they administer, and their own personal tokens in orgs they belong to
-- (ops: visibility, require_manage).
CREATE FUNCTION tokctl.may_manage(org bigint, owner bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT tokctl.administers(org)
        OR (owner IS NOT NULL AND owner = tokctl.me() AND tokctl.role_in(org) IS NOT NULL)
$$;

-- Whether the store has no users yet (the first user bootstraps it).
CREATE FUNCTION tokctl.has_no_users() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT NOT EXISTS (SELECT 1 FROM tokctl.users) $$;

-- Whether an org has no members yet (its creator becomes its first owner).
CREATE FUNCTION tokctl.org_has_no_members(org bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT NOT EXISTS (SELECT 1 FROM tokctl.memberships WHERE org_id = org) $$;

-- model::TokenId's bijection on 63-bit numbers: multiply, fold the high
-- half in, multiply.
CREATE FUNCTION tokctl.scramble(value bigint, first numeric, second numeric) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    modulus CONSTANT numeric := 9223372036854775808;
    x bigint;
BEGIN
    x := ((value::numeric * first) % modulus)::bigint;
    x := x # (x >> 32);
    RETURN ((x::numeric * second) % modulus)::bigint;
END
$$;

-- The public id of the token stored under `key` (TokenId::from_key).
CREATE FUNCTION tokctl.public_token_id(key bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT tokctl.scramble(key, 6364136223846793005, 1442695040888963407) $$;

-- The storage key of the token with this public id (TokenId::key).
CREATE FUNCTION tokctl.token_key(public_id bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT tokctl.scramble(public_id, 7389762652339369391, 4654452103859546277) $$;

-- One refusal, as tokctl's forbidden.
CREATE FUNCTION tokctl.refuse(message text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = message; END $$;

-- Writers queue on the lock every tokctl write transaction takes first
-- ("tokc", 1), so checks that count rows (owners, quota) hold also against
-- writers that are not tokctl.
CREATE FUNCTION tokctl.lock_writers() RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ SELECT pg_advisory_xact_lock(1953459043, 1) $$;

-- Reads: row-level security ----------------------------------------------------

ALTER TABLE tokctl.orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE tokctl.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE tokctl.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE tokctl.org_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE tokctl.tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE tokctl.retired_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE tokctl.token_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE tokctl.audit_events ENABLE ROW LEVEL SECURITY;

-- The directory and the policies are what tokctl shows any registered user.
CREATE POLICY read_all ON tokctl.orgs FOR SELECT USING (true);
CREATE POLICY read_all ON tokctl.users FOR SELECT USING (true);
CREATE POLICY read_all ON tokctl.memberships FOR SELECT USING (true);
CREATE POLICY read_all ON tokctl.org_policies FOR SELECT USING (true);

-- Tokens: what the caller may manage. The digest column is not granted at
-- all (grants.sql); verification compares digests inside the database.
CREATE POLICY manage ON tokctl.tokens FOR SELECT
    USING (tokctl.may_manage(org_id, owner_user_id));
CREATE POLICY retired_of_managed ON tokctl.retired_secrets FOR SELECT
    USING (EXISTS (SELECT 1 FROM tokctl.tokens t WHERE t.id = token_id));
CREATE POLICY usage_of_managed ON tokctl.token_usage FOR SELECT
    USING (EXISTS (SELECT 1 FROM tokctl.tokens t WHERE t.id = token_key));

-- The trail: an admin or owner reads all of it (`audit verify` walks the
-- whole chain); a member the events about their own tokens.
CREATE POLICY readable ON tokctl.audit_events FOR SELECT USING (
    tokctl.administers_any()
    OR token_id IN (SELECT tokctl.public_token_id(t.id) FROM tokctl.tokens t
                    WHERE t.owner_user_id = tokctl.me()));

-- Writes: who may change what --------------------------------------------------

-- Any registered user may add an org (and becomes its owner); the first user
-- of an empty store sets up its first org and registers themselves; admins
-- and owners add users.
CREATE POLICY add_org ON tokctl.orgs FOR INSERT
    WITH CHECK (tokctl.me() IS NOT NULL OR tokctl.has_no_users());
CREATE POLICY add_user ON tokctl.users FOR INSERT WITH CHECK (
    tokctl.administers_any()
    OR (tokctl.has_no_users() AND name = session_user::text));

-- Owners set memberships; an org's first member is its creator, as owner;
-- admins and owners remove members (offboarding).
CREATE POLICY set_member ON tokctl.memberships FOR INSERT WITH CHECK (
    tokctl.role_in(org_id) = 'owner'
    OR (tokctl.org_has_no_members(org_id) AND user_id = tokctl.me() AND role = 'owner'));
CREATE POLICY change_member ON tokctl.memberships FOR UPDATE
    USING (tokctl.role_in(org_id) = 'owner') WITH CHECK (tokctl.role_in(org_id) = 'owner');
CREATE POLICY remove_member ON tokctl.memberships FOR DELETE
    USING (tokctl.administers(org_id));

-- Owners set their orgs' policies.
CREATE POLICY set_policy ON tokctl.org_policies FOR INSERT
    WITH CHECK (tokctl.role_in(org_id) = 'owner');
CREATE POLICY change_policy ON tokctl.org_policies FOR UPDATE
    USING (tokctl.role_in(org_id) = 'owner') WITH CHECK (tokctl.role_in(org_id) = 'owner');

-- Tokens: a member mints their own personal tokens; admins and owners any
-- token of their org. Rotating and revoking: what the caller may manage.
-- Pruning rows: admins and owners.
CREATE POLICY mint ON tokctl.tokens FOR INSERT WITH CHECK (
    tokctl.administers(org_id)
    OR (kind = 'personal' AND owner_user_id = tokctl.me() AND tokctl.role_in(org_id) IS NOT NULL));
CREATE POLICY change ON tokctl.tokens FOR UPDATE
    USING (tokctl.may_manage(org_id, owner_user_id))
    WITH CHECK (tokctl.may_manage(org_id, owner_user_id));
CREATE POLICY prune ON tokctl.tokens FOR DELETE USING (tokctl.administers(org_id));

CREATE POLICY rotate ON tokctl.retired_secrets FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM tokctl.tokens t WHERE t.id = token_id));
CREATE POLICY end_grace ON tokctl.retired_secrets FOR UPDATE
    USING (EXISTS (SELECT 1 FROM tokctl.tokens t WHERE t.id = token_id))
    WITH CHECK (EXISTS (SELECT 1 FROM tokctl.tokens t WHERE t.id = token_id));

-- The last owner of an org stays: neither removed nor demoted.
CREATE FUNCTION tokctl.keep_last_owner() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    stays_owner boolean := false;
BEGIN
    PERFORM tokctl.lock_writers();
    IF TG_OP = 'UPDATE' THEN
        stays_owner := NEW.role = 'owner' AND NEW.org_id = OLD.org_id;
    END IF;
    IF OLD.role = 'owner' AND NOT stays_owner
       AND NOT EXISTS (SELECT 1 FROM tokctl.memberships
                       WHERE org_id = OLD.org_id AND role = 'owner' AND user_id <> OLD.user_id) THEN
        PERFORM tokctl.refuse(format('the last owner of org %s cannot be removed or demoted',
            (SELECT name FROM tokctl.orgs WHERE id = OLD.org_id)));
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER keep_last_owner BEFORE UPDATE OR DELETE ON tokctl.memberships
    FOR EACH ROW EXECUTE FUNCTION tokctl.keep_last_owner();

-- Policy: the same rules as src/policy.rs --------------------------------------

-- The latest expiry a max lifetime allows for a token issued at `issued_at`
-- (Span::after: minutes, hours, days and weeks are fixed lengths; months and
-- years calendar months, clamped to the month's last day, in UTC).
CREATE FUNCTION tokctl.latest_expiry(max_lifetime text, issued_at bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parts text[] := regexp_match(max_lifetime, '^([0-9]+)(m|h|d|w|mo|y)$');
    amount integer;
    start timestamp := to_timestamp(issued_at) AT TIME ZONE 'UTC';
BEGIN
    IF max_lifetime IS NULL THEN
        RETURN NULL;
    END IF;
    IF parts IS NULL THEN
        RAISE EXCEPTION 'invalid max lifetime % in the org policy', max_lifetime
            USING ERRCODE = 'data_corrupted';
    END IF;
    amount := parts[1]::integer;
    RETURN extract(epoch FROM start + CASE parts[2]
        WHEN 'm' THEN make_interval(mins => amount)
        WHEN 'h' THEN make_interval(hours => amount)
        WHEN 'd' THEN make_interval(days => amount)
        WHEN 'w' THEN make_interval(days => 7 * amount)
        WHEN 'mo' THEN make_interval(months => amount)
        ELSE make_interval(months => 12 * amount)
    END)::bigint;
END
$$;

-- Action strength: read < write < admin (scope::Action).
CREATE FUNCTION tokctl.action_rank(action text) RETURNS integer
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT CASE action WHEN 'read' THEN 1 WHEN 'write' THEN 2 WHEN 'admin' THEN 3 END $$;

-- Every rule a token breaks under its org's policy (Policy::admit without
-- clamping), as the messages tokctl shows; empty when admissible. The quota
-- is checked on insert only (tokctl.check_token).
CREATE FUNCTION tokctl.policy_violations(t tokctl.tokens) RETURNS text[]
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
    IF p.member_tokens = 'deny' AND t.kind = 'personal'
       AND (SELECT role FROM tokctl.memberships
            WHERE org_id = t.org_id AND user_id = t.owner_user_id) = 'member' THEN
        broken_rules := broken_rules || 'the org does not allow members to hold personal tokens'::text;
    END IF;
    RETURN broken_rules;
END
$$;

-- Every token row that is inserted, or whose secret, expiry, issue time or
-- scopes change, must meet its org's policy; an insert must also fit the
-- quota. The creator and the revoker are the caller; what records a token's
-- identity never changes; a revocation is never undone; use counts come
-- only from tokctl.record_usage.
CREATE FUNCTION tokctl.check_token() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    broken text[];
    quota bigint;
    org_name text := (SELECT name FROM tokctl.orgs WHERE id = NEW.org_id);
BEGIN
    PERFORM tokctl.lock_writers();
    IF TG_OP = 'INSERT' THEN
        IF NEW.created_by IS DISTINCT FROM tokctl.me() THEN
            PERFORM tokctl.refuse('a token''s creator must be the session user');
        END IF;
        IF NEW.use_count <> 0 OR NEW.last_used_at IS NOT NULL THEN
            PERFORM tokctl.refuse('a new token has no uses');
        END IF;
        SELECT max_tokens INTO quota FROM tokctl.org_policies WHERE org_id = NEW.org_id;
        IF quota IS NOT NULL
           AND (SELECT count(*) FROM tokctl.tokens WHERE org_id = NEW.org_id) >= quota THEN
            PERFORM tokctl.refuse(format('refused by the policy of org %s: it may have at most %s tokens',
                org_name, quota));
        END IF;
    ELSE
        IF (NEW.id, NEW.kind, NEW.org_id, NEW.owner_user_id, NEW.created_at, NEW.created_by)
           IS DISTINCT FROM (OLD.id, OLD.kind, OLD.org_id, OLD.owner_user_id, OLD.created_at, OLD.created_by) THEN
            PERFORM tokctl.refuse('a token''s id, kind, org, owner and creation never change');
        END IF;
        IF OLD.revoked_at IS NOT NULL
           AND (NEW.revoked_at, NEW.revoked_by) IS DISTINCT FROM (OLD.revoked_at, OLD.revoked_by) THEN
            PERFORM tokctl.refuse('a revoked token stays revoked');
        END IF;
        IF OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
           AND NEW.revoked_by IS DISTINCT FROM tokctl.me() THEN
            PERFORM tokctl.refuse('a token''s revoker must be the session user');
        END IF;
        IF NEW.deactivated_at IS NOT NULL
           AND (NEW.deactivated_at, NEW.deactivated_by) IS DISTINCT FROM (OLD.deactivated_at, OLD.deactivated_by)
           AND NEW.deactivated_by IS DISTINCT FROM tokctl.me() THEN
            PERFORM tokctl.refuse('a token''s deactivator must be the session user');
        END IF;
        IF (NEW.use_count, NEW.last_used_at) IS DISTINCT FROM (OLD.use_count, OLD.last_used_at)
           AND coalesce(current_setting('tokctl.recording_usage', true), '') <> 'on' THEN
            PERFORM tokctl.refuse('use counts are recorded only by verification');
        END IF;
        IF (NEW.secret_hash, NEW.expires_at, NEW.issued_at, NEW.scopes)
           IS NOT DISTINCT FROM (OLD.secret_hash, OLD.expires_at, OLD.issued_at, OLD.scopes) THEN
            RETURN NEW;
        END IF;
    END IF;
    broken := tokctl.policy_violations(NEW);
    IF cardinality(broken) > 0 THEN
        PERFORM tokctl.refuse(format('refused by the policy of org %s: token %s %s',
            org_name, NEW.name, array_to_string(broken, '; ')));
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER check_token BEFORE INSERT OR UPDATE ON tokctl.tokens
    FOR EACH ROW EXECUTE FUNCTION tokctl.check_token();

-- A retired secret's grace only ends sooner; its rotator is the caller.
CREATE FUNCTION tokctl.check_retired() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.rotated_by IS DISTINCT FROM tokctl.me() THEN
            PERFORM tokctl.refuse('a rotation''s author must be the session user');
        END IF;
    ELSIF (NEW.token_id, NEW.secret_hash, NEW.rotated_at, NEW.rotated_by)
              IS DISTINCT FROM (OLD.token_id, OLD.secret_hash, OLD.rotated_at, OLD.rotated_by)
          OR NEW.valid_until > OLD.valid_until THEN
        PERFORM tokctl.refuse('a retired secret''s grace can only end sooner');
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER check_retired BEFORE INSERT OR UPDATE ON tokctl.retired_secrets
    FOR EACH ROW EXECUTE FUNCTION tokctl.check_retired();

-- The functions tokctl calls where the caller may not read the rows ---------------

-- The next storage key from the store's counter, skipping keys in use.
CREATE FUNCTION tokctl.next_token_key() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    next_key bigint;
BEGIN
    IF tokctl.me() IS NULL THEN
        PERFORM tokctl.refuse('only registered users mint tokens');
    END IF;
    LOOP
        UPDATE tokctl.meta SET value = (value::bigint + 1)::text
        WHERE meta.key = 'next_token_key' RETURNING value::bigint - 1 INTO next_key;
        EXIT WHEN NOT EXISTS (SELECT 1 FROM tokctl.tokens WHERE id = next_key);
    END LOOP;
    RETURN next_key;
END
$$;

-- How many tokens an org has (the quota counts every one), for its members.
CREATE FUNCTION tokctl.org_token_count(org bigint) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF tokctl.role_in(org) IS NULL THEN
        PERFORM tokctl.refuse('only members count an org''s tokens');
    END IF;
    RETURN (SELECT count(*) FROM tokctl.tokens WHERE org_id = org);
END
$$;

-- The org of a token the caller may not see: what tokctl tells whoever
-- names its id (that it exists, and in which org).
CREATE FUNCTION tokctl.hidden_token_org(key bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT o.name FROM tokctl.tokens t JOIN tokctl.orgs o ON o.id = t.org_id
    WHERE t.id = key AND tokctl.me() IS NOT NULL
$$;

-- The current digest of a token the caller may manage (rotation, doctor,
-- reading a secret back); nothing otherwise.
CREATE FUNCTION tokctl.secret_hash_of(key bigint) RETURNS bytea
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT secret_hash FROM tokctl.tokens
    WHERE id = key AND tokctl.may_manage(org_id, owner_user_id)
$$;

-- The retired secrets of a token the caller may manage.
CREATE FUNCTION tokctl.retired_secrets_of(key bigint)
RETURNS TABLE (secret_hash bytea, rotated_at bigint, valid_until bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.secret_hash, r.rotated_at, r.valid_until
    FROM tokctl.retired_secrets r JOIN tokctl.tokens t ON t.id = r.token_id
    WHERE r.token_id = key AND tokctl.may_manage(t.org_id, t.owner_user_id)
    ORDER BY r.rotated_at
$$;

-- Names for a verified token's org and owner (verifiers read no tables).
CREATE FUNCTION tokctl.org_name(org bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT name FROM tokctl.orgs WHERE id = org $$;

CREATE FUNCTION tokctl.user_name(u bigint) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT name FROM tokctl.users WHERE id = u $$;

-- The row id of a user (every command looks up its acting user).
CREATE FUNCTION tokctl.user_id(user_name text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$ SELECT id FROM tokctl.users WHERE name = user_name $$;

-- Verification: the row with the greatest key not above `key` (one index
-- seek, as for a key the store holds: an unknown id costs the same), with
-- whether `digest` is its current secret. What the token is (name, scopes,
-- org, owner, times) comes back only when `digest` is its current or a
-- retired secret: the caller proved they hold it. Digests never leave.
CREATE FUNCTION tokctl.verify_lookup(key bigint, digest bytea)
RETURNS TABLE (id bigint, kind text, current boolean, expires_at bigint, revoked_at bigint,
               scopes text, org_id bigint, owner_user_id bigint, name text, deactivated_at bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t.id, t.kind, t.secret_hash = digest,
           CASE WHEN proven THEN t.expires_at END, CASE WHEN proven THEN t.revoked_at END,
           CASE WHEN proven THEN t.scopes ELSE '' END, CASE WHEN proven THEN t.org_id ELSE 0 END,
           CASE WHEN proven THEN t.owner_user_id END, CASE WHEN proven THEN t.name ELSE '' END,
           CASE WHEN proven THEN t.deactivated_at END
    FROM (SELECT * FROM tokctl.tokens WHERE tokens.id <= key ORDER BY tokens.id DESC LIMIT 1) t
    CROSS JOIN LATERAL (SELECT t.id = key AND (t.secret_hash = digest OR EXISTS (
        SELECT 1 FROM tokctl.retired_secrets r
        WHERE r.token_id = t.id AND r.secret_hash = digest)) AS proven) p
$$;

-- When the retired secret of `key` that `digest` is stops verifying, if any.
CREATE FUNCTION tokctl.verify_retired(key bigint, digest bytea) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT valid_until FROM tokctl.retired_secrets
    WHERE token_id = key AND secret_hash = digest ORDER BY rotated_at DESC LIMIT 1
$$;

-- Coalesced uses of a token: its count, its last use (never backwards) and
-- its hourly history. The only way use counts change.
CREATE FUNCTION tokctl.record_usage(p_key bigint, p_uses bigint, p_at bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_uses <= 0 THEN
        RETURN;
    END IF;
    PERFORM set_config('tokctl.recording_usage', 'on', true);
    UPDATE tokctl.tokens SET use_count = use_count + p_uses,
        last_used_at = greatest(coalesce(last_used_at, 0), p_at)
    WHERE id = p_key;
    PERFORM set_config('tokctl.recording_usage', 'off', true);
    INSERT INTO tokctl.token_usage (token_key, hour, uses)
    VALUES (p_key, floor(p_at / 3600.0)::bigint, p_uses)
    ON CONFLICT (token_key, hour) DO UPDATE SET uses = tokctl.token_usage.uses + excluded.uses;
END
$$;

-- Audit: the database links the chain -------------------------------------------

-- One field of the hash, as src/audit.rs's event_hash encodes it: 0x00 for
-- none, else 0x01, the UTF-8 length as 8 big-endian bytes, the UTF-8 bytes.
CREATE FUNCTION tokctl.hash_field(value text) RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN value IS NULL THEN '\x00'::bytea
           ELSE '\x01'::bytea || int8send(octet_length(convert_to(value, 'UTF8'))::bigint)
                || convert_to(value, 'UTF8') END
$$;

-- An event's full SHA-256, exactly as audit::event_hash: the domain
-- (v2 when an OS user is recorded, as its last field), the previous hash,
-- then every field.
CREATE FUNCTION tokctl.event_hash(prev bytea, id bigint, at bigint, actor text, action text,
    outcome text, org text, token_id bigint, target text, details text, os_user text)
RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT sha256(
        convert_to(CASE WHEN os_user IS NULL THEN 'tokctl-audit-v1' ELSE 'tokctl-audit-v2' END, 'UTF8')
        || prev
        || tokctl.hash_field(id::text) || tokctl.hash_field(at::text) || tokctl.hash_field(actor)
        || tokctl.hash_field(action) || tokctl.hash_field(outcome) || tokctl.hash_field(org)
        || tokctl.hash_field(token_id::text) || tokctl.hash_field(target)
        || tokctl.hash_field(details)
        || CASE WHEN os_user IS NULL THEN ''::bytea ELSE tokctl.hash_field(os_user) END)
$$;

-- Appends an event: the only way in. The actor must be the session user;
-- the id is the head's plus one and the hash chains to the head's, under
-- the head row's lock, so concurrent appends queue. A refused verification
-- that names a token the caller could not label is labelled here with the
-- token's org and name. A pending prune is settled by its `audit.prune`.
CREATE FUNCTION tokctl.append_event(p_at bigint, p_actor text, p_action text, p_outcome text,
    p_org text, p_token_id bigint, p_target text, p_details text, p_os_user text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    head tokctl.audit_head;
    new_id bigint;
    new_hash bytea;
BEGIN
    IF p_actor IS DISTINCT FROM session_user::text THEN
        PERFORM tokctl.refuse(format('an audit event''s actor must be the session user %s',
            session_user));
    END IF;
    IF p_action = 'token.verify' AND p_token_id > 0 AND p_org IS NULL AND p_target IS NULL THEN
        SELECT o.name, t.name INTO p_org, p_target
        FROM tokctl.tokens t JOIN tokctl.orgs o ON o.id = t.org_id
        WHERE t.id = tokctl.token_key(p_token_id);
    END IF;
    SELECT * INTO head FROM tokctl.audit_head FOR UPDATE;
    new_id := head.id + 1;
    new_hash := substring(tokctl.event_hash(head.hash, new_id, p_at, p_actor, p_action,
        p_outcome, p_org, p_token_id, p_target, p_details, p_os_user) FROM 1 FOR 16);
    INSERT INTO tokctl.audit_events
        (id, at, actor, action, outcome, org, token_id, target, details, hash, os_user)
    VALUES (new_id, p_at, p_actor, p_action, p_outcome, p_org, p_token_id, p_target,
        p_details, new_hash, p_os_user);
    UPDATE tokctl.audit_head SET id = new_id, hash = new_hash, xact = txid_current(),
        prune_through = CASE
            WHEN p_action = 'audit.prune'
                 AND (p_details::jsonb ->> 'through_id') = prune_through::text THEN NULL
            ELSE prune_through END;
    RETURN new_id;
END
$$;

-- Nobody changes or deletes an event, the owner role included; only
-- tokctl.prune_events deletes, and only the oldest.
CREATE FUNCTION tokctl.keep_events() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(current_setting('tokctl.pruning', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    PERFORM tokctl.refuse('audit events are never changed or deleted');
    RETURN NULL;
END
$$;

CREATE TRIGGER keep_events BEFORE UPDATE OR DELETE ON tokctl.audit_events
    FOR EACH ROW EXECUTE FUNCTION tokctl.keep_events();
CREATE TRIGGER keep_events_whole BEFORE TRUNCATE ON tokctl.audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION tokctl.keep_events();

-- Audit retention, owner of every org only: deletes the events up to and
-- including `through` and records it as the checkpoint. The transaction
-- must then append the `audit.prune` event that vouches for it, or it
-- cannot commit.
CREATE FUNCTION tokctl.prune_events(through bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    checkpoint_hash bytea;
    removed bigint;
BEGIN
    IF NOT tokctl.owns_every_org() THEN
        PERFORM tokctl.refuse('pruning the audit trail needs the owner role in every org');
    END IF;
    SELECT hash INTO checkpoint_hash FROM tokctl.audit_events WHERE id = through;
    IF NOT FOUND THEN
        PERFORM tokctl.refuse('the audit trail holds no event ' || through);
    END IF;
    PERFORM set_config('tokctl.pruning', 'on', true);
    DELETE FROM tokctl.audit_events WHERE id <= through;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('tokctl.pruning', 'off', true);
    INSERT INTO tokctl.meta (key, value) VALUES ('audit_checkpoint', through || ':' || encode(checkpoint_hash, 'hex'))
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    UPDATE tokctl.audit_head SET prune_through = through;
    RETURN removed;
END
$$;

-- Use history older than the retention's cutoff (hours before `hour`).
CREATE FUNCTION tokctl.prune_usage(hour bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    removed bigint;
BEGIN
    IF NOT tokctl.owns_every_org() THEN
        PERFORM tokctl.refuse('pruning the audit trail needs the owner role in every org');
    END IF;
    DELETE FROM tokctl.token_usage WHERE token_usage.hour < prune_usage.hour;
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END
$$;

-- At commit: a prune without its `audit.prune` event is refused.
CREATE FUNCTION tokctl.require_prune_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (SELECT prune_through FROM tokctl.audit_head) IS NOT NULL THEN
        PERFORM tokctl.refuse('a prune of the audit trail needs its audit.prune event');
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER require_prune_event AFTER UPDATE ON tokctl.audit_head
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tokctl.require_prune_event();

-- At commit: every transaction that changed the directory, a policy or a
-- token appended an audit event itself.
CREATE FUNCTION tokctl.require_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (SELECT xact FROM tokctl.audit_head) IS DISTINCT FROM txid_current() THEN
        PERFORM tokctl.refuse(format('a change to %s needs its audit event in the same transaction',
            TG_TABLE_NAME));
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER require_event AFTER INSERT OR UPDATE OR DELETE ON tokctl.orgs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tokctl.require_event();
CREATE CONSTRAINT TRIGGER require_event AFTER INSERT OR UPDATE OR DELETE ON tokctl.users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tokctl.require_event();
CREATE CONSTRAINT TRIGGER require_event AFTER INSERT OR UPDATE OR DELETE ON tokctl.memberships
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tokctl.require_event();
CREATE CONSTRAINT TRIGGER require_event AFTER INSERT OR UPDATE OR DELETE ON tokctl.org_policies
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tokctl.require_event();
CREATE CONSTRAINT TRIGGER require_event AFTER INSERT OR UPDATE OR DELETE ON tokctl.tokens
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tokctl.require_event();
CREATE CONSTRAINT TRIGGER require_event AFTER INSERT OR UPDATE OR DELETE ON tokctl.retired_secrets
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tokctl.require_event();

-- Functions are executable by PUBLIC by default: only grants.sql says who.
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA tokctl FROM PUBLIC;
