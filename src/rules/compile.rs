//! Turning the YAML shape of a rule's `match` into a compiled [`Matcher`], checking every
//! pattern, kind, regex and query against the rule's language on the way.

use super::schema::{RawBuilt, RawCondition, RawConstraint, RawHandler, RawRequestModel, RawTaint};
use crate::app::handlers::HandlerFilter;
use crate::matcher::{
    expand_metavariables, Condition, Constraint, ConstraintTest, KindSet, LazyRegex, Lowering,
    Matcher, Prefilter, QueryAtom, Relation, SgLang, StopBy, TaintSpec, BUILT_HOW,
};
use crate::source::Language;
use ast_grep_core::{MatchStrictness, Pattern};
use regex::Regex;
use serde_saphyr::{Location, Spanned};
use std::collections::{BTreeMap, BTreeSet};

/// Something wrong in a rule, and where.
pub(super) struct Problem {
    pub message: String,
    pub at: Location,
    pub help: Option<String>,
}

fn problem(at: Location, message: impl Into<String>, help: Option<String>) -> Problem {
    Problem {
        message: message.into(),
        at,
        help,
    }
}

/// A compiled matcher and the metavariables its patterns and queries can bind.
pub(super) struct Compiled {
    pub matcher: Matcher,
    pub bound: BTreeSet<String>,
}

const FRAMEWORKS: &[&str] = &[
    "django",
    "drf",
    "fastapi",
    "django-ninja",
    "flask",
    "flask-restful",
    "connexion",
    "axum",
    "actix",
    "graphene",
    "strawberry",
    "ariadne",
    "async-graphql",
    "juniper",
    "mcp",
];

/// Compile the `match` of a rule for one language.
pub(super) fn compile(
    raw: &Spanned<RawCondition>,
    language: Language,
    constraints: &BTreeMap<String, Spanned<RawConstraint>>,
    focus: Option<&Spanned<String>>,
    taint: Option<&Spanned<RawTaint>>,
    checked: Checked,
) -> Result<Compiled, Problem> {
    let cx = Cx { language, checked };
    let branch = language_branch(raw, language)?;
    let split = branch.is_some();
    let (top, at) = match branch {
        Some(branch) => (&branch.value, branch.referenced),
        None => (&raw.value, raw.referenced),
    };
    let mut bound = BTreeSet::new();
    let condition = condition(top, at, cx, &mut bound, Place::Top)?;
    let compiled_constraints = compile_constraints(constraints, &bound, cx, split)?;
    binds_how(&compiled_constraints, &mut bound);
    let focus = match focus {
        Some(focus) => {
            let var = focus.value.trim_start_matches('$').to_string();
            if !bound.contains(&var) {
                return Err(unbound(focus.referenced, &var, &bound, "`focus`"));
            }
            Some(var)
        }
        None => None,
    };
    let taint = match taint {
        Some(taint) => taint_spec(&taint.value, cx)?,
        None => TaintSpec {
            request: true,
            ..TaintSpec::default()
        },
    };
    let prefilter = Prefilter::of(&condition, &compiled_constraints, &taint, language);
    Ok(Compiled {
        matcher: Matcher {
            condition,
            constraints: compiled_constraints,
            focus,
            prefilter,
            taint,
        },
        bound,
    })
}

/// Compile a rule's `taint:` sources and sanitizers (each a condition of its own). An entry
/// split into `python:`/`rust:` branches applies only to the languages it has a branch for.
fn taint_spec(raw: &RawTaint, cx: Cx) -> Result<TaintSpec, Problem> {
    let language = cx.language;
    let compile_all = |list: &[Spanned<RawCondition>]| {
        let mut compiled = Vec::new();
        for item in list {
            let split = item.value.python.is_some() || item.value.rust.is_some();
            let (value, at) = if split {
                if item.value.has_condition_keys() {
                    return Err(problem(
                        item.referenced,
                        "a taint entry split into `python:`/`rust:` branches cannot have other keys beside them",
                        None,
                    ));
                }
                let branch = match language {
                    Language::Python => item.value.python.as_deref(),
                    Language::Rust => item.value.rust.as_deref(),
                };
                match branch {
                    Some(branch) => (&branch.value, branch.referenced),
                    None => continue,
                }
            } else {
                (&item.value, item.referenced)
            };
            let mut bound = BTreeSet::new();
            compiled.push(condition(value, at, cx, &mut bound, Place::Top)?);
        }
        Ok::<_, Problem>(compiled)
    };
    Ok(TaintSpec {
        sources: compile_all(&raw.sources)?,
        sanitizers: compile_all(&raw.sanitizers)?,
        request: raw.request.unwrap_or(true),
    })
}

/// A `built` constraint binds `$HOW` for the message.
fn binds_how(constraints: &[Constraint], bound: &mut BTreeSet<String>) {
    if constraints
        .iter()
        .any(|constraint| matches!(constraint.test, ConstraintTest::Built { .. }))
    {
        bound.insert(BUILT_HOW.to_string());
    }
}

/// The tests of a `where:` mapping on the metavariables `wanted` accepts, each on a
/// metavariable that `bound` holds.
fn compile_constraints_strict(
    constraints: &BTreeMap<String, Spanned<RawConstraint>>,
    bound: &BTreeSet<String>,
    cx: Cx,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<Constraint>, Problem> {
    let chosen = constraints
        .iter()
        .filter(|(name, _)| wanted(name.trim_start_matches('$')));
    compile_constraints(chosen, bound, cx, false)
}

/// The tests of a `where:` mapping; with `split` (a `match` split by language), a variable this
/// language's branch does not bind is left to the branch that does (the caller checks one does).
fn compile_constraints<'r>(
    constraints: impl IntoIterator<Item = (&'r String, &'r Spanned<RawConstraint>)>,
    bound: &BTreeSet<String>,
    cx: Cx,
    split: bool,
) -> Result<Vec<Constraint>, Problem> {
    let mut compiled = Vec::new();
    for (name, raw_constraint) in constraints {
        let var = name.trim_start_matches('$').to_string();
        if !bound.contains(&var) {
            if split {
                continue;
            }
            return Err(unbound(raw_constraint.referenced, &var, bound, "`where`"));
        }
        for test in constraint_tests(&raw_constraint.value, raw_constraint.referenced, cx)? {
            compiled.push(Constraint {
                var: var.clone(),
                test,
            });
        }
    }
    // Cheap tests first: taint tracking runs only on what the others let through.
    compiled.sort_by_key(|constraint| constraint.test.traces());
    Ok(compiled)
}

pub(super) fn unbound(at: Location, var: &str, bound: &BTreeSet<String>, used_in: &str) -> Problem {
    let known = if bound.is_empty() {
        "the rule's patterns bind no metavariables".to_string()
    } else {
        let list: Vec<String> = bound.iter().map(|v| format!("${v}")).collect();
        format!("bound: {}", list.join(", "))
    };
    problem(
        at,
        format!("{used_in} uses `${var}`, which no pattern or query of the rule binds"),
        Some(known),
    )
}

/// The `python:`/`rust:` branch for `language` when `match` is split by language.
fn language_branch(
    raw: &Spanned<RawCondition>,
    language: Language,
) -> Result<Option<&Spanned<RawCondition>>, Problem> {
    let split = raw.value.python.is_some() || raw.value.rust.is_some();
    if !split {
        return Ok(None);
    }
    if raw.value.has_condition_keys() {
        return Err(problem(
            raw.referenced,
            "a `match` split into `python:`/`rust:` branches cannot have other keys beside them",
            None,
        ));
    }
    let branch = match language {
        Language::Python => raw.value.python.as_deref(),
        Language::Rust => raw.value.rust.as_deref(),
    };
    branch.map(Some).ok_or_else(|| {
        problem(
            raw.referenced,
            format!(
                "`match` is split by language but has no `{}:` branch",
                language.name()
            ),
            Some("add a branch for every language in `languages`, or remove the language".into()),
        )
    })
}

/// When a rule's tree-sitter queries are compiled and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    /// While loading, so that a broken query is reported at its line (rule files from disk).
    Now,
    /// When a file first needs them: the built-in rules, which the test suite loads with `Now`.
    ByTests,
}

/// What every condition of one rule is compiled for.
#[derive(Clone, Copy)]
struct Cx {
    language: Language,
    checked: Checked,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Top,
    Nested,
    /// The target of a relational key, where `stop-by` and `field` are allowed.
    Relation,
}

fn condition(
    raw: &RawCondition,
    at: Location,
    cx: Cx,
    bound: &mut BTreeSet<String>,
    place: Place,
) -> Result<Condition, Problem> {
    let language = cx.language;
    if raw.python.is_some() || raw.rust.is_some() {
        return Err(problem(
            at,
            "`python:`/`rust:` branches are only allowed directly under `match`",
            None,
        ));
    }
    if place != Place::Relation {
        if let Some(stop_by) = &raw.stop_by {
            return Err(problem(
                stop_by.referenced,
                "`stop-by` only applies inside `inside`, `has`, `follows` or `precedes`",
                None,
            ));
        }
        if let Some(field) = &raw.field {
            return Err(problem(
                field.referenced,
                "`field` only applies inside `has` or `inside`",
                None,
            ));
        }
    }
    let mut parts = Vec::new();
    if let Some(pattern) = &raw.pattern {
        parts.push(compile_pattern(pattern, language, bound)?);
    }
    if let Some(kind) = &raw.kind {
        let kinds = kind.value.clone().into_vec();
        for name in &kinds {
            check_kind(name, language, kind.referenced)?;
        }
        parts.push(Condition::Kind(KindSet::new(kinds, language)));
    }
    if let Some(regex) = &raw.regex {
        parts.push(Condition::Regex(compile_regex(
            &regex.value,
            regex.referenced,
            cx.checked,
        )?));
    }
    if let Some(query) = &raw.query {
        let atom = match cx.checked {
            Checked::Now => QueryAtom::new(&query.value, &language.grammar()).map_err(|err| {
                problem(
                    query.referenced,
                    format!("invalid tree-sitter query for {}: {err}", language.name()),
                    None,
                )
            })?,
            Checked::ByTests => QueryAtom::deferred(&query.value, &language.grammar()),
        };
        bound.extend(atom.bound_names().map(str::to_string));
        parts.push(Condition::Query(Box::new(atom)));
    }
    if let Some(all) = &raw.all {
        let inner = all
            .iter()
            .map(|c| condition(&c.value, c.referenced, cx, bound, Place::Nested))
            .collect::<Result<_, _>>()?;
        parts.push(Condition::All(inner));
    }
    // The metavariables the `any` branches bind, and where the `any` is among the parts.
    let mut any_binds = BTreeSet::new();
    let mut any_at = None;
    if let Some(any) = &raw.any {
        let inner = any
            .iter()
            .map(|c| {
                let before = bound.clone();
                let branch = condition(&c.value, c.referenced, cx, bound, Place::Nested);
                any_binds.extend(bound.difference(&before).cloned());
                branch
            })
            .collect::<Result<_, _>>()?;
        any_at = Some(parts.len());
        parts.push(Condition::Any(inner));
    }
    if let Some(not) = &raw.not {
        // Bindings inside `not` never escape it, so they do not count as bound.
        let inner = condition(
            &not.value,
            not.referenced,
            cx,
            &mut bound.clone(),
            Place::Nested,
        )?;
        parts.push(Condition::Not(Box::new(inner)));
    }
    type Wrap = fn(Relation) -> Condition;
    type Relational<'a> = (&'a Option<Box<Spanned<RawCondition>>>, Wrap, bool);
    let relations: [Relational; 6] = [
        (&raw.inside, Condition::Inside, false),
        (&raw.not_inside, Condition::Inside, true),
        (&raw.has, Condition::Has, false),
        (&raw.not_has, Condition::Has, true),
        (&raw.follows, Condition::Follows, false),
        (&raw.precedes, Condition::Precedes, false),
    ];
    for (target, wrap, negated) in relations {
        let Some(target) = target else { continue };
        let mut scratch = bound.clone();
        let bindings = if negated { &mut scratch } else { &mut *bound };
        let relation = relation(target, cx, bindings)?;
        let wrapped = wrap(relation);
        parts.push(if negated {
            Condition::Not(Box::new(wrapped))
        } else {
            wrapped
        });
    }
    if let Some(handler) = &raw.in_handler {
        parts.push(handler_condition(handler)?);
    }
    for (lowering, lower) in [
        (Lowering::Confidence, &raw.lower_confidence),
        (Lowering::Severity, &raw.lower_severity),
    ] {
        let Some(lower) = lower else { continue };
        // Like `not`, its bindings never escape it.
        let inner = condition(
            &lower.value,
            lower.referenced,
            cx,
            &mut bound.clone(),
            Place::Nested,
        )?;
        parts.push(Condition::Lower(lowering, Box::new(inner)));
    }
    if let Some(wanted) = raw.in_test_code {
        parts.push(if wanted {
            Condition::InTestCode
        } else {
            Condition::Not(Box::new(Condition::InTestCode))
        });
    }
    if let Some(wanted) = raw.used_as_object {
        parts.push(if wanted {
            Condition::UsedAsObject
        } else {
            Condition::Not(Box::new(Condition::UsedAsObject))
        });
    }
    // Last, so that it sees what this mapping's pattern and relations bound.
    if let Some(constraints) = &raw.constraints {
        // A test of what an `any` branch binds is tested in each branch, so that a branch
        // whose bindings fail it leaves the next one to try (`any: [$B($$$).$C($$$),
        // $B($$$).$C($$$).$D($$$)]` with `where: { B: … }`).
        if let Some(Condition::Any(branches)) = any_at.and_then(|at| parts.get_mut(at)) {
            for branch in branches.iter_mut() {
                let tests =
                    compile_constraints_strict(constraints, bound, cx, |v| any_binds.contains(v))?;
                if !tests.is_empty() {
                    binds_how(&tests, bound);
                    let inner = std::mem::replace(branch, Condition::All(Vec::new()));
                    *branch = Condition::All(vec![inner, Condition::Where(tests)]);
                }
            }
        }
        let compiled =
            compile_constraints_strict(constraints, bound, cx, |v| !any_binds.contains(v))?;
        binds_how(&compiled, bound);
        if !compiled.is_empty() {
            parts.push(Condition::Where(compiled));
        }
    }
    match parts.len() {
        0 => Err(problem(
            at,
            "empty condition",
            Some("give at least one of pattern, kind, regex, query, all, any, not, inside, not-inside, has, not-has, follows, precedes, in-handler, in-test-code, used-as-object, where".into()),
        )),
        1 => Ok(parts.remove(0)),
        _ => Ok(Condition::All(parts)),
    }
}

fn relation(
    target: &Spanned<RawCondition>,
    cx: Cx,
    bound: &mut BTreeSet<String>,
) -> Result<Relation, Problem> {
    let language = cx.language;
    let stop_by = match target.value.stop_by.as_ref() {
        None => StopBy::End,
        Some(stop) => match stop.value.as_str() {
            "end" => StopBy::End,
            "neighbor" => StopBy::Neighbor,
            other => {
                return Err(problem(
                    stop.referenced,
                    format!("unknown stop-by `{other}`"),
                    Some("use `end` or `neighbor`".into()),
                ))
            }
        },
    };
    if let Some(field) = &target.value.field {
        if language.grammar().field_id_for_name(&field.value).is_none() {
            return Err(problem(
                field.referenced,
                format!("{} has no grammar field `{}`", language.name(), field.value),
                None,
            ));
        }
    }
    let inner = condition(&target.value, target.referenced, cx, bound, Place::Relation)?;
    let kinds = inner.potential_kinds(language);
    Ok(Relation {
        kind_names: crate::matcher::named_kinds(kinds.as_ref(), language),
        kinds,
        condition: Box::new(inner),
        stop_by,
        field: target
            .value
            .field
            .as_ref()
            .and_then(|f| language.grammar().field_id_for_name(&f.value)),
    })
}

fn compile_pattern(
    pattern: &Spanned<String>,
    language: Language,
    bound: &mut BTreeSet<String>,
) -> Result<Condition, Problem> {
    let source = semgrep_ellipsis(&pattern.value);
    let expanded = expand_metavariables(&source);
    let mut parser = tree_sitter::Parser::new();
    let parses = parser
        .set_language(&language.grammar())
        .ok()
        .and_then(|()| parser.parse(expanded.as_ref(), None))
        // A missing `;` after a Rust expression is fine; real syntax errors are not.
        .is_some_and(|tree| !crate::syntax::descendants(tree.root_node()).any(|n| n.is_error()));
    if !parses {
        return Err(problem(
            pattern.referenced,
            format!("pattern does not parse as {}: `{}`", language.name(), pattern.value.trim()),
            Some("a pattern must be a complete expression, statement or item; for parts of a statement (an `except` clause, a match arm) use `kind:` with `has:`".into()),
        ));
    }
    let compiled = Pattern::try_new(&source, SgLang(language))
        .map_err(|err| problem(pattern.referenced, format!("invalid pattern: {err}"), None))?
        .with_strictness(MatchStrictness::Relaxed);
    bound.extend(compiled.defined_vars().into_iter().map(str::to_string));
    Ok(Condition::Pattern(Box::new(compiled.into())))
}

/// Semgrep writes "any arguments / statements" as `...`; ast-grep as `$$$`. Accept both.
/// (`...` inside string literals is left alone.)
fn semgrep_ellipsis(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut quote: Option<char> = None;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == '\\' {
                    out.extend(chars.next());
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '.' && pattern_rest_starts(&mut chars, "..") => out.push_str("$$$"),
            None => out.push(c),
        }
    }
    out
}

/// Consume `expected` from `chars` if it comes next.
fn pattern_rest_starts(chars: &mut std::iter::Peekable<std::str::Chars>, expected: &str) -> bool {
    let ahead: String = chars.clone().take(expected.len()).collect();
    if ahead == expected {
        for _ in 0..expected.len() {
            chars.next();
        }
        true
    } else {
        false
    }
}

fn check_kind(name: &str, language: Language, at: Location) -> Result<(), Problem> {
    let grammar = language.grammar();
    if grammar.id_for_node_kind(name, true) != 0 {
        return Ok(());
    }
    let known = (0..grammar.node_kind_count() as u16)
        .filter(|&id| grammar.node_kind_is_named(id) && grammar.node_kind_is_visible(id))
        .filter_map(|id| grammar.node_kind_for_id(id));
    let suggestion = known
        .map(|kind| (strsim::jaro_winkler(name, kind), kind))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, kind)| format!("did you mean `{kind}`?"));
    Err(problem(
        at,
        format!("{} has no node kind `{name}`", language.name()),
        suggestion,
    ))
}

/// A rule's regex; its syntax is checked now for rule files from disk (the test suite checks
/// the built-in ones).
fn compile_regex(source: &str, at: Location, checked: Checked) -> Result<LazyRegex, Problem> {
    match checked {
        Checked::Now => {
            LazyRegex::new(source).map_err(|err| problem(at, format!("invalid regex: {err}"), None))
        }
        Checked::ByTests => Ok(LazyRegex::unchecked(source)),
    }
}

fn constraint_tests(
    raw: &RawConstraint,
    at: Location,
    cx: Cx,
) -> Result<Vec<ConstraintTest>, Problem> {
    let language = cx.language;
    let mut tests = Vec::new();
    if let Some(regex) = &raw.regex {
        tests.push(ConstraintTest::Regex(compile_regex(regex, at, cx.checked)?));
    }
    if let Some(regex) = &raw.not_regex {
        tests.push(ConstraintTest::NotRegex(compile_regex(
            regex, at, cx.checked,
        )?));
    }
    if let Some(kind) = &raw.kind {
        let kinds = kind.clone().into_vec();
        for name in &kinds {
            check_kind(name, language, at)?;
        }
        tests.push(ConstraintTest::Kind(kinds));
    }
    if let Some(values) = &raw.one_of {
        tests.push(ConstraintTest::OneOf(values.clone()));
    }
    if let Some(values) = &raw.not_one_of {
        tests.push(ConstraintTest::NotOneOf(values.clone()));
    }
    if let Some(values) = &raw.value_one_of {
        tests.push(ConstraintTest::ValueOneOf(values.clone()));
    }
    if let Some(regex) = &raw.value_regex {
        tests.push(ConstraintTest::ValueRegex(compile_regex(
            regex, at, cx.checked,
        )?));
    }
    if let Some(regex) = &raw.debug_shows_field {
        tests.push(ConstraintTest::DebugShowsField(compile_regex(
            regex, at, cx.checked,
        )?));
    }
    if let Some(wanted) = raw.from_request {
        tests.push(ConstraintTest::FromRequest(wanted));
    }
    if let Some(wanted) = raw.from_input {
        tests.push(ConstraintTest::FromInput(wanted));
    }
    if let Some(wanted) = raw.tainted {
        tests.push(ConstraintTest::Tainted(wanted));
    }
    if let Some(wanted) = raw.spliced_from_input {
        tests.push(ConstraintTest::SplicedFromInput(wanted));
    }
    match &raw.built {
        None => {}
        Some(RawBuilt::Flag(true)) => tests.push(ConstraintTest::Built {
            reads_as_sql: false,
        }),
        Some(RawBuilt::Reads(reads)) if reads == "sql" => {
            tests.push(ConstraintTest::Built { reads_as_sql: true })
        }
        Some(_) => {
            return Err(problem(
                at,
                "built takes only `true` or `sql`",
                Some("`sql`: the text's literal parts must also read as SQL".into()),
            ))
        }
    }
    if let Some(wanted) = raw.from_path_segment {
        tests.push(ConstraintTest::FromPathSegment(wanted));
    }
    if let Some(names) = &raw.resolves_to {
        let patterns = crate::symbols::NamePatterns::new(&names.clone().into_vec())
            .map_err(|err| problem(at, "invalid resolves-to", Some(err)))?;
        tests.push(ConstraintTest::ResolvesTo(patterns));
    }
    // Flags that only take `false` (leaving them out accepts anything).
    let only_false = [
        (
            raw.defers_to_commit,
            "defers-to-commit",
            "task",
            ConstraintTest::NotDeferredTask,
        ),
        (
            raw.defined_in_project,
            "defined-in-project",
            "call",
            ConstraintTest::NotProjectFunction,
        ),
        (
            raw.property_setter,
            "property-setter",
            "attribute",
            ConstraintTest::NoPropertySetter,
        ),
        (
            raw.rebound_by_importers,
            "rebound-by-importers",
            "module-level name",
            ConstraintTest::NotReboundByImporters,
        ),
        (
            raw.schema_class,
            "schema-class",
            "class",
            ConstraintTest::NotSchemaClass,
        ),
    ];
    for (flag, key, accepted, test) in only_false {
        match flag {
            None => {}
            Some(false) => tests.push(test),
            Some(true) => {
                return Err(problem(
                    at,
                    format!("{key} takes only `false`"),
                    Some(format!("leave it out to accept any {accepted}")),
                ))
            }
        }
    }
    match &raw.request_model {
        None => {}
        Some(RawRequestModel::Flag(true)) => tests.push(ConstraintTest::RequestModel {
            field: None,
            required: true,
            staff_lowers: true,
        }),
        Some(RawRequestModel::Flag(false)) => {
            return Err(problem(
                at,
                "request-model takes only `true`, `{ field: NAME }` or `{ required: false }`",
                Some("leave it out to accept any class".into()),
            ))
        }
        Some(RawRequestModel::Field(field)) => tests.push(ConstraintTest::RequestModel {
            field: field
                .field
                .as_ref()
                .map(|name| name.trim_start_matches('$').to_string()),
            required: field.required.unwrap_or(true),
            staff_lowers: field.staff_lowers.unwrap_or(field.required.unwrap_or(true)),
        }),
    }
    if let Some(names) = &raw.not_resolves_to {
        let patterns = crate::symbols::NamePatterns::new(&names.clone().into_vec())
            .map_err(|err| problem(at, "invalid not-resolves-to", Some(err)))?;
        tests.push(ConstraintTest::NotResolvesTo(patterns));
    }
    if let Some(var) = &raw.prints_unescaped {
        tests.push(ConstraintTest::PrintsUnescaped(
            var.trim_start_matches('$').to_string(),
        ));
    }
    if tests.is_empty() {
        return Err(problem(
            at,
            "empty constraint",
            Some(
                "give regex, not-regex, kind, one-of, not-one-of, value-one-of, value-regex, from-request, from-input, tainted, built, spliced-from-input, from-path-segment, resolves-to, not-resolves-to, request-model, schema-class or prints-unescaped"
                    .into(),
            ),
        ));
    }
    Ok(tests)
}

fn handler_condition(raw: &Spanned<RawHandler>) -> Result<Condition, Problem> {
    let filter = match &raw.value {
        RawHandler::Any(true) => HandlerFilter::default(),
        RawHandler::Any(false) => {
            return Ok(Condition::Not(Box::new(Condition::InHandler(
                HandlerFilter::default(),
            ))))
        }
        RawHandler::Filter(filter) => {
            for framework in &filter.frameworks {
                if !FRAMEWORKS.contains(&framework.as_str()) {
                    return Err(problem(
                        raw.referenced,
                        format!("unknown framework `{framework}`"),
                        Some(format!("known: {}", FRAMEWORKS.join(", "))),
                    ));
                }
            }
            HandlerFilter {
                authenticated: filter.authenticated,
                staff: filter.staff,
                route: filter
                    .route
                    .as_deref()
                    .map(|r| {
                        Regex::new(r).map_err(|err| {
                            problem(raw.referenced, format!("invalid regex: {err}"), None)
                        })
                    })
                    .transpose()?,
                methods: filter
                    .methods
                    .iter()
                    .map(|m| m.to_ascii_uppercase())
                    .collect(),
                frameworks: filter.frameworks.clone(),
            }
        }
    };
    Ok(Condition::InHandler(filter))
}

#[cfg(test)]
mod tests {
    use super::semgrep_ellipsis;

    #[test]
    fn translates_ellipsis_outside_strings() {
        assert_eq!(semgrep_ellipsis("f(..., x=1)"), "f($$$, x=1)");
        assert_eq!(semgrep_ellipsis("f('...')"), "f('...')");
        assert_eq!(
            semgrep_ellipsis(r#"f("a\"...", ...)"#),
            r#"f("a\"...", $$$)"#
        );
    }
}
