-- tokctl schema version 4: a leaner store (docs/PERFORMANCE.md has the figures).

-- Name lookups use tokens_by_name; the owner check filters its few matches.
DROP INDEX tokens_by_owner_name;
-- Stale scans read the table in order instead; the index cost a random
-- update per usage write.
DROP INDEX tokens_by_last_used;
-- Time-bounded audit queries scan in id order, which is time order.
DROP INDEX audit_events_by_time;
-- Each event's hash already chains to the previous event's stored hash, and
-- ids are consecutive: storing the previous hash again added nothing.
ALTER TABLE audit_events DROP COLUMN prev_hash;
