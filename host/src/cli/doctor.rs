//! `wrk-zoom doctor`: what a user can get wrong on their own machine, each
//! problem with the command that fixes it. It checks the token store and
//! its permissions, connections that need a new login, the compiled-code
//! cache, whether the Zoom API answers, and this machine's clock against
//! the `Date` Zoom sends.

use super::{Store, print_json};
use clap::Args;
use std::path::Path;
use std::time::Duration;
use wrk_zoom::HostError;
use wrk_zoom::auth::{StoreData, StoreFinding, StoredConnection};

/// Larger clock differences are reported (OAuth and Zoom's token expiry
/// are counted in seconds of Zoom's clock).
const MAX_SKEW_SECS: i64 = 30;

#[derive(Args)]
pub struct DoctorArgs {
    /// Zoom API base to check reachability and the clock against.
    #[arg(long, env = "ZOOM_API_BASE", default_value = wrk_zoom::auth::DEFAULT_API_BASE)]
    api_base: String,
    /// Print the findings as JSON.
    #[arg(long)]
    json: bool,
}

/// One check's outcome.
struct Finding {
    check: &'static str,
    /// What was found.
    detail: String,
    /// How to fix it, when it is a problem.
    fix: Option<String>,
}

impl Finding {
    fn ok(check: &'static str, detail: impl Into<String>) -> Finding {
        Finding {
            check,
            detail: detail.into(),
            fix: None,
        }
    }

    fn problem(check: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            check,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

impl From<StoreFinding> for Finding {
    fn from(f: StoreFinding) -> Finding {
        Finding {
            check: f.check,
            detail: f.detail,
            fix: f.fix,
        }
    }
}

pub async fn doctor(args: DoctorArgs, store: &Store) -> Result<(), HostError> {
    let mut findings = store_findings(store).await;
    findings.push(cache_finding());
    findings.extend(event_findings(store).await);
    findings.extend(zoom_findings(&args.api_base).await);
    let problems = findings.iter().filter(|f| f.fix.is_some()).count();
    if args.json {
        let list: Vec<serde_json::Value> = findings
            .iter()
            .map(|f| serde_json::json!({"check": f.check, "ok": f.fix.is_none(), "detail": f.detail, "fix": f.fix}))
            .collect();
        print_json(&serde_json::json!({"problems": problems, "findings": list}))?;
    } else {
        for f in &findings {
            match &f.fix {
                None => println!("ok       {}: {}", f.check, f.detail),
                Some(fix) => println!("PROBLEM  {}: {}\n         fix: {fix}", f.check, f.detail),
            }
        }
    }
    if problems == 0 {
        Ok(())
    } else {
        Err(HostError::InvalidInput {
            field: "setup".into(),
            message: format!(
                "doctor found {problems} problem{} (each above with its fix)",
                if problems == 1 { "" } else { "s" }
            ),
        })
    }
}

/// How Zoom's events stand: each app's last URL validation (Zoom does it
/// again every 72 hours, and stops delivering to a URL that fails) and its
/// refused deliveries; events of accounts no connection belongs to; how
/// late events arrive; each push subscription's backlog and dead letters.
async fn event_findings(store: &Store) -> Vec<Finding> {
    const CHECK: &str = "events";
    let events = match super::events::open(store).await {
        Ok(events) => events,
        Err(e) => return vec![Finding::ok(CHECK, format!("no event store: {e}"))],
    };
    let apps = match events.apps().await {
        Ok(apps) => apps,
        Err(e) => {
            return vec![Finding::problem(
                CHECK,
                e.to_string(),
                "move the damaged file away and add the apps again",
            )];
        }
    };
    if apps.is_empty() {
        return vec![Finding::ok(
            CHECK,
            "no Zoom app registered (`wrk-zoom events app add NAME` to take Zoom's events)",
        )];
    }
    let now = wrk_zoom::clock::now_secs();
    let mut findings = Vec::new();
    for (name, app) in &apps {
        findings.push(match app.validated_at {
            None => Finding::problem(CHECK, format!("app '{name}': Zoom has never validated its URL"), format!("run `wrk-zoom events setup {name} --public-url https://...` and press Validate in the Zoom app")),
            Some(at) if now - at > 73 * 3600 => Finding::problem(CHECK, format!("app '{name}': last URL validation at {}, over 72 hours ago (Zoom validates every 72 hours)", wrk_zoom::clock::format_utc(at)), "check that Zoom reaches `serve` (its webhook logs say why not) and validate again in the Zoom app"),
            Some(at) => Finding::ok(CHECK, format!("app '{name}': last URL validation at {}", wrk_zoom::clock::format_utc(at))),
        });
        if app.refused > 0 {
            findings.push(Finding::problem(CHECK, format!("app '{name}': {} deliveries refused (signature, timestamp or headers)", app.refused), format!("if they are Zoom's, the secret token or this clock is wrong: `wrk-zoom events app rotate {name}` with the app's current secret token, and check the clock")));
        }
    }
    // Read the inbox once for unmatched accounts and lateness.
    let mut unmatched = std::collections::BTreeMap::<String, u64>::new();
    let (mut after, mut lag_ms) = (0, None);
    loop {
        let Ok(batch) = events.read(after, 1000).await else {
            break;
        };
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for e in &batch {
            if e.event.connections.is_empty() {
                *unmatched
                    .entry(e.event.account_id.clone().unwrap_or_default())
                    .or_default() += 1;
            }
            if let Some(ts) = e.event.event_ts {
                lag_ms = Some(e.event.received_at - ts);
            }
        }
    }
    if !unmatched.is_empty() {
        let list: Vec<String> = unmatched
            .iter()
            .map(|(a, n)| format!("{a} ({n})"))
            .collect();
        findings.push(Finding::problem(CHECK, format!("events of accounts no connection belongs to: {}", list.join(", ")), "log in a connection of each account that should trigger workflows (`wrk-zoom auth login`); the others installed the app without a connection here"));
    }
    if let Some(lag) = lag_ms {
        findings.push(Finding::ok(
            CHECK,
            format!(
                "the newest event arrived {:.1} s after Zoom stamped it",
                lag as f64 / 1000.0
            ),
        ));
    }
    if let Ok(subscriptions) = events.subscriptions().await {
        for s in subscriptions {
            let backlog = after.saturating_sub(s.state.cursor);
            let detail = format!(
                "subscription {} ({}): {} delivered, {backlog} not yet looked at, {} retrying, {} dead",
                s.id,
                s.url,
                s.state.delivered,
                s.state.retrying.len(),
                s.state.dead.len()
            );
            findings.push(if s.state.dead.is_empty() {
                Finding::ok(CHECK, detail)
            } else {
                Finding::problem(CHECK, detail, format!("`wrk-zoom events dead-letters --subscription {}` shows why; `wrk-zoom events retry {}` once the receiver works", s.id, s.id))
            });
        }
    }
    findings
}

/// Permissions of `path`: a problem when others may write it (another
/// user could replace what is in the directory).
#[cfg(unix)]
fn writable_by_others(check: &'static str, path: &Path) -> Option<Finding> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    (meta.mode() & 0o022 != 0).then(|| {
        Finding::problem(
            check,
            format!(
                "{} may be written by others (mode {:o})",
                path.display(),
                meta.mode() & 0o777
            ),
            format!("chmod go-rwx {}", path.display()),
        )
    })
}

#[cfg(not(unix))]
fn writable_by_others(_: &'static str, _: &Path) -> Option<Finding> {
    None
}

/// The token store: whether it opens and reads, then what its backend
/// checks about itself ([`wrk_zoom::auth::TokenStore::diagnose`]: a file's
/// permissions, a database session's encryption), then its connections.
async fn store_findings(chosen: &Store) -> Vec<Finding> {
    const CHECK: &str = StoreFinding::TOKEN_STORE;
    let spec = match chosen.backend() {
        Ok(spec) => spec,
        Err(e) => {
            return vec![Finding::problem(
                CHECK,
                e.to_string(),
                "set WRK_ZOOM_HOME to a directory of yours",
            )];
        }
    };
    let store = match spec.open_from_env().await {
        Ok(store) => store,
        Err(e) => return vec![Finding::problem(CHECK, e.to_string(), spec.fix())],
    };
    let read = store.read().await;
    let mut findings: Vec<Finding> = (store.diagnose(read.as_ref()).await)
        .into_iter()
        .map(Finding::from)
        .collect();
    if let Ok(data) = &read {
        findings.extend(connection_findings(data));
    }
    findings
}

fn connection_findings(data: &StoreData) -> Vec<Finding> {
    if data.connections.is_empty() {
        return vec![Finding::ok(
            "connections",
            "none stored (pass a token, or `wrk-zoom auth login`)",
        )];
    }
    data.connections
        .iter()
        .map(|(name, connection)| connection_finding(name, connection))
        .collect()
}

fn connection_finding(name: &str, c: &StoredConnection) -> Finding {
    match &c.needs_login {
        None => Finding::ok(
            "connections",
            format!("'{name}' ({}) is usable", c.kind.as_str()),
        ),
        Some(reason) => {
            let again = if c.account_id.is_some() {
                format!("wrk-zoom auth s2s --connection {name}")
            } else if c.kind.as_str() == "admin" {
                format!("wrk-zoom auth login --admin --connection {name}")
            } else {
                format!("wrk-zoom auth login --connection {name}")
            };
            Finding::problem(
                "connections",
                format!("'{name}' needs a new login: {reason}"),
                again,
            )
        }
    }
}

fn cache_finding() -> Finding {
    const CHECK: &str = "compiled-code cache";
    match wrk_zoom::CachePaths::from_env().dir {
        None => Finding::problem(
            CHECK,
            "no cache directory (every run compiles its action again)",
            "set WRK_ZOOM_CACHE_DIR to a directory of yours",
        ),
        Some(dir) if !dir.exists() => {
            Finding::ok(CHECK, format!("{} (made on the first run)", dir.display()))
        }
        Some(dir) => writable_by_others(CHECK, &dir).unwrap_or_else(|| {
            Finding::ok(CHECK, format!("{} is writable only by you", dir.display()))
        }),
    }
}

/// Whether the API base answers, and this clock against its `Date`.
async fn zoom_findings(api_base: &str) -> Vec<Finding> {
    const REACH: &str = "Zoom API";
    let url = format!("{}/users/me", api_base.trim_end_matches('/'));
    let transport = match wrk_zoom::transport::shared() {
        Ok(transport) => transport,
        Err(e) => {
            return vec![Finding::problem(
                REACH,
                e,
                "fix WRK_ZOOM_CA_FILE or unset it",
            )];
        }
    };
    let request = match hyper::Request::get(&url).body(http_body_util::Full::default()) {
        Ok(request) => request,
        Err(e) => {
            return vec![Finding::problem(
                REACH,
                format!("'{api_base}' is not a URL ({e})"),
                "pass --api-base https://api.zoom.us/v2",
            )];
        }
    };
    let sent = std::time::SystemTime::now();
    let answer = match transport.send(request, Duration::from_secs(15)).await {
        Ok(answer) => answer,
        Err(failure) => {
            let why = match failure {
                wrk_zoom::transport::Failure::TimedOut => "no answer within 15 s".to_string(),
                wrk_zoom::transport::Failure::NotSent(why)
                | wrk_zoom::transport::Failure::MaybeSent(why)
                | wrk_zoom::transport::Failure::Fatal(why) => why,
            };
            return vec![Finding::problem(
                REACH,
                format!("{url} did not answer: {why}"),
                "check the network or proxy; a TLS-inspecting proxy's CA goes in WRK_ZOOM_CA_FILE",
            )];
        }
    };
    let mut findings = vec![Finding::ok(
        REACH,
        format!("{url} answers (HTTP {})", answer.status().as_u16()),
    )];
    let theirs = answer
        .headers()
        .get(hyper::header::DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(|d| httpdate::parse_http_date(d).ok());
    findings.push(match theirs {
        None => Finding::ok("clock", "the server sent no Date to compare with"),
        Some(theirs) => {
            let secs = |t: std::time::SystemTime| {
                t.duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or_default()
            };
            let skew = secs(sent) - secs(theirs);
            if skew.abs() > MAX_SKEW_SECS {
                let side = if skew > 0 { "ahead of" } else { "behind" };
                Finding::problem(
                    "clock",
                    format!("this machine's clock is {} s {side} the API's", skew.abs()),
                    "synchronise it (e.g. `timedatectl set-ntp true`); token expiry is counted on Zoom's clock",
                )
            } else {
                Finding::ok("clock", format!("within {MAX_SKEW_SECS} s of the API's ({skew:+} s)"))
            }
        }
    });
    findings
}
