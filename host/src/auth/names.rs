//! The one rule for connection names, checked wherever a name comes in
//! (`auth login`, `run --connection`, `serve`'s `connection`, MCP) and
//! before a connection is stored: a name is short and plain, so nothing is
//! kept for a huge name and no name can forge a log line.

use crate::error::HostError;

/// The longest connection name.
pub const MAX_CONNECTION_NAME_LEN: usize = 64;

/// The same rule as a JSON Schema `pattern` (for `serve`'s OpenAPI
/// document), proved equal to [`check_connection_name`] by a test.
pub const CONNECTION_NAME_PATTERN: &str = "^[A-Za-z0-9._-]{1,64}$";

/// What a connection name may be, for messages.
pub const CONNECTION_NAME_RULE: &str =
    "1 to 64 characters, each a letter, a digit, '-', '_' or '.'";

/// Refuses a connection name that breaks the rule, naming the field
/// `connection` (a 400 in `serve`, exit code 2 on the command line).
pub fn check_connection_name(name: &str) -> Result<(), HostError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_CONNECTION_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        return Ok(());
    }
    // Never echo a huge name; a short one is shown escaped.
    let shown = if name.len() <= MAX_CONNECTION_NAME_LEN {
        format!("{name:?}")
    } else {
        format!("a name of {} bytes", name.len())
    };
    Err(HostError::InvalidInput {
        field: "connection".into(),
        message: format!("{shown} is not a connection name; use {CONNECTION_NAME_RULE}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_and_plain() {
        for good in ["user", "admin", "s2s", "sales.eu-1_b", &"x".repeat(64)] {
            assert!(check_connection_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            &"x".repeat(65),
            "a b",
            "x\nINFO renewed the access token connection=admin",
            "é",
            "../x",
            "a/b",
        ] {
            let err = check_connection_name(bad).unwrap_err();
            let text = err.to_string();
            assert!(text.starts_with("invalid connection: "), "{text}");
            assert!(!text.contains('\n'), "{text}");
        }
        assert_eq!(
            CONNECTION_NAME_PATTERN,
            format!("^[A-Za-z0-9._-]{{1,{MAX_CONNECTION_NAME_LEN}}}$"),
            "the pattern says what check_connection_name checks"
        );
        let huge = check_connection_name(&"x".repeat(1 << 20)).unwrap_err();
        assert!(huge.to_string().len() < 200, "the name is not echoed");
    }
}
