//! `sql-string-built`: SQL text assembled by interpolation or concatenation and handed to a
//! function that executes it. Values that cannot carry SQL (literals, constants, numbers,
//! quoted identifiers, placeholders, allowlisted names) do not count.

pub mod python;
pub mod rust;

use crate::detectors::Match;
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// Names this detector fills in for rule messages.
pub const CAPTURES: &[&str] = &["SINK", "HOW"];

/// Every Python sink name contains one of these.
pub const PYTHON_NEEDS: &[&str] = &[
    "exec", "fetch", "raw", "RawSQL", "extra", "text", "read_sql",
];
/// Every Rust sink name contains one of these.
pub const RUST_NEEDS: &[&str] = &["query", "exec", "prepare", "raw_sql"];

/// How a non-constant value got into the SQL text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum How {
    Interpolation,
    Percent,
    Format,
    Concatenation,
}

impl How {
    fn describe(self) -> &'static str {
        match self {
            How::Interpolation => "string interpolation",
            How::Percent => "`%` formatting",
            How::Format => "`.format()`",
            How::Concatenation => "string concatenation",
        }
    }
}

/// What is known about an expression that produces SQL text.
#[derive(Default)]
struct SqlText {
    /// The literal parts, to tell SQL from other strings.
    literal: String,
    /// The first way a non-constant value was spliced in, if any.
    how: Option<How>,
}

impl SqlText {
    fn set(&mut self, how: How) {
        self.how.get_or_insert(how);
    }
}

/// Whether literal text reads as SQL: a statement keyword followed by the clause it needs.
fn looks_like_sql(text: &str) -> bool {
    static SQL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?is)\b(select\b.+\bfrom|insert\s+into|update\b.+\bset\b|delete\s+from|where\b|order\s+by|group\s+by|(create|drop|alter|truncate)\s+(table|index|view)|values\s*\(|join\b.+\bon\b)",
        )
        .expect("the SQL regex is valid")
    });
    SQL.is_match(text)
}

fn finding(bytes: Range<usize>, sink: String, how: How) -> Match {
    Match {
        bytes,
        captures: vec![("SINK", sink), ("HOW", how.describe().to_string())],
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_sql;

    #[test]
    fn sql_is_told_from_other_text() {
        assert!(looks_like_sql("SELECT id FROM payments WHERE user_id = "));
        assert!(looks_like_sql("update accounts set balance = "));
        assert!(looks_like_sql("DELETE FROM sessions WHERE id = "));
        assert!(!looks_like_sql("Hello, "));
        assert!(!looks_like_sql("select a payment method"));
        assert!(!looks_like_sql("https://api.example.com/v1/charges/"));
    }
}
