//! Zoom's rate label of every operation, for requests whose endpoint the
//! action does not fix (`api-call`): the label comes from the path called,
//! matched against the operation templates of Zoom's OpenAPI documents
//! (`spec/rate-labels.json`, written by `scripts/extract-openapi.py`).

use super::published::parse_category;
use crate::model::RateCategory;
use std::sync::OnceLock;

/// One operation: method, path template split into segments, label.
struct Operation {
    method: String,
    template: String,
    segments: Vec<String>,
    category: RateCategory,
}

#[derive(serde::Deserialize)]
struct File {
    operations: Vec<(String, String, String)>,
}

fn operations() -> &'static [Operation] {
    static OPERATIONS: OnceLock<Vec<Operation>> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        let file: File = serde_json::from_str(include_str!("../../../spec/rate-labels.json"))
            .expect("spec/rate-labels.json is the extract script's output");
        file.operations
            .into_iter()
            .filter_map(|(method, template, label)| {
                Some(Operation {
                    segments: template
                        .trim_matches('/')
                        .split('/')
                        .map(str::to_string)
                        .collect(),
                    category: parse_category(&label)?,
                    method,
                    template,
                })
            })
            .collect()
    })
}

/// The operation a request calls: its template (e.g.
/// `/report/meetings/{meetingId}`) and Zoom's label, for `method` and a
/// `path` relative to the API base (a leading `/v2` is ignored). A template
/// with fewer placeholders wins over one that matches the same path with
/// more (`/users/me` before `/users/{userId}`).
pub fn operation_of(method: &str, path: &str) -> Option<(&'static str, RateCategory)> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let path = path
        .strip_prefix("/v2")
        .filter(|p| p.starts_with('/'))
        .unwrap_or(path);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    operations()
        .iter()
        .filter(|op| op.method.eq_ignore_ascii_case(method) && op.segments.len() == segments.len())
        .filter(|op| {
            op.segments
                .iter()
                .zip(&segments)
                .all(|(t, s)| t.starts_with('{') || t == s)
        })
        .min_by_key(|op| op.segments.iter().filter(|t| t.starts_with('{')).count())
        .map(|op| (op.template.as_str(), op.category))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_matched_to_zooms_operations_and_labels() {
        assert_eq!(
            operation_of("GET", "/v2/report/meetings/85123456789"),
            Some(("/report/meetings/{meetingId}", RateCategory::Heavy))
        );
        assert_eq!(
            operation_of("GET", "/users/me"),
            Some(("/users/{userId}", RateCategory::Light))
        );
        assert_eq!(
            operation_of("POST", "/users/me/meetings"),
            Some(("/users/{userId}/meetings", RateCategory::Light))
        );
        assert_eq!(
            operation_of("GET", "/phone/call_history?from=2026-11-01"),
            Some(("/phone/call_history", RateCategory::Heavy))
        );
        assert_eq!(operation_of("GET", "/no/such/endpoint"), None);
        assert_eq!(operation_of("TRACE", "/users/me"), None);
    }
}
