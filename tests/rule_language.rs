//! The rule language: example rule sets pass their own `tollgate test`, failures are caught,
//! and broken rule files point at the right line.

use std::path::{Path, PathBuf};
use tollgate::rules::{load_rule_paths, Confidence, RuleSet, Severity};
use tollgate::scan::ScanOptions;
use tollgate::testing::{self, Failure};

const DIR: &str = "tests/rule-language";

fn example_rules() -> RuleSet {
    let paths = [
        Path::new(DIR).join("python.yaml"),
        Path::new(DIR).join("rust.yaml"),
    ];
    load_rule_paths(&paths, &RuleSet::default()).unwrap_or_else(|err| panic!("{err:?}"))
}

fn run(rules: &RuleSet, examples: &Path) -> testing::TestReport {
    let ids: Vec<String> = rules.iter().map(|rule| rule.id.clone()).collect();
    let options = ScanOptions {
        paths: vec![examples.to_path_buf()],
        ..ScanOptions::default()
    };
    testing::run(&options, rules, &ids).unwrap()
}

#[test]
fn example_rules_pass_their_examples() {
    let rules = example_rules();
    let report = run(&rules, &Path::new(DIR).join("examples"));
    let mut out = Vec::new();
    testing::render(&report, &rules, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(report.failed(), 0, "{text}");
    assert_eq!(report.passed(), rules.len(), "{text}");
    for (rule, (held, _)) in &report.rules {
        assert!(
            *held >= 2,
            "{rule} needs a vulnerable and a safe example: {text}"
        );
    }
}

#[test]
fn a_wrong_annotation_fails() {
    let rules = example_rules();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wrong.py"),
        "exec(payload)\nprint('no exec here')  # expect: lang-py-query\neval(1)  # expect: no-such-rule\n",
    )
    .unwrap();
    let report = run(&rules, dir.path());
    let (_, failures) = &report.rules["lang-py-query"];
    assert!(
        matches!(&failures[..], [Failure::Unexpected(f), Failure::Missing { line: 2, .. }] | [Failure::Missing { line: 2, .. }, Failure::Unexpected(f)] if f.start.line == 1),
        "{failures:?}"
    );
    assert!(
        matches!(&report.unknown[..], [Failure::UnknownRule { line: 3, .. }]),
        "{:?}",
        report.unknown
    );
    assert_eq!(report.failed(), 2);
}

/// A `where` constraint holds only the `any` branches that bind its metavariable, and a file
/// without the constraint's literal is still searched for the other branches.
#[test]
fn a_constraint_holds_only_the_branches_that_bind_its_variable() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        r#"rules:
  - id: eval-or-exec-of-payload
    name: eval or exec
    message: "dynamic code"
    severity: high
    confidence: high
    languages: [python]
    cwe: [95]
    owasp: ["A03:2021", "A05:2025"]
    fix: Do not run dynamic code.
    help: "`eval(payload)`"
    match:
      any:
        - pattern: exec($CODE)
        - pattern: eval($ARG)
    where:
      ARG: { regex: ^payload$ }
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.py"),
        "exec(source)  # expect: eval-or-exec-of-payload\neval(other)  # ok: eval-or-exec-of-payload\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.py"),
        "eval(payload)  # expect: eval-or-exec-of-payload\n",
    )
    .unwrap();
    let rules = load_rule_paths(&[rules], &RuleSet::default()).unwrap();
    let report = run(&rules, dir.path());
    let mut out = Vec::new();
    testing::render(&report, &rules, &mut out).unwrap();
    assert_eq!(report.failed(), 0, "{}", String::from_utf8_lossy(&out));
    assert_eq!(report.rules["eval-or-exec-of-payload"].0, 3);
}

/// Each file in `broken/` starts with `# error: TEXT [| HELP] @ LINE`.
#[test]
fn broken_rule_files_point_at_the_line() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(DIR).join("broken"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let header = text.lines().next().unwrap().trim_start_matches("# error: ");
        let (expected, line) = header.rsplit_once(" @ ").unwrap();
        let (message, help) = expected
            .split_once(" | ")
            .map_or((expected, None), |(m, h)| (m, Some(h)));
        let errors = load_rule_paths(std::slice::from_ref(&file), &RuleSet::default())
            .expect_err(&format!("{} should not load", file.display()))
            .errors;
        assert_eq!(errors.len(), 1, "{}: {errors:?}", file.display());
        let error = &errors[0];
        assert!(
            error.message.contains(message),
            "{}: `{}` lacks `{message}`",
            file.display(),
            error.message
        );
        assert_eq!(
            error.line(),
            Some(line.parse().unwrap()),
            "{}: wrong line for {}",
            file.display(),
            error.message
        );
        if let Some(help) = help {
            assert!(
                error.help.as_deref().is_some_and(|h| h.contains(help)),
                "{}: help {:?}",
                file.display(),
                error.help
            );
        }
    }
}

/// The findings of one rule, given by its languages and `match:` block, on the given files:
/// `(file name, line, severity, confidence)`, sorted.
fn findings_of(
    languages: &str,
    matcher: &str,
    files: &[(&str, &str)],
) -> Vec<(String, usize, Severity, Confidence)> {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        format!(
            r#"rules:
  - id: under-test
    name: rule under test
    message: "found"
    severity: high
    confidence: medium
    languages: [{languages}]
    cwe: [20]
    owasp: ["A04:2021", "A06:2025"]
    fix: Fix it.
    help: "A rule under test."
{matcher}"#
        ),
    )
    .unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let rules = load_rule_paths(&[rules], &RuleSet::default()).unwrap();
    let report = run(&rules, dir.path());
    let mut found: Vec<_> = report
        .scan
        .as_ref()
        .unwrap()
        .findings
        .iter()
        .map(|f| {
            let name = f.path.rsplit('/').next().unwrap().to_string();
            (name, f.start.line, f.severity, f.confidence)
        })
        .collect();
    found.sort();
    found
}

/// `lower-confidence` keeps the finding one step less confident when its condition holds, and a
/// failed `any` branch takes back what its `lower-confidence` said.
#[test]
fn lower_confidence_lowers_without_dropping() {
    let matcher = r#"    match:
      any:
        - all:
            - pattern: $TASK.delay($$$)
            - lower-confidence: { regex: cache }
            - regex: never-here
        - all:
            - pattern: $TASK.delay($$$)
            - lower-confidence: { regex: '^purge' }
"#;
    let found = findings_of(
        "python",
        matcher,
        &[("a.py", "purge_cache.delay(1)\nnotify_cache.delay(2)\n")],
    );
    assert_eq!(
        found,
        vec![
            ("a.py".into(), 1, Severity::High, Confidence::Low),
            ("a.py".into(), 2, Severity::High, Confidence::Medium)
        ]
    );
}

/// `route:` is asked of the whole path, the prefix of the blueprint that mounts the handler
/// included; under `lower-confidence` a route the linked table confirms lowers the finding, and
/// one it does not confirm keeps it as it was.
#[test]
fn a_route_filter_sees_the_mounting_prefix_and_only_lowers() {
    let source = r#"from flask import Blueprint, Flask

app = Flask(__name__)
device = Blueprint("device", __name__, url_prefix="/device/<token>")
shop = Blueprint("shop", __name__, url_prefix="/shop")


@device.post("/sync")
def sync():
    return "ok"


@shop.post("/sync")
def shop_sync():
    return "ok"


app.register_blueprint(device)
app.register_blueprint(shop)
"#;
    let lowering = r#"    match:
      all:
        - kind: function_definition
        - in-handler: true
        - lower-confidence:
            in-handler: { route: "<token>" }
"#;
    assert_eq!(
        findings_of("python", lowering, &[("views.py", source)]),
        vec![
            ("views.py".into(), 9, Severity::High, Confidence::Low),
            ("views.py".into(), 14, Severity::High, Confidence::Medium)
        ]
    );
    let filtering = r#"    match:
      kind: function_definition
      in-handler: { route: "^/device/<token>/sync$" }
"#;
    assert_eq!(
        findings_of("python", filtering, &[("views.py", source)]),
        vec![("views.py".into(), 9, Severity::High, Confidence::Medium)]
    );
}

/// A nested `where:` next to an `any:` is tried with each branch: a branch whose bindings fail
/// it leaves the next branch to match the same node (`update(A).where(B).values(c)` matches
/// the second pattern with `B = update` although the first matched it with `B = update(A).where`).
#[test]
fn a_nested_where_is_tried_with_each_any_branch() {
    let matcher = r#"    match:
      all:
        - kind: expression_statement
        - has:
            stop-by: neighbor
            any:
              - pattern: $BUILD($$$).$CLAUSE($$$)
              - pattern: $BUILD($$$).$CLAUSE($$$).$NEXT($$$)
            where:
              BUILD: { regex: ^update$ }
"#;
    let found = findings_of(
        "python",
        matcher,
        &[(
            "a.py",
            "update(A).where(B).values(c=1)
update(A).values(c=1)
insert(A).where(B).values(c=1)
",
        )],
    );
    let lines: Vec<usize> = found.iter().map(|f| f.1).collect();
    assert_eq!(lines, vec![1, 2]);
}

/// `lower-severity` reports the finding one severity step lower when its condition holds, and
/// leaves its confidence alone.
#[test]
fn lower_severity_lowers_severity_only() {
    let matcher = r#"    match:
      pattern: $CTX.check_hostname = False
      lower-severity:
        inside:
          kind: function_definition
          has: { pattern: $CTX.load_verify_locations($$$) }
"#;
    let code = "def pinned(ctx):\n    ctx.load_verify_locations(cafile='ca.pem')\n    \
                ctx.check_hostname = False\n\ndef open_(ctx):\n    ctx.check_hostname = False\n";
    let found = findings_of("python", matcher, &[("a.py", code)]);
    assert_eq!(
        found,
        vec![
            ("a.py".into(), 3, Severity::Medium, Confidence::Medium),
            ("a.py".into(), 6, Severity::High, Confidence::Medium)
        ]
    );
}

/// `from-input` holds for values a client or a caller chooses: request input and the
/// function's parameters (not `self`), through local assignments and destructuring.
#[test]
fn from_input_follows_parameters_and_request_input() {
    let matcher = r#"    match:
      python:
        pattern: $X == $Y
      rust:
        query: '(binary_expression left: (_) @X operator: "==" right: (_) @Y) @match'
    where:
      X: { from-input: true }
"#;
    let python =
        "def check(self, token):\n    given = token.strip()\n    return given == self.secret\n\n\
                  def settings_only(self):\n    return self.secret == SETTINGS.secret\n";
    let rust = "fn call(&self, req: Request) -> bool {\n    \
                if let (Ok(header), Some(key)) = (req.header(), &self.0) {\n        \
                return header == key;\n    }\n    \
                let (stored, _) = (self.key(), 1);\n    stored == self.other\n}\n";
    let found = findings_of("python, rust", matcher, &[("a.py", python), ("b.rs", rust)]);
    let lines: Vec<(String, usize)> = found.into_iter().map(|(f, l, _, _)| (f, l)).collect();
    assert_eq!(lines, vec![("a.py".into(), 3), ("b.rs".into(), 3)]);
}

/// `spliced-from-input` asks where the values spliced into a text come from, not what the
/// text is handed to on its way: a parameter passed with the finished text to other code is no
/// splice.
#[test]
fn spliced_from_input_asks_of_the_spliced_values() {
    let matcher = r#"    match:
      python:
        pattern: run($SQL)
    where:
      SQL: { spliced-from-input: true }
"#;
    let python = "def held(self, key):\n    sql = f\"DELETE FROM {self.table}\"\n    \
                  sql = plugin.rewrite(sql, key)\n    run(sql)\n\n\
                  def spliced(self, key):\n    sql = f\"DELETE FROM {self.table} WHERE {key} = 1\"\n    \
                  run(sql)\n";
    let found = findings_of("python", matcher, &[("a.py", python)]);
    let lines: Vec<usize> = found.into_iter().map(|(_, line, _, _)| line).collect();
    assert_eq!(lines, vec![8]);
}

/// `schema-class: false` holds for classes that derive from no pydantic model, followed through
/// bases in other files once the project is linked.
#[test]
fn schema_class_follows_bases_across_files() {
    let matcher = r#"    match:
      python:
        pattern: $CLASS(**$DATA)
    where:
      CLASS: { schema-class: false }
"#;
    let schemas = "from pydantic import BaseModel\n\nclass Base(BaseModel):\n    id: int\n";
    let claims = "from schemas import Base\n\nclass Claims(Base):\n    email: str\n";
    let uses = "from claims import Claims\nfrom db import Account\n\n\
                def build(data):\n    Claims(**data)\n    Account(**data)\n";
    let found = findings_of(
        "python",
        matcher,
        &[
            ("schemas.py", schemas),
            ("claims.py", claims),
            ("uses.py", uses),
        ],
    );
    let lines: Vec<(String, usize)> = found.into_iter().map(|(f, l, _, _)| (f, l)).collect();
    assert_eq!(lines, vec![("uses.py".into(), 6)]);
}

/// `from-path-segment` holds for a tainted value whose only request input is a route
/// parameter that matches one path segment (FastAPI `{name}`, Flask `<name>`), not a `path`
/// converter, a query parameter, or both mixed.
#[test]
fn from_path_segment_holds_only_for_one_segment_route_parameters() {
    let matcher = r#"    match:
      all:
        - pattern: open($P)
        - where:
            P: { tainted: true }
        - lower-severity:
            where:
              P: { from-path-segment: true }
"#;
    let fastapi = r#"from fastapi import FastAPI

app = FastAPI()


@app.get("/files/{name}")
async def one(name: str):
    return open(f"/srv/files/{name}.pdf")


@app.get("/files/{name:path}")
async def nested(name: str):
    return open(f"/srv/files/{name}")


@app.get("/mixed/{name}")
async def mixed(name: str, folder: str):
    return open(f"/srv/{folder}/{name}")
"#;
    let flask = r#"from flask import Flask, request

app = Flask(__name__)


@app.get("/docs/<name>")
def doc(name):
    return open("/srv/docs/" + name)


@app.get("/docs")
def doc_by_query():
    return open("/srv/docs/" + request.args["name"])
"#;
    let found = findings_of("python", matcher, &[("api.py", fastapi), ("web.py", flask)]);
    let severities: Vec<(String, usize, Severity)> =
        found.into_iter().map(|(f, l, s, _)| (f, l, s)).collect();
    assert_eq!(
        severities,
        vec![
            ("api.py".into(), 8, Severity::Medium),
            ("api.py".into(), 13, Severity::High),
            ("api.py".into(), 18, Severity::High),
            ("web.py".into(), 8, Severity::Medium),
            ("web.py".into(), 13, Severity::High),
        ]
    );
}

/// A query of one node with captures on children in its fields is answered on the node without
/// tree-sitter; it finds what the same query compiled by tree-sitter finds (a predicate that
/// always holds forces that path), with the same bindings.
#[test]
fn a_one_node_query_answers_like_the_compiled_one() {
    let source = "headers = {\"Location\": target, 'X-Id': 1}\n\
                  call(key=value, other=2)\n\
                  settings = {LOCATION: target}\n\
                  redirect(\"Location\", target)\n";
    let with = |query: &str| {
        let matcher = format!(
            r#"    match:
      all:
        - query: '{query}'
        - where:
            K: {{ regex: (?i)location|^key$ }}
            V: {{ regex: ^(target|value)$ }}
"#
        );
        findings_of("python", &matcher, &[("a.py", source)])
    };
    for (shape, compiled) in [
        (
            "(pair key: (string) @K value: (_) @V) @match",
            "((pair key: (string) @K value: (_) @V) @match (#match? @K \".*\"))",
        ),
        (
            "(keyword_argument name: (identifier) @K value: (identifier) @V) @match",
            "((keyword_argument name: (identifier) @K value: (identifier) @V) @match (#match? @K \".*\"))",
        ),
    ] {
        let found = with(shape);
        assert!(!found.is_empty(), "{shape} finds something");
        assert_eq!(found, with(compiled), "{shape}");
    }
}
