//! Zoom's error responses: `{"code":N,"message":"..."}` (plus `errors` for
//! validation failures) with the HTTP status Zoom pairs with each code.
//!
//! Every handler returns `Result<Response, ApiError>`; nothing panics on bad
//! input, every refusal is built here so the wording stays in one place.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

/// One error response (status + optional JSON body).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// `None` = an empty body (what a router 404 looks like).
    pub body: Option<Value>,
}

impl ApiError {
    /// `{"code":code,"message":message}` with `status`.
    pub fn new(status: StatusCode, code: i64, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: Some(json!({"code": code, "message": message.into()})),
        }
    }

    /// 401 code 124 "Invalid access token."
    pub fn invalid_token() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 124, "Invalid access token.")
    }

    /// 401 code 124 "Access token is expired."
    pub fn expired_token() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 124, "Access token is expired.")
    }

    /// 400 code 4711 naming the scopes the endpoint wants.
    pub fn missing_scopes(scopes: &[&str]) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            4711,
            format!(
                "Invalid access token, does not contain scopes:[{}].",
                scopes.join(", ")
            ),
        )
    }

    /// 404 code 1001 "User does not exist: {userId}."
    pub fn user_not_found(user_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            1001,
            format!("User does not exist: {user_id}."),
        )
    }

    /// Phone flavour: 404 code 300 "User does not exist: {userId}."
    pub fn phone_user_not_found(user_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            300,
            format!("User does not exist: {user_id}."),
        )
    }

    /// 404 code 3001 "Meeting does not exist: {meetingId}."
    pub fn meeting_not_found(meeting_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            3001,
            format!("Meeting does not exist: {meeting_id}."),
        )
    }

    /// Report flavour: 404 code 3001 "Meeting {id} not found or has expired."
    pub fn report_meeting_not_found(meeting_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            3001,
            format!("Meeting {meeting_id} not found or has expired."),
        )
    }

    /// 404 code 3301 "There is no recording for this meeting."
    pub fn no_recording() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            3301,
            "There is no recording for this meeting.",
        )
    }

    /// 404 code 3322 "This meeting transcript does not exist."
    pub fn no_transcript() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            3322,
            "This meeting transcript does not exist.",
        )
    }

    /// 400 code 300 with a plain message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 300, message)
    }

    /// 400 code 300 "Validation Failed." with one `errors` entry.
    pub fn validation(field: &str, message: &str) -> Self {
        Self::validation_many(vec![(field.to_string(), message.to_string())])
    }

    /// 400 code 300 "Validation Failed." with several `errors` entries.
    pub fn validation_many(errors: Vec<(String, String)>) -> Self {
        let errors: Vec<Value> = errors
            .into_iter()
            .map(|(field, message)| json!({"field": field, "message": message}))
            .collect();
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: Some(json!({"code": 300, "message": "Validation Failed.", "errors": errors})),
        }
    }

    /// 400 code 300 "The next page token is invalid or expired."
    pub fn invalid_page_token() -> Self {
        Self::bad_request("The next page token is invalid or expired.")
    }

    /// 400 code 300 "Request Body should be a valid JSON object."
    pub fn body_not_object() -> Self {
        Self::bad_request("Request Body should be a valid JSON object.")
    }

    /// A bare 404 with no body: what Zoom's router answers for a path it
    /// does not serve.
    pub fn route_not_found() -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            body: None,
        }
    }

    /// Turns the error into an HTTP response.
    pub fn into_response(self) -> Response {
        let mut builder = Response::builder().status(self.status);
        let body = match self.body {
            Some(v) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json;charset=UTF-8");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        builder
            .body(body)
            .unwrap_or_else(|_| Response::new(Body::empty()))
    }
}

/// 200/201 with a JSON body.
pub fn json_response(status: StatusCode, value: &Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json;charset=UTF-8")
        .body(Body::from(value.to_string()))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// 204 No Content.
pub fn no_content() -> Response {
    Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::empty())
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// Handler result type.
pub type ApiResult = Result<Response, ApiError>;
