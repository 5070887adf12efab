//! What the host says about actions and their answers, as serialisable
//! types (the JSON of `wrk-zoom actions --json`, `--dry-run` and results).
//! The enums are the declarations' own (`wrk-zoom-spec`). A built-in
//! action's [`ActionInfo`] comes from its declaration; a loaded
//! component's from its `describe()`, converted in `runtime::bindings`,
//! the one place that builds or takes apart a generated type.

use serde::Serialize;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
pub use wrk_zoom_spec::{ConnectionKind, ParamKind, ParamLocation, RateCategory};

/// `describe()` of one action.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ActionInfo {
    /// The action's name, e.g. `retrieve-meetings`.
    pub name: String,
    /// Its title as the product shows it.
    pub title: String,
    /// `user` or `admin`.
    pub connection: ConnectionKind,
    /// Scopes that each allow the call.
    pub scopes: Scopes,
    /// HTTP method of the Zoom request.
    pub method: String,
    /// Zoom path template, e.g. `/users/{userId}/meetings`.
    pub path: String,
    /// `light`, `medium`, `heavy` or `resource-intensive`.
    pub rate: RateCategory,
    /// The key of the list in a paginated answer, e.g. `meetings`.
    pub list_key: Option<String>,
    /// Every parameter the action takes.
    pub params: Vec<ParamSpec>,
    /// What the action returns, as JSON Schema (draft 2020-12): one
    /// answer, a page for a list. `None` for a component built against
    /// `wrk:zoom@0.1.0`, or one that does not say. Left out of the
    /// serialised description (it is large); shown on its own by
    /// `describe --output-schema` and `GET /v1/actions/{name}/output-schema`.
    #[serde(skip)]
    pub output_schema: Option<OutputSchema>,
}

/// An action's output schema: its JSON text as `describe()` gave it, parsed
/// the first time it is asked for and shared by every copy of the
/// description. The 33 built-in schemas are about 400 KB: a host that
/// starts, or hands out its descriptions, pays for them only when one is
/// used.
#[derive(Clone)]
pub struct OutputSchema(Arc<(Cow<'static, str>, OnceLock<Option<serde_json::Value>>)>);

impl OutputSchema {
    /// The schema in `text` (JSON), read when first asked for.
    pub fn new(text: impl Into<Cow<'static, str>>) -> OutputSchema {
        OutputSchema(Arc::new((text.into(), OnceLock::new())))
    }

    /// The schema, or `None` when its text is not JSON.
    pub fn value(&self) -> Option<&serde_json::Value> {
        let (text, value) = &*self.0;
        value
            .get_or_init(|| serde_json::from_str(text).ok())
            .as_ref()
    }
}

impl PartialEq for OutputSchema {
    fn eq(&self, other: &OutputSchema) -> bool {
        self.value() == other.value()
    }
}

impl std::fmt::Debug for OutputSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OutputSchema({} bytes)", self.0.0.len())
    }
}

/// Scopes that each allow the call (any one suffices).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Scopes {
    /// Classic scopes, e.g. `meeting:read`.
    pub classic: Vec<String>,
    /// Granular scopes, e.g. `meeting:read:list_meetings`.
    pub granular: Vec<String>,
}

impl Scopes {
    /// Classic and granular scopes together.
    pub fn all(&self) -> Vec<String> {
        self.classic.iter().chain(&self.granular).cloned().collect()
    }
}

/// One parameter.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ParamSpec {
    /// The parameter's name, as Zoom spells it.
    pub name: String,
    /// What values it accepts.
    #[serde(rename = "type")]
    pub param_type: ParamKind,
    /// Where it goes.
    #[serde(rename = "in")]
    pub location: ParamLocation,
    /// Whether it must be given.
    pub required: bool,
    /// One sentence for people.
    pub description: String,
    /// The accepted values of a choice.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    /// The value used when none is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Smallest accepted integer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<i64>,
    /// Largest accepted integer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<i64>,
}

/// The request an action would send (`--dry-run`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PlannedRequest {
    /// HTTP method.
    pub method: String,
    /// The URL, as the component would send it.
    pub url: String,
    /// Headers (never credentials).
    pub headers: Vec<(String, String)>,
    /// The JSON body, if any.
    pub body: Option<serde_json::Value>,
}

/// A successful answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// Zoom's HTTP status.
    pub status: u16,
    /// The answer (`null` when Zoom sent none, e.g. 204).
    pub body: serde_json::Value,
    /// The token of the next page of a list, when there is one.
    pub next_page_token: Option<String>,
}

/// A successful answer whose body is still the JSON text the component
/// returned: `serve` checks it ([`RawReply::checked`]) and passes it on
/// without building the document; [`RawReply::parse`] gives the [`Reply`].
#[derive(Clone, Debug, PartialEq)]
pub struct RawReply {
    /// Zoom's HTTP status.
    pub status: u16,
    /// The answer as JSON text (`null` when Zoom sent none).
    pub body: String,
    /// The token of the next page of a list, when there is one.
    pub next_page_token: Option<String>,
}

impl RawReply {
    /// The answer, once its body is checked to be JSON (without building
    /// it); `action` names the component in the error.
    pub fn checked(self, action: &str) -> Result<RawReply, crate::error::HostError> {
        match serde_json::from_str::<serde::de::IgnoredAny>(&self.body) {
            Ok(_) => Ok(self),
            Err(e) => Err(not_json(action, e)),
        }
    }

    /// The answer with its body parsed; `action` names the component in
    /// the error of a body JSON cannot hold (a number out of range).
    pub fn parse(self, action: &str) -> Result<Reply, crate::error::HostError> {
        let body = serde_json::from_str(&self.body).map_err(|e| not_json(action, e))?;
        Ok(Reply {
            status: self.status,
            body,
            next_page_token: self.next_page_token,
        })
    }
}

fn not_json(action: &str, e: serde_json::Error) -> crate::error::HostError {
    crate::error::HostError::UnexpectedResponse(format!(
        "{action} returned a body that is not JSON: {e}"
    ))
}

/// One refused parameter.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct InvalidParam {
    /// The parameter.
    pub name: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

impl ActionInfo {
    /// The declared parameter called `name`.
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Whether this is a raw API call (`api-call`, `api-call-admin`): its
    /// caller names the method and path, so the declared `/` says nothing
    /// of what it does, and each request is paced on its own path.
    pub fn is_raw_call(&self) -> bool {
        self.path == "/"
    }
}

impl From<&wrk_zoom_spec::Action> for ActionInfo {
    /// What a declaration's `describe()` says (a test proves each built-in
    /// component's own `describe()` equal to this).
    fn from(action: &wrk_zoom_spec::Action) -> Self {
        let texts = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        ActionInfo {
            name: action.name.into(),
            title: action.title.into(),
            connection: action.connection,
            scopes: Scopes {
                classic: texts(action.classic_scopes),
                granular: texts(action.granular_scopes),
            },
            method: action.method.as_str().into(),
            path: action.path.into(),
            rate: action.rate,
            list_key: action.list_key.map(Into::into),
            params: action
                .all_params()
                .into_iter()
                .map(ParamSpec::from)
                .collect(),
            output_schema: action.output_schema.map(OutputSchema::new),
        }
    }
}

impl From<&wrk_zoom_spec::Param> for ParamSpec {
    fn from(p: &wrk_zoom_spec::Param) -> Self {
        ParamSpec {
            name: p.name.into(),
            param_type: p.kind.kind(),
            location: p.location,
            required: p.required,
            description: p.description.into(),
            choices: p.kind.choices().iter().map(|s| s.to_string()).collect(),
            default: p.default.map(Into::into),
            minimum: p.min,
            maximum: p.max,
        }
    }
}
