//! One self-contained HTML page for security leads: the verdict, counts by severity and rule,
//! filters (severity, rule, path, route), each finding with its code frame and flow, the route
//! inventory with its guards, and the notices. CSS and script are inline and a Content Security
//! Policy forbids every request, so the page works offline and cannot fetch anything. Everything
//! that comes from scanned code goes through [`html`] or [`html_code`].

use super::escape::{html, html_code};
use super::{text, TextStyle};
use crate::app::{Project, Route};
use crate::finding::{Finding, Related};
use crate::rules::{RuleSet, Severity};
use crate::scan::ScanOutcome;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

/// Lines shown before and after a finding's own lines.
const CONTEXT_LINES: usize = 2;
/// A finding spanning more lines shows only its first ones.
const MAX_FRAME_LINES: usize = 12;

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

pub(super) fn render(
    outcome: &ScanOutcome,
    rules: &RuleSet,
    style: TextStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    let findings = &outcome.findings;
    let failing = style.failing(findings);
    let verdict = if failing > 0 {
        format!("{failing} at or above {}", style.fail_on)
    } else {
        format!("passed (--fail-on {})", style.fail_on)
    };
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>tollgate report</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header class=\"{}\"><h1>tollgate: {}</h1><p id=\"summary-line\">{}</p></header>\n<main>\n",
        if failing > 0 { "fail" } else { "pass" },
        html(&verdict),
        html(&text::summary(outcome)),
    )?;
    summary(findings, rules, out)?;
    filters(findings, out)?;
    let routes = RouteIndex::new(&outcome.project);
    let mut files = Files::default();
    writeln!(
        out,
        "<section id=\"findings\"><h2>Findings ({})</h2>",
        findings.len()
    )?;
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    ordered.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for finding in ordered {
        finding_article(finding, rules, &routes, &mut files, out)?;
    }
    writeln!(out, "</section>")?;
    route_table(&outcome.project, out)?;
    notices(outcome, out)?;
    writeln!(
        out,
        "</main>\n<script>\n{SCRIPT}</script>\n</body>\n</html>"
    )
}

/// Counts by severity and by rule (the findings' own severities).
fn summary(findings: &[Finding], rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<section id=\"summary\"><h2>Summary</h2><div class=\"tables\">\n\
         <table id=\"by-severity\"><thead><tr><th>Severity</th><th>Findings</th></tr></thead><tbody>"
    )?;
    for severity in Severity::ALL_DESCENDING {
        let count = findings.iter().filter(|f| f.severity == severity).count();
        writeln!(
            out,
            "<tr><td><span class=\"badge {severity}\">{severity}</span></td><td class=\"n\">{count}</td></tr>"
        )?;
    }
    writeln!(
        out,
        "</tbody></table>\n<table id=\"by-rule\"><thead><tr><th>Rule</th><th>Name</th>\
         <th>Severities</th><th>Findings</th></tr></thead><tbody>"
    )?;
    let mut by_rule: BTreeMap<&str, BTreeMap<Severity, usize>> = BTreeMap::new();
    for finding in findings {
        *by_rule
            .entry(&finding.rule_id)
            .or_default()
            .entry(finding.severity)
            .or_default() += 1;
    }
    let mut rows: Vec<_> = by_rule.into_iter().collect();
    rows.sort_by_key(|(id, severities)| {
        let top = severities.keys().next_back().copied();
        let count: usize = severities.values().sum();
        (std::cmp::Reverse((top, count)), *id)
    });
    for (id, severities) in rows {
        let rule = rules.get(id);
        let count: usize = severities.values().sum();
        let shown: Vec<String> = severities
            .iter()
            .rev()
            .map(|(severity, n)| format!("<span class=\"badge {severity}\">{severity} {n}</span>"))
            .collect();
        let link = rule.map_or(String::new(), |rule| {
            format!(" <a href=\"{}\">docs</a>", html(&rule.help_uri()))
        });
        writeln!(
            out,
            "<tr data-rule=\"{id}\"><td><code>{id}</code>{link}</td><td>{}</td><td>{}</td><td class=\"n\">{count}</td></tr>",
            rule.map_or(String::new(), |rule| html(&rule.name)),
            shown.join(" "),
            id = html(id),
        )?;
    }
    writeln!(out, "</tbody></table></div></section>")
}

fn filters(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<section id=\"filter-bar\"><form id=\"filters\" autocomplete=\"off\"><fieldset><legend>Severity</legend>"
    )?;
    for severity in Severity::ALL_DESCENDING {
        writeln!(
            out,
            "<label><input type=\"checkbox\" name=\"severity\" value=\"{severity}\" checked> {severity}</label>"
        )?;
    }
    writeln!(
        out,
        "</fieldset>\n<label>Rule <select name=\"rule\"><option value=\"\">all rules</option>"
    )?;
    let mut ids: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        writeln!(out, "<option value=\"{0}\">{0}</option>", html(id))?;
    }
    writeln!(
        out,
        "</select></label>\n<label>Path <input type=\"search\" name=\"path\" placeholder=\"app/payments\"></label>\n\
         <label>Route <input type=\"search\" name=\"route\" placeholder=\"/v1/transfers\"></label>\n\
         <output id=\"shown\">{0} of {0} findings shown</output></form></section>",
        findings.len()
    )
}

fn finding_article(
    finding: &Finding,
    rules: &RuleSet,
    routes: &RouteIndex,
    files: &mut Files,
    out: &mut dyn Write,
) -> io::Result<()> {
    let rule = rules.get(&finding.rule_id);
    let route = routes.around(finding, files);
    writeln!(
        out,
        "<article class=\"finding {severity}\" data-severity=\"{severity}\" data-rule=\"{id}\" data-path=\"{path}\" data-route=\"{route}\">\n\
         <h3><span class=\"badge {severity}\">{severity}</span> <code>{id}</code> {name}</h3>\n\
         <p class=\"message\">{message}</p>\n\
         <p class=\"where\"><span class=\"loc\">{path}:{line}:{column}</span> · confidence {confidence}{in_route}</p>",
        severity = finding.severity,
        id = html(&finding.rule_id),
        path = html(&finding.path),
        route = html(&route),
        name = rule.map_or(String::new(), |rule| html(&rule.name)),
        message = html(&finding.message),
        line = finding.start.line,
        column = finding.start.column,
        confidence = finding.confidence,
        in_route = if route.is_empty() {
            String::new()
        } else {
            format!(" · in <span class=\"route\">{}</span>", html(&route))
        },
    )?;
    let last = finding
        .end
        .line
        .max(finding.start.line)
        .min(finding.start.line + MAX_FRAME_LINES - 1);
    out.write_all(
        files
            .frame(&finding.path, finding.start.line, last, CONTEXT_LINES)
            .as_bytes(),
    )?;
    steps(
        out,
        "flow",
        "How client input gets here",
        &finding.flow,
        files,
    )?;
    steps(out, "related", "Related", &finding.related, files)?;
    if let Some(rule) = rule {
        writeln!(out, "<p class=\"fix\"><b>Fix:</b> {}</p>", html(&rule.fix))?;
    }
    writeln!(out, "</article>")
}

/// A finding's flow or related places, each with its source line.
fn steps(
    out: &mut dyn Write,
    class: &str,
    title: &str,
    steps: &[Related],
    files: &mut Files,
) -> io::Result<()> {
    if steps.is_empty() {
        return Ok(());
    }
    writeln!(out, "<div class=\"{class}\"><h4>{title}</h4><ol>")?;
    for step in steps {
        writeln!(
            out,
            "<li><span class=\"loc\">{}:{}</span> {}{}</li>",
            html(&step.path),
            step.start.line,
            html(&step.message),
            files.frame(&step.path, step.start.line, step.start.line, 0)
        )?;
    }
    writeln!(out, "</ol></div>")
}

/// The attack surface: every route with its guards, unguarded ones marked.
fn route_table(project: &Project, out: &mut dyn Write) -> io::Result<()> {
    let unguarded = project
        .routes
        .iter()
        .filter(|r| !r.authenticated() && r.public.is_none())
        .count();
    writeln!(
        out,
        "<section id=\"routes\"><h2>Routes ({}, {unguarded} without a guard)</h2>\n\
         <table id=\"route-table\"><thead><tr><th>Method</th><th>Path</th><th>Handler</th>\
         <th>Location</th><th>Framework</th><th>Guards</th></tr></thead><tbody>",
        project.routes.len()
    )?;
    for route in &project.routes {
        let (class, guards) = match &route.public {
            Some(reason) => ("public", format!("public: {}", html(reason))),
            None if route.authenticated() => ("guarded", join_html(&route.guards)),
            None if route.guessed_guards.is_empty() => (
                "unguarded",
                match &route.capability_by_name {
                    Some(check) => format!(
                        "NONE; may be public by a secret the request carries: <code>{}</code> \
                         <i>(judged by names)</i>",
                        html(check)
                    ),
                    None => "NONE".to_string(),
                },
            ),
            None => (
                "unguarded",
                format!(
                    "{} <i>(judged by name only)</i>",
                    join_html(&route.guessed_guards)
                ),
            ),
        };
        let location = format!("{}:{}", route.file, route.line);
        writeln!(
            out,
            "<tr class=\"{class}\" data-path=\"{file}\" data-route=\"{label}\"><td>{methods}</td><td><code>{path}</code></td>\
             <td><code>{handler}</code></td><td class=\"loc\">{location}</td><td>{framework}</td><td>{guards}</td></tr>",
            file = html(&route.file),
            label = html(&label(route)),
            methods = html(&methods(route)),
            path = html(route.path.as_deref().unwrap_or("(route not found)")),
            handler = html(&route.handler),
            location = html(&location),
            framework = route.framework.name(),
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

fn notices(outcome: &ScanOutcome, out: &mut dyn Write) -> io::Result<()> {
    if outcome.notices.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<section id=\"notices\"><h2>Notices ({})</h2><ul>",
        outcome.notices.len()
    )?;
    for notice in &outcome.notices {
        let line = notice.line.map_or(String::new(), |line| format!(":{line}"));
        writeln!(
            out,
            "<li><span class=\"loc\">{}{line}</span> {}</li>",
            html(&notice.path),
            html(&notice.message)
        )?;
    }
    writeln!(out, "</ul></section>")
}

fn join_html(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("<span class=\"guard\">{}</span>", html(item)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn methods(route: &Route) -> String {
    if route.methods.is_empty() {
        "ANY".into()
    } else {
        route.methods.join(",")
    }
}

/// "POST /v1/transfers create_transfer": what the route filter matches.
fn label(route: &Route) -> String {
    format!(
        "{} {} {}",
        methods(route),
        route.path.as_deref().unwrap_or("?"),
        route.handler
    )
}

/// The routes by the file of their handler, to name the route a finding is in.
struct RouteIndex<'a> {
    by_file: HashMap<&'a str, Vec<&'a Route>>,
}

impl<'a> RouteIndex<'a> {
    fn new(project: &'a Project) -> Self {
        let mut by_file: HashMap<&str, Vec<&Route>> = HashMap::new();
        for route in &project.routes {
            by_file.entry(&route.file).or_default().push(route);
        }
        RouteIndex { by_file }
    }

    /// The routes of the handler a finding is in, as labels (a handler served at several paths
    /// has several): the nearest handler at or above the finding's place in its file, if no line
    /// between them is indented as little as the handler (which would end its body). A finding
    /// with a flow is placed by where the flow starts: the request input of a handler.
    fn around(&self, finding: &Finding, files: &mut Files) -> String {
        let (path, at) = finding
            .flow
            .first()
            .map_or((finding.path.as_str(), finding.start.line), |source| {
                (source.path.as_str(), source.start.line)
            });
        let Some(routes) = self.by_file.get(path) else {
            return String::new();
        };
        let Some(line) = routes
            .iter()
            .map(|r| r.line)
            .filter(|&line| line <= at)
            .max()
        else {
            return String::new();
        };
        let lines = files.lines(path);
        let indent = |text: &str| text.len() - text.trim_start().len();
        let Some(handler_indent) = lines.get(line - 1).map(|text| indent(text)) else {
            return String::new();
        };
        let ended = lines.iter().take(at).skip(line).any(|text| {
            let body = text.trim_start();
            !body.is_empty() && !body.starts_with(')') && indent(text) <= handler_indent
        });
        if ended {
            return String::new();
        }
        let labels: Vec<String> = routes
            .iter()
            .filter(|r| r.line == line)
            .map(|r| label(r))
            .collect();
        labels.join("; ")
    }
}

/// Scanned files read once each, for code frames.
#[derive(Default)]
struct Files {
    lines: HashMap<String, Vec<String>>,
}

impl Files {
    /// Lines `first..=last` of `path` with `context` lines around, numbered, the finding's own
    /// lines marked; empty when the file cannot be read.
    /// The lines of `path`, escaped for HTML; none when it cannot be read.
    fn lines(&mut self, path: &str) -> &[String] {
        self.lines.entry(path.to_string()).or_insert_with(|| {
            std::fs::read_to_string(path)
                .map(|text| html_code(&text).lines().map(str::to_string).collect())
                .unwrap_or_default()
        })
    }

    fn frame(&mut self, path: &str, first: usize, last: usize, context: usize) -> String {
        let lines = self.lines(path);
        if first == 0 || first > lines.len() {
            return String::new();
        }
        let from = first.saturating_sub(context).max(1);
        let to = (last + context).min(lines.len());
        let mut frame = String::from("<pre class=\"frame\">");
        for number in from..=to {
            let class = if (first..=last).contains(&number) {
                " class=\"hit\""
            } else {
                ""
            };
            frame.push_str(&format!(
                "<span{class}><span class=\"ln\">{number}</span>{}</span>",
                lines[number - 1]
            ));
        }
        frame.push_str("</pre>");
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::handlers::Framework;
    use crate::finding::Notice;
    use crate::report::test_support::{finding, outcome, rules};
    use crate::source::Position;

    fn rendered(outcome: &ScanOutcome) -> String {
        let mut out = Vec::new();
        let style = TextStyle {
            color: false,
            fail_on: Severity::Medium,
            width: 100,
        };
        render(outcome, &rules(), style, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn page_has_summary_filters_frames_flows_and_routes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("views.py");
        std::fs::write(
            &path,
            "@app.post('/pay')\ndef pay(\n    a,\n):\n    x = request.args['q']\n    bad_high(x)\n    return 1\n\n\ndef helper():\n    bad_low()\n",
        )
        .unwrap();
        let path = path.to_string_lossy().into_owned();
        let mut high = finding("demo-high", Severity::High, &path, (6, 5), (6, 16));
        high.flow = vec![Related {
            path: path.clone(),
            start: Position { line: 5, column: 9 },
            message: "request input `request.args`".into(),
        }];
        let low = finding("demo-low", Severity::Low, "other.py", (1, 1), (1, 2));
        let helper = finding("demo-low", Severity::Low, &path, (11, 5), (11, 14));
        let mut outcome = outcome(vec![low, high, helper], Vec::new());
        outcome.project.routes.push(Route {
            methods: vec!["POST".into()],
            path: Some("/pay".into()),
            handler: "pay".into(),
            framework: Framework::Flask,
            file: path.clone(),
            line: 2,
            guards: Vec::new(),
            guessed_guards: Vec::new(),
            dispatched_guards: Vec::new(),
            public: None,
            capability_by_name: None,
            registered_at: Vec::new(),
            operation: None,
            handler_index: 0,
            staff_only: false,
            address_check: None,
        });
        let page = rendered(&outcome);
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<header class=\"fail\"><h1>tollgate: 1 at or above medium</h1>"));
        assert!(page.contains("default-src 'none'"));
        // No resource is fetched at view time.
        for fetch in ["src=\"http", "href=\"//", "@import", "url("] {
            assert!(!page.contains(fetch), "{fetch}");
        }
        // Counts by severity and rule; the most severe finding first.
        assert!(page.contains("<span class=\"badge high\">high</span></td><td class=\"n\">1</td>"));
        assert!(page.contains("<tr data-rule=\"demo-high\"><td><code>demo-high</code>"));
        assert!(
            page.find("data-rule=\"demo-high\" data-path").unwrap()
                < page.find("data-rule=\"demo-low\" data-path").unwrap()
        );
        // The finding knows its route, shows its lines and its flow with the source line.
        assert!(page.contains("data-route=\"POST /pay pay\""), "{page}");
        assert!(page.contains(
            "<span><span class=\"ln\">4</span>):</span><span><span class=\"ln\">5</span>    x = request.args[&#39;q&#39;]</span><span class=\"hit\"><span class=\"ln\">6</span>    bad_high(x)</span>"
        ), "{page}");
        assert!(page.contains("request input `request.args`<pre class=\"frame\"><span class=\"hit\"><span class=\"ln\">5</span>    x = request.args[&#39;q&#39;]</span></pre>"));
        // A function after the handler is not in its route.
        assert!(page.contains(&format!("data-path=\"{}\" data-route=\"\"", html(&path))));
        // A file that cannot be read leaves out the frame, not the finding.
        assert!(page.contains("data-path=\"other.py\" data-route=\"\""));
        assert!(page.contains("<option value=\"demo-low\">demo-low</option>"));
        assert!(page.contains("<tr class=\"unguarded\""));
        assert!(page.contains("<td>NONE</td>"));
        assert!(page.ends_with("</html>\n"));
    }

    #[test]
    fn code_paths_and_messages_cannot_inject_markup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x\"><b onclick=alert(1)>.py");
        std::fs::write(
            &path,
            "bad_high('</pre><script>alert(2)</script>\u{1b}[2J')\n",
        )
        .unwrap();
        let path = path.to_string_lossy().into_owned();
        let mut hostile = finding("demo-high", Severity::High, &path, (1, 1), (1, 10));
        hostile.message = "<img src=x onerror=alert(3)>\n\u{202e}".into();
        let notice = Notice {
            path: "<b>n</b>".into(),
            kind: crate::finding::NoticeKind::SyntaxError,
            message: "'quoted' & <i>".into(),
            line: Some(1),
        };
        let page = rendered(&outcome(vec![hostile], vec![notice]));
        assert_eq!(
            page.matches("<script>").count(),
            1,
            "only the page's own script"
        );
        assert!(!page.contains("<img"));
        assert!(!page.contains("<b>n</b>"));
        assert!(!page.contains('\u{1b}'));
        assert!(!page.contains('\u{202e}'));
        assert!(page.contains("&lt;img src=x onerror=alert(3)&gt;\\n\\u{202e}"));
        assert!(!page.contains("<b onclick"));
        assert!(page.contains("x&quot;&gt;&lt;b onclick=alert(1)&gt;.py"));
        assert!(page.contains("&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;?[2J"));
        assert!(page.contains("&#39;quoted&#39; &amp; &lt;i&gt;"));
    }
}
