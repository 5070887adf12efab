//! Test helpers that change the simulated world the way users do in Zoom
//! (start a meeting, join it, finish a recording, place a call, ...), each
//! emitting the event(s) Zoom would send, and changing the simulator's state
//! where it models it (a started meeting ends as a past instance that the
//! REST routes serve, a completed recording is downloadable, a created user
//! is on the account, a call is in the call history).

use super::payloads;
use crate::seed::{ACCOUNT_ID, ADMIN_USER_ID, hex_uuid};
use crate::state::{
    CallRecord, Data, InstanceKind, LiveMeeting, LiveParticipant, Participant, PastInstance,
    PhoneUser, RecordingFile, SimState, TranscriptState, User,
};
use crate::time::now_secs;
use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};

/// (file_type, file_extension, recording_type, stored extension,
/// content type, bytes) of the files a completed recording gets.
type NewFile = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [u8],
);
const RECORDING_FILES: [NewFile; 3] = [
    (
        "MP4",
        "MP4",
        "shared_screen_with_speaker_view",
        "mp4",
        "video/mp4",
        b"\x00\x00\x00\x18ftypmp42simulated",
    ),
    (
        "M4A",
        "M4A",
        "audio_only",
        "m4a",
        "audio/mp4",
        b"\x00\x00\x00\x18ftypM4A simulated",
    ),
    (
        "CHAT",
        "TXT",
        "chat_file",
        "txt",
        "text/plain",
        b"10:00:05\t From  Ada Lovelace : Hello!\n",
    ),
];

/// A new meeting-instance UUID (24 characters of base64, like Zoom's).
fn instance_uuid() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 16]>())
}

/// The account admin: the operator of account-level changes.
fn admin(data: &Data) -> anyhow::Result<User> {
    data.find_user(ADMIN_USER_ID)
        .cloned()
        .context("the seeded admin user is missing")
}

/// Index of the latest ended instance of `meeting_id`.
fn latest_instance(data: &Data, meeting_id: i64) -> anyhow::Result<usize> {
    data.past
        .iter()
        .enumerate()
        .filter(|(_, p)| p.meeting_id == meeting_id)
        .max_by_key(|(_, p)| p.end)
        .map(|(i, _)| i)
        .ok_or_else(|| anyhow!("meeting {meeting_id} has no ended instance"))
}

/// A new stored file; returns its download token.
fn store_file(
    data: &mut Data,
    extension: &'static str,
    content_type: &'static str,
    body: &[u8],
) -> String {
    let token = super::random_token(16);
    data.files.insert(
        token.clone(),
        payloads::stored(extension, content_type, body),
    );
    token
}

/// A `download_token` for a recording event, accepted by `/rec/download`
/// for 24 hours like Zoom's.
fn download_token(data: &mut Data) -> String {
    let token = super::random_token(24);
    data.download_access_tokens
        .insert(token.clone(), now_secs() + 24 * 3600);
    token
}

impl SimState {
    fn emit(&self, data: &mut Data, envelope: Value) {
        self.events.emit(data, &self.origin, envelope);
    }

    /// Starts a scheduled meeting (`meeting.started`); returns the new
    /// instance's UUID.
    pub fn start_meeting(&self, meeting_id: i64) -> anyhow::Result<String> {
        let mut data = self.data();
        if data.live.contains_key(&meeting_id) {
            bail!("meeting {meeting_id} is already in progress");
        }
        let meeting = data
            .meetings
            .get_mut(&meeting_id)
            .ok_or_else(|| anyhow!("meeting {meeting_id} does not exist"))?;
        meeting.object["status"] = json!("started");
        let object = meeting.object.clone();
        let live = LiveMeeting {
            uuid: instance_uuid(),
            start: now_secs(),
            participants: Vec::new(),
        };
        let envelope = payloads::meeting_started(&object, &live);
        let uuid = live.uuid.clone();
        data.live.insert(meeting_id, live);
        self.emit(&mut data, envelope);
        Ok(uuid)
    }

    /// Ends a meeting in progress (`meeting.ended`); it becomes a past
    /// instance (`/past_meetings/{uuid}`), everyone still in it leaving now.
    pub fn end_meeting(&self, meeting_id: i64) -> anyhow::Result<()> {
        let mut data = self.data();
        let live = data
            .live
            .remove(&meeting_id)
            .ok_or_else(|| anyhow!("meeting {meeting_id} is not in progress"))?;
        let meeting = data
            .meetings
            .get_mut(&meeting_id)
            .ok_or_else(|| anyhow!("meeting {meeting_id} does not exist"))?;
        meeting.object["status"] = json!("waiting");
        let object = meeting.object.clone();
        let end = now_secs().max(live.start);
        let participants = live
            .participants
            .iter()
            .map(|p| {
                let mut q = p.participant.clone();
                if p.present {
                    q.leave = end;
                }
                q
            })
            .collect();
        data.past.push(PastInstance {
            uuid: live.uuid.clone(),
            meeting_id,
            kind: InstanceKind::Meeting,
            meeting_type: object.get("type").and_then(Value::as_i64).unwrap_or(2),
            host_id: object["host_id"].as_str().unwrap_or_default().to_string(),
            topic: object["topic"].as_str().unwrap_or_default().to_string(),
            start: live.start,
            end,
            participants,
            transcript: TranscriptState::NotReady,
            transcript_token: None,
            recording_files: Vec::new(),
            recording_password: super::random_token(6),
            summary_created: None,
        });
        let envelope = payloads::meeting_ended(&object, &live, end);
        self.emit(&mut data, envelope);
        Ok(())
    }

    /// Someone joins a meeting in progress (`meeting.participant_joined`);
    /// a user of the account is recognised by email. Returns the
    /// `participant_uuid`.
    pub fn participant_joined(
        &self,
        meeting_id: i64,
        name: &str,
        email: &str,
    ) -> anyhow::Result<String> {
        let mut data = self.data();
        let user_id = data
            .find_user(email)
            .map(|u| u.id.clone())
            .unwrap_or_default();
        let object = data
            .meetings
            .get(&meeting_id)
            .map(|m| m.object.clone())
            .ok_or_else(|| anyhow!("meeting {meeting_id} does not exist"))?;
        let live = data
            .live
            .get_mut(&meeting_id)
            .ok_or_else(|| anyhow!("meeting {meeting_id} is not in progress"))?;
        let now = now_secs();
        let joined = LiveParticipant {
            participant_uuid: hex_uuid(&super::random_token(16)).to_uppercase(),
            participant: Participant {
                id: user_id.clone(),
                name: name.to_string(),
                user_id: (16_778_240 + live.participants.len()).to_string(),
                email: email.to_string(),
                registrant_id: None,
                join: now,
                leave: now,
                internal_user: !user_id.is_empty(),
            },
            present: true,
        };
        let envelope = payloads::participant_joined(&object, live, &joined);
        let uuid = joined.participant_uuid.clone();
        live.participants.push(joined);
        self.emit(&mut data, envelope);
        Ok(uuid)
    }

    /// A participant leaves (`meeting.participant_left`).
    pub fn participant_left(&self, meeting_id: i64, participant_uuid: &str) -> anyhow::Result<()> {
        let mut data = self.data();
        let object = data
            .meetings
            .get(&meeting_id)
            .map(|m| m.object.clone())
            .ok_or_else(|| anyhow!("meeting {meeting_id} does not exist"))?;
        let live = data
            .live
            .get_mut(&meeting_id)
            .ok_or_else(|| anyhow!("meeting {meeting_id} is not in progress"))?;
        let i = live
            .participants
            .iter()
            .position(|p| p.participant_uuid == participant_uuid && p.present)
            .ok_or_else(|| anyhow!("{participant_uuid} is not in meeting {meeting_id}"))?;
        live.participants[i].present = false;
        live.participants[i].participant.leave = now_secs();
        let envelope = payloads::participant_left(&object, live, &live.participants[i]);
        self.emit(&mut data, envelope);
        Ok(())
    }

    /// The cloud recording of the latest ended instance of `meeting_id` is
    /// ready (`recording.completed`, with a top-level `download_token`);
    /// its files are then served by the recordings routes.
    pub fn complete_recording(&self, meeting_id: i64) -> anyhow::Result<()> {
        let mut data = self.data();
        let i = latest_instance(&data, meeting_id)?;
        if data.past[i]
            .recording_files
            .iter()
            .all(|f| f.file_type == "TRANSCRIPT")
        {
            let kinds = RECORDING_FILES;
            for (file_type, file_extension, recording_type, ext, content_type, body) in kinds {
                let token = store_file(&mut data, ext, content_type, body);
                data.past[i].recording_files.push(RecordingFile {
                    id: hex_uuid(&token),
                    file_type,
                    file_extension,
                    recording_type,
                    size: body.len() as i64,
                    download_token: token,
                });
            }
        }
        self.emit_recording(&mut data, "recording.completed", meeting_id, i)
    }

    /// `event` (a recording event) for past instance `i` of `meeting_id`,
    /// with a new top-level `download_token`.
    fn emit_recording(
        &self,
        data: &mut Data,
        event: &str,
        meeting_id: i64,
        i: usize,
    ) -> anyhow::Result<()> {
        let instance = data.past[i].clone();
        let host = data
            .find_user(&instance.host_id)
            .cloned()
            .ok_or_else(|| anyhow!("the host of meeting {meeting_id} is not on the account"))?;
        let token = download_token(data);
        let envelope = payloads::recording(event, &self.origin, &instance, &host, &token);
        self.emit(data, envelope);
        Ok(())
    }

    /// The transcript of the latest ended instance of `meeting_id` is ready
    /// (`recording.transcript_completed`); the transcript routes serve it.
    pub fn complete_transcript(&self, meeting_id: i64) -> anyhow::Result<()> {
        let mut data = self.data();
        let i = latest_instance(&data, meeting_id)?;
        if data.past[i].transcript_token.is_none() {
            let vtt = crate::seed::transcript_vtt().into_bytes();
            let token = store_file(&mut data, "vtt", "text/vtt", &vtt);
            let file_token = store_file(&mut data, "vtt", "text/vtt", &vtt);
            let p = &mut data.past[i];
            p.transcript_token = Some(token);
            p.transcript = TranscriptState::Available;
            p.recording_files.push(RecordingFile {
                id: hex_uuid(&file_token),
                file_type: "TRANSCRIPT",
                file_extension: "VTT",
                recording_type: "audio_transcript",
                size: vtt.len() as i64,
                download_token: file_token,
            });
        }
        self.emit_recording(&mut data, "recording.transcript_completed", meeting_id, i)
    }

    /// The AI Companion meeting summary of the latest ended instance of
    /// `meeting_id` is ready (`meeting.summary_completed`); the past
    /// meeting then says `has_meeting_summary`. Called again, it sends the
    /// summary again, modified now, created the first time.
    pub fn complete_summary(&self, meeting_id: i64) -> anyhow::Result<()> {
        let mut data = self.data();
        let i = latest_instance(&data, meeting_id)?;
        let host = data
            .find_user(&data.past[i].host_id)
            .cloned()
            .ok_or_else(|| anyhow!("the host of meeting {meeting_id} is not on the account"))?;
        let now = now_secs().max(data.past[i].end);
        let created = *data.past[i].summary_created.get_or_insert(now);
        let envelope = payloads::summary_completed(&data.past[i], &host, created, now);
        self.emit(&mut data, envelope);
        Ok(())
    }

    /// An admin adds a user to the account (`user.created`); returns its id.
    pub fn create_user(
        &self,
        email: &str,
        first_name: &str,
        last_name: &str,
    ) -> anyhow::Result<String> {
        let mut data = self.data();
        if data.find_user(email).is_some() {
            bail!("a user with email {email} already exists");
        }
        let operator = admin(&data)?;
        let user = User {
            id: super::random_token(16),
            first_name: first_name.to_string(),
            last_name: last_name.to_string(),
            email: email.to_string(),
            user_type: 1,
            pmi: rand::random_range(2_000_000_000..9_999_999_999),
            timezone: "America/Los_Angeles".into(),
            dept: String::new(),
            role_name: "Member".into(),
            role_id: "2".into(),
            created_at: now_secs(),
            language: "en-US".into(),
            phone_number: String::new(),
            job_title: String::new(),
            status: "active",
        };
        let envelope = payloads::user_event("user.created", &user, &operator);
        let id = user.id.clone();
        data.users.push(user);
        self.emit(&mut data, envelope);
        Ok(id)
    }

    /// An admin deactivates a user (`user.deactivated`; `GET /users/{id}`
    /// then says `"status": "inactive"`).
    pub fn deactivate_user(&self, user_id: &str) -> anyhow::Result<()> {
        let mut data = self.data();
        let operator = admin(&data)?;
        let user = data
            .users
            .iter_mut()
            .find(|u| u.id == user_id)
            .ok_or_else(|| anyhow!("user {user_id} does not exist"))?;
        user.status = "inactive";
        let envelope = payloads::user_event("user.deactivated", user, &operator);
        self.emit(&mut data, envelope);
        Ok(())
    }

    /// A phone user calls `callee_number` (a phone user's number or
    /// extension, or any outside number) and the call ends answered:
    /// `phone.caller_call_history_completed`, plus
    /// `phone.callee_call_history_completed` when the callee is a phone
    /// user. The call joins the call history. Returns the call id.
    pub fn complete_phone_call(
        &self,
        caller_user_id: &str,
        callee_number: &str,
    ) -> anyhow::Result<String> {
        let mut data = self.data();
        let caller = data
            .find_phone_user(caller_user_id)
            .cloned()
            .ok_or_else(|| anyhow!("{caller_user_id} is not a phone user"))?;
        let callee = data
            .phone_users
            .iter()
            .find(|u| {
                u.phone_number == callee_number || u.extension_number.to_string() == callee_number
            })
            .cloned();
        let end = now_secs();
        let start = end - 65;
        let call_id = (7_369_146_000_000_000_000i64 + rand::random_range(0..1_000_000_000_000i64))
            .to_string();
        let record = |owner: &PhoneUser, inbound: bool| {
            let (name, email, ext, did, ext_id) = match &callee {
                Some(c) => (
                    c.name.clone(),
                    c.email.clone(),
                    c.extension_number.to_string(),
                    c.phone_number.clone(),
                    c.extension_id.clone(),
                ),
                None => (
                    "EXTERNAL CONTACT".to_string(),
                    String::new(),
                    String::new(),
                    callee_number.to_string(),
                    String::new(),
                ),
            };
            CallRecord {
                call_history_uuid: format!(
                    "{}-{}",
                    crate::time::format_date(start).replace('-', ""),
                    hex_uuid(&super::random_token(16))
                ),
                call_id: call_id.clone(),
                owner_user_id: owner.id.clone(),
                direction: if inbound { "inbound" } else { "outbound" },
                connect_type: if callee.is_some() {
                    "internal"
                } else {
                    "external"
                },
                result: "answered",
                start,
                answer: Some(start + 5),
                end,
                caller_name: caller.name.clone(),
                caller_email: caller.email.clone(),
                caller_ext_number: caller.extension_number.to_string(),
                caller_did_number: caller.phone_number.clone(),
                caller_ext_id: caller.extension_id.clone(),
                callee_name: name,
                callee_email: email,
                callee_ext_number: ext,
                callee_did_number: did,
                callee_ext_id: ext_id,
                recorded: false,
                department: owner.department.clone(),
                cost_center: owner.cost_center.clone(),
                element_ids: vec![format!("{}-0", hex_uuid(&super::random_token(16)))],
            }
        };
        let mut sides = vec![(
            "phone.caller_call_history_completed",
            record(&caller, false),
        )];
        if let Some(c) = &callee {
            sides.push(("phone.callee_call_history_completed", record(c, true)));
        }
        for (event, rec) in sides {
            let envelope = payloads::envelope(
                event,
                json!({
                    "account_id": ACCOUNT_ID,
                    "object": {
                        "user_id": rec.owner_user_id,
                        "call_logs": [crate::routes::phone::call_log(&rec)],
                    }
                }),
            );
            data.calls.insert(0, rec);
            self.emit(&mut data, envelope);
        }
        Ok(call_id)
    }

    /// `user_id` uninstalls the app (`app_deauthorized` for the seeded
    /// account); every token issued to that user stops working.
    pub fn deauthorize_app(&self, user_id: &str) -> anyhow::Result<()> {
        let mut data = self.data();
        if data.find_user(user_id).is_none() {
            bail!("user {user_id} does not exist");
        }
        data.tokens.retain(|_, t| t.user_id != user_id);
        data.refresh_tokens.retain(|_, g| g.user_id != user_id);
        self.emit(&mut data, payloads::app_deauthorized(user_id));
        Ok(())
    }

    /// Emits any event type with this account id and `payload_extra`
    /// merged into the payload (e.g. `{"object": {...}}`), for tenancy
    /// tests: another account's events. Recording events get a top-level
    /// `download_token`.
    pub fn emit_event(
        &self,
        event: &str,
        account_id: &str,
        payload_extra: Value,
    ) -> anyhow::Result<()> {
        if event.is_empty() {
            bail!("the event type is empty");
        }
        let Value::Object(mut payload) = payload_extra else {
            bail!("payload_extra must be a JSON object");
        };
        payload.insert("account_id".into(), json!(account_id));
        let mut envelope = payloads::envelope(event, Value::Object(payload));
        let mut data = self.data();
        if event.starts_with("recording.") {
            envelope["download_token"] = json!(download_token(&mut data));
        }
        self.emit(&mut data, envelope);
        Ok(())
    }
}
