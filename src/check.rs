//! The check stage: run every applicable rule over one parsed file. Built-in detectors walk the
//! tree themselves; declarative rules share one walk, dispatched by node kind, after a literal
//! pre-filter has ruled out the rules that cannot match the file's text.

use crate::budget::{self, Stopped};
use crate::detectors::{self, FileWalk};
use crate::finding::{Finding, LinkCheck, Notice, NoticeKind, Related};
use crate::fingerprint;
use crate::matcher::{self, FileMatches, Found};
use crate::parse::ParsedFile;
use crate::profile::RuleTimes;
use crate::rules::{Confidence, Logic, PathFilter, Rule, RuleSet, TestCodePolicy};
use crate::source::{Language, Position, SourceFile};
use crate::testcode::TestCode;
use aho_corasick::AhoCorasick;
use bit_set::BitSet;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::time::{Duration, Instant};

/// At most this many source lines are kept as a finding's snippet.
const SNIPPET_LINES: usize = 6;
/// Metavariable values longer than this are shortened in messages.
const MAX_BINDING_CHARS: usize = 60;

/// The rules of a rule set arranged for fast checking, per language. Built once per scan.
pub struct Plan<'r> {
    per_language: Vec<(Language, LanguagePlan<'r>)>,
    /// Run `test-code: skip` rules on test code too (`[scan] include-tests`).
    include_tests: bool,
}

struct LanguagePlan<'r> {
    /// The rules that walk the file with a detector, each with its walk and its path filter (by
    /// index into `filters`).
    detectors: Vec<(&'r Rule, FileWalk, usize)>,
    declarative: Vec<PlannedRule<'r>>,
    /// The distinct path filters of the rules, each asked once per file.
    filters: Vec<&'r PathFilter>,
    /// All pre-filter literals of the declarative rules, searched in one pass over the text.
    literals: Option<AhoCorasick>,
}

struct PlannedRule<'r> {
    rule: &'r Rule,
    matcher: &'r crate::matcher::Matcher,
    /// Ids (in the automaton) of literal sets one literal of each of which must occur.
    literal_ids: Vec<Vec<usize>>,
    kinds: Option<BitSet>,
    /// Index of the rule's path filter in [`LanguagePlan::filters`].
    filter: usize,
}

impl<'r> Plan<'r> {
    /// The plan for the files of `languages` (making a language's plan compiles the built-in
    /// matchers of that language, so a scan of Python files compiles no Rust pattern).
    pub fn new(rules: &'r RuleSet, languages: &BTreeSet<Language>) -> Plan<'r> {
        let per_language = languages
            .iter()
            .map(|&language| (language, LanguagePlan::new(rules, language)))
            .collect();
        Plan {
            per_language,
            include_tests: false,
        }
    }

    /// The same plan, running `test-code: skip` rules on test code too when `include` holds.
    pub fn including_tests(self, include: bool) -> Plan<'r> {
        Plan {
            include_tests: include,
            ..self
        }
    }

    /// The same plan with only the detector rule `id` (for files read again for one detector's
    /// sake: no declarative rule runs, so no finding of theirs is made twice).
    pub fn only_detector(&self, id: &str) -> Plan<'r> {
        let per_language = self
            .per_language
            .iter()
            .map(|(language, plan)| {
                let only = LanguagePlan {
                    detectors: plan
                        .detectors
                        .iter()
                        .filter(|(rule, _, _)| rule.id == id)
                        .cloned()
                        .collect(),
                    declarative: Vec::new(),
                    filters: plan.filters.clone(),
                    literals: None,
                };
                (*language, only)
            })
            .collect();
        Plan {
            per_language,
            include_tests: self.include_tests,
        }
    }

    /// The rule with this id, if the plan holds it.
    fn rule(&self, id: &str) -> Option<&'r Rule> {
        self.per_language.iter().find_map(|(_, plan)| {
            plan.detectors
                .iter()
                .map(|(rule, _, _)| *rule)
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
        // The built-in matchers compile on first use: on all cores at once.
        let applicable: Vec<&Rule> = rules.iter().filter(|r| r.applies_to(language)).collect();
        applicable.par_iter().for_each(|rule| {
            rule.logic.matcher(language);
        });
        let mut detectors = Vec::new();
        let mut declarative = Vec::new();
        let mut literals: Vec<String> = Vec::new();
        let mut known: HashMap<String, usize> = HashMap::new();
        let mut filters: Vec<&PathFilter> = Vec::new();
        for rule in applicable {
            let filter = match filters.iter().position(|known| **known == rule.paths) {
                Some(index) => index,
                None => {
                    filters.push(&rule.paths);
                    filters.len() - 1
                }
            };
            match &rule.logic {
                Logic::Detector(kind) => {
                    if let Some(walk) = kind.file_walk(language) {
                        detectors.push((rule, walk, filter));
                    }
                }
                Logic::Matchers(_) => {
                    let Some(matcher) = rule.logic.matcher(language) else {
                        continue;
                    };
                    let literal_ids = matcher
                        .prefilter
                        .all_of
                        .iter()
                        .map(|any_of| {
                            any_of
                                .iter()
                                .map(|literal| {
                                    // Found in any ASCII case: one pattern per folded literal.
                                    let folded = literal.to_ascii_lowercase();
                                    *known.entry(folded.clone()).or_insert_with(|| {
                                        literals.push(folded);
                                        literals.len() - 1
                                    })
                                })
                                .collect()
                        })
                        .collect();
                    declarative.push(PlannedRule {
                        rule,
                        matcher,
                        literal_ids,
                        kinds: matcher.condition.potential_kinds(language),
                        filter,
                    });
                }
            }
        }
        LanguagePlan {
            detectors,
            declarative,
            filters,
            literals: (!literals.is_empty())
                .then(|| matcher::finder(&literals, None))
                .flatten(),
        }
    }

    /// Whether each of the plan's path filters lets the file through.
    fn allowed(&self, source: &SourceFile) -> Vec<bool> {
        self.filters
            .iter()
            .map(|filter| filter.allows(&source.display_path))
            .collect()
    }

    /// The declarative rules that can match this file.
    fn candidates(&self, source: &SourceFile, allowed: &[bool]) -> Vec<&PlannedRule<'r>> {
        let present = match &self.literals {
            Some(_) if matcher::folds_outside_ascii(&source.text) => None,
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
                planned.literal_ids.iter().all(|ids| {
                    present
                        .as_ref()
                        .is_none_or(|present| ids.iter().any(|&id| present.contains(id)))
                })
            })
            .filter(|planned| allowed[planned.filter])
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

/// Findings of every rule in `plan` that applies to the file. `test_path`: the file is test code
/// by its path (see [`crate::testcode::is_test_path`]). Each rule runs with `timeout` (none when
/// `None`) and in isolation: a rule that panics or runs out of time leaves a notice, and the
/// other rules' findings stand. With `times`, each rule's time on the file is added to it.
pub fn check_file(
    file: &ParsedFile,
    plan: &Plan,
    test_path: bool,
    timeout: Option<Duration>,
    mut times: Option<&mut RuleTimes>,
) -> Checked {
    let source = file.source;
    let Some(language_plan) = plan.for_language(source.language) else {
        return Checked::default();
    };
    let tests = if plan.include_tests {
        TestCode::none()
    } else {
        TestCode::of(file, test_path)
    };
    // Rules that skip test code do not run on a test file at all.
    let skips =
        |rule: &Rule| test_path && !plan.include_tests && rule.test_code == TestCodePolicy::Skip;
    let mut findings = Vec::new();
    let mut notices = Vec::new();
    let mut matches = Vec::new();
    let allowed = language_plan.allowed(source);
    for (rule, walk) in language_plan
        .detectors
        .iter()
        .filter(|(rule, _, filter)| allowed[*filter] && !skips(rule))
        .map(|(rule, walk, _)| (*rule, walk))
    {
        // Checked again after linking (`file.project`), a file may reach a look-up through a
        // call of a function in another file whatever its own text holds.
        if !walk.may_match(&source.text) && file.project.is_none() {
            continue;
        }
        matches.clear();
        let started = times.is_some().then(Instant::now);
        if let Err(stopped) = budget::bounded(timeout, || (walk.check)(file, &mut matches)) {
            notices.push(rule_notice(source, &rule.id, &stopped, timeout));
            continue;
        }
        if let (Some(times), Some(started)) = (times.as_deref_mut(), started) {
            times.add(&rule.id, started.elapsed(), matches.len());
        }
        for found in matches.drain(..) {
            let captures: Vec<(&str, String)> = found
                .captures
                .iter()
                .map(|(name, text)| (*name, shorten(text)))
                .collect();
            let message = rule.render_message(&captures);
            let mut finding = finding(rule, source, found.bytes, message);
            finding.related = found.related;
            finding.link_checks = found.link_checks;
            if captures
                .iter()
                .any(|(name, _)| *name == detectors::CONFIDENCE)
            {
                finding.confidence = finding.confidence.lower();
            }
            findings.push(finding);
        }
    }
    let candidates: Vec<_> = language_plan
        .candidates(source, &allowed)
        .into_iter()
        .filter(|planned| !skips(planned.rule))
        .collect();
    // Per candidate: time spent and findings, when profiling.
    let mut spent =
        vec![(Duration::ZERO, 0usize); if times.is_some() { candidates.len() } else { 0 }];
    if !candidates.is_empty() {
        let prepared = FileMatches::new(file, &tests);
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
        for &(inner, depth) in file.walk() {
            budget::checkpoint();
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
                let elapsed = started.elapsed();
                if let Some(left) = &mut left[index] {
                    *left = left.saturating_sub(elapsed);
                }
                if let Some(spent) = spent.get_mut(index) {
                    spent.0 += elapsed;
                    spent.1 += usize::from(matches!(result, Ok(Some(_))));
                }
                let stopped = match result {
                    Ok(found) => {
                        if let Some(found) = found {
                            findings.extend(declarative_findings(planned.rule, source, found));
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
    if let Some(times) = times {
        for (planned, (time, found)) in candidates.iter().zip(spent) {
            times.add(&planned.rule.id, time, found);
        }
    }
    crate::peers::apply(&mut findings, source, |id| plan.rule(id));
    findings.retain(|finding| {
        !(tests.contains(finding.bytes.start)
            && plan
                .rule(&finding.rule_id)
                .is_some_and(|rule| rule.test_code == TestCodePolicy::Skip))
    });
    settle(&mut findings, |id| plan.rule(id));
    Checked { findings, notices }
}

/// Put one file's findings in source order, keep the first of any that repeat a rule on the same
/// range (and wait on the same parameter, if any), drop those a superseding rule covers, and give
/// each its fingerprint.
pub(crate) fn settle<'r>(findings: &mut Vec<Finding>, rule_of: impl Fn(&str) -> Option<&'r Rule>) {
    findings.sort_by(|a, b| (a.start, &a.rule_id, a.end).cmp(&(b.start, &b.rule_id, b.end)));
    findings.dedup_by(|a, b| {
        a.rule_id == b.rule_id && a.bytes == b.bytes && a.via_parameter == b.via_parameter
    });
    drop_repeated_causes(findings);
    drop_superseded(findings, rule_of);
    fingerprint::assign(findings);
}

/// Drop the findings whose flow starts at another finding of the same rule elsewhere in the
/// file: that one reports the cause already (a predictable generator reported where a helper
/// named for a one-time code makes it, and again where a caller stores the helper's result).
fn drop_repeated_causes(findings: &mut Vec<Finding>) {
    let repeats: Vec<bool> = findings
        .iter()
        .map(|finding| {
            let Some(source) = finding
                .flow
                .first()
                .filter(|step| step.path == finding.path)
            else {
                return false;
            };
            findings.iter().any(|other| {
                other.rule_id == finding.rule_id
                    && (other.end <= finding.start || finding.end <= other.start)
                    && other.start <= source.start
                    && source.start < other.end
            })
        })
        .collect();
    let mut repeated = repeats.into_iter();
    findings.retain(|_| !repeated.next().unwrap_or(false));
}

/// Report one value from the request that reaches several sinks of an injection rule once: the
/// most severe and sure of the findings (the first in source order among equals) keeps the
/// finding, and the others become its related places. They share one cause and one fix (check the
/// input where it enters), and a pull request gets one comment for it. Runs on one file's
/// findings in source order, after suppressions, so that a suppression on one sink still silences
/// that sink alone. Returns whether it merged any.
pub(crate) fn merge_same_value<'r>(
    findings: &mut Vec<Finding>,
    rule_of: impl Fn(&str) -> Option<&'r Rule>,
) -> bool {
    let injection = |finding: &Finding| {
        rule_of(&finding.rule_id).is_some_and(|rule| rule.tags.iter().any(|t| t == "injection"))
    };
    /// Findings one value reaches: their indexes, and (when they may take more) the rule and
    /// each member's flow.
    struct Group<'f> {
        members: Vec<usize>,
        flows: Option<(&'f str, Vec<FlowSteps>)>,
    }
    // A finding joins a group when the same value reaches it (see `same_value`).
    let mut groups: Vec<Group> = Vec::new();
    for (index, finding) in findings.iter().enumerate() {
        if !(mergeable(finding) && injection(finding)) {
            groups.push(Group {
                members: vec![index],
                flows: None,
            });
            continue;
        }
        let mine: FlowSteps = finding
            .flow
            .iter()
            .map(|step| {
                (
                    step.path.clone(),
                    step.start,
                    crate::taint::is_call_result(&step.message),
                )
            })
            .collect();
        let same_value = groups.iter_mut().find(|group| {
            group.flows.as_ref().is_some_and(|(rule, flows)| {
                *rule == finding.rule_id && flows.iter().any(|other| same_value(other, &mine))
            })
        });
        match same_value {
            Some(group) => {
                group.members.push(index);
                if let Some((_, flows)) = &mut group.flows {
                    flows.push(mine);
                }
            }
            None => groups.push(Group {
                members: vec![index],
                flows: Some((&finding.rule_id, vec![mine])),
            }),
        }
    }
    if groups.len() == findings.len() {
        return false;
    }
    let groups: Vec<Vec<usize>> = groups.into_iter().map(|group| group.members).collect();
    let mut slots: Vec<Option<Finding>> = findings.drain(..).map(Some).collect();
    for members in groups {
        // The most severe, then the surest; the first in source order among equals.
        let lead = *members
            .iter()
            .rev()
            .max_by_key(|&&i| {
                let f = slots[i].as_ref().expect("each finding is in one group");
                (f.severity, f.confidence)
            })
            .expect("groups are not empty");
        let mut kept = slots[lead].take().expect("each finding is in one group");
        for &other in members.iter().filter(|&&i| i != lead) {
            let other = slots[other].take().expect("each finding is in one group");
            kept.related.push(Related {
                path: other.path,
                start: other.start,
                message: format!("the same input: {}", other.message),
            });
        }
        kept.related
            .sort_by(|a, b| (&a.path, a.start).cmp(&(&b.path, b.start)));
        findings.push(kept);
    }
    findings.sort_by(|a, b| (a.start, &a.rule_id, a.end).cmp(&(b.start, &b.rule_id, b.end)));
    true
}

/// A flow's steps by place, each with whether it is a call's result (a new value per call).
type FlowSteps = Vec<(String, Position, bool)>;

/// Whether two flows carry the same value: one goes on where the other stops (`statement =
/// text(sql)` then `execute(statement)`), or they part on the way to their sinks after a shared
/// step (a helper's parameter used at two sinks, a build directory made from the input and handed
/// to three helpers). Two calls of a function that returns the input are two values (two
/// handlers calling one parsing helper).
fn same_value(a: &FlowSteps, b: &FlowSteps) -> bool {
    if a.starts_with(b) || b.starts_with(a) {
        return true;
    }
    let shared = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    shared > 0 && !a[shared].2 && !b[shared].2
}

/// A finding of a taint flow that is complete in its file (not waiting for callers or a
/// template).
fn mergeable(finding: &Finding) -> bool {
    !finding.flow.is_empty() && finding.via_parameter.is_none() && finding.via_template.is_none()
}

/// The finding for a declarative rule's match.
/// The finding a match makes, and one more for each other parameter its sink waits on (see
/// [`Found::also_via`]), with that parameter's flow.
fn declarative_findings(rule: &Rule, source: &SourceFile, mut found: Found) -> Vec<Finding> {
    let also = std::mem::take(&mut found.also_via);
    let flow = found.flow.take();
    let base = declarative_finding(rule, source, found);
    let mut findings = vec![with_flow(base.clone(), source, flow)];
    for (sink, flow) in also {
        let mut finding = base.clone();
        finding.via_parameter = Some(sink);
        findings.push(with_flow(finding, source, Some(flow)));
    }
    findings
}

/// A finding from a match, but for the match's flow (see [`with_flow`]).
fn declarative_finding(rule: &Rule, source: &SourceFile, found: Found) -> Finding {
    let bindings: Vec<(&str, String)> = found
        .bindings
        .iter()
        .map(|(name, text)| (name.as_str(), shorten(text)))
        .collect();
    let message = rule.render_message(&bindings);
    let mut finding = finding(rule, source, found.bytes, message);
    if let Some(model) = found.request_model {
        finding.link_checks.push(LinkCheck::RequestModel(model));
    }
    if let Some(task) = found.task {
        finding.link_checks.push(LinkCheck::NotDeferredTask(task));
    }
    if let Some(class) = found.schema {
        finding.link_checks.push(LinkCheck::NotSchemaClass(class));
    }
    if let Some(shown) = found.debug_shown {
        finding.link_checks.push(LinkCheck::DebugShowsField(shown));
    }
    if let Some(name) = found.rebound {
        finding
            .link_checks
            .push(LinkCheck::NotReboundByImporters(name));
    }
    if let Some((attribute, classes)) = found.setter {
        finding
            .link_checks
            .push(LinkCheck::NoPropertySetter(attribute, classes));
    }
    if !found.project_calls.is_empty() {
        finding
            .link_checks
            .push(LinkCheck::NotProjectFunction(found.project_calls));
    }
    if let Some(line) = found.unauthenticated {
        finding.link_checks.push(LinkCheck::Unauthenticated(line));
    }
    for (line, wanted) in found.routed {
        finding.link_checks.push(LinkCheck::Routed(line, wanted));
    }
    finding.via_parameter = found.via_parameter;
    finding.via_template = found.template;
    if found.lowered.confidence {
        finding.confidence = finding.confidence.lower();
    }
    if found.lowered.severity {
        finding.severity = finding.severity.lower();
    } else if let Some(line) = found.staff_handler {
        finding
            .link_checks
            .push(LinkCheck::EntersAtStaffHandler(finding.path.clone(), line));
    }
    if let Some(name) = found.unresolved {
        finding.confidence = finding.confidence.lower();
        finding.message.push_str(&format!(
            " (`{name}` is not imported in this file: matched by its name alone)"
        ));
    }
    finding
}

/// `finding` with the steps of `flow` and what they leave to the link.
fn with_flow(
    mut finding: Finding,
    source: &SourceFile,
    flow: Option<crate::taint::Flow>,
) -> Finding {
    if let Some(mut flow) = flow {
        if flow.through_unknown_call {
            finding.confidence = finding.confidence.lower();
        }
        if let Some(line) = flow.entry {
            // It starts at a parameter of a function only a registration makes a handler (a
            // Django function view): where the project registers the other handlers of its
            // file, one must reach this one, or it is a helper taking `request`.
            let wanted = crate::app::handlers::RouteWanted {
                registered: true,
                ..Default::default()
            };
            finding.link_checks.push(LinkCheck::Routed(line, wanted));
        }
        if let Some((line, name)) = flow.url_parameter.take() {
            finding
                .link_checks
                .push(LinkCheck::UnconvertedParameter(line, name));
        }
        if let Some(alias) = flow.dependency_alias.take() {
            finding
                .link_checks
                .push(LinkCheck::NotDependencyAlias(alias));
        }
        finding.add_flow_checks(&mut flow);
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

/// Remove findings that a finding of a superseding rule covers (same lines). A finding that
/// waits for its function's callers ([`Finding::via_parameter`]) or for a template covers nothing yet.
fn drop_superseded<'r>(findings: &mut Vec<Finding>, rule_of: impl Fn(&str) -> Option<&'r Rule>) {
    let covering: Vec<(String, usize, usize, Confidence)> = findings
        .iter()
        .filter(|f| f.via_parameter.is_none() && f.via_template.is_none())
        .filter_map(|f| {
            let rule = rule_of(&f.rule_id)?;
            (!rule.supersedes.is_empty())
                .then(|| (f.rule_id.clone(), f.start.line, f.end.line, f.confidence))
        })
        .collect();
    if covering.is_empty() {
        return;
    }
    // A finding the default `--min-confidence` hides does not hide a more confident one: the
    // report would then show neither.
    findings.retain(|finding| {
        !covering.iter().any(|(by, first, last, confidence)| {
            rule_of(by).is_some_and(|rule| rule.supersedes.contains(&finding.rule_id))
                && finding.start.line <= *last
                && finding.end.line >= *first
                && (*confidence >= crate::filter::DEFAULT_MIN_CONFIDENCE
                    || finding.confidence <= *confidence)
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
        link_checks: Vec::new(),
        via_parameter: None,
        via_template: None,
    }
}

/// A taint flow as locations in the file, source first.
pub(crate) fn flow_locations(source: &SourceFile, flow: crate::taint::Flow) -> Vec<Related> {
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
