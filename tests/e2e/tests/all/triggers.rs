//! Triggers: the real trigger components in the real host, on every event
//! the simulator emits and on Zoom's documented examples; their limits,
//! their contract and hot swap.

use crate::mismatches;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use wrk_zoom::triggers::{TriggerInfo, TriggerOutput, builtin_trigger};
use wrk_zoom::{CallLimits, ComponentSource, Host, HostError};
use wrk_zoom_e2e::{admin, host, host_with_limits, params, simulator, test_component, user};
use zoom_simulator::{RunningSimulator, seed};

/// Runs `event` through every trigger that maps its type; each output is
/// checked against its trigger's schema. Outputs by trigger name.
async fn map_everywhere(
    host: &Host,
    infos: &[TriggerInfo],
    event: &Value,
    outputs: &mut BTreeMap<String, Vec<TriggerOutput>>,
) {
    let kind = event["event"].as_str().unwrap_or_default();
    for info in infos.iter().filter(|i| i.maps(kind)) {
        let trigger = host.trigger(&info.name).await.unwrap();
        let mapped = host
            .map_event(&trigger, &event.to_string(), &[])
            .await
            .unwrap_or_else(|e| panic!("{} on {kind}: {e}", info.name));
        let schema = info.output_schema.value().unwrap();
        for output in &mapped {
            let wrong = mismatches(schema, &output.output);
            assert!(
                wrong.is_empty(),
                "{} on {kind}: {wrong:?}\n{}",
                info.name,
                output.output
            );
        }
        outputs.entry(info.name.clone()).or_default().extend(mapped);
    }
}

/// A meeting's life (through the actions), users and a phone call: every
/// event the simulator emits that a trigger maps.
async fn emit_everything(host: &Host, sim: &RunningSimulator) {
    let created = host
        .run(
            "create-meeting",
            &user(sim),
            &params(&[
                ("topic", "Launch review"),
                ("type", "2"),
                ("start_time", "2031-03-04T10:00:00Z"),
                ("duration", "30"),
            ]),
        )
        .await
        .unwrap();
    let id = created.body["id"].as_i64().unwrap();
    let meeting = id.to_string();
    host.run(
        "update-meeting",
        &user(sim),
        &params(&[("meetingId", &meeting), ("topic", "Launch review v2")]),
    )
    .await
    .unwrap();
    sim.start_meeting(id).unwrap();
    let zoe = sim
        .participant_joined(id, "Zoé Martin", "zoe@example.net")
        .unwrap();
    sim.participant_left(id, &zoe).unwrap();
    sim.end_meeting(id).unwrap();
    sim.complete_recording(id).unwrap();
    sim.complete_transcript(id).unwrap();
    sim.complete_summary(id).unwrap();
    host.run(
        "delete-meeting",
        &user(sim),
        &params(&[("meetingId", &meeting)]),
    )
    .await
    .unwrap();
    let new_hire = sim
        .create_user("new.hire@example.com", "Nia", "Hire")
        .unwrap();
    sim.deactivate_user(&new_hire).unwrap();
    let phone_users = host
        .run("retrieve-phone-users", &admin(sim), &[])
        .await
        .unwrap();
    let callee = phone_users.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] != seed::USER_ID)
        .and_then(|u| u["extension_number"].as_i64())
        .expect("a second phone user");
    sim.complete_phone_call(seed::USER_ID, &callee.to_string())
        .unwrap();
}

#[tokio::test]
async fn every_event_the_simulator_emits_maps_to_outputs_valid_against_their_schema() {
    let sim = simulator().await;
    let host = host();
    emit_everything(&host, &sim).await;
    let infos = host.describe_triggers().await.unwrap();
    let mut outputs = BTreeMap::new();
    let emitted = sim.emitted_events();
    for event in &emitted {
        map_everywhere(&host, &infos, event, &mut outputs).await;
    }
    for info in &infos {
        assert!(
            outputs.get(&info.name).is_some_and(|o| !o.is_empty()),
            "{}: no output from the simulator's events",
            info.name
        );
    }
    // One output per recording file, each with its download link.
    let recording = emitted
        .iter()
        .find(|e| e["event"] == "recording.completed")
        .unwrap();
    let files = recording["payload"]["object"]["recording_files"]
        .as_array()
        .unwrap();
    let per_file = &outputs["recording-completed"];
    assert_eq!(per_file.len(), files.len());
    for (output, file) in per_file.iter().zip(files) {
        assert_eq!(output.output["file_id"], file["id"]);
        assert_eq!(output.output["download_url"], file["download_url"]);
        assert_eq!(output.output["download_token"], recording["download_token"]);
    }
    // The transcript trigger sees the transcript, the recording one never.
    assert!(
        per_file
            .iter()
            .all(|o| o.output["file_type"] != "TRANSCRIPT")
    );
    assert!(
        outputs["transcript-completed"]
            .iter()
            .all(|o| o.output["file_type"] == "TRANSCRIPT")
    );
    // The phone call is logged on both sides, each its own output.
    let calls = &outputs["phone-call-completed"];
    let owners: Vec<&Value> = calls.iter().map(|o| &o.output["log_owner"]).collect();
    assert!(owners.contains(&&json!("caller")) && owners.contains(&&json!("callee")));
    assert_eq!(calls[0].output["call_id"], calls[1].output["call_id"]);
    assert_ne!(calls[0].key, calls[1].key);
}

#[tokio::test]
async fn zoom_s_documented_examples_map_to_outputs_valid_against_their_schema() {
    let host = host();
    let infos = host.describe_triggers().await.unwrap();
    let dir = format!("{}/../simulator/webhook-examples", crate::manifest_dir());
    let mut outputs = BTreeMap::new();
    let mut read = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let event: Value = serde_json::from_str(&text).unwrap();
        map_everywhere(&host, &infos, &event, &mut outputs).await;
        read += 1;
    }
    assert!(read >= infos.len(), "{read} examples in {dir}");
    for info in &infos {
        assert!(
            outputs.contains_key(&info.name),
            "{}: no documented example maps",
            info.name
        );
    }
}

#[tokio::test]
async fn each_built_in_component_describes_itself_as_its_declaration_says() {
    let host = host();
    for name in host.trigger_names() {
        let declared = host.trigger_info(&name).await.unwrap();
        let loaded = host.trigger(&name).await.unwrap();
        assert_eq!(loaded.info, declared, "{name}");
        assert!(loaded.info.title.starts_with("When "), "{name}");
    }
    assert_eq!(host.trigger_names().len(), 13);
}

#[tokio::test]
async fn bad_parameters_and_events_are_refused_naming_what_to_fix() {
    let host = host();
    let trigger = host.trigger("recording-completed").await.unwrap();
    let params = vec![("file_type".to_string(), "MP4".to_string())];
    let err = host.check_trigger(&trigger, &params).await.unwrap_err();
    assert!(matches!(err, HostError::InvalidParams { .. }), "{err:?}");
    assert!(err.to_string().contains("file_types"), "{err}");

    let started = r#"{"event":"meeting.started","payload":{"object":{}}}"#;
    let err = host.map_event(&trigger, started, &[]).await.unwrap_err();
    assert!(
        err.to_string().contains("recording.completed"),
        "names what it maps: {err}"
    );
    let err = host
        .map_event(&trigger, "{not json", &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not JSON"), "{err}");

    let err = host.trigger("recording-complete").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("did you mean 'recording-completed'"),
        "{err}"
    );
}

#[tokio::test]
async fn a_trigger_that_spins_or_hoards_memory_is_stopped_and_the_host_goes_on() {
    let limits = CallLimits {
        cpu: std::time::Duration::from_millis(200),
        memory_bytes: 32 << 20,
        ..CallLimits::default()
    };
    let host = host_with_limits(limits);
    let hostile = host
        .swap_trigger(test_component("hostile-trigger"), None)
        .await
        .unwrap();
    let event = r#"{"event":"meeting.started","payload":{"object":{}}}"#;
    let spin = vec![("mode".to_string(), "spin".to_string())];
    let err = host.map_event(&hostile, event, &spin).await.unwrap_err();
    assert!(matches!(err, HostError::Deadline { .. }), "{err:?}");
    let grab = vec![("mode".to_string(), "grab".to_string())];
    let err = host.map_event(&hostile, event, &grab).await.unwrap_err();
    assert!(matches!(err, HostError::Trap { .. }), "{err:?}");
    let echo = host.map_event(&hostile, event, &[]).await.unwrap();
    assert_eq!(echo[0].output, json!({"event": "meeting.started"}));
    // The others are untouched.
    let ended = host.trigger("meeting-ended").await.unwrap();
    let example = include_str!("../../../simulator/webhook-examples/meeting.ended.json");
    assert_eq!(host.map_event(&ended, example, &[]).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_component_that_is_not_a_trigger_never_replaces_one() {
    let host = host();
    let before = host.trigger("meeting-ended").await.unwrap().digest.clone();
    // An action imports wasi:http (and clocks): it may not load as a trigger.
    let action = ComponentSource::Bytes {
        label: "retrieve-user.wasm".into(),
        bytes: wrk_zoom::builtin_component("retrieve-user").unwrap().into(),
    };
    let err = host
        .swap_trigger(action, Some("meeting-ended"))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("no network, clock, randomness or files"),
        "{message}"
    );
    let garbage = ComponentSource::Bytes {
        label: "garbage.wasm".into(),
        bytes: b"not wasm".as_slice().into(),
    };
    assert!(
        host.swap_trigger(garbage, Some("meeting-ended"))
            .await
            .is_err()
    );
    // Another trigger under this one's name is refused too.
    let other = ComponentSource::Bytes {
        label: "meeting-started.wasm".into(),
        bytes: builtin_trigger("meeting-started").unwrap().into(),
    };
    let err = host
        .swap_trigger(other, Some("meeting-ended"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("meeting-started"), "{err}");
    assert_eq!(host.trigger("meeting-ended").await.unwrap().digest, before);
}

#[tokio::test]
async fn a_swapped_in_trigger_takes_over_for_the_next_event() {
    let host = host();
    let event = r#"{"event":"meeting.started","payload":{"object":{}}}"#;
    let builtin = host.trigger("meeting-started").await.unwrap();
    let hostile = host
        .swap_trigger(test_component("hostile-trigger"), Some("hostile-trigger"))
        .await
        .unwrap();
    assert!(
        host.trigger_names()
            .contains(&"hostile-trigger".to_string())
    );
    assert_eq!(host.map_event(&hostile, event, &[]).await.unwrap().len(), 1);
    // The built-in one, held from before, still maps with its own code.
    let out = host.map_event(&builtin, event, &[]).await.unwrap();
    assert_eq!(out[0].output["event"], "meeting.started");
    assert!(out[0].output.get("meeting_id").is_some());
}

#[tokio::test]
async fn trigger_components_written_to_the_actions_directory_are_swapped_in_safely() {
    use crate::swap::{component_bytes, eventually};
    let temp = wrk_zoom_e2e::temp_dir();
    let dir = temp.path().join("plugins");
    std::fs::create_dir_all(&dir).unwrap();
    // A new trigger (no action of its name): loaded as a trigger.
    std::fs::write(
        dir.join("hostile-trigger.wasm"),
        component_bytes("hostile-trigger"),
    )
    .unwrap();
    let host = std::sync::Arc::new(host());
    let watcher = host.watch_actions_dir(&dir).await.unwrap();
    assert_eq!(watcher.loaded(), 1, "{:?}", watcher.failures());
    assert!(
        host.trigger_names()
            .contains(&"hostile-trigger".to_string())
    );
    assert!(!host.action_names().contains(&"hostile-trigger".to_string()));

    // A built-in trigger's name with another trigger's code: refused.
    let before = host.trigger("meeting-ended").await.unwrap().digest.clone();
    let started = builtin_trigger("meeting-started").unwrap();
    std::fs::write(dir.join("meeting-ended.wasm"), started).unwrap();
    eventually("the impostor to be refused", || {
        !watcher.failures().is_empty()
    })
    .await;
    let failure = &watcher.failures()[0];
    assert!(
        failure.message.contains(
            "it maps meeting.started where the built-in meeting-ended maps meeting.ended"
        ),
        "{failure:?}"
    );
    assert_eq!(host.trigger("meeting-ended").await.unwrap().digest, before);

    // Its own code again (as a rebuilt component would be): swapped in.
    let ended = builtin_trigger("meeting-ended").unwrap();
    std::fs::write(dir.join("meeting-ended.wasm"), ended).unwrap();
    eventually("meeting-ended to load", || watcher.loaded() == 2).await;
    let now = host.trigger("meeting-ended").await.unwrap();
    assert_eq!(now.digest, before, "the same bytes");
    assert!(now.source.ends_with("meeting-ended.wasm"), "{}", now.source);
    drop(watcher);
}
