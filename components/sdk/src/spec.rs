//! Declarations: what an action is, written as `const` data.
//!
//! An action crate (or the [`catalog`](crate::catalog)) states name, title,
//! connection kind, scopes, endpoint, rate label, list key, parameters and
//! rules; the rest of the SDK derives validation, request building,
//! `describe()` and the HTTP exchange from that one declaration. The few
//! actions that need more name a custom runner ([`runners`](crate::runners)).

use crate::{Failure, Reply, Values};

/// The kind of connection an action runs on (the WIT `connection-kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionKind {
    /// A user's own connection: `{userId}` in the path is always `me`.
    User,
    /// An admin connection: `{userId}` becomes a required `userId` parameter.
    Admin,
}

/// Zoom's rate-limit label of an endpoint (the WIT `rate-category`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateCategory {
    Light,
    Medium,
    Heavy,
    ResourceIntensive,
}

/// HTTP method of the Zoom request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Parses a method name case-insensitively.
    pub fn parse(text: &str) -> Option<Method> {
        match text.to_ascii_uppercase().as_str() {
            "GET" => Some(Method::Get),
            "POST" => Some(Method::Post),
            "PUT" => Some(Method::Put),
            "PATCH" => Some(Method::Patch),
            "DELETE" => Some(Method::Delete),
            _ => None,
        }
    }
}

/// Where a parameter goes (the WIT `param-location`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Body,
    /// Read by a custom runner, never sent as is.
    Control,
}

/// What values a parameter accepts (see the WIT `param-type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    Text,
    Integer,
    Boolean,
    Date,
    DateTime,
    DateOrDateTime,
    Choice(&'static [&'static str]),
    MeetingId,
    MeetingIdOrUuid,
    UserId,
    JsonObject,
    JsonArray,
    TextList(&'static [&'static str]),
}

/// One parameter of an action.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub kind: ParamType,
    pub location: ParamLocation,
    pub required: bool,
    pub description: &'static str,
    pub default: Option<&'static str>,
    /// Smallest integer, or shortest text.
    pub min: Option<i64>,
    /// Largest integer, longest text, or most items of a list.
    pub max: Option<i64>,
    /// A list in the query goes as one comma-separated value instead of
    /// repeated keys.
    pub comma_joined: bool,
    /// The default is sent when the parameter is not given (for a value
    /// Zoom requires but that has an obvious choice); otherwise a default
    /// only documents what Zoom assumes.
    pub send_default: bool,
}

impl Param {
    const fn new(
        name: &'static str,
        kind: ParamType,
        location: ParamLocation,
        description: &'static str,
    ) -> Param {
        Param {
            name,
            kind,
            location,
            required: false,
            description,
            default: None,
            min: None,
            max: None,
            comma_joined: false,
            send_default: false,
        }
    }

    /// A path parameter (always required).
    pub const fn path(name: &'static str, kind: ParamType, description: &'static str) -> Param {
        Param::new(name, kind, ParamLocation::Path, description).required()
    }

    /// An optional query parameter.
    pub const fn query(name: &'static str, kind: ParamType, description: &'static str) -> Param {
        Param::new(name, kind, ParamLocation::Query, description)
    }

    /// An optional top-level field of the JSON body.
    pub const fn body(name: &'static str, kind: ParamType, description: &'static str) -> Param {
        Param::new(name, kind, ParamLocation::Body, description)
    }

    /// A parameter a custom runner reads itself.
    pub const fn control(name: &'static str, kind: ParamType, description: &'static str) -> Param {
        Param::new(name, kind, ParamLocation::Control, description)
    }

    /// `page_size` capped at `max`, Zoom's default 30.
    pub const fn page_size(max: i64) -> Param {
        Param::query("page_size", ParamType::Integer, "Records per page")
            .range(1, max)
            .default("30")
    }

    /// `next_page_token` of a paginated list (valid for 15 minutes).
    pub const fn page_token() -> Param {
        Param::query(
            "next_page_token",
            ParamType::Text,
            "Token of the next page from the previous answer (expires after 15 minutes)",
        )
    }

    pub const fn required(mut self) -> Param {
        self.required = true;
        self
    }

    pub const fn range(mut self, min: i64, max: i64) -> Param {
        self.min = Some(min);
        self.max = Some(max);
        self
    }

    /// Longest accepted text.
    pub const fn max_len(mut self, max: i64) -> Param {
        self.max = Some(max);
        self
    }

    /// Send a list as one comma-separated value (`a,b`), not `k=a&k=b`.
    /// At most `max` items in a list.
    pub const fn max_items(mut self, max: i64) -> Param {
        self.max = Some(max);
        self
    }

    pub const fn comma_joined(mut self) -> Param {
        self.comma_joined = true;
        self
    }

    pub const fn default(mut self, value: &'static str) -> Param {
        self.default = Some(value);
        self
    }

    /// A default that is sent when the parameter is not given.
    pub const fn sent_by_default(mut self, value: &'static str) -> Param {
        self.default = Some(value);
        self.send_default = true;
        self
    }
}

/// A rule across several parameters.
#[derive(Clone, Copy, Debug)]
pub enum Rule {
    /// `from` and `to` dates at most one month apart, `to` not before `from`.
    /// With `required`, both must be given; with `to_with_from`, `to` must
    /// accompany `from`.
    DateWindow {
        from: &'static str,
        to: &'static str,
        required: bool,
        to_with_from: bool,
    },
    /// The first parameter is only valid together with the second.
    Requires(&'static str, &'static str),
    /// A `time` in UTC (it ends in `Z` after an offset was converted) may
    /// not come with a `zone`: Zoom would keep the UTC moment and only show
    /// it in the zone, which is rarely what a person means.
    UtcIgnoresZone {
        time: &'static str,
        zone: &'static str,
    },
    /// At least one body field must be given: a request that changes
    /// nothing would still count against Zoom's limits.
    ChangesSomething,
    /// With `when` given, only `allowed` of the body fields may be (Zoom
    /// ignores the others there); `why` says so.
    OnlyWith {
        when: &'static str,
        allowed: &'static [&'static str],
        why: &'static str,
    },
    /// None of `params` may be given when the boolean `flag` is true;
    /// `why` says what Zoom would do instead.
    NotWithFlag {
        params: &'static [&'static str],
        flag: &'static str,
        why: &'static str,
    },
}

/// A second array of a list page whose entries belong to the list's items:
/// a user's call history pages its calls in `call_logs` and their legs in
/// `call_elements`, joined by `call_id`. Each item gets its own entries
/// under `array`, so following every page (which keeps only the list's
/// items) loses none of them.
#[derive(Clone, Copy, Debug)]
pub struct ItemParts {
    pub array: &'static str,
    pub key: &'static str,
}

/// A runner for actions that need more than one request or a computed
/// request (see [`runners`](crate::runners)).
pub type CustomRun = fn(&Action, &crate::Call, &Values) -> Result<Reply, Failure>;
/// A planner for actions whose request is computed from control parameters.
pub type CustomPlan = fn(&Action, &Values) -> Result<crate::Request, Failure>;

/// Everything that defines one action.
///
/// A declaration writes out what the action is (name, title, connection,
/// scopes, method, path, rate label, and the list key, parameters, rules and
/// custom runner it has) and spreads [`Action::BASE`] for the rest:
///
/// ```
/// use wrk_zoom_sdk::{Action, ConnectionKind, Method, RateCategory};
///
/// const RETRIEVE_USER: Action = Action {
///     name: "retrieve-user",
///     title: "Retrieve a user from Zoom",
///     connection: ConnectionKind::User,
///     classic_scopes: &["user:read"],
///     granular_scopes: &["user:read:user"],
///     method: Method::Get,
///     path: "/users/{userId}",
///     rate: RateCategory::Light,
///     ..Action::BASE
/// };
/// # assert!(RETRIEVE_USER.params.is_empty() && RETRIEVE_USER.custom_run.is_none());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Action {
    pub name: &'static str,
    pub title: &'static str,
    pub connection: ConnectionKind,
    pub classic_scopes: &'static [&'static str],
    pub granular_scopes: &'static [&'static str],
    pub method: Method,
    /// Path template relative to the API base; `{name}` marks a path parameter.
    pub path: &'static str,
    pub rate: RateCategory,
    /// For paginated lists: the JSON key of the item array in each page.
    pub list_key: Option<&'static str>,
    pub params: &'static [Param],
    pub rules: &'static [Rule],
    /// Computes the request instead of [`request::build`](crate::request::build).
    pub custom_plan: Option<CustomPlan>,
    /// Runs the action instead of the default plan, send and [`zoom::reply`](crate::zoom::reply).
    pub custom_run: Option<CustomRun>,
    /// Zoom's schema of the structured body fields (a `spec/body-schemas`
    /// file), which [`schema`](crate::schema) checks them against.
    pub body_schemas: Option<&'static str>,
    /// Entries of another array of each page that belong to the items.
    pub item_parts: Option<ItemParts>,
}

/// The `userId` parameter an admin action gains for a `{userId}` path.
pub const USER_ID: Param = Param::path(
    "userId",
    ParamType::UserId,
    "The user's ID or email address, or `me` for the connection's own user",
);

impl Action {
    /// Neutral defaults for what a declaration leaves out: no scopes, list
    /// key, parameters or rules, and the SDK's default runner (no custom plan
    /// or run). Its name, title and path are empty and its connection,
    /// method and rate are merely placeholders (user, GET, light): a
    /// declaration states those itself.
    pub const BASE: Action = Action {
        name: "",
        title: "",
        connection: ConnectionKind::User,
        classic_scopes: &[],
        granular_scopes: &[],
        method: Method::Get,
        path: "",
        rate: RateCategory::Light,
        list_key: None,
        params: &[],
        rules: &[],
        custom_plan: None,
        custom_run: None,
        body_schemas: None,
        item_parts: None,
    };

    /// The admin twin of a user action: same endpoint and parameters, admin
    /// connection and scopes; a `{userId}` path gains a `userId` parameter.
    pub const fn admin(
        self,
        name: &'static str,
        title: &'static str,
        classic_scopes: &'static [&'static str],
        granular_scopes: &'static [&'static str],
    ) -> Action {
        Action {
            name,
            title,
            connection: ConnectionKind::Admin,
            classic_scopes,
            granular_scopes,
            ..self
        }
    }

    /// Whether the path addresses a user (`{userId}`).
    pub fn addresses_user(&self) -> bool {
        self.path.contains("{userId}")
    }

    /// Every parameter, including the implied admin `userId`.
    pub fn all_params(&self) -> Vec<&Param> {
        let implied =
            (self.connection == ConnectionKind::Admin && self.addresses_user()).then_some(&USER_ID);
        implied.into_iter().chain(self.params.iter()).collect()
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.all_params().into_iter().find(|p| p.name == name)
    }
}
