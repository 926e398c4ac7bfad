//! Templates in the data flow. A rule's match on a value a view passes to a template
//! (`prints-unescaped`) waits as a finding with [`Finding::via_template`]; once every file is
//! checked, the template is found by its name under the project's template directories, read
//! (only then, and once), and the finding is reported on each tag that prints the variable
//! without escaping, in the template or in one it includes or extends, with the view's flow
//! before it.

use super::template_syntax::{self, TemplateSyntax};
use crate::finding::Finding;
use crate::finding::Related;
use crate::rules::{Rule, RuleSet};
use crate::source::{Language, SourceFile};
use crate::suppress::{self, Suppression};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// Extensions of template files.
const EXTENSIONS: &[&str] = &["html", "htm", "jinja", "jinja2", "j2", "txt", "tera", "xml"];
/// Template directories every framework knows: Django app `templates/` (and `jinja2/` for its
/// Jinja2 backend), Flask, FastAPI, Tera and Askama `templates/`.
const DIR_NAMES: &[&str] = &["templates", "jinja2"];
/// How many `{% include %}`/`{% extends %}` levels are followed.
const MAX_INCLUDE_DEPTH: usize = 3;

/// Template directories a configuration names: Flask/Blueprint `template_folder=`,
/// `Jinja2Templates(directory=)`, Django `TEMPLATES` `DIRS`, `Tera::new("…/**/*")`.
static CONFIGURED_DIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:template_folder|directory)\s*=\s*[rf]?["']([^"']+)["']|Tera::new\(\s*"([^"]+)"|["']DIRS["']\s*:\s*\[([^\]]*)\]"#)
        .unwrap_or_else(|_| unreachable!("constant regex"))
});
/// A metavariable left in a rendered message.
static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$[A-Z_]").unwrap_or_else(|_| unreachable!("constant regex")));
static STRING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"["']([^"']+)["']"#).unwrap_or_else(|_| unreachable!("constant regex"))
});

/// Whether a file may be a template, by its extension.
pub fn has_template_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| EXTENSIONS.contains(&ext))
}

/// The names of the template directories a source file configures (their last component).
pub fn configured_dirs(text: &str) -> Vec<String> {
    if !(text.contains("template_folder")
        || text.contains("directory")
        || text.contains("Tera::new")
        || text.contains("DIRS"))
    {
        return Vec::new();
    }
    let mut dirs = Vec::new();
    for found in CONFIGURED_DIR.captures_iter(text) {
        let paths: Vec<String> = match (found.get(1).or(found.get(2)), found.get(3)) {
            (Some(path), _) => vec![path.as_str().to_string()],
            (None, Some(list)) => STRING
                .captures_iter(list.as_str())
                .map(|s| s[1].to_string())
                .collect(),
            (None, None) => Vec::new(),
        };
        for path in paths {
            let last = path
                .split(['/', '\\'])
                .rfind(|part| !part.is_empty() && !part.contains('*') && *part != ".");
            if let Some(last) = last {
                dirs.push(last.to_string());
            }
        }
    }
    dirs.sort();
    dirs.dedup();
    dirs
}

/// A template file the scan read, with what it reports.
pub struct TemplateResult {
    pub path: String,
    pub bytes: u64,
    pub findings: Vec<Finding>,
    pub suppressions: Vec<Suppression>,
}

/// Report the findings that wait for a template on the templates that print their value
/// unescaped. `files` are the template candidates the walk found, `dirs` the configured template
/// directory names. Every template read is returned (with its suppressions), findings or not.
pub fn link(
    pending: Vec<Finding>,
    files: &[PathBuf],
    dirs: &BTreeSet<String>,
    rules: &RuleSet,
) -> Vec<TemplateResult> {
    let mut library = Library::new(files, dirs);
    let mut reported: BTreeMap<usize, Vec<Finding>> = BTreeMap::new();
    for waiting in pending {
        let Some(used) = waiting.via_template.clone() else {
            continue;
        };
        let Some(rule) = rules.get(&waiting.rule_id) else {
            continue;
        };
        let handed = Related {
            path: waiting.path.clone(),
            start: waiting.start,
            message: format!(
                "passed to template `{}` as `{}`",
                used.template, used.variable
            ),
        };
        for root in library.resolve(&used.template, &waiting.path) {
            for (index, print) in library.raw_prints(root, &used.variable) {
                let Some((source, _)) = library.read(index) else {
                    continue;
                };
                let mut finding = waiting.clone();
                finding.message = message(rule, &waiting, &source.text[print.clone()]);
                finding.path = source.display_path.clone();
                finding.start = source.position(print.start);
                finding.end = source.position(print.end);
                finding.snippet = source.line_text(finding.start.line).to_string();
                finding.bytes = print;
                finding.via_template = None;
                finding.flow.push(handed.clone());
                reported.entry(index).or_default().push(finding);
            }
        }
    }
    library
        .read
        .into_iter()
        .filter_map(|(index, read)| {
            let (source, syntax) = read?;
            let mut findings = reported.remove(&index).unwrap_or_default();
            crate::check::settle(&mut findings, |id| rules.get(id));
            Some(TemplateResult {
                path: source.display_path.clone(),
                bytes: source.text.len() as u64,
                suppressions: suppress::in_template(&source, &syntax.comments),
                findings,
            })
        })
        .collect()
}

/// The finding's message with the rule's focus naming the template tag; the view's message when
/// the rule's message names other metavariables too.
fn message(rule: &Rule, waiting: &Finding, tag: &str) -> String {
    let focus = Language::from_path(Path::new(&waiting.path))
        .and_then(|language| rule.logic.matcher(language))
        .and_then(|matcher| matcher.focus.as_deref());
    focus
        .map(|var| rule.render_message(&[(var, tag.to_string())]))
        .filter(|message| !PLACEHOLDER.is_match(message))
        .unwrap_or_else(|| waiting.message.clone())
}

/// The project's templates, found by name and read on demand.
struct Library<'a> {
    /// Per candidate file: its display path, and the names it has as a template (the part of
    /// the path after each template directory above it).
    files: Vec<(&'a Path, String, Vec<String>)>,
    read: BTreeMap<usize, Option<(SourceFile, TemplateSyntax)>>,
}

impl<'a> Library<'a> {
    fn new(files: &'a [PathBuf], dirs: &BTreeSet<String>) -> Self {
        let files = files
            .iter()
            .map(|path| {
                let display = crate::discover::display_path(path);
                let parts: Vec<&str> = display.split('/').collect();
                let names = (0..parts.len().saturating_sub(1))
                    .filter(|&dir| DIR_NAMES.contains(&parts[dir]) || dirs.contains(parts[dir]))
                    .map(|dir| parts[dir + 1..].join("/"))
                    .collect();
                (path.as_path(), display, names)
            })
            .collect();
        Library {
            files,
            read: BTreeMap::new(),
        }
    }

    /// The templates `name` may mean for a view in `from`: files with that path under a
    /// template directory, the ones closest to the view (sharing the longest leading
    /// directories with it).
    fn resolve(&self, name: &str, from: &str) -> Vec<usize> {
        let name = name.trim_start_matches("./");
        let matching: Vec<(usize, usize)> = self
            .files
            .iter()
            .enumerate()
            .filter(|(_, (_, _, names))| names.iter().any(|known| known == name))
            .map(|(index, (_, display, _))| (index, shared_dirs(display, from)))
            .collect();
        let closest = matching.iter().map(|(_, shared)| *shared).max();
        matching
            .into_iter()
            .filter(|(_, shared)| Some(*shared) == closest)
            .map(|(index, _)| index)
            .collect()
    }

    /// The file's text and syntax, read once (`None` if it cannot be read as text).
    fn read(&mut self, index: usize) -> Option<&(SourceFile, TemplateSyntax)> {
        let (path, display, _) = &self.files[index];
        self.read
            .entry(index)
            .or_insert_with(|| {
                let text = std::fs::read_to_string(path).ok()?;
                let syntax = template_syntax::read(&text);
                // Templates are neither Python nor Rust; the language only names comment syntax,
                // which template reports do not use.
                let source =
                    SourceFile::new(path.to_path_buf(), display.clone(), Language::Python, text);
                Some((source, syntax))
            })
            .as_ref()
    }

    /// The tags that print `variable` unescaped in template `root` and the templates it
    /// includes or extends: (file, tag bytes).
    fn raw_prints(&mut self, root: usize, variable: &str) -> Vec<(usize, std::ops::Range<usize>)> {
        let mut found = Vec::new();
        let mut seen = BTreeSet::new();
        let mut level = vec![root];
        for _ in 0..=MAX_INCLUDE_DEPTH {
            let mut next = Vec::new();
            for index in level {
                if !seen.insert(index) {
                    continue;
                }
                let Some((source, syntax)) = self.read(index) else {
                    continue;
                };
                found.extend(
                    syntax
                        .raw
                        .iter()
                        .filter(|print| print.variable == variable)
                        .map(|print| (index, print.bytes.clone())),
                );
                let from = source.display_path.clone();
                let includes = syntax.includes.clone();
                for include in includes {
                    next.extend(self.resolve(&include, &from));
                }
            }
            level = next;
        }
        found
    }
}

/// How many leading directories two display paths share.
fn shared_dirs(a: &str, b: &str) -> usize {
    a.split('/')
        .zip(b.split('/'))
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_directories_by_their_last_component() {
        let settings = r#"TEMPLATES = [{"DIRS": [BASE_DIR / "site_templates", "/srv/theme/"]}]"#;
        assert_eq!(configured_dirs(settings), ["site_templates", "theme"]);
        let flask = r#"app = Flask(__name__, template_folder="views")"#;
        assert_eq!(configured_dirs(flask), ["views"]);
        let tera = r#"let tera = Tera::new("assets/pages/**/*.html")?;"#;
        assert_eq!(configured_dirs(tera), ["pages"]);
        assert!(configured_dirs("x = 1").is_empty());
    }

    #[test]
    fn names_resolve_under_template_directories_nearest_the_view() {
        let files: Vec<PathBuf> = [
            "shop/templates/shop/receipt.html",
            "blog/templates/shop/receipt.html",
            "shop/static/shop/receipt.html",
            "site/views/receipt.html",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let dirs = BTreeSet::from(["views".to_string()]);
        let library = Library::new(&files, &dirs);
        assert_eq!(library.resolve("shop/receipt.html", "shop/views.py"), [0]);
        assert_eq!(library.resolve("shop/receipt.html", "blog/views.py"), [1]);
        assert_eq!(library.resolve("receipt.html", "shop/views.py"), [3]);
        assert!(library
            .resolve("hop/receipt.html", "shop/views.py")
            .is_empty());
    }
}
