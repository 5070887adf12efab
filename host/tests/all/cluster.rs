//! Several `wrk-zoom serve` replicas on one PostgreSQL store: one renewal
//! across all of them (even with a replica killed or stalled mid-renewal),
//! one shared per-second rate (slots of dropped waits given back), shared
//! daily-limit knowledge, logouts reaching every replica, and the store
//! itself (secrets encrypted at rest, migrations, a wrong key, no pooled
//! connection left in a transaction).
//!
//! They need PostgreSQL's server binaries (see `pg.rs`), so they are
//! ignored by a plain `cargo test`; `.ci/run` runs them with
//! `cargo test --tests -- --ignored cluster::`.

use crate::pg::Postgres;
use serde_json::{Value, json};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use wrk_zoom::auth::{Connections, StoredBases, StoredConnection, TokenStore};
use wrk_zoom::clock::now_secs;
use wrk_zoom::model::RateCategory;
use wrk_zoom::postgres::{Keys, Postgres as PgStore, PostgresConfig};
use wrk_zoom::rate_limit::{Plan, Table, published_rate};
use zoom_simulator::faults::{Fault, FaultRule, RateLabel};
use zoom_simulator::{RunningSimulator, SimConfig, seed};

const BIN: &str = env!("CARGO_BIN_EXE_wrk-zoom");
/// The API key of the tests' replicas.
const API_KEY: &str = "test-key-0123456789";
/// The store key of the tests' replicas (32 bytes, base64).
// 32 random bytes (a key that decodes to text is refused as weak).
const STORE_KEY: &str = "CL1zTPiywy2OGgDX73SpBRe9XXPJBaJ+4FkQYH5mWT8=";

/// One `wrk-zoom serve` process, killed when dropped.
pub(crate) struct Replica {
    pub(crate) child: tokio::process::Child,
    pub(crate) base: String,
}

/// PostgreSQL, the simulator and a temporary home for the CLI.
pub(crate) struct Cluster {
    pg: Postgres,
    pub(crate) sim: RunningSimulator,
    temp: tempfile::TempDir,
}

impl Cluster {
    pub(crate) async fn start(config: SimConfig) -> Cluster {
        // On this thread: the server lives as long as the thread that
        // started it (see pg.rs).
        let pg = Postgres::start();
        let sim = zoom_simulator::start(config)
            .await
            .expect("simulator starts");
        Cluster {
            pg,
            sim,
            temp: crate::temp_dir("wrk-zoom-cluster-"),
        }
    }

    pub(crate) fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(BIN);
        command
            .args(args)
            .env("WRK_ZOOM_DATABASE_URL", self.pg.url())
            .env("WRK_ZOOM_STORE_KEY", STORE_KEY)
            .env("WRK_ZOOM_HOME", self.temp.path())
            .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
            .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file())
            .env("WRK_ZOOM_API_KEY", API_KEY)
            .env("ZOOM_CLIENT_ID", seed::CLIENT_ID)
            .env("ZOOM_CLIENT_SECRET", seed::CLIENT_SECRET)
            .env("ZOOM_OAUTH_BASE", self.sim.origin())
            // Stored connections may send their secrets to the simulator.
            .env("WRK_ZOOM_ALLOW_BASE", self.sim.origin())
            // Absorbs scheduling jitter between the replicas and the
            // simulator's clock on a loaded 2-core machine.
            .env("WRK_ZOOM_PACING_MARGIN_MS", "200")
            .env_remove("ZOOM_ACCESS_TOKEN")
            .env_remove("ZOOM_API_BASE")
            // Only what goes wrong, on the test's stderr.
            .env("WRK_ZOOM_LOG", "error")
            .env_remove("WRK_ZOOM_PACING")
            .env_remove("WRK_ZOOM_PLAN")
            .env_remove("BROWSER")
            .env_remove("DISPLAY")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// `wrk-zoom auth login` on the shared store, approved in place of a
    /// browser: the connection `user`.
    async fn login(&self) {
        let command = self.command(&["auth", "login", "--no-browser", "--timeout", "30"]);
        let out = crate::login_in_place_of_a_browser(command, &self.sim.origin(), false).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "login failed:\n{stderr}");
    }

    /// Starts `n` replicas on the shared store; `stall` holds the first
    /// one's renewals (its lock taken, nothing sent) for that long, or
    /// until the renewal's time limit (`RENEWAL_TIME_LIMIT`, 20 s) ends it.
    async fn replicas(&self, n: usize, stall: Option<Duration>) -> Vec<Replica> {
        self.replicas_with(n, stall, &[]).await
    }

    /// [`Cluster::replicas`] with more arguments for `serve`.
    pub(crate) async fn replicas_with(
        &self,
        n: usize,
        stall: Option<Duration>,
        extra: &[&str],
    ) -> Vec<Replica> {
        self.spawn_replicas(n, stall, extra, &[]).await
    }

    /// [`Cluster::replicas_with`] with more environment for `serve`.
    pub(crate) async fn replicas_with_env(
        &self,
        n: usize,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Vec<Replica> {
        self.spawn_replicas(n, None, extra, env).await
    }

    async fn spawn_replicas(
        &self,
        n: usize,
        stall: Option<Duration>,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Vec<Replica> {
        let mut replicas = Vec::new();
        for i in 0..n {
            let base = self.sim.base_url();
            let mut args = vec!["serve", "--port", "0", "--allow-api-base", &base];
            args.extend_from_slice(extra);
            let mut command = self.command(&args);
            command.envs(env.iter().copied());
            if let (0, Some(stall)) = (i, stall) {
                command.env(
                    "WRK_ZOOM_TEST_STALL_RENEWAL_MS",
                    stall.as_millis().to_string(),
                );
            }
            let mut child = command
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start wrk-zoom serve");
            let mut line = String::new();
            tokio::io::BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .await
                .unwrap();
            assert!(line.starts_with("http://"), "serve printed {line:?}");
            replicas.push(Replica {
                child,
                base: line.trim().to_string(),
            });
        }
        replicas
    }

    /// The store as a library user opens it (same URL, same key, the
    /// simulator allowed).
    async fn store(&self) -> PgStore {
        PgStore::connect(PostgresConfig::new(
            self.pg.url(),
            Keys::new(STORE_KEY, &[]).unwrap(),
        ))
        .await
        .expect("the store opens")
        .with_stored_bases(StoredBases::parse(&self.sim.origin()).unwrap())
    }

    async fn stored_user(&self) -> StoredConnection {
        self.store().await.get("user").await.unwrap().unwrap()
    }

    /// Expires connection `user`'s token for real: at the simulator (it
    /// answers 401 to it) and in the store (every replica renews first).
    async fn expire_token(&self) {
        let connections = Connections::new(Arc::new(self.store().await));
        let mut user = self.stored_user().await;
        assert!(self.sim.expire_access_token(user.access_token.expose()));
        user.expires_at = now_secs() - 1;
        connections.save("user", user, false).await.unwrap();
    }

    fn refreshes(&self) -> usize {
        self.sim
            .requests()
            .iter()
            .filter(|r| r.raw_path == "/oauth/token" && r.body.contains("grant_type=refresh_token"))
            .count()
    }

    fn api_requests(&self, path: &str) -> usize {
        self.sim
            .requests()
            .iter()
            .filter(|r| r.raw_path == path)
            .count()
    }
}

/// A database session of the operator's, to look at what the store wrote
/// (its tables' names need no schema).
async fn operator(pg: &Postgres) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(pg.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute("SET search_path = wrk_zoom, public")
        .await
        .unwrap();
    client
}

/// `POST /v1/actions/{action}` with `body`; the status and the JSON answer.
async fn call(base: &str, action: &str, body: &Value) -> (u16, Value) {
    exchange(
        base,
        "POST",
        &format!("/v1/actions/{action}"),
        &body.to_string(),
    )
    .await
}

/// One request with the API key; the status and the JSON answer.
pub(crate) async fn exchange(base: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
    let addr = base.trim_start_matches("http://");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {API_KEY}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let text = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let value = serde_json::from_str(text).unwrap_or(Value::String(text.to_string()));
    (status, value)
}

/// `n` calls of `retrieve-user` on connection `user`, spread round-robin
/// over `bases`, at most `at_once` in flight.
async fn calls_over(bases: &[String], n: usize, at_once: usize) -> Vec<(u16, Value)> {
    calls_with(bases, n, at_once, json!({"connection": "user"})).await
}

/// [`calls_over`] with `body` as each call's request.
async fn calls_with(bases: &[String], n: usize, at_once: usize, body: Value) -> Vec<(u16, Value)> {
    let gate = Arc::new(tokio::sync::Semaphore::new(at_once));
    let mut tasks = Vec::new();
    for i in 0..n {
        let (base, body) = (bases[i % bases.len()].clone(), body.clone());
        let gate = gate.clone();
        tasks.push(tokio::spawn(async move {
            let _turn = gate.acquire_owned().await.unwrap();
            call(&base, "retrieve-user", &body).await
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// Every replica has compiled `retrieve-user` (with a bare token, so the
/// stored connection is untouched).
async fn warm_up(cluster: &Cluster, replicas: &[Replica]) {
    for replica in replicas {
        let (status, answer) = call(
            &replica.base,
            "retrieve-user",
            &json!({"token": "warm-up", "api_base": cluster.sim.base_url()}),
        )
        .await;
        // The made-up token is refused by the simulator, after compiling.
        assert_eq!(answer["error"], "zoom", "{status} {answer}");
    }
}

fn assert_all_ok(answers: &[(u16, Value)]) {
    for (status, answer) in answers {
        assert_eq!(*status, 200, "{answer}");
        assert_eq!(answer["body"]["id"], seed::USER_ID, "{answer}");
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn sixty_calls_over_three_replicas_across_a_token_expiry_renew_it_once() {
    let cluster = Cluster::start(SimConfig::default()).await;
    let replicas = cluster.replicas(3, None).await;
    warm_up(&cluster, &replicas).await;
    cluster.login().await;
    cluster.expire_token().await;
    let before = cluster.stored_user().await;

    let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
    let answers = calls_over(&bases, 60, 60).await;

    assert_all_ok(&answers);
    assert_eq!(cluster.refreshes(), 1, "one renewal across three replicas");
    let after = cluster.stored_user().await;
    assert_eq!(after.renewals, before.renewals + 1);
    assert_eq!(after.needs_login, None, "no invalid_grant");
    assert_ne!(
        after.refresh_token, before.refresh_token,
        "rotated and kept"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn a_replica_killed_mid_renewal_loses_nothing() {
    let cluster = Cluster::start(SimConfig::default()).await;
    // The first replica stalls in its renewal, holding the row lock.
    let mut replicas = cluster.replicas(3, Some(Duration::from_secs(120))).await;
    warm_up(&cluster, &replicas).await;
    cluster.login().await;
    cluster.expire_token().await;

    let victim = replicas[0].base.clone();
    let stalled = tokio::spawn(async move {
        call(&victim, "retrieve-user", &json!({"connection": "user"})).await
    });
    // Wait (bounded) until the victim holds the connection's row lock.
    let admin = cluster.store().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !admin_sees_a_held_row_lock(&cluster).await {
        assert!(
            Instant::now() < deadline,
            "the first replica never took the lock"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    replicas[0].child.kill().await.unwrap();
    assert!(
        stalled.await.is_err() || cluster.refreshes() == 0,
        "the killed replica answered"
    );

    // The other replicas take over: PostgreSQL rolled the dead session's
    // transaction back and freed its lock.
    let bases: Vec<String> = replicas[1..].iter().map(|r| r.base.clone()).collect();
    let answers = calls_over(&bases, 60, 60).await;
    assert_all_ok(&answers);
    assert_eq!(cluster.refreshes(), 1, "the killed replica sent nothing");
    assert_eq!(admin.get("user").await.unwrap().unwrap().needs_login, None);

    // A new replica in the dead one's place works at once.
    let fresh = cluster.replicas(1, None).await;
    let answers = calls_over(&[fresh[0].base.clone()], 1, 1).await;
    assert_all_ok(&answers);
}

/// Whether some session sits inside a transaction after locking a
/// connection's row (a renewal in progress).
async fn admin_sees_a_held_row_lock(cluster: &Cluster) -> bool {
    let client = operator(&cluster.pg).await;
    let row = client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity
             WHERE state = 'idle in transaction' AND query LIKE '%FOR UPDATE%'",
            &[],
        )
        .await
        .unwrap();
    row.get::<_, i64>(0) > 0
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn three_hundred_calls_over_three_replicas_keep_to_one_per_second_rate() {
    let rate = published_rate(Plan::Pro, Table::Main, RateCategory::Light).requests;
    let cluster = Cluster::start(SimConfig {
        per_second_limits: vec![(RateLabel::Light, rate)],
        ..SimConfig::default()
    })
    .await;
    let replicas = cluster.replicas(3, None).await;
    warm_up(&cluster, &replicas).await;
    cluster.login().await;
    let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();

    let answers = calls_over(&bases, 300, 90).await;

    assert_all_ok(&answers);
    assert_eq!(
        cluster.sim.throttled_count(),
        0,
        "the simulator never had to 429"
    );
    let peak = cluster.sim.peak_per_second(RateLabel::Light);
    assert!(
        peak <= rate,
        "{peak} requests within one second (limit {rate})"
    );
    // The calls, the warm-up's, and the login's look-up of its account.
    assert_eq!(
        cluster.api_requests("/v2/users/me"),
        300 + 3 + 1,
        "no retries"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn without_a_shared_store_the_same_three_replicas_go_over_the_rate() {
    // The control for the test above: each replica paces itself alone
    // (a file store shares no rate limits), so together they go over it
    // and the simulator answers 429s (retried, some calls until their
    // tries run out).
    let rate = published_rate(Plan::Pro, Table::Main, RateCategory::Light).requests;
    let cluster = Cluster::start(SimConfig {
        per_second_limits: vec![(RateLabel::Light, rate)],
        ..SimConfig::default()
    })
    .await;
    cluster.login().await;
    let token = cluster.stored_user().await.access_token;
    let files = cluster.temp.path().join("files");
    let replicas = cluster
        .replicas_with(3, None, &["--store", files.to_str().unwrap()])
        .await;
    let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
    let body = json!({"token": token.expose(), "api_base": cluster.sim.base_url()});

    let answers = calls_with(&bases, 300, 90, body).await;

    for (status, answer) in &answers {
        let refused = answer["status"] == 429;
        assert!(*status == 200 || refused, "{status} {answer}");
    }
    assert!(
        cluster.sim.throttled_count() > 0,
        "three replicas pacing alone never went over {rate} a second"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn a_daily_limit_one_replica_hits_makes_the_others_fail_without_asking_zoom() {
    let cluster = Cluster::start(SimConfig::default()).await;
    let replicas = cluster.replicas(3, None).await;
    warm_up(&cluster, &replicas).await;
    cluster.login().await;
    cluster
        .sim
        .inject_fault(FaultRule::new(Fault::RateLimitDaily).path_prefix("/v2/users/me"));

    let (status, first) = call(
        &replicas[0].base,
        "retrieve-user",
        &json!({"connection": "user"}),
    )
    .await;
    assert_eq!(status, 502, "{first}");
    assert_eq!(first["error"], "daily-limit", "{first}");
    let seen = cluster.api_requests("/v2/users/me");

    for replica in &replicas[1..] {
        let (status, answer) = call(
            &replica.base,
            "retrieve-user",
            &json!({"connection": "user"}),
        )
        .await;
        assert_eq!(status, 502, "{answer}");
        assert_eq!(answer["error"], "daily-limit", "{answer}");
        assert_eq!(answer["resets_at"], first["resets_at"], "{answer}");
    }
    assert_eq!(
        cluster.api_requests("/v2/users/me"),
        seen,
        "the other replicas did not ask Zoom"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn secrets_are_encrypted_at_rest_and_a_wrong_key_says_so() {
    let cluster = Cluster::start(SimConfig::default()).await;
    cluster.login().await;
    let user = cluster.stored_user().await;
    let refresh = user.refresh_token.clone().unwrap();

    // `run` without --connection finds the default connection there.
    let out = cluster
        .command(&["run", "retrieve-user"])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()["id"],
        seed::USER_ID
    );

    // `doctor` says the database answers and the key opens its secrets.
    let base = cluster.sim.base_url();
    let out = cluster
        .command(&["doctor", "--api-base", &base])
        .output()
        .await
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("answers and its secrets open with WRK_ZOOM_STORE_KEY")
            && report.contains("'user' (user) is usable"),
        "{report}"
    );

    // What the database holds: no secret in plain text anywhere.
    let client = operator(&cluster.pg).await;
    let row = client
        .query_one(
            "SELECT public::text, sealed FROM wrk_zoom_connections WHERE name = 'user'",
            &[],
        )
        .await
        .unwrap();
    let public: String = row.get(0);
    let sealed: Vec<u8> = row.get(1);
    for secret in [
        refresh.expose(),
        user.access_token.expose(),
        seed::CLIENT_SECRET,
    ] {
        assert!(!public.contains(secret), "a secret in the public columns");
        assert!(
            !sealed.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "a secret in plain text"
        );
    }
    assert!(public.contains(seed::CLIENT_ID), "{public}");

    // Another key: the CLI says which variable to fix.
    let out = cluster
        .command(&["auth", "status"])
        .env(
            "WRK_ZOOM_STORE_KEY",
            "UiA+W+KiCnfHbQYzpTM/nFVmhmyJvj6TIZj+WzuWPq0=",
        )
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("another key") && stderr.contains("WRK_ZOOM_STORE_KEY"),
        "{stderr}"
    );
    // No key at all: how to make one.
    let out = cluster
        .command(&["auth", "status"])
        .env_remove("WRK_ZOOM_STORE_KEY")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("WRK_ZOOM_STORE_KEY") && stderr.contains("/dev/urandom"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn the_schema_is_migrated_once_and_a_newer_one_is_refused() {
    let cluster = Cluster::start(SimConfig::default()).await;
    // Three processes opening a new database at once migrate it once.
    let opens: Vec<_> = (0..3)
        .map(|_| {
            let url = cluster.pg.url().to_string();
            tokio::spawn(async move {
                PgStore::connect(PostgresConfig::new(
                    &url,
                    Keys::new(STORE_KEY, &[]).unwrap(),
                ))
                .await
                .map(|_| ())
            })
        })
        .collect();
    for open in opens {
        open.await.unwrap().expect("opens");
    }
    let client = operator(&cluster.pg).await;
    let versions: Vec<i32> = client
        .query(
            "SELECT version FROM wrk_zoom_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let latest = wrk_zoom::postgres::schema_version();
    assert_eq!(versions, (1..=latest).collect::<Vec<_>>());

    client
        .execute(
            "INSERT INTO wrk_zoom_migrations (version, description) VALUES ($1, 'from the future')",
            &[&(latest + 1)],
        )
        .await
        .unwrap();
    let err = PgStore::connect(PostgresConfig::new(
        cluster.pg.url(),
        Keys::new(STORE_KEY, &[]).unwrap(),
    ))
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("newer") && err.contains("upgrade wrk-zoom"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn ready_answers_503_while_the_database_is_down() {
    let cluster = Cluster::start(SimConfig::default()).await;
    let replicas = cluster.replicas(1, None).await;
    let base = &replicas[0].base;
    assert_eq!(exchange(base, "GET", "/ready", "").await.0, 200);
    let Cluster { pg, sim: _sim, .. } = cluster;
    drop(pg);
    let (status, answer) = exchange(base, "GET", "/ready", "").await;
    assert_eq!(status, 503, "{answer}");
    assert!(!answer.to_string().contains("postgres://"), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn a_database_that_requires_tls_is_reached_with_its_certificate_checked() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let pg = Postgres::start_with_tls(&leaf.pem(), &key.serialize_pem());
    let temp = crate::temp_dir("wrk-zoom-cluster-tls-");
    let ca_file = temp.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let db_ca = Some(("WRK_ZOOM_DATABASE_CA_FILE", ca_file.as_path()));
    let command = |args: &[&str], url: String, ca: Option<(&str, &std::path::Path)>| {
        let mut command = tokio::process::Command::new(BIN);
        command
            .args(args)
            .env("WRK_ZOOM_DATABASE_URL", url)
            .env("WRK_ZOOM_STORE_KEY", STORE_KEY)
            .env("WRK_ZOOM_HOME", temp.path())
            .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
            .env_remove("WRK_ZOOM_CA_FILE")
            .env_remove("WRK_ZOOM_DATABASE_CA_FILE");
        if let Some((variable, ca)) = ca {
            command.env(variable, ca);
        }
        async move { command.output().await.unwrap() }
    };
    let status = |url: String, ca| command(&["auth", "status", "--json"], url, ca);
    let url = |mode: &str| format!("{}?sslmode={mode}", pg.bare_url());

    // Over TLS, the certificate checked against the database's own CA.
    let out = status(url("require"), db_ca).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()["connections"],
        json!([])
    );
    // Without sslmode (TLS required), and with prefer (read as require).
    for unsaid_or_prefer in [pg.bare_url().to_string(), url("prefer")] {
        let out = status(unsaid_or_prefer, db_ca).await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // WRK_ZOOM_CA_FILE still vouches for the database, as before.
    let out = status(url("require"), Some(("WRK_ZOOM_CA_FILE", &ca_file))).await;
    assert!(out.status.success());
    // `doctor` says the session is encrypted.
    let out = command(
        &["doctor", "--api-base", "http://127.0.0.1:9/v2"],
        pg.bare_url().to_string(),
        db_ca,
    )
    .await;
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("database session: encrypted (TLS"),
        "{report}"
    );
    // Without the CA, the certificate is not trusted, and the fix is named.
    let out = status(url("require"), None).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("certificate") && stderr.contains("WRK_ZOOM_DATABASE_CA_FILE"),
        "{stderr}"
    );
    // Without TLS, this server lets no one in.
    let out = status(url("disable"), db_ca).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no encryption"), "{stderr}");

    // The database's CA never vouches for an API host: an HTTPS server
    // with a certificate from it is refused (and trusted only through
    // WRK_ZOOM_CA_FILE, which is for Zoom's side).
    let port = https_server(leaf.der().to_vec(), key.serialize_der());
    let api_base = format!("https://127.0.0.1:{port}/v2");
    let run = [
        "run",
        "retrieve-user",
        "--token",
        "t",
        "--api-base",
        &api_base,
    ];
    let out = command(&run, String::new(), db_ca).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("certificate is not trusted"), "{stderr}");
    let out = command(&run, String::new(), Some(("WRK_ZOOM_CA_FILE", &ca_file))).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(4),
        "the token was refused: {stderr}"
    );
    assert!(!stderr.contains("certificate"), "{stderr}");
}

/// An HTTPS server on 127.0.0.1 with this certificate and key (PKCS#8)
/// that answers every request 401 (at most 8, each within 10 s); its port.
fn https_server(cert_der: Vec<u8>, key_der: Vec<u8>) -> u16 {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use std::io::{Read, Write};
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(cert_der)],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der)),
    )
    .unwrap();
    let config = Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().take(8).flatten() {
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
            let Ok(server) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(server, tcp);
            let (mut head, mut buf) = (Vec::new(), [0u8; 4096]);
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let body = r#"{"code":124,"message":"Invalid access token."}"#;
            let answer = format!(
                "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = tls.write_all(answer.as_bytes());
            let _ = tls.flush();
        }
    });
    port
}

// ---------------------------------------------------------------------------
// The database is not trusted with more than it must be (security review 2:
// S1 sealed secrets bound to where they go, S2 TLS required, S14 a schema
// of the store's own). S11 (the database's own CA) is in the TLS test above.
// ---------------------------------------------------------------------------

/// One `serve` replica on the cluster's store with `env` on top of
/// [`Cluster::command`]'s; its log (stderr) is read when it is stopped.
async fn replica_with_env(cluster: &Cluster, env: &[(&str, &str)]) -> (Replica, String) {
    let base = cluster.sim.base_url();
    let mut command = cluster.command(&["serve", "--port", "0", "--allow-api-base", &base]);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wrk-zoom serve");
    let mut line = String::new();
    tokio::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .await
        .unwrap();
    assert!(line.starts_with("http://"), "serve printed {line:?}");
    let base = line.trim().to_string();
    (
        Replica {
            child,
            base: base.clone(),
        },
        base,
    )
}

/// Stops `replica` and returns what it logged.
async fn log_of(mut replica: Replica) -> String {
    replica.child.kill().await.unwrap();
    let mut log = String::new();
    if let Some(mut stderr) = replica.child.stderr.take() {
        stderr.read_to_string(&mut log).await.unwrap();
    }
    log
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn an_edited_row_sends_no_secret_elsewhere_and_its_connection_is_damaged() {
    let cluster = Cluster::start(SimConfig::default()).await;
    let sim2 = zoom_simulator::start(SimConfig::default()).await.unwrap();
    cluster.login().await;
    let token = cluster.stored_user().await.access_token;
    let bearer = format!("Bearer {}", token.expose());
    // Both simulators allowed: what stops the secrets is the seal alone.
    let allow = format!("{},{}", cluster.sim.origin(), sim2.origin());
    let client = operator(&cluster.pg).await;
    let original: Value = client
        .query_one(
            "SELECT public FROM wrk_zoom_connections WHERE name = 'user'",
            &[],
        )
        .await
        .unwrap()
        .get(0);

    // Whoever can write the database points the API base elsewhere.
    client
        .execute(
            "UPDATE wrk_zoom_connections
             SET public = jsonb_set(public, '{api_base}', to_jsonb($1::text)) WHERE name = 'user'",
            &[&sim2.base_url()],
        )
        .await
        .unwrap();
    let (replica, base) = replica_with_env(&cluster, &[("WRK_ZOOM_ALLOW_BASE", &allow)]).await;
    let (status, answer) = call(&base, "retrieve-user", &json!({"connection": "user"})).await;
    assert_eq!(status, 500, "{answer}");
    assert_eq!(answer["error"], "store", "{answer}");
    let out = cluster
        .command(&["run", "retrieve-user", "--connection", "user"])
        .env("WRK_ZOOM_ALLOW_BASE", &allow)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("connection 'user' is damaged")
            && stderr.contains("auth login --connection user"),
        "{stderr}"
    );
    assert!(
        sim2.requests()
            .iter()
            .all(|r| r.authorization.as_deref() != Some(bearer.as_str())),
        "the token reached the edited api_base"
    );

    // The OAuth base instead, with the token expired: no renewal goes there
    // (it would carry the client secret and the refresh token).
    client
        .execute(
            "UPDATE wrk_zoom_connections
             SET public = jsonb_set(jsonb_set($1::jsonb, '{oauth_base}', to_jsonb($2::text)),
                                    '{expires_at}', '0')
             WHERE name = 'user'",
            &[&original, &sim2.origin()],
        )
        .await
        .unwrap();
    let (status, answer) = call(&base, "retrieve-user", &json!({"connection": "user"})).await;
    assert_eq!(status, 500, "{answer}");
    let log = log_of(replica).await;
    assert!(log.contains("connection 'user' is damaged"), "{log}");
    assert!(
        sim2.requests().iter().all(|r| r.raw_path != "/oauth/token"),
        "a renewal went to the edited oauth_base"
    );
    assert_eq!(cluster.refreshes(), 0, "nor to the real one");
    assert!(sim2.requests().is_empty(), "{:?}", sim2.requests());

    // Logging in again, as the message says, replaces the damaged row.
    cluster.login().await;
    let (replica, base) = replica_with_env(&cluster, &[]).await;
    assert_all_ok(&calls_over(&[base], 1, 1).await);
    drop(replica);
}

/// The store key's cipher, to write a row as wrk-zoom did before secrets
/// were bound to where they go (the connection's name alone as AAD).
fn seal_by_name_only(name: &str, plain: &[u8]) -> Vec<u8> {
    use base64::Engine;
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let key = base64::engine::general_purpose::STANDARD
        .decode(STORE_KEY)
        .unwrap();
    let cipher = chacha20poly1305::XChaCha20Poly1305::new_from_slice(&key).unwrap();
    let nonce = [9u8; 24];
    let sealed = cipher
        .encrypt(
            chacha20poly1305::XNonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: name.as_bytes(),
            },
        )
        .unwrap();
    [nonce.as_slice(), &sealed].concat()
}

/// The schema of wrk-zoom before its tables had a schema of their own.
const OLDER_TABLES: &str = "
    CREATE TABLE public.wrk_zoom_migrations (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO public.wrk_zoom_migrations (version, description)
        VALUES (1, 'connections, defaults and shared rate limits');
    CREATE TABLE public.wrk_zoom_connections (
        name text PRIMARY KEY,
        public jsonb NOT NULL,
        sealed bytea NOT NULL,
        key_id text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE public.wrk_zoom_defaults (
        kind text PRIMARY KEY CHECK (kind IN ('user', 'admin')),
        name text NOT NULL
    );
    CREATE TABLE public.wrk_zoom_rate_limits (
        account text NOT NULL,
        bucket text NOT NULL,
        next_allowed_us bigint NOT NULL,
        daily_resets_at bigint,
        daily_limit text,
        daily_message text,
        PRIMARY KEY (account, bucket)
    );
    INSERT INTO public.wrk_zoom_defaults VALUES ('user', 'user');
    -- A daily limit an older release believed until the year 9999.
    INSERT INTO public.wrk_zoom_rate_limits
        VALUES ('#account:old', 'daily', 0, 253402300799, 'daily', repeat('x', 100000));
";

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn an_older_database_keeps_its_connections_and_its_unbound_rows_reach_only_allowed_bases() {
    use wrk_zoom::auth::{Grant, Secret};
    let cluster = Cluster::start(SimConfig::default()).await;
    let client = operator(&cluster.pg).await;
    client.batch_execute(OLDER_TABLES).await.unwrap();
    let key_id = Keys::new(STORE_KEY, &[]).unwrap().current_id().to_string();
    let row = |oauth_base: &str, api_base: &str| StoredConnection {
        kind: wrk_zoom::model::ConnectionKind::User,
        grant: Grant::AuthorizationCode,
        client_id: seed::CLIENT_ID.into(),
        client_secret: Secret::default(),
        oauth_base: oauth_base.into(),
        api_base: api_base.into(),
        account_id: None,
        access_token: Secret::default(),
        refresh_token: None,
        expires_at: now_secs() + 3000,
        lifetime_secs: 3600,
        scopes: Vec::new(),
        needs_login: None,
        granted_at: now_secs(),
        renewals: 0,
    };
    let secrets = json!({
        "client_secret": seed::CLIENT_SECRET,
        "access_token": seed::USER_TOKEN,
        "refresh_token": "older-refresh",
    })
    .to_string();
    // `user` as an older wrk-zoom wrote it; `elsewhere`, sealed the same
    // way, points at a host no one allowed (a row downgraded to the
    // unbound format by whoever can write the database looks like this).
    for (name, oauth_base, api_base) in [
        ("user", cluster.sim.origin(), cluster.sim.base_url()),
        (
            "elsewhere",
            "https://evil.example".to_string(),
            "https://evil.example/v2".to_string(),
        ),
    ] {
        client
            .execute(
                "INSERT INTO public.wrk_zoom_connections (name, public, sealed, key_id)
                 VALUES ($1, $2, $3, $4)",
                &[
                    &name,
                    &serde_json::to_value(row(&oauth_base, &api_base)).unwrap(),
                    &seal_by_name_only(name, secrets.as_bytes()),
                    &key_id,
                ],
            )
            .await
            .unwrap();
    }

    let store = cluster.store().await;
    // Moved into the store's schema, what they held included.
    let left: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'wrk_zoom%'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "tables left in public");
    let versions: Vec<i32> = client
        .query(
            "SELECT version FROM wrk_zoom.wrk_zoom_migrations ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        versions,
        (1..=wrk_zoom::postgres::schema_version()).collect::<Vec<_>>()
    );
    // A daily limit recorded before resets were bounded is bounded now.
    let row = client
        .query_one(
            "SELECT daily_resets_at, length(daily_message) FROM wrk_zoom.wrk_zoom_rate_limits",
            &[],
        )
        .await
        .unwrap();
    let (resets_at, message_len): (i64, i32) = (row.get(0), row.get(1));
    assert!(resets_at <= now_secs() + 172_800, "{resets_at}");
    assert!(message_len <= 500, "{message_len}");
    let user = store.get("user").await.unwrap().expect("user kept");
    assert_eq!(user.access_token.expose(), seed::USER_TOKEN);
    assert_eq!(
        store.defaults().await.unwrap().user.as_deref(),
        Some("user")
    );

    let err = store.get("elsewhere").await.unwrap_err().to_string();
    assert!(
        err.contains("'elsewhere'")
            && err.contains("https://evil.example")
            && err.contains("WRK_ZOOM_ALLOW_BASE"),
        "{err}"
    );

    // Written again, a row is sealed bound to where it goes.
    client
        .execute(
            "DELETE FROM wrk_zoom.wrk_zoom_connections WHERE name = 'elsewhere'",
            &[],
        )
        .await
        .unwrap();
    let mut renewed = user.clone();
    renewed.renewals += 1;
    Connections::new(Arc::new(store.clone()))
        .save("user", renewed, false)
        .await
        .unwrap();
    let format: i16 = client
        .query_one(
            "SELECT seal_format FROM wrk_zoom.wrk_zoom_connections WHERE name = 'user'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(format, 2);
    assert_eq!(store.get("user").await.unwrap().unwrap().renewals, 1);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn tables_or_a_schema_another_role_made_first_are_refused_and_its_locks_do_not_block() {
    let pg = Postgres::start();
    let client = operator(&pg).await;
    let open = || {
        PgStore::connect(PostgresConfig::new(
            pg.url(),
            Keys::new(STORE_KEY, &[]).unwrap(),
        ))
    };
    // A co-tenant made the tables first where unqualified names led.
    client
        .batch_execute(
            "CREATE ROLE squatter;
             CREATE TABLE public.wrk_zoom_migrations (version integer PRIMARY KEY,
                 description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
             INSERT INTO public.wrk_zoom_migrations VALUES (1, 'squatted');
             CREATE TABLE public.wrk_zoom_connections (name text PRIMARY KEY, public jsonb NOT NULL,
                 sealed bytea NOT NULL, key_id text NOT NULL,
                 updated_at timestamptz NOT NULL DEFAULT now());
             ALTER TABLE public.wrk_zoom_migrations OWNER TO squatter;
             ALTER TABLE public.wrk_zoom_connections OWNER TO squatter;",
        )
        .await
        .unwrap();
    let err = open().await.unwrap_err().to_string();
    assert!(
        err.contains("public.wrk_zoom_") && err.contains("belongs to role squatter"),
        "{err}"
    );

    // Or the store's schema itself.
    client
        .batch_execute(
            "DROP TABLE public.wrk_zoom_migrations, public.wrk_zoom_connections;
             DROP SCHEMA IF EXISTS wrk_zoom CASCADE;
             CREATE SCHEMA wrk_zoom AUTHORIZATION squatter;",
        )
        .await
        .unwrap();
    let err = open().await.unwrap_err().to_string();
    assert!(
        err.contains("schema wrk_zoom belongs to role squatter"),
        "{err}"
    );

    // Database-wide advisory lock ids (what older releases locked) held by
    // someone else hold up neither a start nor a login.
    client
        .batch_execute(
            "DROP SCHEMA wrk_zoom CASCADE;
             SELECT pg_advisory_lock(8609313937146642433), pg_advisory_lock(8609313980314251877);",
        )
        .await
        .unwrap();
    let opened = tokio::time::timeout(Duration::from_secs(30), async {
        let store = open().await.expect("opens");
        store.lock().await.map(|_| ())
    })
    .await;
    assert!(
        matches!(opened, Ok(Ok(()))),
        "a co-tenant's advisory locks held the store up"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn a_url_without_sslmode_requires_tls_and_sslmode_disable_warns() {
    let pg = Postgres::start();
    let err = PgStore::connect(PostgresConfig::new(
        pg.bare_url(),
        Keys::new(STORE_KEY, &[]).unwrap(),
    ))
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("TLS") && err.contains("sslmode") && err.contains("WRK_ZOOM_DATABASE_URL"),
        "{err}"
    );

    // Written explicitly, sslmode=disable works, with a warning.
    let temp = crate::temp_dir("wrk-zoom-cluster-plain-");
    let command = |args: &[&str]| {
        let mut command = tokio::process::Command::new(BIN);
        command
            .args(args)
            .env("WRK_ZOOM_DATABASE_URL", pg.url())
            .env("WRK_ZOOM_STORE_KEY", STORE_KEY)
            .env("WRK_ZOOM_HOME", temp.path())
            .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
            .env("WRK_ZOOM_LOG", "warn");
        async move { command.output().await.unwrap() }
    };
    let out = command(&["auth", "status", "--json"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("sslmode=disable") && stderr.contains("not encrypted"),
        "{stderr}"
    );
    let out = command(&["doctor", "--api-base", "http://127.0.0.1:9/v2"]).await;
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("database session: not encrypted (sslmode=disable)"),
        "{report}"
    );
}

// ---------------------------------------------------------------------------
// S4 (security review 2): one answer cannot lock an account for years. A
// daily-limit 429 with `Retry-After: 9999-12-31T23:59:59Z` and a huge message
// is recorded with its reset clamped to the next UTC midnight plus a day and
// its message bounded, and what a person reads says so.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn a_daily_limit_answer_cannot_lock_the_account_for_years() {
    let cluster = Cluster::start(SimConfig::default()).await;
    let replicas = cluster.replicas(1, None).await;
    cluster.login().await;
    cluster.sim.inject_fault(
        FaultRule::new(Fault::Answer {
            status: 429,
            headers: vec![
                ("X-RateLimit-Type".into(), "Daily-limit".into()),
                ("Retry-After".into(), "9999-12-31T23:59:59Z".into()),
            ],
            body: json!({"message": "x".repeat(1_000_000)}).to_string(),
        })
        .path_prefix("/v2/users/me"),
    );

    let before = now_secs();
    let (status, answer) = call(
        &replicas[0].base,
        "retrieve-user",
        &json!({"connection": "user"}),
    )
    .await;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["error"], "daily-limit", "{answer}");
    let text = answer.to_string();
    assert!(
        !text.contains("9999") && text.len() < 5_000,
        "{}",
        &text[..text.len().min(500)]
    );

    let row = operator(&cluster.pg)
        .await
        .query_one(
            "SELECT max(daily_resets_at), max(length(daily_message)) FROM wrk_zoom_rate_limits",
            &[],
        )
        .await
        .unwrap();
    let (resets_at, message_len): (Option<i64>, Option<i32>) = (row.get(0), row.get(1));
    let resets_at = resets_at.expect("the daily limit was recorded");
    assert!(
        resets_at > before && resets_at <= now_secs() + 172_800,
        "recorded reset {resets_at}, now {before}"
    );
    assert!(message_len.unwrap_or(0) <= 1_000, "{message_len:?}");

    // The CLI, on the same store, is refused without asking Zoom, and says
    // when the limit resets: within two days, not in the year 9999.
    let seen = cluster.api_requests("/v2/users/me");
    let out = cluster
        .command(&["run", "retrieve-user"])
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    let said = format!("{stdout}{stderr}");
    assert!(said.contains("daily"), "{said}");
    assert!(!said.contains("9999") && said.len() < 5_000, "{said}");
    assert_eq!(cluster.api_requests("/v2/users/me"), seen, "{said}");

    // A writer whose clock runs years ahead cannot record past the bound
    // either, on insert or update: the database's clock clamps it.
    use wrk_zoom::rate_limit::{BucketId, KnownDailyLimit, SharedPacing};
    let store = cluster.store().await;
    let id = BucketId {
        account: "skewed".into(),
        bucket: "main/light".into(),
    };
    let far = KnownDailyLimit {
        resets_at: 253_402_300_799,
        limit: "a limit".into(),
        message: "a message".into(),
    };
    for _ in 0..2 {
        store.record_daily_limit(&id, &far).await.unwrap();
        let row = operator(&cluster.pg)
            .await
            .query_one(
                "SELECT daily_resets_at FROM wrk_zoom_rate_limits WHERE account = 'skewed'",
                &[],
            )
            .await
            .unwrap();
        let recorded: i64 = row.get(0);
        assert!(recorded <= now_secs() + 172_800, "recorded {recorded}");
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn rate_limit_rows_idle_for_a_day_are_forgotten() {
    use wrk_zoom::rate_limit::SharedPacing;
    let cluster = Cluster::start(SimConfig::default()).await;
    let store = cluster.store().await;
    let operator = operator(&cluster.pg).await;
    let day_us: i64 = 86_400 * 1_000_000;
    let now_us = now_secs() * 1_000_000;
    for (account, next_allowed_us, daily_resets_at) in [
        (
            "https://api.zoom.us/v2#token:idle",
            now_us - 2 * day_us,
            None,
        ),
        (
            "https://api.zoom.us/v2#token:recent",
            now_us - 60_000_000,
            None,
        ),
        (
            "https://api.zoom.us/v2#token:daily-in-force",
            now_us - 2 * day_us,
            Some(now_secs() + 3_600),
        ),
        (
            "https://api.zoom.us/v2#token:daily-passed",
            now_us - 2 * day_us,
            Some(now_secs() - 3_600),
        ),
    ] {
        operator
            .execute(
                "INSERT INTO wrk_zoom_rate_limits (account, bucket, next_allowed_us, daily_resets_at)
                 VALUES ($1, 'main/light', $2, $3)",
                &[&account, &next_allowed_us, &daily_resets_at],
            )
            .await
            .unwrap();
    }
    assert_eq!(store.forget_idle().await.unwrap(), 2);
    let mut left: Vec<String> = operator
        .query("SELECT account FROM wrk_zoom_rate_limits", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "https://api.zoom.us/v2#token:daily-in-force",
            "https://api.zoom.us/v2#token:recent"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn a_password_over_tls_goes_only_into_a_login_bound_to_the_channel() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let temp = crate::temp_dir("wrk-zoom-cluster-scram-");
    let ca_file = temp.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let status = |url: String| {
        let mut command = tokio::process::Command::new(BIN);
        command
            .args(["auth", "status", "--json"])
            .env("WRK_ZOOM_DATABASE_URL", url)
            .env("WRK_ZOOM_STORE_KEY", STORE_KEY)
            .env("WRK_ZOOM_HOME", temp.path())
            .env("WRK_ZOOM_DATABASE_CA_FILE", &ca_file)
            .env_remove("WRK_ZOOM_CA_FILE");
        async move { command.output().await.unwrap() }
    };

    // SCRAM over TLS: bound to the channel (SCRAM-SHA-256-PLUS).
    let scram = Postgres::start_with_tls_login(
        &leaf.pem(),
        &key.serialize_pem(),
        "pw-0123456789",
        "scram-sha-256",
    );
    let out = status(scram.url().to_string()).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(scram);

    // A server that asks for the password itself: the login cannot be
    // bound, so the password is not sent, unless the URL says so.
    let plain = Postgres::start_with_tls_login(
        &leaf.pem(),
        &key.serialize_pem(),
        "pw-0123456789",
        "password",
    );
    let out = status(plain.url().to_string()).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("channel binding") && stderr.contains("channel_binding=disable"),
        "{stderr}"
    );
    let out = status(format!("{}?channel_binding=disable", plain.url())).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------
// Second security review (docs/reviews/security-2.md): a renewal outlasting
// PostgreSQL's idle timeout (S6), a cancelled call's pooled transaction (S9),
// shared slots given back (S10), revocation reaching replicas (S15).
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn a_renewal_stalled_past_the_idle_timeout_loses_no_refresh_token() {
    let cluster = Cluster::start(SimConfig::default()).await;
    // The first replica's renewals stall (row lock held, nothing sent yet)
    // longer than PostgreSQL keeps a session idle in a transaction (60 s).
    let replicas = cluster.replicas(2, Some(Duration::from_secs(65))).await;
    warm_up(&cluster, &replicas).await;
    cluster.login().await;
    cluster.expire_token().await;
    let before = cluster.stored_user().await;
    let user = json!({"connection": "user"});

    // The renewal gives up within its time limit, before sending anything.
    let (status, answer) = call(&replicas[0].base, "retrieve-user", &user).await;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["error"], "transport", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("took longer than")),
        "{answer}"
    );
    assert_eq!(cluster.refreshes(), 0, "the stalled renewal sent nothing");

    // Another replica renews with the refresh token still stored.
    let answers = calls_over(&[replicas[1].base.clone()], 1, 1).await;
    assert_all_ok(&answers);
    assert_eq!(cluster.refreshes(), 1);
    let after = cluster.stored_user().await;
    assert_eq!(after.needs_login, None, "no new login needed");
    assert_eq!(after.renewals, before.renewals + 1);
    assert_ne!(
        after.refresh_token, before.refresh_token,
        "rotated and kept"
    );
}

/// The state and last statement of each session of the store's pool
/// (`application_name` wrk-zoom: the test's own store is the only one).
async fn pooled_sessions(client: &tokio_postgres::Client) -> Vec<(String, String)> {
    client
        .query(
            "SELECT state, query FROM pg_stat_activity WHERE application_name = 'wrk-zoom'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn a_call_cancelled_after_begin_leaves_no_pooled_connection_in_a_transaction() {
    use std::future::Future;
    use std::task::Poll;
    use wrk_zoom::rate_limit::{BucketId, SharedPacing};
    let cluster = Cluster::start(SimConfig::default()).await;
    let store = cluster.store().await;
    let operator = operator(&cluster.pg).await;
    // One pooled session, idle.
    store.get("user").await.unwrap();
    let sessions = pooled_sessions(&operator).await;
    assert!(
        sessions.len() == 1 && sessions[0].0 == "idle",
        "{sessions:?}"
    );

    // A renewal's lock, polled until its transaction has begun, then
    // cancelled (a client that went away) before it is held.
    let mut locking = Box::pin(store.lock_connection("user"));
    let deadline = Instant::now() + Duration::from_secs(30);
    'begun: loop {
        let polled = std::future::poll_fn(|cx| Poll::Ready(locking.as_mut().poll(cx).is_ready()));
        assert!(!polled.await, "the lock was taken in one go");
        let checks = Instant::now() + Duration::from_secs(1);
        while Instant::now() < checks {
            let sessions = pooled_sessions(&operator).await;
            // Inside the transaction: after its BEGIN, or (on a slow
            // machine, polled once more) after the row's SELECT was sent.
            if let Some((_, query)) = sessions.iter().find(|s| s.0 == "idle in transaction") {
                assert!(
                    query == "BEGIN" || query.contains("FOR UPDATE"),
                    "polled past the lock: {query}"
                );
                break 'begun;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(Instant::now() < deadline, "BEGIN never ran");
    }
    drop(locking);

    // The next statement on the pool commits on its own: another session
    // sees what it wrote, and no session of the pool is left in a
    // transaction.
    let id = BucketId {
        account: "cancelled".into(),
        bucket: "main/light".into(),
    };
    store.take_slot(&id, Duration::from_secs(1)).await.unwrap();
    let seen: i64 = operator
        .query_one(
            "SELECT count(*) FROM wrk_zoom_rate_limits WHERE account = 'cancelled'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(seen, 1, "the slot was taken inside a forgotten transaction");
    let sessions = pooled_sessions(&operator).await;
    assert!(
        sessions.iter().all(|s| s.0 != "idle in transaction"),
        "{sessions:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn waits_dropped_before_their_time_give_their_shared_slots_back() {
    use std::future::Future;
    use std::task::Poll;
    use wrk_zoom::rate_limit::{
        BucketId, Pacer, PacingConfig, Rate, RateLimitConfig, SharedPacing, Slot,
    };
    let cluster = Cluster::start(SimConfig::default()).await;
    let store = Arc::new(cluster.store().await);
    let (table, category) = (Table::Main, RateCategory::Heavy);
    // Ten a minute: one slot every 6 s.
    let pacing = PacingConfig {
        margin: Duration::ZERO,
        ..PacingConfig::default()
    }
    .with_rate(
        table,
        category,
        Rate {
            requests: 10,
            per: Duration::from_secs(60),
        },
    );
    let spacing = pacing.spacing(table, category);
    let pacer = Pacer::new(RateLimitConfig {
        pacing,
        ..RateLimitConfig::default()
    })
    .with_shared(store.clone());
    let account = pacer.account("dropped-waits");
    account.acquire(table, category).await.unwrap();

    // 50 calls wait for slots up to 5 minutes ahead, then time out...
    let mut waits = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let account = account.clone();
        waits.spawn(async move {
            let wait = account.acquire(table, category);
            tokio::time::timeout(Duration::from_secs(2), wait).await
        });
    }
    waits.join_all().await;
    // ...and 50 more are cancelled while their slot is being taken.
    for _ in 0..50 {
        let mut wait = Box::pin(account.acquire(table, category));
        let polled = std::future::poll_fn(|cx| Poll::Ready(wait.as_mut().poll(cx).is_ready()));
        assert!(!polled.await, "a slot minutes ahead was granted at once");
    }
    // The slots come back in tasks of their own.
    tokio::time::sleep(Duration::from_secs(1)).await;

    // The next slot is one of theirs, seconds ahead, not 100 spacings.
    let id = BucketId {
        account: "dropped-waits".into(),
        bucket: "main/heavy".into(),
    };
    let take = || async {
        match store.take_slot(&id, spacing).await.unwrap() {
            Slot::Granted { wait, token } => (wait, token),
            other => panic!("{other:?}"),
        }
    };
    let (wait, first) = take().await;
    assert!(
        wait < Duration::from_secs(30),
        "the next request waits {wait:?}: the dropped waits kept their slots"
    );
    // Slots given back are reused as they were: still a spacing apart.
    let mut starts = vec![first];
    for _ in 0..5 {
        starts.push(take().await.1);
    }
    starts.sort();
    let spacing_us = spacing.as_micros() as i64;
    for pair in starts.windows(2) {
        assert!(
            pair[1] - pair[0] >= spacing_us,
            "two slots {} µs apart (spacing {spacing_us} µs)",
            pair[1] - pair[0]
        );
    }
}

/// The token the last `GET /v2/users/me` the simulator saw carried.
fn last_token(cluster: &Cluster) -> Option<String> {
    cluster
        .sim
        .requests()
        .iter()
        .rev()
        .find(|r| r.raw_path == "/v2/users/me")
        .and_then(|r| r.authorization.clone())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; .ci/run runs it"]
async fn a_logout_or_a_new_login_reaches_every_replica_within_seconds() {
    const BUDGET: Duration = Duration::from_secs(5);
    const POLL: Duration = Duration::from_millis(250);
    let cluster = Cluster::start(SimConfig::default()).await;
    let replicas = cluster.replicas(2, None).await;
    warm_up(&cluster, &replicas).await;
    cluster.login().await;
    let user = json!({"connection": "user"});
    // Both replicas hold the token in memory.
    for replica in &replicas {
        assert_all_ok(&[call(&replica.base, "retrieve-user", &user).await]);
    }
    let old = format!(
        "Bearer {}",
        cluster.stored_user().await.access_token.expose()
    );

    // A new login: each replica sends the new token within 5 s.
    cluster.login().await;
    let new = format!(
        "Bearer {}",
        cluster.stored_user().await.access_token.expose()
    );
    assert_ne!(new, old);
    let logged_in = Instant::now();
    for replica in &replicas {
        loop {
            let answer = call(&replica.base, "retrieve-user", &user).await;
            assert_all_ok(&[answer]);
            if last_token(&cluster).as_deref() == Some(new.as_str()) {
                break;
            }
            assert!(
                logged_in.elapsed() < BUDGET,
                "{} still sends the old token {BUDGET:?} after a new login",
                replica.base
            );
            tokio::time::sleep(POLL).await;
        }
    }

    // A logout: each replica answers that the connection is gone within 5 s,
    // and sends no token after.
    let out = cluster
        .command(&["auth", "logout", "--connection", "user"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let logged_out = Instant::now();
    for replica in &replicas {
        loop {
            let (status, answer) = call(&replica.base, "retrieve-user", &user).await;
            if answer["error"] == "unknown-connection" {
                break;
            }
            assert_eq!(status, 200, "{answer}");
            assert!(
                logged_out.elapsed() < BUDGET,
                "{} still calls Zoom {BUDGET:?} after a logout",
                replica.base
            );
            tokio::time::sleep(POLL).await;
        }
    }
    let sent = cluster.api_requests("/v2/users/me");
    for replica in &replicas {
        let (status, answer) = call(&replica.base, "retrieve-user", &user).await;
        assert_eq!(answer["error"], "unknown-connection", "{status} {answer}");
    }
    assert_eq!(cluster.api_requests("/v2/users/me"), sent, "no token sent");
}

/// A signed Zoom delivery of `body` to `base`'s app `main`.
async fn zoom_delivery(base: &str, request_id: &str, body: &Value) -> u16 {
    let addr = base.trim_start_matches("http://");
    let body = body.to_string();
    let ts = now_secs();
    let signature = zoom_simulator::events::sign(seed::WEBHOOK_SECRET_TOKEN, ts, body.as_bytes());
    let request = format!(
        "POST /v1/events/zoom/main HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nx-zm-request-timestamp: {ts}\r\nx-zm-signature: {signature}\r\nx-zm-request-id: {request_id}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response[9..12].parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL's server binaries; run by .ci/run"]
async fn events_over_three_replicas_are_kept_once_and_pushed_once() {
    let cluster = Cluster::start(SimConfig::default()).await;
    cluster.login().await;
    let add = cluster
        .command(&["events", "app", "add", "main"])
        .env("ZOOM_WEBHOOK_SECRET_TOKEN", seed::WEBHOOK_SECRET_TOKEN)
        .output()
        .await
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    // A push receiver counting what it takes, by idempotency key.
    let taken = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let counted = taken.clone();
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let counted = counted.clone();
            async move {
                let key = headers["webhook-id"].to_str().unwrap().to_string();
                counted.lock().unwrap().push(key);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, hook).await });
    let subscribe = cluster
        .command(&["events", "subscribe", "--url", &hook_url])
        .output()
        .await
        .unwrap();
    assert!(
        subscribe.status.success(),
        "{}",
        String::from_utf8_lossy(&subscribe.stderr)
    );

    let mut replicas = cluster.replicas(3, None).await;
    let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
    // Zoom's validation reaches one replica; the simulator's events follow.
    let url = format!("{}/v1/events/zoom/main", bases[0]);
    cluster.sim.subscribe_events(&url, &[]).await.unwrap();
    let user = cluster
        .sim
        .create_user("replica@example.com", "Rae", "Plica")
        .unwrap();
    cluster.sim.deactivate_user(&user).unwrap();
    cluster.sim.events_settled().await;
    // Twenty events spread over the replicas, each also sent to the next
    // replica at the same time (Zoom's copies come from different IPs).
    let mut sends = Vec::new();
    for i in 0..20 {
        let event = json!({"event": "meeting.started", "event_ts": now_secs() * 1000,
            "payload": {"account_id": seed::ACCOUNT_ID, "object": {"uuid": format!("r-{i}=="), "id": i}}});
        for copy in 0..2 {
            let base = bases[(i + copy) % 3].clone();
            let event = event.clone();
            sends.push(tokio::spawn(async move {
                zoom_delivery(&base, &format!("req-{i}"), &event).await
            }));
        }
    }
    for send in sends {
        assert_eq!(send.await.unwrap(), 200);
    }
    // Pushed once each, whichever replica delivered it.
    let deadline = Instant::now() + Duration::from_secs(60);
    while taken.lock().unwrap().len() < 22 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before_kill = taken.lock().unwrap().clone();
    let distinct: std::collections::BTreeSet<&String> = before_kill.iter().collect();
    assert_eq!(
        (before_kill.len(), distinct.len()),
        (22, 22),
        "{before_kill:?}"
    );
    // One more, and the replica that answered it is killed at once.
    let last = json!({"event": "meeting.ended", "event_ts": now_secs() * 1000,
        "payload": {"account_id": seed::ACCOUNT_ID, "object": {"uuid": "r-last==", "id": 99}}});
    assert_eq!(zoom_delivery(&bases[1], "req-last", &last).await, 200);
    replicas[1].child.start_kill().unwrap();
    let _ = replicas[1].child.wait().await;

    // Every replica's pull sees each once.
    let (status, pulled) = exchange(&bases[2], "GET", "/v1/events?limit=1000", "").await;
    assert_eq!(status, 200, "{pulled}");
    let events = pulled["events"].as_array().unwrap();
    let mut names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    names.sort();
    let mut expected = vec!["meeting.started"; 20];
    expected.extend(["meeting.ended", "user.created", "user.deactivated"]);
    expected.sort();
    assert_eq!(names, expected);
    let ids: std::collections::BTreeSet<u64> = events
        .iter()
        .map(|e| e["wrk_zoom"]["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), events.len());
    assert!(
        events
            .iter()
            .all(|e| e["wrk_zoom"]["connections"] == json!(["user"]))
    );

    // Wait for the last push.
    let deadline = Instant::now() + Duration::from_secs(60);
    while taken.lock().unwrap().len() < expected.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // The last one too; if the killed replica was sending it, another
    // sends it again with the same idempotency key (at least once, with the
    // key that makes it once for the receiver).
    let keys = taken.lock().unwrap().clone();
    let distinct: std::collections::BTreeSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), expected.len(), "{keys:?}");
    assert!(keys.len() <= expected.len() + 1, "{keys:?}");
}
