//! Host-side bindings for the `wrk:zoom/zoom-action` world (from `wit/`),
//! and every conversion between the generated types and the host's
//! ([`crate::model`], [`HostError`]): the one place that builds or takes
//! apart a generated type.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "wrk:zoom/zoom-action",
    exports: { default: async },
});

pub use wrk::zoom::types;

use crate::error::HostError;
use crate::model::{
    ActionInfo, ConnectionKind, InvalidParam, ParamKind, ParamLocation, ParamSpec, PlannedRequest,
    RateCategory, Reply, Scopes,
};
use types as wit;

impl From<wit::ActionInfo> for ActionInfo {
    fn from(info: wit::ActionInfo) -> Self {
        ActionInfo {
            name: info.name,
            title: info.title,
            connection: info.connection.into(),
            scopes: Scopes {
                classic: info.classic_scopes,
                granular: info.granular_scopes,
            },
            method: info.method,
            path: info.path,
            rate: info.rate.into(),
            list_key: info.list_key,
            params: info.params.into_iter().map(ParamSpec::from).collect(),
        }
    }
}

impl From<wit::ParamSpec> for ParamSpec {
    fn from(p: wit::ParamSpec) -> Self {
        ParamSpec {
            name: p.name,
            param_type: p.kind.into(),
            location: p.location.into(),
            required: p.required,
            description: p.description,
            choices: p.choices,
            default: p.default_value,
            minimum: p.minimum,
            maximum: p.maximum,
        }
    }
}

impl From<wit::ConnectionKind> for ConnectionKind {
    fn from(kind: wit::ConnectionKind) -> Self {
        match kind {
            wit::ConnectionKind::User => ConnectionKind::User,
            wit::ConnectionKind::Admin => ConnectionKind::Admin,
        }
    }
}

impl From<wit::RateCategory> for RateCategory {
    fn from(rate: wit::RateCategory) -> Self {
        match rate {
            wit::RateCategory::Light => RateCategory::Light,
            wit::RateCategory::Medium => RateCategory::Medium,
            wit::RateCategory::Heavy => RateCategory::Heavy,
            wit::RateCategory::ResourceIntensive => RateCategory::ResourceIntensive,
        }
    }
}

impl From<wit::ParamType> for ParamKind {
    fn from(kind: wit::ParamType) -> Self {
        use wit::ParamType as T;
        match kind {
            T::Text => ParamKind::Text,
            T::Integer => ParamKind::Integer,
            T::Boolean => ParamKind::Boolean,
            T::Date => ParamKind::Date,
            T::DateTime => ParamKind::DateTime,
            T::DateOrDateTime => ParamKind::DateOrDateTime,
            T::Choice => ParamKind::Choice,
            T::MeetingId => ParamKind::MeetingId,
            T::MeetingIdOrUuid => ParamKind::MeetingIdOrUuid,
            T::UserId => ParamKind::UserId,
            T::JsonObject => ParamKind::JsonObject,
            T::JsonArray => ParamKind::JsonArray,
            T::TextList => ParamKind::TextList,
        }
    }
}

impl From<wit::ParamLocation> for ParamLocation {
    fn from(location: wit::ParamLocation) -> Self {
        match location {
            wit::ParamLocation::Path => ParamLocation::Path,
            wit::ParamLocation::Query => ParamLocation::Query,
            wit::ParamLocation::Body => ParamLocation::Body,
            wit::ParamLocation::Control => ParamLocation::Control,
        }
    }
}

impl From<wit::PlannedRequest> for PlannedRequest {
    /// A body that is not JSON is kept as a JSON string.
    fn from(planned: wit::PlannedRequest) -> Self {
        PlannedRequest {
            method: planned.method,
            url: planned.url,
            headers: planned.headers,
            body: planned
                .body
                .map(|b| serde_json::from_str(&b).unwrap_or(serde_json::Value::String(b))),
        }
    }
}

impl TryFrom<wit::Reply> for Reply {
    type Error = serde_json::Error;

    /// Fails when the body is not JSON.
    fn try_from(reply: wit::Reply) -> Result<Self, serde_json::Error> {
        Ok(Reply {
            status: reply.status,
            body: serde_json::from_str(&reply.body)?,
            next_page_token: reply.next_page_token,
        })
    }
}

impl From<wit::InvalidParam> for InvalidParam {
    fn from(p: wit::InvalidParam) -> Self {
        InvalidParam {
            name: p.name,
            message: p.message,
        }
    }
}

impl wit::ActionError {
    /// The action's own error as the host reports it (refused parameters
    /// name the action).
    pub(crate) fn into_host_error(self, action: &str) -> HostError {
        match self {
            wit::ActionError::InvalidParams(problems) => HostError::InvalidParams {
                action: action.to_string(),
                problems: problems.into_iter().map(InvalidParam::from).collect(),
            },
            wit::ActionError::Zoom(z) => HostError::Zoom {
                status: z.status,
                code: z.code,
                message: z.message,
                body: z.body,
            },
            wit::ActionError::Transport(m) => HostError::Transport(m),
            wit::ActionError::UnexpectedResponse(m) => HostError::UnexpectedResponse(m),
        }
    }
}

impl wit::Connection {
    /// What the component is given: the API base without a trailing `/`
    /// and the call's stand-in token, never the real one.
    pub(crate) fn for_guest(api_base: &str, stand_in: String) -> Self {
        wit::Connection {
            access_token: stand_in,
            api_base: api_base.trim_end_matches('/').to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    /// The contract's code: comments and blank lines left out, whitespace
    /// folded (documentation may improve; the contract may not change).
    fn code_digest(wit: &str) -> String {
        let code: Vec<String> = wit
            .lines()
            .map(|line| line.split("//").next().unwrap_or_default())
            .map(|code| code.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|code| !code.is_empty())
            .collect();
        Sha256::digest(code.join("\n").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn a_released_contract_is_frozen() {
        let wit = include_str!("../../../wit/zoom-action.wit");
        let frozen = include_str!("../../../wit/FROZEN");
        let version = wit
            .lines()
            .find_map(|l| l.trim().strip_prefix("package wrk:zoom@"))
            .and_then(|v| v.strip_suffix(';'))
            .expect("the WIT names its package version");
        let recorded = frozen
            .lines()
            .filter(|l| !l.starts_with('#'))
            .find_map(|l| l.strip_prefix(&format!("{version} ")))
            .unwrap_or_else(|| {
                panic!(
                    "wit/FROZEN has no line for version {version}: add `{version} {}`",
                    code_digest(wit)
                )
            });
        assert_eq!(
            recorded.trim(),
            code_digest(wit),
            "wit/zoom-action.wit changed while its package version is still {version}: a released contract is frozen; undo the change, or make it a new version (and add it to wit/FROZEN)"
        );
    }

    #[test]
    fn comments_do_not_count_as_a_change_but_code_does() {
        let a = "package wrk:zoom@0.1.0;\n/// doc\ninterface t {  enum e { a } }\n";
        let b = "package wrk:zoom@0.1.0;\n/// better doc\n\ninterface t { enum e { a } } // note\n";
        let c = "package wrk:zoom@0.1.0;\ninterface t { enum e { a, b } }\n";
        assert_eq!(code_digest(a), code_digest(b));
        assert_ne!(code_digest(a), code_digest(c));
    }
}
