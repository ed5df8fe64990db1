-- What the group roles may do in a team store, granted by `tokctl team init`
-- after the migrations (so columns a later migration adds are covered) and
-- idempotent. Row-level security and the triggers of migration 3 decide
-- which rows; these grants decide which tables, columns and functions.
--
-- tokctl_user: the people and services who use tokctl. No table's digest
-- column, no use counts, no audit writes: those go through functions.
-- tokctl_verifier: verification only: no table but tokctl.meta (the schema
-- version and store id every connection checks).

GRANT USAGE ON SCHEMA tokctl TO tokctl_user, tokctl_verifier;
REVOKE ALL ON ALL TABLES IN SCHEMA tokctl FROM PUBLIC, tokctl_user, tokctl_verifier;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA tokctl FROM PUBLIC, tokctl_user, tokctl_verifier;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA tokctl FROM PUBLIC, tokctl_user, tokctl_verifier;

GRANT SELECT ON tokctl.meta TO tokctl_user, tokctl_verifier;

GRANT SELECT, INSERT ON tokctl.orgs, tokctl.users TO tokctl_user;
-- What `user edit` and offboarding change; the name and registration never.
GRANT UPDATE (display_name, email, kind, removed_at) ON tokctl.users TO tokctl_user;
GRANT SELECT, INSERT, DELETE ON tokctl.memberships TO tokctl_user;
GRANT UPDATE (role) ON tokctl.memberships TO tokctl_user;
GRANT SELECT, INSERT ON tokctl.org_policies TO tokctl_user;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA tokctl TO tokctl_user;
GRANT SELECT ON tokctl.token_usage, tokctl.audit_events TO tokctl_user;
GRANT INSERT, DELETE ON tokctl.tokens TO tokctl_user;
GRANT INSERT ON tokctl.retired_secrets TO tokctl_user;
GRANT UPDATE (valid_until) ON tokctl.retired_secrets TO tokctl_user;
-- What `notify` remembers (row-level security: the org's admins and owners);
-- a reminder is remembered again by updating its time, never deleted.
GRANT SELECT, INSERT ON tokctl.reminders TO tokctl_user;
GRANT UPDATE (sent_at) ON tokctl.reminders TO tokctl_user;

-- Column lists from the catalog: every column but the digests to read;
-- every column but what identifies a token and its use counts to change.
DO $$
DECLARE
    columns text;
BEGIN
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_catalog.pg_attribute
    WHERE attrelid = 'tokctl.tokens'::regclass AND attnum > 0 AND NOT attisdropped
      AND attname <> 'secret_hash';
    EXECUTE format('GRANT SELECT (%s) ON tokctl.tokens TO tokctl_user', columns);
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_catalog.pg_attribute
    WHERE attrelid = 'tokctl.tokens'::regclass AND attnum > 0 AND NOT attisdropped
      AND attname NOT IN ('id', 'kind', 'org_id', 'owner_user_id', 'created_at', 'created_by',
                          'use_count', 'last_used_at');
    EXECUTE format('GRANT UPDATE (%s) ON tokctl.tokens TO tokctl_user', columns);
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_catalog.pg_attribute
    WHERE attrelid = 'tokctl.retired_secrets'::regclass AND attnum > 0 AND NOT attisdropped
      AND attname <> 'secret_hash';
    EXECUTE format('GRANT SELECT (%s) ON tokctl.retired_secrets TO tokctl_user', columns);
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_catalog.pg_attribute
    WHERE attrelid = 'tokctl.org_policies'::regclass AND attnum > 0 AND NOT attisdropped
      AND attname <> 'org_id';
    EXECUTE format('GRANT UPDATE (%s) ON tokctl.org_policies TO tokctl_user', columns);
END
$$;

-- Used by the row-level security policies, so callable by the users they check.
GRANT EXECUTE ON FUNCTION tokctl.me(), tokctl.role_in(bigint), tokctl.administers(bigint),
    tokctl.administers_any(), tokctl.may_manage(bigint, bigint),
    tokctl.administered_orgs(), tokctl.member_orgs(),
    tokctl.org_has_no_members(bigint), tokctl.public_token_id(bigint),
    tokctl.scramble(bigint, numeric, numeric)
    TO tokctl_user;

-- What tokctl calls where the caller may not read the rows.
GRANT EXECUTE ON FUNCTION tokctl.next_token_key(), tokctl.org_token_count(bigint),
    tokctl.hidden_token_org(bigint), tokctl.secret_hash_of(bigint),
    tokctl.retired_secrets_of(bigint), tokctl.prune_events(bigint), tokctl.prune_usage(bigint)
    TO tokctl_user;

-- Verification, and what every connection asks.
GRANT EXECUTE ON FUNCTION tokctl.has_no_users(), tokctl.verify_lookup(bigint, bytea),
    tokctl.verify_retired(bigint, bytea),
    tokctl.record_usage_batch(bigint[], bigint[], bigint[]),
    tokctl.append_event(bigint, text, text, text, text, bigint, text, text, text),
    tokctl.org_name(bigint), tokctl.user_name(bigint), tokctl.user_id(text),
    tokctl.user_standing(text)
    TO tokctl_user, tokctl_verifier;
