
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tokctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tokctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tokctl' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Mint a token; the secret is printed once, to stdout')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tokens (active ones of your orgs unless told otherwise)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one token by id or name')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke tokens by id or name, in bulk by filter, or by a leaked secret')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a token''s name, description or expiry, or narrow its scopes (same secret)')
            [CompletionResult]::new('deactivate', 'deactivate', [CompletionResultType]::ParameterValue, 'Turn tokens off for a while (verify refuses them) by id or name, or in bulk by filter')
            [CompletionResult]::new('activate', 'activate', [CompletionResultType]::ParameterValue, 'Turn deactivated tokens on again (not expired or revoked ones)')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Give a token a new secret; the old one can keep working for a grace period')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Find tokens expiring soon or gone stale; the exit code says what was found')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete the rows of tokens revoked or expired before a time (the audit trail stays)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Query and export the audit trail; verify its hash chain; prune old events')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Usage report per org: status, owners, last use, expiring, most used')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a token read from stdin or TOKCTL_TOKEN (never from an argument)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Answer verifications over HTTP (POST /v1/verify) until SIGTERM or SIGINT')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Say which token a found secret is (stdin or TOKCTL_TOKEN), without using it')
            [CompletionResult]::new('secret', 'secret', [CompletionResultType]::ParameterValue, 'Print a token''s secret from the OS keyring, and nothing else')
            [CompletionResult]::new('org', 'org', [CompletionResultType]::ParameterValue, 'Manage orgs and their token policy')
            [CompletionResult]::new('user', 'user', [CompletionResultType]::ParameterValue, 'Manage users; offboard a leaver')
            [CompletionResult]::new('member', 'member', [CompletionResultType]::ParameterValue, 'Manage org memberships and roles')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the store (integrity, audit chain, consistency) and the keyring')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Write a consistent copy of the store while others keep using it (its file''s owner)')
            [CompletionResult]::new('team', 'team', [CompletionResultType]::ParameterValue, 'Set up a team store on PostgreSQL and give database logins access (database owner)')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Find live tokens that break their org''s current policy; optionally revoke them')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script: bash, zsh, fish, powershell or elvish')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the settings in force and where each came from (flag, env, config file, default)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages (for packagers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;create' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A descriptive name, unique among the owner''s live tokens [default: generated, e.g. repo-read-2026-11-22]')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'What the token is for, so nobody has to guess in five years')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A permission, resource:action with action read, write or admin, optionally narrowed: repo:read[api,web] (repeatable)')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'Narrow the nearest --scope before it on that resource to named resources, e.g. repo=api,web (repeatable; at most 50 names per scope)')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'When it expires: a duration (12h, 90d, 2w, 6mo, 1y), a date (2027-01-31), an RFC 3339 time, or never')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org [default: the config file''s org, else your only org]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Mint a personal token for this user instead of yourself (needs admin)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Mint N tokens alike in one go, all or none (named NAME-1 to NAME-N with --name); their secrets print one per line, in order')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--org-token', '--org-token', [CompletionResultType]::ParameterName, 'Mint an org token, owned by the org rather than a person (needs admin)')
            [CompletionResult]::new('--clamp-expiry', '--clamp-expiry', [CompletionResultType]::ParameterName, 'If the expiry is beyond the org''s max lifetime, use the maximum instead of refusing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;list' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only tokens of this org')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Only personal tokens of this user')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only tokens of this kind: personal or org')
            [CompletionResult]::new('--stale', '--stale', [CompletionResultType]::ParameterName, 'Last used longer ago than DUR, or never used and created longer ago (e.g. 1y)')
            [CompletionResult]::new('--expiring', '--expiring', [CompletionResultType]::ParameterName, 'Expiring within DUR from now (e.g. 14d)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Holding this scope or a stronger one (repo:read also finds repo:write)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Names matching this glob: ''*'', ''?'', ''[abc]'' (quote it in the shell)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tokens with this status [default: active and deactivated]')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the rows')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--never-used', '--never-used', [CompletionResultType]::ParameterName, 'Never used')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include revoked and expired tokens (same as --status all)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;show' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Look the name up in this org only')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'With --usage: from this time on, a duration back from now (7d) or a time')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--usage', '--usage', [CompletionResultType]::ParameterName, 'Also show when it was used: uses per day (per hour in JSON)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;revoke' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, recorded with the revocation [default for bulk: generated, e.g. "stale: unused since 2025-05-01"]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only tokens of this org')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Only personal tokens of this user')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only tokens of this kind: personal or org')
            [CompletionResult]::new('--stale', '--stale', [CompletionResultType]::ParameterName, 'Last used longer ago than DUR, or never used and created longer ago (e.g. 1y)')
            [CompletionResult]::new('--expiring', '--expiring', [CompletionResultType]::ParameterName, 'Expiring within DUR from now (e.g. 14d)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Holding this scope or a stronger one (repo:read also finds repo:write)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Names matching this glob: ''*'', ''?'', ''[abc]'' (quote it in the shell)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tokens with this status [default: active and deactivated]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: of the tokens a bulk --dry-run would revoke (a named one lists them on stderr), or of what a real run did (json, jsonl: one record per token)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--secret-stdin', '--secret-stdin', [CompletionResultType]::ParameterName, 'Revoke the token whose secret is read from stdin (one found in a log or a paste)')
            [CompletionResult]::new('--never-used', '--never-used', [CompletionResultType]::ParameterName, 'Never used')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include revoked and expired tokens (same as --status all)')
            [CompletionResult]::new('--expired', '--expired', [CompletionResultType]::ParameterName, 'Only expired tokens (bulk; same as --status expired)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be revoked, in list''s formats, and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (at a terminal a named or bulk revoke asks; outside one a bulk revoke needs this)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (at a terminal a named or bulk revoke asks; outside one a bulk revoke needs this)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;edit' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A new name, unique among the owner''s live tokens')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'A new description')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'A new expiry: earlier always; later (or never) only within the org''s policy')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A permission, resource:action with action read, write or admin, optionally narrowed: repo:read[api,web] (repeatable)')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'Narrow the nearest --scope before it on that resource to named resources, e.g. repo=api,web (repeatable; at most 50 names per scope)')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Look the name up in this org only')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--no-description', '--no-description', [CompletionResultType]::ParameterName, 'Remove the description')
            [CompletionResult]::new('--clamp-expiry', '--clamp-expiry', [CompletionResultType]::ParameterName, 'If a later expiry is beyond the org''s max lifetime, use the maximum instead of refusing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;deactivate' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only tokens of this org')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Only personal tokens of this user')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only tokens of this kind: personal or org')
            [CompletionResult]::new('--stale', '--stale', [CompletionResultType]::ParameterName, 'Last used longer ago than DUR, or never used and created longer ago (e.g. 1y)')
            [CompletionResult]::new('--expiring', '--expiring', [CompletionResultType]::ParameterName, 'Expiring within DUR from now (e.g. 14d)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Holding this scope or a stronger one (repo:read also finds repo:write)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Names matching this glob: ''*'', ''?'', ''[abc]'' (quote it in the shell)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tokens with this status [default: active and deactivated]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: of the tokens a --dry-run would change, or of what a real run did (json, jsonl)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, recorded with the deactivation and shown by ''tokctl show''')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--never-used', '--never-used', [CompletionResultType]::ParameterName, 'Never used')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include revoked and expired tokens (same as --status all)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, in list''s formats, and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (at a terminal a named or bulk run asks; outside one a bulk run needs this)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (at a terminal a named or bulk run asks; outside one a bulk run needs this)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;activate' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only tokens of this org')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'Only personal tokens of this user')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Only tokens of this kind: personal or org')
            [CompletionResult]::new('--stale', '--stale', [CompletionResultType]::ParameterName, 'Last used longer ago than DUR, or never used and created longer ago (e.g. 1y)')
            [CompletionResult]::new('--expiring', '--expiring', [CompletionResultType]::ParameterName, 'Expiring within DUR from now (e.g. 14d)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Holding this scope or a stronger one (repo:read also finds repo:write)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Names matching this glob: ''*'', ''?'', ''[abc]'' (quote it in the shell)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tokens with this status [default: active and deactivated]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: of the tokens a --dry-run would change, or of what a real run did (json, jsonl)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--never-used', '--never-used', [CompletionResultType]::ParameterName, 'Never used')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include revoked and expired tokens (same as --status all)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, in list''s formats, and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (at a terminal a named or bulk run asks; outside one a bulk run needs this)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (at a terminal a named or bulk run asks; outside one a bulk run needs this)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;rotate' {
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'A new expiry (needed to rotate an expired token) [default: keep the current one]')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'How long the old secret keeps working, so callers can switch over [default: it stops at once]')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Look the name up in this org only')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--clamp-expiry', '--clamp-expiry', [CompletionResultType]::ParameterName, 'If the expiry is beyond the org''s max lifetime, use the maximum instead of refusing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;check' {
            [CompletionResult]::new('--expiring', '--expiring', [CompletionResultType]::ParameterName, 'Report active tokens expiring within DUR')
            [CompletionResult]::new('--stale', '--stale', [CompletionResultType]::ParameterName, 'Report active tokens unused for longer than DUR (or never used and older)')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only this org')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;prune' {
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Prune tokens revoked or expired before this: a duration back from now (90d) or a date')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only this org (default: every org you administer)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: of the prunable tokens (--dry-run) or of the pruned ones (table, csv); json and jsonl of a real run give one record per token with its outcome')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be pruned, and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed outside a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed outside a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;audit' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only events of this org')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Only events about this token (id, also after it was pruned; or name)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Only events by this user')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'Only this action (token.revoke) or family (token)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only events since: a duration back from now (7d) or a time')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only events before: a duration back from now or a time')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: jsonl suits log pipelines and SIEMs, csv spreadsheets')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the hash chain; exits 9 at the first edited, deleted, inserted or reordered event')
            [CompletionResult]::new('head', 'head', [CompletionResultType]::ParameterValue, 'Print the newest event''s id and hash, to keep outside the store for ''audit verify --expect''')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove events older than a time, leaving a checkpoint so the rest still verifies (owners only)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;audit;verify' {
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Also require this event, recorded earlier with ''tokctl audit head'' (exit 9 when it is missing or differs)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;audit;head' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;audit;prune' {
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Remove events before this: a duration back from now (2y) or a date')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Say how many events would go, and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed outside a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed outside a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;audit;help' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the hash chain; exits 9 at the first edited, deleted, inserted or reordered event')
            [CompletionResult]::new('head', 'head', [CompletionResultType]::ParameterValue, 'Print the newest event''s id and hash, to keep outside the store for ''audit verify --expect''')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove events older than a time, leaving a checkpoint so the rest still verifies (owners only)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;audit;help;verify' {
            break
        }
        'tokctl;audit;help;head' {
            break
        }
        'tokctl;audit;help;prune' {
            break
        }
        'tokctl;audit;help;help' {
            break
        }
        'tokctl;report' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only this org (default: every org you administer)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;verify' {
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Require this scope (a token holding resource:write also satisfies resource:read)')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'With --scope: require the token to cover this named resource, e.g. repo=api')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Read one token per line from stdin and write one JSON result per line')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address and port to listen on; port 0 picks a free one. An address other than loopback needs --tls-cert and --tls-key, or --insecure-listen')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Serve HTTPS with this certificate chain (PEM, leaf first)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The private key of --tls-cert (PEM)')
            [CompletionResult]::new('--caller-scope', '--caller-scope', [CompletionResultType]::ParameterName, 'The scope a caller''s org token must hold')
            [CompletionResult]::new('--flush-interval', '--flush-interval', [CompletionResultType]::ParameterName, 'Write usage counts at most once per this many seconds, and at shutdown')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Serve at most this many connections at once; a few more are answered 429, further ones closed')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Worker threads, each verifying with its own store connection [default: one per CPU, at most 8]')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--insecure-listen', '--insecure-listen', [CompletionResultType]::ParameterName, 'Allow plain HTTP on an address other than loopback (behind a proxy that terminates TLS, or on a network trusted otherwise)')
            [CompletionResult]::new('--no-caller-auth', '--no-caller-auth', [CompletionResultType]::ParameterName, 'Answer anyone who can connect, without a caller token (loopback addresses only)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;inspect' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;secret' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Look the name up in this org only')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;org' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an org; you become its owner')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List orgs')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Show an org''s token policy, or change it (owner only)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;org;add' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;org;list' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;org;policy' {
            [CompletionResult]::new('--max-lifetime', '--max-lifetime', [CompletionResultType]::ParameterName, 'Longest a token may live from minting or rotation, e.g. 1y; ''none'' for no limit')
            [CompletionResult]::new('--member-tokens', '--member-tokens', [CompletionResultType]::ParameterName, 'Whether plain members may hold personal tokens: allow or deny')
            [CompletionResult]::new('--allowed-scopes', '--allowed-scopes', [CompletionResultType]::ParameterName, 'Scopes that may be granted: comma-separated patterns such as ''repo:*,issues:read,*:read''; ''*'' for any')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens the org may have (revoked and expired count until pruned); ''none'' for no quota')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--require-expiry', '--require-expiry', [CompletionResultType]::ParameterName, 'Every token must expire')
            [CompletionResult]::new('--no-require-expiry', '--no-require-expiry', [CompletionResultType]::ParameterName, 'Tokens may be minted with --expires never (unless a max lifetime forbids it)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;org;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an org; you become its owner')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List orgs')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Show an org''s token policy, or change it (owner only)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;org;help;add' {
            break
        }
        'tokctl;org;help;list' {
            break
        }
        'tokctl;org;help;policy' {
            break
        }
        'tokctl;org;help;help' {
            break
        }
        'tokctl;user' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register a user (needs admin in some org); add them to an org with ''tokctl member add''')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List users')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Offboard a user: revoke all their personal tokens in every org and remove their memberships')
            [CompletionResult]::new('offboard', 'offboard', [CompletionResultType]::ParameterValue, 'Offboard a user: revoke all their personal tokens in every org and remove their memberships')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;user;add' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;user;list' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;user;remove' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of what a real run did: json or jsonl, one record per token')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would happen, and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed outside a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed outside a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;user;offboard' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format of what a real run did: json or jsonl, one record per token')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would happen, and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed outside a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed outside a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;user;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register a user (needs admin in some org); add them to an org with ''tokctl member add''')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List users')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Offboard a user: revoke all their personal tokens in every org and remove their memberships')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;user;help;add' {
            break
        }
        'tokctl;user;help;list' {
            break
        }
        'tokctl;user;help;remove' {
            break
        }
        'tokctl;user;help;help' {
            break
        }
        'tokctl;member' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a user to an org, or change their role (owner only)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List memberships of an org, or of all your orgs')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a user from an org (owner only); revokes their personal tokens there')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;member;add' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The user')
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'owner, admin or member')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;member;list' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only this org')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;member;remove' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'The org')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The user')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;member;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a user to an org, or change their role (owner only)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List memberships of an org, or of all your orgs')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a user from an org (owner only); revokes their personal tokens there')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;member;help;add' {
            break
        }
        'tokctl;member;help;list' {
            break
        }
        'tokctl;member;help;remove' {
            break
        }
        'tokctl;member;help;help' {
            break
        }
        'tokctl;doctor' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;backup' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;team' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up the team store in this database, or upgrade it (database owner or superuser; idempotent)')
            [CompletionResult]::new('grant', 'grant', [CompletionResultType]::ParameterValue, 'Let a database login use tokctl here (or, with --verifier, only verify tokens)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Take a database login''s access to tokctl away (both group roles)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;team;init' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;team;grant' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--verifier', '--verifier', [CompletionResultType]::ParameterName, 'Only verify tokens (tokctl_verifier): no table is readable')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;team;revoke' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;team;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up the team store in this database, or upgrade it (database owner or superuser; idempotent)')
            [CompletionResult]::new('grant', 'grant', [CompletionResultType]::ParameterValue, 'Let a database login use tokctl here (or, with --verifier, only verify tokens)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Take a database login''s access to tokctl away (both group roles)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;team;help;init' {
            break
        }
        'tokctl;team;help;grant' {
            break
        }
        'tokctl;team;help;revoke' {
            break
        }
        'tokctl;team;help;help' {
            break
        }
        'tokctl;policy' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'List live tokens that break their org''s policy, with the rule each breaks; exits 23 if any')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;policy;check' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Only this org (default: every org you administer)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: of the findings, or with --revoke/--fix (not a dry run) of what was done')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('--revoke', '--revoke', [CompletionResultType]::ParameterName, 'Revoke the tokens found (the rule becomes the revocation reason)')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Cut every expiry the policy finds too late (or missing) down to the latest it allows')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'With --revoke or --fix: show what would change, and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'With --revoke or --fix: do not ask for confirmation (needed outside a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'With --revoke or --fix: do not ask for confirmation (needed outside a terminal)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;policy;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'List live tokens that break their org''s policy, with the rule each breaks; exits 23 if any')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;policy;help;check' {
            break
        }
        'tokctl;policy;help;help' {
            break
        }
        'tokctl;completions' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;config' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show each setting, its value and where it came from (flag, environment, config file, default)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;config;show' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show each setting, its value and where it came from (flag, environment, config file, default)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;config;help;show' {
            break
        }
        'tokctl;config;help;help' {
            break
        }
        'tokctl;man' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Where to write tokctl.1 and one page per subcommand')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The store file, or a team store''s postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file''s db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Act as this tokctl user [default: your login name]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use the OS keyring: auto (when reachable), required, or off')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors: no notes on stderr (warnings still show)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Show tables in full: cut no cell and drop no column to fit the terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokctl;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Mint a token; the secret is printed once, to stdout')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tokens (active ones of your orgs unless told otherwise)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one token by id or name')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke tokens by id or name, in bulk by filter, or by a leaked secret')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a token''s name, description or expiry, or narrow its scopes (same secret)')
            [CompletionResult]::new('deactivate', 'deactivate', [CompletionResultType]::ParameterValue, 'Turn tokens off for a while (verify refuses them) by id or name, or in bulk by filter')
            [CompletionResult]::new('activate', 'activate', [CompletionResultType]::ParameterValue, 'Turn deactivated tokens on again (not expired or revoked ones)')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Give a token a new secret; the old one can keep working for a grace period')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Find tokens expiring soon or gone stale; the exit code says what was found')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete the rows of tokens revoked or expired before a time (the audit trail stays)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Query and export the audit trail; verify its hash chain; prune old events')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Usage report per org: status, owners, last use, expiring, most used')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a token read from stdin or TOKCTL_TOKEN (never from an argument)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Answer verifications over HTTP (POST /v1/verify) until SIGTERM or SIGINT')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Say which token a found secret is (stdin or TOKCTL_TOKEN), without using it')
            [CompletionResult]::new('secret', 'secret', [CompletionResultType]::ParameterValue, 'Print a token''s secret from the OS keyring, and nothing else')
            [CompletionResult]::new('org', 'org', [CompletionResultType]::ParameterValue, 'Manage orgs and their token policy')
            [CompletionResult]::new('user', 'user', [CompletionResultType]::ParameterValue, 'Manage users; offboard a leaver')
            [CompletionResult]::new('member', 'member', [CompletionResultType]::ParameterValue, 'Manage org memberships and roles')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the store (integrity, audit chain, consistency) and the keyring')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Write a consistent copy of the store while others keep using it (its file''s owner)')
            [CompletionResult]::new('team', 'team', [CompletionResultType]::ParameterValue, 'Set up a team store on PostgreSQL and give database logins access (database owner)')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Find live tokens that break their org''s current policy; optionally revoke them')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script: bash, zsh, fish, powershell or elvish')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the settings in force and where each came from (flag, env, config file, default)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages (for packagers)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;help;create' {
            break
        }
        'tokctl;help;list' {
            break
        }
        'tokctl;help;show' {
            break
        }
        'tokctl;help;revoke' {
            break
        }
        'tokctl;help;edit' {
            break
        }
        'tokctl;help;deactivate' {
            break
        }
        'tokctl;help;activate' {
            break
        }
        'tokctl;help;rotate' {
            break
        }
        'tokctl;help;check' {
            break
        }
        'tokctl;help;prune' {
            break
        }
        'tokctl;help;audit' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the hash chain; exits 9 at the first edited, deleted, inserted or reordered event')
            [CompletionResult]::new('head', 'head', [CompletionResultType]::ParameterValue, 'Print the newest event''s id and hash, to keep outside the store for ''audit verify --expect''')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove events older than a time, leaving a checkpoint so the rest still verifies (owners only)')
            break
        }
        'tokctl;help;audit;verify' {
            break
        }
        'tokctl;help;audit;head' {
            break
        }
        'tokctl;help;audit;prune' {
            break
        }
        'tokctl;help;report' {
            break
        }
        'tokctl;help;verify' {
            break
        }
        'tokctl;help;serve' {
            break
        }
        'tokctl;help;inspect' {
            break
        }
        'tokctl;help;secret' {
            break
        }
        'tokctl;help;org' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add an org; you become its owner')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List orgs')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'Show an org''s token policy, or change it (owner only)')
            break
        }
        'tokctl;help;org;add' {
            break
        }
        'tokctl;help;org;list' {
            break
        }
        'tokctl;help;org;policy' {
            break
        }
        'tokctl;help;user' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register a user (needs admin in some org); add them to an org with ''tokctl member add''')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List users')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Offboard a user: revoke all their personal tokens in every org and remove their memberships')
            break
        }
        'tokctl;help;user;add' {
            break
        }
        'tokctl;help;user;list' {
            break
        }
        'tokctl;help;user;remove' {
            break
        }
        'tokctl;help;member' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a user to an org, or change their role (owner only)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List memberships of an org, or of all your orgs')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a user from an org (owner only); revokes their personal tokens there')
            break
        }
        'tokctl;help;member;add' {
            break
        }
        'tokctl;help;member;list' {
            break
        }
        'tokctl;help;member;remove' {
            break
        }
        'tokctl;help;doctor' {
            break
        }
        'tokctl;help;backup' {
            break
        }
        'tokctl;help;team' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up the team store in this database, or upgrade it (database owner or superuser; idempotent)')
            [CompletionResult]::new('grant', 'grant', [CompletionResultType]::ParameterValue, 'Let a database login use tokctl here (or, with --verifier, only verify tokens)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Take a database login''s access to tokctl away (both group roles)')
            break
        }
        'tokctl;help;team;init' {
            break
        }
        'tokctl;help;team;grant' {
            break
        }
        'tokctl;help;team;revoke' {
            break
        }
        'tokctl;help;policy' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'List live tokens that break their org''s policy, with the rule each breaks; exits 23 if any')
            break
        }
        'tokctl;help;policy;check' {
            break
        }
        'tokctl;help;completions' {
            break
        }
        'tokctl;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show each setting, its value and where it came from (flag, environment, config file, default)')
            break
        }
        'tokctl;help;config;show' {
            break
        }
        'tokctl;help;man' {
            break
        }
        'tokctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
