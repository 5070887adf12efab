//! `wrk-zoom serve` replicas on one PostgreSQL store vs one replica on the
//! file store (the baseline), against the simulator, in one run.
//!
//! `cargo bench -p wrk-zoom --bench cluster` (needs PostgreSQL's server
//! binaries, as the cluster tests do: host/tests/all/pg.rs)
//!
//! Every replica runs `retrieve-user` on the stored connection `user`, so
//! each call reads its token from the store (cached while fresh) and, on
//! PostgreSQL, takes its rate-limit slot there (one statement per request).
//! Unpaced rounds (`WRK_ZOOM_PACING=off`) measure what the replicas can do;
//! paced rounds (Pro plan, 30 Light requests a second per account) show
//! that three replicas together keep to one account's rate. The load
//! generator is a keep-alive Rust client here, spread round-robin over the
//! replicas, 16 callers, each round a few seconds.

// The cluster tests' PostgreSQL fixture (this bench needs no TLS server).
#[allow(dead_code)]
#[path = "../tests/all/pg.rs"]
mod pg;
mod support;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Bench, Process};
use wrk_zoom::auth::{Connections, FileStore, Grant, Secret, StoredConnection};
use wrk_zoom::clock::now_secs;
use wrk_zoom::model::ConnectionKind;
use zoom_simulator::{SimConfig, seed};

const API_KEY: &str = "bench-key-0123456789";
// 32 random bytes (a key that decodes to text is refused as weak).
const STORE_KEY: &str = "dqkfpnfONDOcnzpaqBt9fB4GW2NVhFi7H02AngpC3Qw=";
const ROUND: Duration = Duration::from_secs(5);
const CALLERS: usize = 16;

/// One `serve` on `store` (a directory or a URL), its stored connection
/// allowed to use the simulator at `origin`.
fn start_serve(store: &str, home: &Path, paced: bool, origin: &str) -> (Process, String) {
    support::start_serve(&["--store", store], API_KEY, home, |c| {
        c.env("WRK_ZOOM_STORE_KEY", STORE_KEY)
            .env("WRK_ZOOM_ALLOW_BASE", origin)
            .env_remove("WRK_ZOOM_PLAN");
        if !paced {
            c.env("WRK_ZOOM_PACING", "off");
        }
    })
}

/// The simulator's user token as the stored connection `user`.
fn user_connection(api_base: &str) -> StoredConnection {
    StoredConnection {
        kind: ConnectionKind::User,
        grant: Grant::AuthorizationCode,
        client_id: seed::CLIENT_ID.into(),
        client_secret: Secret::new(seed::CLIENT_SECRET),
        oauth_base: api_base.trim_end_matches("/v2").into(),
        api_base: api_base.into(),
        account_id: Some(seed::ACCOUNT_ID.into()),
        access_token: Secret::new(seed::USER_TOKEN),
        refresh_token: Some(Secret::new("unused")),
        expires_at: now_secs() + 24 * 3600,
        lifetime_secs: 24 * 3600,
        scopes: Vec::new(),
        needs_login: None,
        granted_at: now_secs(),
        renewals: 0,
    }
}

/// `CALLERS` callers spread over `urls`, each calling in a loop for one
/// round; calls per second, over the time until the last call ended (a
/// caller's last call may end after the round).
async fn load(urls: &[String]) -> f64 {
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(CALLERS)
        .build_http();
    let body = serde_json::json!({"connection": "user"}).to_string();
    let started = Instant::now();
    let deadline = started + ROUND;
    let mut tasks = Vec::new();
    for i in 0..CALLERS {
        let (client, url, body) = (client.clone(), urls[i % urls.len()].clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut calls = 0u64;
            while Instant::now() < deadline {
                let request = hyper::Request::post(&url)
                    .header("authorization", format!("Bearer {API_KEY}"))
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body.clone())))
                    .expect("request");
                let response = client.request(request).await.expect("answered");
                let status = response.status();
                let bytes = response.into_body().collect().await.expect("body");
                assert_eq!(status, 200, "{:?}", bytes.to_bytes());
                calls += 1;
            }
            calls
        }));
    }
    let mut calls = 0;
    for task in tasks {
        calls += task.await.expect("caller");
    }
    calls as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    // Criterion passes its flags to every bench target; a `--test` run
    // (cargo test --benches) only checks that this builds.
    if std::env::args().any(|a| a == "--test") {
        return;
    }
    let bench = Bench::start(SimConfig::default());
    let (rt, base) = (&bench.rt, bench.sim.base_url());
    let postgres = pg::Postgres::start();
    let home = tempfile::tempdir().expect("temporary home");
    let files = home.path().join("files");
    rt.block_on(async {
        let keys = wrk_zoom::postgres::Keys::new(STORE_KEY, &[]).unwrap();
        let origin = base.trim_end_matches("/v2");
        let config = wrk_zoom::postgres::PostgresConfig::new(postgres.url(), keys);
        let shared = wrk_zoom::postgres::Postgres::connect(config)
            .await
            .expect("the store opens")
            .with_stored_bases(wrk_zoom::auth::StoredBases::parse(origin).unwrap());
        for connections in [
            Connections::new(Arc::new(shared)),
            Connections::new(Arc::new(FileStore::new(&files))),
        ] {
            connections
                .save("user", user_connection(&base), true)
                .await
                .expect("saved");
        }
    });

    println!(
        "serve replicas: retrieve-user on a stored connection, {CALLERS} callers, {} s per round, 127.0.0.1",
        ROUND.as_secs()
    );
    println!("| setup | pacing | calls/s | vs one replica on the file store |");
    println!("|---|---|---|---|");
    let mut baseline = None;
    let setups: [(&str, &str, usize, bool); 5] = [
        ("1 replica, file store", files.to_str().unwrap(), 1, false),
        ("1 replica, PostgreSQL", postgres.url(), 1, false),
        ("3 replicas, PostgreSQL", postgres.url(), 3, false),
        ("1 replica, PostgreSQL", postgres.url(), 1, true),
        ("3 replicas, PostgreSQL", postgres.url(), 3, true),
    ];
    for (name, store, replicas, paced) in setups {
        let started: Vec<(Process, String)> = (0..replicas)
            .map(|_| start_serve(store, home.path(), paced, base.trim_end_matches("/v2")))
            .collect();
        let urls: Vec<String> = started
            .iter()
            .map(|(_, base)| format!("{base}/v1/actions/retrieve-user"))
            .collect();
        // Each replica's first call compiles from the cache and reads the
        // token; not measured.
        for url in &urls {
            rt.block_on(load(std::slice::from_ref(url)));
        }
        let rate = rt.block_on(load(&urls));
        let ratio = match (paced, baseline) {
            // Zoom's 30 a second, each window widened by the 25 ms margin.
            (true, _) => format!("the account's paced rate is {:.1}/s", 30.0 / 1.025),
            (false, None) => {
                baseline = Some(rate);
                "1.00x".to_string()
            }
            (false, Some(b)) => format!("{:.2}x", rate / b),
        };
        let pacing = if paced {
            "Pro plan (30/s Light)"
        } else {
            "off"
        };
        println!("| {name} | {pacing} | {rate:.0} | {ratio} |");
    }
}
