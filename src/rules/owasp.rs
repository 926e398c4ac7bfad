//! OWASP Top 10 category ids (2021 and 2025 editions) with their titles.

use serde::Serialize;
use std::fmt;

/// A category of an OWASP Top 10 edition, written `A03:2021`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OwaspId {
    pub year: u16,
    pub number: u8,
}

const TOP10_2021: [&str; 10] = [
    "Broken Access Control",
    "Cryptographic Failures",
    "Injection",
    "Insecure Design",
    "Security Misconfiguration",
    "Vulnerable and Outdated Components",
    "Identification and Authentication Failures",
    "Software and Data Integrity Failures",
    "Security Logging and Monitoring Failures",
    "Server-Side Request Forgery",
];

const TOP10_2025: [&str; 10] = [
    "Broken Access Control",
    "Security Misconfiguration",
    "Software Supply Chain Failures",
    "Cryptographic Failures",
    "Injection",
    "Insecure Design",
    "Authentication Failures",
    "Software or Data Integrity Failures",
    "Security Logging and Alerting Failures",
    "Mishandling of Exceptional Conditions",
];

impl OwaspId {
    /// Parse `A03:2021`; `None` for anything that is not a category of the 2021 or 2025 edition.
    pub fn parse(text: &str) -> Option<OwaspId> {
        let (category, year) = text.trim().split_once(':')?;
        let number: u8 = category.strip_prefix('A')?.parse().ok()?;
        let year: u16 = year.parse().ok()?;
        let id = OwaspId { year, number };
        id.title().map(|_| id)
    }

    /// The category's title, e.g. "Injection".
    pub fn title(self) -> Option<&'static str> {
        let table = match self.year {
            2021 => &TOP10_2021,
            2025 => &TOP10_2025,
            _ => return None,
        };
        table.get(usize::from(self.number).checked_sub(1)?).copied()
    }
}

impl fmt::Display for OwaspId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "A{:02}:{}", self.number, self.year)
    }
}

impl Serialize for OwaspId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_categories_only() {
        let id = OwaspId::parse("A03:2021").unwrap();
        assert_eq!(id.to_string(), "A03:2021");
        assert_eq!(id.title(), Some("Injection"));
        assert_eq!(
            OwaspId::parse("A10:2025").unwrap().title(),
            Some("Mishandling of Exceptional Conditions")
        );
        assert_eq!(OwaspId::parse("A11:2021"), None);
        assert_eq!(OwaspId::parse("A00:2021"), None);
        assert_eq!(OwaspId::parse("A03:2017"), None);
        assert_eq!(OwaspId::parse("injection"), None);
    }
}
