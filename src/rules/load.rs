//! Reading rule files: YAML in, validated [`Rule`]s out, or an error that points at the line.

use super::{Confidence, OwaspId, Rule, Severity};
use crate::detectors;
use crate::source::Language;
use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

/// A rule file that could not be loaded, with the place in the YAML that is wrong.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(tollgate::rule_file))]
pub struct RuleFileError {
    pub message: String,
    #[source_code]
    pub src: NamedSource<String>,
    #[label("here")]
    pub span: Option<SourceSpan>,
    #[help]
    pub help: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    rules: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    name: String,
    message: Spanned<String>,
    severity: Severity,
    confidence: Confidence,
    languages: Vec<Spanned<String>>,
    cwe: Vec<u32>,
    owasp: Vec<Spanned<String>>,
    #[serde(default)]
    tags: Vec<String>,
    fix: String,
    help: String,
    detector: Spanned<String>,
}

/// Parse one rule file. `name` is shown in errors; `pack` is recorded on every rule.
pub fn parse_rule_file(name: &str, text: &str, pack: &str) -> Result<Vec<Rule>, RuleFileError> {
    let error = |message: String, at: Option<Location>, help: Option<String>| RuleFileError {
        span: at.map(|location| span_at(text, location)),
        src: NamedSource::new(name, text.to_string()),
        message,
        help,
    };
    let raw: RawFile = serde_saphyr::from_str(text).map_err(|err| {
        let message = err.to_string();
        let first_line = message.lines().next().unwrap_or("invalid rule file");
        error(first_line.to_string(), err.location(), None)
    })?;
    let mut rules = Vec::with_capacity(raw.rules.len());
    for Spanned { value: raw, referenced, .. } in raw.rules {
        let id = raw.id.value;
        if !is_kebab_case(&id) {
            return Err(error(
                format!("rule id `{id}` is not kebab-case"),
                Some(raw.id.referenced),
                Some("use lowercase words joined by `-`, e.g. `sql-string-built`".into()),
            ));
        }
        let mut languages = Vec::new();
        for language in raw.languages {
            let parsed = match language.value.as_str() {
                "python" => Language::Python,
                "rust" => Language::Rust,
                other => {
                    return Err(error(
                        format!("unknown language `{other}` in rule `{id}`"),
                        Some(language.referenced),
                        Some("tollgate reads `python` and `rust`".into()),
                    ))
                }
            };
            languages.push(parsed);
        }
        if languages.is_empty() {
            return Err(error(format!("rule `{id}` names no language"), Some(referenced), None));
        }
        let mut owasp = Vec::new();
        for category in &raw.owasp {
            let parsed = OwaspId::parse(&category.value).ok_or_else(|| {
                error(
                    format!("`{}` is not an OWASP Top 10 category", category.value),
                    Some(category.referenced),
                    Some("write categories as `A03:2021` or `A05:2025`".into()),
                )
            })?;
            owasp.push(parsed);
        }
        for year in [2021, 2025] {
            if !owasp.iter().any(|category| category.year == year) {
                return Err(error(
                    format!("rule `{id}` has no OWASP Top 10 {year} category"),
                    Some(referenced),
                    Some("list one category from each edition, e.g. `owasp: [\"A03:2021\", \"A05:2025\"]`".into()),
                ));
            }
        }
        let detector = raw.detector.value;
        for &language in &languages {
            let Some(found) = detectors::find(&detector, language) else {
                return Err(error(
                    format!("no built-in detector `{detector}` for {}", language.name()),
                    Some(raw.detector.referenced),
                    None,
                ));
            };
            if let Some(name) = unbound_placeholder(&raw.message.value, found.captures) {
                return Err(error(
                    format!("message uses `${name}`, which detector `{detector}` does not capture"),
                    Some(raw.message.referenced),
                    Some(format!("available: {}", placeholders(found.captures))),
                ));
            }
        }
        rules.push(Rule {
            id,
            name: raw.name,
            message: raw.message.value,
            severity: raw.severity,
            confidence: raw.confidence,
            languages,
            cwe: raw.cwe,
            owasp,
            tags: raw.tags,
            fix: raw.fix.trim().to_string(),
            help: raw.help,
            detector,
            pack: pack.to_string(),
        });
    }
    Ok(rules)
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The first `$NAME` in `message` that is not among `captures`.
fn unbound_placeholder<'m>(message: &'m str, captures: &[&str]) -> Option<&'m str> {
    message.match_indices('$').find_map(|(at, _)| {
        let rest = &message[at + 1..];
        let len = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..len];
        (!name.is_empty() && !captures.contains(&name)).then_some(name)
    })
}

fn placeholders(captures: &[&str]) -> String {
    if captures.is_empty() {
        return "none".into();
    }
    captures
        .iter()
        .map(|name| format!("${name}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The byte span of a YAML location (1-based line and column), one character wide.
fn span_at(text: &str, location: Location) -> SourceSpan {
    let line = usize::try_from(location.line()).unwrap_or(1).max(1);
    let column = usize::try_from(location.column()).unwrap_or(1).max(1);
    let line_start = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum::<usize>();
    let line_text = text[line_start..].lines().next().unwrap_or("");
    let offset = line_text
        .char_indices()
        .nth(column - 1)
        .map_or(line_text.len(), |(i, _)| i);
    let len = line_text[offset..].chars().next().map_or(0, char::len_utf8);
    SourceSpan::new((line_start + offset).into(), len)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"rules:
  - id: sample-rule
    name: Sample
    message: "SQL built for $SINK"
    severity: high
    confidence: medium
    languages: [python]
    cwe: [89]
    owasp: ["A03:2021", "A05:2025"]
    fix: Bind parameters.
    help: Why.
    detector: sql-string-built
"#;

    fn line_of(err: &RuleFileError) -> usize {
        let offset = err.span.expect("error has a span").offset();
        GOOD[..offset.min(GOOD.len())].matches('\n').count() + 1
    }

    #[test]
    fn loads_a_valid_rule() {
        let rules = parse_rule_file("good.yaml", GOOD, "custom").unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].id, "sample-rule");
        assert_eq!(rules[0].owasp.len(), 2);
        assert_eq!(rules[0].pack, "custom");
    }

    #[test]
    fn unknown_key_points_at_its_line() {
        let text = GOOD.replace("    fix:", "    colour: red\n    fix:");
        let err = parse_rule_file("bad.yaml", &text, "custom").unwrap_err();
        assert!(err.message.contains("colour"), "{}", err.message);
        let offset = err.span.unwrap().offset();
        assert_eq!(text[..offset].matches('\n').count() + 1, 11);
    }

    #[test]
    fn bad_values_point_at_their_line() {
        for (from, to, expected_line, needle) in [
            ("[python]", "[cobol]", 7, "unknown language `cobol`"),
            ("\"A03:2021\", ", "\"A3:2099\", ", 9, "not an OWASP"),
            ("sql-string-built", "no-such-detector", 12, "no built-in detector"),
            ("for $SINK", "for $TABLE", 4, "`$TABLE`"),
        ] {
            let text = GOOD.replace(from, to);
            let err = parse_rule_file("bad.yaml", &text, "custom").unwrap_err();
            assert!(err.message.contains(needle), "{}", err.message);
            let offset = err.span.unwrap().offset();
            assert_eq!(text[..offset].matches('\n').count() + 1, expected_line, "{needle}");
        }
        let err = parse_rule_file("good.yaml", &GOOD.replace("\"A05:2025\"", "\"A04:2021\""), "x")
            .unwrap_err();
        assert!(err.message.contains("2025"));
        assert_eq!(line_of(&err), 2);
    }

    #[test]
    fn finds_unbound_placeholders() {
        assert_eq!(unbound_placeholder("a $X and $Y_2 b", &["X"]), Some("Y_2"));
        assert_eq!(unbound_placeholder("costs $ 5", &[]), None);
        assert_eq!(unbound_placeholder("$X", &["X"]), None);
    }
}
