//! What the egress saw during one call, and how that turns into the call's
//! error: a denied host outranks everything, then (when the call failed) a
//! daily limit, then a request whose outcome is unknown.

use crate::error::HostError;

/// What the hook saw during one call.
#[derive(Debug, Default)]
pub struct EgressLog {
    /// Hosts (scheme://host:port) that were refused (the first few).
    pub denied: Vec<String>,
    /// Requests the component made (each counted once, however often the
    /// host tried it).
    pub requests: u64,
    /// A per-call limit the component went past (e.g. "more than 1000
    /// requests").
    pub over_limit: Option<String>,
    /// Requests sent to Zoom (tries included).
    pub sent: u64,
    /// Tries that were repeated (after a 429, a 5xx or a failed connection).
    pub retries: u64,
    /// A daily limit Zoom reported (not retried).
    pub daily_limit: Option<DailyLimitHit>,
    /// A request that may have reached Zoom but got no usable answer, and
    /// was not repeated because repeating it is not safe.
    pub uncertain: Option<UncertainRequest>,
}

/// A daily-limit 429.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyLimitHit {
    /// Which limit, in words (e.g. "Zoom's per-user daily limit of 100
    /// meeting creates and updates").
    pub limit: String,
    /// When it resets, `YYYY-MM-DDTHH:MM:SSZ` (00:00 UTC).
    pub resets_at: String,
    /// Zoom's message.
    pub message: String,
}

/// A request whose outcome is unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UncertainRequest {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// What went wrong.
    pub cause: String,
    /// What to check before sending it again.
    pub check: String,
}

impl EgressLog {
    /// The error the call ends with because of what the egress saw, if any.
    /// `failed` says whether the component's call itself failed: a daily
    /// limit or an uncertain request that the component got past (e.g. a
    /// later retry succeeded) is no error.
    pub fn into_error(self, action: &str, failed: bool) -> Option<HostError> {
        tracing::debug!(
            action,
            requests = self.requests,
            sent = self.sent,
            retries = self.retries,
            "egress of the call"
        );
        if !self.denied.is_empty() {
            return Some(HostError::EgressDenied {
                action: action.to_string(),
                hosts: self.denied,
            });
        }
        if let Some(limit) = self.over_limit {
            return Some(HostError::CallLimit {
                action: action.to_string(),
                limit,
            });
        }
        if !failed {
            return None;
        }
        if let Some(hit) = self.daily_limit {
            return Some(HostError::DailyLimit {
                action: action.to_string(),
                limit: hit.limit,
                resets_at: hit.resets_at,
                message: hit.message,
            });
        }
        self.uncertain.map(|u| HostError::Uncertain {
            action: action.to_string(),
            request: format!("{} {}", u.method, u.path),
            cause: u.cause,
            check: u.check,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uncertain() -> UncertainRequest {
        UncertainRequest {
            method: "POST".into(),
            path: "/v2/users/me/meetings".into(),
            cause: "no answer".into(),
            check: "look".into(),
        }
    }

    #[test]
    fn a_denied_host_outranks_a_daily_limit_and_an_uncertain_request() {
        let log = EgressLog {
            denied: vec!["https://evil.example:443".into()],
            uncertain: Some(uncertain()),
            ..EgressLog::default()
        };
        assert!(matches!(
            log.into_error("x", false),
            Some(HostError::EgressDenied { .. })
        ));
        let log = EgressLog {
            daily_limit: Some(DailyLimitHit {
                limit: "l".into(),
                resets_at: "r".into(),
                message: "m".into(),
            }),
            uncertain: Some(uncertain()),
            ..EgressLog::default()
        };
        assert!(matches!(
            log.into_error("x", true),
            Some(HostError::DailyLimit { .. })
        ));
    }

    #[test]
    fn what_a_successful_call_got_past_is_no_error() {
        let log = EgressLog {
            uncertain: Some(uncertain()),
            ..EgressLog::default()
        };
        assert!(log.into_error("x", false).is_none());
        let log = EgressLog {
            uncertain: Some(uncertain()),
            ..EgressLog::default()
        };
        match log.into_error("create-meeting", true) {
            Some(HostError::Uncertain { request, .. }) => {
                assert_eq!(request, "POST /v2/users/me/meetings")
            }
            other => panic!("{other:?}"),
        }
    }
}
