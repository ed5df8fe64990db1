-- tokctl schema version 7: the operating-system account behind each event.

-- Who ran the command, as the OS reports it ("name (uid N)"), beside the
-- tokctl user it acted as: in a local file anyone who can open the store can
-- act as any tokctl user, so the account is the part a person cannot pick.
-- NULL in events written before this version. An event with an OS user is
-- hashed under the chain's second domain (src/audit.rs), older events as
-- they were, so existing chains still verify.
ALTER TABLE audit_events ADD COLUMN os_user TEXT;
