//! Acknowledgements left for peer tools: a Python line that carries `# noqa: S301` (Ruff's
//! flake8-bandit codes) or `# nosec B301` (Bandit) for the check a rule is equivalent to says a
//! person looked at that warning and accepted the code. The finding stays, one step less sure,
//! and says why.

use crate::finding::Finding;
use crate::rules::Rule;
use crate::source::{Language, SourceFile};

/// Lower the confidence of each finding whose first or last line, or the line of a step of its
/// flow in the same file (where the SQL text was built, the assignment that holds it),
/// acknowledges one of its rule's `peer-codes`, and say so in its message.
pub fn apply<'r>(
    findings: &mut [Finding],
    source: &SourceFile,
    rule_of: impl Fn(&str) -> Option<&'r Rule>,
) {
    if source.language != Language::Python {
        return;
    }
    for finding in findings {
        let Some(rule) = rule_of(&finding.rule_id).filter(|rule| !rule.peer_codes.is_empty())
        else {
            continue;
        };
        let steps = finding
            .flow
            .iter()
            .filter(|step| step.path == finding.path)
            .map(|step| step.start.line);
        let Some(comment) = [finding.start.line, finding.end.line]
            .into_iter()
            .chain(steps)
            .find_map(|line| acknowledgement(source.line_text(line), &rule.peer_codes))
        else {
            continue;
        };
        finding.confidence = finding.confidence.lower();
        finding.message.push_str(&format!(
            " (the line's `{comment}` accepts the equivalent Ruff or Bandit check here)"
        ));
    }
}

/// The `noqa`/`nosec` comment of `line` that names one of `codes`, or a bare `# nosec` (which
/// silences every Bandit check of the line).
fn acknowledgement<'l>(line: &'l str, codes: &[String]) -> Option<&'l str> {
    let hash = line.find('#')?;
    let comment = &line[hash..];
    for (at, _) in comment.match_indices('#') {
        let directive = comment[at + 1..].trim_start();
        let lower = directive.to_ascii_lowercase();
        let (named, bare_accepts) = if let Some(rest) = lower.strip_prefix("noqa") {
            (rest, false)
        } else if let Some(rest) = lower.strip_prefix("nosec") {
            (rest, true)
        } else {
            continue;
        };
        let listed: Vec<&str> = named
            .trim_start_matches(':')
            .split(|c: char| c == ',' || c.is_whitespace())
            .take_while(|word| word.is_empty() || word.chars().all(|c| c.is_ascii_alphanumeric()))
            .filter(|word| !word.is_empty())
            .collect();
        let named_here = listed
            .iter()
            .any(|word| codes.iter().any(|code| code.eq_ignore_ascii_case(word)));
        if named_here || (bare_accepts && listed.is_empty()) {
            let end = comment[at + 1..]
                .find('#')
                .map_or(comment.len(), |i| at + 1 + i);
            return Some(comment[at..end].trim_end());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::acknowledgement;

    fn codes() -> Vec<String> {
        vec!["S301".into(), "B301".into()]
    }

    #[test]
    fn a_noqa_or_nosec_naming_the_code_acknowledges() {
        let line = "    data = pickle.load(f)  # noqa: S301";
        assert_eq!(acknowledgement(line, &codes()), Some("# noqa: S301"));
        let line = "data = pickle.load(f)  # nosec B301 -- our own file";
        assert_eq!(
            acknowledgement(line, &codes()),
            Some("# nosec B301 -- our own file")
        );
        let line = "data = pickle.load(f)  # type: ignore  # noqa:E501,s301";
        assert_eq!(acknowledgement(line, &codes()), Some("# noqa:E501,s301"));
    }

    #[test]
    fn a_bare_nosec_acknowledges_but_a_bare_noqa_or_other_codes_do_not() {
        assert_eq!(
            acknowledgement("pickle.load(f)  # nosec", &codes()),
            Some("# nosec")
        );
        assert_eq!(acknowledgement("pickle.load(f)  # noqa", &codes()), None);
        assert_eq!(
            acknowledgement("pickle.load(f)  # noqa: E501", &codes()),
            None
        );
        assert_eq!(
            acknowledgement("pickle.load(f)  # noqa: S3011", &codes()),
            None
        );
        assert_eq!(acknowledgement("pickle.load(f)", &codes()), None);
    }
}
