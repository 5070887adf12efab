use super::catalog::{self, ALL};
use super::*;
use serde_json::json;

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Whether `value` is what `field` declares.
fn fits(field: &Field, value: &Value) -> bool {
    if value.is_null() {
        return field.nullable;
    }
    match field.kind {
        FieldType::Text | FieldType::DateTime | FieldType::Url => value.is_string(),
        FieldType::Integer => value.is_i64(),
        FieldType::Boolean => value.is_boolean(),
        FieldType::Texts => value
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_string)),
        FieldType::Object => value.is_object(),
        FieldType::Objects => value
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_object)),
    }
}

fn assert_fits(trigger: &Trigger, output: &Value) {
    let object = output.as_object().expect("an output is an object");
    let mut names: Vec<&str> = trigger.all_fields().map(|f| f.name).collect();
    names.sort();
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(keys, names, "{}: exactly the declared fields", trigger.name);
    for field in trigger.all_fields() {
        assert!(
            fits(field, &object[field.name]),
            "{}.{} = {} is not a {:?} (nullable {})",
            trigger.name,
            field.name,
            object[field.name],
            field.kind,
            field.nullable
        );
    }
}

#[test]
fn every_trigger_maps_zoom_s_documented_example_to_outputs_with_its_declared_fields() {
    for trigger in ALL {
        for event in trigger.events {
            assert!(
                trigger
                    .example_event
                    .contains(&format!("\"{}\"", trigger.events[0])),
                "{}: its example is a {event} event",
                trigger.name
            );
        }
        let outputs = map(trigger, trigger.example_event, &[]).unwrap();
        assert!(!outputs.is_empty(), "{}: no output", trigger.name);
        for output in &outputs {
            assert_fits(trigger, &output.output);
            assert!(
                output.key.starts_with(&format!("{}:", trigger.events[0])),
                "{}: key {}",
                trigger.name,
                output.key
            );
        }
        let sample: Value = serde_json::from_str(&sample_output(trigger)).unwrap();
        assert_eq!(sample, outputs[0].output, "{}: the sample", trigger.name);
    }
}

#[test]
fn names_are_unique_kebab_case_and_titles_start_with_when() {
    let mut names: Vec<&str> = ALL.iter().map(|t| t.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), ALL.len());
    for trigger in ALL {
        assert!(
            trigger
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            trigger.name
        );
        assert!(trigger.title.starts_with("When "), "{}", trigger.title);
        assert_eq!(catalog::find(trigger.name).unwrap().name, trigger.name);
    }
}

#[test]
fn the_output_schema_lists_every_field_as_required_and_allows_null_only_where_declared() {
    let schema: Value =
        serde_json::from_str(&output_schema(&catalog::recordings::RECORDING_COMPLETED)).unwrap();
    assert_eq!(schema["additionalProperties"], json!(false));
    assert_eq!(schema["properties"]["file_id"]["type"], json!("string"));
    assert_eq!(
        schema["properties"]["download_token_expires_at"]["type"],
        json!(["string", "null"])
    );
    let required = schema["required"].as_array().unwrap();
    assert_eq!(
        required.len(),
        schema["properties"].as_object().unwrap().len()
    );
}

#[test]
fn a_recording_gives_one_output_per_file_with_when_its_download_token_expires() {
    let trigger = &catalog::recordings::RECORDING_COMPLETED;
    let outputs = map(trigger, trigger.example_event, &[]).unwrap();
    let event: Value = serde_json::from_str(trigger.example_event).unwrap();
    let files = event["payload"]["object"]["recording_files"]
        .as_array()
        .unwrap();
    assert_eq!(outputs.len(), files.len());
    let first = &outputs[0].output;
    assert_eq!(first["file_id"], files[0]["id"]);
    assert_eq!(first["download_url"], files[0]["download_url"]);
    assert_eq!(first["download_token"], event["download_token"]);
    // event_ts 1626230691572 is 2021-07-14T02:44:51Z; the token lasts 24 h.
    assert_eq!(
        first["download_token_expires_at"],
        json!("2021-07-15T02:44:51Z")
    );
    let keys: Vec<&str> = outputs.iter().map(|o| o.key.as_str()).collect();
    let mut unique = keys.clone();
    unique.dedup();
    assert_eq!(keys, unique, "every file has its own key");

    let only_audio = map(
        trigger,
        trigger.example_event,
        &params(&[("file_types", "M4A")]),
    )
    .unwrap();
    assert!(
        only_audio
            .iter()
            .all(|o| o.output["file_type"] == json!("M4A"))
    );
    assert!(only_audio.len() < outputs.len() && !only_audio.is_empty());
}

#[test]
fn the_same_event_gives_the_same_keys_and_another_download_token_does_not_change_them() {
    let trigger = &catalog::recordings::RECORDING_COMPLETED;
    let mut again: Value = serde_json::from_str(trigger.example_event).unwrap();
    again["download_token"] = json!("a-new-token");
    again["event_ts"] = json!(1_700_000_000_000i64);
    let keys = |text: &str| -> Vec<String> {
        map(trigger, text, &[])
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .collect()
    };
    assert_eq!(keys(trigger.example_event), keys(&again.to_string()));
}

#[test]
fn meeting_filters_pass_or_drop_the_event() {
    let trigger = &catalog::meetings::MEETING_STARTED;
    let one = |pairs: &[(&str, &str)]| {
        map(trigger, trigger.example_event, &params(pairs))
            .unwrap()
            .len()
    };
    assert_eq!(one(&[]), 1);
    assert_eq!(one(&[("topic_contains", "MY MEET")]), 1);
    assert_eq!(one(&[("topic_contains", "standup")]), 0);
    assert_eq!(one(&[("meeting_id", "123 456 7890")]), 1);
    assert_eq!(one(&[("meeting_id", "1111111111")]), 0);
    assert_eq!(one(&[("host_id", "x1yCzABCDEfg23HiJKl4mN")]), 1);
    assert_eq!(one(&[("host_id", "someone-else")]), 0);
}

#[test]
fn bad_parameters_are_refused_naming_the_field_and_the_fix() {
    let trigger = &catalog::recordings::RECORDING_COMPLETED;
    let Err(TriggerFailure::InvalidParams(problems)) = check(
        trigger,
        &params(&[("file_type", "MP4"), ("meeting_id", "abc")]),
    ) else {
        panic!("refused")
    };
    let text = format!("{problems:?}");
    assert!(
        text.contains("file_type") && text.contains("did you mean 'file_types'"),
        "{text}"
    );
    assert!(text.contains("meeting_id"), "{text}");
    let Err(TriggerFailure::InvalidParams(problems)) =
        check(trigger, &params(&[("file_types", "MP4,MOV")]))
    else {
        panic!("refused")
    };
    assert!(format!("{problems:?}").contains("MOV"), "{problems:?}");
}

#[test]
fn an_event_the_trigger_does_not_map_is_refused_with_what_it_maps() {
    let trigger = &catalog::meetings::MEETING_ENDED;
    let started = catalog::meetings::MEETING_STARTED.example_event;
    let Err(TriggerFailure::InvalidEvent(message)) = map(trigger, started, &[]) else {
        panic!("refused")
    };
    assert!(
        message.contains("meeting.ended") && message.contains("meeting.started"),
        "{message}"
    );
    for bad in ["not json", "{}", r#"{"event":"meeting.ended"}"#, "[1,2]"] {
        assert!(
            matches!(map(trigger, bad, &[]), Err(TriggerFailure::InvalidEvent(_))),
            "{bad}"
        );
    }
    let recording = &catalog::recordings::RECORDING_COMPLETED;
    let no_files = r#"{"event":"recording.completed","payload":{"object":{"uuid":"u"}}}"#;
    let Err(TriggerFailure::InvalidEvent(message)) = map(recording, no_files, &[]) else {
        panic!("refused")
    };
    assert!(message.contains("recording_files"), "{message}");
}

#[test]
fn a_transcript_trigger_gives_only_transcript_files() {
    let trigger = &catalog::recordings::TRANSCRIPT_COMPLETED;
    let outputs = map(trigger, trigger.example_event, &[]).unwrap();
    assert!(!outputs.is_empty());
    assert!(
        outputs
            .iter()
            .all(|o| o.output["file_type"] == json!("TRANSCRIPT"))
    );
}

#[test]
fn a_meeting_update_lists_what_changed_with_old_and_new_values() {
    let trigger = &catalog::meetings::MEETING_UPDATED;
    let event = json!({"event": "meeting.updated", "event_ts": 5, "payload": {
        "account_id": "A", "operator": "o@example.com", "time_stamp": 1_626_230_691_572i64,
        "object": {"id": 42, "topic": "New"}, "old_object": {"id": 42, "topic": "Old"}}});
    let out = &map(trigger, &event.to_string(), &[]).unwrap()[0];
    assert_eq!(out.output["changed_fields"], json!(["topic"]));
    assert_eq!(out.output["changes"], json!({"topic": "New"}));
    assert_eq!(out.output["previous"], json!({"topic": "Old"}));
    assert_eq!(out.output["updated_at"], json!("2021-07-14T02:44:51Z"));
    assert_eq!(out.key, "meeting.updated:42:1626230691572");
    assert_fits(trigger, &out.output);
}

#[test]
fn a_phone_call_is_filtered_by_direction_and_keyed_by_its_log_entry() {
    let trigger = &catalog::accounts::PHONE_CALL_COMPLETED;
    let all = map(trigger, trigger.example_event, &[]).unwrap();
    assert_eq!(all[0].output["log_owner"], json!("caller"));
    let direction = all[0].output["direction"].as_str().unwrap().to_string();
    let other = if direction == "inbound" {
        "outbound"
    } else {
        "inbound"
    };
    assert_eq!(
        map(
            trigger,
            trigger.example_event,
            &params(&[("direction", &direction)])
        )
        .unwrap()
        .len(),
        all.len()
    );
    assert!(
        map(
            trigger,
            trigger.example_event,
            &params(&[("direction", other)])
        )
        .unwrap()
        .is_empty()
    );
    assert!(
        all[0]
            .key
            .ends_with(all[0].output["call_log_id"].as_str().unwrap())
    );
}
