//! Reading rule files: YAML in, validated [`Rule`]s out, or an error that points at the line.

use super::compile::{self, Checked, Problem};
use super::matchers::{MatchSource, Matchers};
use super::schema::{RawFile, RawRule};
use super::{Logic, OwaspId, PathFilter, Rule};
use crate::detectors::DetectorKind;
use crate::source::Language;
use miette::{Diagnostic, NamedSource, SourceSpan};
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeSet;
use std::sync::Arc;

/// A rule file that could not be loaded, with the place in the YAML that is wrong.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(tollgate::rule_file))]
pub struct RuleFileError {
    pub message: String,
    #[source_code]
    pub src: Arc<NamedSource<String>>,
    #[label("here")]
    pub span: Option<SourceSpan>,
    #[help]
    pub help: Option<String>,
}

impl RuleFileError {
    pub(super) fn new(
        name: &str,
        text: &str,
        message: String,
        at: Option<Location>,
        help: Option<String>,
    ) -> Self {
        // The name and the text may come from the scanned repository: nothing in them may drive
        // the terminal or start a CI log command.
        let name = crate::report::sanitize(name);
        let text = crate::report::blank_controls(text);
        RuleFileError {
            span: at.map(|location| span_at(&text, location)),
            src: Arc::new(NamedSource::new(name, text.into_owned())),
            message: crate::report::sanitize(&message).into_owned(),
            help: help.map(|help| crate::report::sanitize(&help).into_owned()),
        }
    }

    /// The 1-based line the error points at.
    pub fn line(&self) -> Option<usize> {
        let offset = self.span?.offset();
        Some(
            self.src.inner()[..offset.min(self.src.inner().len())]
                .matches('\n')
                .count()
                + 1,
        )
    }
}

/// Parse one rule file. `name` is shown in errors; `pack` is recorded on every rule.
pub fn parse_rule_file(name: &str, text: &str, pack: &str) -> Result<Vec<Rule>, RuleFileError> {
    parse_rule_file_checked(name, text, pack, Checked::Now)
}

/// [`parse_rule_file`], with tree-sitter queries checked when `checked` says.
pub(super) fn parse_rule_file_checked(
    name: &str,
    text: &str,
    pack: &str,
    checked: Checked,
) -> Result<Vec<Rule>, RuleFileError> {
    let raw: RawFile = serde_saphyr::from_str(text).map_err(|err| {
        let rendered = err.to_string();
        RuleFileError::new(
            name,
            text,
            first_line(&rendered),
            err.location(),
            did_you_mean(&rendered),
        )
    })?;
    build_rules(name, text, raw, pack, checked)
}

/// A built-in rule file, read from the JSON form `build.rs` made of its YAML `text` when there
/// is one (errors, which tests rule out, are reported from the YAML).
pub(super) fn parse_builtin(
    name: &str,
    text: &str,
    json: Option<&str>,
    pack: &str,
) -> Result<Vec<Rule>, RuleFileError> {
    match json.and_then(|json| serde_json::from_str::<RawFile>(json).ok()) {
        Some(raw) => build_rules(name, text, raw, pack, Checked::ByTests),
        None => parse_rule_file_checked(name, text, pack, Checked::ByTests),
    }
}

/// The rules of a file read from `text`.
fn build_rules(
    name: &str,
    text: &str,
    raw: RawFile,
    pack: &str,
    checked: Checked,
) -> Result<Vec<Rule>, RuleFileError> {
    let fail = |p: Problem| RuleFileError::new(name, text, p.message, Some(p.at), p.help);
    let source_hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
    raw.rules
        .into_iter()
        .map(|rule| build_rule(rule, pack, source_hash, checked).map_err(fail))
        .collect()
}

fn build_rule(
    Spanned {
        value: raw,
        referenced,
        ..
    }: Spanned<RawRule>,
    pack: &str,
    source_hash: u64,
    checked: Checked,
) -> Result<Rule, Problem> {
    let problem = |at: Location, message: String, help: Option<&str>| Problem {
        message,
        at,
        help: help.map(str::to_string),
    };
    let id = raw.id.value.clone();
    if !is_kebab_case(&id) {
        return Err(problem(
            raw.id.referenced,
            format!("rule id `{id}` is not kebab-case"),
            Some("use lowercase words joined by `-`, e.g. `sql-string-built`"),
        ));
    }
    let mut languages = Vec::new();
    for language in &raw.languages {
        languages.push(match language.value.as_str() {
            "python" => Language::Python,
            "rust" => Language::Rust,
            other => {
                return Err(problem(
                    language.referenced,
                    format!("unknown language `{other}` in rule `{id}`"),
                    Some("tollgate reads `python` and `rust`"),
                ))
            }
        });
    }
    if languages.is_empty() {
        return Err(problem(
            referenced,
            format!("rule `{id}` names no language"),
            None,
        ));
    }
    let mut owasp = Vec::new();
    for category in &raw.owasp {
        owasp.push(OwaspId::parse(&category.value).ok_or_else(|| {
            problem(
                category.referenced,
                format!("`{}` is not an OWASP Top 10 category", category.value),
                Some("write categories as `A03:2021` or `A05:2025`"),
            )
        })?);
    }
    for year in [2021, 2025] {
        if !owasp.iter().any(|category| category.year == year) {
            return Err(problem(referenced, format!("rule `{id}` has no OWASP Top 10 {year} category"), Some("list one category from each edition, e.g. `owasp: [\"A03:2021\", \"A05:2025\"]`")));
        }
    }
    let logic = match (&raw.detector, raw.matching) {
        (Some(detector), None) => {
            let kind = detector_logic(detector, &languages, &raw.message)?;
            if let Some((name, constraint)) = raw.constraints.iter().next() {
                return Err(problem(
                    constraint.referenced,
                    format!("`where` ({name}) applies to `match`, not to a detector"),
                    None,
                ));
            }
            Logic::Detector(kind)
        }
        // The built-in rules are compiled per language when first needed (and checked by tests).
        (None, Some(matching)) if checked == Checked::ByTests => {
            let source = MatchSource {
                matching,
                constraints: raw.constraints,
                focus: raw.focus,
                taint: raw.taint,
            };
            Logic::Matchers(Arc::new(Matchers::deferred(&languages, source)))
        }
        (None, Some(matching)) => {
            let mut matchers = Vec::new();
            let mut bound_anywhere = BTreeSet::new();
            for &language in &languages {
                let compiled = compile::compile(
                    &matching,
                    language,
                    &raw.constraints,
                    raw.focus.as_ref(),
                    raw.taint.as_ref(),
                    checked,
                )?;
                bound_anywhere.extend(compiled.bound.iter().cloned());
                if let Some(var) = unbound_placeholder(&raw.message.value, &compiled.bound) {
                    return Err(compile::unbound(
                        raw.message.referenced,
                        var,
                        &compiled.bound,
                        "the message",
                    ));
                }
                matchers.push((language, compiled.matcher));
            }
            // A `where` variable of a per-language match must be bound in some branch.
            for (name, constraint) in &raw.constraints {
                let var = name.trim_start_matches('$');
                if !bound_anywhere.contains(var) {
                    return Err(compile::unbound(
                        constraint.referenced,
                        var,
                        &bound_anywhere,
                        "`where`",
                    ));
                }
            }
            Logic::Matchers(Arc::new(Matchers::compiled(matchers)))
        }
        (Some(detector), Some(_)) => {
            return Err(problem(
                detector.referenced,
                format!("rule `{id}` has both `detector` and `match`"),
                Some("a rule is either a built-in detector or declarative"),
            ))
        }
        (None, None) => {
            return Err(problem(
                referenced,
                format!("rule `{id}` has neither `match` nor `detector`"),
                Some("add a `match:` with a pattern, see docs/rules.md"),
            ))
        }
    };
    let paths = PathFilter::new(&raw.paths.include, &raw.paths.exclude)
        .map_err(|err| problem(referenced, format!("invalid glob in `paths`: {err}"), None))?;
    let peer_codes = raw
        .peer_codes
        .into_iter()
        .map(|code| {
            let valid = code.value.len() >= 2
                && code.value.starts_with(|c: char| c.is_ascii_uppercase())
                && code.value.chars().all(|c| c.is_ascii_alphanumeric());
            if valid {
                Ok(code.value)
            } else {
                Err(problem(
                    code.referenced,
                    format!("`{}` is not a Ruff or Bandit code", code.value),
                    Some("write codes as Ruff and Bandit print them: `S301`, `B301`, `BLE001`"),
                ))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rule {
        id,
        name: raw.name,
        message: raw.message.value,
        severity: raw.severity,
        confidence: raw.confidence,
        languages,
        cwe: raw.cwe,
        owasp,
        tags: raw.tags,
        supersedes: raw.supersedes,
        peer_codes,
        fix: raw.fix.trim().to_string(),
        help: raw.help,
        logic,
        paths,
        test_code: raw.test_code,
        pack: pack.to_string(),
        source_hash,
    })
}

/// The detector a rule names, if it exists for each of the rule's languages and captures what
/// the message uses.
fn detector_logic(
    detector: &Spanned<String>,
    languages: &[Language],
    message: &Spanned<String>,
) -> Result<DetectorKind, Problem> {
    let known = || {
        let names: Vec<&str> = DetectorKind::ALL.iter().map(|kind| kind.name()).collect();
        Some(format!("built-in detectors: {}", names.join(", ")))
    };
    let kind = DetectorKind::from_name(&detector.value).ok_or_else(|| Problem {
        message: format!("no built-in detector `{}`", detector.value),
        at: detector.referenced,
        help: known(),
    })?;
    let missing = languages
        .iter()
        .find(|&&language| kind.walks_files() && kind.file_walk(language).is_none());
    if let Some(language) = missing {
        return Err(Problem {
            message: format!("no built-in detector `{kind}` for {}", language.name()),
            at: detector.referenced,
            help: None,
        });
    }
    let captures = kind.captures();
    let names: BTreeSet<String> = captures.iter().map(|c| c.to_string()).collect();
    if let Some(var) = unbound_placeholder(&message.value, &names) {
        return Err(Problem {
            message: format!("message uses `${var}`, which detector `{kind}` does not capture"),
            at: message.referenced,
            help: Some(format!("available: {}", placeholders(captures))),
        });
    }
    Ok(kind)
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

/// The first `$NAME` in `message` that is not among `bound`.
fn unbound_placeholder<'m>(message: &'m str, bound: &BTreeSet<String>) -> Option<&'m str> {
    placeholder_names(message).find(|name| !bound.contains(*name))
}

/// Every `$NAME` placeholder in a message, without `$`.
pub(super) fn placeholder_names(message: &str) -> impl Iterator<Item = &str> {
    message.match_indices('$').filter_map(|(at, _)| {
        let rest = &message[at + 1..];
        let len = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        (len > 0).then(|| &rest[..len])
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

/// "did you mean `pattern`?" for "unknown field `patern`, expected one of …" and unknown
/// variants (serde's wording).
pub fn did_you_mean(error: &str) -> Option<String> {
    let unknown = error
        .split("unknown field `")
        .nth(1)
        .or_else(|| error.split("unknown variant `").nth(1))?
        .split('`')
        .next()?;
    let expected = error
        .split("expected one of ")
        .nth(1)
        .or_else(|| error.split("expected ").nth(1))?;
    let expected = expected.lines().next().unwrap_or(expected);
    let candidates: Vec<&str> = expected
        .split(',')
        .map(|c| c.trim().trim_matches('`'))
        .filter(|c| !c.is_empty())
        .collect();
    let best = candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(unknown, c), *c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, name)) => Some(format!("did you mean `{name}`?")),
        None => Some(format!("expected one of: {}", candidates.join(", "))),
    }
}

/// The first line of a YAML error without its "error: line N column M:" prefix (the code frame
/// shows the place).
fn first_line(rendered: &str) -> String {
    let line = rendered.lines().next().unwrap_or("invalid rule file");
    let without_prefix = line
        .strip_prefix("error: ")
        .and_then(|rest| {
            rest.split_once(": ")
                .filter(|(head, _)| head.starts_with("line "))
                .map(|(_, tail)| tail)
        })
        .unwrap_or(line);
    match without_prefix.split_once(", expected one of") {
        Some((head, _)) => head.to_string(),
        None => without_prefix.to_string(),
    }
}

/// The byte span of a YAML location (1-based line and column), one character wide.
pub(super) fn span_at(text: &str, location: Location) -> SourceSpan {
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
