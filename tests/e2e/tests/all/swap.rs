//! Hot swap: calls in flight keep their component; broken components
//! never replace a working one.

use wrk_zoom::{ComponentSource, HostError, ZoomConnection};
use wrk_zoom_e2e::{GatedServer, host, simulator, test_component, user};
use zoom_simulator::seed;

#[tokio::test]
async fn calls_in_flight_finish_on_the_old_component_and_new_calls_use_the_new_one() {
    let host = std::sync::Arc::new(host());
    let mut gate = GatedServer::start(r#"{"id":"from-the-old-component"}"#).await;
    let held = ZoomConnection {
        access_token: "t".into(),
        api_base: gate.base_url.clone(),
        account: None,
    };
    let in_flight = {
        let host = host.clone();
        tokio::spawn(async move { host.run("retrieve-user", &held, &[]).await })
    };
    gate.arrived.notified().await;

    let old_digest = host.action("retrieve-user").await.unwrap().digest.clone();
    let new = host
        .swap(test_component("retrieve-user-v2"), Some("retrieve-user"))
        .await
        .unwrap();
    assert_ne!(new.digest, old_digest);

    let sim = simulator().await;
    let fresh = host.run("retrieve-user", &user(&sim), &[]).await.unwrap();
    assert_eq!(fresh.body["version"], 2, "new calls use the new component");

    gate.release();
    let finished = in_flight.await.unwrap().unwrap();
    assert_eq!(
        finished.body["id"], "from-the-old-component",
        "the call in flight finished on the old one"
    );
}

async fn assert_still_serves(host: &wrk_zoom::Host) {
    let sim = simulator().await;
    let reply = host.run("retrieve-user", &user(&sim), &[]).await.unwrap();
    assert_eq!(reply.body["id"], seed::USER_ID);
}

#[tokio::test]
async fn a_component_that_fails_to_compile_never_replaces_a_working_one() {
    let host = host();
    let garbage = ComponentSource::Bytes {
        label: "garbage.wasm".into(),
        bytes: b"not wasm at all".as_slice().into(),
    };
    let err = host.swap(garbage, Some("retrieve-user")).await.unwrap_err();
    assert!(matches!(err, HostError::Load { .. }), "got {err:?}");
    assert!(err.to_string().contains("garbage.wasm"));
    assert_still_serves(&host).await;
}

#[tokio::test]
async fn a_component_that_does_not_match_the_world_never_replaces_a_working_one() {
    let host = host();
    // A valid but empty component: it exports nothing.
    let empty = ComponentSource::Bytes {
        label: "empty.wasm".into(),
        bytes: b"\0asm\x0d\0\x01\0".as_slice().into(),
    };
    let err = host.swap(empty, Some("retrieve-user")).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("does not export the wrk:zoom/action interface"),
        "{err}"
    );
    assert_still_serves(&host).await;
}

#[tokio::test]
async fn a_component_under_another_name_never_replaces_an_action() {
    let host = host();
    let err = host
        .swap(test_component("echo-token"), Some("retrieve-user"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("describes itself as 'echo-token'"),
        "{err}"
    );
    assert_still_serves(&host).await;
}

#[tokio::test]
async fn a_second_host_loads_compiled_code_from_the_disk_cache() {
    let temp = wrk_zoom_e2e::temp_dir();
    let dir = temp.path().join("cache");
    let config = cache_config(&dir);
    let first = wrk_zoom::Host::new(config.clone()).unwrap();
    assert!(!first.action("retrieve-user").await.unwrap().from_cache);
    assert_eq!(cached(&dir).len(), 1, "one compiled artifact per component");

    let second = wrk_zoom::Host::new(config).unwrap();
    assert!(
        second.action("retrieve-user").await.unwrap().from_cache,
        "no recompilation"
    );
}

/// The compiled artifacts in a cache directory.
fn cached(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "cwasm"));
    files.sort();
    files
}

/// A host caching in `dir`, with its key beside it (as in a configuration
/// directory of its own).
fn cache_config(dir: &std::path::Path) -> wrk_zoom::HostConfig {
    wrk_zoom::HostConfig {
        cache_dir: Some(dir.to_path_buf()),
        cache_key_file: Some(dir.with_extension("key")),
        ..wrk_zoom::HostConfig::default()
    }
}

/// Copies the files of directory `from` into a new directory `to`, as a
/// backup restore or a CI cache would (private, like the original).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o700)).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[tokio::test]
async fn a_cache_copied_from_elsewhere_is_not_trusted() {
    let temp = wrk_zoom_e2e::temp_dir();
    let a = temp.path().join("a");
    let first = wrk_zoom::Host::new(cache_config(&a)).unwrap();
    let names = ["retrieve-user", "delete-meeting"];
    for name in names {
        first.action(name).await.unwrap();
    }
    assert_eq!(cached(&a).len(), names.len());
    // Even a key at its old place (inside the cache) travels with it.
    if let Ok(key) = std::fs::read(a.with_extension("key")) {
        std::fs::write(a.join(".key"), key).unwrap();
    }
    let b = temp.path().join("b");
    copy_dir(&a, &b);

    // A host whose configuration directory holds another key.
    let second = wrk_zoom::Host::new(cache_config(&b)).unwrap();
    for name in names {
        assert!(
            !second.action(name).await.unwrap().from_cache,
            "{name} came from a copied cache"
        );
    }
    // Its own artifacts replaced the copied ones, and vouch for themselves.
    let third = wrk_zoom::Host::new(cache_config(&b)).unwrap();
    assert!(third.action("retrieve-user").await.unwrap().from_cache);
}

#[tokio::test]
async fn a_cache_key_inside_the_cache_is_refused() {
    let temp = wrk_zoom_e2e::temp_dir();
    let dir = temp.path().join("cache");
    let config = wrk_zoom::HostConfig {
        cache_dir: Some(dir.clone()),
        cache_key_file: Some(dir.join("cache.key")),
        ..wrk_zoom::HostConfig::default()
    };
    let first = wrk_zoom::Host::new(config.clone()).unwrap();
    assert!(!first.action("retrieve-user").await.unwrap().from_cache);
    assert!(cached(&dir).is_empty(), "nothing cached");
}

#[tokio::test]
async fn a_cache_file_swapped_for_another_components_is_not_used() {
    let temp = wrk_zoom_e2e::temp_dir();
    let dir = temp.path().join("cache");
    let first = wrk_zoom::Host::new(cache_config(&dir)).unwrap();
    let user = first.action("retrieve-user").await.unwrap().digest.clone();
    let delete = first.action("delete-meeting").await.unwrap().digest.clone();
    let files = cached(&dir);
    let file_of = |digest: &str| {
        files
            .iter()
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(digest))
            .unwrap()
            .clone()
    };
    std::fs::copy(file_of(&delete), file_of(&user)).unwrap();

    let second = wrk_zoom::Host::new(cache_config(&dir)).unwrap();
    let action = second.action("retrieve-user").await.unwrap();
    assert!(!action.from_cache, "the swapped file fails its check");
    assert_eq!(action.info.name, "retrieve-user");
    assert_eq!(action.info.method, "GET");
}

#[tokio::test]
async fn a_flipped_byte_in_cached_code_recompiles() {
    let temp = wrk_zoom_e2e::temp_dir();
    let dir = temp.path().join("cache");
    let first = wrk_zoom::Host::new(cache_config(&dir)).unwrap();
    first.action("retrieve-user").await.unwrap();
    let file = cached(&dir).remove(0);
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&file, bytes).unwrap();

    let second = wrk_zoom::Host::new(cache_config(&dir)).unwrap();
    assert!(!second.action("retrieve-user").await.unwrap().from_cache);
    let third = wrk_zoom::Host::new(cache_config(&dir)).unwrap();
    assert!(
        third.action("retrieve-user").await.unwrap().from_cache,
        "the recompiled code replaced the damaged file"
    );
}

#[tokio::test]
async fn a_cache_directory_others_may_write_is_not_used() {
    use std::os::unix::fs::PermissionsExt;
    let temp = wrk_zoom_e2e::temp_dir();
    let dir = temp.path().join("cache");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let first = wrk_zoom::Host::new(cache_config(&dir)).unwrap();
    assert!(!first.action("retrieve-user").await.unwrap().from_cache);
    assert!(cached(&dir).is_empty(), "nothing written there");
    let second = wrk_zoom::Host::new(cache_config(&dir)).unwrap();
    assert!(!second.action("retrieve-user").await.unwrap().from_cache);
}

#[tokio::test]
async fn a_new_cache_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let temp = wrk_zoom_e2e::temp_dir();
    let dir = temp.path().join("new").join("cache");
    wrk_zoom::Host::new(cache_config(&dir))
        .unwrap()
        .action("retrieve-user")
        .await
        .unwrap();
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

pub(crate) fn component_bytes(name: &str) -> std::sync::Arc<[u8]> {
    match test_component(name) {
        ComponentSource::Bytes { bytes, .. } => bytes,
        ComponentSource::Builtin(bytes) => bytes.into(),
    }
}

/// Polls `done` for up to 20 s (file events arrive asynchronously).
pub(crate) async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn components_written_to_the_actions_directory_are_swapped_in_and_broken_ones_are_not() {
    let temp = wrk_zoom_e2e::temp_dir();
    let dir = temp.path().join("actions");
    std::fs::create_dir_all(&dir).unwrap();
    // Present at start: loaded before watching begins.
    std::fs::write(dir.join("echo-token.wasm"), component_bytes("echo-token")).unwrap();
    let host = std::sync::Arc::new(host());
    let watcher = host.watch_actions_dir(&dir).await.unwrap();
    assert_eq!(watcher.loaded(), 1);
    assert!(host.action_names().contains(&"echo-token".to_string()));

    let sim = simulator().await;
    std::fs::write(
        dir.join("retrieve-user.wasm"),
        component_bytes("retrieve-user-v2"),
    )
    .unwrap();
    eventually("the new retrieve-user to load", || watcher.loaded() == 2).await;
    let reply = host.run("retrieve-user", &user(&sim), &[]).await.unwrap();
    assert_eq!(reply.body["version"], 2);

    std::fs::write(dir.join("retrieve-user.wasm"), b"half a component").unwrap();
    eventually("the broken file to be refused", || {
        !watcher.failures().is_empty()
    })
    .await;
    let failure = &watcher.failures()[0];
    assert!(failure.path.ends_with("retrieve-user.wasm"), "{failure:?}");
    assert!(
        failure
            .message
            .contains("not a valid WebAssembly component"),
        "{failure:?}"
    );
    let reply = host.run("retrieve-user", &user(&sim), &[]).await.unwrap();
    assert_eq!(reply.body["version"], 2, "the working component stays");
    drop(watcher);
}

#[tokio::test]
async fn a_file_in_the_actions_directory_cannot_escalate() {
    let temp = wrk_zoom_e2e::temp_dir();
    let dir = temp.path().join("actions");
    std::fs::create_dir_all(&dir).unwrap();
    // Its name says one action, its describe() another.
    std::fs::write(
        dir.join("retrieve-meetings.wasm"),
        component_bytes("retrieve-user-v2"),
    )
    .unwrap();
    // The built-in retrieve-user, moved to the admin connection.
    std::fs::write(dir.join("retrieve-user.wasm"), component_bytes("escalate")).unwrap();
    let host = std::sync::Arc::new(host());
    let watcher = host.watch_actions_dir(&dir).await.unwrap();
    assert_eq!(watcher.loaded(), 0);
    let failures = watcher.failures();
    let message = |file: &str| {
        failures
            .iter()
            .find(|f| f.path.ends_with(file))
            .map(|f| f.message.clone())
            .unwrap_or_else(|| panic!("no failure for {file}: {failures:?}"))
    };
    assert!(
        message("retrieve-meetings.wasm")
            .contains("describes itself as 'retrieve-user', not 'retrieve-meetings'"),
        "{failures:?}"
    );
    assert!(
        message("retrieve-user.wasm").contains("on a admin connection instead of a user one"),
        "{failures:?}"
    );
    // The built-ins stay, on their own connections.
    let info = host.action("retrieve-user").await.unwrap().info.clone();
    assert_eq!(info.connection, wrk_zoom::model::ConnectionKind::User);
    let sim = simulator().await;
    let reply = host
        .run("retrieve-meetings", &user(&sim), &[])
        .await
        .unwrap();
    assert!(reply.body["meetings"].is_array());
}

#[tokio::test]
async fn an_actions_directory_others_may_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let temp = wrk_zoom_e2e::temp_dir();
    let dir = temp.path().join("actions");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let host = std::sync::Arc::new(host());
    let Err(err) = host.watch_actions_dir(&dir).await else {
        panic!("a directory others may write to was watched");
    };
    assert_eq!(err.category(), wrk_zoom::ErrorCategory::InvalidInput);
    assert!(err.to_string().contains("others may write to it"), "{err}");
}

/// A component built against the older contract `wrk:zoom@0.1.0` still
/// loads, swaps in beside 0.2.0 ones and runs; it describes no output
/// schema, where the built-in it replaces did.
#[tokio::test]
async fn a_component_of_the_older_contract_swaps_in_and_runs_without_an_output_schema() {
    let host = host();
    let builtin = host.action("retrieve-user").await.unwrap();
    assert_eq!(builtin.contract(), "0.2.0");
    assert!(builtin.info.output_schema.is_some());
    let older = host
        .swap(test_component("retrieve-user-v0-1"), Some("retrieve-user"))
        .await
        .unwrap();
    assert_eq!(older.contract(), "0.1.0");
    assert_eq!(older.info.output_schema, None);
    assert!(
        host.action("retrieve-meetings")
            .await
            .unwrap()
            .info
            .output_schema
            .is_some(),
        "the other actions keep theirs"
    );
    let sim = simulator().await;
    let reply = host.run("retrieve-user", &user(&sim), &[]).await.unwrap();
    assert_eq!(reply.body["id"], seed::USER_ID);
    assert_eq!(reply.body["contract"], "0.1.0", "the older component ran");
    let planned = host.plan("retrieve-user", &[]).await.unwrap();
    assert_eq!(planned.url, "{api-base}/users/me");
}

/// An action built against `wrk:zoom@0.3.0` (which added triggers and kept
/// the action world) loads, describes its output schema and runs.
#[tokio::test]
async fn a_component_of_the_trigger_contract_version_swaps_in_and_runs() {
    let host = host();
    let newer = host
        .swap(test_component("retrieve-user-v0-3"), Some("retrieve-user"))
        .await
        .unwrap();
    assert_eq!(newer.contract(), "0.3.0");
    assert!(newer.info.output_schema.is_some());
    let sim = simulator().await;
    let reply = host.run("retrieve-user", &user(&sim), &[]).await.unwrap();
    assert_eq!(reply.body["id"], seed::USER_ID);
    assert_eq!(reply.body["contract"], "0.3.0", "the 0.3.0 component ran");
}
