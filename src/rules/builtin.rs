//! The built-in rule files, embedded in the binary at compile time.

use super::load::parse_builtin;
use super::{Rule, RuleFileError, RuleSet};
use std::sync::OnceLock;

/// `(path under rules/, YAML, its JSON form)` of every built-in rule file, made by `build.rs`.
pub(super) const FILES: &[(&str, &str, Option<&str>)] =
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// The embedded rules, compiled once per process (a clone shares the compiled matchers). The
/// test suite validates them, so an error here is a build defect.
pub(super) fn rules() -> Result<RuleSet, RuleFileError> {
    static COMPILED: OnceLock<RuleSet> = OnceLock::new();
    if let Some(rules) = COMPILED.get() {
        return Ok(rules.clone());
    }
    let rules = compile_all()?;
    Ok(COMPILED.get_or_init(|| rules).clone())
}

/// Compile the embedded rule files, in parallel.
fn compile_all() -> Result<RuleSet, RuleFileError> {
    use rayon::prelude::*;
    let per_file: Vec<Vec<Rule>> = FILES
        .par_iter()
        .map(|(path, text, json)| {
            let pack = path.split('/').next().unwrap_or("builtin");
            parse_builtin(path, text, *json, pack)
        })
        .collect::<Result<_, _>>()?;
    Ok(RuleSet::from_rules(
        per_file.into_iter().flatten().collect(),
    ))
}

/// The ids of the built-in rules without compiling them: every file is named after its rule
/// (checked by the test below).
pub(super) fn ids() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(path, ..)| {
        let file = path.rsplit('/').next().unwrap_or(path);
        file.strip_suffix(".yaml").unwrap_or(file)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::parse_rule_file;
    use std::collections::BTreeSet;
    use std::path::Path;

    #[test]
    fn every_rule_file_is_embedded_and_valid() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk = BTreeSet::new();
        for pack in std::fs::read_dir(&root).unwrap() {
            let pack = pack.unwrap().path();
            for file in std::fs::read_dir(&pack).unwrap() {
                let file = file.unwrap().path();
                let relative = file
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                on_disk.insert(relative);
            }
        }
        let embedded: BTreeSet<String> = FILES.iter().map(|(path, ..)| path.to_string()).collect();
        assert_eq!(on_disk, embedded, "rules/ and the embedded list differ");
        for (path, text, json) in FILES {
            assert!(json.is_some(), "{path} has no JSON form");
            let loaded =
                parse_rule_file(path, text, "test").unwrap_or_else(|err| panic!("{err:?}"));
            for rule in loaded {
                assert!(
                    path.ends_with(&format!("{}.yaml", rule.id)),
                    "{path} holds {}",
                    rule.id
                );
                assert!(
                    rule.help.matches("```").count() >= 4,
                    "{}: help needs a vulnerable and a fixed example",
                    rule.id
                );
            }
        }
        // Deferred queries read their captures and patterns from the text, and the JSON form
        // holds what the YAML does: the same as compiled from the YAML.
        for (path, text, json) in FILES {
            let eager = parse_rule_file(path, text, "test").unwrap();
            let deferred = parse_builtin(path, text, *json, "test").unwrap();
            assert_eq!(eager.len(), deferred.len(), "{path}");
            for (now, later) in eager.iter().zip(&deferred) {
                let metadata = |rule| serde_json::to_string(rule).unwrap();
                assert_eq!(metadata(now), metadata(later), "{path}");
                assert_eq!(now.paths, later.paths, "{path}");
                for &language in &now.languages {
                    let (Some(now), Some(later)) =
                        (now.logic.matcher(language), later.logic.matcher(language))
                    else {
                        continue;
                    };
                    assert_eq!(now.prefilter, later.prefilter, "{path}");
                    assert_eq!(
                        now.condition.potential_kinds(language),
                        later.condition.potential_kinds(language),
                        "{path}"
                    );
                }
            }
        }
        let ids: Vec<_> = rules()
            .unwrap()
            .iter()
            .map(|rule| rule.id.clone())
            .collect();
        let unique: BTreeSet<_> = ids.iter().collect();
        assert_eq!(ids.len(), unique.len(), "duplicate rule ids");
        let named: BTreeSet<String> = super::ids().map(str::to_string).collect();
        assert_eq!(
            named,
            ids.into_iter().collect(),
            "file names and rule ids differ"
        );
    }
}
