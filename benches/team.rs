//! The team store at 100k and 1M tokens, on a throwaway PostgreSQL cluster
//! `scripts/bench --team` starts (`TOKCTL_BENCH_PG`, as `TOKCTL_TEST_PG`):
//! seeding through the bulk path, library verify as a verifier login against
//! the limit measured in the same run on the same server (one prepared
//! primary-key SELECT of the digest plus SHA-256, over one connection),
//! `list --stale 1y` through the binary, and bytes per token. Prints one
//! table.
//!
//! `cargo bench --bench team` (100k, 1M), `-- --sizes 100k`, or `-- --smoke`
//! (a small store: CI keeps it working). Without `TOKCTL_BENCH_PG` it says
//! so and exits 0 (1 when CI=true). Measurements, not tests.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    parse_sizes, percentile, print_table, ratio, session, tokctl_bin, verdict, Figure, Spread,
};
use tokctl::clock::SystemClock;
use tokctl::model::{Role, TokenId, TokenKind};
use tokctl::ops::Session;
use tokctl::scope::ScopeSet;
use tokctl::secret::Generator;
use tokctl::store::{
    MembershipRecord, OrgRecord, RecordBatch, ServerAddress, Store, StoreTarget, TeamAdmin,
    TeamRole, TokenRecord, UserRecord,
};

const ORGS: i64 = 100;
const USERS: i64 = 5_000;
const BATCH: usize = 20_000;
/// The owner of every org: the login `scripts/pg-cluster` made as olive.
const OWNER: &str = "olive";
/// The verifier login.
const VERIFIER: &str = "vera";
/// Rounds of interleaved verification; each figure is their median.
const ROUNDS: usize = 3;

/// The throwaway cluster: where it listens and the logins' passwords.
struct Cluster {
    host: String,
    port: u16,
    passfile: PathBuf,
    superuser: String,
}

impl Cluster {
    fn from_env() -> Option<Cluster> {
        let text = std::env::var("TOKCTL_BENCH_PG").ok()?;
        let field = |name: &str| common::pg::field(&text, name);
        Some(Cluster {
            host: field("host")?,
            port: field("port")?.parse().ok()?,
            passfile: PathBuf::from(field("passfile")?),
            superuser: field("superuser")?,
        })
    }

    fn password(&self, user: &str) -> String {
        common::pg::password(&self.passfile, user)
    }

    fn url(&self, user: &str, db: &str) -> String {
        format!(
            "postgres://{user}@{}:{}/{db}?sslmode=disable",
            self.host, self.port
        )
    }

    fn address(&self, user: &str, db: &str) -> ServerAddress {
        match StoreTarget::parse(std::ffi::OsStr::new(&self.url(user, db))) {
            Ok(StoreTarget::Server(address)) => address,
            _ => panic!("not a team store URL"),
        }
    }

    fn client(&self, user: &str, db: &str) -> postgres::Client {
        postgres::Config::new()
            .host(&self.host)
            .port(self.port)
            .user(user)
            .password(self.password(user))
            .dbname(db)
            .connect(postgres::NoTls)
            .expect("connect")
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let smoke = args.iter().any(|arg| arg == "--smoke");
    let Some(cluster) = Cluster::from_env() else {
        eprintln!(
            "note: TOKCTL_BENCH_PG unset: skipping the team-store benchmark (scripts/bench --team starts a cluster)"
        );
        let ci = std::env::var("CI").is_ok_and(|value| value == "true");
        std::process::exit(if ci { 1 } else { 0 });
    };
    let sizes: Vec<usize> = if smoke {
        vec![2_000]
    } else {
        parse_sizes(&args, "100k,1m")
    };
    let samples = if smoke { 500 } else { 20_000 };
    let mut figures = Vec::new();
    for size in sizes {
        run_size(&cluster, size, samples, &mut figures);
    }
    print_table("team store", &figures);
}

fn run_size(cluster: &Cluster, size: usize, samples: usize, figures: &mut Vec<Figure>) {
    let mut add = |what: &str, value: String, target: &str, verdict: String| {
        figures.push(Figure {
            size,
            what: what.to_owned(),
            value,
            target: target.to_owned(),
            verdict,
        })
    };
    let db = format!("tokctl_bench_{size}");
    let mut admin = cluster.client(&cluster.superuser, "postgres");
    for statement in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        admin.batch_execute(&statement).expect("create database");
    }
    {
        let superuser = cluster.password(&cluster.superuser);
        let mut team =
            TeamAdmin::connect(&cluster.address(&cluster.superuser, &db), Some(&superuser))
                .expect("team admin");
        team.init().expect("team init");
        team.grant(OWNER, TeamRole::User).expect("grant");
        team.grant(VERIFIER, TeamRole::Verifier)
            .expect("grant verifier");
    }

    eprintln!("seeding {size} tokens into the team store…");
    let (seconds, secrets) = seed(cluster, &db, size);
    let rate = size as f64 / seconds;
    add(
        "seed through the bulk path (COPY), tokens/s",
        format!("{rate:.0} tokens/s ({seconds:.1} s)"),
        "≥ 20,000/s",
        verdict(rate >= 20_000.0),
    );

    let samples = &secrets[..samples.min(secrets.len())];
    let rounds = interleaved_latencies(cluster, &db, samples);
    let stat = |pick: fn(&(Vec<Duration>, Vec<Duration>)) -> f64| {
        Spread::of(rounds.iter().map(pick).collect())
    };
    let limit_median = stat(|(limit, _)| percentile(limit, 50.0).as_secs_f64());
    let limit_p99 = stat(|(limit, _)| percentile(limit, 99.0).as_secs_f64());
    let lib_median = stat(|(_, lib)| percentile(lib, 50.0).as_secs_f64());
    let lib_p99 = stat(|(_, lib)| percentile(lib, 99.0).as_secs_f64());
    // Ratios within each round, so a slow round moves both sides.
    let median_ratio = stat(|(limit, lib)| ratio(percentile(lib, 50.0), percentile(limit, 50.0)));
    // As the local benchmark does: p99 against the limit's median.
    let p99_ratio = stat(|(limit, lib)| ratio(percentile(lib, 99.0), percentile(limit, 50.0)));
    add(
        "limit: prepared SELECT by id + SHA-256, one connection (median / p99)",
        format!("{} / {}", limit_median.micros(), limit_p99.micros()),
        "-",
        "reference".into(),
    );
    add(
        "library verify as the verifier login (median)",
        format!("{} ({})", lib_median.micros(), median_ratio.times()),
        "≤ 1.3x limit",
        verdict(median_ratio.median <= 1.3),
    );
    add(
        "library verify as the verifier login (p99)",
        format!("{} ({})", lib_p99.micros(), p99_ratio.times()),
        "≤ 3x limit",
        verdict(p99_ratio.median <= 3.0),
    );

    let (seconds, rows) = list_stale(cluster, &db);
    add(
        &format!("tokctl list --stale 1y --format json ({rows} rows), as the owner"),
        format!("{seconds:.2} s"),
        "< 1.5 s",
        verdict(seconds < 1.5),
    );

    let bytes: i64 = admin
        .query_one(&format!("SELECT pg_database_size('{db}')"), &[])
        .expect("size")
        .get(0);
    add(
        "database size per token (tables, indexes, catalog)",
        format!(
            "{:.0} B/token ({:.1} MiB)",
            bytes as f64 / size as f64,
            bytes as f64 / 1_048_576.0
        ),
        "-",
        "reported".into(),
    );
    admin
        .batch_execute(&format!("DROP DATABASE {db}"))
        .expect("drop database");
}

/// Loads `size` tokens over 100 orgs and 5,000 users (olive owns every
/// org) in batches of 20,000 through `Store::load`; returns the seconds the
/// load took (records made up beforehand) and the secrets of the tokens on
/// `repo`, shuffled.
fn seed(cluster: &Cluster, db: &str, size: usize) -> (f64, Vec<String>) {
    let now = chrono::Utc::now();
    let generator = Generator::default();
    let mut head = RecordBatch::default();
    for org in 1..=ORGS {
        head.orgs.push(OrgRecord {
            key: org,
            name: format!("org-{org:03}"),
            created_at: now,
        });
    }
    for user in 1..=USERS {
        head.users.push(UserRecord {
            key: user,
            name: if user == 1 {
                OWNER.to_owned()
            } else {
                format!("user{user:04}")
            },
            created_at: now,
            display_name: None,
            email: None,
            kind: "person".into(),
            removed_at: None,
        });
    }
    for org in 1..=ORGS {
        head.memberships.push(MembershipRecord {
            org,
            user: 1,
            role: Role::Owner,
            created_at: now,
        });
    }
    for user in 2..=USERS {
        head.memberships.push(MembershipRecord {
            org: (user % ORGS) + 1,
            user,
            role: Role::Member,
            created_at: now,
        });
    }
    let mut batches = vec![head];
    let mut secrets = Vec::new();
    let scopes = [
        "repo:read",
        "issues:read",
        "packages:write",
        "pulls:read repo:read",
    ];
    for index in 0..size {
        if batches
            .last()
            .is_none_or(|batch| batch.tokens.len() >= BATCH)
        {
            batches.push(RecordBatch::default());
        }
        let key = index as i64 + 1;
        let user = (index as i64 % USERS) + 1;
        let org_token = index % 10 == 3;
        let kind = if org_token {
            TokenKind::Org
        } else {
            TokenKind::Personal
        };
        let minted = generator
            .mint(kind, TokenId::from_key(key).expect("id"))
            .expect("mint");
        // Created over three years; about one in ten unused for over a year.
        let created_at = now - chrono::Duration::days(30 + (index as i64 * 7) % 1_000);
        let last_used_at =
            (index % 10 != 0).then(|| now - chrono::Duration::days((index as i64 * 13) % 300));
        if index % 4 == 0 && !org_token {
            secrets.push(minted.secret.expose().to_owned());
        }
        let batch = batches.last_mut().expect("a batch");
        batch.tokens.push(TokenRecord {
            id: minted.id,
            kind,
            org: (user % ORGS) + 1,
            owner: (!org_token).then_some(user),
            name: format!("token-{index:07}"),
            description: (index % 2 == 0).then(|| format!("ci for team {}", user % 37)),
            scopes: ScopeSet::parse_stored(if index % 4 == 0 {
                "repo:read"
            } else {
                scopes[index % 4]
            })
            .expect("scopes"),
            secret_hash: minted.hash,
            created_at,
            created_by: 1,
            expires_at: Some(now + chrono::Duration::days(3_650)),
            last_used_at,
            use_count: u64::from(last_used_at.is_some()),
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
            issued_at: created_at,
            deactivated_at: None,
            deactivated_by: None,
            deactivate_reason: None,
        });
    }
    let superuser = cluster.password(&cluster.superuser);
    let mut store = Store::connect(&cluster.address(&cluster.superuser, db), Some(&superuser))
        .expect("connect")
        .store;
    let began = Instant::now();
    common::load_batches(&mut store, &batches, size as i64 + 1);
    let seconds = began.elapsed().as_secs_f64();
    common::shuffle(&mut secrets);
    (seconds, secrets)
}

/// Library verify and its limit in `ROUNDS` rounds, the two alternating
/// sample by sample (which goes first alternates too), so both see the same
/// machine: each round's latencies, sorted, limit then library.
fn interleaved_latencies(
    cluster: &Cluster,
    db: &str,
    samples: &[String],
) -> Vec<(Vec<Duration>, Vec<Duration>)> {
    let mut limit = Limit::connect(cluster, db);
    let mut library = Library::connect(cluster, db);
    let rounds = (0..ROUNDS)
        .map(|_| {
            let mut limit_times = Vec::with_capacity(samples.len());
            let mut library_times = Vec::with_capacity(samples.len());
            for (i, sample) in samples.iter().enumerate() {
                if i % 2 == 0 {
                    limit_times.push(limit.check(sample));
                    library_times.push(library.verify(sample));
                } else {
                    library_times.push(library.verify(sample));
                    limit_times.push(limit.check(sample));
                }
            }
            limit_times.sort();
            library_times.sort();
            (limit_times, library_times)
        })
        .collect();
    library.session.flush_usage().expect("flush");
    rounds
}

/// The limit: one prepared primary-key SELECT of the digest and SHA-256 of
/// the presented secret, as the owner of the tables (no row-level
/// security), over one connection.
struct Limit {
    client: postgres::Client,
    statement: postgres::Statement,
}

impl Limit {
    fn connect(cluster: &Cluster, db: &str) -> Limit {
        let mut client = cluster.client(&cluster.superuser, db);
        let statement = client
            .prepare("SELECT secret_hash FROM tokctl.tokens WHERE id = $1")
            .expect("prepare");
        Limit { client, statement }
    }

    fn check(&mut self, sample: &str) -> Duration {
        use subtle::ConstantTimeEq;
        let began = Instant::now();
        let (key, body) = common::limit_decode(sample);
        let row = self
            .client
            .query_one(&self.statement, &[&key])
            .expect("row");
        let stored: &[u8] = row.get(0);
        let digest = ring::digest::digest(&ring::digest::SHA256, &body[..32]);
        std::hint::black_box(bool::from(stored.ct_eq(digest.as_ref())));
        began.elapsed()
    }
}

/// `Session::verify` as the verifier login, usage held and written once at
/// the end.
struct Library {
    session: Session,
    scope: tokctl::scope::Scope,
}

impl Library {
    fn connect(cluster: &Cluster, db: &str) -> Library {
        let password = cluster.password(VERIFIER);
        let store = Store::connect(&cluster.address(VERIFIER, db), Some(&password))
            .expect("connect")
            .store;
        let actor = store.server_user().unwrap_or_default().to_owned();
        let mut session = session(store, Arc::new(SystemClock), actor);
        session.hold_usage();
        let scope = "repo:read".parse().expect("scope");
        Library { session, scope }
    }

    fn verify(&mut self, sample: &str) -> Duration {
        let began = Instant::now();
        let verdict = self
            .session
            .verify(sample, Some(&self.scope))
            .expect("verify");
        std::hint::black_box(&verdict);
        let took = began.elapsed();
        assert!(verdict.is_valid(), "a seeded token verifies");
        took
    }
}

/// Seconds and rows of `tokctl list --stale 1y --format json` as the owner.
fn list_stale(cluster: &Cluster, db: &str) -> (f64, usize) {
    let began = Instant::now();
    let out = Command::new(tokctl_bin())
        .args(["list", "--stale", "1y", "--all", "--format", "json"])
        .env_clear()
        .env("TOKCTL_DB", cluster.url(OWNER, db))
        .env("PGPASSFILE", &cluster.passfile)
        .env("TOKCTL_KEYRING", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run tokctl");
    let seconds = began.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "list: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|line| line.starts_with(b"  {"))
        .count();
    (seconds, rows)
}
