-- tokctl team store schema version 9: a usage write is one call. Until now
-- the client called record_usage once per token-hour, a round trip each:
-- a service writing the uses of 8,000 tokens took about 4 s per write,
-- which is what would saturate first when scaling out (docs/SCALING.md).
-- record_usage_batch takes the same triples as arrays (element i of each is
-- one token-hour) and applies them in two statements, by the same rules:
-- use counts add, last_used_at never moves backwards, the hourly history
-- adds, only positive counts count, and the tokens' triggers see the change
-- as usage (tokctl.recording_usage). It replaces record_usage, so use
-- counts still change through one function only. Runs as tokctl_owner;
-- grants.sql grants it to tokctl_user and tokctl_verifier.

DROP FUNCTION tokctl.record_usage(bigint, bigint, bigint);

CREATE FUNCTION tokctl.record_usage_batch(p_keys bigint[], p_uses bigint[], p_at bigint[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF cardinality(p_keys) <> cardinality(p_uses) OR cardinality(p_keys) <> cardinality(p_at) THEN
        RAISE EXCEPTION 'record_usage_batch: the three arrays differ in length'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('tokctl.recording_usage', 'on', true);
    -- Keys in order, so two writers lock rows alike (they also queue on the
    -- writers' lock).
    UPDATE tokctl.tokens t
       SET use_count = t.use_count + u.uses,
           last_used_at = greatest(coalesce(t.last_used_at, 0), u.at)
      FROM (SELECT x.key, sum(x.uses)::bigint AS uses, max(x.at) AS at
              FROM unnest(p_keys, p_uses, p_at) AS x(key, uses, at)
             WHERE x.uses > 0
             GROUP BY x.key
             ORDER BY x.key) u
     WHERE t.id = u.key;
    PERFORM set_config('tokctl.recording_usage', 'off', true);
    INSERT INTO tokctl.token_usage (token_key, hour, uses)
    SELECT x.key, floor(x.at / 3600.0)::bigint, sum(x.uses)::bigint
      FROM unnest(p_keys, p_uses, p_at) AS x(key, uses, at)
     WHERE x.uses > 0
     GROUP BY x.key, floor(x.at / 3600.0)::bigint
     ORDER BY 1, 2
    ON CONFLICT (token_key, hour) DO UPDATE SET uses = tokctl.token_usage.uses + excluded.uses;
END
$$;
