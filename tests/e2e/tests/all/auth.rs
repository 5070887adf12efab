//! Connections through the library against the simulator's OAuth
//! endpoints: login with PKCE, renewal (ahead of expiry, after 401 code 124,
//! Server-to-Server), invalid_grant, kind and scope checks, stand-in tokens.

use std::sync::Arc;
use std::time::Duration;
use wrk_zoom::HostError;
use wrk_zoom::auth::{
    ClientCredentials, Connections, FileStore, Grant, LoginFailure, LoginOptions, Secret,
    StoredConnection, TokenStore, account_credentials, new_connection,
};
use wrk_zoom::clock::now_secs;
use wrk_zoom::model::ConnectionKind;
use wrk_zoom_e2e::{host, params, simulator, simulator_with, test_component};
use zoom_simulator::browser::{consent, http_get};
use zoom_simulator::state::{TokenInfo, TokenKind};
use zoom_simulator::{RunningSimulator, SimConfig, seed};

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

fn credentials() -> ClientCredentials {
    ClientCredentials {
        client_id: seed::CLIENT_ID.into(),
        client_secret: Secret::new(seed::CLIENT_SECRET),
    }
}

/// Connections over a file store in a private temporary directory, which
/// lives as long as the returned guard.
fn file_connections(tag: &str) -> (Connections, FileStore, tempfile::TempDir) {
    let home = tempfile::Builder::new()
        .prefix(&format!("wrk-zoom-e2e-auth-{tag}-"))
        .tempdir()
        .unwrap();
    let store = FileStore::new(home.path().join("store"));
    (Connections::new(Arc::new(store.clone())), store, home)
}

/// The decoded value of `key` in `url`'s query string.
fn query_param(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Logs in through the simulator and stores the connection as `name`.
async fn login(sim: &RunningSimulator, connections: &Connections, name: &str, admin: bool) {
    let origin = sim.origin();
    let grant = wrk_zoom::auth::login(LoginOptions {
        credentials: &credentials(),
        oauth_base: &origin,
        timeout: Duration::from_secs(20),
        on_authorize_url: Box::new(move |url| {
            let url = url.to_string();
            tokio::spawn(async move { consent(&url, admin).await });
        }),
    })
    .await
    .expect("login succeeds");
    let kind = if admin {
        ConnectionKind::Admin
    } else {
        ConnectionKind::User
    };
    let connection = new_connection(
        kind,
        Grant::AuthorizationCode,
        &credentials(),
        &origin,
        "https://api.zoom.us/v2",
        None,
        grant,
        now_secs(),
    );
    connections.save(name, connection, false).await.unwrap();
}

fn token_requests(sim: &RunningSimulator, grant: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.raw_path == "/oauth/token" && r.body.contains(&format!("grant_type={grant}")))
        .count()
}

fn stored(store: &FileStore, name: &str) -> StoredConnection {
    store.load().unwrap().connections[name].clone()
}

#[tokio::test]
async fn login_with_pkce_stores_a_connection_that_runs_actions() {
    let (host, sim) = (host(), simulator().await);
    let (connections, store, _home) = file_connections("login");
    login(&sim, &connections, "me", false).await;

    let requests = sim.requests();
    let authorize = requests
        .iter()
        .find(|r| r.raw_path == "/oauth/authorize")
        .unwrap();
    let query = authorize.query.clone().unwrap();
    for expected in [
        "response_type=code",
        "code_challenge_method=S256",
        "state=",
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A",
    ] {
        assert!(query.contains(expected), "{query} lacks {expected}");
    }
    assert!(
        !query.contains("scope="),
        "Zoom refuses scopes on the authorize URL: {query}"
    );
    let token = requests
        .iter()
        .find(|r| r.raw_path == "/oauth/token")
        .unwrap();
    assert!(
        token
            .authorization
            .as_deref()
            .unwrap()
            .starts_with("Basic ")
    );
    assert!(token.body.contains("code_verifier="), "{}", token.body);
    assert!(!token.body.contains(seed::CLIENT_SECRET));

    let c = stored(&store, "me");
    assert_eq!(c.kind, ConnectionKind::User);
    assert_eq!(c.api_base, sim.base_url(), "api_url + /v2");
    assert_eq!(c.scopes, seed::USER_SCOPES);
    assert!(c.refresh_token.is_some());
    assert!(c.expires_at > now_secs() + 3000);
    assert_eq!(store.load().unwrap().defaults.user.as_deref(), Some("me"));

    let reply = run_on_connection(&host, &connections, "me", "retrieve-user", &[])
        .await
        .unwrap();
    assert_eq!(reply.body["id"], seed::USER_ID);
    let api = sim.requests().into_iter().last().unwrap();
    assert_eq!(
        api.authorization.unwrap(),
        format!("Bearer {}", c.access_token.expose())
    );
}

#[tokio::test]
async fn login_ignores_a_redirect_with_another_state_and_stalled_clients() {
    let sim = simulator().await;
    let origin = sim.origin();
    let (forged_tx, forged_rx) = tokio::sync::oneshot::channel();
    let grant = wrk_zoom::auth::login(LoginOptions {
        credentials: &credentials(),
        oauth_base: &origin,
        timeout: Duration::from_secs(20),
        on_authorize_url: Box::new(move |url| {
            let url = url.to_string();
            let redirect = query_param(&url, "redirect_uri").unwrap();
            tokio::spawn(async move {
                // A client that connects and says nothing...
                let addr = redirect
                    .trim_start_matches("http://")
                    .split('/')
                    .next()
                    .unwrap()
                    .to_string();
                let _idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
                // ...and a forged redirect: refused, the login goes on.
                let (status, _) = http_get(&format!("{redirect}?code=stolen&state=forged")).await;
                let _ = forged_tx.send(status);
                consent(&url, false).await;
                drop(_idle);
            });
        }),
    })
    .await
    .expect("the real redirect still completes the login");
    assert!(!grant.access_token.expose().is_empty());
    assert_eq!(forged_rx.await.unwrap(), 400);
    assert_eq!(
        token_requests(&sim, "authorization_code"),
        1,
        "only the real code"
    );
}

#[tokio::test]
async fn login_times_out_with_a_clear_message() {
    let sim = simulator().await;
    let origin = sim.origin();
    let failure = wrk_zoom::auth::login(LoginOptions {
        credentials: &credentials(),
        oauth_base: &origin,
        timeout: Duration::from_secs(1),
        on_authorize_url: Box::new(|_| {}),
    })
    .await
    .unwrap_err();
    assert_eq!(failure, LoginFailure::Timeout(Duration::from_secs(1)));
    assert!(
        failure
            .to_string()
            .starts_with("no answer from the browser within 1 s"),
        "{failure}"
    );
}

#[tokio::test]
async fn an_admin_action_refuses_a_user_connection_before_calling_zoom() {
    let (host, sim) = (host(), simulator().await);
    let (connections, _, _home) = file_connections("kind");
    login(&sim, &connections, "me", false).await;
    sim.clear_requests();
    let err = run_on_connection(
        &host,
        &connections,
        "me",
        "retrieve-meetings-admin",
        &params(&[("userId", seed::OTHER_USER_ID)]),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, HostError::Auth(_)), "{err:?}");
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Auth);
    assert!(
        text.contains("retrieve-meetings-admin is an admin action"),
        "{text}"
    );
    assert!(text.contains("wrk-zoom auth login --admin"), "{text}");
    assert!(sim.requests().is_empty(), "nothing may reach Zoom");

    // An admin login runs it.
    login(&sim, &connections, "boss", true).await;
    let reply = run_on_connection(
        &host,
        &connections,
        "boss",
        "retrieve-meetings-admin",
        &params(&[("userId", seed::USER_ID)]),
    )
    .await
    .unwrap();
    assert!(reply.body["meetings"].is_array());
}

/// A connection with the simulator's seeded user token and the given
/// granted scopes.
fn seeded(scopes: &[&str], token: &str, api_base: String) -> StoredConnection {
    StoredConnection {
        kind: ConnectionKind::User,
        grant: Grant::AuthorizationCode,
        client_id: seed::CLIENT_ID.into(),
        client_secret: Secret::new(seed::CLIENT_SECRET),
        oauth_base: api_base.trim_end_matches("/v2").to_string(),
        api_base,
        account_id: None,
        access_token: Secret::new(token),
        refresh_token: Some(Secret::new("unused")),
        expires_at: now_secs() + 3600,
        lifetime_secs: 3600,
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        needs_login: None,
        granted_at: now_secs(),
        renewals: 0,
    }
}

#[tokio::test]
async fn a_missing_scope_is_named_before_calling_zoom() {
    let (host, sim) = (host(), simulator().await);
    let (connections, _, _home) = file_connections("scope");
    connections
        .save(
            "narrow",
            seeded(&["user:read"], seed::USER_TOKEN, sim.base_url()),
            true,
        )
        .await
        .unwrap();
    let err = run_on_connection(&host, &connections, "narrow", "retrieve-meetings", &[])
        .await
        .unwrap_err();
    let HostError::MissingScope { needed, .. } = &err else {
        panic!("expected a missing scope, got {err:?}");
    };
    assert!(needed.contains(&"meeting:read".to_string()), "{needed:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("retrieve-meetings needs one of the scopes meeting:read"),
        "{text}"
    );
    assert!(text.contains("Scopes") && text.contains("wrk-zoom auth login --connection narrow"));
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Auth);
    assert!(sim.requests().is_empty(), "nothing may reach Zoom");

    // A granted scope (or its :admin form) passes the check.
    let reply = run_on_connection(&host, &connections, "narrow", "retrieve-user", &[])
        .await
        .unwrap();
    assert_eq!(reply.body["id"], seed::USER_ID);
}

#[tokio::test]
async fn zoom_4711_becomes_the_same_missing_scope_error() {
    let (host, sim) = (host(), simulator().await);
    sim.insert_token(
        "narrow-token",
        TokenInfo {
            kind: TokenKind::User,
            user_id: seed::USER_ID.into(),
            scopes: vec!["user:read".into()],
            expires_at: None,
        },
    );
    let (connections, _, _home) = file_connections("4711");
    // Granted scopes unknown: the host leaves the check to Zoom.
    connections
        .save("n", seeded(&[], "narrow-token", sim.base_url()), true)
        .await
        .unwrap();
    let err = run_on_connection(&host, &connections, "n", "retrieve-meetings", &[])
        .await
        .unwrap_err();
    let HostError::MissingScope { needed, .. } = &err else {
        panic!("expected a missing scope, got {err:?}");
    };
    assert!(needed.contains(&"meeting:read".to_string()), "{needed:?}");
    assert!(
        err.to_string()
            .contains("wrk-zoom auth login --connection n")
    );
    assert_eq!(sim.requests().len(), 1, "Zoom was asked once");
}

#[tokio::test]
async fn a_401_code_124_renews_once_and_runs_again() {
    let (host, sim) = (host(), simulator().await);
    let (connections, store, _home) = file_connections("124");
    login(&sim, &connections, "me", false).await;
    let before = stored(&store, "me");
    assert!(sim.expire_access_token(before.access_token.expose()));

    let reply = run_on_connection(&host, &connections, "me", "retrieve-user", &[])
        .await
        .unwrap();
    assert_eq!(reply.body["id"], seed::USER_ID);
    assert_eq!(token_requests(&sim, "refresh_token"), 1);
    let after = stored(&store, "me");
    assert_ne!(after.access_token, before.access_token);
    assert_ne!(
        after.refresh_token, before.refresh_token,
        "rotated and saved"
    );
    assert_eq!(after.renewals, 1);
}

#[tokio::test]
async fn a_second_401_is_an_auth_error() {
    let host = host();
    // Every minted token is dead on arrival.
    let sim = simulator_with(SimConfig {
        access_token_ttl: Duration::ZERO,
        ..SimConfig::default()
    })
    .await;
    let (connections, _, _home) = file_connections("second-401");
    login(&sim, &connections, "me", false).await;
    let err = run_on_connection(&host, &connections, "me", "retrieve-user", &[])
        .await
        .unwrap_err();
    assert!(matches!(err, HostError::Auth(_)), "{err:?}");
    assert!(
        err.to_string().contains("refused the renewed token"),
        "{err}"
    );
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Auth);
    // Renewed ahead of the call (expires_in 0), then once after the 401.
    assert_eq!(token_requests(&sim, "refresh_token"), 2);
    let api_calls = sim
        .requests()
        .iter()
        .filter(|r| r.raw_path.starts_with("/v2/"))
        .count();
    assert_eq!(api_calls, 2, "the action ran exactly twice");
}

#[tokio::test]
async fn invalid_grant_marks_the_connection_as_needing_login_without_retrying() {
    let (host, sim) = (host(), simulator().await);
    let (connections, store, _home) = file_connections("invalid-grant");
    login(&sim, &connections, "me", false).await;
    // Another client used the refresh token: ours is stale, and the access
    // token is due for renewal.
    let mut c = stored(&store, "me");
    c.refresh_token = Some(Secret::new("stale-refresh-token"));
    c.expires_at = now_secs() - 1;
    let fresh = Connections::new(Arc::new(store.clone()));
    fresh.save("me", c, true).await.unwrap();

    let err = run_on_connection(&host, &fresh, "me", "retrieve-user", &[])
        .await
        .unwrap_err();
    let HostError::NeedsLogin { reason, .. } = &err else {
        panic!("expected needs-login, got {err:?}");
    };
    assert!(reason.contains("Invalid Token!"), "{reason}");
    assert!(
        err.to_string()
            .contains("run `wrk-zoom auth login --connection me`"),
        "{err}"
    );
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Auth);
    assert!(stored(&store, "me").needs_login.is_some());
    assert_eq!(token_requests(&sim, "refresh_token"), 1);

    // No retry loop: later calls fail at once without asking Zoom again.
    let again = Connections::new(Arc::new(store.clone()));
    let err = run_on_connection(&host, &again, "me", "retrieve-user", &[])
        .await
        .unwrap_err();
    assert!(matches!(err, HostError::NeedsLogin { .. }), "{err:?}");
    assert_eq!(token_requests(&sim, "refresh_token"), 1);

    // Logging in again clears it.
    login(&sim, &again, "me", false).await;
    run_on_connection(&host, &again, "me", "retrieve-user", &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn expired_server_to_server_tokens_are_renewed() {
    let host = host();
    let sim = simulator_with(SimConfig {
        access_token_ttl: Duration::from_secs(2),
        ..SimConfig::default()
    })
    .await;
    let (connections, store, _home) = file_connections("s2s");
    let grant = account_credentials(&credentials(), &sim.origin(), seed::ACCOUNT_ID)
        .await
        .unwrap();
    assert!(grant.refresh_token.is_none());
    let connection = new_connection(
        ConnectionKind::Admin,
        Grant::AccountCredentials,
        &credentials(),
        &sim.origin(),
        "https://api.zoom.us/v2",
        Some(seed::ACCOUNT_ID.into()),
        grant,
        now_secs(),
    );
    connections.save("s2s", connection, true).await.unwrap();
    let first = stored(&store, "s2s").access_token;
    tokio::time::sleep(Duration::from_millis(2100)).await;

    let reply = run_on_connection(&host, &connections, "s2s", "retrieve-user", &[])
        .await
        .unwrap();
    assert_eq!(reply.body["id"], seed::ADMIN_USER_ID);
    assert_eq!(token_requests(&sim, "account_credentials"), 2);
    let second = stored(&store, "s2s");
    assert_ne!(second.access_token, first);
    assert_eq!(second.renewals, 1);
    let basic = sim
        .requests()
        .iter()
        .filter(|r| r.raw_path == "/oauth/token")
        .all(|r| {
            r.authorization
                .as_deref()
                .is_some_and(|a| a.starts_with("Basic "))
        });
    assert!(basic, "every token request uses Basic client auth");
}

#[tokio::test]
async fn components_on_a_stored_connection_see_only_a_stand_in() {
    let (host, sim) = (host(), simulator().await);
    let (connections, store, _home) = file_connections("standin");
    login(&sim, &connections, "me", false).await;
    host.swap(test_component("echo-token"), None).await.unwrap();
    let reply = run_on_connection(&host, &connections, "me", "echo-token", &[])
        .await
        .unwrap();
    let seen = reply.body["access_token"].as_str().unwrap();
    let real = stored(&store, "me").access_token;
    assert_ne!(seen, real.expose());
    assert!(seen.starts_with("wrkzoom-standin-"), "{seen}");
}

#[tokio::test]
async fn fifty_concurrent_calls_across_an_expiry_renew_once() {
    let host = Arc::new(host());
    let sim = simulator_with(SimConfig {
        access_token_ttl: Duration::from_secs(8),
        ..SimConfig::default()
    })
    .await;
    let (connections, store, _home) = file_connections("fifty");
    let connections = Arc::new(connections);
    login(&sim, &connections, "me", false).await;
    // Past the simulator's expiry: the stored token is dead.
    tokio::time::sleep(Duration::from_millis(8100)).await;
    let calls = (0..50).map(|_| {
        let (host, connections) = (host.clone(), connections.clone());
        tokio::spawn(async move {
            run_on_connection(&host, &connections, "me", "retrieve-user", &[]).await
        })
    });
    for call in calls.collect::<Vec<_>>() {
        let reply = call.await.unwrap().expect("every call succeeds");
        assert_eq!(reply.body["id"], seed::USER_ID);
    }
    assert_eq!(token_requests(&sim, "refresh_token"), 1);
    assert_eq!(stored(&store, "me").renewals, 1);
    let api_calls = sim
        .requests()
        .iter()
        .filter(|r| r.raw_path.starts_with("/v2/"))
        .count();
    assert_eq!(api_calls, 50, "no call needed a retry");
}

#[tokio::test]
async fn pagination_on_a_stored_connection_renews_a_token_rejected_midway() {
    let (host, sim) = (host(), simulator().await);
    let (connections, store, _home) = file_connections("all-pages-124");
    login(&sim, &connections, "me", false).await;
    let first_token = stored(&store, "me").access_token;
    let mut ids = std::collections::HashSet::new();
    let mut pages = 0;
    let run_page = async |page: &[(String, String)]| {
        pages += 1;
        if pages == 2 {
            // Zoom stops accepting the token between two pages.
            assert!(sim.expire_access_token(first_token.expose()));
        }
        run_on_connection(&host, &connections, "me", "retrieve-meetings", page).await
    };
    let info = host.action("retrieve-meetings").await.unwrap().info.clone();
    let summary = wrk_zoom::paginate::for_each_page_item(
        &info,
        run_page,
        &params(&[("page_size", "10")]),
        None,
        &mut |item: serde_json::Value| {
            ids.insert(item["id"].as_i64().unwrap());
            Ok(())
        },
    )
    .await
    .unwrap();
    assert_eq!(ids.len(), seed::USER_SCHEDULED_MEETING_COUNT);
    assert_eq!(summary.pages, 5);
    assert_eq!(
        token_requests(&sim, "refresh_token"),
        1,
        "renewed once, mid-run"
    );
    assert_ne!(stored(&store, "me").access_token, first_token);
}

/// A token store on a full disk: reads work, every write fails with
/// "No space left on device".
struct FullDisk(FileStore);

struct FullDiskGuard(Box<dyn wrk_zoom::auth::StoreGuard>);

#[async_trait::async_trait]
impl TokenStore for FullDisk {
    async fn read(&self) -> Result<wrk_zoom::auth::StoreData, wrk_zoom::auth::StoreError> {
        self.0.read().await
    }
    async fn lock(
        &self,
    ) -> Result<Box<dyn wrk_zoom::auth::StoreGuard>, wrk_zoom::auth::StoreError> {
        Ok(Box::new(FullDiskGuard(self.0.lock().await?)))
    }
    fn describe(&self) -> String {
        self.0.describe()
    }
}

#[async_trait::async_trait]
impl wrk_zoom::auth::StoreGuard for FullDiskGuard {
    async fn read(&mut self) -> Result<wrk_zoom::auth::StoreData, wrk_zoom::auth::StoreError> {
        self.0.read().await
    }
    async fn write(
        self: Box<Self>,
        _: &wrk_zoom::auth::StoreData,
    ) -> Result<(), wrk_zoom::auth::StoreError> {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        Err(wrk_zoom::auth::StoreError::io(
            format!("cannot write the token store: {full}"),
            full,
        ))
    }
}

#[tokio::test]
async fn a_full_disk_while_saving_renewed_tokens_is_a_store_failure_not_an_auth_one() {
    let (host, sim) = (host(), simulator().await);
    let (connections, store, _home) = file_connections("full-disk");
    login(&sim, &connections, "me", false).await;
    let mut c = stored(&store, "me");
    c.expires_at = now_secs() - 1;
    connections.save("me", c, true).await.unwrap();

    let full = Connections::new(Arc::new(FullDisk(store.clone())));
    let err = run_on_connection(&host, &full, "me", "retrieve-user", &[])
        .await
        .unwrap_err();
    assert!(matches!(err, HostError::Store(_)), "{err:?}");
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Store);
    let text = err.to_string();
    assert!(!text.contains("authentication failed"), "{text}");
    assert!(text.contains("could not save it"), "{text}");
    let mut cause = std::error::Error::source(&err);
    let mut disk_full = false;
    while let Some(e) = cause {
        disk_full |= e
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::StorageFull);
        cause = e.source();
    }
    assert!(disk_full, "the disk error is kept as the cause: {err:?}");
    // Saving a new connection on the full disk is the same kind of failure.
    let err = full
        .save("other", stored(&store, "me"), false)
        .await
        .unwrap_err();
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::Store, "{err}");
}
