//! "Did you mean …?" for misspelt names.

/// The candidate closest to `input` by edit distance, if it is close enough
/// to be a plausible typo.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input_lower = input.to_ascii_lowercase();
    let input_chars = input.chars().count();
    candidates
        .into_iter()
        .filter_map(|c| {
            let c_chars = c.chars().count();
            let limit = (c_chars.max(input_chars) / 3).max(1) + 1;
            // The distance is at least the difference in length: a far
            // longer (hostile) input is no typo, and costs no O(n·m) table.
            if input_chars.abs_diff(c_chars) > limit {
                return None;
            }
            let d = edit_distance(&input_lower, &c.to_ascii_lowercase());
            (d <= limit).then_some((d, c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["topic", "duration", "start_time"];
        assert_eq!(closest("topc", names), Some("topic"));
        assert_eq!(closest("duraton", names), Some("duration"));
        assert_eq!(closest("zzzzzzzz", names), None);
    }

    #[test]
    fn far_longer_input_is_no_typo() {
        let names = ["topic", "duration"];
        assert_eq!(closest(&"topic".repeat(10_000), names), None);
        assert_eq!(closest(&"🦀".repeat(10_000), names), None);
        assert_eq!(closest("topicxx", names), Some("topic"));
        assert_eq!(closest("", names), None);
    }
}
