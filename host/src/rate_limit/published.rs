//! Zoom's published rate limits: plans, tables, categories and their rates.

use crate::model::RateCategory;
use std::time::Duration;

/// The account's plan, which sizes the per-second limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Plan {
    /// Free (Basic).
    Free,
    /// Pro.
    Pro,
    /// Business, Business Plus, Education, Enterprise and Partners.
    BusinessPlus,
}

impl std::str::FromStr for Plan {
    type Err = String;
    fn from_str(s: &str) -> Result<Plan, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "free" | "basic" => Ok(Plan::Free),
            "pro" => Ok(Plan::Pro),
            "business" | "business+" | "business-plus" | "businessplus" | "education"
            | "enterprise" | "partner" | "partners" => Ok(Plan::BusinessPlus),
            other => Err(format!(
                "unknown Zoom plan '{other}'; use free, pro or business (business, education, enterprise and partners share one table)"
            )),
        }
    }
}

/// Which of Zoom's rate-limit tables applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    /// Meetings, users, reports, recordings.
    Main,
    /// Zoom Phone endpoints (`/phone/...`).
    Phone,
}

impl Table {
    /// The table of an endpoint path such as `/phone/users` or `/v2/phone/users`.
    pub fn for_path(path: &str) -> Table {
        let path = path.trim_start_matches('/');
        let path = path.strip_prefix("v2/").unwrap_or(path);
        if path == "phone" || path.starts_with("phone/") {
            Table::Phone
        } else {
            Table::Main
        }
    }

    /// `main` or `phone` (in shared bucket names).
    pub fn name(self) -> &'static str {
        match self {
            Table::Main => "main",
            Table::Phone => "phone",
        }
    }
}

/// At most `requests` requests in any window of length `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// How many requests...
    pub requests: u32,
    /// ...in any window of this length.
    pub per: Duration,
}

impl Rate {
    /// `requests` a second.
    pub const fn per_second(requests: u32) -> Rate {
        Rate {
            requests,
            per: Duration::from_secs(1),
        }
    }
    /// `requests` a minute.
    pub const fn per_minute(requests: u32) -> Rate {
        Rate {
            requests,
            per: Duration::from_secs(60),
        }
    }
}

/// Zoom's published per-second (per-minute for Resource-intensive) limit.
///
/// Main table: Free 4/2/1/s and 10/min; Pro 30/20/10/s and 10/min;
/// Business+ 80/60/40/s and 20/min. Phone table: Pro 20/10/5/s and 5/min;
/// Business+ 40/20/10/s and 10/min (Zoom Phone needs a paid plan, so a
/// free account is paced like Pro there).
pub fn published_rate(plan: Plan, table: Table, category: RateCategory) -> Rate {
    use RateCategory::*;
    match (table, plan, category) {
        (Table::Main, Plan::Free, Light) => Rate::per_second(4),
        (Table::Main, Plan::Free, Medium) => Rate::per_second(2),
        (Table::Main, Plan::Free, Heavy) => Rate::per_second(1),
        (Table::Main, Plan::Free, ResourceIntensive) => Rate::per_minute(10),
        (Table::Main, Plan::Pro, Light) => Rate::per_second(30),
        (Table::Main, Plan::Pro, Medium) => Rate::per_second(20),
        (Table::Main, Plan::Pro, Heavy) => Rate::per_second(10),
        (Table::Main, Plan::Pro, ResourceIntensive) => Rate::per_minute(10),
        (Table::Main, Plan::BusinessPlus, Light) => Rate::per_second(80),
        (Table::Main, Plan::BusinessPlus, Medium) => Rate::per_second(60),
        (Table::Main, Plan::BusinessPlus, Heavy) => Rate::per_second(40),
        (Table::Main, Plan::BusinessPlus, ResourceIntensive) => Rate::per_minute(20),
        (Table::Phone, Plan::Free | Plan::Pro, Light) => Rate::per_second(20),
        (Table::Phone, Plan::Free | Plan::Pro, Medium) => Rate::per_second(10),
        (Table::Phone, Plan::Free | Plan::Pro, Heavy) => Rate::per_second(5),
        (Table::Phone, Plan::Free | Plan::Pro, ResourceIntensive) => Rate::per_minute(5),
        (Table::Phone, Plan::BusinessPlus, Light) => Rate::per_second(40),
        (Table::Phone, Plan::BusinessPlus, Medium) => Rate::per_second(20),
        (Table::Phone, Plan::BusinessPlus, Heavy) => Rate::per_second(10),
        (Table::Phone, Plan::BusinessPlus, ResourceIntensive) => Rate::per_minute(10),
    }
}

/// Parses a rate category as Zoom spells it (`X-RateLimit-Category`:
/// `Light`, `Medium`, `Heavy`, `Resource-intensive`) or as the host does.
pub fn parse_category(text: &str) -> Option<RateCategory> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    match t.as_str() {
        "light" => Some(RateCategory::Light),
        "medium" => Some(RateCategory::Medium),
        "heavy" => Some(RateCategory::Heavy),
        "resourceintensive" => Some(RateCategory::ResourceIntensive),
        _ => None,
    }
}

/// Zoom's spelling of a category.
pub fn category_name(category: RateCategory) -> &'static str {
    match category {
        RateCategory::Light => "Light",
        RateCategory::Medium => "Medium",
        RateCategory::Heavy => "Heavy",
        RateCategory::ResourceIntensive => "Resource-intensive",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_numbers() {
        use RateCategory::*;
        assert_eq!(
            published_rate(Plan::Free, Table::Main, Light),
            Rate::per_second(4)
        );
        assert_eq!(
            published_rate(Plan::Pro, Table::Main, Medium),
            Rate::per_second(20)
        );
        assert_eq!(
            published_rate(Plan::BusinessPlus, Table::Main, ResourceIntensive),
            Rate::per_minute(20)
        );
        assert_eq!(
            published_rate(Plan::BusinessPlus, Table::Phone, Heavy),
            Rate::per_second(10)
        );
        assert_eq!(
            Table::for_path("/phone/users/me/call_history"),
            Table::Phone
        );
        assert_eq!(Table::for_path("/v2/phone/call_history"), Table::Phone);
        assert_eq!(Table::for_path("/users/me/meetings"), Table::Main);
        assert_eq!("Business".parse::<Plan>(), Ok(Plan::BusinessPlus));
        assert!("gold".parse::<Plan>().is_err());
    }

    #[test]
    fn categories_parse_as_zoom_spells_them() {
        assert_eq!(
            parse_category("Resource-intensive"),
            Some(RateCategory::ResourceIntensive)
        );
        assert_eq!(parse_category(" heavy "), Some(RateCategory::Heavy));
        assert_eq!(parse_category("QPS"), None);
    }
}
