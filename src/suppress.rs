//! Inline suppressions: `# tollgate: ignore[RULE-ID, …] -- reason` (`//` in Rust, `{# … #}` in
//! templates), on the finding's line or alone on the line above it.
//!
//! Comments are read from the parsed tree, so text inside string literals never suppresses.
//! They are collected with each file's findings (and cached with them) and applied after the
//! scan, which is also where the two meta rules report: a suppression without a reason, and one
//! that suppresses nothing (or names an unknown rule).

use crate::detectors::DetectorKind;
use crate::finding::Finding;
use crate::parse::ParsedFile;
use crate::rules::{Rule, RuleSet};
use crate::source::{Position, SourceFile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Names the meta rules fill in for messages.
pub const CAPTURES: &[&str] = &["RULES", "PROBLEM"];

/// One `tollgate: ignore` comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// The rule ids named; empty means every rule.
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// The first and last line (1-based) whose findings it covers.
    pub lines: (usize, usize),
    pub start: Position,
    pub end: Position,
    pub bytes: std::ops::Range<usize>,
    /// The comment's line, for reports.
    pub snippet: String,
    /// The file's display path.
    pub path: String,
}

/// A directive parsed from a comment's text.
#[derive(Debug, PartialEq, Eq)]
enum Directive {
    Ignore {
        rules: Vec<String>,
        reason: Option<String>,
    },
    /// `tollgate: public -- reason` on a handler: it is meant to be reachable without
    /// authentication.
    Public { reason: Option<String> },
}

/// Every suppression comment in a file.
pub fn collect(file: &ParsedFile) -> Vec<Suppression> {
    let source = file.source;
    if !source.text.contains("tollgate:") {
        return Vec::new();
    }
    comments(file)
        .filter_map(|comment| suppression(source, comment.byte_range(), file.text(comment)))
        .collect()
}

/// The suppressions among a template's `{# … #}` comments (whole comment, inner text).
pub fn in_template(
    source: &SourceFile,
    comments: &[(std::ops::Range<usize>, String)],
) -> Vec<Suppression> {
    comments
        .iter()
        .filter_map(|(bytes, text)| suppression(source, bytes.clone(), text))
        .collect()
}

/// The suppression a comment at `bytes` makes, if it is one.
fn suppression(
    source: &SourceFile,
    bytes: std::ops::Range<usize>,
    text: &str,
) -> Option<Suppression> {
    let Directive::Ignore { rules, reason } = parse(text)? else {
        return None;
    };
    let start = source.position(bytes.start);
    let before = &source.text[..bytes.start];
    let alone = before.rsplit('\n').next().unwrap_or("").trim().is_empty();
    Some(Suppression {
        rules,
        reason,
        lines: (start.line, start.line + usize::from(alone)),
        start,
        end: source.position(bytes.end),
        bytes,
        snippet: source.line_text(start.line).to_string(),
        path: source.display_path.clone(),
    })
}

/// The `tollgate: public -- reason` comments of a file: (line, reason).
pub fn public_markers(file: &ParsedFile) -> Vec<(usize, Option<String>)> {
    let source = file.source;
    if !source.text.contains("tollgate: public") {
        return Vec::new();
    }
    comments(file)
        .filter_map(|comment| match parse(file.text(comment))? {
            Directive::Public { reason } => {
                Some((source.position(comment.start_byte()).line, reason))
            }
            Directive::Ignore { .. } => None,
        })
        .collect()
}

/// The comment nodes of a file (Python `#`, Rust `//` and `/* */`).
fn comments<'t>(file: &'t ParsedFile) -> impl Iterator<Item = tree_sitter::Node<'t>> {
    file.of_kinds(&["comment", "line_comment", "block_comment"])
        .into_iter()
}

/// Parse `# tollgate: ignore[a, b] -- reason` or `# tollgate: public -- reason` (or `//`,
/// `/* */`) into a directive.
fn parse(comment: &str) -> Option<Directive> {
    let body = comment
        .trim_start_matches(['#', '/', '*', '!'])
        .trim_end_matches("*/")
        .trim();
    let rest = body.strip_prefix("tollgate:")?.trim_start();
    if let Some(after) = rest.strip_prefix("public") {
        if !(after.is_empty() || after.starts_with(char::is_whitespace)) {
            return None;
        }
        return Some(Directive::Public {
            reason: reason_after(after),
        });
    }
    let rest = rest.strip_prefix("ignore")?;
    let (rules, rest) = match rest.strip_prefix('[') {
        Some(list) => {
            let (inside, after) = list.split_once(']')?;
            let rules = inside
                .split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(String::from)
                .collect();
            (rules, after)
        }
        None if rest.is_empty() || rest.starts_with(char::is_whitespace) => (Vec::new(), rest),
        None => return None,
    };
    Some(Directive::Ignore {
        rules,
        reason: reason_after(rest),
    })
}

/// The reason after `--`, if any.
fn reason_after(rest: &str) -> Option<String> {
    rest.trim()
        .strip_prefix("--")
        .map(str::trim)
        .filter(|reason| !reason.is_empty())
        .map(String::from)
}

/// What applying a file's suppressions did.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings that stay.
    pub kept: Vec<Finding>,
    /// How many findings a suppression removed.
    pub suppressed: usize,
}

/// Remove the findings `suppressions` cover and report suppressions without a reason or without
/// effect (when those meta rules are in `rules`). `all_ids` are the ids of every known rule,
/// enabled or not: a suppression naming a disabled rule is not "unused".
pub fn apply(
    findings: Vec<Finding>,
    suppressions: &[Suppression],
    rules: &RuleSet,
    all_ids: &BTreeSet<String>,
) -> Applied {
    let mut used: Vec<BTreeSet<String>> = vec![BTreeSet::new(); suppressions.len()];
    let mut applied = Applied::default();
    for finding in findings {
        let line = finding.start.line;
        // A suppression of a rule this one supersedes covers it too: the line was reviewed.
        let superseded = rules
            .get(&finding.rule_id)
            .map_or(&[][..], |rule| rule.supersedes.as_slice());
        let covers = |suppression: &Suppression| {
            suppression.rules.is_empty()
                || suppression.rules.contains(&finding.rule_id)
                || superseded.iter().any(|id| suppression.rules.contains(id))
        };
        let by = suppressions.iter().position(|suppression| {
            (suppression.lines.0..=suppression.lines.1).contains(&line) && covers(suppression)
        });
        match by {
            Some(index) => {
                let named = if suppressions[index].rules.contains(&finding.rule_id) {
                    finding.rule_id
                } else {
                    superseded
                        .iter()
                        .find(|id| suppressions[index].rules.contains(id))
                        .cloned()
                        .unwrap_or(finding.rule_id)
                };
                used[index].insert(named);
                applied.suppressed += 1;
            }
            None => applied.kept.push(finding),
        }
    }
    for (suppression, used) in suppressions.iter().zip(&used) {
        let named = suppression.rules.join(", ");
        if suppression.reason.is_none() {
            if let Some(rule) = rules.with_detector(DetectorKind::SuppressionWithoutReason) {
                let problem = "gives no reason; add one after `--`".to_string();
                applied.kept.push(meta(rule, suppression, &named, problem));
            }
        }
        let Some(rule) = rules.with_detector(DetectorKind::UnusedSuppression) else {
            continue;
        };
        if suppression.rules.is_empty() && used.is_empty() {
            let problem = "suppresses nothing on this line or the next".to_string();
            applied
                .kept
                .push(meta(rule, suppression, "every rule", problem));
        }
        for id in suppression.rules.iter().filter(|id| !used.contains(*id)) {
            let problem = if !all_ids.contains(id) {
                let suggestion = all_ids
                    .iter()
                    .map(|known| (strsim::jaro_winkler(id, known), known))
                    .filter(|(score, _)| *score > 0.8)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, known)| format!(" (did you mean `{known}`?)"))
                    .unwrap_or_default();
                format!("names an unknown rule{suggestion}")
            } else if rules.get(id).is_none() {
                // The rule is not enabled in this run: whether it would fire is unknown.
                continue;
            } else {
                "suppresses nothing on this line or the next".to_string()
            };
            applied.kept.push(meta(rule, suppression, id, problem));
        }
    }
    applied
}

/// A finding of a meta rule on the suppression comment.
fn meta(rule: &Rule, suppression: &Suppression, named: &str, problem: String) -> Finding {
    let captures = [("RULES", named.to_string()), ("PROBLEM", problem)];
    Finding {
        rule_id: rule.id.clone(),
        severity: rule.severity,
        confidence: rule.confidence,
        message: rule.render_message(&captures),
        path: suppression.path.clone(),
        start: suppression.start,
        end: suppression.end,
        bytes: suppression.bytes.clone(),
        snippet: suppression.snippet.clone(),
        fingerprint: String::new(),
        related: Vec::new(),
        flow: Vec::new(),
        link_checks: Vec::new(),
        via_parameter: None,
        via_template: None,
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, Directive};

    fn ignore(rules: &[&str], reason: Option<&str>) -> Option<Directive> {
        Some(Directive::Ignore {
            rules: rules.iter().map(|id| id.to_string()).collect(),
            reason: reason.map(String::from),
        })
    }

    #[test]
    fn directives_are_parsed_from_comment_text() {
        assert_eq!(
            parse("# tollgate: ignore[sql-string-built] -- ids are integers"),
            ignore(&["sql-string-built"], Some("ids are integers"))
        );
        assert_eq!(
            parse("// tollgate: ignore[a, b]--why"),
            ignore(&["a", "b"], Some("why"))
        );
        assert_eq!(parse("#tollgate: ignore[a]"), ignore(&["a"], None));
        assert_eq!(parse("# tollgate: ignore[a] --  "), ignore(&["a"], None));
        assert_eq!(
            parse("# tollgate: ignore -- legacy"),
            ignore(&[], Some("legacy"))
        );
        assert_eq!(parse("# tollgate: ignored"), None);
        assert_eq!(parse("# tollgate: ignore[a"), None);
        assert_eq!(parse("# see tollgate: ignore[a]"), None);
        assert_eq!(
            parse("# tollgate: public -- health probe"),
            Some(Directive::Public {
                reason: Some("health probe".into())
            })
        );
        assert_eq!(
            parse("// tollgate: public"),
            Some(Directive::Public { reason: None })
        );
        assert_eq!(parse("# tollgate: publicly"), None);
    }
}
