//! Host-side bindings for every version of the `wrk:zoom/zoom-action`
//! world the host loads (`wit/v0.1.0`, `wit/v0.2.0`) and of the
//! `wrk:zoom/zoom-trigger` world (`wit/v0.3.0`), and every conversion
//! between the generated types and the host's ([`crate::model`],
//! [`crate::triggers`], [`HostError`]): the one place that builds or takes
//! apart a generated type. [`ActionPre`] is an action pre-instantiated
//! against whichever version it exports, the newest first; [`TriggerPre`]
//! a trigger.

use super::store::CallState;
use crate::error::HostError;
use crate::model::{
    ActionInfo, ConnectionKind, InvalidParam, OutputSchema, ParamKind, ParamLocation, ParamSpec,
    PlannedRequest, RateCategory, RawReply, Scopes,
};
use crate::triggers::TriggerInfo;
use wasmtime::Store;
use wasmtime::component::InstancePre;

/// `wrk:zoom@0.1.0`: components built before output schemas.
mod v0_1 {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "wrk:zoom/zoom-action",
        exports: { default: async },
    });
}

/// `wrk:zoom@0.2.0`: `describe()` says what `run` returns.
mod v0_2 {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.0",
        world: "wrk:zoom/zoom-action",
        exports: { default: async },
    });
}

/// `wrk:zoom@0.3.0`: adds triggers; its action world is 0.2.0's.
mod v0_3 {
    wasmtime::component::bindgen!({
        path: "../wit/v0.3.0",
        world: "wrk:zoom/zoom-action",
        exports: { default: async },
    });
}

/// `wrk:zoom@0.3.0`'s trigger world, on the action world's types.
mod v0_3_trigger {
    wasmtime::component::bindgen!({
        path: "../wit/v0.3.0",
        world: "wrk:zoom/zoom-trigger",
        exports: { default: async },
        with: { "wrk:zoom/types@0.3.0": super::v0_3::wrk::zoom::types },
    });
}

/// An action component, pre-instantiated against the contract version it
/// exports.
#[derive(Clone)]
pub(crate) enum ActionPre {
    V0_1(v0_1::ZoomActionPre<CallState>),
    V0_2(v0_2::ZoomActionPre<CallState>),
    V0_3(v0_3::ZoomActionPre<CallState>),
}

/// `$body` for whichever version `$action` exports, with `$pre` its
/// pre-instantiated component and `$wit` its generated types: the code is
/// the same, the types differ.
macro_rules! each_version {
    ($action:expr, $pre:ident, $wit:ident => $body:expr) => {
        match $action {
            ActionPre::V0_1($pre) => {
                #[allow(unused_imports)]
                use v0_1::wrk::zoom::types as $wit;
                $body
            }
            ActionPre::V0_2($pre) => {
                #[allow(unused_imports)]
                use v0_2::wrk::zoom::types as $wit;
                $body
            }
            ActionPre::V0_3($pre) => {
                #[allow(unused_imports)]
                use v0_3::wrk::zoom::types as $wit;
                $body
            }
        }
    };
}

/// One answer of `run`, before the host reads its body.
pub(crate) struct GuestReply {
    pub(crate) status: u16,
    pub(crate) body: String,
    pub(crate) next_page_token: Option<String>,
}

impl ActionPre {
    /// `pre` as the newest contract version it exports; the error names the
    /// versions looked for.
    pub(crate) fn new(pre: InstancePre<CallState>) -> wasmtime::Result<ActionPre> {
        if let Ok(v3) = v0_3::ZoomActionPre::new(pre.clone()) {
            return Ok(ActionPre::V0_3(v3));
        }
        match v0_2::ZoomActionPre::new(pre.clone()) {
            Ok(v2) => Ok(ActionPre::V0_2(v2)),
            Err(newest) => match v0_1::ZoomActionPre::new(pre) {
                Ok(v1) => Ok(ActionPre::V0_1(v1)),
                Err(_) => {
                    Err(newest.context("none of wrk:zoom@0.3.0, wrk:zoom@0.2.0 or wrk:zoom@0.1.0"))
                }
            },
        }
    }

    /// The contract version the component was built against.
    pub(crate) fn version(&self) -> &'static str {
        match self {
            ActionPre::V0_1(_) => "0.1.0",
            ActionPre::V0_2(_) => "0.2.0",
            ActionPre::V0_3(_) => "0.3.0",
        }
    }

    /// `describe()`.
    pub(crate) async fn describe(
        &self,
        store: &mut Store<CallState>,
    ) -> wasmtime::Result<ActionInfo> {
        Ok(each_version!(self, pre, _wit => {
            let instance = pre.instantiate_async(&mut *store).await?;
            instance.wrk_zoom_action().call_describe(store).await?.into()
        }))
    }

    /// `plan(params)`; the action's own refusal names `action`.
    pub(crate) async fn plan(
        &self,
        store: &mut Store<CallState>,
        action: &str,
        params: &[(String, String)],
    ) -> wasmtime::Result<Result<PlannedRequest, HostError>> {
        let params = params.to_vec();
        Ok(each_version!(self, pre, _wit => {
            let instance = pre.instantiate_async(&mut *store).await?;
            let planned = instance.wrk_zoom_action().call_plan(store, &params).await?;
            planned.map(Into::into).map_err(|e| e.into_host_error(action))
        }))
    }

    /// `run(connection, params)` with the API base (no trailing `/`) and
    /// the call's stand-in token, never the real one.
    pub(crate) async fn run(
        &self,
        store: &mut Store<CallState>,
        action: &str,
        api_base: &str,
        stand_in: String,
        params: &[(String, String)],
    ) -> wasmtime::Result<Result<GuestReply, HostError>> {
        let params = params.to_vec();
        let api_base = api_base.trim_end_matches('/').to_string();
        Ok(each_version!(self, pre, wit => {
            let connection = wit::Connection {
                access_token: stand_in,
                api_base,
            };
            let instance = pre.instantiate_async(&mut *store).await?;
            let reply = instance
                .wrk_zoom_action()
                .call_run(store, &connection, &params)
                .await?;
            reply.map(Into::into).map_err(|e| e.into_host_error(action))
        }))
    }
}

impl From<GuestReply> for RawReply {
    /// The body as the component returned it, not yet checked to be JSON.
    fn from(reply: GuestReply) -> Self {
        RawReply {
            status: reply.status,
            body: reply.body,
            next_page_token: reply.next_page_token,
        }
    }
}

impl From<v0_1::wrk::zoom::types::ActionInfo> for ActionInfo {
    fn from(info: v0_1::wrk::zoom::types::ActionInfo) -> Self {
        info.shared()
    }
}

impl From<v0_2::wrk::zoom::types::ActionInfo> for ActionInfo {
    fn from(mut info: v0_2::wrk::zoom::types::ActionInfo) -> Self {
        let text = info.output_schema.take();
        with_output_schema(info.shared(), text)
    }
}

impl From<v0_3::wrk::zoom::types::ActionInfo> for ActionInfo {
    fn from(mut info: v0_3::wrk::zoom::types::ActionInfo) -> Self {
        let text = info.output_schema.take();
        with_output_schema(info.shared(), text)
    }
}

/// `info` with the output schema `describe()` gave (0.2.0 on). One that is
/// not JSON is dropped (with a warning): the action still runs.
fn with_output_schema(info: ActionInfo, text: Option<String>) -> ActionInfo {
    // Read at load (once per component), so a schema that is not JSON is
    // noticed there.
    let output_schema = text.map(OutputSchema::new).filter(|schema| {
        let json = schema.value().is_some();
        if !json {
            tracing::warn!(action = info.name, "its output schema is not JSON");
        }
        json
    });
    ActionInfo {
        output_schema,
        ..info
    }
}

/// The conversions every contract version shares: the same types,
/// generated once per version.
macro_rules! conversions {
    ($version:ident) => {
        mod $version {
            use super::super::$version::wrk::zoom::types as wit;
            use super::*;

            impl wit::ActionInfo {
                /// What every version's `describe()` says (no output
                /// schema: 0.2.0 adds it).
                pub(crate) fn shared(self) -> ActionInfo {
                    ActionInfo {
                        name: self.name,
                        title: self.title,
                        connection: self.connection.into(),
                        scopes: Scopes {
                            classic: self.classic_scopes,
                            granular: self.granular_scopes,
                        },
                        method: self.method,
                        path: self.path,
                        rate: self.rate.into(),
                        list_key: self.list_key,
                        params: self.params.into_iter().map(ParamSpec::from).collect(),
                        output_schema: None,
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
                        body: planned.body.map(|b| {
                            serde_json::from_str(&b).unwrap_or(serde_json::Value::String(b))
                        }),
                    }
                }
            }

            impl From<wit::Reply> for GuestReply {
                fn from(reply: wit::Reply) -> Self {
                    GuestReply {
                        status: reply.status,
                        body: reply.body,
                        next_page_token: reply.next_page_token,
                    }
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
                /// The action's own error as the host reports it (refused
                /// parameters name the action).
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
        }
    };
}

mod convert {
    use super::*;
    conversions!(v0_1);
    conversions!(v0_2);
    conversions!(v0_3);
}

/// A trigger component, pre-instantiated.
#[derive(Clone)]
pub(crate) struct TriggerPre(v0_3_trigger::ZoomTriggerPre<CallState>);

impl TriggerPre {
    /// `pre` as a trigger; the error says why it is not one.
    pub(crate) fn new(pre: InstancePre<CallState>) -> wasmtime::Result<TriggerPre> {
        v0_3_trigger::ZoomTriggerPre::new(pre)
            .map(TriggerPre)
            .map_err(|e| e.context("not wrk:zoom@0.3.0"))
    }

    /// `describe()`.
    pub(crate) async fn describe(
        &self,
        store: &mut Store<CallState>,
    ) -> wasmtime::Result<TriggerInfo> {
        let instance = self.0.instantiate_async(&mut *store).await?;
        let info = instance.wrk_zoom_trigger().call_describe(store).await?;
        Ok(info.into())
    }

    /// `check(params)`; the trigger's refusal names `trigger`.
    pub(crate) async fn check(
        &self,
        store: &mut Store<CallState>,
        trigger: &str,
        params: &[(String, String)],
    ) -> wasmtime::Result<Result<(), HostError>> {
        let instance = self.0.instantiate_async(&mut *store).await?;
        let checked = instance
            .wrk_zoom_trigger()
            .call_check(store, &params.to_vec())
            .await?;
        Ok(checked.map_err(|e| trigger_error(trigger, e)))
    }

    /// `map-event(event, params)`; the trigger's refusal names `trigger`.
    pub(crate) async fn map_event(
        &self,
        store: &mut Store<CallState>,
        trigger: &str,
        event: &str,
        params: &[(String, String)],
    ) -> wasmtime::Result<Result<Vec<(String, String)>, HostError>> {
        let instance = self.0.instantiate_async(&mut *store).await?;
        let mapped = instance
            .wrk_zoom_trigger()
            .call_map_event(store, event, &params.to_vec())
            .await?;
        Ok(mapped
            .map(|outputs| outputs.into_iter().map(|o| (o.key, o.output)).collect())
            .map_err(|e| trigger_error(trigger, e)))
    }
}

use v0_3_trigger::exports::wrk::zoom::trigger as trigger_wit;

impl From<trigger_wit::TriggerInfo> for TriggerInfo {
    fn from(info: trigger_wit::TriggerInfo) -> Self {
        TriggerInfo {
            name: info.name,
            title: info.title,
            events: info.events,
            connection: info.connection.into(),
            scopes: Scopes {
                classic: info.classic_scopes,
                granular: info.granular_scopes,
            },
            params: info.params.into_iter().map(ParamSpec::from).collect(),
            output_schema: OutputSchema::new(info.output_schema),
            sample_output: info.sample_output,
        }
    }
}

/// A trigger's own error as the host reports it.
fn trigger_error(trigger: &str, error: trigger_wit::TriggerError) -> HostError {
    match error {
        trigger_wit::TriggerError::InvalidParams(problems) => HostError::InvalidParams {
            action: trigger.to_string(),
            problems: problems.into_iter().map(InvalidParam::from).collect(),
        },
        trigger_wit::TriggerError::InvalidEvent(message) => HostError::InvalidInput {
            field: "event".into(),
            message: format!("{trigger} cannot map it: {message}"),
        },
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

    /// Every version the host binds, as it is in `wit/`.
    const VERSIONS: [(&str, &str); 3] = [
        ("0.1.0", include_str!("../../../wit/v0.1.0/zoom-action.wit")),
        ("0.2.0", include_str!("../../../wit/v0.2.0/zoom-action.wit")),
        ("0.3.0", include_str!("../../../wit/v0.3.0/zoom-action.wit")),
    ];

    #[test]
    fn every_released_contract_is_frozen() {
        for (folder, wit) in VERSIONS {
            check_frozen(folder, wit);
        }
    }

    fn check_frozen(folder: &str, wit: &str) {
        let frozen = include_str!("../../../wit/FROZEN");
        let version = wit
            .lines()
            .find_map(|l| l.trim().strip_prefix("package wrk:zoom@"))
            .and_then(|v| v.strip_suffix(';'))
            .expect("the WIT names its package version");
        assert_eq!(version, folder, "wit/v{folder}/ holds version {version}");
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
            "wit/v{version}/zoom-action.wit changed while its package version is still {version}: a released contract is frozen; undo the change, or make it a new version in a folder of its own (and add it to wit/FROZEN)"
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
