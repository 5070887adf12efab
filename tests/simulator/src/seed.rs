//! The seeded data set and the constants tests assert on.
//!
//! Times are relative to when the simulator starts: scheduled meetings lie
//! in the next 45 days, past meetings in the last two weeks, phone calls in
//! the last 23 hours (so Zoom's default "last 24 hours" phone window returns
//! them all).

use crate::routes::meetings::{NewMeeting, build_meeting_object};
use crate::state::*;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// Bearer token of the user-level connection (Ada Lovelace).
pub const USER_TOKEN: &str = "sim-user-token";
/// Bearer token of the admin connection (Grace Hopper, account owner).
pub const ADMIN_TOKEN: &str = "sim-admin-token";

/// Scopes held by [`USER_TOKEN`] and by user tokens minted via OAuth.
pub const USER_SCOPES: &[&str] = &[
    "meeting:read",
    "meeting:write",
    "recording:read",
    "user:read",
    "user_info:read",
    "phone_call_log:read",
];
/// Scopes held by [`ADMIN_TOKEN`] and by admin / S2S tokens minted via OAuth.
pub const ADMIN_SCOPES: &[&str] = &[
    "meeting:read:admin",
    "meeting:write:admin",
    "recording:read:admin",
    "user:read:admin",
    "report:read:admin",
    "phone:read:admin",
    "phone_call_log:read:admin",
];

/// OAuth client accepted by `/oauth/token` (Basic auth).
pub const CLIENT_ID: &str = "simClientId7Qx2Lz9Kp4A";
pub const CLIENT_SECRET: &str = "simClientSecret0a1b2c3d4e5f6g7h8";

/// The secret token of the simulated Zoom app: every webhook event is
/// signed with it (the default of `SimConfig::webhook_secret_token`).
pub const WEBHOOK_SECRET_TOKEN: &str = "sandbox-webhook-secret-token-0123";
/// The simulated Marketplace app's id (`/marketplace/apps/{appId}/...`).
pub const APP_ID: &str = "sImApPiD4kQ7vR2xN9mZ1w";

/// The WebSocket event subscription the simulator seeds at start (as if
/// configured in Zoom's app UI): every type in [`crate::EVENT_TYPES`], on
/// [`ACCOUNT_ID`]. Connect to `RunningSimulator::websocket_url()` with
/// `?subscriptionId=` this.
pub const WEBSOCKET_SUBSCRIPTION_ID: &str = "sImWsSuBsCrIpTiOn0001";

/// The account every seeded user belongs to.
pub const ACCOUNT_ID: &str = "sImAcCoUnT0Qy2Lw9xZ8vT";
/// Account number.
pub const ACCOUNT_NUMBER: i64 = 10_234_567;

/// The user behind [`USER_TOKEN`].
pub const USER_ID: &str = "KDcuGIm1QgePTO8WbOqwIQ";
pub const USER_EMAIL: &str = "ada.lovelace@example.com";
pub const USER_FIRST_NAME: &str = "Ada";
pub const USER_LAST_NAME: &str = "Lovelace";
pub const USER_PMI: i64 = 3_456_789_012;
/// The user behind [`ADMIN_TOKEN`].
pub const ADMIN_USER_ID: &str = "z8yBXksQT4GqAWtDPaBdHQ";
pub const ADMIN_EMAIL: &str = "grace.hopper@example.com";
/// A third user (only an admin may address them).
pub const OTHER_USER_ID: &str = "bX3pQr7sTu9vWx1yZa2bCd";
pub const OTHER_USER_EMAIL: &str = "alan.turing@example.com";
/// A well-formed id that is not on the account.
pub const UNKNOWN_USER_ID: &str = "nOsUcHuSeR00000000000A";

/// Scheduled meetings seeded for [`USER_ID`] (type 2, all in the future).
pub const USER_SCHEDULED_MEETING_COUNT: usize = 45;
/// Id of the first of them; the rest follow consecutively.
pub const FIRST_USER_MEETING_ID: i64 = 81_234_567_001;
/// Scheduled meetings seeded for [`OTHER_USER_ID`].
pub const OTHER_USER_SCHEDULED_MEETING_COUNT: usize = 3;
pub const FIRST_OTHER_USER_MEETING_ID: i64 = 82_345_678_001;
/// Ids handed to newly created meetings start here.
pub const FIRST_CREATED_MEETING_ID: i64 = 89_100_000_001;
/// A numeric id no meeting has.
pub const UNKNOWN_MEETING_ID: i64 = 11_111_111_111;

/// Past meeting with exactly [`BIG_PAST_MEETING_PARTICIPANTS`] participants.
pub const BIG_PAST_MEETING_ID: i64 = 93_012_345_678;
pub const BIG_PAST_MEETING_UUID: &str = "lX5Yb0l9S3W6v1nBq8dJpA==";
pub const BIG_PAST_MEETING_PARTICIPANTS: usize = 2000;
/// Past meeting whose UUID starts with `/` (must be double-encoded).
/// Past meeting seeded only when
/// [`crate::SimConfig::large_past_meeting_participants`] is set, with that
/// many participants (hosted by the seeded user).
pub const LARGE_PAST_MEETING_ID: i64 = 93_900_000_001;
pub const LARGE_PAST_MEETING_UUID: &str = "LaRgEmEeTiNgUuId100kQA==";

pub const SLASH_PAST_MEETING_ID: i64 = 94_111_222_333;
pub const SLASH_PAST_MEETING_UUID: &str = "/ajXp112QmuoKj4854875==";
pub const SLASH_PAST_MEETING_PARTICIPANTS: usize = 5;
/// Past meeting whose UUID contains `//` (must be double-encoded); its
/// transcript is NOT_READY.
pub const DOUBLE_SLASH_PAST_MEETING_ID: i64 = 95_222_333_444;
pub const DOUBLE_SLASH_PAST_MEETING_UUID: &str = "Ab//cd3eF+g==";
pub const DOUBLE_SLASH_PAST_MEETING_PARTICIPANTS: usize = 4;
/// Ordinary past meeting with two instances; the numeric id resolves to the
/// latest ([`ORDINARY_PAST_MEETING_UUID`]). Its UUID holds `+` and a single
/// `/`, so it needs ordinary (single) encoding.
pub const ORDINARY_PAST_MEETING_ID: i64 = 96_333_444_555;
pub const ORDINARY_PAST_MEETING_UUID: &str = "4RsgjlMtQ6uOqd3+5cq/kA==";
pub const ORDINARY_PAST_MEETING_PARTICIPANTS: usize = 12;
/// The older instance of [`ORDINARY_PAST_MEETING_ID`] (no transcript, no recording).
pub const ORDINARY_PAST_MEETING_OLDER_UUID: &str = "Q2pBf7S9Rj2yXkWl0m1nVg==";
pub const ORDINARY_PAST_MEETING_OLDER_PARTICIPANTS: usize = 3;
/// Past meeting whose transcript was deleted (DELETED_OR_TRASHED); no recordings.
pub const TRANSCRIPT_DELETED_MEETING_ID: i64 = 97_444_555_666;
pub const TRANSCRIPT_DELETED_MEETING_UUID: &str = "p0Vx7mQ2TfKc8rN3wY6zHg==";
/// Past meeting without transcript (404 3322) and without recordings (404 3301).
pub const NO_TRANSCRIPT_MEETING_ID: i64 = 98_555_666_777;
pub const NO_TRANSCRIPT_MEETING_UUID: &str = "nT4kLs8dQe2Wr6Yb1Xc9Vg==";
/// Past meeting hosted by [`OTHER_USER_ID`], with recordings and transcript.
pub const OTHER_USER_PAST_MEETING_ID: i64 = 99_666_777_888;
pub const OTHER_USER_PAST_MEETING_UUID: &str = "oT7hEr5uSeRmEeTiNg1Q2w==";
pub const OTHER_USER_PAST_MEETING_PARTICIPANTS: usize = 6;
/// Past webinar hosted by [`USER_ID`] (for `/report/webinars/{id}`).
pub const WEBINAR_ID: i64 = 91_777_888_999;
pub const WEBINAR_UUID: &str = "wEb1nArUuId7Qx2Lz9Kp4A==";
pub const WEBINAR_PARTICIPANTS: usize = 150;

/// Past meeting instances hosted by [`USER_ID`] that have cloud recordings
/// (big, slash, double-slash, ordinary latest).
pub const USER_RECORDED_MEETING_COUNT: usize = 4;

/// Past meeting and webinar instances on the account, all within the last
/// two weeks (the history meeting report over that window lists them all).
pub const PAST_INSTANCE_COUNT: usize = 9;
/// Of those, meeting (not webinar) instances.
pub const PAST_MEETING_INSTANCE_COUNT: usize = 8;
/// Entries of the meeting activity report over the last two weeks: per
/// meeting instance "Meeting Created", "Meeting Started", "Meeting Ended",
/// one "In-Meeting Chat", and a "User Join" and "User Left" for each of its
/// first six participants.
pub const MEETING_ACTIVITY_COUNT: usize = 102;

/// Phone users on the account (`GET /phone/users`, max page 100).
pub const PHONE_USER_COUNT: usize = 130;
/// Calls in the account call history (`GET /phone/call_history`).
pub const CALL_HISTORY_COUNT: usize = 75;
/// Of those, calls in [`USER_ID`]'s history (`/phone/users/me/call_history`).
pub const USER_CALL_HISTORY_COUNT: usize = 45;
/// A call history UUID that exists (the newest call, one of the user's).
pub const CALL_HISTORY_UUID: &str = "20261128-48c1dfd4-91ce-4df5-8495-7c9e33d10869";

/// The speakers and lines of every seeded transcript.
pub const TRANSCRIPT_LINES: &[(&str, &str)] = &[
    ("Ada Lovelace", "Hello everyone, thanks for joining."),
    (
        "Alan Turing",
        "Hi Ada. Shall we start with the engine status?",
    ),
    (
        "Ada Lovelace",
        "Yes. The analytical engine passed all of last week's tests.",
    ),
    (
        "Grace Hopper",
        "Great. I found a moth in relay seventy, by the way.",
    ),
    ("Alan Turing", "Noted. Let's add that to the bug list."),
    ("Ada Lovelace", "Thanks all, see you next week."),
];

const FIRST_NAMES: &[&str] = &[
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Oliver",
    "Charlotte",
    "Elijah",
    "Amelia",
    "James",
    "Sophia",
    "William",
    "Isabella",
    "Benjamin",
    "Mia",
    "Lucas",
    "Evelyn",
    "Henry",
    "Harper",
    "Theodore",
    "Luna",
    "Jack",
    "Camila",
    "Levi",
    "Gianna",
    "Alexander",
    "Elizabeth",
    "Jackson",
    "Eleanor",
    "Mateo",
    "Ella",
    "Daniel",
    "Abigail",
    "Michael",
    "Sofia",
    "Mason",
    "Avery",
    "Sebastian",
    "Scarlett",
    "Ethan",
    "Emily",
];
const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    // 40 x 50 = 2,000 distinct names.
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
];

const MEETING_TOPICS: &[&str] = &[
    "Weekly team sync",
    "Product roadmap review",
    "1:1 with Alan",
    "Design critique",
    "Customer onboarding call",
    "Sprint planning",
    "Quarterly business review",
    "Engineering all-hands",
    "Hiring debrief",
];

/// A 22-character Zoom-style id derived from `seed`.
pub fn fake_id(seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// A 24-character base64 meeting-instance UUID derived from `seed`.
pub fn fake_uuid(seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    STANDARD.encode(&digest[..16])
}

fn hex_of(seed: &str, n: usize) -> String {
    Sha256::digest(seed.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()[..n]
        .to_string()
}

/// A unique participant name for index `i` (0..2000 distinct).
pub fn participant_name(i: usize) -> (String, String) {
    let first = FIRST_NAMES[i % FIRST_NAMES.len()];
    let last = LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()];
    let round = i / (FIRST_NAMES.len() * LAST_NAMES.len());
    if round == 0 {
        (first.to_string(), last.to_string())
    } else {
        (first.to_string(), format!("{last}{round}"))
    }
}

/// The WebVTT transcript served for every available transcript.
pub fn transcript_vtt() -> String {
    let mut out = String::from("WEBVTT\n");
    let mut t = 1_200u64;
    for (i, (who, line)) in TRANSCRIPT_LINES.iter().enumerate() {
        let len = 2_000 + (line.len() as u64) * 60;
        out.push_str(&format!(
            "\n{}\n{} --> {}\n{}: {}\n",
            i + 1,
            vtt_time(t),
            vtt_time(t + len),
            who,
            line
        ));
        t += len + 700;
    }
    out
}

fn vtt_time(ms: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000
    )
}

#[allow(clippy::too_many_arguments)]
fn user(
    id: &str,
    first: &str,
    last: &str,
    email: &str,
    pmi: i64,
    tz: &str,
    role: (&str, &str),
    dept: &str,
    created_at: i64,
) -> User {
    User {
        id: id.into(),
        first_name: first.into(),
        last_name: last.into(),
        email: email.into(),
        user_type: 2,
        pmi,
        timezone: tz.into(),
        dept: dept.into(),
        role_name: role.0.into(),
        role_id: role.1.into(),
        created_at,
        language: "en-US".into(),
        phone_number: format!("+1 800{}", pmi % 10_000_000),
        job_title: match role.0 {
            "Owner" => "Rear Admiral".into(),
            _ => "Engineer".into(),
        },
        status: "active",
    }
}

fn participants(seed: &str, n: usize, start: i64, end: i64, host: &User) -> Vec<Participant> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (name, email, id, internal) = if i == 0 {
            (
                host.display_name(),
                host.email.clone(),
                host.id.clone(),
                true,
            )
        } else {
            let (f, l) = participant_name(i - 1);
            let email = format!("{}.{}@example.org", f.to_lowercase(), l.to_lowercase());
            let internal = i % 3 == 0;
            (
                format!("{f} {l}"),
                email,
                fake_id(&format!("{seed}/participant/{i}")),
                internal,
            )
        };
        let join = start + (i as i64 % 300);
        let leave = (end - (i as i64 % 120)).max(join + 60);
        out.push(Participant {
            id,
            name,
            user_id: (16_778_240 + i as i64).to_string(),
            email,
            registrant_id: (i % 10 == 5).then(|| fake_id(&format!("{seed}/registrant/{i}"))),
            join,
            leave,
            internal_user: internal,
        });
    }
    out
}

struct PastSpec<'a> {
    uuid: &'a str,
    meeting_id: i64,
    kind: InstanceKind,
    host: &'a User,
    topic: &'a str,
    start: i64,
    minutes: i64,
    participants: usize,
    transcript: TranscriptState,
    recordings: bool,
}

fn past_instance(
    spec: PastSpec<'_>,
    files: &mut std::collections::HashMap<String, StoredFile>,
) -> PastInstance {
    let end = spec.start + spec.minutes * 60;
    let seed = spec.uuid;
    let transcript_token = match spec.transcript {
        TranscriptState::Available => {
            let token = fake_id(&format!("{seed}/transcript-token"));
            files.insert(
                token.clone(),
                StoredFile {
                    extension: "vtt",
                    content_type: "text/vtt",
                    body: transcript_vtt().into_bytes(),
                },
            );
            Some(token)
        }
        _ => None,
    };
    let mut recording_files = Vec::new();
    if spec.recordings {
        let kinds: &[(&str, &str, &str, i64)] = &[
            ("MP4", "MP4", "shared_screen_with_speaker_view", 264_593_409),
            ("M4A", "M4A", "audio_only", 30_412_133),
            ("CHAT", "TXT", "chat_file", 1_212),
        ];
        for (ft, ext, rt, size) in kinds {
            let id = hex_uuid(&format!("{seed}/file/{ft}"));
            let token = fake_id(&format!("{seed}/download/{ft}"));
            let (extension, content_type, body) = match *ft {
                "MP4" => (
                    "mp4",
                    "video/mp4",
                    b"\x00\x00\x00\x18ftypmp42simulated".to_vec(),
                ),
                "M4A" => (
                    "m4a",
                    "audio/mp4",
                    b"\x00\x00\x00\x18ftypM4A simulated".to_vec(),
                ),
                _ => (
                    "txt",
                    "text/plain",
                    b"10:00:05\t From  Alan Turing : Morning!\n".to_vec(),
                ),
            };
            files.insert(
                token.clone(),
                StoredFile {
                    extension,
                    content_type,
                    body,
                },
            );
            recording_files.push(RecordingFile {
                id,
                file_type: ft,
                file_extension: ext,
                recording_type: rt,
                size: *size,
                download_token: token,
            });
        }
        if spec.transcript == TranscriptState::Available {
            let token = fake_id(&format!("{seed}/download/TRANSCRIPT"));
            let body = transcript_vtt().into_bytes();
            let size = body.len() as i64;
            files.insert(
                token.clone(),
                StoredFile {
                    extension: "vtt",
                    content_type: "text/vtt",
                    body,
                },
            );
            recording_files.push(RecordingFile {
                id: hex_uuid(&format!("{seed}/file/TRANSCRIPT")),
                file_type: "TRANSCRIPT",
                file_extension: "VTT",
                recording_type: "audio_transcript",
                size,
                download_token: token,
            });
        }
    }
    PastInstance {
        uuid: spec.uuid.to_string(),
        meeting_id: spec.meeting_id,
        kind: spec.kind,
        meeting_type: if spec.kind == InstanceKind::Webinar {
            5
        } else {
            2
        },
        host_id: spec.host.id.clone(),
        topic: spec.topic.to_string(),
        start: spec.start,
        end,
        participants: participants(seed, spec.participants, spec.start, end, spec.host),
        transcript: spec.transcript,
        transcript_token,
        recording_files,
        recording_password: "G8#xq2&P".to_string(),
        summary_created: None,
    }
}

/// The large past meeting ([`LARGE_PAST_MEETING_ID`]) with `n`
/// participants, each with a distinct `id`; `None` if the seeded user is
/// missing.
pub fn large_past_meeting(data: &Data, now: i64, n: usize) -> Option<PastInstance> {
    let host = data.find_user(USER_ID)?;
    let day = 86_400;
    let midnight = now - now.rem_euclid(day);
    let mut files = std::collections::HashMap::new();
    Some(past_instance(
        PastSpec {
            uuid: LARGE_PAST_MEETING_UUID,
            meeting_id: LARGE_PAST_MEETING_ID,
            kind: InstanceKind::Meeting,
            host,
            topic: "Global town hall",
            start: midnight - 2 * day + 15 * 3600,
            minutes: 120,
            participants: n,
            transcript: TranscriptState::NoData,
            recordings: false,
        },
        &mut files,
    ))
}

/// `8c2e4d36-…` style id (recording file ids).
pub fn hex_uuid(seed: &str) -> String {
    let h = hex_of(seed, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Builds the seeded data set; `now` is Unix seconds.
pub fn build(origin: &str, now: i64) -> Data {
    let day = 86_400;
    let midnight = now - now.rem_euclid(day);
    let created = midnight - 400 * day;
    let ada = user(
        USER_ID,
        USER_FIRST_NAME,
        USER_LAST_NAME,
        USER_EMAIL,
        USER_PMI,
        "Europe/London",
        ("Member", "2"),
        "Engineering",
        created,
    );
    let grace = user(
        ADMIN_USER_ID,
        "Grace",
        "Hopper",
        ADMIN_EMAIL,
        4_567_890_123,
        "America/New_York",
        ("Owner", "0"),
        "Operations",
        created - 30 * day,
    );
    let alan = user(
        OTHER_USER_ID,
        "Alan",
        "Turing",
        OTHER_USER_EMAIL,
        5_678_901_234,
        "Europe/London",
        ("Member", "2"),
        "Research",
        created + 10 * day,
    );

    let mut data = Data {
        next_meeting_id: FIRST_CREATED_MEETING_ID,
        seeded_at: now,
        ..Data::default()
    };
    let user_scopes = USER_SCOPES;
    let admin_scopes = ADMIN_SCOPES;
    data.tokens.insert(
        USER_TOKEN.into(),
        TokenInfo {
            kind: TokenKind::User,
            user_id: USER_ID.into(),
            scopes: user_scopes.iter().map(|s| s.to_string()).collect(),
            expires_at: None,
        },
    );
    data.tokens.insert(
        ADMIN_TOKEN.into(),
        TokenInfo {
            kind: TokenKind::Admin,
            user_id: ADMIN_USER_ID.into(),
            scopes: admin_scopes.iter().map(|s| s.to_string()).collect(),
            expires_at: None,
        },
    );

    // Scheduled meetings.
    for (host, first_id, count) in [
        (&ada, FIRST_USER_MEETING_ID, USER_SCHEDULED_MEETING_COUNT),
        (
            &alan,
            FIRST_OTHER_USER_MEETING_ID,
            OTHER_USER_SCHEDULED_MEETING_COUNT,
        ),
    ] {
        for i in 0..count {
            let id = first_id + i as i64;
            let start = midnight + (i as i64 + 1) * day + 15 * 3600 + (i as i64 % 4) * 1800;
            let topic = format!("{} #{}", MEETING_TOPICS[i % MEETING_TOPICS.len()], i + 1);
            let spec = NewMeeting {
                id,
                uuid: fake_uuid(&format!("scheduled/{id}")),
                topic,
                meeting_type: 2,
                start: Some(start),
                duration: 30 + (i as i64 % 4) * 15,
                timezone: host.timezone.clone(),
                agenda: format!("Agenda item {}: status updates and next steps.", i + 1),
                password: format!("{:06}", (id * 7919) % 1_000_000),
                created_at: start - 20 * day,
                settings: None,
                recurrence: None,
            };
            let object = build_meeting_object(&spec, host);
            data.meetings.insert(
                id,
                ScheduledMeeting {
                    id,
                    host_id: host.id.clone(),
                    start,
                    object,
                },
            );
        }
    }

    // Past meeting instances.
    let mut files = std::collections::HashMap::new();
    let specs = [
        PastSpec {
            uuid: BIG_PAST_MEETING_UUID,
            meeting_id: BIG_PAST_MEETING_ID,
            kind: InstanceKind::Meeting,
            host: &ada,
            topic: "Company all-hands",
            start: midnight - 3 * day + 16 * 3600,
            minutes: 90,
            participants: BIG_PAST_MEETING_PARTICIPANTS,
            transcript: TranscriptState::Available,
            recordings: true,
        },
        PastSpec {
            uuid: SLASH_PAST_MEETING_UUID,
            meeting_id: SLASH_PAST_MEETING_ID,
            kind: InstanceKind::Meeting,
            host: &ada,
            topic: "Design critique",
            start: midnight - 2 * day + 10 * 3600,
            minutes: 45,
            participants: SLASH_PAST_MEETING_PARTICIPANTS,
            transcript: TranscriptState::Available,
            recordings: true,
        },
        PastSpec {
            uuid: DOUBLE_SLASH_PAST_MEETING_UUID,
            meeting_id: DOUBLE_SLASH_PAST_MEETING_ID,
            kind: InstanceKind::Meeting,
            host: &ada,
            topic: "Customer onboarding call",
            start: midnight - day + 14 * 3600,
            minutes: 30,
            participants: DOUBLE_SLASH_PAST_MEETING_PARTICIPANTS,
            transcript: TranscriptState::NotReady,
            recordings: true,
        },
        PastSpec {
            uuid: ORDINARY_PAST_MEETING_OLDER_UUID,
            meeting_id: ORDINARY_PAST_MEETING_ID,
            kind: InstanceKind::Meeting,
            host: &ada,
            topic: "Weekly team sync",
            start: midnight - 11 * day + 9 * 3600,
            minutes: 25,
            participants: ORDINARY_PAST_MEETING_OLDER_PARTICIPANTS,
            transcript: TranscriptState::Missing,
            recordings: false,
        },
        PastSpec {
            uuid: ORDINARY_PAST_MEETING_UUID,
            meeting_id: ORDINARY_PAST_MEETING_ID,
            kind: InstanceKind::Meeting,
            host: &ada,
            topic: "Weekly team sync",
            start: midnight - 4 * day + 9 * 3600,
            minutes: 30,
            participants: ORDINARY_PAST_MEETING_PARTICIPANTS,
            transcript: TranscriptState::Available,
            recordings: true,
        },
        PastSpec {
            uuid: TRANSCRIPT_DELETED_MEETING_UUID,
            meeting_id: TRANSCRIPT_DELETED_MEETING_ID,
            kind: InstanceKind::Meeting,
            host: &ada,
            topic: "Hiring debrief",
            start: midnight - 6 * day + 13 * 3600,
            minutes: 20,
            participants: 3,
            transcript: TranscriptState::Deleted,
            recordings: false,
        },
        PastSpec {
            uuid: NO_TRANSCRIPT_MEETING_UUID,
            meeting_id: NO_TRANSCRIPT_MEETING_ID,
            kind: InstanceKind::Meeting,
            host: &ada,
            topic: "1:1 with Alan",
            start: midnight - 5 * day + 11 * 3600,
            minutes: 25,
            participants: 2,
            transcript: TranscriptState::Missing,
            recordings: false,
        },
        PastSpec {
            uuid: OTHER_USER_PAST_MEETING_UUID,
            meeting_id: OTHER_USER_PAST_MEETING_ID,
            kind: InstanceKind::Meeting,
            host: &alan,
            topic: "Research seminar",
            start: midnight - 2 * day + 15 * 3600,
            minutes: 60,
            participants: OTHER_USER_PAST_MEETING_PARTICIPANTS,
            transcript: TranscriptState::Available,
            recordings: true,
        },
        PastSpec {
            uuid: WEBINAR_UUID,
            meeting_id: WEBINAR_ID,
            kind: InstanceKind::Webinar,
            host: &ada,
            topic: "Analytical engine launch webinar",
            start: midnight - 7 * day + 17 * 3600,
            minutes: 60,
            participants: WEBINAR_PARTICIPANTS,
            transcript: TranscriptState::Missing,
            recordings: false,
        },
    ];
    for spec in specs {
        data.past.push(past_instance(spec, &mut files));
    }
    data.files = files;
    let _ = origin;

    // Phone users: Ada, Grace, Alan, then generated ones.
    for (i, u) in [&ada, &grace, &alan].into_iter().enumerate() {
        data.phone_users
            .push(phone_user(i, &u.id, &u.display_name(), &u.email, &u.dept));
    }
    for i in 3..PHONE_USER_COUNT {
        let (f, l) = participant_name(i * 7);
        let name = format!("{f} {l}");
        let email = format!("{}.{}@example.com", f.to_lowercase(), l.to_lowercase());
        let id = fake_id(&format!("phone-user/{i}"));
        let dept = ["Sales", "Support", "Engineering", "Finance"][i % 4];
        data.phone_users
            .push(phone_user(i, &id, &name, &email, dept));
    }

    // Call history: the newest USER_CALL_HISTORY_COUNT calls belong to Ada.
    for i in 0..CALL_HISTORY_COUNT {
        let owner_idx = if i < USER_CALL_HISTORY_COUNT {
            0
        } else {
            3 + (i % 20)
        };
        let owner = data.phone_users[owner_idx].clone();
        let peer = data.phone_users[3 + ((i * 11) % 100)].clone();
        let start = now - 600 - (i as i64) * 1_100;
        let result = ["answered", "answered", "no_answer", "voicemail", "answered"][i % 5];
        let answered = result == "answered";
        let talk = 60 + (i as i64 * 37) % 900;
        let answer = answered.then_some(start + 8);
        let end = if answered {
            start + 8 + talk
        } else {
            start + 30
        };
        let inbound = i % 2 == 0;
        let external = i % 3 == 0;
        let external_number = format!("+1415555{:04}", 1000 + i);
        let (caller, callee) = if inbound {
            (&peer, &owner)
        } else {
            (&owner, &peer)
        };
        let call_history_uuid = if i == 0 {
            CALL_HISTORY_UUID.to_string()
        } else {
            let h = hex_uuid(&format!("call/{i}"));
            format!("{}-{}", crate::time::format_date(start).replace('-', ""), h)
        };
        let legs = if answered && i % 4 == 0 { 2 } else { 1 };
        data.calls.push(CallRecord {
            call_history_uuid,
            call_id: format!("{}", 7_369_146_482_519_000_000i64 + i as i64 * 7_919),
            owner_user_id: owner.id.clone(),
            direction: if inbound { "inbound" } else { "outbound" },
            connect_type: if external { "external" } else { "internal" },
            result,
            start,
            answer,
            end,
            caller_name: if external && inbound {
                "WIRELESS CALLER".into()
            } else {
                caller.name.clone()
            },
            caller_email: if external && inbound {
                String::new()
            } else {
                caller.email.clone()
            },
            caller_ext_number: if external && inbound {
                String::new()
            } else {
                caller.extension_number.to_string()
            },
            caller_did_number: if external && inbound {
                external_number.clone()
            } else {
                caller.phone_number.clone()
            },
            caller_ext_id: if external && inbound {
                String::new()
            } else {
                caller.extension_id.clone()
            },
            callee_name: if external && !inbound {
                "EXTERNAL CONTACT".into()
            } else {
                callee.name.clone()
            },
            callee_email: if external && !inbound {
                String::new()
            } else {
                callee.email.clone()
            },
            callee_ext_number: if external && !inbound {
                String::new()
            } else {
                callee.extension_number.to_string()
            },
            callee_did_number: if external && !inbound {
                external_number.clone()
            } else {
                callee.phone_number.clone()
            },
            callee_ext_id: if external && !inbound {
                String::new()
            } else {
                callee.extension_id.clone()
            },
            recorded: answered && i % 3 == 1,
            department: owner.department.clone(),
            cost_center: owner.cost_center.clone(),
            element_ids: (0..legs)
                .map(|leg| format!("{}-{leg}", hex_uuid(&format!("element/{i}/{leg}"))))
                .collect(),
        });
    }

    data.users = vec![ada, grace, alan];
    data
}

fn phone_user(i: usize, id: &str, name: &str, email: &str, dept: &str) -> PhoneUser {
    PhoneUser {
        id: id.into(),
        phone_user_id: fake_id(&format!("phone-user-id/{i}")),
        name: name.into(),
        email: email.into(),
        extension_id: fake_id(&format!("extension/{i}")),
        extension_number: 1000 + i as i64,
        phone_number: format!("+1650555{:04}", 2000 + i),
        phone_number_id: fake_id(&format!("number/{i}")),
        department: dept.into(),
        cost_center: format!("CC-{}", 100 + i % 7),
        status: if i % 17 == 16 {
            "deactivate"
        } else {
            "activate"
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_derived_counts_match_the_seeded_data() {
        let data = build("http://127.0.0.1:1", 1_764_288_000);
        assert_eq!(data.past.len(), PAST_INSTANCE_COUNT);
        let meetings: Vec<_> = data
            .past
            .iter()
            .filter(|p| p.kind == InstanceKind::Meeting)
            .collect();
        assert_eq!(meetings.len(), PAST_MEETING_INSTANCE_COUNT);
        let activities: usize = meetings
            .iter()
            .map(|p| 3 + usize::from(p.participants.len() > 1) + 2 * p.participants.len().min(6))
            .sum();
        assert_eq!(activities, MEETING_ACTIVITY_COUNT);
    }
}
