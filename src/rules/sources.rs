//! Loading rule files from disk (`--rules PATH`, configured rule directories).

use super::{parse_rule_file, Rule, RuleFileError, RuleSet, CUSTOM_PACK};
use miette::Diagnostic;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Every problem found while loading rule files; loading goes on past a broken file so that
/// `tollgate rules validate` can report them all.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{} rule file error(s)", errors.len())]
#[diagnostic(code(tollgate::rules))]
pub struct RuleLoadErrors {
    #[related]
    pub errors: Vec<RuleFileError>,
}

/// Load the rule files at `paths` (files, or directories searched recursively for `*.yaml`/`*.yml`).
/// Rule ids must be unique among them and must not clash with `existing`.
pub fn load_rule_paths(paths: &[PathBuf], existing: &RuleSet) -> Result<RuleSet, RuleLoadErrors> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        collect_yaml(path, &mut files, &mut errors, &mut seen);
    }
    files.sort();
    files.dedup();
    // A file reached twice (through a link) is loaded once, under the first name.
    let mut loaded = HashSet::new();
    files
        .retain(|file| loaded.insert(std::fs::canonicalize(file).unwrap_or_else(|_| file.clone())));
    let mut rules: Vec<Rule> = Vec::new();
    let mut first_seen: HashMap<String, String> = existing
        .iter()
        .map(|r| (r.id.clone(), "the built-in rules".to_string()))
        .collect();
    for file in files {
        let name = crate::report::sanitize(&file.to_string_lossy()).into_owned();
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(err) => {
                errors.push(RuleFileError::new(
                    &name,
                    "",
                    format!("cannot read rule file `{name}`: {err}"),
                    None,
                    None,
                ));
                continue;
            }
        };
        match parse_rule_file(&name, &text, CUSTOM_PACK) {
            Ok(loaded) => {
                for rule in loaded {
                    if let Some(first) = first_seen.get(&rule.id) {
                        errors.push(duplicate(&name, &text, &rule.id, first));
                    } else {
                        first_seen.insert(rule.id.clone(), name.clone());
                        rules.push(rule);
                    }
                }
            }
            Err(err) => errors.push(err),
        }
    }
    if errors.is_empty() {
        Ok(RuleSet::from_rules(rules))
    } else {
        Err(RuleLoadErrors { errors })
    }
}

/// The rule files at `path`, recursively; `seen` holds the directories already walked (by their
/// real path), so a link back to a parent is walked once.
fn collect_yaml(
    path: &Path,
    files: &mut Vec<PathBuf>,
    errors: &mut Vec<RuleFileError>,
    seen: &mut HashSet<PathBuf>,
) {
    let name = crate::report::sanitize(&path.to_string_lossy()).into_owned();
    if path.is_file() {
        files.push(path.to_path_buf());
        return;
    }
    if let Ok(real) = std::fs::canonicalize(path) {
        if !seen.insert(real) {
            return;
        }
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(err) => {
            let message = if path.exists() {
                format!("cannot read rule directory `{name}`: {err}")
            } else {
                format!("rule path `{name}` does not exist")
            };
            errors.push(RuleFileError::new(&name, "", message, None, None));
            return;
        }
    };
    for entry in entries.flatten() {
        let child = entry.path();
        if child.is_dir() {
            collect_yaml(&child, files, errors, seen);
        } else if child.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(child);
        }
    }
}

/// A duplicate id error pointing at the second definition.
fn duplicate(name: &str, text: &str, id: &str, first: &str) -> RuleFileError {
    let mut error = RuleFileError::new(
        name,
        text,
        format!("duplicate rule id `{id}`"),
        None,
        Some(format!("`{id}` is already defined in {first}")),
    );
    let needle = format!("id: {id}");
    let occurrences: Vec<usize> = text
        .match_indices(&needle)
        .map(|(at, _)| at + "id: ".len())
        .filter(|&at| {
            at + id.len() == text.len() || text[at + id.len()..].starts_with(['\n', '\r', ' ', '#'])
        })
        .collect();
    // Within one file the duplicate is the later definition; across files, this file's first.
    let at = if first == name {
        occurrences.last()
    } else {
        occurrences.first()
    };
    error.span = at.map(|&at| miette::SourceSpan::new(at.into(), id.len()));
    error
}
