//! The check stage: run every applicable rule over one parsed file. Built-in detectors walk the
//! tree themselves; declarative rules share one walk, dispatched by node kind, after a literal
//! pre-filter has ruled out the rules that cannot match the file's text.

use crate::budget::{self, Stopped};
use crate::detectors;
use crate::detectors::syntax::descendants_with_depth;
use crate::finding::{Finding, Notice, NoticeKind, Related};
use crate::fingerprint;
use crate::matcher::{FileMatches, Found};
use crate::parse::ParsedFile;
use crate::rules::{Logic, Rule, RuleSet};
use crate::source::{Language, SourceFile};
use aho_corasick::AhoCorasick;
use bit_set::BitSet;
use std::ops::Range;
use std::time::{Duration, Instant};

/// At most this many source lines are kept as a finding's snippet.
const SNIPPET_LINES: usize = 6;
/// Metavariable values longer than this are shortened in messages.
const MAX_BINDING_CHARS: usize = 60;

/// The rules of a rule set arranged for fast checking, per language. Built once per scan.
pub struct Plan<'r> {
    per_language: Vec<(Language, LanguagePlan<'r>)>,
}

struct LanguagePlan<'r> {
    detectors: Vec<&'r Rule>,
    declarative: Vec<PlannedRule<'r>>,
    /// All pre-filter literals of the declarative rules, searched in one pass over the text.
    literals: Option<AhoCorasick>,
}

struct PlannedRule<'r> {
    rule: &'r Rule,
    matcher: &'r crate::matcher::Matcher,
    /// Ids (in the automaton) of literals one of which must occur; `None`: always run.
    literal_ids: Option<Vec<usize>>,
    kinds: Option<BitSet>,
}

impl<'r> Plan<'r> {
    pub fn new(rules: &'r RuleSet) -> Plan<'r> {
        let per_language = [Language::Python, Language::Rust]
            .into_iter()
            .map(|language| (language, LanguagePlan::new(rules, language)))
            .collect();
        Plan { per_language }
    }

    /// The rule with this id, if the plan holds it.
    fn rule(&self, id: &str) -> Option<&'r Rule> {
        self.per_language.iter().find_map(|(_, plan)| {
            plan.detectors
                .iter()
                .copied()
                .chain(plan.declarative.iter().map(|p| p.rule))
                .find(|rule| rule.id == id)
        })
    }

    fn for_language(&self, language: Language) -> Option<&LanguagePlan<'r>> {
        self.per_language
            .iter()
            .find(|(l, _)| *l == language)
            .map(|(_, plan)| plan)
    }
}

impl<'r> LanguagePlan<'r> {
    fn new(rules: &'r RuleSet, language: Language) -> LanguagePlan<'r> {
        let mut detectors = Vec::new();
        let mut declarative = Vec::new();
        let mut literals: Vec<String> = Vec::new();
        for rule in rules.iter().filter(|rule| rule.applies_to(language)) {
            match &rule.logic {
                Logic::Detector(_) => detectors.push(rule),
                Logic::Matchers(_) => {
                    let Some(matcher) = rule.logic.matcher(language) else {
                        continue;
                    };
                    let literal_ids = matcher.prefilter.any_of.as_ref().map(|any_of| {
                        any_of
                            .iter()
                            .map(|literal| {
                                literals.push(literal.clone());
                                literals.len() - 1
                            })
                            .collect()
                    });
                    declarative.push(PlannedRule {
                        rule,
                        matcher,
                        literal_ids,
                        kinds: matcher.condition.potential_kinds(language),
                    });
                }
            }
        }
        LanguagePlan {
            detectors,
            declarative,
            literals: (!literals.is_empty())
                .then(|| AhoCorasick::new(&literals).ok())
                .flatten(),
        }
    }

    /// The declarative rules that can match this file.
    fn candidates(&self, source: &SourceFile) -> Vec<&PlannedRule<'r>> {
        let present = match &self.literals {
            Some(automaton) => {
                let mut present = BitSet::new();
                for found in automaton.find_overlapping_iter(&source.text) {
                    present.insert(found.pattern().as_usize());
                }
                Some(present)
            }
            None => None,
        };
        self.declarative
            .iter()
            .filter(|planned| {
                planned.literal_ids.as_ref().is_none_or(|ids| {
                    present
                        .as_ref()
                        .is_none_or(|present| ids.iter().any(|&id| present.contains(id)))
                })
            })
            .filter(|planned| planned.rule.paths.allows(&source.display_path))
            .collect()
    }
}

/// What checking one file produced.
#[derive(Debug, Default)]
pub struct Checked {
    /// In source order.
    pub findings: Vec<Finding>,
    /// One per rule that failed or ran out of time on the file; its findings are missing.
    pub notices: Vec<Notice>,
}

/// Findings of every rule in `plan` that applies to the file. Each rule runs with `timeout` (none
/// when `None`) and in isolation: a rule that panics or runs out of time leaves a notice, and the
/// other rules' findings stand.
pub fn check_file(file: &ParsedFile, plan: &Plan, timeout: Option<Duration>) -> Checked {
    let source = file.source;
    let Some(language_plan) = plan.for_language(source.language) else {
        return Checked::default();
    };
    let mut findings = Vec::new();
    let mut notices = Vec::new();
    let mut matches = Vec::new();
    for rule in language_plan
        .detectors
        .iter()
        .filter(|rule| rule.paths.allows(&source.display_path))
    {
        let Logic::Detector(name) = &rule.logic else {
            continue;
        };
        let Some(detector) = detectors::find(name, source.language) else {
            continue;
        };
        if !detector.may_match(&source.text) {
            continue;
        }
        matches.clear();
        if let Err(stopped) = budget::bounded(timeout, || (detector.check)(file, &mut matches)) {
            notices.push(rule_notice(source, &rule.id, &stopped, timeout));
            continue;
        }
        for found in matches.drain(..) {
            let captures: Vec<(&str, String)> = found
                .captures
                .iter()
                .map(|(name, text)| (*name, shorten(text)))
                .collect();
            let message = rule.render_message(&captures);
            findings.push(finding(rule, source, found.bytes, message));
        }
    }
    let candidates = language_plan.candidates(source);
    if !candidates.is_empty() {
        let prepared = FileMatches::new(file);
        // Only nodes some candidate can match are handed to the matcher.
        let wanted = candidates
            .iter()
            .try_fold(BitSet::new(), |mut union, planned| {
                union.union_with(planned.kinds.as_ref()?);
                Some(union)
            });
        // Time left per candidate rule (`None`: no limit), and whether it still runs.
        let mut left = vec![timeout; candidates.len()];
        let mut running = vec![true; candidates.len()];
        // The current node's ancestors, root first, kept by the walk for `inside`.
        let mut lineage = Vec::new();
        for (inner, depth) in descendants_with_depth(prepared.root().root().get_inner_node()) {
            lineage.truncate(depth);
            let kind = usize::from(inner.kind_id());
            if wanted.as_ref().is_some_and(|wanted| !wanted.contains(kind)) {
                lineage.push(inner);
                continue;
            }
            let node = prepared.root().adopt(inner);
            for (index, planned) in candidates.iter().enumerate() {
                if !running[index] || planned.kinds.as_ref().is_some_and(|k| !k.contains(kind)) {
                    continue;
                }
                let started = Instant::now();
                let result = budget::bounded(left[index], || {
                    prepared.match_node(planned.matcher, &node, &lineage)
                });
                if let Some(left) = &mut left[index] {
                    *left = left.saturating_sub(started.elapsed());
                }
                let stopped = match result {
                    Ok(found) => {
                        if let Some(found) = found {
                            findings.push(declarative_finding(planned.rule, source, found));
                        }
                        (left[index] == Some(Duration::ZERO)).then_some(Stopped::TimedOut)
                    }
                    Err(stopped) => Some(stopped),
                };
                if let Some(stopped) = stopped {
                    notices.push(rule_notice(source, &planned.rule.id, &stopped, timeout));
                    running[index] = false;
                }
            }
            lineage.push(inner);
        }
    }
    findings.sort_by(|a, b| (a.start, &a.rule_id, a.end).cmp(&(b.start, &b.rule_id, b.end)));
    findings.dedup_by(|a, b| a.rule_id == b.rule_id && a.bytes == b.bytes);
    drop_superseded(&mut findings, plan);
    fingerprint::assign(&mut findings);
    Checked { findings, notices }
}

/// The finding for a declarative rule's match.
fn declarative_finding(rule: &Rule, source: &SourceFile, found: Found) -> Finding {
    let bindings: Vec<(&str, String)> = found
        .bindings
        .iter()
        .map(|(name, text)| (name.as_str(), shorten(text)))
        .collect();
    let message = rule.render_message(&bindings);
    let mut finding = finding(rule, source, found.bytes, message);
    if let Some(flow) = found.flow {
        if flow.through_unknown_call {
            finding.confidence = finding.confidence.lower();
        }
        finding.flow = flow_locations(source, flow);
    }
    finding
}

/// The notice for a rule that stopped on a file.
pub fn rule_notice(
    source: &SourceFile,
    rule: &str,
    stopped: &Stopped,
    timeout: Option<Duration>,
) -> Notice {
    let (kind, message) = match stopped {
        Stopped::TimedOut => (
            NoticeKind::Timeout,
            format!(
                "`{rule}` ran out of time on this file (limit {} s, `--timeout-per-file`); its findings here may be missing",
                timeout.unwrap_or_default().as_secs_f64()
            ),
        ),
        Stopped::Panicked(reason) => (
            NoticeKind::InternalError,
            format!(
                "internal error in `{rule}` on this file ({}; please report it); its findings here are missing",
                reason.lines().next().unwrap_or_default()
            ),
        ),
    };
    Notice {
        path: source.display_path.clone(),
        kind,
        message,
        line: None,
    }
}

/// Remove findings that a finding of a superseding rule covers (same lines).
fn drop_superseded(findings: &mut Vec<Finding>, plan: &Plan) {
    let covering: Vec<(String, usize, usize)> = findings
        .iter()
        .filter_map(|f| {
            let rule = plan.rule(&f.rule_id)?;
            (!rule.supersedes.is_empty()).then(|| (f.rule_id.clone(), f.start.line, f.end.line))
        })
        .collect();
    if covering.is_empty() {
        return;
    }
    findings.retain(|finding| {
        !covering.iter().any(|(by, first, last)| {
            plan.rule(by)
                .is_some_and(|rule| rule.supersedes.contains(&finding.rule_id))
                && finding.start.line <= *last
                && finding.end.line >= *first
        })
    });
}

fn finding(rule: &Rule, source: &SourceFile, bytes: Range<usize>, message: String) -> Finding {
    let start = source.position(bytes.start);
    let end = source.position(bytes.end);
    let last_line = end.line.min(start.line + SNIPPET_LINES - 1);
    let snippet = (start.line..=last_line)
        .map(|line| source.line_text(line))
        .collect::<Vec<_>>()
        .join("\n");
    Finding {
        rule_id: rule.id.clone(),
        severity: rule.severity,
        confidence: rule.confidence,
        message,
        path: source.display_path.clone(),
        start,
        end,
        bytes,
        snippet,
        fingerprint: String::new(),
        related: Vec::new(),
        flow: Vec::new(),
    }
}

/// A taint flow as locations in the file, source first.
fn flow_locations(source: &SourceFile, flow: crate::taint::Flow) -> Vec<Related> {
    flow.steps
        .into_iter()
        .map(|step| Related {
            path: source.display_path.clone(),
            start: source.position(step.bytes.start),
            message: step.label,
        })
        .collect()
}

/// A metavariable's text for a message: on one line, and not too long.
fn shorten(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_BINDING_CHARS {
        return one_line;
    }
    let cut: String = one_line.chars().take(MAX_BINDING_CHARS - 1).collect();
    format!("{cut}…")
}
