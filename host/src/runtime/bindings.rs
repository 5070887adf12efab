//! Host-side bindings for the `wrk:zoom/zoom-action` world (from `wit/`).

wasmtime::component::bindgen!({
    path: "../wit",
    world: "wrk:zoom/zoom-action",
    exports: { default: async },
});

pub use wrk::zoom::types;

use crate::model::{
    ActionInfo, ConnectionKind, ParamLocation, ParamSpec, ParamType, RateCategory, Scopes,
};
use types as wit;

impl From<wit::ActionInfo> for ActionInfo {
    fn from(info: wit::ActionInfo) -> Self {
        ActionInfo {
            name: info.name,
            title: info.title,
            connection: match info.connection {
                wit::ConnectionKind::User => ConnectionKind::User,
                wit::ConnectionKind::Admin => ConnectionKind::Admin,
            },
            scopes: Scopes {
                classic: info.classic_scopes,
                granular: info.granular_scopes,
            },
            method: info.method,
            path: info.path,
            rate: match info.rate {
                wit::RateCategory::Light => RateCategory::Light,
                wit::RateCategory::Medium => RateCategory::Medium,
                wit::RateCategory::Heavy => RateCategory::Heavy,
                wit::RateCategory::ResourceIntensive => RateCategory::ResourceIntensive,
            },
            list_key: info.list_key,
            params: info.params.into_iter().map(ParamSpec::from).collect(),
        }
    }
}

impl From<wit::ParamSpec> for ParamSpec {
    fn from(p: wit::ParamSpec) -> Self {
        use wit::{ParamLocation as L, ParamType as T};
        ParamSpec {
            name: p.name,
            param_type: match p.kind {
                T::Text => ParamType::Text,
                T::Integer => ParamType::Integer,
                T::Boolean => ParamType::Boolean,
                T::Date => ParamType::Date,
                T::DateTime => ParamType::DateTime,
                T::DateOrDateTime => ParamType::DateOrDateTime,
                T::Choice => ParamType::Choice,
                T::MeetingId => ParamType::MeetingId,
                T::MeetingIdOrUuid => ParamType::MeetingIdOrUuid,
                T::UserId => ParamType::UserId,
                T::JsonObject => ParamType::JsonObject,
                T::JsonArray => ParamType::JsonArray,
                T::TextList => ParamType::TextList,
            },
            location: match p.location {
                L::Path => ParamLocation::Path,
                L::Query => ParamLocation::Query,
                L::Body => ParamLocation::Body,
                L::Control => ParamLocation::Control,
            },
            required: p.required,
            description: p.description,
            choices: p.choices,
            default: p.default_value,
            minimum: p.minimum,
            maximum: p.maximum,
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
