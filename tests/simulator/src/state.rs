//! The simulator's mutable world: the token table, users, scheduled
//! meetings, past meeting instances, stored files, and the phone data.
//!
//! Everything lives behind one `std::sync::Mutex` in [`SimState`]; handlers
//! are synchronous and never hold the lock across an `.await`.

use crate::RecordedRequest;
use crate::SimConfig;
use crate::pagination::Pager;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// What a bearer token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A user-level connection: its own data only.
    User,
    /// An admin connection: any user on the account plus admin-only endpoints.
    Admin,
}

/// One row of the token table (an OAuth token endpoint can mint into it).
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub kind: TokenKind,
    /// The user `me` resolves to.
    pub user_id: String,
    /// Granted scopes (classic and/or granular).
    pub scopes: Vec<String>,
    /// Unix seconds after which the token is refused; `None` = never.
    pub expires_at: Option<i64>,
}

/// A user on the simulated account.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub user_type: i64,
    pub pmi: i64,
    pub timezone: String,
    pub dept: String,
    pub role_name: String,
    pub role_id: String,
    pub created_at: i64,
    pub language: String,
    pub phone_number: String,
    pub job_title: String,
    /// `active`, or `inactive` once deactivated (an event helper does that).
    pub status: &'static str,
}

impl User {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A scheduled (not yet ended) meeting: the full meeting object as Zoom
/// returns it from `GET /meetings/{meetingId}`.
#[derive(Debug, Clone)]
pub struct ScheduledMeeting {
    pub id: i64,
    pub host_id: String,
    /// Unix seconds of `start_time` (for upcoming/from/to filters).
    pub start: i64,
    pub object: Value,
}

/// Transcript situation of a past meeting instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranscriptState {
    /// Downloadable transcript.
    Available,
    /// `download_restriction_reason: NOT_READY`.
    NotReady,
    /// `download_restriction_reason: DELETED_OR_TRASHED`.
    Deleted,
    /// `download_restriction_reason: NO_TRANSCRIPT_DATA`.
    NoData,
    /// `download_restriction_reason: UNSUPPORTED`.
    Unsupported,
    /// 404 code 3322.
    Missing,
}

/// Meeting or webinar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceKind {
    Meeting,
    Webinar,
}

/// Someone who attended a past meeting instance.
#[derive(Debug, Clone)]
pub struct Participant {
    /// Zoom user id of the participant ("" for guests).
    pub id: String,
    pub name: String,
    /// Per-meeting participant id.
    pub user_id: String,
    pub email: String,
    pub registrant_id: Option<String>,
    pub join: i64,
    pub leave: i64,
    pub internal_user: bool,
}

/// One cloud-recording file of a past instance.
#[derive(Debug, Clone)]
pub struct RecordingFile {
    pub id: String,
    pub file_type: &'static str,
    pub file_extension: &'static str,
    pub recording_type: &'static str,
    pub size: i64,
    /// Token in the `download_url` (keys [`Data::files`]).
    pub download_token: String,
}

/// One ended meeting or webinar instance.
#[derive(Debug, Clone)]
pub struct PastInstance {
    pub uuid: String,
    pub meeting_id: i64,
    pub kind: InstanceKind,
    pub meeting_type: i64,
    pub host_id: String,
    pub topic: String,
    pub start: i64,
    pub end: i64,
    pub participants: Vec<Participant>,
    pub transcript: TranscriptState,
    /// Token in the transcript `download_url` (keys [`Data::files`]).
    pub transcript_token: Option<String>,
    pub recording_files: Vec<RecordingFile>,
    pub recording_password: String,
    /// When its AI Companion meeting summary was first completed (Unix
    /// seconds; `RunningSimulator::complete_summary`), `None` while it has
    /// none.
    pub summary_created: Option<i64>,
}

/// Someone in a meeting in progress.
#[derive(Debug, Clone)]
pub struct LiveParticipant {
    /// Zoom's per-meeting `participant_uuid`.
    pub participant_uuid: String,
    pub participant: Participant,
    /// Still in the meeting (no `participant_left` yet).
    pub present: bool,
}

/// A meeting in progress, started through the event helpers
/// (`RunningSimulator::start_meeting`); it becomes a [`PastInstance`] when it ends.
#[derive(Debug, Clone)]
pub struct LiveMeeting {
    /// The instance UUID (new for every start).
    pub uuid: String,
    pub start: i64,
    pub participants: Vec<LiveParticipant>,
}

/// A downloadable blob (`/rec/files/<token>.<ext>`).
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub extension: &'static str,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// A Zoom Phone user.
#[derive(Debug, Clone)]
pub struct PhoneUser {
    /// Zoom user id (same as [`User::id`] for users that also exist there).
    pub id: String,
    pub phone_user_id: String,
    pub name: String,
    pub email: String,
    pub extension_id: String,
    pub extension_number: i64,
    pub phone_number: String,
    pub phone_number_id: String,
    pub department: String,
    pub cost_center: String,
    pub status: &'static str,
}

/// One phone call (one `call_history` row; its legs are `call_elements`).
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub call_history_uuid: String,
    pub call_id: String,
    /// The phone user whose history holds the call (Zoom user id).
    pub owner_user_id: String,
    pub direction: &'static str,
    pub connect_type: &'static str,
    pub result: &'static str,
    pub start: i64,
    /// `None` when the call was not answered.
    pub answer: Option<i64>,
    pub end: i64,
    pub caller_name: String,
    pub caller_email: String,
    pub caller_ext_number: String,
    pub caller_did_number: String,
    pub caller_ext_id: String,
    pub callee_name: String,
    pub callee_email: String,
    pub callee_ext_number: String,
    pub callee_did_number: String,
    pub callee_ext_id: String,
    pub recorded: bool,
    pub department: String,
    pub cost_center: String,
    /// Element ids (1 or 2 legs).
    pub element_ids: Vec<String>,
}

/// An authorization code issued by `/oauth/authorize`.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    /// (`code_challenge`, method `S256` | `plain`) when PKCE was used.
    pub challenge: Option<(String, String)>,
    pub kind: TokenKind,
    pub user_id: String,
    pub expires_at: i64,
}

/// What a refresh token grants.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub client_id: String,
    pub kind: TokenKind,
    pub user_id: String,
    pub scopes: Vec<String>,
}

/// The mutable data set.
#[derive(Debug, Default)]
pub struct Data {
    pub tokens: HashMap<String, TokenInfo>,
    pub users: Vec<User>,
    pub meetings: BTreeMap<i64, ScheduledMeeting>,
    pub past: Vec<PastInstance>,
    pub next_meeting_id: i64,
    pub files: HashMap<String, StoredFile>,
    /// `download_access_token`s handed out by the recordings endpoint, with
    /// their expiry (Unix seconds).
    pub download_access_tokens: HashMap<String, i64>,
    /// Outstanding OAuth authorization codes.
    pub auth_codes: HashMap<String, AuthCode>,
    /// Live OAuth refresh tokens (only the latest of each chain).
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    /// Unix seconds when the data was seeded. The simulator's calendar (the
    /// default date ranges, the day a daily cap counts) stays on that day, so
    /// a run that crosses midnight UTC, or a second boundary between two
    /// pages, sees one consistent list.
    pub seeded_at: i64,
    /// Meeting create/update requests per (host user id, UTC day number).
    pub meeting_writes: HashMap<(String, i64), u32>,
    pub phone_users: Vec<PhoneUser>,
    pub calls: Vec<CallRecord>,
    /// Meetings in progress, by meeting id.
    pub live: HashMap<i64, LiveMeeting>,
}

impl Data {
    /// Midnight UTC (Unix seconds) of the simulator's calendar day.
    pub fn today(&self) -> i64 {
        self.seeded_at - self.seeded_at.rem_euclid(86_400)
    }

    /// Finds a user by id or email (case-insensitive email).
    pub fn find_user(&self, id_or_email: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.id == id_or_email || u.email.eq_ignore_ascii_case(id_or_email))
    }

    /// Finds a phone user by Zoom user id, phone user id, or email.
    pub fn find_phone_user(&self, key: &str) -> Option<&PhoneUser> {
        self.phone_users
            .iter()
            .find(|u| u.id == key || u.phone_user_id == key || u.email.eq_ignore_ascii_case(key))
    }
}

/// Shared simulator state.
pub struct SimState {
    pub config: SimConfig,
    /// `http://127.0.0.1:PORT`
    pub origin: String,
    pub requests: Mutex<Vec<RecordedRequest>>,
    pub data: Mutex<Data>,
    pub pager: Pager,
    pub faults: Mutex<Vec<crate::faults::FaultRule>>,
    /// Per-second limits ([`SimConfig::per_second_limits`]).
    pub throttle: crate::throttle::Throttle,
    /// TCP connections accepted.
    pub connections: std::sync::atomic::AtomicU64,
    /// Webhook subscriptions, the event queue and the delivery history.
    pub events: std::sync::Arc<crate::events::EventHub>,
}

impl SimState {
    pub fn new(config: SimConfig, origin: String) -> Self {
        let now = crate::time::now_secs();
        let mut data = crate::seed::build(&origin, now);
        if config.large_past_meeting_participants > 0 {
            let large =
                crate::seed::large_past_meeting(&data, now, config.large_past_meeting_participants);
            data.past.extend(large);
        }
        let throttle = crate::throttle::Throttle::new(&config.per_second_limits);
        let pager = Pager::new(config.page_token_ttl);
        let events = std::sync::Arc::new(crate::events::EventHub::new(
            config.webhook_secret_token.clone(),
        ));
        SimState {
            config,
            origin,
            requests: Mutex::new(Vec::new()),
            data: Mutex::new(data),
            pager,
            faults: Mutex::new(Vec::new()),
            throttle,
            connections: std::sync::atomic::AtomicU64::new(0),
            events,
        }
    }

    /// Counts one meeting create/update for `host_id` today; `false` when the
    /// per-user daily cap is already used up.
    pub fn count_meeting_write(data: &mut Data, host_id: &str, cap: u32) -> bool {
        let day = data.today().div_euclid(86_400);
        let n = data
            .meeting_writes
            .entry((host_id.to_string(), day))
            .or_insert(0);
        if *n >= cap {
            return false;
        }
        *n += 1;
        true
    }

    /// Locks the data, recovering from a poisoned lock.
    pub fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }
}
