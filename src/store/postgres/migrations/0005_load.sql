-- tokctl team store, schema version 5: loading a whole store into an empty
-- team store (`tokctl store copy`; benchmarks seed stores this way too).
-- Runs as tokctl_owner from `tokctl team init`, like migration 3.
--
-- A load writes rows as another store holds them: tokens with their
-- creators, revokers, use counts and times, retired secrets with their
-- rotators, the audit trail with its ids and hashes. The triggers of
-- migration 3 refuse exactly that from anyone (the actor must be the
-- session user, a new token has no uses, every change needs its own
-- event), so a load switches them off for its own transaction, and only
-- the schema's owner role can: these functions are granted to nobody
-- (grants.sql grants nothing here), so only a superuser or a member of
-- tokctl_owner (the database's owner after `team init`) may call them,
-- after `SET LOCAL ROLE tokctl_owner`.
--
-- ALTER TABLE is transactional: the switched-off triggers (and the foreign
-- keys and plain indexes, dropped while the rows come in and made again at
-- the end, which checks the keys over every row) are invisible to every
-- other session, and a load that fails or is interrupted rolls back with
-- them in place. tokctl.loads makes sure a load that commits has switched
-- them on again (finish_load), and begin_load refuses any store that is not
-- empty, so a load never mixes with rows or a chain already there.
--
-- The audit chain: the loaded events keep their ids and stored hashes, and
-- finish_load checks that they run on from the checkpoint (or event 1)
-- without a gap and points tokctl.audit_head at the last of them. The next
-- tokctl.append_event (tokctl's `store.copy` event, naming the source's
-- head) then links to that head as to any other, so one chain runs from
-- the source's first event through the copy into everything after, and
-- `audit verify` walks and recomputes all of it in Rust.

-- The transactions loading rows now: begin_load adds one, finish_load
-- removes it. No one but the owner role reads or writes it.
-- `foreign_keys` and `indexes` hold what a load runs without, to be made
-- again as they were: [{"table": …, "name": …, "definition": …}] and
-- [{"name": …, "definition": …}].
CREATE TABLE tokctl.loads (
    xact         bigint PRIMARY KEY,
    loaded_by    text NOT NULL,
    foreign_keys jsonb NOT NULL DEFAULT '[]',
    indexes      jsonb NOT NULL DEFAULT '[]'
);

ALTER TABLE tokctl.loads ENABLE ROW LEVEL SECURITY;

-- The tables whose row checks a load switches off (audit_events has none
-- for inserts: only the owner role can insert there directly anyway).
CREATE FUNCTION tokctl.set_row_checks(on_or_off text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl text;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['orgs', 'users', 'memberships', 'org_policies', 'tokens',
                               'retired_secrets'] LOOP
        EXECUTE format('ALTER TABLE tokctl.%I %s TRIGGER USER', tbl,
            CASE on_or_off WHEN 'on' THEN 'ENABLE' ELSE 'DISABLE' END);
    END LOOP;
END
$$;

-- As pg_restore does, and PostgreSQL's "Populating a Database" advises:
-- the foreign keys and the indexes that enforce nothing (neither unique nor
-- a constraint's) are dropped while the rows come in, and made again at the
-- end: each foreign key is then checked once over its whole table, each
-- index built in one sort, instead of both row by row (measured at 100,000
-- tokens: the foreign keys were three quarters of the time of loading the
-- tokens, the indexes half of what was left). Primary keys and unique
-- constraints stay and check every row as it comes.
CREATE FUNCTION tokctl.drop_for_load() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item jsonb;
BEGIN
    UPDATE tokctl.loads SET
        foreign_keys = (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'table', c.conrelid::regclass::text, 'name', c.conname,
                'definition', pg_get_constraintdef(c.oid)) ORDER BY c.conrelid, c.conname), '[]')
            FROM pg_constraint c
            WHERE c.connamespace = 'tokctl'::regnamespace AND c.contype = 'f'),
        indexes = (SELECT coalesce(jsonb_agg(jsonb_build_object(
                'name', i.indexrelid::regclass::text,
                'definition', pg_get_indexdef(i.indexrelid)) ORDER BY i.indexrelid), '[]')
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE c.relnamespace = 'tokctl'::regnamespace AND NOT i.indisunique
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid))
    WHERE xact = txid_current();
    FOR item IN SELECT jsonb_array_elements(foreign_keys) FROM tokctl.loads
                WHERE xact = txid_current() LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', item ->> 'table', item ->> 'name');
    END LOOP;
    FOR item IN SELECT jsonb_array_elements(indexes) FROM tokctl.loads
                WHERE xact = txid_current() LOOP
        EXECUTE format('DROP INDEX %s', item ->> 'name');
    END LOOP;
END
$$;

-- Makes again what drop_for_load dropped, with the same names and
-- definitions; adding a foreign key checks every row.
CREATE FUNCTION tokctl.rebuild_after_load() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item jsonb;
BEGIN
    FOR item IN SELECT jsonb_array_elements(indexes) FROM tokctl.loads
                WHERE xact = txid_current() LOOP
        EXECUTE item ->> 'definition';
    END LOOP;
    FOR item IN SELECT jsonb_array_elements(foreign_keys) FROM tokctl.loads
                WHERE xact = txid_current() LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', item ->> 'table', item ->> 'name',
            item ->> 'definition');
    END LOOP;
END
$$;

-- Starts a load in the caller's transaction: only into an empty store,
-- only by a superuser or a member of tokctl_owner.
CREATE FUNCTION tokctl.begin_load() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pg_has_role(session_user, 'tokctl_owner', 'MEMBER') THEN
        PERFORM tokctl.refuse(format('loading rows into a team store needs its database''s '
            'owner or a superuser; %s is neither', session_user));
    END IF;
    PERFORM tokctl.lock_writers();
    IF EXISTS (SELECT 1 FROM tokctl.orgs) OR EXISTS (SELECT 1 FROM tokctl.users)
       OR EXISTS (SELECT 1 FROM tokctl.tokens) OR EXISTS (SELECT 1 FROM tokctl.token_usage)
       OR EXISTS (SELECT 1 FROM tokctl.audit_events)
       OR EXISTS (SELECT 1 FROM tokctl.meta WHERE key = 'audit_checkpoint')
       OR (SELECT id FROM tokctl.audit_head) <> 0 THEN
        RAISE EXCEPTION 'the team store is not empty: rows are loaded only into an empty one'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    INSERT INTO tokctl.loads (xact, loaded_by) VALUES (txid_current(), session_user);
    PERFORM tokctl.set_row_checks('off');
    PERFORM tokctl.drop_for_load();
END
$$;

-- Ends the load of the caller's transaction: checks the loaded chain's
-- ids, makes its last event (or the checkpoint) the head new events link
-- to, records the checkpoint, moves the token-key counter and the id
-- sequences past the loaded rows, and switches the row checks on again.
CREATE FUNCTION tokctl.finish_load(next_key bigint, checkpoint_id bigint, checkpoint_hash bytea)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    start_id bigint := coalesce(checkpoint_id, 0);
    first_id bigint;
    last_id bigint;
    loaded bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM tokctl.loads WHERE xact = txid_current()) THEN
        PERFORM tokctl.refuse('no load was begun in this transaction (tokctl.begin_load)');
    END IF;
    SELECT min(id), max(id), count(*) INTO first_id, last_id, loaded FROM tokctl.audit_events;
    IF loaded > 0 AND (first_id <> start_id + 1 OR last_id - first_id + 1 <> loaded) THEN
        RAISE EXCEPTION 'the loaded audit events do not run on from event % without a gap', start_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF checkpoint_id IS NOT NULL THEN
        INSERT INTO tokctl.meta (key, value)
        VALUES ('audit_checkpoint', checkpoint_id || ':' || encode(checkpoint_hash, 'hex'))
        ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    END IF;
    UPDATE tokctl.audit_head SET
        id = coalesce(last_id, start_id),
        hash = coalesce((SELECT hash FROM tokctl.audit_events WHERE id = last_id), checkpoint_hash,
                        '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea),
        xact = txid_current(),
        prune_through = NULL;
    UPDATE tokctl.meta SET value = greatest(value::bigint, next_key,
            coalesce((SELECT max(id) + 1 FROM tokctl.tokens), 1))::text
    WHERE key = 'next_token_key';
    IF EXISTS (SELECT 1 FROM tokctl.orgs) THEN
        PERFORM setval(pg_get_serial_sequence('tokctl.orgs', 'id'), (SELECT max(id) FROM tokctl.orgs));
    END IF;
    IF EXISTS (SELECT 1 FROM tokctl.users) THEN
        PERFORM setval(pg_get_serial_sequence('tokctl.users', 'id'), (SELECT max(id) FROM tokctl.users));
    END IF;
    PERFORM tokctl.rebuild_after_load();
    PERFORM tokctl.set_row_checks('on');
    DELETE FROM tokctl.loads WHERE xact = txid_current();
END
$$;

-- At commit: a load that was begun was finished, so no row check is off.
CREATE FUNCTION tokctl.require_finished_load() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM tokctl.loads WHERE xact = NEW.xact) THEN
        RAISE EXCEPTION 'a load must end with tokctl.finish_load before it commits'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER require_finished_load AFTER INSERT ON tokctl.loads
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tokctl.require_finished_load();

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA tokctl FROM PUBLIC;
