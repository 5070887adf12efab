//! `wrk-zoom auth` and stored connections across processes: the login flow
//! driven without a browser, many calls and several processes sharing one
//! connection across expiries, a process killed while writing the store,
//! and no secret in any output.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wrk_zoom::auth::{Connections, FileStore, TokenStore};
use wrk_zoom::clock::now_secs;
use wrk_zoom::{Host, HostConfig};
use zoom_simulator::{RunningSimulator, SimConfig, seed};

use crate::cache_dir;

const BIN: &str = env!("CARGO_BIN_EXE_wrk-zoom");

struct Env {
    /// The store directory, inside `_temp` (created by the program itself).
    home: PathBuf,
    _temp: tempfile::TempDir,
    sim: RunningSimulator,
}

impl Env {
    async fn new(tag: &str, token_ttl: Duration) -> Env {
        let temp = crate::temp_dir(&format!("wrk-zoom-auth-{tag}-"));
        let home = temp.path().join("home");
        let sim = zoom_simulator::start(SimConfig {
            access_token_ttl: token_ttl,
            ..SimConfig::default()
        })
        .await
        .expect("simulator starts");
        Env {
            home,
            _temp: temp,
            sim,
        }
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(BIN);
        command
            .args(args)
            .env("WRK_ZOOM_HOME", &self.home)
            .env("WRK_ZOOM_CACHE_DIR", cache_dir())
            .env("WRK_ZOOM_CACHE_KEY_FILE", crate::cache_key_file())
            .env("ZOOM_CLIENT_ID", seed::CLIENT_ID)
            .env("ZOOM_CLIENT_SECRET", seed::CLIENT_SECRET)
            .env("ZOOM_OAUTH_BASE", self.sim.origin())
            .env_remove("ZOOM_ACCESS_TOKEN")
            .env_remove("ZOOM_API_BASE")
            .env_remove("ZOOM_ACCOUNT_ID")
            .env_remove("WRK_ZOOM_LOG")
            .env_remove("BROWSER")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().await.expect("run wrk-zoom")
    }

    fn store(&self) -> FileStore {
        FileStore::new(&self.home)
    }

    fn store_path(&self) -> PathBuf {
        self.home.join("connections.json")
    }

    /// The store parses and is private to the user.
    fn assert_store_valid(&self) -> Value {
        let bytes = std::fs::read(self.store_path()).expect("the store exists");
        let value: Value = serde_json::from_slice(&bytes).expect("the store is valid JSON");
        self.store().load().expect("the store loads");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(self.store_path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "store mode");
        }
        value
    }

    fn token_requests(&self, grant: &str) -> Vec<String> {
        self.sim
            .requests()
            .into_iter()
            .filter(|r| {
                r.raw_path == "/oauth/token" && r.body.contains(&format!("grant_type={grant}"))
            })
            .map(|r| r.body)
            .collect()
    }

    /// `wrk-zoom auth login`, approving in place of a browser.
    async fn login(&self, extra: &[&str], as_admin: bool) -> Output {
        let mut args = vec!["auth", "login", "--no-browser", "--timeout", "30"];
        args.extend_from_slice(extra);
        crate::login_in_place_of_a_browser(self.command(&args), &self.sim.origin(), as_admin).await
    }

    /// Every token and secret the simulator or the store has seen.
    fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![seed::CLIENT_SECRET.to_string()];
        for r in self.sim.requests() {
            if let Some(a) = r.authorization {
                if let Some(t) = a.strip_prefix("Bearer ") {
                    secrets.push(t.to_string());
                }
                if let Some(b) = a.strip_prefix("Basic ") {
                    secrets.push(b.to_string());
                }
            }
            for pair in r.body.split('&') {
                if let Some(v) = pair.strip_prefix("refresh_token=") {
                    secrets.push(v.to_string());
                }
            }
        }
        if let Ok(data) = self.store().load() {
            for c in data.connections.values() {
                secrets.push(c.access_token.expose().to_string());
                if let Some(rt) = &c.refresh_token {
                    secrets.push(rt.expose().to_string());
                }
            }
        }
        secrets.retain(|s| s.len() >= 8);
        secrets
    }
}

/// Runs `action` once on stored connection `name`, through the library's
/// one call path.
async fn run_on_connection(
    host: &wrk_zoom::Host,
    connections: &Connections,
    name: &str,
    action: &str,
    params: &[(String, String)],
) -> Result<wrk_zoom::model::Reply, wrk_zoom::HostError> {
    wrk_zoom::call::Caller::new(host, Some(connections))
        .call(
            action,
            params,
            wrk_zoom::call::ConnectionRequest::named(name),
        )
        .await
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            text(&output.stdout),
            text(&output.stderr)
        )
    })
}

fn assert_ok(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    );
}

fn assert_no_secret(outputs: &[&Output], secrets: &[String]) {
    for output in outputs {
        let all = format!("{}{}", text(&output.stdout), text(&output.stderr));
        for secret in secrets {
            assert!(
                !all.contains(secret.as_str()),
                "a secret leaked into:\n{all}"
            );
        }
    }
}

fn host() -> Host {
    Host::new(HostConfig {
        cache_dir: Some(cache_dir()),
        cache_key_file: Some(crate::cache_key_file()),
        max_concurrent_calls: 64,
        ..HostConfig::default()
    })
    .expect("host starts")
}

#[tokio::test]
async fn login_via_the_cli_then_run_status_and_logout() {
    let env = Env::new("login", Duration::from_secs(3600)).await;
    let login = env.login(&[], false).await;
    assert_ok(&login);
    let summary = json(&login);
    assert_eq!(summary["connection"], "user");
    assert_eq!(summary["kind"], "user");
    assert_eq!(summary["default"], true);
    assert_eq!(summary["needs_login"], false);
    assert_eq!(summary["api_base"], env.sim.base_url());
    let stored = env.assert_store_valid();
    assert_eq!(stored["defaults"]["user"], "user");
    // The account, by which Zoom's events are routed to the connection.
    assert_eq!(
        stored["connections"]["user"]["account_id"],
        seed::ACCOUNT_ID
    );
    assert_eq!(env.token_requests("authorization_code").len(), 1);

    let run = env.run(&["run", "retrieve-user"]).await;
    assert_ok(&run);
    assert_eq!(json(&run)["id"], seed::USER_ID);

    let status = env.run(&["auth", "status", "--json"]).await;
    assert_ok(&status);
    let status = json(&status);
    let connection = &status["connections"][0];
    assert_eq!(connection["connection"], "user");
    assert_eq!(connection["scopes"][0], seed::USER_SCOPES[0]);
    assert!(connection["expires_in"].as_i64().unwrap() > 3000);
    let human = env.run(&["auth", "status"]).await;
    assert!(text(&human.stdout).contains("user (default user connection)"));
    assert!(text(&human.stdout).contains("needs login: no"));

    // An admin action needs an admin connection.
    let admin = env
        .run(&["run", "retrieve-meetings-admin", "userId=me"])
        .await;
    assert_eq!(admin.status.code(), Some(4));
    assert!(text(&admin.stderr).contains("no stored admin connection"));
    let refused = env
        .run(&[
            "run",
            "retrieve-meetings-admin",
            "userId=me",
            "--connection",
            "user",
        ])
        .await;
    assert_eq!(refused.status.code(), Some(4));
    assert!(
        text(&refused.stderr)
            .contains("is an admin action and connection 'user' is a user connection"),
        "{}",
        text(&refused.stderr)
    );

    let secrets = env.secrets();
    assert_no_secret(&[&login, &run, &human, &admin, &refused], &secrets);

    let logout = env.run(&["auth", "logout", "--connection", "user"]).await;
    assert_ok(&logout);
    env.assert_store_valid();
    let after = env.run(&["run", "retrieve-user"]).await;
    assert_eq!(after.status.code(), Some(4));
    assert!(
        text(&after.stderr).contains("no stored user connection"),
        "{}",
        text(&after.stderr)
    );
}

#[tokio::test]
async fn an_admin_login_and_a_server_to_server_app_run_admin_actions() {
    let env = Env::new("admin", Duration::from_secs(3600)).await;
    let login = env.login(&["--admin"], true).await;
    assert_ok(&login);
    assert_eq!(json(&login)["connection"], "admin");
    assert_eq!(json(&login)["kind"], "admin");
    let run = env
        .run(&[
            "run",
            "retrieve-meetings-admin",
            &format!("userId={}", seed::USER_ID),
        ])
        .await;
    assert_ok(&run);

    let s2s = env
        .run(&["auth", "s2s", "--account-id", seed::ACCOUNT_ID, "--default"])
        .await;
    assert_ok(&s2s);
    assert_eq!(json(&s2s)["grant"], "account_credentials");
    let me = env.run(&["run", "retrieve-user"]).await;
    assert_ok(&me);
    // The user action ran on the default admin connection (now the S2S one).
    assert_eq!(json(&me)["id"], seed::ADMIN_USER_ID);
    env.assert_store_valid();

    let logout = env.run(&["auth", "logout"]).await;
    assert_ok(&logout);
    let status = env.run(&["auth", "status", "--json"]).await;
    assert_eq!(json(&status)["connections"], serde_json::json!([]));
}

#[tokio::test]
async fn fifty_calls_and_four_processes_share_one_connection_across_expiries() {
    // Renewed tokens stay fresh for 3/4 of this (12 s): time enough for the
    // four processes to start.
    let ttl = 16;
    let env = Env::new("shared", Duration::from_secs(ttl)).await;
    assert_ok(&env.login(&[], false).await);
    // Warm the disk cache and this process's host while the token is fresh.
    assert_ok(&env.run(&["run", "retrieve-user"]).await);
    let host = Arc::new(host());
    let connections = Arc::new(Connections::new(Arc::new(env.store())));
    run_on_connection(&host, &connections, "user", "retrieve-user", &[])
        .await
        .unwrap();
    assert!(env.token_requests("refresh_token").is_empty());

    for round in 1..=2 {
        // Wait until the simulator has expired the current token.
        let granted_at = env.store().load().unwrap().connections["user"].granted_at;
        let dead_at = granted_at + ttl as i64 + 1;
        while now_secs() < dead_at {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let started = Instant::now();
        let processes: Vec<_> = (0..4)
            .map(|_| {
                env.command(&["run", "retrieve-user"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .output()
            })
            .collect();
        let calls: Vec<_> = (0..50)
            .map(|_| {
                let (host, connections) = (host.clone(), connections.clone());
                tokio::spawn(async move {
                    run_on_connection(&host, &connections, "user", "retrieve-user", &[]).await
                })
            })
            .collect();
        for call in calls {
            let reply = call.await.unwrap().expect("every in-process call succeeds");
            assert_eq!(reply.body["id"], seed::USER_ID);
        }
        for process in processes {
            let output = process.await.unwrap();
            assert_ok(&output);
            assert_eq!(json(&output)["id"], seed::USER_ID);
        }
        assert!(
            started.elapsed() < Duration::from_secs(ttl / 2),
            "the round took {:?}; too slow to prove one renewal per expiry",
            started.elapsed()
        );
        let stored = env.assert_store_valid();
        assert_eq!(stored["connections"]["user"]["renewals"], round);
        assert!(stored["connections"]["user"].get("needs_login").is_none());
        let refreshes = env.token_requests("refresh_token");
        assert_eq!(refreshes.len(), round as usize, "one renewal per expiry");
        // No refresh token was ever sent twice (a reuse is Zoom's invalid_grant).
        let mut sent: Vec<&String> = refreshes.iter().collect();
        sent.sort();
        sent.dedup();
        assert_eq!(sent.len(), refreshes.len());
    }
}

#[tokio::test]
async fn a_process_killed_while_writing_the_store_leaves_it_readable() {
    let env = Env::new("killed", Duration::from_secs(3600)).await;
    assert_ok(
        &env.run(&["auth", "s2s", "--account-id", seed::ACCOUNT_ID])
            .await,
    );
    let before = std::fs::read(env.store_path()).unwrap();

    let mut child = env
        .command(&[
            "auth",
            "s2s",
            "--account-id",
            seed::ACCOUNT_ID,
            "--connection",
            "other",
        ])
        .env("WRK_ZOOM_TEST_STALL_WRITE_MS", "20000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let temp = wait_for_temp_file(&env.home, Duration::from_secs(30)).await;
    // Half written: the temporary file is not a valid store yet.
    let partial = std::fs::read(&temp).unwrap();
    assert!(!partial.is_empty());
    assert!(serde_json::from_slice::<Value>(&partial).is_err());
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    assert_eq!(
        std::fs::read(env.store_path()).unwrap(),
        before,
        "store untouched"
    );
    env.assert_store_valid();
    let status = env.run(&["auth", "status", "--json"]).await;
    assert_ok(&status);
    assert_eq!(json(&status)["connections"].as_array().unwrap().len(), 1);

    // The dead writer's lock is gone and its temporary file is cleaned up.
    let again = env
        .run(&[
            "auth",
            "s2s",
            "--account-id",
            seed::ACCOUNT_ID,
            "--connection",
            "other",
        ])
        .await;
    assert_ok(&again);
    assert!(!temp.exists(), "stale temporary file removed");
    let stored = env.assert_store_valid();
    assert!(stored["connections"]["other"].is_object());
    assert!(stored["connections"]["s2s"].is_object());
}

async fn wait_for_temp_file(dir: &Path, limit: Duration) -> PathBuf {
    let started = Instant::now();
    loop {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".tmp") && entry.metadata().is_ok_and(|m| m.len() > 0) {
                    return entry.path();
                }
            }
        }
        assert!(started.elapsed() < limit, "no write started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn verbose_logs_and_errors_never_show_tokens_or_secrets() {
    let env = Env::new("secrets", Duration::from_secs(3)).await;
    let s2s = env
        .run(&["-v", "auth", "s2s", "--account-id", seed::ACCOUNT_ID])
        .await;
    assert_ok(&s2s);
    let login = env.login(&["-v"], false).await;
    assert_ok(&login);
    // Both tokens expire: the next runs renew them, with debug logging of
    // every crate.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let user = env.run(&["-v", "run", "retrieve-user"]).await;
    assert_ok(&user);
    assert!(
        text(&user.stderr).contains("renewed the access token"),
        "{}",
        text(&user.stderr)
    );
    let admin = env
        .command(&[
            "--json-errors",
            "run",
            "retrieve-meetings-admin",
            "userId=me",
            "--connection",
            "s2s",
        ])
        .env("WRK_ZOOM_LOG", "debug")
        .output()
        .await
        .unwrap();
    assert_ok(&admin);

    // Errors: a wrong secret, a damaged refresh.
    let wrong = env
        .command(&[
            "--json-errors",
            "-v",
            "auth",
            "s2s",
            "--account-id",
            seed::ACCOUNT_ID,
            "--connection",
            "x",
        ])
        .env("ZOOM_CLIENT_SECRET", "wrong-secret-do-not-print-0123")
        .output()
        .await
        .unwrap();
    assert_eq!(wrong.status.code(), Some(4));
    assert!(
        text(&wrong.stderr).contains("invalid_client"),
        "{}",
        text(&wrong.stderr)
    );
    assert!(!text(&wrong.stderr).contains("wrong-secret-do-not-print-0123"));

    let status = env.run(&["auth", "status", "--json"]).await;
    let stored = std::fs::read_to_string(env.store_path()).unwrap();
    let secrets = env.secrets();
    assert!(secrets.len() >= 6, "{} secrets collected", secrets.len());
    // The store holds the current tokens; the outputs hold none of them.
    let data = env.store().load().unwrap();
    assert!(stored.contains(data.connections["s2s"].access_token.expose()));
    assert_no_secret(&[&s2s, &login, &user, &admin, &wrong, &status], &secrets);
}

#[tokio::test]
async fn all_pages_renews_first_a_token_that_could_expire_midway() {
    let env = Env::new("long-run", Duration::from_secs(3600)).await;
    assert_ok(&env.login(&[], false).await);
    // Ten minutes left: enough for one call, not for a long paginated run.
    {
        let store = env.store();
        let mut guard = store.lock().await.unwrap();
        let mut data = guard.read().await.unwrap();
        let c = data.connections.get_mut("user").unwrap();
        c.expires_at = now_secs() + 600;
        guard.write(&data).await.unwrap();
    }
    assert_ok(&env.run(&["run", "retrieve-user"]).await);
    assert!(env.token_requests("refresh_token").is_empty());

    let all = env.run(&["run", "retrieve-meetings", "--all"]).await;
    assert_ok(&all);
    assert!(json(&all)["meetings"].as_array().unwrap().len() > 1);
    assert_eq!(env.token_requests("refresh_token").len(), 1);
    let stored = env.assert_store_valid();
    assert!(
        stored["connections"]["user"]["expires_at"]
            .as_i64()
            .unwrap()
            > now_secs() + 3000
    );

    // Fresh enough now: the next long run renews nothing.
    assert_ok(&env.run(&["run", "retrieve-meetings", "--all"]).await);
    assert_eq!(env.token_requests("refresh_token").len(), 1);
}

#[tokio::test]
async fn a_store_that_cannot_be_written_is_an_internal_failure_without_a_login_hint() {
    let env = Env::new("unwritable", Duration::from_secs(3600)).await;
    // The lock file's name is taken by a directory: the token from Zoom
    // cannot be saved (as a full disk or a read-only home would refuse it).
    std::fs::create_dir_all(env.home.join("connections.lock")).unwrap();
    let out = env
        .run(&["auth", "s2s", "--account-id", seed::ACCOUNT_ID])
        .await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot open the lock file"), "{err}");
    assert!(!err.contains("authentication failed"), "{err}");
    assert!(!err.contains("hint: connect with"), "{err}");
}

#[tokio::test]
async fn a_token_that_claims_to_live_for_ages_is_saved_with_a_bounded_expiry() {
    let env = Env::new("ages", Duration::from_secs(3600)).await;
    env.sim.inject_fault(
        zoom_simulator::FaultRule::new(zoom_simulator::Fault::Answer {
            status: 200,
            headers: Vec::new(),
            body: r#"{"access_token":"a-token-for-ages","token_type":"bearer","expires_in":1000000000000,"scope":"user:read:admin"}"#.into(),
        })
        .path_prefix("/oauth/token"),
    );
    let s2s = env
        .run(&["auth", "s2s", "--account-id", seed::ACCOUNT_ID])
        .await;
    assert_eq!(s2s.status.code(), Some(0), "{}", text(&s2s.stderr));
    let status = env.run(&["auth", "status", "--json"]).await;
    assert_eq!(status.status.code(), Some(0), "{}", text(&status.stderr));
    let expiry = env.store().load().unwrap().connections["s2s"].expires_at;
    assert!(
        expiry <= now_secs() + 30 * 86_400 + 60,
        "expires at {expiry}"
    );
}

#[tokio::test]
async fn the_browser_inherits_none_of_our_variables() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new("browser", Duration::from_secs(3600)).await;
    let dump = env._temp.path().join("browser-env");
    let browser = env._temp.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nenv > '{}.tmp'\nmv '{0}.tmp' '{0}'\n",
            dump.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = env
        .command(&[
            "auth",
            "login",
            "--timeout",
            "2",
            // The file store: the database URL below is only a secret to keep.
            "--store",
            env.home.to_str().unwrap(),
        ])
        .env("BROWSER", &browser)
        .env("WRK_ZOOM_STORE_KEY", "store-key-secret-value")
        .env("WRK_ZOOM_DATABASE_URL", "postgres://u:db-password@db/x")
        .env("WRK_ZOOM_NEW_SETTING", "new-setting-value")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success(), "nobody approved the login");
    for _ in 0..100 {
        if dump.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = std::fs::read_to_string(&dump).expect("the browser ran");
    assert!(seen.contains("PATH="), "{seen}");
    for secret in [
        "WRK_ZOOM_STORE_KEY",
        "store-key-secret-value",
        "WRK_ZOOM_DATABASE_URL",
        "db-password",
        "WRK_ZOOM_HOME",
        "WRK_ZOOM_NEW_SETTING",
        "ZOOM_CLIENT_SECRET",
        seed::CLIENT_SECRET,
        "ZOOM_OAUTH_BASE",
    ] {
        assert!(!seen.contains(secret), "the browser got {secret}:\n{seen}");
    }
}
