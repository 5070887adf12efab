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
use wrk_zoom::auth::{Connections, StoredConnection, TokenStore, now_secs};
use wrk_zoom::model::RateCategory;
use wrk_zoom::postgres::{Keys, Postgres as PgStore};
use wrk_zoom::rate_limit::{Plan, Table, published_rate};
use zoom_simulator::faults::{Fault, FaultRule, RateLabel};
use zoom_simulator::{RunningSimulator, SimConfig, seed};

const BIN: &str = env!("CARGO_BIN_EXE_wrk-zoom");
/// The API key of the tests' replicas.
const API_KEY: &str = "test-key-0123456789";
/// The store key of the tests' replicas (32 bytes, base64).
const STORE_KEY: &str = "dGVzdHMtb25seSBzdG9yZSBrZXkgb2YgMzIgYnl0ZXM=";

/// One `wrk-zoom serve` process, killed when dropped.
struct Replica {
    child: tokio::process::Child,
    base: String,
}

/// PostgreSQL, the simulator and a temporary home for the CLI.
struct Cluster {
    pg: Postgres,
    sim: RunningSimulator,
    temp: tempfile::TempDir,
}

impl Cluster {
    async fn start(config: SimConfig) -> Cluster {
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

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(BIN);
        command
            .args(args)
            .env("WRK_ZOOM_DATABASE_URL", self.pg.url())
            .env("WRK_ZOOM_STORE_KEY", STORE_KEY)
            .env("WRK_ZOOM_HOME", self.temp.path())
            .env("WRK_ZOOM_CACHE_DIR", crate::cache_dir())
            .env("WRK_ZOOM_API_KEY", API_KEY)
            .env("ZOOM_CLIENT_ID", seed::CLIENT_ID)
            .env("ZOOM_CLIENT_SECRET", seed::CLIENT_SECRET)
            .env("ZOOM_OAUTH_BASE", self.sim.origin())
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
    async fn replicas_with(
        &self,
        n: usize,
        stall: Option<Duration>,
        extra: &[&str],
    ) -> Vec<Replica> {
        let mut replicas = Vec::new();
        for i in 0..n {
            let base = self.sim.base_url();
            let mut args = vec!["serve", "--port", "0", "--allow-api-base", &base];
            args.extend_from_slice(extra);
            let mut command = self.command(&args);
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

    /// The store as a library user opens it (same URL, same key).
    async fn store(&self) -> PgStore {
        PgStore::connect(self.pg.url(), Keys::new(STORE_KEY, &[]).unwrap())
            .await
            .expect("the store opens")
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

/// A database session of the operator's, to look at what the store wrote.
async fn operator(pg: &Postgres) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(pg.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
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
async fn exchange(base: &str, method: &str, path: &str, body: &str) -> (u16, Value) {
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
    assert_eq!(cluster.api_requests("/v2/users/me"), 300 + 3, "no retries");
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
            "b3RoZXIta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXMtISE=",
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
                PgStore::connect(&url, Keys::new(STORE_KEY, &[]).unwrap())
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
    let err = PgStore::connect(cluster.pg.url(), Keys::new(STORE_KEY, &[]).unwrap())
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
    let status = |url: String, ca: Option<&std::path::Path>| {
        let mut command = tokio::process::Command::new(BIN);
        command
            .args(["auth", "status", "--json"])
            .env("WRK_ZOOM_DATABASE_URL", url)
            .env("WRK_ZOOM_STORE_KEY", STORE_KEY)
            .env("WRK_ZOOM_HOME", temp.path())
            .env_remove("WRK_ZOOM_CA_FILE");
        if let Some(ca) = ca {
            command.env("WRK_ZOOM_CA_FILE", ca);
        }
        async move { command.output().await.unwrap() }
    };
    let url = |mode: &str| format!("{}?sslmode={mode}", pg.url());

    // Over TLS, the certificate checked against the operator's CA.
    let out = status(url("require"), Some(&ca_file)).await;
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
    // The default (prefer) takes TLS when the server offers it.
    let out = status(pg.url().to_string(), Some(&ca_file)).await;
    assert!(out.status.success());
    // Without the CA, the certificate is not trusted, and the fix is named.
    let out = status(url("require"), None).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("certificate") && stderr.contains("WRK_ZOOM_CA_FILE"),
        "{stderr}"
    );
    // Without TLS, this server lets no one in.
    let out = status(url("disable"), Some(&ca_file)).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no encryption"), "{stderr}");
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

    // A renewal's lock, polled until its BEGIN has run, then cancelled
    // (a client that went away) before the row is read.
    let mut locking = Box::pin(store.lock_connection("user"));
    let deadline = Instant::now() + Duration::from_secs(30);
    'begun: loop {
        let polled = std::future::poll_fn(|cx| Poll::Ready(locking.as_mut().poll(cx).is_ready()));
        assert!(!polled.await, "the lock was taken in one go");
        let checks = Instant::now() + Duration::from_secs(1);
        while Instant::now() < checks {
            let sessions = pooled_sessions(&operator).await;
            if let Some((_, query)) = sessions.iter().find(|s| s.0 == "idle in transaction") {
                assert_eq!(query, "BEGIN", "polled past BEGIN");
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
