# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tokctl_global_optspecs
    string join \n db= as= color= q/quiet wide keyring= h/help V/version
end

function __fish_tokctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tokctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tokctl_using_subcommand
    set -l cmd (__fish_tokctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tokctl -n "__fish_tokctl_needs_command" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_needs_command" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_needs_command" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_needs_command" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_needs_command" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_needs_command" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_needs_command" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "create" -d 'Mint a token; the secret is printed once, to stdout'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "list" -d 'List tokens (active ones of your orgs unless told otherwise)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "show" -d 'Show one token by id or name'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "revoke" -d 'Revoke tokens by id or name, in bulk by filter, or by a leaked secret'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "edit" -d 'Change a token\'s name, description or expiry, or narrow its scopes (same secret)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "deactivate" -d 'Turn tokens off for a while (verify refuses them) by id or name, or in bulk by filter'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "activate" -d 'Turn deactivated tokens on again (not expired or revoked ones)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "rotate" -d 'Give a token a new secret; the old one can keep working for a grace period'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "check" -d 'Find tokens expiring soon or gone stale; the exit code says what was found'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "prune" -d 'Delete the rows of tokens revoked or expired before a time (the audit trail stays)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "audit" -d 'Query and export the audit trail; verify its hash chain; prune old events'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "report" -d 'Usage report per org: status, owners, last use, expiring, most used'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "verify" -d 'Check a token read from stdin or TOKCTL_TOKEN (never from an argument)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "serve" -d 'Answer verifications over HTTP (POST /v1/verify) until SIGTERM or SIGINT'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "inspect" -d 'Say which token a found secret is (stdin or TOKCTL_TOKEN), without using it'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "secret" -d 'Print a token\'s secret from the OS keyring, and nothing else'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "org" -d 'Manage orgs and their token policy'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "user" -d 'Manage users; offboard a leaver'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "member" -d 'Manage org memberships and roles'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "doctor" -d 'Check the store (integrity, audit chain, consistency) and the keyring'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "backup" -d 'Write a consistent copy of the store while others keep using it (its file\'s owner)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "team" -d 'Set up a team store on PostgreSQL and give database logins access (database owner)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "policy" -d 'Find live tokens that break their org\'s current policy; optionally revoke them'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "completions" -d 'Print a shell completion script: bash, zsh, fish, powershell or elvish'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "config" -d 'Show the settings in force and where each came from (flag, env, config file, default)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "man" -d 'Write the man pages (for packagers)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l name -d 'A descriptive name, unique among the owner\'s live tokens [default: generated, e.g. repo-read-2026-11-22]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l description -d 'What the token is for, so nobody has to guess in five years' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l scope -d 'A permission, resource:action with action read, write or admin, optionally narrowed: repo:read[api,web] (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l resource -d 'Narrow the nearest --scope before it on that resource to named resources, e.g. repo=api,web (repeatable; at most 50 names per scope)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l expires -d 'When it expires: a duration (12h, 90d, 2w, 6mo, 1y), a date (2027-01-31), an RFC 3339 time, or never' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l org -d 'The org [default: the config file\'s org, else your only org]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l user -d 'Mint a personal token for this user instead of yourself (needs admin)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l count -d 'Mint N tokens alike in one go, all or none (named NAME-1 to NAME-N with --name); their secrets print one per line, in order' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l org-token -d 'Mint an org token, owned by the org rather than a person (needs admin)'
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l clamp-expiry -d 'If the expiry is beyond the org\'s max lifetime, use the maximum instead of refusing'
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l org -d 'Only tokens of this org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l owner -d 'Only personal tokens of this user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l kind -d 'Only tokens of this kind: personal or org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l stale -d 'Last used longer ago than DUR, or never used and created longer ago (e.g. 1y)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l expiring -d 'Expiring within DUR from now (e.g. 14d)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l scope -d 'Holding this scope or a stronger one (repo:read also finds repo:write)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l name -d 'Names matching this glob: \'*\', \'?\', \'[abc]\' (quote it in the shell)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l status -d 'Only tokens with this status [default: active and deactivated]' -r -f -a "active\t''
deactivated\t''
expired\t''
revoked\t''
all\t''"
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l sort -d 'Order of the rows' -r -f -a "created\t''
last-used\t''
expires\t''
name\t''"
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON array (see docs/json.md)'
jsonl\t'JSON Lines: one object per line'
csv\t'CSV (RFC 4180) with a header row, for spreadsheets'"
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l never-used -d 'Never used'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l all -d 'Include revoked and expired tokens (same as --status all)'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l org -d 'Look the name up in this org only' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l since -d 'With --usage: from this time on, a duration back from now (7d) or a time' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l usage -d 'Also show when it was used: uses per day (per hour in JSON)'
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l reason -d 'Why, recorded with the revocation [default for bulk: generated, e.g. "stale: unused since 2025-05-01"]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l org -d 'Only tokens of this org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l owner -d 'Only personal tokens of this user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l kind -d 'Only tokens of this kind: personal or org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l stale -d 'Last used longer ago than DUR, or never used and created longer ago (e.g. 1y)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l expiring -d 'Expiring within DUR from now (e.g. 14d)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l scope -d 'Holding this scope or a stronger one (repo:read also finds repo:write)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l name -d 'Names matching this glob: \'*\', \'?\', \'[abc]\' (quote it in the shell)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l status -d 'Only tokens with this status [default: active and deactivated]' -r -f -a "active\t''
deactivated\t''
expired\t''
revoked\t''
all\t''"
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l format -d 'Output format: of the tokens a bulk --dry-run would revoke (a named one lists them on stderr), or of what a real run did (json, jsonl: one record per token)' -r -f -a "table\t'A table for people'
json\t'One JSON array (see docs/json.md)'
jsonl\t'JSON Lines: one object per line'
csv\t'CSV (RFC 4180) with a header row, for spreadsheets'"
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l secret-stdin -d 'Revoke the token whose secret is read from stdin (one found in a log or a paste)'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l never-used -d 'Never used'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l all -d 'Include revoked and expired tokens (same as --status all)'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l expired -d 'Only expired tokens (bulk; same as --status expired)'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l dry-run -d 'Show what would be revoked, in list\'s formats, and change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -s y -l yes -d 'Do not ask for confirmation (at a terminal a named or bulk revoke asks; outside one a bulk revoke needs this)'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l name -d 'A new name, unique among the owner\'s live tokens' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l description -d 'A new description' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l expires -d 'A new expiry: earlier always; later (or never) only within the org\'s policy' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l scope -d 'A permission, resource:action with action read, write or admin, optionally narrowed: repo:read[api,web] (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l resource -d 'Narrow the nearest --scope before it on that resource to named resources, e.g. repo=api,web (repeatable; at most 50 names per scope)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l org -d 'Look the name up in this org only' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l no-description -d 'Remove the description'
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l clamp-expiry -d 'If a later expiry is beyond the org\'s max lifetime, use the maximum instead of refusing'
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l org -d 'Only tokens of this org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l owner -d 'Only personal tokens of this user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l kind -d 'Only tokens of this kind: personal or org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l stale -d 'Last used longer ago than DUR, or never used and created longer ago (e.g. 1y)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l expiring -d 'Expiring within DUR from now (e.g. 14d)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l scope -d 'Holding this scope or a stronger one (repo:read also finds repo:write)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l name -d 'Names matching this glob: \'*\', \'?\', \'[abc]\' (quote it in the shell)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l status -d 'Only tokens with this status [default: active and deactivated]' -r -f -a "active\t''
deactivated\t''
expired\t''
revoked\t''
all\t''"
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l format -d 'Output format: of the tokens a --dry-run would change, or of what a real run did (json, jsonl)' -r -f -a "table\t'A table for people'
json\t'One JSON array (see docs/json.md)'
jsonl\t'JSON Lines: one object per line'
csv\t'CSV (RFC 4180) with a header row, for spreadsheets'"
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l reason -d 'Why, recorded with the deactivation and shown by \'tokctl show\'' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l never-used -d 'Never used'
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l all -d 'Include revoked and expired tokens (same as --status all)'
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l dry-run -d 'Show what would change, in list\'s formats, and change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -s y -l yes -d 'Do not ask for confirmation (at a terminal a named or bulk run asks; outside one a bulk run needs this)'
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand deactivate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l org -d 'Only tokens of this org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l owner -d 'Only personal tokens of this user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l kind -d 'Only tokens of this kind: personal or org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l stale -d 'Last used longer ago than DUR, or never used and created longer ago (e.g. 1y)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l expiring -d 'Expiring within DUR from now (e.g. 14d)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l scope -d 'Holding this scope or a stronger one (repo:read also finds repo:write)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l name -d 'Names matching this glob: \'*\', \'?\', \'[abc]\' (quote it in the shell)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l status -d 'Only tokens with this status [default: active and deactivated]' -r -f -a "active\t''
deactivated\t''
expired\t''
revoked\t''
all\t''"
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l format -d 'Output format: of the tokens a --dry-run would change, or of what a real run did (json, jsonl)' -r -f -a "table\t'A table for people'
json\t'One JSON array (see docs/json.md)'
jsonl\t'JSON Lines: one object per line'
csv\t'CSV (RFC 4180) with a header row, for spreadsheets'"
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l never-used -d 'Never used'
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l all -d 'Include revoked and expired tokens (same as --status all)'
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l dry-run -d 'Show what would change, in list\'s formats, and change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -s y -l yes -d 'Do not ask for confirmation (at a terminal a named or bulk run asks; outside one a bulk run needs this)'
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand activate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l expires -d 'A new expiry (needed to rotate an expired token) [default: keep the current one]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l grace -d 'How long the old secret keeps working, so callers can switch over [default: it stops at once]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l org -d 'Look the name up in this org only' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l clamp-expiry -d 'If the expiry is beyond the org\'s max lifetime, use the maximum instead of refusing'
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand check" -l expiring -d 'Report active tokens expiring within DUR' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand check" -l stale -d 'Report active tokens unused for longer than DUR (or never used and older)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand check" -l org -d 'Only this org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand check" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand check" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand check" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand check" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand check" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand check" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand check" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand prune" -l before -d 'Prune tokens revoked or expired before this: a duration back from now (90d) or a date' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand prune" -l org -d 'Only this org (default: every org you administer)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand prune" -l format -d 'Output format: of the prunable tokens (--dry-run) or of the pruned ones (table, csv); json and jsonl of a real run give one record per token with its outcome' -r -f -a "table\t'A table for people'
json\t'One JSON array (see docs/json.md)'
jsonl\t'JSON Lines: one object per line'
csv\t'CSV (RFC 4180) with a header row, for spreadsheets'"
complete -c tokctl -n "__fish_tokctl_using_subcommand prune" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand prune" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand prune" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand prune" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand prune" -l dry-run -d 'Show what would be pruned, and change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand prune" -s y -l yes -d 'Do not ask for confirmation (needed outside a terminal)'
complete -c tokctl -n "__fish_tokctl_using_subcommand prune" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand prune" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -l org -d 'Only events of this org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -l token -d 'Only events about this token (id, also after it was pruned; or name)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -l actor -d 'Only events by this user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -l action -d 'Only this action (token.revoke) or family (token)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -l since -d 'Only events since: a duration back from now (7d) or a time' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -l until -d 'Only events before: a duration back from now or a time' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -l format -d 'Output format: jsonl suits log pipelines and SIEMs, csv spreadsheets' -r -f -a "table\t'A table for people'
json\t'One JSON array (see docs/json.md)'
jsonl\t'JSON Lines: one object per line'
csv\t'CSV (RFC 4180) with a header row, for spreadsheets'"
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -f -a "verify" -d 'Check the hash chain; exits 9 at the first edited, deleted, inserted or reordered event'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -f -a "head" -d 'Print the newest event\'s id and hash, to keep outside the store for \'audit verify --expect\''
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -f -a "prune" -d 'Remove events older than a time, leaving a checkpoint so the rest still verifies (owners only)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and not __fish_seen_subcommand_from verify head prune help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l expect -d 'Also require this event, recorded earlier with \'tokctl audit head\' (exit 9 when it is missing or differs)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from head" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from head" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from head" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from head" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from head" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from head" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from head" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from head" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l before -d 'Remove events before this: a duration back from now (2y) or a date' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l dry-run -d 'Say how many events would go, and change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -s y -l yes -d 'Do not ask for confirmation (needed outside a terminal)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check the hash chain; exits 9 at the first edited, deleted, inserted or reordered event'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "head" -d 'Print the newest event\'s id and hash, to keep outside the store for \'audit verify --expect\''
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove events older than a time, leaving a checkpoint so the rest still verifies (owners only)'
complete -c tokctl -n "__fish_tokctl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand report" -l org -d 'Only this org (default: every org you administer)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand report" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand report" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand report" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand report" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand report" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand report" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand report" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand report" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand verify" -l scope -d 'Require this scope (a token holding resource:write also satisfies resource:read)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand verify" -l resource -d 'With --scope: require the token to cover this named resource, e.g. repo=api' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand verify" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand verify" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand verify" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand verify" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand verify" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand verify" -l batch -d 'Read one token per line from stdin and write one JSON result per line'
complete -c tokctl -n "__fish_tokctl_using_subcommand verify" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand verify" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l listen -d 'Address and port to listen on; port 0 picks a free one. An address other than loopback needs --tls-cert and --tls-key, or --insecure-listen' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l tls-cert -d 'Serve HTTPS with this certificate chain (PEM, leaf first)' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l tls-key -d 'The private key of --tls-cert (PEM)' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l caller-scope -d 'The scope a caller\'s org token must hold' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l flush-interval -d 'Write usage counts at most once per this many seconds, and at shutdown' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l max-connections -d 'Serve at most this many connections at once; a few more are answered 429, further ones closed' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l workers -d 'Worker threads, each verifying with its own store connection [default: one per CPU, at most 8]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l insecure-listen -d 'Allow plain HTTP on an address other than loopback (behind a proxy that terminates TLS, or on a network trusted otherwise)'
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l no-caller-auth -d 'Answer anyone who can connect, without a caller token (loopback addresses only)'
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand inspect" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand inspect" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand inspect" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand inspect" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand inspect" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand inspect" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand inspect" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand secret" -l org -d 'Look the name up in this org only' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand secret" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand secret" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand secret" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand secret" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand secret" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand secret" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand secret" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from add list policy help" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from add list policy help" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from add list policy help" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from add list policy help" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from add list policy help" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from add list policy help" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from add list policy help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from add list policy help" -f -a "add" -d 'Add an org; you become its owner'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from add list policy help" -f -a "list" -d 'List orgs'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from add list policy help" -f -a "policy" -d 'Show an org\'s token policy, or change it (owner only)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and not __fish_seen_subcommand_from add list policy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from add" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from add" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from add" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from add" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from add" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from list" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from list" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from list" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from list" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from list" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from list" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l max-lifetime -d 'Longest a token may live from minting or rotation, e.g. 1y; \'none\' for no limit' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l member-tokens -d 'Whether plain members may hold personal tokens: allow or deny' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l allowed-scopes -d 'Scopes that may be granted: comma-separated patterns such as \'repo:*,issues:read,*:read\'; \'*\' for any' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l max-tokens -d 'Most tokens the org may have (revoked and expired count until pruned); \'none\' for no quota' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l require-expiry -d 'Every token must expire'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l no-require-expiry -d 'Tokens may be minted with --expires never (unless a max lifetime forbids it)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from policy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add an org; you become its owner'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "list" -d 'List orgs'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "policy" -d 'Show an org\'s token policy, or change it (owner only)'
complete -c tokctl -n "__fish_tokctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and not __fish_seen_subcommand_from add list remove offboard help" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and not __fish_seen_subcommand_from add list remove offboard help" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and not __fish_seen_subcommand_from add list remove offboard help" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and not __fish_seen_subcommand_from add list remove offboard help" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and not __fish_seen_subcommand_from add list remove offboard help" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and not __fish_seen_subcommand_from add list remove offboard help" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and not __fish_seen_subcommand_from add list remove offboard help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and not __fish_seen_subcommand_from add list remove offboard help" -f -a "add" -d 'Register a user (needs admin in some org); add them to an org with \'tokctl member add\''
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and not __fish_seen_subcommand_from add list remove offboard help" -f -a "list" -d 'List users'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and not __fish_seen_subcommand_from add list remove offboard help" -f -a "remove" -d 'Offboard a user: revoke all their personal tokens in every org and remove their memberships'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and not __fish_seen_subcommand_from add list remove offboard help" -f -a "offboard" -d 'Offboard a user: revoke all their personal tokens in every org and remove their memberships'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and not __fish_seen_subcommand_from add list remove offboard help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from add" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from add" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from add" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from add" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from add" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from list" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from list" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from list" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from list" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from list" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from list" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from remove" -l format -d 'Output format of what a real run did: json or jsonl, one record per token' -r -f -a "table\t'A table for people'
json\t'One JSON array (see docs/json.md)'
jsonl\t'JSON Lines: one object per line'
csv\t'CSV (RFC 4180) with a header row, for spreadsheets'"
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from remove" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from remove" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from remove" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from remove" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from remove" -l dry-run -d 'Show what would happen, and change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Do not ask for confirmation (needed outside a terminal)'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from remove" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from offboard" -l format -d 'Output format of what a real run did: json or jsonl, one record per token' -r -f -a "table\t'A table for people'
json\t'One JSON array (see docs/json.md)'
jsonl\t'JSON Lines: one object per line'
csv\t'CSV (RFC 4180) with a header row, for spreadsheets'"
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from offboard" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from offboard" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from offboard" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from offboard" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from offboard" -l dry-run -d 'Show what would happen, and change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from offboard" -s y -l yes -d 'Do not ask for confirmation (needed outside a terminal)'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from offboard" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from offboard" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from offboard" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "add" -d 'Register a user (needs admin in some org); add them to an org with \'tokctl member add\''
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "list" -d 'List users'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Offboard a user: revoke all their personal tokens in every org and remove their memberships'
complete -c tokctl -n "__fish_tokctl_using_subcommand user; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and not __fish_seen_subcommand_from add list remove help" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and not __fish_seen_subcommand_from add list remove help" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and not __fish_seen_subcommand_from add list remove help" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and not __fish_seen_subcommand_from add list remove help" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and not __fish_seen_subcommand_from add list remove help" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and not __fish_seen_subcommand_from add list remove help" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and not __fish_seen_subcommand_from add list remove help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and not __fish_seen_subcommand_from add list remove help" -f -a "add" -d 'Add a user to an org, or change their role (owner only)'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and not __fish_seen_subcommand_from add list remove help" -f -a "list" -d 'List memberships of an org, or of all your orgs'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and not __fish_seen_subcommand_from add list remove help" -f -a "remove" -d 'Remove a user from an org (owner only); revokes their personal tokens there'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and not __fish_seen_subcommand_from add list remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from add" -l org -d 'The org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from add" -l user -d 'The user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from add" -l role -d 'owner, admin or member' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from add" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from add" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from add" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from add" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from add" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from list" -l org -d 'Only this org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from list" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from list" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from list" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from list" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from list" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from list" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l org -d 'The org' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l user -d 'The user' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a user to an org, or change their role (owner only)'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "list" -d 'List memberships of an org, or of all your orgs'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a user from an org (owner only); revokes their personal tokens there'
complete -c tokctl -n "__fish_tokctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand doctor" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand doctor" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand doctor" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand doctor" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand doctor" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand doctor" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand doctor" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand backup" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand backup" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand backup" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand backup" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand backup" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand backup" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand backup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and not __fish_seen_subcommand_from init grant revoke help" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and not __fish_seen_subcommand_from init grant revoke help" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and not __fish_seen_subcommand_from init grant revoke help" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and not __fish_seen_subcommand_from init grant revoke help" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and not __fish_seen_subcommand_from init grant revoke help" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and not __fish_seen_subcommand_from init grant revoke help" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and not __fish_seen_subcommand_from init grant revoke help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and not __fish_seen_subcommand_from init grant revoke help" -f -a "init" -d 'Set up the team store in this database, or upgrade it (database owner or superuser; idempotent)'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and not __fish_seen_subcommand_from init grant revoke help" -f -a "grant" -d 'Let a database login use tokctl here (or, with --verifier, only verify tokens)'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and not __fish_seen_subcommand_from init grant revoke help" -f -a "revoke" -d 'Take a database login\'s access to tokctl away (both group roles)'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and not __fish_seen_subcommand_from init grant revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from init" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from init" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from init" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from init" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from init" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from init" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from grant" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from grant" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from grant" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from grant" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from grant" -l verifier -d 'Only verify tokens (tokctl_verifier): no table is readable'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from grant" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from grant" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from grant" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from revoke" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from revoke" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from revoke" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from revoke" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from revoke" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from help" -f -a "init" -d 'Set up the team store in this database, or upgrade it (database owner or superuser; idempotent)'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from help" -f -a "grant" -d 'Let a database login use tokctl here (or, with --verifier, only verify tokens)'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Take a database login\'s access to tokctl away (both group roles)'
complete -c tokctl -n "__fish_tokctl_using_subcommand team; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and not __fish_seen_subcommand_from check help" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and not __fish_seen_subcommand_from check help" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and not __fish_seen_subcommand_from check help" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and not __fish_seen_subcommand_from check help" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and not __fish_seen_subcommand_from check help" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and not __fish_seen_subcommand_from check help" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'List live tokens that break their org\'s policy, with the rule each breaks; exits 23 if any'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -l org -d 'Only this org (default: every org you administer)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -l format -d 'Output format: of the findings, or with --revoke/--fix (not a dry run) of what was done' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -l revoke -d 'Revoke the tokens found (the rule becomes the revocation reason)'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -l fix -d 'Cut every expiry the policy finds too late (or missing) down to the latest it allows'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -l dry-run -d 'With --revoke or --fix: show what would change, and change nothing'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -s y -l yes -d 'With --revoke or --fix: do not ask for confirmation (needed outside a terminal)'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "check" -d 'List live tokens that break their org\'s policy, with the rule each breaks; exits 23 if any'
complete -c tokctl -n "__fish_tokctl_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Show each setting, its value and where it came from (flag, environment, config file, default)'
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and __fish_seen_subcommand_from show" -l format -d 'Output format' -r -f -a "table\t'A table for people'
json\t'Stable JSON for scripts (see docs/json.md)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and __fish_seen_subcommand_from show" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and __fish_seen_subcommand_from show" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and __fish_seen_subcommand_from show" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and __fish_seen_subcommand_from show" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show each setting, its value and where it came from (flag, environment, config file, default)'
complete -c tokctl -n "__fish_tokctl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand man" -l out-dir -d 'Where to write tokctl.1 and one page per subcommand' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand man" -l db -d 'The store file, or a team store\'s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file\'s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand man" -l as -d 'Act as this tokctl user [default: your login name]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand man" -l color -d 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never' -r -f -a "auto\t'At a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c tokctl -n "__fish_tokctl_using_subcommand man" -l keyring -d 'Use the OS keyring: auto (when reachable), required, or off' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand man" -s q -l quiet -d 'Print only data and errors: no notes on stderr (warnings still show)'
complete -c tokctl -n "__fish_tokctl_using_subcommand man" -l wide -d 'Show tables in full: cut no cell and drop no column to fit the terminal'
complete -c tokctl -n "__fish_tokctl_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "create" -d 'Mint a token; the secret is printed once, to stdout'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "list" -d 'List tokens (active ones of your orgs unless told otherwise)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "show" -d 'Show one token by id or name'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "revoke" -d 'Revoke tokens by id or name, in bulk by filter, or by a leaked secret'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "edit" -d 'Change a token\'s name, description or expiry, or narrow its scopes (same secret)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "deactivate" -d 'Turn tokens off for a while (verify refuses them) by id or name, or in bulk by filter'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "activate" -d 'Turn deactivated tokens on again (not expired or revoked ones)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "rotate" -d 'Give a token a new secret; the old one can keep working for a grace period'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "check" -d 'Find tokens expiring soon or gone stale; the exit code says what was found'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "prune" -d 'Delete the rows of tokens revoked or expired before a time (the audit trail stays)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "audit" -d 'Query and export the audit trail; verify its hash chain; prune old events'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "report" -d 'Usage report per org: status, owners, last use, expiring, most used'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "verify" -d 'Check a token read from stdin or TOKCTL_TOKEN (never from an argument)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "serve" -d 'Answer verifications over HTTP (POST /v1/verify) until SIGTERM or SIGINT'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "inspect" -d 'Say which token a found secret is (stdin or TOKCTL_TOKEN), without using it'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "secret" -d 'Print a token\'s secret from the OS keyring, and nothing else'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "org" -d 'Manage orgs and their token policy'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "user" -d 'Manage users; offboard a leaver'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "member" -d 'Manage org memberships and roles'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "doctor" -d 'Check the store (integrity, audit chain, consistency) and the keyring'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "backup" -d 'Write a consistent copy of the store while others keep using it (its file\'s owner)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "team" -d 'Set up a team store on PostgreSQL and give database logins access (database owner)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "policy" -d 'Find live tokens that break their org\'s current policy; optionally revoke them'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "completions" -d 'Print a shell completion script: bash, zsh, fish, powershell or elvish'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "config" -d 'Show the settings in force and where each came from (flag, env, config file, default)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "man" -d 'Write the man pages (for packagers)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from create list show revoke edit deactivate activate rotate check prune audit report verify serve inspect secret org user member doctor backup team policy completions config man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Check the hash chain; exits 9 at the first edited, deleted, inserted or reordered event'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "head" -d 'Print the newest event\'s id and hash, to keep outside the store for \'audit verify --expect\''
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "prune" -d 'Remove events older than a time, leaving a checkpoint so the rest still verifies (owners only)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "add" -d 'Add an org; you become its owner'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "list" -d 'List orgs'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "policy" -d 'Show an org\'s token policy, or change it (owner only)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "add" -d 'Register a user (needs admin in some org); add them to an org with \'tokctl member add\''
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "list" -d 'List users'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from user" -f -a "remove" -d 'Offboard a user: revoke all their personal tokens in every org and remove their memberships'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "add" -d 'Add a user to an org, or change their role (owner only)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "list" -d 'List memberships of an org, or of all your orgs'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "remove" -d 'Remove a user from an org (owner only); revokes their personal tokens there'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from team" -f -a "init" -d 'Set up the team store in this database, or upgrade it (database owner or superuser; idempotent)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from team" -f -a "grant" -d 'Let a database login use tokctl here (or, with --verifier, only verify tokens)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from team" -f -a "revoke" -d 'Take a database login\'s access to tokctl away (both group roles)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "check" -d 'List live tokens that break their org\'s policy, with the rule each breaks; exits 23 if any'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Show each setting, its value and where it came from (flag, environment, config file, default)'
